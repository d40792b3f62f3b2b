#!/usr/bin/env node
// Entry point of the `coffer` command; the code lives in src/cli (compiled to dist/).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('error: internal: Coffer is not built; run `npm run build` first.\n');
  process.exit(1);
}
// A reader that went away (`coffer help | head -c1`, a closed pipe) is not an error of the command:
// the rest of the output is dropped and the command ends as it would have (a tower goes on
// guarding). Left unhandled, the EPIPE crashed the process with a stack trace.
let outputFailed = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    // Any other write error means output was lost: the command then fails, still without a trace.
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') outputFailed = true;
  });
}
const { main } = await import(entry.href);
const status = await main(process.argv.slice(2));
process.exitCode = status === 0 && outputFailed ? 1 : status;
