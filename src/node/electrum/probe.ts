// The app's test-connection button for an Electrum server: connect as a sync would, check the
// network by its genesis header, and say the tip and the TLS certificate against the pinned one,
// pinning nothing.

import type { ServerTest } from '../../api/electrum.js';
import { CofferError } from '../../api/errors.js';
import { equalBytes } from '../../chain/bytes.js';
import type { ChainParams } from '../../chain/params.js';
import type { Socks5Proxy } from '../../p2p/socks5.js';
import { ElectrumClient, serverName, type ElectrumServer } from './client.js';

const PROBE_TIMEOUT_MS = 15_000;

export async function probeServer(server: ElectrumServer, params: ChainParams, opts: { proxy?: Socks5Proxy; pinned?: string } = {}): Promise<ServerTest> {
  let seen: string | undefined;
  // Every certificate is taken here, to be shown: whether it matches the pin is the answer.
  const pins = { get: () => undefined, set: (_: string, fingerprint: string) => void (seen = fingerprint) };
  const c = await ElectrumClient.connect(server, { pins, timeoutMs: PROBE_TIMEOUT_MS, ...(opts.proxy ? { proxy: opts.proxy } : {}) });
  try {
    const [, genesis, tip] = await Promise.all([c.request('server.version', ['Coffer', '1.4']), c.request('blockchain.block.header', [0]), c.request<{ height?: unknown }>('blockchain.headers.subscribe')]);
    if (typeof genesis !== 'string' || !equalBytes(Uint8Array.from(Buffer.from(genesis, 'hex')), params.genesis)) {
      throw new CofferError('wrong-network', `The Electrum server ${serverName(server)} serves another network than ${params.network}.`, { network: params.network });
    }
    if (typeof tip?.height !== 'number' || !Number.isSafeInteger(tip.height)) throw new CofferError('backend-error', `The Electrum server ${serverName(server)} sent no tip height.`, { reason: 'tip' });
    const certificate = !server.tls ? 'tcp' : seen === undefined ? 'trusted' : opts.pinned === undefined ? 'new' : opts.pinned === seen ? 'same' : 'changed';
    return { server: serverName(server), tipHeight: tip.height, ...(seen ? { fingerprint: seen } : {}), certificate };
  } finally {
    c.close();
  }
}
