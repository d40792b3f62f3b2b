// The vaults' side of a sync: what the filter must match for them (deposit and unvault outpoints,
// deposit scripts for strays), the transactions seen for them with their confirmations (dropped
// on reorg like the wallet's), the watchtower files served before any deposit leaves, and the
// in-app watchtower that cancels an unvault this wallet did not start.

import { hex } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { CofferError } from '../api/errors.js';
import { writeBackupFile } from '../channels/channel-backup.js';
import { hashToHex } from '../chain/bytes.js';
import { parseTx, txid as txidOf, type Tx } from '../chain/tx.js';
import { withDbErrors } from '../db/database.js';
import { listTxs } from '../db/tx-store.js';
import { insertFoundVault, listFoundVaults, listVaults, listVaultTxs, setTowersServed, unconfirmVaultTx, upsertVaultTx, type FoundVault, type VaultRow, type VaultTxRow } from '../db/vault-store.js';
import { outpointBytes } from '../node/source.js';
import { chooseRung, parsePackage, type TowerPackage } from '../vaults/watchtower.js';
import { foundFacts, rungTxids, seenTx, vaultView, type SeenTx, type VaultView } from '../vaults/vault-status.js';
import { readNote } from '../vaults/vault-note.js';
import { p2wsh } from '../vaults/vault-tx.js';
import type { Logger } from './log.js';
import type { WalletService } from './wallet-service.js';

/** Wallet meta keys. */
export const TOWER_FILES_META = 'watchtower_files';
export const ANNOUNCE_KEY_META = 'vault_announce_key';
/** The key of the vault notes in deposits (hex), set when the wallet is made or restored, or at its first vault. */
export const VAULT_NOTE_META = 'vault_note_key';

export interface Stray {
  id: string;
  vault: VaultRow;
  txid: Uint8Array;
  vout: number;
  value: number;
  height?: number;
  sweptBy?: string;
}

export interface VaultSnapshot {
  vault: VaultRow;
  view: VaultView;
}

/** A vault found on chain, with its state: its deposit output's script, its unvault transaction once seen. */
export interface FoundSnapshot {
  found: FoundVault;
  view: VaultView;
  depositOutput?: Uint8Array;
  unvault?: Tx;
}

/** A found vault's unvault may be a thief's or the user's own from before the restore: an alert while it can still be swept. */
const ALERT_WHILE: ReadonlySet<string> = new Set(['unvaulting', 'withdrawable']);

function outKey(txid: Uint8Array | string, vout: number): string {
  return `${typeof txid === 'string' ? txid : hashToHex(txid)}:${vout}`;
}

/** Everything stored about the vaults, and their derived states at `tip`. */
export function vaultSnapshots(wallet: WalletService, tip: number): { vaults: VaultSnapshot[]; strays: Stray[]; found: FoundSnapshot[] } {
  const db = wallet.database;
  return withDbErrors(() => {
    const vaults = listVaults(db);
    const txs = listVaultTxs(db);
    const walletTxs = new Map(listTxs(db).map((t) => [hashToHex(txidOf(parseTx(t.raw))), t]));
    const byVault = new Map<string, SeenTx[]>();
    for (const t of txs) {
      const list = byVault.get(t.vaultId) ?? [];
      list.push(seenTx(t.raw, t.block?.height));
      byVault.set(t.vaultId, list);
    }
    const snaps: VaultSnapshot[] = [];
    const strays: Stray[] = [];
    for (const v of vaults) {
      const seen = byVault.get(v.id) ?? [];
      const dep = walletTxs.get(hashToHex(v.depositTxid));
      const view = vaultView(
        {
          amount: v.amount,
          delay: v.delay,
          depositTxid: v.depositTxid,
          depositVout: v.depositVout,
          unvaultTxid: hashToHex(txidOf(parseTx(v.unvaultRaw))),
          cancelTxids: rungTxids(v.cancels),
          emergencyTxids: rungTxids(v.emergencies),
          deposit: { status: dep?.status ?? 'unknown', ...(dep?.confirmation ? { height: dep.confirmation.height } : {}) },
          startedHere: v.withdrawStartedAt !== undefined,
        },
        seen,
        tip,
      );
      snaps.push({ vault: v, view });
      const spk = hex.encode(p2wsh(v.depositScript));
      const depositKey = outKey(v.depositTxid, v.depositVout);
      for (const s of seen) {
        s.tx.outputs.forEach((o, vout) => {
          if (hex.encode(o.script) !== spk || outKey(s.txid, vout) === depositKey) return;
          const spender = seen.find((x) => x.tx.inputs.some((i) => i.vout === vout && hashToHex(i.prevTxid) === s.txid));
          strays.push({
            id: `${v.id}-${s.txid.slice(0, 8)}-${vout}`,
            vault: v,
            txid: txidOf(s.tx),
            vout,
            value: o.value,
            ...(s.height !== undefined ? { height: s.height } : {}),
            ...(spender ? { sweptBy: spender.txid } : {}),
          });
        });
      }
    }
    const found = listFoundVaults(db).map((f): FoundSnapshot => {
      const seen = byVault.get(f.id) ?? [];
      const dep = walletTxs.get(hashToHex(f.depositTxid));
      const facts = foundFacts(f, seen, { status: dep?.status ?? 'unknown', ...(dep?.confirmation ? { height: dep.confirmation.height } : {}) });
      const view = vaultView(facts, seen, tip);
      const unvault = seen.find((s) => s.txid === facts.unvaultTxid)?.tx;
      const depositOutput = dep ? parseTx(dep.raw).outputs[f.depositVout]?.script : undefined;
      return { found: f, view: { ...view, alert: ALERT_WHILE.has(view.status) }, ...(depositOutput ? { depositOutput } : {}), ...(unvault ? { unvault } : {}) };
    });
    return { vaults: snaps, strays, found };
  });
}

/** The keyless package for watchtowers: every vault's deposit, unvault txid, both output scripts and cancels; the announcements made. */
export function towerPackage(wallet: WalletService): TowerPackage {
  const announceKey = wallet.meta(ANNOUNCE_KEY_META);
  if (!announceKey) throw new CofferError('unknown-vault', 'This wallet has no vaults yet; create one first.');
  const vaults = withDbErrors(() => listVaults(wallet.database));
  const pkg: TowerPackage = {
    format: 'coffer-watchtower',
    version: 1,
    network: wallet.network,
    announceKey,
    height: Number(wallet.meta('tip_height') ?? '0'),
    vaults: vaults.map((v) => {
      const unvault = parseTx(v.unvaultRaw);
      return {
        id: v.id,
        deposit: { txid: hashToHex(v.depositTxid), vout: v.depositVout, value: v.amount, script: hex.encode(p2wsh(v.depositScript)) },
        unvaultTxid: hashToHex(txidOf(unvault)),
        // The scripts a tower on compact filters matches (a filter holds the scripts a block spends).
        unvaultScript: hex.encode(unvault.outputs[0]!.script),
        cancels: v.cancels,
        emergencies: v.emergencies,
      };
    }),
    announcements: vaults
      .filter((v) => v.announcement !== undefined)
      .map((v) => ({ vault: v.id, unvaultTxid: hashToHex(txidOf(parseTx(v.unvaultRaw))), signature: v.announcement! })),
  };
  // What a tower will read must parse: check it as the tower does.
  parsePackage(JSON.stringify(pkg));
  return pkg;
}

export function towerFiles(wallet: WalletService): string[] {
  const raw = wallet.meta(TOWER_FILES_META);
  return raw ? (JSON.parse(raw) as string[]) : [];
}

/** Write the package to a file durably (a tower reading it sees the old or the new one, whole). */
export function writePackageFile(file: string, pkg: TowerPackage): void {
  writeBackupFile(file, new TextEncoder().encode(`${JSON.stringify(pkg, null, 1)}\n`), 'watchtower file');
}

/** Bring every configured tower file up to date; then the vaults' deposits may be broadcast. */
export function serveTowers(wallet: WalletService): void {
  const files = towerFiles(wallet);
  const vaults = withDbErrors(() => listVaults(wallet.database));
  if (vaults.length === 0) return;
  if (files.length > 0) {
    const pkg = towerPackage(wallet);
    for (const f of files) writePackageFile(f, pkg);
  }
  const unserved = vaults.filter((v) => !v.towersServed).map((v) => v.id);
  if (unserved.length > 0) withDbErrors(() => setTowersServed(wallet.database, unserved));
}

export class VaultTracker {
  constructor(
    private readonly wallet: WalletService,
    private readonly log: Logger,
  ) {}

  private rows(): VaultRow[] {
    return withDbErrors(() => listVaults(this.wallet.database));
  }

  private found(): FoundVault[] {
    return withDbErrors(() => listFoundVaults(this.wallet.database));
  }

  /**
   * A deposit of this seed's that the database does not know (a restore from the words): keep
   * the vault its note describes. Returns whether it is new, so the scan restarts with its
   * outputs in the filter. Call inside the block's database transaction.
   */
  discover(raw: Uint8Array): boolean {
    const key = this.wallet.meta(VAULT_NOTE_META);
    if (!key) return false;
    let tx: Tx;
    try {
      tx = parseTx(raw);
    } catch {
      return false;
    }
    const note = readNote(hex.decode(key), tx);
    if (!note) return false;
    const txid = txidOf(tx);
    const found: FoundVault = { id: hashToHex(txid).slice(0, 12), seq: note.seq, foundAt: Math.floor(Date.now() / 1000), amount: tx.outputs[note.vout]!.value, delay: note.delay, kPub: note.kPub, depositTxid: txid, depositVout: note.vout };
    const added = withDbErrors(() => insertFoundVault(this.wallet.database, found));
    if (added) this.log.info('vault.found', { vault: found.id });
    return added;
  }

  /** Outpoints, script elements and output scripts (those of the outpoints too) a filter needs for the vaults. */
  watch(): { elements: Uint8Array[]; scripts: Uint8Array[]; outpoints: Uint8Array[] } {
    const elements: Uint8Array[] = [];
    const scripts: Uint8Array[] = [];
    const outpoints: Uint8Array[] = [];
    for (const v of this.rows()) {
      const unvault = parseTx(v.unvaultRaw);
      elements.push(sha256(v.depositScript));
      scripts.push(p2wsh(v.depositScript), unvault.outputs[0]!.script);
      outpoints.push(outpointBytes(v.depositTxid, v.depositVout), outpointBytes(txidOf(unvault), 0));
    }
    const found = this.found();
    if (found.length > 0) {
      const raws = new Map(withDbErrors(() => listTxs(this.wallet.database)).map((t) => [hashToHex(txidOf(parseTx(t.raw))), t.raw]));
      for (const f of found) {
        outpoints.push(outpointBytes(f.depositTxid, f.depositVout));
        const raw = raws.get(hashToHex(f.depositTxid));
        const out = raw ? parseTx(raw).outputs[f.depositVout] : undefined;
        if (out) scripts.push(out.script);
      }
    }
    for (const t of withDbErrors(() => listVaultTxs(this.wallet.database))) {
      const tx = parseTx(t.raw);
      tx.outputs.forEach((o, vout) => {
        outpoints.push(outpointBytes(t.txid, vout));
        scripts.push(o.script);
      });
    }
    return { elements, scripts, outpoints };
  }

  rawOf(txid: Uint8Array): Uint8Array | undefined {
    const id = hashToHex(txid);
    return withDbErrors(() => listVaultTxs(this.wallet.database)).find((t) => hashToHex(t.txid) === id)?.raw;
  }

  /** Which vault a transaction concerns: it spends a vault output or a stray, or pays a deposit script. */
  private vaultOf(tx: Tx, txidHex: string, rows: VaultRow[], txs: VaultTxRow[]): string | undefined {
    for (const f of this.found()) {
      if (txidHex === hashToHex(f.depositTxid)) continue;
      const watched = new Set([outKey(f.depositTxid, f.depositVout)]);
      for (const t of txs) if (t.vaultId === f.id) parseTx(t.raw).outputs.forEach((_, i) => watched.add(outKey(t.txid, i)));
      if (tx.inputs.some((i) => watched.has(outKey(i.prevTxid, i.vout)))) return f.id;
    }
    for (const v of rows) {
      if (txidHex === hashToHex(v.depositTxid)) continue; // the deposit itself is a wallet transaction
      const watched = new Set([outKey(v.depositTxid, v.depositVout), outKey(txidOf(parseTx(v.unvaultRaw)), 0)]);
      for (const t of txs) if (t.vaultId === v.id) parseTx(t.raw).outputs.forEach((_, i) => watched.add(outKey(t.txid, i)));
      if (tx.inputs.some((i) => watched.has(outKey(i.prevTxid, i.vout)))) return v.id;
      const spk = hex.encode(p2wsh(v.depositScript));
      if (tx.outputs.some((o) => hex.encode(o.script) === spk)) return v.id;
    }
    return undefined;
  }

  /** Store a transaction that concerns a vault (call inside the block's database transaction). */
  observe(raw: Uint8Array, block?: { hash: Uint8Array; height: number }): boolean {
    const rows = this.rows();
    if (rows.length === 0 && this.found().length === 0) return false;
    let tx: Tx;
    try {
      tx = parseTx(raw);
    } catch {
      return false;
    }
    const txid = txidOf(tx);
    const vaultId = this.vaultOf(tx, hashToHex(txid), rows, withDbErrors(() => listVaultTxs(this.wallet.database)));
    if (!vaultId) return false;
    withDbErrors(() => upsertVaultTx(this.wallet.database, { txid, vaultId, raw, firstSeen: Math.floor(Date.now() / 1000), ...(block ? { block } : {}) }));
    return true;
  }

  /** Record one of our own broadcasts (an unvault, a cancel, a withdrawal) as seen. */
  record(vaultId: string, raw: Uint8Array): void {
    withDbErrors(() => upsertVaultTx(this.wallet.database, { txid: txidOf(parseTx(raw)), vaultId, raw, firstSeen: Math.floor(Date.now() / 1000) }));
  }

  /** A reorg: confirmations above the fork are forgotten until the rescan finds them again. */
  unconfirmAbove(height: number): number {
    const lost = withDbErrors(() => listVaultTxs(this.wallet.database)).filter((t) => t.block && t.block.height > height);
    for (const t of lost) withDbErrors(() => unconfirmVaultTx(this.wallet.database, t.txid));
    return lost.length;
  }

  /** At start: confirmations the stored chain no longer backs are dropped. */
  reconcile(hashAt: (h: number) => Uint8Array | undefined): number {
    const lost = withDbErrors(() => listVaultTxs(this.wallet.database)).filter((t) => {
      if (!t.block) return false;
      const h = hashAt(t.block.height);
      return !h || hashToHex(h) !== hashToHex(t.block.hash);
    });
    for (const t of lost) withDbErrors(() => unconfirmVaultTx(this.wallet.database, t.txid));
    return lost.length;
  }

  /** A vault deposit may leave only once the towers hold its cancels. */
  mayBroadcast(txid: Uint8Array): boolean {
    const id = hashToHex(txid);
    return !this.rows().some((v) => !v.towersServed && hashToHex(v.depositTxid) === id);
  }

  /**
   * The in-app watchtower, after each sync round: an unvault this wallet did not start gets the
   * cheapest cancel meeting `needed` (or the top rung once a withdrawal races it); our own
   * started unvaults the network has not shown yet are broadcast again.
   */
  async guard(tip: number, feeNeed: () => Promise<number>, broadcast: (raw: Uint8Array) => Promise<void>): Promise<void> {
    const { vaults } = vaultSnapshots(this.wallet, tip);
    let need: number | undefined;
    for (const { vault: v, view } of vaults) {
      try {
        if (view.alert && (view.status === 'unvaulting' || view.status === 'withdrawable' || (view.status === 'withdrawn' && view.withdrawTxid !== undefined))) {
          if (view.status === 'withdrawn' && this.confirmed(view.withdrawTxid!)) continue;
          need ??= await feeNeed();
          const { rung } = view.status === 'withdrawn' ? { rung: v.cancels[v.cancels.length - 1]! } : chooseRung(v.cancels, need);
          const raw = hex.decode(rung.hex);
          this.log.warn('vault.alert', { vault: v.id, unvault: view.unvaultTxid ?? '', feerate: rung.feerate });
          await broadcast(raw);
          this.record(v.id, raw);
          this.log.info('vault.cancel-broadcast', { vault: v.id, feerate: rung.feerate });
        } else if (v.withdrawStartedAt !== undefined && (view.status === 'funded' || view.status === 'funding')) {
          await broadcast(v.unvaultRaw);
          this.record(v.id, v.unvaultRaw);
        }
      } catch (e) {
        this.log.warn('vault.guard-failed', { vault: v.id, code: e instanceof CofferError ? e.code : 'internal' });
      }
    }
  }

  private confirmed(txidHex: string): boolean {
    return withDbErrors(() => listVaultTxs(this.wallet.database)).some((t) => hashToHex(t.txid) === txidHex && t.block !== undefined);
  }
}
