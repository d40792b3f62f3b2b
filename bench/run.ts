// `npm run bench`: prints each benchmark's figures. Not a test; nothing here asserts timings.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchHeaders } from './headers.js';
import { benchKeys } from './keys.js';
import { benchEmbeddedNode, benchPsbtSign, benchSpend } from './spend.js';
import { benchSync } from './sync.js';
import { benchUi } from './ui.js';
import { benchVault } from './vault.js';
import { benchChannels } from './channels.js';
import { benchElectrum } from './electrum.js';
import { benchLndChannel } from './lnd-channel.js';
import { benchGraph } from './graph.js';
import { benchFilters } from './filters.js';
import { benchLightClient } from './lightclient.js';
import { btcdAvailable } from '../test/helpers/btcd.js';
import { ELECTRUMX_BIN } from '../test/helpers/electrumx.js';
import { lndAvailable } from '../test/helpers/lnd.js';
import { benchTowers } from './tower.js';
import { report } from './measure.js';

console.log(`Coffer benchmarks on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
const only = process.argv[2];
const mainnetFile = path.resolve(import.meta.dirname, '../../test/vectors/mainnet-headers-000000-010236.bin');
if (!only || only === 'keys') report(benchKeys());
if (!only || only === 'headers') report(benchHeaders(mainnetFile));
if (!only || only === 'sync') report(await benchSync());
if (!only || only === 'spend') report(await benchSpend());
if (!only || only === 'spend' || only === 'psbt') report(await benchPsbtSign());
if (!only || only === 'spend' || only === 'psbt') report(await benchPsbtSign([500, 2_000], 'tr'));
if (!only || only === 'node') report(await benchEmbeddedNode());
if (!only || only === 'ui') report(await benchUi());
if (!only || only === 'vault') report(benchVault());
if (!only || only === 'filters') report(benchFilters());
if (!only || only === 'lightclient') {
  if (btcdAvailable()) report(await benchLightClient());
  else console.log('lightclient: btcd is not built; run scripts/tools.sh first');
}
if (!only || only === 'channels') {
  // Coffer <-> Coffer, then Coffer -> lnd in the same run (issue 18's figure).
  await benchChannels();
  if (lndAvailable() && btcdAvailable()) await benchLndChannel();
  else console.log('channels: lnd or btcd is not built; run scripts/tools.sh first (Coffer -> lnd skipped)');
}
if (!only || only === 'electrum') {
  if (fs.existsSync(ELECTRUMX_BIN)) await benchElectrum();
  else console.log('electrum: ElectrumX is not installed; run scripts/electrumx.sh first');
}
if (!only || only === 'graph') await benchGraph();
if (!only || only === 'tower') report(await benchTowers());
