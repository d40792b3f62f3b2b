// The chain fed to LDK after each sync round: confirmations that left the best chain, the stored
// transactions not yet fed (block by block, with their headers), then the new tip.

import * as ldk from 'lightningdevkit';
import { hashToHex } from '../chain/bytes.js';
import { confirmedChainTxs, markFed, unconfirmChainTxsAbove, unfedChainTxs } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import type { ChainView } from './chain-watch.js';
import type { NodeContext } from './context.js';
import { option32Bytes } from './ldk.js';
import type { ChannelViews } from './views.js';

/** Tell LDK what changed: transactions that left the best chain, those that entered it, the new tip. */
export function feedChain(ctx: NodeContext, views: ChannelViews, chain: ChainView): number | undefined {
  if (ctx.stopped) return undefined;
  let fedFrom: number | undefined;
  const confirms = [ctx.ldk.manager.as_Confirm(), ctx.ldk.chainMonitor.as_Confirm()];
  const onChain = (hash: Uint8Array, height: number) => height <= chain.height && height >= 0 && hashToHex(chain.hashAt(height)) === hashToHex(hash);
  withDbErrors(() => {
    for (const t of confirmedChainTxs(ctx.db)) {
      if (!onChain(t.blockHash!, t.height!)) unconfirmChainTxsAbove(ctx.db, t.height! - 1);
    }
  });
  for (const c of confirms) {
    for (const r of c.get_relevant_txids()) {
      const hash = option32Bytes(r.get_c());
      if (hash && !onChain(hash, r.get_b())) for (const d of confirms) d.transaction_unconfirmed(r.get_a());
    }
  }
  const unfed = withDbErrors(() => unfedChainTxs(ctx.db));
  let i = 0;
  while (i < unfed.length) {
    const height = unfed[i]!.height!;
    const group: typeof unfed = [];
    while (i < unfed.length && unfed[i]!.height === height) group.push(unfed[i++]!);
    if (!onChain(group[0]!.blockHash!, height)) continue;
    const header = chain.header(height);
    const txdata = group.map((t) => ldk.TwoTuple_usizeTransactionZ.constructor_new(t.pos!, t.raw));
    for (const c of confirms) c.transactions_confirmed(header, txdata, height);
    fedFrom = Math.min(fedFrom ?? height, height);
    withDbErrors(() => {
      for (const t of group) markFed(ctx.db, t.txid);
    });
  }
  views.afterBlocks();
  const tipHeader = chain.header(chain.height);
  for (const c of confirms) c.best_block_updated(tipHeader, chain.height);
  ctx.schedule();
  return fedFrom;
}
