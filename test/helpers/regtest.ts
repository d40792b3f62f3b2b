// Test harness: real bcoin regtest full nodes running in-process on 127.0.0.1, for integration tests and benchmarks.

/*
 * Usage
 * -----
 *   let a: RegtestNode;
 *   beforeAll(async () => { a = await startNode(); });  // P2P on 127.0.0.1:<random>, BIP37 served
 *   afterAll(() => a?.close());                          // ALWAYS (afterAll/afterEach); close() is idempotent
 *   await a.fund();                                      // height >= 540: segwit active, coinbases mature
 *   const txid = await a.send('bcrt1q...', 50_000);      // in a's mempool, announced to a's peers
 *   await a.mine(1);                                     // confirms it
 *
 * Addresses given to and returned by the harness are Bitcoin Core style regtest addresses
 * (bcrt1..., m/n..., 2...); bcoin's own RPC speaks its own format (quirk 1). Hashes and txids are
 * display-order hex, as in Core's RPC. Mining goes straight to bcoin's miner and chain: about
 * 1,200-2,000 blocks/s on one core, so a 5,000-block chain takes 3-4 s. Set COFFER_REGTEST_LOG=debug
 * (or info, warning, error) to see bcoin's log on the console.
 *
 * Quirks of bcoin 1.0.2 regtest (from its source, checked with raw P2P probes while writing this)
 * -----------------------------------------------------------------------------------------------
 *  1. Address formats differ from Bitcoin Core's regtest: bcoin uses bech32 hrp "rb", P2PKH version
 *     0x3c, P2SH 0x26, WIF 0x5a, xpub "rpub". Magic (fa bf b5 da on the wire), genesis
 *     hash and consensus match Core's regtest. The harness converts addresses itself; never hand a
 *     bcrt1 address to rpc() (e.g. generatetoaddress), use mine(n, address).
 *  2. Segwit (BIP9 bit 1, window 144, threshold 108) is enforced from block 432 (getblockchaininfo says
 *     "active" once the tip is 431); earlier blocks carry no witness commitment, the miner leaves
 *     witness txs out and the mempool rejects them ("no-witness-yet"). CSV is active from genesis.
 *     BIP34 is off (height 100,000,000) but coinbases still push their height.
 *  3. The subsidy halves every 150 blocks (not 210,000): 50 BTC for heights 1-149, then 25, ...;
 *     from about height 4,950 coinbases pay fees only. Coinbase maturity is 100 blocks.
 *  4. Mempool: a double spend of a mempool tx is always rejected ("bad-txns-inputs-spent", no RBF
 *     replacement; RBF-signalling txs are accepted, just never replaced). Above 10,000 sat/vB:
 *     "absurdly-high-fee". Below 1 sat/vB (even zero fee) is ACCEPTED when the inputs have enough
 *     priority (coin age x value; the harness wallet's old coinbases qualify; rate-limited), otherwise
 *     "insufficient priority". Standardness is not enforced on regtest (dust, non-standard scripts
 *     pass), so the wallet must apply its own policy.
 *  5. Block time is max(now, median-time-past + 1). Mining hundreds of blocks per second pushes block
 *     times ahead of the wall clock by about one second per six blocks (+81 s at height 540, +14 min at
 *     5,000), inside the 2-hour future limit. Header checks in tests must not assume time <= now.
 *  6. BIP37 needs bip37: true (startNode's default; the node then advertises NODE_BLOOM). With a filter
 *     loaded, a tx is announced only if it matches: tx hash, then output scripts (with
 *     BLOOM_UPDATE_ALL the matching outpoint is added to the filter), then prevouts and input scripts;
 *     witness items are never tested. filterclear keeps an EMPTY filter, so afterwards nothing is
 *     relayed (Core would relay everything). A peer with relay=0 in its version gets no tx invs until
 *     it sends filterload, filteradd or filterclear (the latter without a filter means "all txs").
 *     Tx invs are queued per peer and flushed every 5 s (or at 500 items); block invs go out at once.
 *     send()/sendMany()/submitTransaction() flush every peer's queue before resolving, so the inv has
 *     been written to every connected peer, and connected harness nodes have the tx in their mempool.
 *  7. `mempool` (BIP35) is answered, only with bip37 on, by an inv of the mempool's txids minus those
 *     already announced to that peer, NOT filtered by its bloom filter, sent through the 5 s queue.
 *     Without bip37 the node disconnects a peer that sends `mempool` or asks for a filtered block.
 *  8. getdata MSG_FILTERED_BLOCK (3) -> `merkleblock` then one `tx` per matched tx, WITHOUT witness;
 *     MSG_WITNESS_FILTERED_BLOCK (0x40000003) -> the same with witness. Never loaded a filter ->
 *     `notfound`; after filterclear -> a merkleblock with no matches. getdata MSG_TX serves mempool txs
 *     stripped, MSG_WITNESS_TX with witness; confirmed txs -> `notfound`.
 *  9. The node sends its version as soon as a peer connects, verack after the peer's version, then
 *     sendcmpct and getaddr. Unknown messages (wtxidrelay, sendaddrv2, even before verack) are
 *     ignored. getheaders is answered with up to 2,000 headers. After `sendheaders`, new blocks are
 *     announced as `headers`, otherwise as inv. The chain counts as synced from genesis on regtest,
 *     so all of this works on a fresh node.
 * 10. Bans are per IP: one peer reaching ban score 100 (e.g. an oversized filterload) gets 127.0.0.1
 *     banned, and every later local connection, other harness nodes included, is dropped at once for
 *     24 h. isBanned() tells whether a client under test misbehaved; clearBans() lifts the ban.
 * 11. invalidate() (bcoin's invalidateblock) rewinds to the block's parent and marks it invalid;
 *     unlike Core it does not switch to another known branch with more work.
 * 12. Reorgs: txs of disconnected blocks go back to the mempool only if the mempool was NOT empty at
 *     that moment, and even then txs spending coinbase outputs or using BIP68 locks are evicted. A test
 *     that needs a tx after a reorg should keep its hex and submitTransaction() it again.
 * 13. Without txindex bcoin's getrawtransaction sees only the mempool; the harness turns on the tx and
 *     address indexes (mining is slightly slower) so getRawTransaction and gettxoutproof work for any
 *     confirmed tx, and the wallet finds its coins.
 * 14. All nodes in one process share bcoin's regtest Network object (including its peer time offset).
 *     The harness switches off bcoin's external-IP DNS lookup, its seeds (regtest's is
 *     127.0.0.1:48444) and UPnP; the only outbound connections are those connect() makes. bcoin also
 *     opens its HTTP/JSON-RPC server (always, for a full node): it listens on 127.0.0.1, port chosen
 *     by the OS, behind a random API key (httpPort, apiKey).
 */

import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Address, OutScript } from '@scure/btc-signer';

const require = createRequire(import.meta.url);
/** bcoin objects have no type declarations; `Bcoin` marks them. BPeer, BPool, BFullNode list what is touched. */
type Bcoin = any;
const bcoin: Bcoin = require('bcoin');

/** Bitcoin Core's regtest address parameters (bcoin 1.0.2 uses different ones, see quirk 1). */
export const CORE_REGTEST = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef } as const;

/** First height at which segwit rules apply on bcoin's regtest. */
export const SEGWIT_HEIGHT = 432;
/** Height fund() reaches: past segwit activation with ~440 mature coinbases. */
export const FUNDED_HEIGHT = 540;
const COINBASE_MATURITY = 100;
const DEFAULT_FEE_RATE = 2; // sat/vB
const RELAY_TIMEOUT_MS = 10_000;

export type LogLevel = 'none' | 'error' | 'warning' | 'info' | 'debug' | 'spam';

export interface StartNodeOptions {
  /** Serve BIP37 bloom filters, `mempool` and filtered blocks (default true). */
  bip37?: boolean;
  /** bcoin log level; default from COFFER_REGTEST_LOG, else 'none'. */
  logLevel?: LogLevel;
  /**
   * How often bcoin flushes queued transaction announcements (its default is 5 s; quirk 7). A
   * process-wide bcoin setting: the last node started decides. Tests use 200 ms so that answers
   * to `mempool` arrive promptly.
   */
  invIntervalMs?: number;
  /** P2P port (default: a free one); a node started again on the port of one that stopped takes its place. */
  port?: number;
}

export interface Payment {
  address: string;
  sats: number;
}

export interface SendOptions {
  /** Fee rate in sat/vB (default 2). */
  feeRate?: number;
}

export interface PeerInfo {
  /** host:port of the remote side as this node sees it. */
  address: string;
  inbound: boolean;
  agent: string;
  version: number;
  handshake: boolean;
}

export interface RegtestNode {
  readonly host: string;
  /** P2P port. */
  readonly port: number;
  /** `127.0.0.1:PORT`, the P2P endpoint. */
  readonly address: string;
  /** bcoin's HTTP/JSON-RPC server on 127.0.0.1 (basic auth: any user, password apiKey). */
  readonly httpPort: number;
  readonly apiKey: string;
  /** Core-style legacy address of the harness wallet; coinbases go here by default. */
  readonly walletAddress: string;
  readonly closed: boolean;

  /**
   * Mine n blocks (to the harness wallet unless toAddress is given), including mempool txs; returns block
   * hashes in display hex once every connect()ed harness node has the last one.
   */
  mine(n: number, toAddress?: string): Promise<string[]>;
  /** Mine to FUNDED_HEIGHT (segwit active, coinbases mature); ensures the wallet has spendable coins. */
  fund(): Promise<void>;
  /** Spendable harness wallet balance in sats (mature, not spent in the mempool). */
  balance(): Promise<number>;
  /** Pay one address from the harness wallet; the tx is in the mempool and announced when this resolves. */
  send(address: string, sats: number, opts?: SendOptions): Promise<string>;
  sendMany(outputs: readonly Payment[], opts?: SendOptions): Promise<string>;
  /** Submit a raw transaction to the mempool (rejects with bcoin's reason); returns its txid. */
  submitTransaction(hex: string): Promise<string>;

  tipHeight(): number;
  /** Tip hash, display hex. */
  tipHash(): string;
  /** Mempool txids, display hex. */
  mempool(): string[];
  getBlockHash(height: number): Promise<string>;
  /** Main-chain block hashes for heights from..to inclusive, display hex. */
  getBlockHashes(from: number, to: number): Promise<string[]>;
  /** Raw block (with witness), hex. */
  getBlock(hash: string): Promise<string>;
  /** Raw transaction (with witness) from mempool or chain, hex. */
  getRawTransaction(txid: string): Promise<string>;
  /** Serialized merkleblock proving the txids, as Core's gettxoutproof returns. */
  gettxoutproof(txids: readonly string[], blockHash?: string): Promise<string>;

  /** Open a P2P connection to `other` and let both sides sync from each other. */
  connect(other: RegtestNode): Promise<void>;
  /** Drop every P2P connection between this node and `other`. */
  disconnect(other: RegtestNode): Promise<void>;
  peers(): PeerInfo[];
  /** Rewind to the block's parent and mark it invalid (quirk 11). */
  invalidate(hash: string): Promise<void>;
  isBanned(host?: string): boolean;
  clearBans(): void;
  /** bcoin RPC, in-process. */
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  /** Errors bcoin emitted (kept for debugging failed tests). */
  errors(): readonly Error[];
  /** Stop everything; safe to call more than once. */
  close(): Promise<void>;
}

/* Minimal shapes of the bcoin objects the harness touches. */

interface BPeer {
  outbound: boolean;
  handshake: boolean;
  destroyed: boolean;
  version: number;
  agent: string;
  address: { host: string; port: number };
  socket: { localPort?: number } | null;
  next: BPeer | null;
  hostname(): string;
  flushInv(): void;
  destroy(): void;
}

interface BPool {
  peers: { head(): BPeer | null; get(hostname: string): BPeer | undefined; add(peer: BPeer): void };
  hosts: { isBanned(host: string): boolean; clearBanned(): void };
  discoverExternal: () => Promise<void>;
  createOutbound(addr: unknown): BPeer;
  sendSync(peer: BPeer): Promise<boolean>;
  connect(): Promise<void>;
  startSync(): void;
}

interface BFullNode {
  chain: Bcoin;
  mempool: Bcoin;
  miner: Bcoin;
  pool: BPool;
  http: { http: { address(): { port: number } } };
  rpc: { execute(req: { method: string; params: unknown[] }): Promise<unknown> };
  network: unknown;
  on(event: 'error', fn: (err: Error) => void): void;
  open(): Promise<void>;
  close(): Promise<void>;
  getCoinsByAddress(addrs: unknown[]): Promise<Bcoin[]>;
  getMeta(hash: string): Promise<Bcoin>;
}

const coreAddress = Address(CORE_REGTEST);

/** bcoin keeps hashes as hex in internal byte order; tests speak display order. */
function rev(hex: string): string {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`not a 32-byte hex hash: ${hex}`);
  return Buffer.from(hex, 'hex').reverse().toString('hex');
}

/** Output script for a Core-style regtest address (bcrt1/m/n/2), or a bcoin-style one (rb1/R/G). */
export function addressToScript(address: string): Uint8Array {
  try {
    return OutScript.encode(coreAddress.decode(address));
  } catch (coreErr) {
    try {
      const raw: Buffer = bcoin.Script.fromAddress(bcoin.Address.fromString(address, 'regtest')).toRaw();
      return new Uint8Array(raw);
    } catch {
      throw new Error(`not a regtest address: ${address} (${String(coreErr)})`);
    }
  }
}

/** Core-style regtest address for an output script. */
export function scriptToAddress(script: Uint8Array): string {
  return coreAddress.encode(OutScript.decode(script));
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const started = Date.now();
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    // Quick checks are repeated quickly, then less often (up to 250 ms apart); a check that costs
    // time (a `coffer` process, an RPC call) waits at least as long as it took, so polling never
    // takes more than half the machine from the process being waited for.
    const pause = Math.min(1_000, Math.max(Math.min(250, 20 * 1.5 ** round), Date.now() - started));
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** Wait until all nodes report the same tip hash. */
export async function waitForSameTip(nodes: readonly RegtestNode[], timeoutMs = 15_000): Promise<void> {
  await waitFor(
    () => nodes.every((n) => n.tipHash() === nodes[0]?.tipHash()),
    timeoutMs,
    `same tip on ${nodes.map((n) => `${n.address}@${n.tipHeight()}`).join(', ')}`,
  );
}

/** A port that was free a moment ago (bcoin's P2P listener refuses port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function envLogLevel(): LogLevel {
  const v = process.env['COFFER_REGTEST_LOG'];
  const levels: readonly LogLevel[] = ['none', 'error', 'warning', 'info', 'debug', 'spam'];
  return levels.find((l) => l === v) ?? 'none';
}

/**
 * Two per-instance shortcuts that make mining ~30% faster without changing what the node accepts:
 * - the chain reads process.memoryUsage() for a debug log line on every block; skip it unless debugging.
 * - getTarget() applies the testnet min-difficulty rule by walking back up to 2,015 entries per call
 *   (twice per mined block). On regtest nothing retargets, so by induction from genesis every valid
 *   block has bits == pow.bits and the walk always ends at prev.bits; return that directly.
 */
function speedUp(node: BFullNode, logLevel: LogLevel): void {
  if (logLevel !== 'debug' && logLevel !== 'spam') node.chain.logger.memory = () => {};
  const pow = node.chain.network.pow;
  if (pow.noRetargeting) {
    node.chain.getTarget = async (_time: number, prev: { bits: number } | null) => (prev ? prev.bits : pow.bits);
  }
}

export async function startNode(opts: StartNodeOptions = {}): Promise<RegtestNode> {
  const bip37 = opts.bip37 ?? true;
  const logLevel = opts.logLevel ?? envLogLevel();
  bcoin.net.Peer.INV_INTERVAL = opts.invIntervalMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const apiKey = randomBytes(24).toString('hex');
    const node: BFullNode = new bcoin.FullNode({
      network: 'regtest',
      memory: true,
      workers: false,
      logLevel,
      logConsole: logLevel !== 'none',
      listen: true,
      host: '127.0.0.1',
      port,
      bip37,
      seeds: [],
      nodes: [],
      maxOutbound: 8,
      maxInbound: 16,
      upnp: false,
      indexTx: true,
      indexAddress: true,
      httpHost: '127.0.0.1',
      httpPort: 0,
      apiKey,
    });
    // bcoin asks public DNS for our external IP when it starts listening; a test node must not.
    node.pool.discoverExternal = async () => {};
    speedUp(node, logLevel);
    const errors: Error[] = [];
    node.on('error', (err) => {
      if (errors.length < 100) errors.push(err);
    });
    try {
      await node.open();
      await node.pool.connect();
    } catch (err) {
      await node.close().catch(() => {});
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && opts.port === undefined && attempt < 5) continue;
      throw err;
    }
    node.pool.startSync();
    return new HarnessNode(node, port, apiKey, errors);
  }
}

class HarnessNode implements RegtestNode {
  readonly host = '127.0.0.1';
  readonly port: number;
  readonly address: string;
  readonly httpPort: number;
  readonly apiKey: string;
  readonly walletAddress: string;

  readonly #node: BFullNode;
  readonly #errors: Error[];
  readonly #key: Bcoin; // bcoin KeyRing, P2PKH so it can spend before segwit activates
  readonly #keyAddress: Bcoin; // bcoin Address of #key
  readonly #links = new Set<HarnessNode>();
  #sendQueue: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | null = null;

  constructor(node: BFullNode, port: number, apiKey: string, errors: Error[]) {
    this.#node = node;
    this.#errors = errors;
    this.port = port;
    this.address = `${this.host}:${port}`;
    this.httpPort = node.http.http.address().port;
    this.apiKey = apiKey;
    this.#key = bcoin.KeyRing.generate();
    this.#keyAddress = this.#key.getAddress();
    this.walletAddress = scriptToAddress(new Uint8Array(bcoin.Script.fromAddress(this.#keyAddress).toRaw()));
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  #open(): BFullNode {
    if (this.#closing) throw new Error(`regtest node ${this.address} is closed`);
    return this.#node;
  }

  // ---- mining ----

  async mine(n: number, toAddress?: string): Promise<string[]> {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`mine: bad block count ${n}`);
    const node = this.#open();
    const to = toAddress === undefined ? this.#keyAddress : bcoinAddress(toAddress);
    const hashes: string[] = [];
    for (let i = 0; i < n; i++) {
      // Straight to the miner and chain: template, nonce search (regtest target: ~2 tries), connect.
      const job = await node.miner.createJob(null, to);
      const block = job.mine();
      const entry = await node.chain.add(block);
      if (!entry) throw new Error(`mined block ${block.rhash()} was not connected`);
      hashes.push(block.rhash());
    }
    const last = hashes.at(-1);
    const links = [...this.#links].filter((l) => !l.closed);
    if (last !== undefined && links.length > 0) {
      const hash = rev(last);
      await waitFor(
        async () => (await Promise.all(links.map((l) => l.#knowsBlock(hash)))).every(Boolean),
        RELAY_TIMEOUT_MS + n * 5,
        `block ${last} to reach ${links.map((l) => l.address).join(', ')}`,
      );
    }
    return hashes;
  }

  /** Has the block, or has rejected it (e.g. it builds on a block invalidate() marked). */
  async #knowsBlock(hash: string): Promise<boolean> {
    const chain = this.#node.chain;
    return chain.invalid.has(hash) || (await chain.hasEntry(hash));
  }

  async fund(): Promise<void> {
    // Coinbases up to height 441 are mature at 540. If the chain was already that long but paid others,
    // 101 more blocks make the first of ours mature.
    const h = this.tipHeight();
    if (h < FUNDED_HEIGHT) await this.mine(FUNDED_HEIGHT - h);
    if ((await this.balance()) === 0) await this.mine(COINBASE_MATURITY + 1);
  }

  async balance(): Promise<number> {
    const height: number = this.#open().chain.height;
    let total = 0;
    for (const coin of await this.#coins()) {
      if (coin.coinbase && height + 1 < coin.height + COINBASE_MATURITY) continue;
      total += coin.value;
    }
    return total;
  }

  async #coins(): Promise<Bcoin[]> {
    return this.#open().getCoinsByAddress([this.#keyAddress]);
  }

  // ---- paying ----

  send(address: string, sats: number, opts: SendOptions = {}): Promise<string> {
    return this.sendMany([{ address, sats }], opts);
  }

  sendMany(outputs: readonly Payment[], opts: SendOptions = {}): Promise<string> {
    // One at a time, so two sends never pick the same coins.
    const run = this.#sendQueue.then(() => this.#sendMany(outputs, opts));
    this.#sendQueue = run.catch(() => {});
    return run;
  }

  async #sendMany(outputs: readonly Payment[], opts: SendOptions): Promise<string> {
    const node = this.#open();
    if (outputs.length === 0) throw new Error('sendMany: no outputs');
    const feeRate = opts.feeRate ?? DEFAULT_FEE_RATE;
    const mtx = new bcoin.MTX();
    for (const { address, sats } of outputs) {
      if (!Number.isSafeInteger(sats) || sats <= 0) throw new Error(`send: bad amount ${sats} for ${address}`);
      mtx.addOutput({ script: bcoin.Script.fromRaw(Buffer.from(addressToScript(address))), value: sats });
    }
    await mtx.fund(await this.#coins(), {
      changeAddress: this.#keyAddress,
      rate: Math.round(feeRate * 1000), // bcoin rates are sat/kvB
      height: node.chain.height,
      selection: 'value',
    });
    mtx.sign(this.#key);
    const tx = mtx.toTX();
    await this.#accept(tx);
    return tx.txid();
  }

  async submitTransaction(hex: string): Promise<string> {
    const tx = bcoin.TX.fromRaw(Buffer.from(hex, 'hex'));
    await this.#accept(tx);
    return tx.txid();
  }

  /** Into the mempool (throws bcoin's VerifyError), announced to every peer now, seen by linked nodes. */
  async #accept(tx: Bcoin): Promise<void> {
    const node = this.#open();
    const missing = await node.mempool.addTX(tx);
    if (missing) throw new Error(`transaction ${tx.txid()} spends unknown outputs (orphan)`);
    for (let p = node.pool.peers.head(); p; p = p.next) if (p.handshake && !p.destroyed) p.flushInv();
    const hash: string = tx.hash('hex');
    const links = [...this.#links].filter((l) => !l.closed);
    // "Reached" includes kept as an orphan or rejected: a node still syncing may not know the inputs yet.
    const seen = (l: HarnessNode): boolean => {
      const pool = l.#node.mempool;
      return pool.hasEntry(hash) || pool.hasOrphan(hash) || pool.hasReject(hash);
    };
    await waitFor(
      () => links.every(seen),
      RELAY_TIMEOUT_MS,
      `tx ${tx.txid()} to reach ${links.map((l) => l.address).join(', ')}`,
    );
  }

  // ---- queries ----

  tipHeight(): number {
    return this.#open().chain.height;
  }

  tipHash(): string {
    return rev(this.#open().chain.tip.hash);
  }

  mempool(): string[] {
    return [...this.#open().mempool.map.keys()].map((h: string) => rev(h));
  }

  async getBlockHash(height: number): Promise<string> {
    const hash: string | null = await this.#open().chain.getHash(height);
    if (!hash) throw new Error(`no block at height ${height}`);
    return rev(hash);
  }

  async getBlockHashes(from: number, to: number): Promise<string[]> {
    if (from < 0 || to < from) return [];
    const hashes: string[] = await this.#open().chain.getHashes(from, to);
    return hashes.map(rev);
  }

  async getBlock(hash: string): Promise<string> {
    const block = await this.#open().chain.getBlock(rev(hash));
    if (!block) throw new Error(`block ${hash} not found`);
    return block.toRaw().toString('hex');
  }

  async getRawTransaction(txid: string): Promise<string> {
    const meta = await this.#open().getMeta(rev(txid));
    if (!meta) throw new Error(`transaction ${txid} not found`);
    return meta.tx.toRaw().toString('hex');
  }

  async gettxoutproof(txids: readonly string[], blockHash?: string): Promise<string> {
    const params: unknown[] = [[...txids]];
    if (blockHash !== undefined) params.push(blockHash);
    const hex = await this.rpc('gettxoutproof', params);
    if (typeof hex !== 'string') throw new Error('gettxoutproof: unexpected result');
    return hex;
  }

  // ---- peers ----

  async connect(other: RegtestNode): Promise<void> {
    const peer = harnessNode(other);
    if (peer === this) throw new Error('connect: a node cannot connect to itself');
    const node = this.#open();
    peer.#open();
    let out = node.pool.peers.get(peer.address);
    if (!out) {
      out = node.pool.createOutbound(bcoin.net.NetAddress.fromHostname(peer.address, node.network));
      node.pool.peers.add(out);
    }
    const ours = out;
    let theirs: BPeer | undefined;
    await waitFor(
      () => {
        if (ours.destroyed) throw new Error(`connect: ${this.address} -> ${peer.address} failed`);
        theirs = ours.handshake ? inboundFor(peer.#node.pool, ours) : undefined;
        return theirs?.handshake === true;
      },
      RELAY_TIMEOUT_MS,
      `handshake ${this.address} -> ${peer.address}`,
    );
    // bcoin only syncs from outbound peers by itself; make the accepting side pull from us too.
    if (theirs) await peer.#node.pool.sendSync(theirs);
    this.#links.add(peer);
    peer.#links.add(this);
  }

  async disconnect(other: RegtestNode): Promise<void> {
    const peer = harnessNode(other);
    const doomed: [BPool, BPeer][] = [
      ...this.#peersTo(peer).map((p): [BPool, BPeer] => [this.#node.pool, p]),
      ...peer.#peersTo(this).map((p): [BPool, BPeer] => [peer.#node.pool, p]),
    ];
    for (const [, p] of doomed) p.destroy();
    await waitFor(
      () => doomed.every(([pool, p]) => !poolHas(pool, p)),
      RELAY_TIMEOUT_MS,
      `disconnect ${this.address} / ${peer.address}`,
    );
    this.#links.delete(peer);
    peer.#links.delete(this);
  }

  /** Our peers whose connection leads to `other`: outbound to it, or inbound from its outbound peers to us. */
  #peersTo(other: HarnessNode): BPeer[] {
    const theirPorts = new Set<number>();
    for (let p = other.#node.pool.peers.head(); p; p = p.next) {
      const port = p.socket?.localPort;
      if (p.outbound && p.hostname() === this.address && port !== undefined) theirPorts.add(port);
    }
    const found: BPeer[] = [];
    for (let p = this.#node.pool.peers.head(); p; p = p.next) {
      if (p.outbound ? p.hostname() === other.address : theirPorts.has(p.address.port)) found.push(p);
    }
    return found;
  }

  peers(): PeerInfo[] {
    const out: PeerInfo[] = [];
    for (let p = this.#open().pool.peers.head(); p; p = p.next) {
      out.push({ address: p.hostname(), inbound: !p.outbound, agent: p.agent, version: p.version, handshake: p.handshake });
    }
    return out;
  }

  async invalidate(hash: string): Promise<void> {
    await this.#open().chain.invalidate(rev(hash));
  }

  isBanned(host = '127.0.0.1'): boolean {
    return this.#open().pool.hosts.isBanned(host);
  }

  clearBans(): void {
    this.#open().pool.hosts.clearBanned();
  }

  async rpc(method: string, params: unknown[] = []): Promise<unknown> {
    return this.#open().rpc.execute({ method, params });
  }

  errors(): readonly Error[] {
    return this.#errors;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const l of this.#links) l.#links.delete(this);
      this.#links.clear();
      await this.#sendQueue;
      await this.#node.close();
      // Node releases closed server and socket handles in the next loop turn; wait for it so a caller
      // that checks for leaked handles (or reuses the port) right after close() sees them gone.
      await new Promise((r) => setImmediate(r));
    })();
    return this.#closing;
  }
}

function harnessNode(n: RegtestNode): HarnessNode {
  if (!(n instanceof HarnessNode)) throw new Error('not a node started by startNode()');
  return n;
}

function bcoinAddress(address: string): Bcoin {
  const addr = bcoin.Address.fromScript(bcoin.Script.fromRaw(Buffer.from(addressToScript(address))));
  if (!addr) throw new Error(`cannot mine to ${address}`);
  return addr;
}

function poolHas(pool: BPool, peer: BPeer): boolean {
  for (let p = pool.peers.head(); p; p = p.next) if (p === peer) return true;
  return false;
}

/** The inbound peer in `pool` that is the far end of outbound peer `out`. */
function inboundFor(pool: BPool, out: BPeer): BPeer | undefined {
  const localPort = out.socket?.localPort;
  for (let p = pool.peers.head(); p; p = p.next) {
    if (!p.outbound && p.address.port === localPort) return p;
  }
  return undefined;
}
