// The contract's Lightning methods: the reads that need no running node, `ln.decode` (a BOLT 11
// invoice as LDK parses and checks it) and `ln.payments` / `ln.invoices` (what the node recorded,
// invoices read again for their expiry), and those the running node answers (`ln.info|invoice|pay`,
// `channel.*`).

import type { LnInvoice, LnPayment } from '../../api/contract.js';
import { listPayments } from '../../db/channel-store.js';
import { withDbErrors } from '../../db/database.js';
import type { WalletService } from '../wallet-service.js';
import type { ChannelNode } from '../../channels/channel-node.js';
import { CofferError } from '../../api/errors.js';
import type { HandlerMap } from './handler.js';

export type LightningReadMethods = 'ln.decode' | 'ln.payments' | 'ln.invoices';

/** Sent payments, and received ones (an invoice paid, or a payment that came without one). */
function payments(w: WalletService): LnPayment[] {
  return withDbErrors(() => listPayments(w.database))
    .filter((r) => r.direction === 'out' || r.status === 'succeeded')
    .map(({ direction, ...rest }) => ({ ...rest, direction: direction === 'out' ? 'sent' : 'received' }));
}

async function invoices(w: WalletService): Promise<LnInvoice[]> {
  const rows = withDbErrors(() => listPayments(w.database)).filter((r) => r.direction === 'in' && r.bolt11 !== undefined);
  if (rows.length === 0) return [];
  const { decodeInvoice } = await import('../../channels/invoice.js');
  const now = Date.now() / 1000;
  const out: LnInvoice[] = [];
  for (const r of rows) {
    const info = await decodeInvoice(r.bolt11!);
    const paid = r.status === 'succeeded';
    out.push({
      paymentHash: r.paymentHash,
      bolt11: r.bolt11!,
      ...(info.amountMsat !== undefined ? { amountMsat: info.amountMsat } : {}),
      ...(paid && r.amountMsat !== undefined ? { receivedMsat: r.amountMsat } : {}),
      ...(info.description ? { description: info.description } : {}),
      status: paid ? 'paid' : info.expiresAt <= now ? 'expired' : 'open',
      createdAt: r.createdAt,
      expiresAt: info.expiresAt,
      ...(r.settledAt !== undefined ? { settledAt: r.settledAt } : {}),
    });
  }
  return out;
}

export function lightningReadHandlers(wallet: () => WalletService): HandlerMap<LightningReadMethods> {
  return {
    'ln.decode': async ({ bolt11 }) => {
      wallet();
      // LDK (a second to load) is loaded by this call, not with every command.
      const { decodeInvoice } = await import('../../channels/invoice.js');
      return decodeInvoice(bolt11);
    },
    'ln.payments': () => payments(wallet()),
    'ln.invoices': () => invoices(wallet()),
  };
}

export type LightningNodeMethods = 'ln.info' | 'ln.invoice' | 'ln.pay' | 'ln.keysend' | 'channel.open' | 'channel.list' | 'channel.backup' | 'channel.close';

/** `node` starts the wallet's Lightning node on first use; `changed` starts a sync round. */
export function lightningNodeHandlers(node: () => Promise<ChannelNode>, changed: () => void): HandlerMap<LightningNodeMethods> {
  return {
    'ln.info': async () => (await node()).info(),
    'ln.invoice': async (p) => (await node()).invoice(p.amountMsat, p.description, p.expirySecs),
    'ln.pay': async (p) => (await node()).pay(p.bolt11, p.amountMsat),
    'ln.keysend': async (p) => (await node()).keysend(p.nodeId, p.amountMsat),
    'channel.open': async (p) => {
      const r = await (await node()).open(p.peer, p.amountSat, p.pushSat);
      changed();
      return r;
    },
    'channel.list': async () => (await node()).list(),
    'channel.backup': async ({ file }) => {
      if (file === undefined) throw new CofferError('usage', 'Name the channel backup file.');
      return (await node()).setBackup(file);
    },
    'channel.close': async (p) => {
      const r = (await node()).close(p.id, p.force);
      changed();
      return r;
    },
  };
}
