// The contract's playground peer calls: `playground.peer|invoice|pay|offer`, on the regtest
// playground only (the peer itself is service/playground-peer.ts).

import { CofferError } from '../../api/errors.js';
import { RpcClient } from '../../node/rpc-client.js';
import type { HandlerMap, SessionHost } from './handler.js';
import { mine } from './node.js';

export type PlaygroundMethods = 'playground.peer' | 'playground.invoice' | 'playground.pay' | 'playground.offer';

/** The confirmations a channel waits for (LDK's default), mined at once as the card's own opening does. */
const CONFIRMATIONS = 6;
/** How long the funding transaction may take to reach the embedded node, at most. */
const MEMPOOL_TRIES = 50;
const MEMPOOL_PAUSE_MS = 100;

/** Wait until the embedded node holds `txid` (the peer broadcasts its funding once the wallet's node signed), so the blocks mined next confirm it. */
async function reachesNode(host: SessionHost, txid: string): Promise<void> {
  const c = host.nodeControl();
  if (!c) throw new CofferError('node-not-running', 'The embedded node is not running.');
  const rpc = new RpcClient(`http://127.0.0.1:${c.rpcPort}/`, { user: 'coffer', password: c.apiKey });
  for (let i = 0; i < MEMPOOL_TRIES; i++) {
    if ((await rpc.call<string[]>('getrawmempool')).includes(txid)) return;
    await new Promise((resolve) => setTimeout(resolve, MEMPOOL_PAUSE_MS));
  }
  throw new CofferError(
    'backend-unavailable',
    `The playground peer's funding transaction ${txid} did not reach the embedded node, so no blocks were mined for its channel; the peer's log (playground-peer/logs in the data folder) says why.`,
    { txid },
  );
}

export function playgroundHandlers(host: SessionHost): HandlerMap<PlaygroundMethods> {
  return {
    'playground.peer': async () => (await host.playgroundPeer()).info(),
    'playground.invoice': async ({ amountMsat, description }) => (await host.playgroundPeer()).invoice(amountMsat, description),
    'playground.pay': async ({ bolt11 }) => (await host.playgroundPeer()).pay(bolt11),
    'playground.offer': async ({ amountSat }) => {
      const peer = await host.playgroundPeer();
      const opened = await peer.offer(await host.lightning(), amountSat);
      await reachesNode(host, opened.fundingTxid);
      await mine(host, CONFIRMATIONS);
      // Both nodes see the confirmations now (mine synced the wallet's): the channel gets ready without waiting for the peer's next round.
      await peer.sync();
      return opened;
    },
  };
}
