// The contract's Lightning reads that need no running node: `ln.decode` (a BOLT 11 invoice as
// LDK parses and checks it) and `ln.payments` / `ln.invoices` (what the node recorded).

import type { LnPayment } from '../../api/contract.js';
import { listPayments, type PaymentRow } from '../../db/channel-store.js';
import { withDbErrors } from '../../db/database.js';
import type { WalletService } from '../wallet-service.js';
import type { HandlerMap } from './handler.js';

export type LightningReadMethods = 'ln.decode' | 'ln.payments' | 'ln.invoices';

function recorded(w: WalletService, direction: PaymentRow['direction']): LnPayment[] {
  return withDbErrors(() => listPayments(w.database))
    .filter((r) => r.direction === direction)
    .map(({ direction: _, ...rest }) => rest);
}

export function lightningReadHandlers(wallet: () => WalletService): HandlerMap<LightningReadMethods> {
  return {
    'ln.decode': async ({ bolt11 }) => {
      wallet();
      // LDK (a second to load) is loaded by this call, not with every command.
      const { decodeInvoice } = await import('../../channels/invoice.js');
      return decodeInvoice(bolt11);
    },
    'ln.payments': () => recorded(wallet(), 'out'),
    'ln.invoices': () => recorded(wallet(), 'in'),
  };
}
