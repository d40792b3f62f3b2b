// A full node over JSON-RPC as the chain source (Bitcoin Core, or Coffer's embedded bcoin node).
//
// The node validated its chain; Coffer still feeds every header through its own HeaderChain and
// checks every block's Merkle root before a transaction in it counts. Blocks are read whole and
// matched against the wallet's watch set here, so nothing about the wallet leaves the machine.

import { CofferError } from '../api/errors.js';
import { checkMerkleRoot, parseBlock } from '../chain/block.js';
import { equalBytes, hashToHex } from '../chain/bytes.js';
import type { ChainChange } from '../chain/header-chain.js';
import { HeaderError } from '../chain/header-rules.js';
import type { ChainParams } from '../chain/params.js';
import { parseTx, txid as txidOf, type Tx } from '../chain/tx.js';
import type { HeaderStore } from '../db/header-store.js';
import type { RpcClient } from './rpc-client.js';
import { outpointBytes, scriptElement, type ChainSource, type FeeEstimates, type ProvenBlock, type ScanDecision, type WatchSet } from './source.js';

const HEADER_BATCH = 2000;
const BLOCK_BATCH = 20;

/** Bitcoin Core's names for networks in getblockchaininfo. */
const CHAIN_NAMES: Record<string, string[]> = { main: ['main'], test: ['testnet4', 'test'], signet: ['signet'], regtest: ['regtest'] };

interface ChainInfo {
  chain: string;
  blocks: number;
  bestblockhash: string;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function fromHex(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(s)) throw new CofferError('backend-error', `The node sent a malformed ${what}.`, { reason: what });
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** BIP37-style matching: an output paying a watched element, or an input spending a watched outpoint. */
export class Matcher {
  private readonly elements = new Set<string>();
  private readonly outpoints = new Set<string>();
  private readonly txids = new Set<string>();
  private added = false;

  constructor(watch: WatchSet) {
    for (const e of watch.elements) this.elements.add(hex(e));
    for (const o of watch.outpoints) this.outpoints.add(hex(o));
    for (const t of watch.txids) this.txids.add(hex(t));
  }

  /** Whether `tx` matches; outputs that match are watched from now on (their spends match too). */
  matches(tx: Tx, id: Uint8Array): boolean {
    let hit = this.txids.has(hex(id)) || tx.inputs.some((i) => this.outpoints.has(hex(outpointBytes(i.prevTxid, i.vout))));
    tx.outputs.forEach((o, vout) => {
      const e = scriptElement(o.script);
      if (e && this.elements.has(hex(e))) {
        hit = true;
        this.added = true;
        this.outpoints.add(hex(outpointBytes(id, vout)));
      }
    });
    return hit;
  }

  /** Whether a matched output added its outpoint: a later transaction may then match what an earlier one did not. */
  get grew(): boolean {
    return this.added;
  }
}

export class RpcSource implements ChainSource {
  readonly kind: 'node' | 'rpc';
  private readonly params: ChainParams;
  private readonly store: HeaderStore;
  private readonly rpc: RpcClient;

  constructor(opts: { kind: 'node' | 'rpc'; params: ChainParams; store: HeaderStore; rpc: RpcClient }) {
    this.kind = opts.kind;
    this.params = opts.params;
    this.store = opts.store;
    this.rpc = opts.rpc;
  }

  private get chain() {
    return this.store.chain;
  }

  async start(): Promise<void> {
    const info = await this.rpc.call<ChainInfo>('getblockchaininfo');
    if (!CHAIN_NAMES[this.params.network]?.includes(info.chain)) {
      throw new CofferError('wrong-network', `The node runs the ${info.chain} network, not ${this.params.network}.`, {
        nodeNetwork: info.chain,
        network: this.params.network,
      });
    }
  }

  stop(): void {}

  private best: number | undefined;
  /**
   * Mempool transactions that matched nothing, and the watch set they were checked against: not
   * fetched again while the set is the same (a watchtower asks every second; a mainnet mempool
   * holds hundreds of megabytes).
   */
  private misses = { key: '', txids: new Set<string>() };

  bestHeight(): number | undefined {
    return this.best;
  }

  private async hashesAt(from: number, to: number): Promise<string[]> {
    const calls = [];
    for (let h = from; h <= to; h++) calls.push({ method: 'getblockhash', params: [h] });
    return this.rpc.batch<string>(calls);
  }

  async syncHeaders(beforeApply: (c: ChainChange) => void): Promise<void> {
    const info = await this.rpc.call<ChainInfo>('getblockchaininfo');
    this.best = info.blocks;
    // The last height where the node's chain and ours agree.
    let common = Math.min(this.chain.height, info.blocks);
    while (common >= this.chain.baseHeight) {
      const [theirs] = await this.hashesAt(common, common);
      if (theirs === hashToHex(this.chain.hashAt(common))) break;
      common--;
    }
    if (common < this.chain.baseHeight && this.chain.baseHeight > 0) {
      throw new CofferError('backend-error', "The node's chain does not contain Coffer's starting checkpoint.", { reason: 'checkpoint' });
    }
    for (let h = Math.max(common, this.chain.baseHeight - 1) + 1; h <= info.blocks; h += HEADER_BATCH) {
      const to = Math.min(info.blocks, h + HEADER_BATCH - 1);
      const hashes = await this.hashesAt(h, to);
      const headers = await this.rpc.batch<string>(hashes.map((hash) => ({ method: 'getblockheader', params: [hash, false] })));
      const raw = new Uint8Array(headers.length * 80);
      headers.forEach((x, i) => {
        const b = fromHex(x, 'block header');
        if (b.length !== 80) throw new CofferError('backend-error', 'The node sent a block header that is not 80 bytes.', { reason: 'header' });
        raw.set(b, i * 80);
      });
      let r;
      try {
        r = this.chain.add(raw);
      } catch (e) {
        if (e instanceof HeaderError) {
          throw new CofferError('backend-error', `The node's chain breaks Coffer's rules at height ${e.height}: ${e.reason}.`, { height: e.height, reason: e.reason });
        }
        throw e;
      }
      if (r.unconnected) throw new CofferError('backend-error', "The node's headers do not connect to Coffer's chain.", { reason: 'unconnected' });
      if (r.change) {
        beforeApply(r.change);
        this.store.apply(r.change);
      }
    }
  }

  async scan(from: number, to: number, watch: () => WatchSet, onBlocks: (blocks: ProvenBlock[]) => ScanDecision): Promise<void> {
    let matcher = new Matcher(watch());
    let height = from;
    while (height <= to) {
      const end = Math.min(to, height + BLOCK_BATCH - 1);
      const hashes: Uint8Array[] = [];
      for (let h = height; h <= end; h++) hashes.push(this.chain.hashAt(h));
      const raws = await this.rpc.batch<string>(hashes.map((hash) => ({ method: 'getblock', params: [hashToHex(hash), 0] })));
      const blocks: ProvenBlock[] = raws.map((x, i) => {
        const block = parseBlock(fromHex(x, 'block'));
        if (!equalBytes(block.hash, hashes[i]!)) throw new CofferError('backend-error', 'The node sent a different block than the one asked for.', { reason: 'block hash' });
        checkMerkleRoot(block);
        const time = new DataView(block.header.buffer, block.header.byteOffset + 68, 4).getUint32(0, true);
        const txs = block.txs
          .map((t, pos) => ({ t, pos }))
          .filter(({ t }) => matcher.matches(t.tx, t.txid))
          .map(({ t, pos }) => ({ txid: t.txid, pos, raw: t.raw }));
        return { height: height + i, hash: block.hash, time, txs };
      });
      const decision = onBlocks(blocks);
      if (decision.restartFrom !== undefined) {
        height = decision.restartFrom;
        matcher = new Matcher(watch());
      } else height = end + 1;
    }
  }

  async mempool(watch: WatchSet, onTx: (raw: Uint8Array) => void): Promise<void> {
    const matcher = new Matcher(watch);
    const key = [watch.elements, watch.outpoints, watch.txids].map((list) => list.map(hex).join()).join(';');
    const known = this.misses.key === key ? this.misses.txids : new Set<string>();
    const all = await this.rpc.call<string[]>('getrawmempool');
    const missed = new Set(all.filter((id) => known.has(id)));
    const newMisses: string[] = [];
    const txids = all.filter((id) => !known.has(id));
    for (let i = 0; i < txids.length; i += 500) {
      const chunk = txids.slice(i, i + 500);
      // A transaction can leave the mempool between the two calls; fetch one by one then.
      const raws = await this.rpc
        .batch<string>(chunk.map((id) => ({ method: 'getrawtransaction', params: [id, false] })))
        .catch(async () => Promise.all(chunk.map((id) => this.rpc.call<string>('getrawtransaction', [id, false]).catch(() => ''))));
      for (const x of raws) {
        let raw: Uint8Array;
        let tx: Tx;
        try {
          raw = fromHex(x, 'transaction');
          tx = parseTx(raw);
        } catch {
          continue;
        }
        const id = txidOf(tx);
        if (matcher.matches(tx, id)) onTx(raw);
        else newMisses.push(hashToHex(id));
      }
    }
    // A miss is final for this watch set unless a match added outpoints meanwhile (its child may
    // have come first); then this round's misses are asked again next time.
    if (!matcher.grew) for (const id of newMisses) missed.add(id);
    this.misses = { key, txids: missed };
  }

  async broadcast(raw: Uint8Array): Promise<void> {
    const id = hashToHex(txidOf(parseTx(raw)));
    try {
      await this.rpc.call('sendrawtransaction', [hex(raw)]);
    } catch (e) {
      if (e instanceof CofferError && e.code === 'backend-error' && 'rpcCode' in e.details) {
        throw new CofferError('invalid-transaction', `The node rejected the transaction: ${String(e.details['reason'])}.`, { reason: String(e.details['reason']) });
      }
      throw e;
    }
    // bcoin answers before its mempool has decided; only a transaction the node keeps counts.
    for (let i = 0; i < 100; i++) {
      const entry = await this.rpc.call('getmempoolentry', [id]).catch(() => undefined);
      if (entry) return;
      const mined = await this.rpc.call<{ confirmations?: number }>('getrawtransaction', [id, true]).catch(() => undefined);
      if (mined?.confirmations) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new CofferError('invalid-transaction', "The node did not accept the transaction into its mempool; the reason is in its debug.log, in the node's data directory.", { reason: 'not in mempool' });
  }

  /** estimatesmartfee for 2, 6 and 24 blocks; bcoin answers `fee` where Core answers `feerate`. */
  async fees(): Promise<FeeEstimates> {
    const targets = [2, 6, 24];
    const answers = await Promise.all(
      targets.map((t) => this.rpc.call<{ feerate?: number; fee?: number }>('estimatesmartfee', [t]).catch(() => undefined)),
    );
    const rate = (a: { feerate?: number; fee?: number } | undefined) => {
      const btcPerKvB = a?.feerate ?? a?.fee;
      return typeof btcPerKvB === 'number' && btcPerKvB > 0 ? Math.round(btcPerKvB * 1e8) / 1000 : undefined;
    };
    const [fast, normal, slow] = answers.map(rate);
    const info = await this.rpc.call<{ relayfee?: number }>('getnetworkinfo').catch(() => undefined);
    const floor = Math.max(1, info?.relayfee ? Math.round(info.relayfee * 1e8) / 1000 : 1);
    const out: FeeEstimates = { floor, source: 'estimatesmartfee' };
    if (fast !== undefined) out.fast = Math.max(fast, floor);
    if (normal !== undefined) out.normal = Math.max(normal, floor);
    if (slow !== undefined) out.slow = Math.max(slow, floor);
    return out;
  }
}

