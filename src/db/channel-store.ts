// Rows of the Lightning tables (see migration 0050). Every write here is synchronous and, with
// `synchronous = FULL`, on disk when the call returns: LDK is told a write completed only after.

import type { Db } from './database.js';
import type { LnPayment } from '../api/contract.js';

export function readManager(db: Db): Uint8Array | undefined {
  const row = db.prepare('SELECT data FROM chan_manager WHERE id = 1').get() as { data: Uint8Array } | undefined;
  return row?.data;
}

export function writeManager(db: Db, data: Uint8Array): void {
  db.prepare('INSERT INTO chan_manager (id, data, written_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data, written_at = excluded.written_at').run(data, Date.now());
}

export function readMonitors(db: Db): { fundingOutpoint: string; data: Uint8Array }[] {
  return (db.prepare('SELECT funding_outpoint, data FROM chan_monitors ORDER BY funding_outpoint').all() as { funding_outpoint: string; data: Uint8Array }[]).map((r) => ({
    fundingOutpoint: r.funding_outpoint,
    data: r.data,
  }));
}

export function writeMonitor(db: Db, fundingOutpoint: string, data: Uint8Array, updateId: bigint): void {
  db.prepare(
    `INSERT INTO chan_monitors (funding_outpoint, data, update_id, written_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (funding_outpoint) DO UPDATE SET data = excluded.data, update_id = excluded.update_id, written_at = excluded.written_at`,
  ).run(fundingOutpoint, data, updateId, Date.now());
}

export interface ChainTxRow {
  txid: Uint8Array;
  raw: Uint8Array;
  blockHash?: Uint8Array;
  height?: number;
  pos?: number;
  fed: boolean;
}

type RawTx = { txid: Uint8Array; raw: Uint8Array; block_hash: Uint8Array | null; block_height: number | null; block_pos: number | null; fed: number };

function txRow(r: RawTx): ChainTxRow {
  return {
    txid: r.txid,
    raw: r.raw,
    ...(r.block_hash ? { blockHash: r.block_hash, height: r.block_height!, pos: r.block_pos! } : {}),
    fed: r.fed === 1,
  };
}

/** A transaction LDK watches: unconfirmed (no block) or in a block; a new block resets `fed`. */
export function putChainTx(db: Db, txid: Uint8Array, raw: Uint8Array, block?: { hash: Uint8Array; height: number; pos: number }): void {
  if (!block) {
    db.prepare('INSERT INTO chan_txs (txid, raw) VALUES (?, ?) ON CONFLICT (txid) DO NOTHING').run(txid, raw);
    return;
  }
  db.prepare(
    `INSERT INTO chan_txs (txid, raw, block_hash, block_height, block_pos, fed) VALUES (?, ?, ?, ?, ?, 0)
     ON CONFLICT (txid) DO UPDATE SET block_hash = excluded.block_hash, block_height = excluded.block_height, block_pos = excluded.block_pos,
       fed = CASE WHEN chan_txs.block_hash IS excluded.block_hash THEN chan_txs.fed ELSE 0 END`,
  ).run(txid, raw, block.hash, block.height, block.pos);
}

export function chainTx(db: Db, txid: Uint8Array): ChainTxRow | undefined {
  const r = db.prepare('SELECT * FROM chan_txs WHERE txid = ?').get(txid) as RawTx | undefined;
  return r ? txRow(r) : undefined;
}

export function unfedChainTxs(db: Db): ChainTxRow[] {
  return (db.prepare('SELECT * FROM chan_txs WHERE block_hash IS NOT NULL AND fed = 0 ORDER BY block_height, block_pos').all() as RawTx[]).map(txRow);
}

export function confirmedChainTxs(db: Db): ChainTxRow[] {
  return (db.prepare('SELECT * FROM chan_txs WHERE block_hash IS NOT NULL').all() as RawTx[]).map(txRow);
}

export function markFed(db: Db, txid: Uint8Array): void {
  db.prepare('UPDATE chan_txs SET fed = 1 WHERE txid = ?').run(txid);
}

/** At start: everything stored is shown to LDK again (it ignores what it has seen). */
export function unfeedAll(db: Db): void {
  db.prepare('UPDATE chan_txs SET fed = 0').run();
}

/** A reorg: transactions above the fork are unconfirmed until the rescan finds them again. */
export function unconfirmChainTxsAbove(db: Db, height: number): void {
  db.prepare('UPDATE chan_txs SET block_hash = NULL, block_height = NULL, block_pos = NULL, fed = 0 WHERE block_height > ?').run(height);
}

export function addWatch(db: Db, kind: 'script' | 'outpoint', item: Uint8Array): void {
  db.prepare('INSERT INTO chan_watch (kind, item) VALUES (?, ?) ON CONFLICT DO NOTHING').run(kind, item);
}

export function listWatch(db: Db): { kind: 'script' | 'outpoint'; item: Uint8Array }[] {
  return db.prepare('SELECT kind, item FROM chan_watch').all() as { kind: 'script' | 'outpoint'; item: Uint8Array }[];
}

export type FundingStatus = 'held' | 'released' | 'discarded';

export function putFunding(db: Db, txid: Uint8Array, temporaryChannelId: string, counterparty: string): void {
  db.prepare("INSERT INTO chan_funding (txid, temporary_channel_id, counterparty, status) VALUES (?, ?, ?, 'held')").run(txid, temporaryChannelId, counterparty);
}

export function setFundingStatus(db: Db, txid: Uint8Array, status: FundingStatus): void {
  db.prepare('UPDATE chan_funding SET status = ? WHERE txid = ?').run(status, txid);
}

export function fundingByChannel(db: Db, temporaryChannelId: string): { txid: Uint8Array; status: FundingStatus } | undefined {
  return db.prepare('SELECT txid, status FROM chan_funding WHERE temporary_channel_id = ?').get(temporaryChannelId) as { txid: Uint8Array; status: FundingStatus } | undefined;
}

/** Held funding transactions must not reach the network before the peer has signed our commitment. */
export function isHeldFunding(db: Db, txid: Uint8Array): boolean {
  const r = db.prepare("SELECT 1 FROM chan_funding WHERE txid = ? AND status = 'held'").get(txid);
  return r !== undefined;
}

export function putPeer(db: Db, nodeId: string, address: string): void {
  db.prepare('INSERT INTO chan_peers (node_id, address) VALUES (?, ?) ON CONFLICT (node_id) DO UPDATE SET address = excluded.address').run(nodeId, address);
}

export function listPeers(db: Db): { nodeId: string; address: string }[] {
  return (db.prepare('SELECT node_id, address FROM chan_peers').all() as { node_id: string; address: string }[]).map((r) => ({ nodeId: r.node_id, address: r.address }));
}

/** A payment as the contract shows it, and which way it went (in: an invoice we made). */
export type PaymentRow = Omit<LnPayment, 'direction'> & { direction: 'in' | 'out' };

type RawPayment = {
  payment_hash: string;
  direction: 'in' | 'out';
  amount_msat: number | null;
  fee_msat: number | null;
  preimage: string | null;
  status: PaymentRow['status'];
  bolt11: string | null;
  created_at: number;
  settled_at: number | null;
};

function paymentRow(r: RawPayment): PaymentRow {
  return {
    paymentHash: r.payment_hash,
    direction: r.direction,
    ...(r.amount_msat !== null ? { amountMsat: r.amount_msat } : {}),
    ...(r.fee_msat !== null ? { feeMsat: r.fee_msat } : {}),
    ...(r.preimage !== null ? { preimage: r.preimage } : {}),
    status: r.status,
    ...(r.bolt11 !== null ? { bolt11: r.bolt11 } : {}),
    createdAt: r.created_at,
    ...(r.settled_at !== null ? { settledAt: r.settled_at } : {}),
  };
}

export function putPayment(db: Db, p: Omit<PaymentRow, 'createdAt'>): void {
  db.prepare(
    `INSERT INTO chan_payments (payment_hash, direction, amount_msat, fee_msat, preimage, status, bolt11, created_at, settled_at)
     VALUES (@paymentHash, @direction, @amountMsat, @feeMsat, @preimage, @status, @bolt11, @createdAt, @settledAt)
     ON CONFLICT (payment_hash) DO UPDATE SET amount_msat = coalesce(excluded.amount_msat, amount_msat), fee_msat = coalesce(excluded.fee_msat, fee_msat),
       preimage = coalesce(excluded.preimage, preimage), status = excluded.status, settled_at = coalesce(excluded.settled_at, settled_at)`,
  ).run({
    paymentHash: p.paymentHash,
    direction: p.direction,
    amountMsat: p.amountMsat ?? null,
    feeMsat: p.feeMsat ?? null,
    preimage: p.preimage ?? null,
    status: p.status,
    bolt11: p.bolt11 ?? null,
    createdAt: Date.now(),
    settledAt: p.settledAt ?? null,
  });
}

export function payment(db: Db, paymentHash: string): PaymentRow | undefined {
  const r = db.prepare('SELECT * FROM chan_payments WHERE payment_hash = ?').get(paymentHash) as RawPayment | undefined;
  return r ? paymentRow(r) : undefined;
}

export function listPayments(db: Db): PaymentRow[] {
  return (db.prepare('SELECT * FROM chan_payments ORDER BY created_at DESC').all() as RawPayment[]).map(paymentRow);
}

export function putSweep(db: Db, descriptor: Uint8Array, channelId: string | undefined): void {
  db.prepare('INSERT INTO chan_sweeps (descriptor, channel_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(descriptor, channelId ?? null, Date.now());
}

export function unsweptDescriptors(db: Db): Uint8Array[] {
  return (db.prepare('SELECT descriptor FROM chan_sweeps WHERE sweep_txid IS NULL').all() as { descriptor: Uint8Array }[]).map((r) => r.descriptor);
}

export function markSwept(db: Db, descriptors: Uint8Array[], txid: Uint8Array): void {
  const st = db.prepare('UPDATE chan_sweeps SET sweep_txid = ? WHERE descriptor = ?');
  for (const d of descriptors) st.run(txid, d);
}

export interface ChannelClose {
  channelId: string;
  counterparty: string;
  reason: string;
  cooperative: boolean;
  capacitySat: number;
  fundingOutpoint?: string;
  closedAt: number;
}

export function putClose(db: Db, c: ChannelClose): void {
  db.prepare(
    `INSERT INTO chan_closes (channel_id, counterparty, reason, cooperative, capacity_sat, funding_outpoint, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (channel_id) DO NOTHING`,
  ).run(c.channelId, c.counterparty, c.reason, c.cooperative ? 1 : 0, c.capacitySat, c.fundingOutpoint ?? null, c.closedAt);
}

/** Channels closed by force (ours or the peer's), whose funds may still be on their way back. */
export function forceCloses(db: Db): ChannelClose[] {
  const rows = db.prepare('SELECT * FROM chan_closes WHERE cooperative = 0 AND funding_outpoint IS NOT NULL ORDER BY closed_at').all() as {
    channel_id: string;
    counterparty: string;
    reason: string;
    capacity_sat: number;
    funding_outpoint: string;
    closed_at: number;
  }[];
  return rows.map((r) => ({ channelId: r.channel_id, counterparty: r.counterparty, reason: r.reason, cooperative: false, capacitySat: r.capacity_sat, fundingOutpoint: r.funding_outpoint, closedAt: r.closed_at }));
}

/** Did this wallet fund the channel with this funding transaction? */
export function fundedByUs(db: Db, txid: Uint8Array): boolean {
  return db.prepare('SELECT 1 FROM chan_funding WHERE txid = ?').get(txid) !== undefined;
}

export function readMonitor(db: Db, fundingOutpoint: string): Uint8Array | undefined {
  return (db.prepare('SELECT data FROM chan_monitors WHERE funding_outpoint = ?').get(fundingOutpoint) as { data: Uint8Array } | undefined)?.data;
}

/** The same transaction with its witness (a scan may have stored it without). */
export function putWitnessRaw(db: Db, txid: Uint8Array, raw: Uint8Array): void {
  db.prepare('UPDATE chan_txs SET raw = ? WHERE txid = ?').run(raw, txid);
}

/** Has this wallet ever run Lightning (a channel manager or a monitor stored)? */
export function hasChannelState(db: Db): boolean {
  return db.prepare('SELECT 1 FROM chan_manager UNION ALL SELECT 1 FROM chan_monitors LIMIT 1').get() !== undefined;
}

/** The stored network graph or scorer (migration 0090), as LDK wrote it. */
export function readRouting(db: Db, name: 'graph' | 'scorer'): Uint8Array | undefined {
  return (db.prepare('SELECT data FROM chan_graph WHERE name = ?').get(name) as { data: Uint8Array } | undefined)?.data;
}

export function writeRouting(db: Db, name: 'graph' | 'scorer', data: Uint8Array): void {
  db.prepare('INSERT INTO chan_graph (name, data, written_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET data = excluded.data, written_at = excluded.written_at').run(name, data, Date.now());
}
