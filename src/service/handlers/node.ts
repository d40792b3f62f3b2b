// The contract's chain calls: `sync.now`, `sync.peers` (the light client's peers), and `node.mine`
// (regtest with the embedded node: the playground's blocks).

import { CofferError } from '../../api/errors.js';
import { addressToScript } from '../../keys/address.js';
import { bcoinAddress } from '../../node/embedded-node.js';
import { RpcClient } from '../../node/rpc-client.js';
import type { HandlerMap, SessionHost } from './handler.js';

export type NodeMethods = 'sync.now' | 'sync.peers' | 'node.mine';

/** Regtest with the embedded node: mine to the wallet's next address (or `to`), then sync; the new height. */
export async function mine(host: SessionHost, blocks: number, to?: string): Promise<number> {
  const w = host.wallet();
  if (w.network !== 'regtest' || host.backendKind() !== 'node') {
    throw new CofferError('backend-unavailable', 'Mining works only in the regtest playground (embedded node).');
  }
  await host.syncSession();
  const c = host.nodeControl();
  if (!c) throw new CofferError('node-not-running', 'The embedded node is not running.');
  const rpc = new RpcClient(`http://127.0.0.1:${c.rpcPort}/`, { user: 'coffer', password: c.apiKey });
  const address = bcoinAddress(addressToScript(to ?? w.nextAddress().address, w.network), w.network);
  await rpc.call('generatetoaddress', [blocks, address]);
  const height = await rpc.call<number>('getblockcount');
  // A round already running may have read the chain before these blocks: wait for it, then sync again.
  await host.idle();
  await host.sync();
  return height;
}

export function nodeHandlers(host: SessionHost): HandlerMap<NodeMethods> {
  return {
    'sync.now': async () => {
      await host.sync();
      return { ok: true as const };
    },
    'sync.peers': () => {
      host.wallet(); // no-wallet: there is no chain source without one
      return { peers: host.peers() };
    },
    'node.mine': async ({ blocks }) => ({ height: await mine(host, blocks) }),
  };
}
