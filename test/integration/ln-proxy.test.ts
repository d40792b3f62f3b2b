// Lightning through a real SOCKS5 proxy (Debian's microsocks): a `coffer daemon` started with
// --proxy opens a channel to another daemon named by host name, and the funding transaction
// reaches the node. The proxy's log shows both the light client's peer and the Lightning peer,
// named to it as given: a direct connection would not be in it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { party, startDaemon, stopDaemon, type Party } from '../helpers/daemon.js';
import { startMicrosocks, type Microsocks } from '../helpers/microsocks.js';
import { startNode, waitFor, type RegtestNode } from '../helpers/regtest.js';
import { tmpDir } from '../helpers/tmp.js';

describe('Lightning through a SOCKS5 proxy', () => {
  let node: RegtestNode;
  let proxy: Microsocks;
  let a: Party;
  let b: Party;
  beforeAll(async () => {
    // One after the other: whichever started is stopped by afterAll even if the other fails.
    proxy = await startMicrosocks({ bind: '127.0.0.2' });
    node = await startNode();
    await node.fund();
    a = await party(node, tmpDir(), [1_000_000], ['--proxy', proxy.url]);
    b = await party(node, tmpDir(), []);
    await Promise.all([startDaemon(node, a, { args: ['--proxy', proxy.url] }), startDaemon(node, b, { listen: true, inbound: true })]);
  });
  afterAll(async () => {
    for (const p of [a, b]) if (p) await stopDaemon(p, 'SIGKILL');
    await Promise.all([node?.close(), proxy?.close()]);
  });

  it('opens a channel to a peer named by host name, through the proxy', async () => {
    const bd = b.daemon!;
    const r = await a.run(['channel', 'open', '--peer', `${bd.nodeId}@localhost:${bd.listen}`, '--amount', '300000']);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(() => node.mempool().includes(r.json.fundingTxid), 20_000, 'the funding transaction in the mempool');
    expect(proxy.log()).toContain(`connected to localhost:${bd.listen}`);
    expect(proxy.log()).toContain(`connected to ${node.address}`);
  });
});
