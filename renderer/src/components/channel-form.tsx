// The open-a-channel form: the peer as PUBKEY@HOST:PORT, the channel's size from the wallet's
// coins, and an optional amount given to the peer at the start.
import { useState } from 'react';
import type { Results } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { codeOf, sentence } from '../errors.js';
import { satsText } from '../format.js';
import { submit, useAction } from '../hooks/use-action.js';
import { useAmount } from '../hooks/use-amount.js';
import { AMOUNT_EXAMPLE, AmountField } from './amount-field.js';
import { ErrorNote, TextField } from './field.js';

type Opened = Results['channel.open'] & { amountSat: number; peer: string };
type Problem = { field: 'peer' | 'amount' | 'form'; text: string; code?: string | undefined };

const PEER_CODES = new Set(['invalid-peer', 'peer-unreachable']);
const AMOUNT_CODES = new Set(['insufficient-funds', 'invalid-amount', 'amount-below-dust']);

function problemOf(e: unknown): Problem {
  const code = codeOf(e);
  const field = code && PEER_CODES.has(code) ? 'peer' : code && AMOUNT_CODES.has(code) ? 'amount' : 'form';
  return { field, text: sentence(e), code };
}

export function ChannelForm({ onOpened }: { onOpened: (notice: string) => void }) {
  const [peer, setPeer] = useState('');
  const amount = useAmount('sats');
  const push = useAmount('sats');
  const [opened, setOpened] = useState<Opened | undefined>(undefined);
  const { busy, error: problem, setError: setProblem, run } = useAction(problemOf);

  const sats = amount.sats;
  const pushSats = push.empty ? 0 : push.sats;
  const amountError = amount.bad ? AMOUNT_EXAMPLE : problem?.field === 'amount' ? problem.text : undefined;
  const pushError =
    pushSats === undefined ? AMOUNT_EXAMPLE : sats !== undefined && pushSats > 0 && pushSats >= sats ? 'Give the peer less than the whole channel.' : undefined;
  const ready = peer.trim() !== '' && sats !== undefined && sats > 0 && pushSats !== undefined && pushError === undefined;

  const edit = () => {
    setProblem(undefined);
    setOpened(undefined);
  };

  const open = () => {
    if (!ready) return;
    return run(async () => {
      const r = await call('channel.open', { peer: peer.trim(), amountSat: sats, pushSat: pushSats });
      setOpened({ ...r, amountSat: sats, peer: peer.trim() });
      amount.set('');
      push.set('');
      onOpened(`Channel of ${satsText(sats)} opening; funding transaction ${r.fundingTxid.slice(0, 12)}… is on its way.`);
    });
  };

  return (
    <section className="card" aria-labelledby="channel-open-title">
      <h2 id="channel-open-title">Open a channel</h2>
      <p className="muted">
        The channel’s amount leaves the wallet in a funding transaction; it can be used once that transaction has the confirmations the
        peer asks for. Closing the channel brings your side back on chain.
      </p>
      {opened ? (
        <div className="note" role="status" data-testid="channels/opened">
          <p>
            Channel <span className="mono small" data-testid="channels/opened-id">{opened.channelId}</span> of {satsText(opened.amountSat)} is
            opening. Funding transaction <span className="mono small" data-testid="channels/opened-txid">{opened.fundingTxid}</span>.
          </p>
        </div>
      ) : null}
      <form onSubmit={submit(open)}>
        <TextField
          label="Peer"
          hint="The other node as PUBKEY@HOST:PORT: its public key (66 hex characters), then where it listens."
          error={problem?.field === 'peer' ? problem.text : undefined}
          testId="channels/peer"
          placeholder="02…@host:9735"
          value={peer}
          onChange={(text) => {
            setPeer(text);
            edit();
          }}
        />
        <AmountField
          {...amount.field(edit)}
          error={amountError}
          label="Channel amount"
          hint="The channel’s size, paid from this wallet’s coins (plus the funding transaction’s fee)."
          testId="channels/open"
        />
        <AmountField
          {...push.field(edit)}
          error={push.empty ? undefined : pushError}
          label="Push to the peer"
          hint="Optional: given to the peer when the channel opens. It becomes theirs; it is not a loan."
          testId="channels/push"
        />
        <ErrorNote text={problem?.field === 'form' ? problem.text : undefined} code={problem?.code} testId="channels/open-error" />
        <button type="submit" disabled={busy || !ready} data-testid="channels/open-submit">
          {busy ? 'Opening… (waiting for the peer)' : sats ? `Open a channel of ${satsText(sats)}` : 'Open channel'}
        </button>
      </form>
    </section>
  );
}
