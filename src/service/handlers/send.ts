// The contract's sends and fee estimates: `send.preview`, `send.confirm`, `fees.get`. The flows
// are spend-flows.ts; the presets wallet-service.ts.

import { CofferError } from '../../api/errors.js';
import { hashToHex } from '../../chain/bytes.js';
import { HIGH_FEE_SHARE } from '../../wallet/policy.js';
import { previewSend, send } from '../spend-flows.js';
import { parseOutpoint } from '../spend-service.js';
import { fixedPresets, presetRate, type FeePreset } from '../../wallet/fees.js';
import type { CoreHost, HandlerMap } from './handler.js';
import { unlockWith } from './spend.js';

export type SendMethods = 'send.preview' | 'send.confirm' | 'fees.get';

export function sendHandlers(host: CoreHost): HandlerMap<SendMethods> {
  return {
    'send.preview': async (p) => {
      const w = host.wallet();
      const rate = await host.feeRate(p.feeRate, p.feePreset);
      const req = { recipients: p.recipients, feeRate: rate.feeRate, ...(p.inputs ? { inputs: p.inputs.map(parseOutpoint) } : {}) };
      // The checks confirm makes, on the size the signed transaction will have, so a preview never
      // approves what the send refuses; planned under the write lock and rolled back (no change
      // address handed out).
      const { plan, vsize, feeRate } = previewSend(w, { ...req, acceptHighFee: true });
      return {
        fee: plan.fee,
        vsize,
        feerate: Math.round(feeRate * 100) / 100,
        feeSource: rate.source,
        change: plan.changeIndex !== undefined ? plan.outputs[plan.changeIndex]!.value : 0,
        amountSent: plan.amountSent,
        highFee: plan.amountSent > 0 && plan.fee / plan.amountSent > HIGH_FEE_SHARE,
        inputs: plan.inputs.length,
        outpoints: plan.inputs.map((i) => `${hashToHex(i.txid)}:${i.vout}`),
        feeRateUsed: rate.feeRate,
      };
    },
    'send.confirm': async (p) => {
      const w = host.wallet();
      if (w.locked && p.password === undefined) throw new CofferError('wallet-locked', 'The wallet is locked; unlock it with your password.');
      const rate = await host.feeRate(p.feeRate, p.feePreset);
      const req = { recipients: p.recipients, feeRate: rate.feeRate, feeSource: rate.source, ...(p.inputs ? { inputs: p.inputs.map(parseOutpoint) } : {}), acceptHighFee: p.acceptHighFee, dryRun: p.dryRun };
      // The password becomes a key only once the send has passed every check that needs none.
      const r = await send(w, await host.syncSession(), req, unlockWith(w, p.password));
      if (r.broadcast) host.changed();
      return r;
    },
    'fees.get': async () => {
      const w = host.wallet();
      const est = await (await host.syncSession()).fees();
      const rate = (preset: FeePreset) => presetRate(w, est, preset).feeRate;
      // `presets` names the rates that are the wallet's fixed settings, so no screen calls them estimates.
      const presets = fixedPresets(est);
      return { fast: rate('fast'), normal: rate('normal'), slow: rate('slow'), floor: est.floor, source: est.normal !== undefined ? est.source : 'presets', estimatesFrom: est.source, presets };
    },
  };
}
