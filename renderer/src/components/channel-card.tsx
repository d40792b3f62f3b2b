// One Lightning channel: the peer, its state, capacity and both balances, and a close or force
// close behind a confirm step that says what each costs and when the funds come back.
import { useState } from 'react';
import type { ChannelInfo } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { blocksText, msatText, satsText } from '../format.js';
import { Fiat } from './fiat.js';
import { useAction } from '../hooks/use-action.js';
import { ErrorNote } from './field.js';

/** About the size of a cooperative closing transaction: one 2-of-2 input, two outputs. */
export const CLOSE_VBYTES = 170;
/**
 * What the opener concedes above its fee estimate rather than force close when the peer asks for
 * more (LDK's `force_close_avoidance_max_fee_satoshis`, left at its default). An LDK peer always
 * asks for the most the opener allows, so with one this is the fee paid.
 */
export const CLOSE_FEE_ALLOWANCE_SAT = 1_000;

const STATE_WORDS: Record<ChannelInfo['state'], string> = {
  opening: 'Opening: waiting for the funding transaction',
  pending: 'Waiting for confirmations',
  ready: 'Open',
  closing: 'Closing',
  closed: 'Closed: your funds are on their way back',
};

function confirmationsText(c: ChannelInfo): string {
  if (c.state === 'opening') return 'no funding transaction yet';
  if (c.state === 'closed') {
    return c.claimableAt !== undefined
      ? `the close is on chain; Coffer sweeps your funds back to the wallet from block ${c.claimableAt.toLocaleString('en-US')}`
      : 'the close is on chain; Coffer sweeps your funds back to the wallet';
  }
  const n = c.confirmations.toLocaleString('en-US');
  if (c.state === 'pending' && c.confirmationsRequired !== undefined) return `${n} of ${c.confirmationsRequired.toLocaleString('en-US')}`;
  return `${n} confirmation${c.confirmations === 1 ? '' : 's'}`;
}

function usableText(c: ChannelInfo): string {
  if (c.usable) return 'yes: payments can go through it';
  if (c.state === 'ready') return 'no: the peer is not connected';
  return 'not yet';
}

/** What a cooperative close costs and who pays it, from the wallet's current fee rate. */
function CloseSteps({ c, feeRate }: { c: ChannelInfo; feeRate: number | undefined }) {
  const base = feeRate !== undefined ? Math.ceil(feeRate * CLOSE_VBYTES) : undefined;
  return (
    <>
      <p>
        Both sides sign a closing transaction that pays each its balance; your <strong>{msatText(c.localBalanceMsat)}</strong>
        {c.outbound ? ' (less the fee)' : ''} are back in the wallet once it has one confirmation. The peer must be online. The fee is agreed with the peer at the current rate.
      </p>
      {!c.outbound ? (
        <p data-testid="channel/close-estimate">The peer opened the channel, so it pays the fee.</p>
      ) : base === undefined ? (
        <p data-testid="channel/close-estimate">You opened the channel, so the fee comes out of your balance.</p>
      ) : (
        <p data-testid="channel/close-estimate" data-max-fee={base + CLOSE_FEE_ALLOWANCE_SAT}>
          You opened the channel, so the fee comes out of your balance: about {satsText(base)} ({feeRate} sat/vB × about {CLOSE_VBYTES} vbytes),
          at most {satsText(base + CLOSE_FEE_ALLOWANCE_SAT)}: rather than fail and force close, Coffer accepts up to{' '}
          {satsText(CLOSE_FEE_ALLOWANCE_SAT)} more if the peer asks for it, and some peers always do.
        </p>
      )}
    </>
  );
}

function ForceSteps({ c }: { c: ChannelInfo }) {
  const wait = c.forceCloseDelay !== undefined ? blocksText(c.forceCloseDelay) : 'the number of blocks the peer set when the channel opened';
  return (
    <>
      <p>
        For a peer that is gone. Coffer broadcasts the last state both sides signed, without the peer. Your{' '}
        <strong>{msatText(c.localBalanceMsat)}</strong> then wait <strong data-testid="channel/force-delay">{wait}</strong> after that
        transaction confirms, and Coffer sweeps them back to the wallet by itself while its Lightning node runs.
      </p>
      <p>
        {c.type === 'anchor'
          ? 'Coffer pays the closing transaction’s fee up to the rate of the day with a child transaction from the wallet’s coins (the fee reserve),'
          : `The closing transaction’s fee was fixed when that state was signed (${c.outbound ? 'it comes out of your balance' : 'the peer pays it'}),`}{' '}
        and the sweep pays a fee of its own at the rate of the day. Close normally if the peer is online: it is cheaper and faster.
      </p>
    </>
  );
}

export function ChannelCard({ c, feeRate, onDone }: { c: ChannelInfo; feeRate: number | undefined; onDone: (notice: string) => void }) {
  const [step, setStep] = useState<'close' | 'force' | undefined>(undefined);
  const { busy, error, run } = useAction();

  const close = (force: boolean) =>
    run(async () => {
      const r = await call('channel.close', { id: c.channelId, force });
      setStep(undefined);
      onDone(
        force
          ? `Channel force-closed: your ${msatText(c.localBalanceMsat)} come back ${r.delay !== undefined ? `${blocksText(r.delay)} after` : 'some blocks after'} the closing transaction confirms.`
          : `Channel closing: your ${msatText(c.localBalanceMsat)} come back to the wallet once the closing transaction confirms.`,
      );
    });

  const canClose = c.state === 'ready' || c.state === 'pending';
  return (
    <li className="card channel" data-testid="channel" data-channel-id={c.channelId} data-state={c.state} data-usable={c.usable} aria-labelledby={`channel-${c.channelId}`}>
      <div className="channel-head">
        <h3 id={`channel-${c.channelId}`} data-testid="channel/capacity">
          {satsText(c.capacitySat)}
        </h3>
        <Fiat sats={c.capacitySat} />
        <span className={`badge channel-${c.state}`} data-testid="channel/state">
          {STATE_WORDS[c.state]}
        </span>
      </div>
      <dl className="facts">
        <dt>Peer</dt>
        <dd className="mono small" data-testid="channel/counterparty">
          {c.counterparty}
        </dd>
        <dt>Your balance</dt>
        <dd data-testid="channel/local" data-msat={c.localBalanceMsat}>
          {msatText(c.localBalanceMsat)} <Fiat sats={c.localBalanceMsat / 1000} />
        </dd>
        <dt>Peer’s balance</dt>
        <dd data-testid="channel/remote" data-msat={c.remoteBalanceMsat}>
          {msatText(c.remoteBalanceMsat)} <Fiat sats={c.remoteBalanceMsat / 1000} />
        </dd>
        <dt>Confirmations</dt>
        <dd data-testid="channel/confirmations">{confirmationsText(c)}</dd>
        <dt>Usable</dt>
        <dd data-testid="channel/usable">{usableText(c)}</dd>
        <dt>Opened by</dt>
        <dd>{c.outbound ? 'you' : 'the peer'}</dd>
        {c.type ? (
          <>
            <dt>Type</dt>
            <dd data-testid="channel/type">{c.type === 'anchor' ? 'anchor (a force close is fee-bumped from the wallet)' : 'legacy (its closing fee is fixed when signed)'}</dd>
          </>
        ) : null}
        {c.fundingTxid ? (
          <>
            <dt>Funding transaction</dt>
            <dd className="mono small" data-testid="channel/funding-txid">
              {c.fundingTxid}
            </dd>
          </>
        ) : null}
        <dt>Channel</dt>
        <dd className="mono small">{c.channelId}</dd>
      </dl>
      {step ? (
        <div className="confirm" role="group" aria-label={step === 'force' ? 'Confirm the force close' : 'Confirm the close'} data-testid="channel/close-step" data-force={step === 'force'}>
          {step === 'force' ? <ForceSteps c={c} /> : <CloseSteps c={c} feeRate={feeRate} />}
          <div className="actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void close(step === 'force')} data-testid="channel/close-confirm">
              {busy ? 'Closing…' : step === 'force' ? 'Yes, force close' : 'Yes, close the channel'}
            </button>
            <button type="button" className="secondary" autoFocus disabled={busy} onClick={() => setStep(undefined)} data-testid="channel/close-keep">
              Keep it open
            </button>
          </div>
        </div>
      ) : c.state === 'closed' ? null : (
        <div className="actions">
          {canClose ? (
            <button type="button" className="secondary" disabled={busy} onClick={() => setStep('close')} data-testid="channel/close">
              Close…
            </button>
          ) : null}
          <button type="button" className="secondary danger-text" disabled={busy} onClick={() => setStep('force')} data-testid="channel/force-close">
            Force close…
          </button>
        </div>
      )}
      <ErrorNote text={error?.text} code={error?.code} testId="channel/error" />
    </li>
  );
}
