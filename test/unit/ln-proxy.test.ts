// Lightning's peer sockets and the proxy: with one, a channel peer is dialled through it by name
// (an onion address included), its failure a `peer-unreachable`; without one an onion peer is
// refused rather than looked up in DNS. (Only the dialling: LDK itself is not started here.)

import { afterEach, describe, expect, it } from 'vitest';
import type { NodeContext } from '../../src/channels/context.js';
import type { ChannelPersistence } from '../../src/channels/persistence.js';
import { PeerSockets } from '../../src/channels/peer-sockets.js';
import type { Socks5Proxy } from '../../src/p2p/socks5.js';
import { closeFakeProxies, fakeProxy } from '../helpers/fake-socks.js';

const ONION = 'vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd.onion';
const NODE_ID = Uint8Array.from([2, ...new Array<number>(32).fill(0x11)]);

/** The parts of a node PeerSockets touches before LDK has a socket: its options and its (empty) peer list. */
function sockets(proxy?: Socks5Proxy): PeerSockets {
  const ctx = { opts: proxy ? { proxy } : {}, stopped: false, ldk: { peers: { list_peers: () => [] } } } as unknown as NodeContext;
  const persistence = { refuseWhileBackupFails: () => undefined } as unknown as ChannelPersistence;
  return new PeerSockets(ctx, persistence);
}

afterEach(() => closeFakeProxies());

describe('Lightning peers and the proxy', () => {
  it('dials a channel peer through the proxy by name; the proxy failing is peer-unreachable with its reason', async () => {
    const { proxy, seen } = await fakeProxy({ reply: [5, 0xf2, 0, 1, 0, 0, 0, 0, 0, 0] });
    await expect(sockets(proxy).connect(NODE_ID, ONION, 9735)).rejects.toMatchObject({
      code: 'peer-unreachable',
      message: expect.stringMatching(/onion service introduction failed/),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ atyp: 3, host: ONION, port: 9735 });
    expect(seen[0]!.username).toMatch(/^[0-9a-f]{24}$/);
  });

  it('refuses an onion peer without a proxy', async () => {
    await expect(sockets().connect(NODE_ID, ONION, 9735)).rejects.toMatchObject({
      code: 'peer-unreachable',
      message: expect.stringMatching(/only through a proxy/),
    });
  });
});
