// Writes test/durations.json (seconds per test file, longest first) from a vitest JSON report:
// `npm run test:durations` runs the suite with that report and then this.

import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

const report = JSON.parse(readFileSync('test-results/vitest.json', 'utf8'));
const seconds = report.testResults.map((r) => [relative(process.cwd(), r.name).split('\\').join('/'), Math.max(1, Math.round((r.endTime - r.startTime) / 1000))]);
seconds.sort((a, b) => b[1] - a[1]);
writeFileSync('test/durations.json', `${JSON.stringify(Object.fromEntries(seconds), null, 1)}\n`);
console.log(`test/durations.json: ${seconds.length} files, ${seconds.reduce((s, [, n]) => s + n, 0)} s in all`);
