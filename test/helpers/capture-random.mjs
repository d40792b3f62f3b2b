// Test-only preload (NODE_OPTIONS=--import): appends every crypto.getRandomValues output, hex, to
// the file named by COFFER_CAPTURE_RANDOM, in the main thread and in worker threads alike, so a
// test can rebuild a key that was generated and wiped, and then look for it on disk.
import fs from 'node:fs';

const file = process.env.COFFER_CAPTURE_RANDOM;
if (file) {
  const original = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  globalThis.crypto.getRandomValues = (array) => {
    const out = original(array);
    fs.appendFileSync(file, `${Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('hex')}\n`);
    return out;
  };
}
