// `npm run bench`: prints each benchmark's figures. Not a test; nothing here asserts timings.

import os from 'node:os';
import { benchKeys } from './keys.js';
import { report } from './measure.js';

console.log(`Coffer benchmarks on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
report(benchKeys());
