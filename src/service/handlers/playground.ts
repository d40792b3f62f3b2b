// The contract's playground peer calls: `playground.peer|invoice|pay`, on the regtest playground only
// (the peer itself is service/playground-peer.ts).

import type { HandlerMap, SessionHost } from './handler.js';

export type PlaygroundMethods = 'playground.peer' | 'playground.invoice' | 'playground.pay';

export function playgroundHandlers(host: SessionHost): HandlerMap<PlaygroundMethods> {
  return {
    'playground.peer': async () => (await host.playgroundPeer()).info(),
    'playground.invoice': async ({ amountMsat, description }) => (await host.playgroundPeer()).invoice(amountMsat, description),
    'playground.pay': async ({ bolt11 }) => (await host.playgroundPeer()).pay(bolt11),
  };
}
