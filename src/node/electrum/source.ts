// An Electrum server (electrs, Fulcrum, ElectrumX) as the chain source, trusted for nothing: its
// headers go through the same HeaderChain as the P2P client's (proof of work, retargets,
// checkpoints, most work), and a transaction counts only with a Merkle branch that ends at the
// root of a header on that chain (CVE-2012-2459 duplicates and 64-byte transactions refused by
// chain/merkle.ts's verifyBranch, the one checker `coffer verify branch` uses too). A server that
// lies is dropped with a typed error and a log line, and the batch it lied in never reaches the
// wallet. Unlike the P2P sources, the server learns the wallet's addresses (scripthashes).

import { CofferError } from '../../api/errors.js';
import { equalBytes, hexToHash } from '../../chain/bytes.js';
import type { ChainChange } from '../../chain/header-chain.js';
import { HeaderError } from '../../chain/header-rules.js';
import { verifyBranch } from '../../chain/merkle.js';
import type { ChainParams } from '../../chain/params.js';
import { sha256d } from '../../chain/tx.js';
import type { HeaderStore } from '../../db/header-store.js';
import type { Socks5Proxy } from '../../p2p/socks5.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { ChainSource, FeeEstimates, ProvenBlock, ProvenTx, ScanDecision, WatchSet } from '../source.js';
import { ElectrumClient, serverName, type CertPins, type ElectrumServer } from './client.js';

/** Headers asked in one blockchain.block.headers (the protocol's most). */
const HEADER_CHUNK = 2016;
/** Heights handed to the wallet in one batch. */
const SCAN_BATCH = 2000;
/**
 * Requests in flight at once to one server. Answers come pipelined: ElectrumX (spesmilo's) holds a
 * small answer up to a second to pad it with others against traffic analysis, so a client that
 * waits for each answer before the next question pays that second every time.
 */
const PARALLEL = 64;
/** A history fetched this recently serves the mempool's question too (the same sync round). */
const HISTORY_FRESH_MS = 2_000;

type Log = (event: string, fields: Record<string, string | number | boolean>) => void;

export interface ElectrumSourceOptions {
  params: ChainParams;
  store: HeaderStore;
  servers: ElectrumServer[];
  proxy?: Socks5Proxy;
  pins?: CertPins;
  timeoutMs?: number;
  log?: Log;
}

interface HistoryItem {
  tx_hash: string;
  height: number;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

function bytes(s: unknown, what: string, server: string): Uint8Array {
  if (typeof s !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(s)) throw new CofferError('backend-error', `The Electrum server ${server} sent a malformed ${what}.`, { reason: what });
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** The protocol's name for a script: SHA-256 of it, byte-reversed, hex. */
export function scriptHash(script: Uint8Array): string {
  return hex(sha256(script).reverse());
}

/** Run `f` over `items`, at most `n` at a time, results in order. */
async function inParallel<T, R>(items: readonly T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

export class ElectrumSource implements ChainSource {
  readonly kind = 'electrum' as const;
  private readonly opts: ElectrumSourceOptions;
  private clients: ElectrumClient[] = [];
  private tips = new Map<ElectrumClient, number>();
  private readonly newsListeners: (() => void)[] = [];
  /** Merkle roots of our chain's blocks, from headers the server sent whose hash is ours (asked once per height). */
  private readonly roots = new Map<number, Promise<Uint8Array>>();
  /** The last history fetched, for the mempool's question in the same round. */
  private lastHistory: { key: string; at: number; items: Map<string, number> } | undefined;
  private feesAhead: Promise<FeeEstimates> | undefined;
  private lastDrop: CofferError | undefined;

  constructor(opts: ElectrumSourceOptions) {
    if (opts.servers.length === 0) throw new CofferError('usage', 'Name an Electrum server: --server tcp://HOST:PORT or ssl://HOST:PORT.', { field: 'server' });
    this.opts = opts;
  }

  private get chain() {
    return this.opts.store.chain;
  }

  private log(event: string, fields: Record<string, string | number | boolean>): void {
    this.opts.log?.(event, fields);
  }

  async start(): Promise<void> {
    const failures: CofferError[] = [];
    await Promise.all(
      this.opts.servers.map(async (server) => {
        try {
          this.clients.push(await this.open(server));
        } catch (e) {
          // The reason as a sentence, never an exception's type name ("Error: …").
          const err = e instanceof CofferError ? e : new CofferError('backend-unavailable', `The Electrum server ${serverName(server)} could not be reached: ${e instanceof Error ? e.message : 'no answer'}.`);
          failures.push(err);
          this.log('electrum.unavailable', { server: serverName(server), reason: err.message });
        }
      }),
    );
    if (this.clients.length === 0) throw failures.find((e) => e.code !== 'backend-unavailable') ?? failures[0]!;
    // Asked now, answered while the headers sync: a round needs them at its end.
    this.feesAhead = this.askFees(this.clients[0]!);
    this.feesAhead.catch(() => undefined);
  }

  private async open(server: ElectrumServer): Promise<ElectrumClient> {
    const c = await ElectrumClient.connect(server, { ...(this.opts.proxy ? { proxy: this.opts.proxy } : {}), ...(this.opts.pins ? { pins: this.opts.pins } : {}), ...(this.opts.timeoutMs ? { timeoutMs: this.opts.timeoutMs } : {}) });
    try {
      // server.version goes first on the wire; the rest follows without waiting for it.
      const [, genesisHex, tip] = await Promise.all([c.request('server.version', ['Coffer', '1.4']), c.request('blockchain.block.header', [0]), c.request<{ height: number }>('blockchain.headers.subscribe')]);
      const genesis = bytes(genesisHex, 'header', serverName(server));
      if (!equalBytes(genesis, this.opts.params.genesis)) {
        throw new CofferError('wrong-network', `The Electrum server ${serverName(server)} serves another network than ${this.opts.params.network}.`, { network: this.opts.params.network });
      }
      c.onNotification((method, params) => {
        if (method === 'blockchain.headers.subscribe') {
          const h = (params[0] as { height?: unknown } | undefined)?.height;
          if (typeof h === 'number') this.tips.set(c, h);
        }
        for (const l of this.newsListeners) l();
      });
      this.tips.set(c, Number(tip?.height));
      return c;
    } catch (e) {
      c.close();
      throw e;
    }
  }

  stop(): void {
    for (const c of this.clients) c.close();
    this.clients = [];
  }

  onNews(listener: () => void): void {
    this.newsListeners.push(listener);
  }

  bestHeight(): number | undefined {
    const all = [...this.tips.values()].filter((h) => Number.isSafeInteger(h));
    return all.length > 0 ? Math.max(...all) : undefined;
  }

  /** Drop a server for a lie or a broken answer: logged, closed, never asked again this session. */
  private drop(c: ElectrumClient, e: CofferError): void {
    this.lastDrop = e;
    this.log('electrum.server-dropped', { server: serverName(c.server), code: e.code, reason: e.message });
    c.close();
    this.clients = this.clients.filter((x) => x !== c);
    this.tips.delete(c);
  }

  private live(): ElectrumClient[] {
    // The last server gone for a reason: that reason is the answer.
    if (this.clients.length === 0 && this.lastDrop) throw this.lastDrop;
    if (this.clients.length === 0) throw new CofferError('backend-unavailable', 'No Electrum server is left to ask (each one failed or was dropped; see the log).', { reason: 'no servers' });
    return this.clients;
  }

  /** The server to ask for the wallet's history: the first one on our best chain. */
  private first(): ElectrumClient {
    return this.live()[0]!;
  }

  async syncHeaders(beforeApply: (c: ChainChange) => void): Promise<void> {
    // Best tip first: the best valid chain wins; a server that breaks the rules is dropped.
    const order = [...this.live()].sort((a, b) => (this.tips.get(b) ?? -1) - (this.tips.get(a) ?? -1));
    for (const c of order) {
      try {
        await this.headersFrom(c, beforeApply);
      } catch (e) {
        if (!(e instanceof CofferError) || e.code === 'backend-unavailable') throw e;
        this.drop(c, e);
      }
    }
    // A server whose chain is not ours (lower, or on another branch) is no use for proofs. (With
    // one server left, its headers are the ones just taken.)
    for (const c of this.live().length > 1 ? [...this.live()] : []) {
      const tip = this.tips.get(c) ?? -1;
      const at = Math.min(tip, this.chain.height);
      const theirs = at >= this.chain.baseHeight ? await this.headerOf(c, at).catch(() => undefined) : undefined;
      if (tip < this.chain.height || !theirs || !equalBytes(sha256d(theirs), this.chain.hashAt(at))) {
        this.drop(c, new CofferError('backend-error', `The Electrum server ${serverName(c.server)} is on a ${tip < this.chain.height ? 'shorter' : 'different'} chain (its tip ${tip}, ours ${this.chain.height}).`, { reason: 'chain', height: tip }));
      }
    }
    this.live();
    this.roots.clear();
  }

  private async headerOf(c: ElectrumClient, height: number): Promise<Uint8Array> {
    const h = bytes(await c.request('blockchain.block.header', [height]), 'header', serverName(c.server));
    if (h.length !== 80) throw new CofferError('backend-error', `The Electrum server ${serverName(c.server)} sent a header that is not 80 bytes.`, { reason: 'header' });
    return h;
  }

  private async headersFrom(c: ElectrumClient, beforeApply: (c: ChainChange) => void): Promise<void> {
    const name = serverName(c.server);
    const tip = this.tips.get(c) ?? -1;
    // The last height where the server's chain and ours agree.
    let common = Math.min(this.chain.height, tip);
    // Asked together with the check that the server agrees at our tip, the usual case.
    const chunkAt = (h: number) => c.request<{ hex?: unknown; count?: unknown }>('blockchain.block.headers', [h, Math.min(HEADER_CHUNK, tip - h + 1)]);
    let ahead = common + 1 <= tip && common + 1 > this.chain.baseHeight - 1 ? { at: common + 1, answer: chunkAt(common + 1) } : undefined;
    ahead?.answer.catch(() => undefined);
    while (common >= this.chain.baseHeight && !equalBytes(sha256d(await this.headerOf(c, common)), this.chain.hashAt(common))) {
      common--;
      ahead = undefined;
    }
    if (common < this.chain.baseHeight && this.chain.baseHeight > 0) {
      throw new CofferError('backend-error', `The Electrum server ${name}'s chain does not contain Coffer's starting checkpoint.`, { reason: 'checkpoint' });
    }
    for (let h = Math.max(common, this.chain.baseHeight - 1) + 1; h <= tip; h += HEADER_CHUNK) {
      const answer = await (ahead?.at === h ? ahead.answer : chunkAt(h));
      const raw = bytes(answer?.hex, 'header chunk', name);
      if (raw.length === 0 || raw.length % 80 !== 0) throw new CofferError('backend-error', `The Electrum server ${name} sent a header chunk of ${raw.length} bytes.`, { reason: 'header chunk' });
      let r;
      try {
        r = this.chain.add(raw);
      } catch (e) {
        if (e instanceof HeaderError) throw new CofferError('backend-error', `The Electrum server ${name}'s chain breaks Coffer's rules at height ${e.height}: ${e.reason}.`, { height: e.height, reason: e.reason });
        throw e;
      }
      if (r.unconnected) throw new CofferError('backend-error', `The Electrum server ${name}'s headers do not connect to Coffer's chain.`, { reason: 'unconnected' });
      if (r.change) {
        beforeApply(r.change);
        this.opts.store.apply(r.change);
      }
      if (raw.length / 80 < Math.min(HEADER_CHUNK, tip - h + 1)) break;
    }
  }

  /** The Merkle root of our chain's block at `height`, from the server's header (its hash checked against ours). */
  private rootAt(c: ElectrumClient, height: number): Promise<Uint8Array> {
    let root = this.roots.get(height);
    if (!root) {
      root = this.headerOf(c, height).then((header) => {
        if (!equalBytes(sha256d(header), this.chain.hashAt(height))) {
          throw new CofferError('backend-error', `The Electrum server ${serverName(c.server)} sent a header for height ${height} that is not on Coffer's chain.`, { reason: 'header', height });
        }
        return header.slice(36, 68);
      });
      root.catch(() => this.roots.delete(height));
      this.roots.set(height, root);
    }
    return root;
  }

  /** Every history entry of the watched scripts, by txid (a transaction can touch several). */
  private async history(c: ElectrumClient, watch: WatchSet, fresh = false): Promise<Map<string, number>> {
    const key = watch.scripts.map(hex).join();
    const last = this.lastHistory;
    if (fresh && last && last.key === key && Date.now() - last.at < HISTORY_FRESH_MS) return last.items;
    const out = new Map<string, number>();
    const lists = await inParallel(watch.scripts, PARALLEL, (s) => c.request<HistoryItem[]>('blockchain.scripthash.get_history', [scriptHash(s)]));
    for (const list of lists) {
      if (!Array.isArray(list)) throw new CofferError('backend-error', `The Electrum server ${serverName(c.server)} sent a history that is not a list.`, { reason: 'history' });
      for (const item of list) {
        if (typeof item?.tx_hash !== 'string' || !hexToHash(item.tx_hash) || !Number.isSafeInteger(item.height)) {
          throw new CofferError('backend-error', `The Electrum server ${serverName(c.server)} sent a malformed history entry.`, { reason: 'history' });
        }
        out.set(item.tx_hash, item.height);
      }
    }
    this.lastHistory = { key, at: Date.now(), items: out };
    return out;
  }

  /** A confirmed transaction, fetched and proven against our header at `height`. */
  private async prove(c: ElectrumClient, txid: string, height: number): Promise<ProvenTx> {
    const name = serverName(c.server);
    const [rawHex, proof, root] = await Promise.all([
      c.request('blockchain.transaction.get', [txid]),
      c.request<{ block_height?: unknown; merkle?: unknown; pos?: unknown }>('blockchain.transaction.get_merkle', [txid, height]),
      this.rootAt(c, height),
    ]);
    const raw = bytes(rawHex, 'transaction', name);
    if (proof?.block_height !== height || !Array.isArray(proof.merkle) || typeof proof.pos !== 'number') {
      throw new CofferError('backend-error', `The Electrum server ${name} sent no usable Merkle proof for ${txid} at height ${height}.`, { reason: 'proof', height });
    }
    const branch = proof.merkle.map((m) => {
      const h = typeof m === 'string' ? hexToHash(m) : undefined;
      if (!h) throw new CofferError('backend-error', `The Electrum server ${name} sent a malformed Merkle branch.`, { reason: 'proof', height });
      return h;
    });
    const id = hexToHash(txid)!;
    try {
      verifyBranch({ txid: id, tx: raw, pos: proof.pos, branch, root });
    } catch (e) {
      if (e instanceof CofferError && (e.code === 'invalid-merkle-proof' || e.code === 'invalid-transaction')) {
        throw new CofferError('backend-error', `The Electrum server ${name}'s proof of ${txid} at height ${height} is refused: ${e.message}`, { reason: 'proof', height });
      }
      throw e;
    }
    return { txid: id, pos: proof.pos, raw };
  }

  async scan(from: number, to: number, watch: () => WatchSet, onBlocks: (blocks: ProvenBlock[]) => ScanDecision): Promise<void> {
    const c = this.first();
    try {
      let height = from;
      let history = await this.history(c, watch());
      while (height <= to) {
        const end = Math.min(to, height + SCAN_BATCH - 1);
        const wanted = [...history].filter(([, h]) => h >= height && h <= end);
        const proven = await inParallel(wanted, PARALLEL, async ([txid, h]) => ({ h, tx: await this.prove(c, txid, h) }));
        const blocks: ProvenBlock[] = [];
        for (let h = height; h <= end; h++) blocks.push({ height: h, hash: this.chain.hashAt(h), time: this.chain.timeAt(h), txs: [] });
        for (const { h, tx } of proven) blocks[h - height]!.txs.push(tx);
        for (const b of blocks) b.txs.sort((x, y) => x.pos - y.pos);
        const decision = onBlocks(blocks);
        if (decision.restartFrom !== undefined) {
          height = decision.restartFrom;
          history = await this.history(c, watch());
        } else height = end + 1;
      }
    } catch (e) {
      if (e instanceof CofferError && e.code === 'backend-error') this.drop(c, e);
      throw e;
    }
  }

  async mempool(watch: WatchSet, onTx: (raw: Uint8Array) => void): Promise<void> {
    const c = this.first();
    const unconfirmed = [...(await this.history(c, watch, true))].filter(([, h]) => h <= 0).map(([txid]) => txid);
    const raws = await inParallel(unconfirmed, PARALLEL, async (txid) => bytes(await c.request('blockchain.transaction.get', [txid]), 'transaction', serverName(c.server)));
    for (const raw of raws) onTx(raw);
  }

  async broadcast(raw: Uint8Array): Promise<void> {
    const c = this.first();
    try {
      await c.request('blockchain.transaction.broadcast', [hex(raw)]);
    } catch (e) {
      if (e instanceof CofferError && e.code === 'backend-error' && e.details['method'] === 'blockchain.transaction.broadcast') {
        throw new CofferError('invalid-transaction', `The Electrum server rejected the transaction: ${String(e.details['reason'])}.`, { reason: String(e.details['reason']) });
      }
      throw e;
    }
  }

  /** blockchain.estimatefee for 2, 6 and 24 blocks (BTC/kvB; -1 when the server has none) and relayfee. */
  async fees(): Promise<FeeEstimates> {
    const ahead = this.feesAhead;
    this.feesAhead = undefined;
    return ahead ?? this.askFees(this.first());
  }

  private async askFees(c: ElectrumClient): Promise<FeeEstimates> {
    const rate = (v: unknown) => (typeof v === 'number' && v > 0 ? Math.round(v * 1e8) / 1000 : undefined);
    const ask = (method: string, params: unknown[] = []) => c.request(method, params).catch(() => undefined);
    const [fast, normal, slow, relay] = (await Promise.all([ask('blockchain.estimatefee', [2]), ask('blockchain.estimatefee', [6]), ask('blockchain.estimatefee', [24]), ask('blockchain.relayfee')])).map(rate);
    const floor = Math.max(1, relay ?? 1);
    const out: FeeEstimates = { floor, source: 'electrum estimatefee' };
    if (fast !== undefined) out.fast = Math.max(fast, floor);
    if (normal !== undefined) out.normal = Math.max(normal, floor);
    if (slow !== undefined) out.slow = Math.max(slow, floor);
    return out;
  }
}
