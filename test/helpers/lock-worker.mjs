// A process that competes for a lock (src/service/lock-file.ts, built into dist/) on command, for
// the lock race test. Reads lines from stdin: `try FILE AT_MS` waits until the clock reads AT_MS
// (so that two workers try at the same moment) and answers `won` or `lost CODE`; `release` lets go.
import readline from 'node:readline';

const { acquireLock } = await import(new URL('../../dist/src/service/lock-file.js', import.meta.url).href);
let held;
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, file, at] = line.split(' ');
  if (command === 'release') {
    held?.release();
    held = undefined;
    process.stdout.write('released\n');
    return;
  }
  while (Date.now() < Number(at)) {
    // spin: a timer would wake too late to race
  }
  try {
    held = acquireLock(file, 'Lightning');
    process.stdout.write('won\n');
  } catch (e) {
    process.stdout.write(`lost ${e.code ?? 'unknown'}\n`);
  }
});
process.stdout.write('ready\n');
