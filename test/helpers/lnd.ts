// Test harness: lnd regtest nodes (the most deployed Lightning implementation) run as child
// processes on 127.0.0.1 over a btcd backend, with a REST client; for the interop tests.

/*
 * Usage
 * -----
 *   const b = await startBtcd({ tls: true });         // lnd dials btcd's RPC over TLS only
 *   const l = await startLnd(b);                        // p2p, RPC and REST on 127.0.0.1:<random>, temp dir
 *   afterAll(async () => { await l?.close(); await b?.close(); });   // ALWAYS: kills lnd, removes its dir
 *   await minerCoins(b).pay([{ address: await l.newAddress(), sats: 1_000_000 }]);  // test/helpers/btcd-coins.ts
 *   await b.mine(1); await l.waitSynced();
 *
 * The binaries come from scripts/tools.sh (npm's pretest), pinned to lnd v0.20.0-beta, in .tools/bin/.
 * lnd is funded from the harness miner's mature coinbases (btcd-coins.ts) rather than by restarting
 * btcd with lnd's address as --miningaddr: one btcd, mined by the tests, serves every node of a file.
 *
 * Facts about lnd v0.20.0-beta on regtest (from its source and answers)
 * ----------------------------------------------------------------------
 *  1. Its btcd backend always dials btcd's RPC websocket over TLS (chainreg: DisableTLS false) and
 *     needs btcd's certificate (--btcd.rpccert); there is no flag for plain HTTP.
 *  2. --noseedbackup creates the wallet with the default password and unlocks it at every start,
 *     so a stopped node restarts on the same directory without a call. The admin macaroon is then
 *     at data/chain/bitcoin/regtest/admin.macaroon, the self-signed TLS certificate at tls.cert
 *     (with 127.0.0.1 among its addresses). getinfo answers while the server is still starting (and
 *     refuses peers then); /v1/state says SERVER_ACTIVE once it is up.
 *  3. REST is grpc-gateway: bytes fields are base64, 64-bit integers are strings, enums take their
 *     names; streaming calls (/v2/router/send, closing a channel) answer one JSON object a line,
 *     `{"result": ...}` or `{"error": ...}`.
 *  4. Transaction ids in `funding_txid_bytes` and `close_pending.txid` are in internal (reversed) order;
 *     `channel_point` strings are display order.
 *  5. It confirms a channel it accepts after --bitcoin.defaultchanconfs blocks (1 here); Coffer (LDK)
 *     waits its own 6 for channels opened to it. --bitcoin.defaultremotedelay (the CSV it asks of
 *     the peer's own output) is 20 here, so a test sweeps Coffer's force-closed funds after 20 blocks;
 *     lnd's own output waits what Coffer asks (LDK's default, 144 blocks).
 *  6. Keysend is received only with --accept-keysend (set here).
 *  7. A channel listed `active` may not carry a payment for a moment after it opens or its peer
 *     reconnects (its link is not up yet): SendPaymentV2 then fails at once, with no HTLC tried, as
 *     INSUFFICIENT_BALANCE (or NO_ROUTE). The helpers try such a payment again for up to 10 s.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import type { BtcdNode } from './btcd.js';
import { freePort, waitFor } from './regtest.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN_DIR = path.join(path.basename(ROOT) === 'dist' ? path.dirname(ROOT) : ROOT, '.tools', 'bin');
export const LND_BIN = path.join(BIN_DIR, 'lnd');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** The custom record keysend carries its preimage in (lnd's record.KeySendType). */
const KEYSEND_RECORD = '5482373484';

export interface LndChannel {
  active: boolean;
  remote_pubkey: string;
  /** `txid:index`, display order. */
  channel_point: string;
  capacity: string;
  local_balance: string;
  remote_balance: string;
  commitment_type: string;
  /**
   * The commitment's fee, sats: out of the opener's balance, not in local_balance or remote_balance.
   * An anchor commitment's two 330-sat anchors are out of the opener's balance too, and not in it.
   */
  commit_fee: string;
  /** The short channel id, as a decimal string (what `outgoingChanId` takes). */
  chan_id: string;
  private: boolean;
  initiator: boolean;
}

export interface LndPayment {
  status: 'SUCCEEDED' | 'FAILED' | 'IN_FLIGHT' | 'INITIATED';
  payment_hash: string;
  payment_preimage: string;
  fee_msat: string;
  value_msat: string;
  failure_reason: string;
}

export interface OpenChannelOptions {
  pubkey: string;
  sats: number;
  pushSats?: number;
  /** Unannounced (default true: Coffer accepts only unannounced channels). */
  private?: boolean;
  /** lnd's CommitmentType name, e.g. 'STATIC_REMOTE_KEY' or 'ANCHORS'; lnd's default (anchors) if absent. */
  commitmentType?: string;
  satPerVbyte?: number;
  /** This channel's base fee for forwarding, msat (lnd's --bitcoin.basefee if absent). */
  baseFeeMsat?: number;
}

export interface LndNode {
  readonly pubkey: string;
  /** P2P endpoint `127.0.0.1:PORT`. */
  readonly p2pAddress: string;
  /** `pubkey@127.0.0.1:PORT`, as `coffer channel open --peer` takes it. */
  readonly uri: string;
  readonly dir: string;
  /** One REST call with the admin macaroon; rejects with lnd's message. */
  rest<T = any>(method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown): Promise<T>;
  newAddress(): Promise<string>;
  /** On-chain wallet balance, sats. */
  balance(): Promise<{ confirmed: number; unconfirmed: number }>;
  /** Until lnd's chain and wallet are at btcd's tip. */
  waitSynced(): Promise<void>;
  /** Connect to a peer `pubkey@host:port` (already connected is fine). */
  connect(uri: string): Promise<void>;
  /** Open a channel (the funding transaction is broadcast); its channel point, display order. */
  openChannel(o: OpenChannelOptions): Promise<{ fundingTxid: string; outputIndex: number; channelPoint: string }>;
  addInvoice(msat: number, memo?: string): Promise<{ bolt11: string; paymentHash: string }>;
  /** A hold invoice for `paymentHash` (hex): an HTLC paying it waits until settleInvoice. */
  addHoldInvoice(paymentHash: string, msat: number): Promise<{ bolt11: string }>;
  settleInvoice(preimage: string): Promise<void>;
  /** OPEN, ACCEPTED (held), SETTLED or CANCELED. */
  invoiceState(paymentHash: string): Promise<string>;
  /** Pay a BOLT 11 invoice (through one channel of ours if `outgoingChanId`); the payment once it succeeded or failed. */
  payInvoice(bolt11: string, opts?: { amountMsat?: number; outgoingChanId?: string }): Promise<LndPayment>;
  /** A spontaneous payment (keysend) of `msat` to `pubkey`; the payment once it succeeded or failed. */
  keysend(pubkey: string, msat: number): Promise<LndPayment>;
  listChannels(): Promise<LndChannel[]>;
  /** Start closing (cooperatively, or force); the closing transaction's id, display order. */
  closeChannel(channelPoint: string, opts?: { force?: boolean; satPerVbyte?: number }): Promise<string>;
  /** Stop lnd (SIGTERM, SIGKILL after a while), keeping its directory and ports for start(). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same directory and ports. */
  start(): Promise<void>;
  /** The last lines lnd wrote (for failed tests). */
  log(): string;
  /** Kill lnd and remove its directory; safe to call more than once. */
  close(): Promise<void>;
}

export interface StartLndOptions {
  /** Extra lnd flags. */
  args?: readonly string[];
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

export function lndAvailable(): boolean {
  return fs.existsSync(LND_BIN);
}

const b64ToHex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
const hexToB64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
/** A txid in internal order, base64 (lnd's bytes fields), to display hex. */
const txidOf = (b64: string) => Buffer.from(b64, 'base64').reverse().toString('hex');

export async function startLnd(btcd: BtcdNode, opts: StartLndOptions = {}): Promise<LndNode> {
  if (!lndAvailable()) throw new Error(`lnd is not built (${LND_BIN}): run scripts/tools.sh (npm test runs it)`);
  if (!btcd.rpcCert) throw new Error('lnd needs btcd with RPC over TLS: startBtcd({ tls: true })');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-lnd-'));
  const [p2p, rpc, restPort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    `--lnddir=${dir}`,
    `--configfile=${path.join(dir, 'lnd.conf')}`,
    '--bitcoin.regtest',
    '--bitcoin.node=btcd',
    `--btcd.rpchost=127.0.0.1:${btcd.rpcPort}`,
    `--btcd.rpcuser=${btcd.rpcUser}`,
    `--btcd.rpcpass=${btcd.rpcPass}`,
    `--btcd.rpccert=${btcd.rpcCert}`,
    `--listen=127.0.0.1:${p2p}`,
    `--rpclisten=127.0.0.1:${rpc}`,
    `--restlisten=127.0.0.1:${restPort}`,
    '--tlsextraip=127.0.0.1',
    '--noseedbackup',
    '--nobootstrap',
    '--accept-keysend',
    '--trickledelay=50',
    '--bitcoin.defaultchanconfs=1',
    '--bitcoin.defaultremotedelay=20',
    '--debuglevel=info',
    '--maxlogfiles=1',
    ...(opts.args ?? []),
  ];
  fs.writeFileSync(path.join(dir, 'lnd.conf'), '');
  let child: ChildProcess | undefined;
  let output = '';
  let closed = false;

  const macaroonFile = path.join(dir, 'data', 'chain', 'bitcoin', 'regtest', 'admin.macaroon');
  const certFile = path.join(dir, 'tls.cert');

  /** One REST request; `onLine` sees each streamed JSON object and says when to stop reading. */
  function request(method: string, route: string, body: unknown, onLine?: (msg: any) => boolean): Promise<any> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: restPort,
          method,
          path: route,
          ca: fs.readFileSync(certFile),
          headers: { 'Grpc-Metadata-macaroon': fs.readFileSync(macaroonFile).toString('hex'), 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          let done = false;
          res.setEncoding('utf8');
          const fail = (why: string) => reject(new Error(`lnd ${method} ${route}: ${why}`));
          res.on('data', (d: string) => {
            text += d;
            if (!onLine || done) return;
            let nl: number;
            while (!done && (nl = text.indexOf('\n')) >= 0) {
              const line = text.slice(0, nl).trim();
              text = text.slice(nl + 1);
              if (!line) continue;
              const msg = JSON.parse(line);
              if (msg.error) {
                done = true;
                fail(msg.error.message ?? JSON.stringify(msg.error));
              } else if (onLine(msg.result)) {
                done = true;
                resolve(msg.result);
              }
            }
          });
          res.on('end', () => {
            if (done) return;
            if (onLine) return fail(`the stream ended (HTTP ${res.statusCode}): ${text.slice(0, 300)}`);
            let parsed: any;
            try {
              parsed = text ? JSON.parse(text) : {};
            } catch {
              return fail(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
            }
            if ((res.statusCode ?? 500) >= 300 || parsed.code !== undefined) return fail(parsed.message ?? text.slice(0, 300));
            resolve(parsed);
          });
          res.on('error', (e) => {
            if (!done) fail(String(e));
          });
        },
      );
      req.on('error', (e) => reject(new Error(`lnd ${method} ${route}: ${String(e)}`)));
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
  const rest = <T>(method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown) => request(method, route, body) as Promise<T>;

  async function start(): Promise<void> {
    const c = spawn(LND_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    running.add(c);
    const keep = (d: Buffer) => {
      output = (output + d.toString('utf8')).slice(-16_000);
    };
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`lnd exited with ${c.exitCode}:\n${output}`);
      try {
        // getinfo answers before the server takes peers and channels; SERVER_ACTIVE is when it does.
        if ((await rest<{ state: string }>('GET', '/v1/state')).state === 'SERVER_ACTIVE') return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`lnd did not answer REST within ${START_TIMEOUT_MS} ms (${String(e)}):\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    running.delete(c);
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  try {
    await start();
  } catch (e) {
    await close();
    throw e;
  }
  const pubkey = (await rest<{ identity_pubkey: string }>('GET', '/v1/getinfo')).identity_pubkey;

  /** A payment through routerrpc's SendPaymentV2, followed until it succeeded or failed (see fact 7). */
  async function send(body: Record<string, unknown>): Promise<LndPayment> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const p = (await request('POST', '/v2/router/send', { timeout_seconds: 30, fee_limit_sat: '1000', no_inflight_updates: true, ...body }, (p: LndPayment) => p.status === 'SUCCEEDED' || p.status === 'FAILED')) as LndPayment & { htlcs?: unknown[] };
      const notTried = p.status === 'FAILED' && (p.htlcs ?? []).length === 0 && /INSUFFICIENT_BALANCE|NO_ROUTE/.test(p.failure_reason);
      if (!notTried || Date.now() > deadline) return p;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  return {
    pubkey,
    p2pAddress: `127.0.0.1:${p2p}`,
    uri: `${pubkey}@127.0.0.1:${p2p}`,
    dir,
    rest,
    newAddress: async () => (await rest<{ address: string }>('GET', '/v1/newaddress?type=WITNESS_PUBKEY_HASH')).address,
    balance: async () => {
      const r = await rest<{ confirmed_balance: string; unconfirmed_balance: string }>('GET', '/v1/balance/blockchain');
      return { confirmed: Number(r.confirmed_balance), unconfirmed: Number(r.unconfirmed_balance) };
    },
    waitSynced: async () => {
      const tip = await btcd.tipHeight();
      await waitFor(
        async () => {
          const info = await rest<{ block_height: number; synced_to_chain: boolean }>('GET', '/v1/getinfo');
          return info.block_height >= tip && info.synced_to_chain;
        },
        30_000,
        `lnd synced to ${tip}`,
      );
    },
    connect: async (uri) => {
      const [peer, host] = uri.split('@');
      try {
        await rest('POST', '/v1/peers', { addr: { pubkey: peer, host }, perm: false, timeout: '10' });
      } catch (e) {
        if (!/already connected/.test(String(e))) throw e;
      }
    },
    openChannel: async (o) => {
      const r = await rest<{ funding_txid_bytes: string; output_index?: number }>('POST', '/v1/channels', {
        node_pubkey: hexToB64(o.pubkey),
        local_funding_amount: String(o.sats),
        push_sat: String(o.pushSats ?? 0),
        private: o.private ?? true,
        ...(o.commitmentType ? { commitment_type: o.commitmentType } : {}),
        sat_per_vbyte: String(o.satPerVbyte ?? 2),
        ...(o.baseFeeMsat !== undefined ? { base_fee: String(o.baseFeeMsat), use_base_fee: true } : {}),
      });
      const fundingTxid = txidOf(r.funding_txid_bytes);
      const outputIndex = r.output_index ?? 0;
      return { fundingTxid, outputIndex, channelPoint: `${fundingTxid}:${outputIndex}` };
    },
    addInvoice: async (msat, memo = '') => {
      const r = await rest<{ r_hash: string; payment_request: string }>('POST', '/v1/invoices', { value_msat: String(msat), memo });
      return { bolt11: r.payment_request, paymentHash: b64ToHex(r.r_hash) };
    },
    addHoldInvoice: async (paymentHash, msat) => {
      const r = await rest<{ payment_request: string }>('POST', '/v2/invoices/hodl', { hash: hexToB64(paymentHash), value_msat: String(msat) });
      return { bolt11: r.payment_request };
    },
    settleInvoice: async (preimage) => {
      await rest('POST', '/v2/invoices/settle', { preimage: hexToB64(preimage) });
    },
    invoiceState: async (paymentHash) => (await rest<{ state: string }>('GET', `/v1/invoice/${paymentHash}`)).state,
    payInvoice: (bolt11, o = {}) =>
      send({ payment_request: bolt11, ...(o.amountMsat !== undefined ? { amt_msat: String(o.amountMsat) } : {}), ...(o.outgoingChanId ? { outgoing_chan_ids: [o.outgoingChanId] } : {}) }),
    keysend: (dest, msat) => {
      const preimage = randomBytes(32);
      const hash = createHash('sha256').update(preimage).digest();
      return send({ dest: hexToB64(dest), amt_msat: String(msat), payment_hash: hash.toString('base64'), dest_custom_records: { [KEYSEND_RECORD]: preimage.toString('base64') } });
    },
    listChannels: async () => (await rest<{ channels?: LndChannel[] }>('GET', '/v1/channels')).channels ?? [],
    closeChannel: (channelPoint, o = {}) => {
      const [txid, index] = channelPoint.split(':');
      const query = o.force ? '?force=true' : `?sat_per_vbyte=${o.satPerVbyte ?? 2}`;
      // The stream goes on until the close confirms; the first update names the closing transaction.
      return request('DELETE', `/v1/channels/${txid}/${index}${query}`, undefined, (u) => u.close_pending !== undefined).then((u) => txidOf(u.close_pending.txid));
    },
    stop,
    start,
    log: () => output,
    close,
  };
}

