// Funding: the funding transaction a channel opening needs, built by the host from the wallet's
// coins and held until LDK's broadcaster releases it; abandoned when the channel never opens.

import * as ldk from 'lightningdevkit';
import { CofferError } from '../api/errors.js';
import { hashToHex } from '../chain/bytes.js';
import { parseTx, txid as txidOf } from '../chain/tx.js';
import { fundingByChannel, isHeldFunding, putChainTx, putFunding, setFundingStatus } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import { persistChangeSet } from '../db/change-set-store.js';
import { getTxStatus } from '../db/tx-store.js';
import { statusChange } from '../wallet/change-set.js';
import type { NodeContext } from './context.js';
import { apiErrorText, hex } from './ldk.js';

export class ChannelFunding {
  constructor(private readonly ctx: NodeContext) {}

  /** Build and sign the funding transaction from the wallet's coins, once `check` passed; it stays held until LDK releases it. */
  fund(e: ldk.Event_FundingGenerationReady, check: () => void): void {
    const temp = hex(e.temporary_channel_id.get_a());
    try {
      check();
      // LDK needs a funding transaction whose id cannot change: the host spends segwit coins only.
      const done = this.ctx.host.fundChannel({ script: e.output_script, amountSat: Number(e.channel_value_satoshis) }, (txid) =>
        putFunding(this.ctx.db, txid, temp, hex(e.counterparty_node_id)),
      );
      const r = this.ctx.ldk.manager.funding_transaction_generated(e.temporary_channel_id, e.counterparty_node_id, done.raw);
      if (!(r instanceof ldk.Result_NoneAPIErrorZ_OK)) {
        this.abandonFunding(done.txid);
        throw new CofferError('channel-open-failed', `LDK refused the funding transaction: ${apiErrorText((r as ldk.Result_NoneAPIErrorZ_Err).err)}.`);
      }
    } catch (err) {
      this.ctx.ldk.manager.force_close_without_broadcasting_txn(e.temporary_channel_id, e.counterparty_node_id, 'funding failed');
      const w = this.ctx.opens.get(temp);
      if (w) {
        clearTimeout(w.timer);
        this.ctx.opens.delete(temp);
        w.reject(err instanceof CofferError ? err : new CofferError('channel-open-failed', (err as Error).message));
      }
    }
  }

  discardFunding(temporaryOrChannelId: string): void {
    const f = withDbErrors(() => fundingByChannel(this.ctx.db, temporaryOrChannelId));
    if (f && f.status === 'held') this.abandonFunding(f.txid);
  }

  abandonFunding(txid: Uint8Array): void {
    withDbErrors(() =>
      this.ctx.db.transaction(() => {
        if (!isHeldFunding(this.ctx.db, txid)) return;
        setFundingStatus(this.ctx.db, txid, 'discarded');
        if (getTxStatus(this.ctx.db, txid) === 'pending') persistChangeSet(this.ctx.db, statusChange(txid, 'abandoned'));
      }).immediate(),
    );
  }

  /** LDK's broadcaster: a held funding transaction is released (the peer has signed), then everything goes out; settles once the network answered. */
  release(raw: Uint8Array): Promise<void> {
    const txid = txidOf(parseTx(raw));
    withDbErrors(() => {
      if (isHeldFunding(this.ctx.db, txid)) setFundingStatus(this.ctx.db, txid, 'released');
      putChainTx(this.ctx.db, txid, raw);
    });
    this.ctx.host.log.info('ln.broadcast', { txid: hashToHex(txid) });
    return this.ctx.host.broadcast(raw).then(
      () => {
        withDbErrors(() => {
          if (getTxStatus(this.ctx.db, txid) === 'pending') persistChangeSet(this.ctx.db, statusChange(txid, 'seen'));
        });
      },
      (err: unknown) => this.ctx.host.log.warn('ln.broadcast-failed', { txid: hashToHex(txid), code: err instanceof CofferError ? err.code : 'internal' }),
    );
  }
}
