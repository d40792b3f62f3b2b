// Test files in order of their measured length, longest first, so the two workers end together
// on a fresh clone too (vitest's own timings live in node_modules/.vite and are absent there;
// without them it runs the largest files first, and a short file of a few long tests can start
// last). test/durations.json holds seconds per file from a full run: refresh it with
// `npm run test:durations` after adding a slow file. Files it does not list count as 10 s.

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const durations = JSON.parse(readFileSync(new URL('./durations.json', import.meta.url), 'utf8')) as Record<string, number>;
const UNKNOWN_S = 10;

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const seconds = (f: TestSpecification) => durations[relative(root, f.moduleId).split('\\').join('/')] ?? UNKNOWN_S;
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
