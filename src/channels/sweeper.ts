// The sweeper: what closes left to LDK's own keys (delayed and revoked outputs) spent back into
// the wallet, retried every tick until the transaction goes out.

import * as ldk from 'lightningdevkit';
import { CofferError } from '../api/errors.js';
import { hashToHex } from '../chain/bytes.js';
import { parseTx, txid as txidOf } from '../chain/tx.js';
import { markSwept, unsweptDescriptors } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import { persistChangeSet } from '../db/change-set-store.js';
import { signedTx } from '../wallet/change-set.js';
import type { NodeContext } from './context.js';
import { feerateToKw } from './node-assembly.js';

export class Sweeper {
  constructor(private readonly ctx: NodeContext) {}

  /** Spend what closes left to LDK's keys into the wallet; retried every tick until it goes out. */
  private sweeping = false;
  async sweep(): Promise<void> {
    if (this.sweeping || this.ctx.stopped) return;
    this.sweeping = true;
    try {
      const stored = withDbErrors(() => unsweptDescriptors(this.ctx.db));
      if (stored.length === 0) return;
      const descriptors: ldk.SpendableOutputDescriptor[] = [];
      for (const d of stored) {
        const r = ldk.SpendableOutputDescriptor.constructor_read(d);
        if (r instanceof ldk.Result_SpendableOutputDescriptorDecodeErrorZ_OK) descriptors.push(r.res);
      }
      const script = this.ctx.host.changeScript();
      const feerate = feerateToKw(this.ctx.host.feeRates().slow);
      const r = this.ctx.ldk.keys.as_OutputSpender().spend_spendable_outputs(descriptors, [], script, feerate, ldk.Option_u32Z.constructor_none());
      if (!(r instanceof ldk.Result_TransactionNoneZ_OK)) {
        this.ctx.host.log.warn('ln.sweep-unbuildable', { outputs: descriptors.length });
        return;
      }
      const raw = r.res;
      const txid = txidOf(parseTx(raw));
      try {
        await this.ctx.host.broadcast(raw);
      } catch (err) {
        // Usually a delayed output whose wait is not over yet: try again at the next tick.
        this.ctx.host.log.info('ln.sweep-waiting', { txid: hashToHex(txid), code: err instanceof CofferError ? err.code : 'internal' });
        return;
      }
      withDbErrors(() =>
        this.ctx.db.transaction(() => {
          persistChangeSet(this.ctx.db, signedTx(txid, raw, 'seen'));
          markSwept(this.ctx.db, stored, txid);
        }).immediate(),
      );
      this.ctx.host.log.info('ln.swept', { txid: hashToHex(txid), outputs: descriptors.length });
    } catch (err) {
      this.ctx.host.log.warn('ln.sweep-failed', { code: err instanceof CofferError ? err.code : 'internal' });
    } finally {
      this.sweeping = false;
    }
  }
}
