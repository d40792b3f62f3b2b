// The Lightning lock (src/service/lock-file.ts) between real processes: two racing for it never
// both win, even right after its holder was killed, and a killed holder's lock is free at once.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/service/lock-file.js';
import { tmpDir } from '../helpers/tmp.js';

const WORKER = path.resolve('test/helpers/lock-worker.mjs');
const ROUNDS = 30;

class Worker {
  private readonly answers: string[] = [];
  private wake: (() => void) | undefined;
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const parts = out.split('\n');
      out = parts.pop()!;
      this.answers.push(...parts);
      this.wake?.();
    });
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }

  static async start(): Promise<Worker> {
    const w = new Worker(spawn(process.execPath, [WORKER], { stdio: ['pipe', 'pipe', 'inherit'] }));
    expect(await w.next()).toBe('ready');
    return w;
  }

  async next(): Promise<string> {
    while (this.answers.length === 0) await new Promise<void>((r) => (this.wake = r));
    return this.answers.shift()!;
  }

  ask(line: string): Promise<string> {
    this.child.stdin!.write(`${line}\n`);
    return this.next();
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

const workers: Worker[] = [];
afterAll(async () => {
  for (const w of workers) await w.kill();
});

describe('the Lightning lock between processes', () => {
  it('two processes racing for it: exactly one wins every round, and a SIGKILLed holder leaves it free', async () => {
    const file = path.join(tmpDir('coffer-lock-'), 'lightning.lock');
    workers.push(await Worker.start(), await Worker.start());
    for (let round = 0; round < ROUNDS; round++) {
      const at = Date.now() + 100;
      const answers = await Promise.all(workers.map((w) => w.ask(`try ${file} ${at}`)));
      expect(answers.filter((a) => a === 'won'), `round ${round}: ${answers.join(', ')}`).toHaveLength(1);
      expect(answers.filter((a) => a !== 'won')).toEqual(['lost lightning-unavailable']);
      // The winner dies holding the lock (a crash, kill -9): a new process takes its place.
      const i = answers.indexOf('won');
      await workers[i]!.kill();
      workers[i] = await Worker.start();
    }
    // Free at once for this process too, and held against the others until released.
    const lock = acquireLock(file, 'Lightning');
    expect(await workers[0]!.ask(`try ${file} 0`)).toBe('lost lightning-unavailable');
    lock.release();
    expect(await workers[0]!.ask(`try ${file} 0`)).toBe('won');
    expect(await workers[0]!.ask('release')).toBe('released');
  });
});
