// The presigning key's whole life, in a worker thread of its own: created here, used for one
// presigned set, wiped, and the thread ends. Only its public key and the signed transactions
// leave; the secret never enters the main thread's heap. Started by vault-signer.ts.

import { secp256k1 } from '@noble/curves/secp256k1.js';
import { parentPort } from 'node:worker_threads';
import { CofferError } from '../api/errors.js';
import { presign, type PresignRequest } from '../vaults/vault-tx.js';

const port = parentPort;
if (port) {
  // A key with an even Y: the vault note carries only its x (vaults/vault-note.ts).
  let k = secp256k1.utils.randomSecretKey();
  let kPub = secp256k1.getPublicKey(k, true);
  while (kPub[0] !== 2) {
    k.fill(0);
    k = secp256k1.utils.randomSecretKey();
    kPub = secp256k1.getPublicKey(k, true);
  }
  port.postMessage({ kPub });
  port.once('message', (req: Omit<PresignRequest, 'k'>) => {
    try {
      port.postMessage({ set: presign({ ...req, k }) });
    } catch (e) {
      const error = e instanceof CofferError ? { code: e.code, message: e.message } : { code: 'internal', message: 'The presigning failed.' };
      port.postMessage({ error });
    } finally {
      k.fill(0);
      port.close();
    }
  });
}
