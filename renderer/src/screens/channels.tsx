// Channels (Lightning): the node, which opening this screen starts in the core; the channels with
// their balances and a close step each; forms to open a channel, pay and create invoices; the
// payments and invoices so far; and the channel backup with what the recovery words can and
// cannot bring back.
import { useState } from 'react';
import type { ChannelInfo, Results } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { ChannelBackup } from '../components/channel-backup.js';
import { ChannelCard } from '../components/channel-card.js';
import { ChannelForm } from '../components/channel-form.js';
import { CopyButton } from '../components/copy-button.js';
import { ErrorNote } from '../components/field.js';
import { InvoiceForm } from '../components/invoice-form.js';
import { LnHistory } from '../components/ln-history.js';
import { PayForm } from '../components/pay-form.js';
import { PlaygroundPeer } from '../components/playground-peer.js';
import { msatText } from '../format.js';
import { useLoad } from '../hooks/use-load.js';

/** Channels change with the peer's messages, not only with wallet events: reload this long after each load while the screen is open. */
const POLL_MS = 3_000;

/** Channels that can still change first, in the core's order. */
const ORDER: Record<ChannelInfo['state'], number> = { opening: 0, pending: 1, ready: 2, closing: 3, closed: 4 };

function NodeCard({ info, channels, error, onRetry }: { info: Results['ln.info'] | undefined; channels: ChannelInfo[]; error: string | undefined; onRetry: () => void }) {
  if (!info) {
    return (
      <section className="card" aria-labelledby="ln-node-title" data-testid="channels/node" aria-busy={!error}>
        <h2 id="ln-node-title">Lightning node</h2>
        {error ? (
          <>
            <p className="error" role="alert" data-testid="channels/node-error">
              Lightning cannot start: {error}
            </p>
            <button type="button" className="secondary" onClick={onRetry} data-testid="channels/node-retry">
              Try again
            </button>
          </>
        ) : (
          <p className="muted" data-testid="channels/node-loading">
            Starting the Lightning node… (it needs the wallet unlocked and the chain synced; this can take a few seconds)
          </p>
        )}
      </section>
    );
  }
  const usable = channels.filter((c) => c.usable);
  return (
    <section className="card" aria-labelledby="ln-node-title" data-testid="channels/node">
      <h2 id="ln-node-title">Lightning node</h2>
      <dl className="facts">
        <dt>Node ID</dt>
        <dd>
          <span className="mono small" data-testid="channels/node-id">
            {info.nodeId}
          </span>{' '}
          <CopyButton text={info.nodeId} label="Copy node ID" testId="channels/copy-node-id" />
        </dd>
        <dt>Listening</dt>
        <dd data-testid="channels/listen">
          {info.listen !== undefined ? `on ${info.listenHost ?? ''} port ${info.listen}` : 'no: this node opens channels to others (coffer daemon --ln-listen accepts peers)'}
        </dd>
        <dt>Channels opened by peers</dt>
        <dd data-testid="channels/inbound">
          {info.acceptsChannels
            ? `accepted from ${info.acceptsChannels.minSat.toLocaleString('en-US')} to ${info.acceptsChannels.maxSat.toLocaleString('en-US')} sats`
            : 'refused (coffer daemon --ln-accept-inbound accepts them)'}
        </dd>
        <dt>Forwarding others’ payments</dt>
        <dd data-testid="channels/forwards">{info.forwards ? 'yes (coffer daemon --ln-forward)' : 'no'}</dd>
        <dt>Fee reserve</dt>
        <dd data-testid="channels/anchor-reserve">{info.anchorReserve > 0 ? `${info.anchorReserve.toLocaleString('en-US')} sats of the wallet kept for fee bumps of your channels` : 'none (no anchor channel open)'}</dd>
        <dt>Connected peers</dt>
        <dd data-testid="channels/peers">{info.peers}</dd>
        <dt>Usable channels</dt>
        <dd data-testid="channels/usable-count">
          {usable.length} of {channels.length}
        </dd>
        <dt>In usable channels</dt>
        <dd data-testid="channels/totals">
          {msatText(usable.reduce((n, c) => n + c.localBalanceMsat, 0))} on your side (you can send up to about this),{' '}
          {msatText(usable.reduce((n, c) => n + c.remoteBalanceMsat, 0))} on the peers’ side (you can receive up to about this)
        </dd>
      </dl>
      <ErrorNote text={error} testId="channels/node-error" />
    </section>
  );
}

/** `onNotice` shows a notice and reloads (the revision goes up). */
export function Channels({ revision, network, onNotice }: { revision: number; network: string; onNotice: (text: string) => void }) {
  // ln.info first: it starts the node; the list needs it running.
  const node = useLoad(
    async () => {
      const info = await call('ln.info', {});
      return { info, channels: await call('channel.list', {}) };
    },
    revision,
    POLL_MS,
  );
  const fees = useLoad(() => call('fees.get', {}), revision);
  const { reload } = node;
  /** An invoice the playground peer made, handed to the pay form. */
  const [peerInvoice, setPeerInvoice] = useState<string | undefined>(undefined);

  const info = node.data?.info;
  const channels = [...(node.data?.channels ?? [])].sort((a, b) => ORDER[a.state] - ORDER[b.state]);
  return (
    <>
      <h1>Channels</h1>
      <p className="muted" data-testid="channels/explanation">
        A Lightning channel holds bitcoin in a transaction shared with one peer; payments move the balance between you at once and for
        tiny fees, without a block each. Opening and closing a channel are on-chain transactions.
      </p>
      <NodeCard info={info} channels={channels} error={node.error} onRetry={reload} />
      {info ? (
        <>
          <PlaygroundPeer revision={revision} channels={channels} onNotice={onNotice} onInvoice={setPeerInvoice} />
          <section aria-labelledby="channel-list-title">
            <h2 id="channel-list-title">Your channels</h2>
            {channels.length === 0 ? (
              <p className="muted" data-testid="channels/empty">
                No channels yet.
              </p>
            ) : (
              <ul className="channels" data-testid="channels/list">
                {channels.map((c) => (
                  <ChannelCard key={c.channelId} c={c} feeRate={fees.data?.normal} onDone={onNotice} />
                ))}
              </ul>
            )}
          </section>
          <ChannelForm onOpened={onNotice} />
          <PayForm onPaid={reload} preset={peerInvoice} />
          <InvoiceForm />
          <LnHistory revision={revision} pollMs={POLL_MS} />
          <ChannelBackup network={network} />
        </>
      ) : null}
    </>
  );
}
