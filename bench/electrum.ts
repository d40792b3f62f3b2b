// Issue 19's figure: a clean data directory to a synced wallet of 1,000 transactions on a bcoin
// regtest chain of 5,000 blocks, through ElectrumX and through BIP37 in one run (`coffer wallet
// restore` of fixed words, then `coffer sync`, each a real process as a user runs them).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDescriptor, ScriptDeriver } from '../src/keys/descriptors.js';
import { coffer } from '../test/helpers/cli.js';
import { PASSWORD_ENV } from '../test/helpers/daemon.js';
import { startElectrumX } from '../test/helpers/electrumx.js';
import { startNode } from '../test/helpers/regtest.js';
import { restore, WORDS } from './lightclient.js';
import { report, type Figure } from './measure.js';
import { payWallet } from './sync.js';

export async function benchElectrum(blocks = 5_000, txs = 1_000): Promise<Figure[]> {
  const node = await startNode();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-bench-electrum-'));
  // Started before the chain is built: it indexes along, as a public server has.
  const x = await startElectrumX(node, { asShipped: true });
  try {
    await node.fund();
    const probe = restore(path.join(tmp, 'probe'));
    const deriver = new ScriptDeriver(parseDescriptor(probe.receive, 'regtest'), 'regtest');
    probe.wallet.close();
    const setupStart = performance.now();
    const expected = await payWallet(node, deriver, blocks, txs);
    await x.synced(node.tipHeight());
    const setupS = (performance.now() - setupStart) / 1000;
    const words = path.join(tmp, 'words');
    fs.writeFileSync(words, WORDS);

    const figures: Figure[] = [];
    const runs = [
      { name: 'ElectrumX (tcp)', backend: ['--backend', 'electrum', '--server', x.tcpUrl] },
      { name: 'bloom filters (BIP37)', backend: ['--backend', 'spv', '--connect', node.address] },
    ];
    for (const run of runs) {
      const dir = path.join(tmp, run.backend[1]!);
      const start = performance.now();
      const restored = await coffer(['--datadir', dir, '--network', 'regtest', 'wallet', 'restore', '--mnemonic-file', words, '--birthday', '0'], { env: PASSWORD_ENV });
      if (restored.code !== 0) throw new Error(`electrum benchmark: restore failed: ${restored.stderr}`);
      const restoredS = (performance.now() - start) / 1000;
      const synced = await coffer(['--datadir', dir, '--network', 'regtest', ...run.backend, 'sync', '--mempool-wait', '0'], { env: PASSWORD_ENV });
      const seconds = (performance.now() - start) / 1000;
      const result = synced.json as { tipHeight: number; balance: { confirmed: number } } | undefined;
      if (synced.code !== 0 || result?.balance.confirmed !== expected || result.tipHeight !== node.tipHeight()) {
        throw new Error(`electrum benchmark: ${run.name}: wrong result ${synced.stdout}${synced.stderr} (expected ${expected} at ${node.tipHeight()})`);
      }
      const f: Figure = { name: `${run.name}: clean dir to synced, ${txs.toLocaleString('en')} txs`, value: seconds, unit: 's', note: `restore ${restoredS.toFixed(1)} s, sync ${(seconds - restoredS).toFixed(1)} s; ${blocks.toLocaleString('en')} blocks` };
      report([f]);
      figures.push(f);
    }
    console.log(`compact filters: bcoin serves no BIP157, so that figure needs btcd: \`npm run bench lightclient\` (same chain shape; chain built here in ${setupS.toFixed(0)} s)`);
    return figures;
  } finally {
    await x.close();
    await node.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
