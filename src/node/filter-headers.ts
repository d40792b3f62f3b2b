// BIP157 filter headers tied to the validated block-header chain: checkpoints every 1,000 blocks
// and windows of filter hashes between them, each asked of two peers when two are connected. A
// peer whose answer contradicts its own checkpoints is banned; when two peers' filter hashes
// differ, the block where they part is fetched and the filter that misses one of its output
// scripts is the lie.

import { equalBytes, hashToHex } from '../chain/bytes.js';
import { matchAny } from '../chain/bip158.js';
import type { Block } from '../chain/block.js';
import type { HeaderChain } from '../chain/header-chain.js';
import { sha256d } from '../chain/tx.js';
import { BASIC_FILTER, CFCHECKPT_INTERVAL, type CFilterMessage } from '../p2p/cf-messages.js';
import type { Message } from '../p2p/messages.js';
import { PeerError, type Peer } from '../p2p/peer.js';
import type { Pool } from '../p2p/pool.js';

const ZERO = new Uint8Array(32);
const OP_RETURN = 0x6a;

/** The filter hashes of blocks start..end, checked against the peer's checkpoints around them (and the other peer's hashes). */
export interface FilterWindow {
  start: number;
  end: number;
  /** The block hash at `end` when the window was fetched (a reorg makes it stale). */
  endHash: string;
  hashes: Uint8Array[];
}

/** One peer's filter hashes for a window. */
interface Answer {
  peer: Peer;
  hashes: Uint8Array[];
}

/** What the filter-header code needs of the source around it. */
export interface FilterHeaderHost {
  readonly pool: Pool;
  readonly chain: HeaderChain;
  /** The peers to ask: one, or two to compare when two are connected. */
  peers(): Promise<Peer[]>;
  /** The whole block at a best-chain height, checked against its header, from the first of `peers` that sends it. */
  block(height: number, peers: Peer[]): Promise<Block>;
  log(event: string, fields: Record<string, string | number | boolean>): void;
}

/** Filter header = dsha256(filterHash || previous filter header). */
export function nextHeader(filterHash: Uint8Array, prev: Uint8Array): Uint8Array {
  const joined = new Uint8Array(64);
  joined.set(filterHash, 0);
  joined.set(prev, 32);
  return sha256d(joined);
}

/** The last filter header of a run of filter hashes after `prev`. */
export function chainHeaders(prev: Uint8Array, hashes: readonly Uint8Array[]): Uint8Array {
  let h = prev;
  for (const f of hashes) h = nextHeader(f, h);
  return h;
}

/**
 * Whether a filter can be the block's: every output script that is not OP_RETURN must be in it.
 * (A light client has no spent outputs' scripts, so this is what it can check.)
 */
export function filterFitsBlock(filter: Uint8Array, block: Block): boolean {
  for (const t of block.txs) {
    for (const o of t.tx.outputs) {
      if (o.script.length === 0 || o.script[0] === OP_RETURN) continue;
      if (!matchAny(filter, block.hash, [o.script])) return false;
    }
  }
  return true;
}

/** Send a request, then a ping; the messages `keep` wants that arrived before the pong. */
export async function collect(peer: Peer, request: Message, keep: (m: Message) => boolean): Promise<Message[]> {
  const got: Message[] = [];
  const listen = (m: Message) => {
    if (keep(m)) got.push(m);
  };
  peer.on('message', listen);
  try {
    peer.send(request);
    await peer.ping();
  } finally {
    peer.off('message', listen);
  }
  return got;
}

/** The window of 1,000 blocks (or the first, 0..1000) holding `height`. */
export function windowOf(height: number): { start: number; end: number; index: number } {
  const index = height === 0 ? 0 : Math.floor((height - 1) / CFCHECKPT_INTERVAL);
  return { index, start: index === 0 ? 0 : index * CFCHECKPT_INTERVAL + 1, end: (index + 1) * CFCHECKPT_INTERVAL };
}

export class FilterHeaders {
  /** Each peer's checkpoints, kept while the block at the last one stays on our chain. */
  private readonly checkpoints = new WeakMap<Peer, { key: string; headers: Uint8Array[] }>();
  private last: FilterWindow | undefined;
  /**
   * Blocks (hash, hex) whose filters two peers gave differently, both fitting the block's outputs:
   * neither can be trusted, so the scan fetches these blocks whole whatever a filter says.
   */
  readonly disputed = new Set<string>();

  constructor(private readonly host: FilterHeaderHost) {}

  /**
   * The filter hashes of the window holding `height`, up to the chain's tip at most. Each peer's
   * answer must agree with its own checkpoints; two peers' answers must then agree on every block
   * of our chain (from its base: a chain started at a checkpoint has no headers below it to
   * settle anything with, and needs no filters there).
   */
  async window(height: number): Promise<FilterWindow> {
    const chain = this.host.chain;
    const w = windowOf(height);
    const end = Math.min(w.end, chain.height);
    const endHash = hashToHex(chain.hashAt(end));
    if (this.last && this.last.start === w.start && this.last.end === end && this.last.endHash === endHash) return this.last;
    const answers: Answer[] = [];
    for (const peer of await this.host.peers()) {
      const cps = await this.checkpointsOf(peer, end);
      if (!cps) continue;
      const prev = w.index === 0 ? ZERO : cps[w.index - 1]!;
      const hashes = await this.fetchRange(peer, w.start, end, prev, w.end <= end ? cps[w.index] : undefined);
      if (hashes) answers.push({ peer, hashes });
    }
    if (answers.length === 0) throw new PeerError('no peer sent the filter headers', false);
    let chosen = answers[0]!;
    const from = Math.max(0, chain.baseHeight - w.start);
    if (answers.length > 1 && differing(answers[0]!, answers[1]!, from).length > 0) chosen = await this.settle(answers[0]!, answers[1]!, w.start, from);
    this.last = { start: w.start, end, endHash, hashes: chosen.hashes };
    return this.last;
  }

  /**
   * The filter hashes of start..end from one peer, checked: as many as asked, after `prev`, ending
   * at `check` when a checkpoint covers the end. Undefined when the peer did not answer (it is
   * closed); a contradiction bans it.
   */
  private async fetchRange(peer: Peer, start: number, end: number, prev: Uint8Array, check: Uint8Array | undefined): Promise<Uint8Array[] | undefined> {
    const stopHash = this.host.chain.hashAt(end);
    try {
      // A window is at most 1,000 blocks: one getcfheaders (at most 2,000) covers it.
      const got = await collect(peer, { type: 'getcfheaders', filterType: BASIC_FILTER, startHeight: start, stopHash }, (m) => m.type === 'cfheaders' && equalBytes(m.stopHash, stopHash));
      const m = got[0];
      if (!m || m.type !== 'cfheaders') throw new PeerError('the peer withheld filter headers', false);
      if (m.filterHashes.length !== end - start + 1) throw new PeerError(`${m.filterHashes.length} filter hashes for ${end - start + 1} blocks`, true);
      if (!equalBytes(m.prevHeader, prev)) throw new PeerError(`filter headers that do not follow its checkpoint at ${start - 1}`, true);
      if (check && !equalBytes(chainHeaders(prev, m.filterHashes), check)) throw new PeerError(`filter headers that miss the checkpoint at ${end}`, true);
      return m.filterHashes;
    } catch (e) {
      if (!(e instanceof PeerError)) throw e;
      this.drop(peer, e);
      return undefined;
    }
  }

  private drop(peer: Peer, e: PeerError): void {
    this.host.log('filters.peer-dropped', { peer: peer.address, reason: e.message, banned: e.misbehaving });
    if (e.misbehaving) this.host.pool.ban(peer, e.message);
    else peer.close(e.message);
  }

  /** A peer's filter headers at every 1,000th block up to `height` (on our chain); undefined when it is dropped. */
  private async checkpointsOf(peer: Peer, height: number): Promise<Uint8Array[] | undefined> {
    const chain = this.host.chain;
    const count = Math.floor(height / CFCHECKPT_INTERVAL);
    if (count === 0) return [];
    const key = `${count}:${hashToHex(chain.hashAt(Math.max(chain.baseHeight, count * CFCHECKPT_INTERVAL)))}`;
    const known = this.checkpoints.get(peer);
    if (known?.key === key) return known.headers;
    const stop = chain.hashAt(height);
    try {
      const got = await collect(peer, { type: 'getcfcheckpt', filterType: BASIC_FILTER, stopHash: stop }, (m) => m.type === 'cfcheckpt' && equalBytes(m.stopHash, stop));
      const m = got[0];
      if (!m || m.type !== 'cfcheckpt') throw new PeerError('the peer withheld filter checkpoints', false);
      if (m.headers.length !== count) throw new PeerError(`${m.headers.length} filter checkpoints for ${count}`, true);
      this.checkpoints.set(peer, { key, headers: m.headers });
      return m.headers;
    } catch (e) {
      if (!(e instanceof PeerError)) throw e;
      this.drop(peer, e);
      return undefined;
    }
  }

  /**
   * Two peers' filter hashes for blocks from `start` differ: fetch the block where they first
   * differ (at or after index `from`) and both peers' filters for it. A filter that does not hash
   * to what its peer claimed, or misses one of the block's output scripts, is a lie, and its peer
   * is banned. Returns the answer to keep.
   */
  private async settle(a: Answer, b: Answer, start: number, from: number): Promise<Answer> {
    const diff = differing(a, b, from);
    const height = start + diff[0]!;
    const blockHash = this.host.chain.hashAt(height);
    // A peer that does not answer is closed, not judged: the scan asks again.
    const filterOf = async (peer: Peer) => {
      const got = await collect(peer, { type: 'getcfilters', filterType: BASIC_FILTER, startHeight: height, stopHash: blockHash }, (m) => m.type === 'cfilter' && equalBytes(m.blockHash, blockHash));
      const filter = (got[0] as CFilterMessage | undefined)?.filter;
      if (!filter) {
        const e = new PeerError(`the peer withheld the filter of block ${height}`, false);
        this.drop(peer, e);
        throw e;
      }
      return filter;
    };
    const block = await this.host.block(height, [a.peer, b.peer]);
    const honest = (x: Answer, filter: Uint8Array) => equalBytes(sha256d(filter), x.hashes[height - start]!) && filterFitsBlock(filter, block);
    const okA = honest(a, await filterOf(a.peer));
    const okB = honest(b, await filterOf(b.peer));
    this.host.log('filters.dispute', { height, peerA: a.peer.address, peerB: b.peer.address, honestA: okA, honestB: okB });
    const reason = `a filter that does not fit block ${height}`;
    if (!okA) this.host.pool.ban(a.peer, reason);
    if (!okB) this.host.pool.ban(b.peer, reason);
    if (!okA && !okB) throw new PeerError('both peers sent filters that do not fit the block', true);
    if (okA && okB) {
      // A lie about the scripts a block spends cannot be told from here: the first answer's
      // hashes stand, and every block the two answers differ on is fetched whole.
      for (const j of diff) this.disputed.add(hashToHex(this.host.chain.hashAt(start + j)));
    }
    return okA ? a : b;
  }
}

/** Where two answers' filter hashes differ, from index `from` on. */
function differing(a: Answer, b: Answer, from: number): number[] {
  const out: number[] = [];
  for (let j = from; j < a.hashes.length; j++) if (!equalBytes(a.hashes[j]!, b.hashes[j] ?? ZERO)) out.push(j);
  return out;
}
