// Child process for the start-up benchmark: load a stored header chain, report time and memory.

import { genesisStart } from '../src/chain/header-chain.js';
import { chainParams } from '../src/chain/params.js';
import { HeaderStore } from '../src/db/header-store.js';

const store = HeaderStore.open(process.argv[2] ?? '.', chainParams('regtest'), genesisStart());
const readyMs = performance.now();
const height = store.chain.height;
store.close();
global.gc?.();
process.stdout.write(JSON.stringify({ readyMs, rssMiB: process.memoryUsage().rss / 2 ** 20, height }));
