// One vault's presigning key, held by a short-lived worker thread (vault-signer-worker.ts): open()
// learns its public key (the deposit script needs it), sign() has it sign the set for the funded
// outpoint once, after which the key is wiped and the thread gone. Nothing is ever written.

import { Worker } from 'node:worker_threads';
import { CofferError, type ErrorCode } from '../api/errors.js';
import type { PresignedSet, PresignRequest } from '../vaults/vault-tx.js';

const WORKER = new URL('./vault-signer-worker.js', import.meta.url);

type Reply = { kPub: Uint8Array } | { set: PresignedSet } | { error: { code: ErrorCode | 'internal'; message: string } };

/** The worker's next message; an error or exit first rejects. */
function nextReply(worker: Worker): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: Reply) => {
      done();
      resolve(m);
    };
    const onError = () => {
      done();
      reject(new Error('the presigning worker failed'));
    };
    const onExit = () => {
      done();
      reject(new Error('the presigning worker stopped'));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

export class Presigner {
  private used = false;

  private constructor(
    private readonly worker: Worker,
    readonly kPub: Uint8Array,
  ) {}

  /** Starts the worker; `workerUrl` only for tests that run from the sources. */
  static async open(workerUrl: URL = WORKER): Promise<Presigner> {
    const worker = new Worker(workerUrl);
    try {
      const first = await nextReply(worker);
      if (!('kPub' in first)) throw new Error('the presigning worker answered out of turn');
      return new Presigner(worker, first.kPub);
    } catch (e) {
      await worker.terminate();
      throw e;
    }
  }

  /** Signs the set for the funded deposit; the key is wiped whatever the outcome. Once only. */
  async sign(req: Omit<PresignRequest, 'k'>): Promise<PresignedSet> {
    if (this.used) throw new Error('a presigning key signs one vault only');
    this.used = true;
    try {
      const reply = nextReply(this.worker);
      this.worker.postMessage(req);
      const r = await reply;
      if ('set' in r) return r.set;
      if ('error' in r && r.error.code !== 'internal') throw new CofferError(r.error.code, r.error.message);
      throw new Error('the presigning failed');
    } finally {
      await this.worker.terminate();
    }
  }

  /** Abandons the key without signing (e.g. the deposit could not be built). */
  async close(): Promise<void> {
    this.used = true;
    await this.worker.terminate();
  }
}
