// Merkle roots, BIP37 partial trees and Electrum branches: mainnet data, every malformed proof, and
// seeded property tests with bcoin (a dev dependency) as the reference implementation.

import { createRequire } from 'node:module';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { CofferError } from '../../src/api/errors.js';
import { ByteWriter, equalBytes, hashToHex, hexToHash } from '../../src/chain/bytes.js';
import {
  MAX_BLOCK_TRANSACTIONS,
  buildPartialMerkleTree,
  extractMatches,
  merkleBranch,
  merkleRoot,
  merkleRootMutated,
  parseMerkleBlock,
  serializeMerkleBlock,
  verifyBranch,
  verifyMerkleBlock,
  type MerkleBlock,
  type PartialMerkleTree,
} from '../../src/chain/merkle.js';
import { headerHash } from '../../src/chain/sha256d.js';
import { parseTx, sha256d, txid as txidOf } from '../../src/chain/tx.js';
import { codeOf, expectCode } from '../helpers/errors.js';

// bcoin ships without types; only what these tests call is declared.
interface BcoinMerkleBlock {
  totalTX: number;
  hashes: Buffer[];
  flags: Buffer;
  extractTree(): { root: Buffer; matches: Buffer[]; indexes: number[] };
}
interface BcoinMerkleBlockClass {
  fromRaw(raw: Buffer): BcoinMerkleBlock;
  fromMatches(block: object, matches: number[]): BcoinMerkleBlock;
}
const bcoinRequire = createRequire(createRequire(import.meta.url).resolve('bcoin'));
const BMerkleBlock = bcoinRequire('./primitives/merkleblock') as BcoinMerkleBlockClass;
const bmerkle = bcoinRequire('bcrypto/lib/merkle') as {
  createRoot(alg: unknown, leaves: Buffer[]): [Buffer, boolean];
  createBranch(alg: unknown, index: number, leaves: Buffer[]): Buffer[];
};
const hash256 = bcoinRequire('bcrypto/lib/hash256') as unknown;
/** bcoin caps totals at MAX_BLOCK_SIZE / 60 (pre-segwit); Core, and Coffer, at 4,000,000 / 60. */
const BCOIN_MAX_TOTAL = Math.floor(1_000_000 / 60);

const h = (display: string): Uint8Array => {
  const out = hexToHash(display);
  if (!out) throw new Error(`not a hash: ${display}`);
  return out;
};
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.length);

function reasonOf(fn: () => unknown): string {
  return String(expectCode(fn, 'invalid-merkle-proof').details.reason);
}

// Mainnet block 100000: four transactions (coinbase first).
const B100K = {
  hash: '000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506',
  prev: '000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250',
  root: 'f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766',
  time: 1293623863,
  bits: 0x1b04864c,
  nonce: 274148111,
  txids: [
    '8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87',
    'fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4',
    '6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4',
    'e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d',
  ],
  coinbase:
    '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff08044c86041b020602ffffffff0100f2052a010000004341041b0e8c2567c12536aa13357b79a073dc4444acb83c4ec7a0e2f99dd7457516c5817242da796924ca4e99947d087fedf9ce467cb9f7c6287078f801df276fdf84ac00000000',
  // The coinbase's merkle proof as Esplora (blockstream.info) serves it.
  coinbaseBranch: ['fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4', '8e30899078ca1813be036a073bbf80b86cdddde1c96e9e9c99e9e3782df4ae49'],
};
const txids100k = B100K.txids.map(h);

function header100k(): Uint8Array {
  return new ByteWriter(80).i32le(1).bytes(h(B100K.prev)).bytes(h(B100K.root)).u32le(B100K.time).u32le(B100K.bits).u32le(B100K.nonce).finish();
}

// gettxoutproof results published with Bitcoin Core output (bitcoin.org's RPC reference, and a
// v29 walk-through for block 901,846). Match positions were cross-checked with bcoin.
const PROOFS = [
  {
    name: 'bitcoin.org RPC reference (Core 0.11)',
    block: '0000000000000000140e84bf183d8d5207d65fbfae596bdf48f684d13d951847',
    txid: 'f20e44c818ec332d95119507fbe36f1b8b735e2c387db62adbe28e50f7904683',
    total: 2251,
    index: 1370,
    hex: '03000000394ab3f08f712aa0f1d26c5daa4040b50e96d31d4e8e3c130000000000000000ca89aaa0bbbfcd5d1210c7888501431256135736817100d8c2cf7e4ab9c02b168115d45504dd1418836b20a6cb0800000d3a61beb3859abf1b773d54796c83b0b937968cc4ce3c0f71f981b2407a3241cb8908f2a88ac90a2844596e6019450f507e7efb8542cbe54ea55634c87bee474ee48aced68179564290d476e16cff01b483edcd2004d555c617dfc08200c08308ba511250e459b49d6a465e1ab1d5d8005e0778359c2993236c85ec66bac4bfd974131adc1ee0ad8b645f459164eb38325ac88f98c9607752bc1b637e16814f0d9d8c2775ac3f20f85260947929ceef16ead56fcbfd77d9dc6126cce1b5aacd9f834690f7508ee2db2ab67d382c5e738b1b6fe3fb079511952d33ec18c8440ef291eb8d3546a971ee4aa5e574b7be7f5aff0b1c989b2059ae5a611c8ce5c58e8e8476246c5e7c6b70e0065f2a6654e2e6cf4efb6ae19bf2548a7d9febf5b0aceaff28610922e1b9e23e52f650a4a11d2986c9c2b09bb168a70a7d4ac16e4d389bc2868ee91da1837d2cd79288bdc680e9c35ebb3ddfd045d69d767b164ec69d5db9f995c045d10af5bd90cd9d1116c3732e14796ef9d1a57fa7bb718c07989ed06ff359bf2009eaf1b9e000c054b87230567991b447757bc6ca8e1bb6e9816ad604dbd60600',
  },
  {
    name: 'block 901,846 (Core 29)',
    block: '000000000000000000019fda9794e3ead682f1b6a1cc68c3bd0d95a35f4db0b8',
    txid: '60d9a845bf9518ac982e6da8d96fa5ce2c81fbd05c87644c8b0f8e4fe47d40b7',
    total: 185,
    index: 23,
    hex: '0000cc20e74e69db30fe908461c810b9eba24151cef87e792bd401000000000000000000a01c882adabe4bbec11589f2932c935899e43af3fa4b2027f9c4f63717b3cb5898755368043a02178c51f26fb9000000098053e31823ccf1bb4de37aaeeed1e922584dac851bbf921682c24fad3943350a2691b8e84f8272c91bad54a7bdc8d4c33e957f2f4b01b06dd213703bf286722b64f4cf0fc2a4001a9b7d98c127d4b68d8d19613160bdb4c91db83af9f763bb5af185023cb7489f1f636ec2b5668830890fb1484f708a3ffe504e121f9823399fb7407de44f8e0f8b4c64875cd0fb812ccea56fd9a86d2e98ac1895bf45a8d960233e59b2fca56ed1c8b178b0808d7a235d9a355071a6f5395fe1328dfd712d4a8be740030e3e296e0e685f4594e15d19698418213862628990a91e21b5715e562b4d8db89eac431ab6d0e3dbaf863d5616d4307355af0d17175eca4cbbbc725cb4e868aebda7ff853da5b8b306be68bf38b3ac197bfbb264c91f61228ecd127c036f1500',
  },
];

/** A transaction that serializes to exactly 64 bytes (one input with a 4-byte scriptSig, one empty output). */
const TX64 = hexToBytes(
  '01000000' + '01' + '11'.repeat(32) + '00000000' + '04' + '51515151' + 'ffffffff' + '01' + '00e1f50500000000' + '00' + '00000000',
);

/** The same in segwit form (marker, flag, one empty witness item), which the parser accepts too. */
const TX64_SEGWIT = hexToBytes(
  '01000000' + '0001' + '01' + '22'.repeat(32) + '00000000' + '00' + 'ffffffff' + '01' + '00e1f50500000000' + '00' + '0100' + '00000000',
);

/** Marsaglia's xorshift32: small, seeded, reproducible. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

describe('merkleRoot', () => {
  it('block 100000', () => {
    expect(hashToHex(merkleRoot(txids100k))).toBe(B100K.root);
    expect(merkleRootMutated(txids100k).mutated).toBe(false);
  });

  it('one transaction: the root is the txid', () => {
    expect(hashToHex(merkleRoot([txids100k[0]!]))).toBe(B100K.txids[0]);
  });

  it('refuses an empty list', () => {
    expect(() => merkleRoot([])).toThrow(RangeError);
  });

  it('CVE-2012-2459: a repeated last txid keeps the root but is reported as mutated', () => {
    const three = txids100k.slice(0, 3);
    const padded = [...three, three[2]!];
    expect(bytesToHex(merkleRoot(padded))).toBe(bytesToHex(merkleRoot(three)));
    expect(merkleRootMutated(three).mutated).toBe(false);
    expect(merkleRootMutated(padded).mutated).toBe(true);
  });

  it('reports equal siblings found above the leaves', () => {
    const [a, b] = txids100k;
    expect(merkleRootMutated([a!, b!, a!, b!]).mutated).toBe(true);
    expect(merkleRootMutated([a!, b!, b!, a!]).mutated).toBe(false);
  });

  it('agrees with bcoin on random lists', () => {
    const rand = prng(7);
    for (let n = 1; n <= 70; n++) {
      const leaves = Array.from({ length: n }, () => randomBytes(rand, 32));
      if (n > 3 && rand() < 0.5) leaves[n - 1] = leaves[n - 2]!;
      const ours = merkleRootMutated(leaves);
      const [root, malleated] = bmerkle.createRoot(hash256, leaves.map(buf));
      expect(bytesToHex(ours.root)).toBe(root.toString('hex'));
      expect(ours.mutated).toBe(malleated);
    }
  });
});

describe('block 100000 header', () => {
  it('assembled from its fields, it hashes to the block hash', () => {
    expect(hashToHex(headerHash(header100k()))).toBe(B100K.hash);
  });

  it('its coinbase hashes to the first txid', () => {
    expect(hashToHex(txidOf(parseTx(hexToBytes(B100K.coinbase))))).toBe(B100K.txids[0]);
  });
});

describe('verifyBranch', () => {
  const root = h(B100K.root);

  it('the coinbase branch matches the one Esplora publishes', () => {
    expect(merkleBranch(txids100k, 0).map(hashToHex)).toEqual(B100K.coinbaseBranch);
  });

  for (let pos = 0; pos < 4; pos++) {
    it(`block 100000, position ${pos}`, () => {
      const branch = merkleBranch(txids100k, pos);
      expect(() => verifyBranch({ txid: txids100k[pos]!, pos, branch, root })).not.toThrow();
      expect(reasonOf(() => verifyBranch({ txid: txids100k[pos]!, pos: pos ^ 1, branch, root }))).toBe('merkle root mismatch');
      expect(reasonOf(() => verifyBranch({ txid: txids100k[pos]!, pos, branch, root: h(B100K.hash) }))).toBe('merkle root mismatch');
    });
  }

  it('from the raw coinbase transaction', () => {
    const tx = hexToBytes(B100K.coinbase);
    const branch = merkleBranch(txids100k, 0);
    expect(() => verifyBranch({ tx, pos: 0, branch, root })).not.toThrow();
    expect(() => verifyBranch({ tx, txid: txids100k[0]!, pos: 0, branch, root })).not.toThrow();
    expect(reasonOf(() => verifyBranch({ tx, txid: txids100k[1]!, pos: 0, branch, root }))).toBe('txid does not match transaction');
    expect(codeOf(() => verifyBranch({ tx: tx.subarray(1), pos: 0, branch, root }))).toBe('invalid-transaction');
  });

  it('a one-transaction block has an empty branch', () => {
    expect(() => verifyBranch({ txid: txids100k[0]!, pos: 0, branch: [], root: txids100k[0]! })).not.toThrow();
    expect(reasonOf(() => verifyBranch({ txid: txids100k[0]!, pos: 1, branch: [], root: txids100k[0]! }))).toBe('position beyond the branch');
  });

  it('position beyond the branch, negative or fractional', () => {
    const branch = merkleBranch(txids100k, 3);
    for (const pos of [4, 7, -1, 1.5]) {
      expect(reasonOf(() => verifyBranch({ txid: txids100k[3]!, pos, branch, root }))).toBe('position beyond the branch');
    }
  });

  it('a branch longer than 32 levels', () => {
    const branch = Array.from({ length: 33 }, () => txids100k[1]!);
    expect(reasonOf(() => verifyBranch({ txid: txids100k[0]!, pos: 0, branch, root }))).toBe('branch too long');
  });

  it('hashes of the wrong length, and no leaf at all', () => {
    const branch = merkleBranch(txids100k, 0);
    expect(reasonOf(() => verifyBranch({ txid: txids100k[0]!.subarray(1), pos: 0, branch, root }))).toBe('hash length');
    expect(reasonOf(() => verifyBranch({ txid: txids100k[0]!, pos: 0, branch: [branch[0]!, branch[1]!.subarray(0, 31)], root }))).toBe('hash length');
    expect(reasonOf(() => verifyBranch({ txid: txids100k[0]!, pos: 0, branch, root: root.subarray(1) }))).toBe('hash length');
    expect(reasonOf(() => verifyBranch({ pos: 0, branch, root }))).toBe('no transaction');
  });

  it('CVE-2012-2459: a leaf paired with a copy of itself on its left', () => {
    const three = txids100k.slice(0, 3);
    const root3 = merkleRoot(three);
    const branch = merkleBranch(three, 2); // [c, H(a, b)]: c is paired with itself on the right
    expect(() => verifyBranch({ txid: three[2]!, pos: 2, branch, root: root3 })).not.toThrow();
    // Position 3 is the padding copy: the arithmetic reaches the real root, the check must not.
    const forged = sha256d(new ByteWriter().bytes(branch[1]!).bytes(sha256d(new ByteWriter().bytes(three[2]!).bytes(three[2]!).finish())).finish());
    expect(bytesToHex(forged)).toBe(bytesToHex(root3));
    expect(reasonOf(() => verifyBranch({ txid: three[2]!, pos: 3, branch, root: root3 }))).toBe('duplicate branch');
  });

  it('CVE-2017-12842: a 64-byte transaction cannot be split into two fake leaves', () => {
    expect(TX64.length).toBe(64);
    const t = parseTx(TX64);
    const realTxid = txidOf(t);
    expect(bytesToHex(realTxid)).toBe(bytesToHex(sha256d(TX64)));
    const other = txids100k[1]!;
    const root2 = merkleRoot([realTxid, other]);
    expect(() => verifyBranch({ txid: realTxid, pos: 0, branch: [other], root: root2 })).not.toThrow();
    // The forgery: the second half of the transaction as a "txid" one level down, the first half its sibling.
    const fakeTxid = TX64.slice(32);
    const fakeBranch = [TX64.slice(0, 32), other];
    expect(bytesToHex(sha256d(new ByteWriter().bytes(sha256d(TX64)).bytes(other).finish()))).toBe(bytesToHex(root2));
    expect(reasonOf(() => verifyBranch({ txid: fakeTxid, pos: 1, branch: fakeBranch, root: root2 }))).toBe('inner node is a transaction');
    expect(reasonOf(() => verifyBranch({ tx: TX64, pos: 0, branch: [other], root: root2 }))).toBe('64-byte transaction');
  });

  it('CVE-2017-12842: the segwit form of a 64-byte transaction is refused as an inner node too', () => {
    expect(TX64_SEGWIT.length).toBe(64);
    expect(() => parseTx(TX64_SEGWIT)).not.toThrow();
    const root1 = sha256d(TX64_SEGWIT);
    expect(reasonOf(() => verifyBranch({ txid: TX64_SEGWIT.slice(32), pos: 1, branch: [TX64_SEGWIT.slice(0, 32)], root: root1 }))).toBe(
      'inner node is a transaction',
    );
  });

  it('an inner node that merely starts like a transaction is accepted', () => {
    const left = new Uint8Array(32).fill(0xff);
    left[4] = 1; // one input, then bytes that cannot be one
    expect(codeOf(() => parseTx(new ByteWriter().bytes(left).bytes(txids100k[0]!).finish()))).toBe('invalid-transaction');
    const root1 = sha256d(new ByteWriter().bytes(left).bytes(txids100k[0]!).finish());
    expect(() => verifyBranch({ txid: txids100k[0]!, pos: 1, branch: [left], root: root1 })).not.toThrow();
  });

  it('random trees: every branch verifies, agrees with bcoin, and any change is refused', () => {
    const rand = prng(2459);
    let checked = 0;
    for (const n of [1, 2, 3, 5, 8, 13, 64, 99, 257, 1000]) {
      const leaves = Array.from({ length: n }, () => randomBytes(rand, 32));
      const r = merkleRoot(leaves);
      for (let k = 0; k < Math.min(n, 12); k++) {
        const pos = k < 2 ? [0, n - 1][k]! : Math.floor(rand() * n);
        const branch = merkleBranch(leaves, pos);
        expect(branch.map(bytesToHex)).toEqual(bmerkle.createBranch(hash256, pos, leaves.map(buf)).map((b) => b.toString('hex')));
        verifyBranch({ txid: leaves[pos]!, pos, branch, root: r });
        if (branch.length === 0) continue;
        const level = Math.floor(rand() * branch.length);
        const flipped = branch.map((x) => x.slice());
        flipped[level]![Math.floor(rand() * 32)]! ^= 1 << Math.floor(rand() * 8);
        expect(codeOf(() => verifyBranch({ txid: leaves[pos]!, pos, branch: flipped, root: r }))).toBe('invalid-merkle-proof');
        expect(codeOf(() => verifyBranch({ txid: leaves[pos]!, pos: pos ^ (1 << level), branch, root: r }))).toBe('invalid-merkle-proof');
        checked++;
      }
    }
    expect(checked).toBe(78);
  });
});

describe('partial merkle trees: block 100000', () => {
  it('every subset of matches round-trips', () => {
    for (let mask = 0; mask < 16; mask++) {
      const matches = [0, 1, 2, 3].map((i) => ((mask >> i) & 1) === 1);
      const tree = buildPartialMerkleTree(txids100k, matches);
      const out = extractMatches(tree);
      expect(hashToHex(out.root)).toBe(B100K.root);
      expect(out.matches.map((m) => [m.index, hashToHex(m.txid)])).toEqual(
        [0, 1, 2, 3].filter((i) => matches[i]).map((i) => [i, B100K.txids[i]]),
      );
    }
  });

  it('one match gives the BIP37 layout: flags 1,1,1,0,0 and three hashes', () => {
    const tree = buildPartialMerkleTree(txids100k, [true, false, false, false]);
    expect(tree.total).toBe(4);
    expect(Array.from(tree.flags)).toEqual([0b00111]);
    expect(tree.hashes.map(hashToHex)).toEqual([B100K.txids[0], B100K.txids[1], B100K.coinbaseBranch[1]]);
  });

  it('as a merkleblock under the real header', () => {
    const mb: MerkleBlock = { header: header100k(), tree: buildPartialMerkleTree(txids100k, [false, false, true, false]) };
    const parsed = parseMerkleBlock(serializeMerkleBlock(mb));
    const v = verifyMerkleBlock(parsed);
    expect(hashToHex(v.blockHash)).toBe(B100K.hash);
    expect(hashToHex(v.merkleRoot)).toBe(B100K.root);
    expect(v.totalTransactions).toBe(4);
    expect(v.matched.map((m) => [m.index, hashToHex(m.txid)])).toEqual([[2, B100K.txids[2]]]);
  });

  it('refuses a tree over other transactions under the real header', () => {
    const mb: MerkleBlock = { header: header100k(), tree: buildPartialMerkleTree(txids100k.slice(0, 3), [true, false, false]) };
    expect(reasonOf(() => verifyMerkleBlock(mb))).toBe('merkle root mismatch');
  });

  it('refuses a header without its proof of work', () => {
    const tree = buildPartialMerkleTree(txids100k, [true, false, false, false]);
    const header = header100k();
    header[76]! ^= 1; // the nonce
    expect(reasonOf(() => verifyMerkleBlock({ header, tree }))).toBe('header proof of work');
    for (const bits of [0, 0x01fedcba, 0x23000001]) {
      const bad = header100k();
      new DataView(bad.buffer).setUint32(72, bits, true);
      expect(reasonOf(() => verifyMerkleBlock({ header: bad, tree }))).toBe('header proof of work');
    }
    expect(reasonOf(() => verifyMerkleBlock({ header: header100k().subarray(1), tree }))).toBe('header length');
  });
});

describe('gettxoutproof output from Bitcoin Core', () => {
  for (const p of PROOFS) {
    it(p.name, () => {
      const bytes = hexToBytes(p.hex);
      const mb = parseMerkleBlock(bytes);
      const v = verifyMerkleBlock(mb);
      expect(hashToHex(v.blockHash)).toBe(p.block);
      expect(v.totalTransactions).toBe(p.total);
      expect(v.matched.map((m) => [m.index, hashToHex(m.txid)])).toEqual([[p.index, p.txid]]);
      expect(bytesToHex(serializeMerkleBlock(mb))).toBe(p.hex);
      const oracle = BMerkleBlock.fromRaw(Buffer.from(bytes)).extractTree();
      expect(oracle.indexes).toEqual([p.index]);
    });

    it(`${p.name}: every truncation and a trailing byte are refused`, () => {
      const bytes = hexToBytes(p.hex);
      for (let n = 0; n < bytes.length; n++) expect(codeOf(() => parseMerkleBlock(bytes.subarray(0, n)))).toBe('invalid-merkle-proof');
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(reasonOf(() => parseMerkleBlock(longer))).toBe('1 trailing bytes after merkle block');
    });
  }

  it('random bytes give a typed error, never a crash', () => {
    const rand = prng(12842);
    const real = hexToBytes(PROOFS[1]!.hex);
    for (let i = 0; i < 500; i++) {
      const bytes = i % 2 === 0 ? randomBytes(rand, Math.floor(rand() * 400)) : real.slice();
      if (i % 2 === 1) for (let k = 0; k < 3; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      try {
        // Edits that survive can only be harmless ones (padding bits of the last flag byte).
        const v = verifyMerkleBlock(parseMerkleBlock(bytes));
        expect(hashToHex(v.blockHash)).toBe(PROOFS[1]!.block);
        expect(v.matched.map((m) => [m.index, hashToHex(m.txid)])).toEqual([[PROOFS[1]!.index, PROOFS[1]!.txid]]);
      } catch (e) {
        expect(e).toBeInstanceOf(CofferError);
        expect((e as CofferError).code).toBe('invalid-merkle-proof');
      }
    }
  });
});

describe('extractMatches refuses malformed trees', () => {
  const valid = (): PartialMerkleTree => buildPartialMerkleTree(txids100k, [true, false, false, false]);
  const hashes = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => sha256d(new Uint8Array([i])));

  it('no transactions', () => {
    expect(reasonOf(() => extractMatches({ ...valid(), total: 0 }))).toBe('no transactions');
  });

  it('more transactions than a block can hold, and exactly as many as it can', () => {
    expect(MAX_BLOCK_TRANSACTIONS).toBe(66_666);
    const one = hashes(1);
    expect(extractMatches({ total: 66_666, hashes: one, flags: new Uint8Array([0]) }).matches).toEqual([]);
    expect(reasonOf(() => extractMatches({ total: 66_667, hashes: one, flags: new Uint8Array([0]) }))).toBe('too many transactions');
  });

  it('more hashes than transactions', () => {
    expect(reasonOf(() => extractMatches({ total: 1, hashes: hashes(2), flags: new Uint8Array([1]) }))).toBe('more hashes than transactions');
  });

  it('fewer flag bits than hashes', () => {
    expect(reasonOf(() => extractMatches({ total: 16, hashes: hashes(9), flags: new Uint8Array([0xff]) }))).toBe('fewer flag bits than hashes');
  });

  it('running out of hashes', () => {
    expect(reasonOf(() => extractMatches({ total: 4, hashes: hashes(1), flags: new Uint8Array([0xff]) }))).toBe('ran out of hashes');
  });

  it('running out of flag bits', () => {
    expect(reasonOf(() => extractMatches({ total: 16, hashes: hashes(8), flags: new Uint8Array([0xff]) }))).toBe('ran out of flag bits');
  });

  it('hashes left unused', () => {
    const t = valid();
    expect(reasonOf(() => extractMatches({ ...t, hashes: [...t.hashes, txids100k[3]!] }))).toBe('hashes left unused');
  });

  it('a whole flag byte left unused, while padding bits in the last byte are ignored (as in Core)', () => {
    const t = valid();
    expect(reasonOf(() => extractMatches({ ...t, flags: new Uint8Array([...t.flags, 0]) }))).toBe('flag bits left unused');
    const padded = extractMatches({ ...t, flags: new Uint8Array([t.flags[0]! | 0b1110_0000]) });
    expect(hashToHex(padded.root)).toBe(B100K.root);
  });

  it('a hash of the wrong length', () => {
    const t = valid();
    expect(reasonOf(() => extractMatches({ ...t, hashes: [t.hashes[0]!, t.hashes[1]!.subarray(1), t.hashes[2]!] }))).toBe('hash length');
  });

  it('CVE-2012-2459: a leaf list ending in a copy has the honest root but is refused', () => {
    const three = txids100k.slice(0, 3);
    const padded = [...three, three[2]!];
    expect(bytesToHex(merkleRoot(padded))).toBe(bytesToHex(merkleRoot(three)));
    const tree = buildPartialMerkleTree(padded, [false, false, false, true]);
    expect(reasonOf(() => extractMatches(tree))).toBe('duplicate branch');
    // The honest tree proves position 2 and nothing at position 3.
    const honest = extractMatches(buildPartialMerkleTree(three, [false, false, true]));
    expect(honest.matches.map((m) => m.index)).toEqual([2]);
  });

  it('CVE-2017-12842: the halves of a 64-byte transaction are refused as leaves', () => {
    const other = txids100k[1]!;
    const realTxid = sha256d(TX64);
    const root2 = merkleRoot([realTxid, other]);
    // Claim 3 transactions: root -> (H(half0, half1) -> half0, half1*) , other.
    const forged: PartialMerkleTree = { total: 3, hashes: [TX64.slice(0, 32), TX64.slice(32), other], flags: new Uint8Array([0b01011]) };
    expect(bytesToHex(sha256d(new ByteWriter().bytes(sha256d(TX64)).bytes(other).finish()))).toBe(bytesToHex(root2));
    expect(reasonOf(() => extractMatches(forged))).toBe('inner node is a transaction');
    // The same shape over two ordinary halves is accepted, so it is the transaction that is refused.
    const plain: PartialMerkleTree = { ...forged, hashes: [txids100k[2]!, txids100k[3]!, other] };
    expect(extractMatches(plain).matches.map((m) => m.index)).toEqual([1]);
  });
});

describe('partial merkle trees: seeded properties', () => {
  const rand = prng(0xc0ffee);
  const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 2000];
  while (SIZES.length < 60) SIZES.push(Math.max(1, Math.min(2000, Math.floor(2 ** (rand() * Math.log2(2000))))));

  interface Case {
    txids: Uint8Array[];
    matches: boolean[];
    tree: PartialMerkleTree;
    root: Uint8Array;
  }
  const cases: Case[] = SIZES.map((n, i) => {
    const txids = Array.from({ length: n }, () => randomBytes(rand, 32));
    const density = [0, 1 / n, 0.01, 0.1, 0.5, 1][i % 6]!;
    const matches = txids.map(() => rand() < density);
    if (i % 6 === 1) matches[Math.floor(rand() * n)] = true;
    return { txids, matches, tree: buildPartialMerkleTree(txids, matches), root: merkleRoot(txids) };
  });

  it('build then extract returns the root and exactly the matches, as bcoin builds and reads them', () => {
    for (const c of cases) {
      const out = extractMatches(c.tree);
      expect(bytesToHex(out.root)).toBe(bytesToHex(c.root));
      const expected = c.txids.flatMap((t, i) => (c.matches[i] ? [[i, bytesToHex(t)]] : []));
      expect(out.matches.map((m) => [m.index, bytesToHex(m.txid)])).toEqual(expected);

      const block = { txs: c.txids.map((t) => ({ hash: () => buf(t) })), merkleRoot: buf(c.root), version: 1, time: 0, bits: 0, nonce: 0 };
      const theirs = BMerkleBlock.fromMatches(block, c.matches.map(Number));
      expect(Buffer.from(c.tree.flags).toString('hex')).toBe(theirs.flags.toString('hex'));
      expect(c.tree.hashes.map(bytesToHex)).toEqual(theirs.hashes.map((x) => x.toString('hex')));

      const mb: MerkleBlock = { header: new Uint8Array(80), tree: c.tree };
      const again = parseMerkleBlock(serializeMerkleBlock(mb));
      expect(again.tree.total).toBe(c.tree.total);
      expect(again.tree.hashes.map(bytesToHex)).toEqual(c.tree.hashes.map(bytesToHex));
      expect(bytesToHex(again.tree.flags)).toBe(bytesToHex(c.tree.flags));
    }
  });

  const REASONS = new Set([
    'no transactions',
    'too many transactions',
    'more hashes than transactions',
    'fewer flag bits than hashes',
    'ran out of flag bits',
    'ran out of hashes',
    'duplicate branch',
    'inner node is a transaction',
    'flag bits left unused',
    'hashes left unused',
  ]);

  function mutate(t: PartialMerkleTree): PartialMerkleTree {
    const hashes = t.hashes.slice();
    let flags = t.flags.slice();
    let total = t.total;
    const pick = (n: number): number => Math.floor(rand() * n);
    if (hashes.length === 0) hashes.push(randomBytes(rand, 32));
    if (flags.length === 0) flags = new Uint8Array([pick(256)]);
    switch (pick(10)) {
      case 0:
        flags[pick(flags.length)]! ^= 1 << pick(8);
        break;
      case 1:
        hashes.splice(pick(hashes.length), 1);
        break;
      case 2:
        hashes.splice(pick(hashes.length + 1), 0, randomBytes(rand, 32));
        break;
      case 3:
        hashes.splice(pick(hashes.length + 1), 0, hashes[pick(hashes.length)]!);
        break;
      case 4: {
        // Make two neighbours equal, as a CVE-2012-2459 forgery would.
        if (hashes.length < 2) return mutate({ total, hashes, flags });
        const i = 1 + pick(hashes.length - 1);
        hashes[i] = hashes[i - 1]!;
        break;
      }
      case 5:
        total = [total + 1, total - 1, total * 2, total + pick(8), Math.max(0, total - pick(8)), pick(70_000), pick(3)][pick(7)]!;
        break;
      case 6: {
        const i = pick(hashes.length);
        hashes[i] = hashes[i]!.slice();
        hashes[i]![pick(32)]! ^= 1 << pick(8);
        break;
      }
      case 7:
        flags = rand() < 0.5 ? flags.slice(0, flags.length - 1) : new Uint8Array([...flags, pick(256)]);
        break;
      case 8: {
        const i = pick(hashes.length);
        const j = pick(hashes.length);
        [hashes[i], hashes[j]] = [hashes[j]!, hashes[i]!];
        if (i === j) flags[0]! ^= 1;
        break;
      }
      default:
        return mutate(mutate(t));
    }
    return { total, hashes, flags };
  }

  it('mutated trees are refused with a reason, or prove only true (index, txid) pairs; bcoin agrees', () => {
    let mutated = 0;
    let refused = 0;
    let sameRoot = 0;
    let compared = 0;
    // Dense trees of thousands of leaves are covered above; here they would only cost time.
    const pool = cases.filter((c) => c.tree.hashes.length <= 256);
    expect(pool.length).toBeGreaterThan(40);
    for (let k = 0; k < 2400; k++) {
      const c = pool[k % pool.length]!;
      const m = mutate(c.tree);
      const same = m.total === c.tree.total && bytesToHex(m.flags) === bytesToHex(c.tree.flags) && m.hashes.map(bytesToHex).join() === c.tree.hashes.map(bytesToHex).join();
      if (!same) mutated++;

      let ours: ReturnType<typeof extractMatches> | undefined;
      try {
        ours = extractMatches(m);
      } catch (e) {
        expect(e).toBeInstanceOf(CofferError);
        expect((e as CofferError).code).toBe('invalid-merkle-proof');
        expect(REASONS.has(String((e as CofferError).details.reason))).toBe(true);
        refused++;
      }
      if (ours && equalBytes(ours.root, c.root)) {
        sameRoot++;
        for (const match of ours.matches) expect(bytesToHex(match.txid)).toBe(bytesToHex(c.txids[match.index] ?? new Uint8Array()));
      }

      if (m.total > BCOIN_MAX_TOTAL) continue;
      let theirs: ReturnType<BcoinMerkleBlock['extractTree']> | undefined;
      try {
        theirs = BMerkleBlock.fromRaw(Buffer.from(serializeMerkleBlock({ header: new Uint8Array(80), tree: m }))).extractTree();
      } catch {
        theirs = undefined;
      }
      compared++;
      expect(ours === undefined).toBe(theirs === undefined);
      if (ours && theirs) {
        expect(bytesToHex(ours.root)).toBe(theirs.root.toString('hex'));
        expect(ours.matches.map((x) => x.index)).toEqual(theirs.indexes);
      }
    }
    expect(mutated).toBeGreaterThanOrEqual(2000);
    expect(refused).toBeGreaterThan(1000);
    expect(sameRoot).toBeGreaterThan(100); // the soundness check above really ran
    expect(compared).toBeGreaterThan(2000);
  });
});
