// `coffer verify ...`: check headers and Merkle proofs, and compute BIP158 filters, offline, with
// nothing but Coffer's rules.

import fs from 'node:fs';
import { CofferError } from '../api/errors.js';
import { basicFilter, filterHash, filterHeader } from '../chain/bip158.js';
import { parseBlock } from '../chain/block.js';
import { hashToHex, hexToHash } from '../chain/bytes.js';
import { checkpointStart, genesisStart, HeaderChain } from '../chain/header-chain.js';
import { HeaderError } from '../chain/header-rules.js';
import { parseMerkleBlock, verifyBranch, verifyMerkleBlock } from '../chain/merkle.js';
import { chainParams } from '../chain/params.js';
import { stringOption, type Command } from './command.js';
import { openRegularFile, readFileLimited, readTextFile } from '../service/files.js';

const BATCH = 50_000;

function hexBytes(text: string, what: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(text) || text.length === 0) throw new CofferError('usage', `${what} must be hex`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

function displayHash(text: string, what: string): Uint8Array {
  const h = hexToHash(text);
  if (!h) throw new CofferError('usage', `${what} must be a 64-digit hex hash`);
  return h;
}

/** A JSON array of hex scripts (empty strings allowed: an input may spend an empty script). */
function parsePrevouts(text: string): Uint8Array[] {
  const bad = (reason: string) => new CofferError('invalid-message', `The previous output scripts file is invalid: ${reason}.`, { reason });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (!Array.isArray(value)) throw bad('not a JSON array');
  return value.map((s: unknown, i) => {
    if (typeof s !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(s)) throw bad(`item ${i + 1} is not a hex string`);
    return Uint8Array.from(Buffer.from(s, 'hex'));
  });
}

export const verifyCommands: Command[] = [
  {
    words: ['verify', 'headers'],
    summary: 'validate a file of consecutive 80-byte headers (from genesis or a checkpoint)',
    args: { names: 'FILE', min: 1, max: 1 },
    options: { 'start-height': { type: 'string', value: 'H', help: 'height of the first header (0 or a multiple of 2016)' } },
    run(ctx) {
      const file = ctx.positionals[0] ?? '';
      const h = stringOption(ctx, 'start-height') ?? '0';
      if (!/^\d{1,9}$/.test(h)) throw new CofferError('usage', '--start-height must be a block height');
      const startHeight = Number(h);
      const params = chainParams(ctx.network);
      const { fd, size } = openRegularFile(file, 'headers');
      try {
        const count = Math.floor(size / 80);
        if (count === 0) throw new HeaderError(startHeight, 'the file holds no headers');
        if (startHeight > 0 && startHeight % params.interval !== 0) {
          throw new HeaderError(startHeight, `a start height above 0 must be a multiple of ${params.interval}`);
        }
        const chain = new HeaderChain(params, startHeight === 0 ? genesisStart() : checkpointStart(params, startHeight));
        const now = Math.floor(Date.now() / 1000);
        let next = 0;
        if (startHeight === 0) {
          const first = new Uint8Array(80);
          fs.readSync(fd, first, 0, 80, 0);
          if (!first.every((b, i) => b === params.genesis[i])) throw new HeaderError(0, `not the ${ctx.network} genesis block`);
          next = 1;
        }
        const buf = new Uint8Array(BATCH * 80);
        while (next < count) {
          const n = Math.min(BATCH, count - next);
          fs.readSync(fd, buf, 0, n * 80, next * 80);
          const r = chain.add(buf.subarray(0, n * 80), now);
          if (r.unconnected) throw new HeaderError(startHeight + next, 'does not connect to the checkpoint before it');
          next += n;
        }
        if (size % 80 !== 0) throw new HeaderError(startHeight + count, 'truncated header at the end of the file');
        return {
          count,
          startHeight,
          tipHeight: chain.height,
          tipHash: hashToHex(chain.tipHash),
          work: chain.chainWork.toString(16).padStart(64, '0'),
        };
      } finally {
        fs.closeSync(fd);
      }
    },
  },
  {
    words: ['verify', 'filter'],
    summary: "compute a block's BIP158 basic filter, its hash and its filter header",
    options: {
      block: { type: 'string', value: 'FILE', help: 'the raw block (binary)' },
      prevouts: { type: 'string', value: 'FILE', help: "JSON array of the hex scripts the block's inputs spend, in input order" },
      'prev-header': { type: 'string', value: 'HEX', help: "the previous block's filter header (default: zeros, as before genesis)" },
    },
    run(ctx) {
      const blockFile = stringOption(ctx, 'block');
      const prevoutsFile = stringOption(ctx, 'prevouts');
      if (blockFile === undefined || prevoutsFile === undefined) throw new CofferError('usage', '--block and --prevouts are required');
      const prev = stringOption(ctx, 'prev-header');
      const prevHeader = prev === undefined ? new Uint8Array(32) : displayHash(prev, '--prev-header');
      const block = parseBlock(readFileLimited(blockFile, 'block'));
      const filter = basicFilter(block, parsePrevouts(readTextFile(prevoutsFile, 'prevouts')));
      return {
        filter: Buffer.from(filter).toString('hex'),
        filterHash: hashToHex(filterHash(filter)),
        header: hashToHex(filterHeader(filter, prevHeader)),
      };
    },
  },
  {
    words: ['verify', 'merkleblock'],
    summary: 'check a serialized merkleblock (as gettxoutproof returns): proof of work and partial tree',
    args: { names: 'HEX', min: 1, max: 1 },
    run(ctx) {
      const mb = parseMerkleBlock(hexBytes(ctx.positionals[0] ?? '', 'the merkleblock'));
      const v = verifyMerkleBlock(mb);
      return {
        blockHash: hashToHex(v.blockHash),
        merkleRoot: hashToHex(v.merkleRoot),
        totalTransactions: v.totalTransactions,
        matched: v.matched.map((m) => ({ index: m.index, txid: hashToHex(m.txid) })),
      };
    },
  },
  {
    words: ['verify', 'branch'],
    summary: 'check an Electrum-style Merkle branch (hashes in display order)',
    options: {
      tx: { type: 'string', value: 'HEX', help: 'the raw transaction' },
      txid: { type: 'string', value: 'HEX', help: 'or its txid' },
      pos: { type: 'string', value: 'N', help: 'position of the transaction in its block' },
      merkle: { type: 'string', value: 'H1,H2,...', help: 'sibling hashes from the leaf up' },
      root: { type: 'string', value: 'HEX', help: "the block's merkle root" },
    },
    run(ctx) {
      const tx = stringOption(ctx, 'tx');
      const txid = stringOption(ctx, 'txid');
      const pos = stringOption(ctx, 'pos');
      const merkle = stringOption(ctx, 'merkle');
      const root = stringOption(ctx, 'root');
      if ((tx === undefined) === (txid === undefined)) throw new CofferError('usage', 'give exactly one of --tx and --txid');
      if (pos === undefined || !/^\d{1,10}$/.test(pos)) throw new CofferError('usage', '--pos must be a non-negative integer');
      if (merkle === undefined || root === undefined) throw new CofferError('usage', '--merkle and --root are required');
      const branch = merkle === '' ? [] : merkle.split(',').map((h, i) => displayHash(h.trim(), `--merkle hash ${i + 1}`));
      verifyBranch({
        ...(tx !== undefined ? { tx: hexBytes(tx, '--tx') } : { txid: displayHash(txid ?? '', '--txid') }),
        pos: Number(pos),
        branch,
        root: displayHash(root, '--root'),
      });
      return { ok: true };
    },
  },
];
