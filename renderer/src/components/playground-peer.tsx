// The playground peer on the channels screen (regtest playground only): a second Lightning node the
// core runs, to open a channel to or take one from, pay and be paid by in one click each, without
// typing its address.
import type { ChannelInfo } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { codeOf, sentence } from '../errors.js';
import { amount, msatText, satsText } from '../format.js';
import { useAction, type Failure } from '../hooks/use-action.js';
import { useLoad } from '../hooks/use-load.js';
import { CopyButton } from './copy-button.js';
import { ErrorNote } from './field.js';

/** One click's amounts: the channel either side opens, what the wallet pays the peer, what the peer pays the wallet. */
const CHANNEL_SAT = 1_000_000;
const TO_PEER_MSAT = 20_000_000;
/**
 * On the wallet's channel the peer pays back part of what it was paid; on the peer's, the wallet
 * starts with nothing and can pay only above its reserve (1% of the channel): it is paid more.
 */
const FROM_PEER_MSAT = { ours: 5_000_000, theirs: 50_000_000 };
/** The confirmations the peer asks of a channel (LDK's default). */
const CONFIRMATIONS = 6;

/** The peer's failure to pay: its own words would call its channels "your channels". */
function peerPayFailure(e: unknown): Failure {
  if (codeOf(e) === 'insufficient-funds') return { text: 'The playground peer has too little on its side of the channel to pay you: pay it first.', code: 'insufficient-funds' };
  return { text: sentence(e), code: codeOf(e) };
}

interface Props {
  revision: number;
  channels: ChannelInfo[];
  onNotice: (text: string) => void;
  /** The peer made an invoice: for the pay form. */
  onInvoice: (bolt11: string) => void;
}

/** Shown on the playground only: a regtest wallet on the embedded node (where the core runs the peer). */
export function PlaygroundPeer(props: Props) {
  const status = useLoad(() => call('app.status', {}), 0);
  return status.data?.open?.network === 'regtest' && status.data.open.backend === 'node' ? <PeerCard {...props} /> : null;
}

function PeerCard({ revision, channels, onNotice, onInvoice }: Props) {
  const peer = useLoad(() => call('playground.peer', {}), revision);
  const action = useAction();
  const paying = useAction(peerPayFailure);
  const busy = action.busy || paying.busy;
  const error = paying.error ?? action.error;
  /** One error shown at a time: the last action's. */
  const run = (fn: () => Promise<unknown>) => {
    paying.setError(undefined);
    return action.run(fn);
  };
  const p = peer.data;
  if (!p) {
    return (
      <section className="card" aria-labelledby="playground-peer-title" data-testid="playground-peer" aria-busy={!peer.error}>
        <h2 id="playground-peer-title">Playground peer</h2>
        {peer.error ? (
          <p className="error" role="alert" data-testid="playground-peer/error">
            The playground peer cannot start: {peer.error}
          </p>
        ) : (
          <p className="muted">Starting a second Lightning node to try channels with…</p>
        )}
      </section>
    );
  }
  const channel = channels.find((c) => c.counterparty === p.nodeId && c.state !== 'closed' && c.state !== 'closing');
  const fromPeerMsat = channel?.outbound === false ? FROM_PEER_MSAT.theirs : FROM_PEER_MSAT.ours;
  const open = () =>
    run(async () => {
      await call('channel.open', { peer: p.uri, amountSat: CHANNEL_SAT });
      // The playground mines the confirmations the peer asks for, as a person would with the mine buttons.
      await call('node.mine', { blocks: CONFIRMATIONS });
      onNotice(`Channel of ${satsText(CHANNEL_SAT)} to the playground peer opened; ${CONFIRMATIONS} blocks mined to confirm it.`);
    });
  const accept = () =>
    run(async () => {
      // The core mines its confirmations.
      await call('playground.offer', { amountSat: CHANNEL_SAT });
      onNotice(`The playground peer opened a channel of ${satsText(CHANNEL_SAT)} to you, confirmed: you can receive up to about that much.`);
    });
  const askInvoice = () =>
    run(async () => {
      const inv = await call('playground.invoice', { amountMsat: TO_PEER_MSAT, description: 'Trying the playground' });
      onInvoice(inv.bolt11);
    });
  const getPaid = () => {
    action.setError(undefined);
    return paying.run(async () => {
      const inv = await call('ln.invoice', { amountMsat: fromPeerMsat, description: 'From the playground peer' });
      await call('playground.pay', { bolt11: inv.bolt11 });
      onNotice(`The playground peer paid you ${msatText(fromPeerMsat)}.`);
    });
  };
  const mine = () =>
    run(async () => {
      await call('node.mine', { blocks: 1 });
      onNotice('1 block mined.');
    });
  return (
    <section className="card" aria-labelledby="playground-peer-title" data-testid="playground-peer">
      <h2 id="playground-peer-title">Playground peer</h2>
      <p className="muted">
        A second Lightning node on your playground, run by Coffer on this computer with play money, to try a channel with: open one
        to it (your coins on your side: you pay first) or accept one it funds (its coins on its side: it pays you first), make
        payments both ways, then close the channel with its Close button below.
      </p>
      <dl className="facts">
        <dt>Node ID</dt>
        <dd className="mono small" data-testid="playground-peer/node-id">
          {p.nodeId}
        </dd>
        <dt>Address</dt>
        <dd>
          <span className="mono small" data-testid="playground-peer/uri">
            {p.uri}
          </span>{' '}
          <CopyButton text={p.uri} label="Copy the peer’s address" testId="playground-peer/copy" />
        </dd>
        <dt>Its on-chain coins</dt>
        <dd data-testid="playground-peer/balance">{amount(p.onChainSat)}</dd>
      </dl>
      <div className="actions">
        {channel ? (
          <>
            <button type="button" disabled={busy || !channel.usable} onClick={() => void askInvoice()} data-testid="playground-peer/invoice">
              Ask it for an invoice of {msatText(TO_PEER_MSAT)}
            </button>
            <button type="button" className="secondary" disabled={busy || !channel.usable} onClick={() => void getPaid()} data-testid="playground-peer/get-paid">
              Have it pay you {msatText(fromPeerMsat)}
            </button>
          </>
        ) : (
          <>
            <button type="button" disabled={busy} onClick={() => void open()} data-testid="playground-peer/open">
              {busy ? 'Opening…' : `Open a channel of ${satsText(CHANNEL_SAT)} to it`}
            </button>
            <button type="button" disabled={busy} onClick={() => void accept()} data-testid="playground-peer/offer">
              {busy ? 'Opening…' : `Accept a channel of ${satsText(CHANNEL_SAT)} from it, to receive`}
            </button>
          </>
        )}
        <button type="button" className="secondary" disabled={busy} onClick={() => void mine()} data-testid="playground-peer/mine">
          Mine 1 block
        </button>
      </div>
      {channel && !channel.usable ? <p className="muted" data-testid="playground-peer/waiting">The channel becomes usable once both nodes have seen its confirmations.</p> : null}
      <ErrorNote text={error?.text} code={error?.code} testId="playground-peer/action-error" />
    </section>
  );
}
