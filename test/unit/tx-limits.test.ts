// Transaction parsing follows consensus, not script-execution limits: an output holding a
// 20,000-byte OP_RETURN is valid in a block and must not stop a scan or get a peer banned.
// And an RPC URL carrying a password is refused before it could be quoted in an error.

import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { parseTx, serializeTx, type Tx } from '../../src/chain/tx.js';
import { RpcClient } from '../../src/node/rpc-client.js';

describe('transaction limits', () => {
  it('parses scripts larger than 10,000 bytes, and still refuses a length beyond the data', () => {
    const big = new Uint8Array(20_003);
    big.set([0x6a, 0x4d, 0x20, 0x4e]); // OP_RETURN OP_PUSHDATA2 20000
    const tx: Tx = {
      version: 2,
      inputs: [{ prevTxid: new Uint8Array(32).fill(1), vout: 0, scriptSig: new Uint8Array(12_000).fill(0x51), sequence: 0xffffffff, witness: [] }],
      outputs: [{ value: 0, script: big }],
      locktime: 0,
    };
    const raw = serializeTx(tx);
    const back = parseTx(raw);
    expect(back.outputs[0]!.script.length).toBe(20_003);
    expect(back.inputs[0]!.scriptSig.length).toBe(12_000);
    expect(() => parseTx(raw.subarray(0, raw.length - 100))).toThrow(CofferError);
  });
});

describe('RPC URL', () => {
  it('refuses a user or password inside the URL, without repeating it', () => {
    let err: unknown;
    try {
      new RpcClient('http://alice:s3cret@127.0.0.1:8332/', { user: 'a', password: 'b' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CofferError);
    expect((err as CofferError).code).toBe('usage');
    expect((err as CofferError).message).not.toContain('s3cret');
    expect(() => new RpcClient('http://127.0.0.1:8332/', { user: 'a', password: 'b' })).not.toThrow();
  });
});
