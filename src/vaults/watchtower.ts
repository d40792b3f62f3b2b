// What a watchtower holds and decides (pure). Its package is keyless: for each vault the deposit
// outpoint and output script, the unvault's txid and output script (what a BIP158 filter matches),
// and the presigned cancels (which pay only the recovery destination), plus the public key that
// signs the wallet's own withdrawal announcements. Leaking it lets someone cancel a withdrawal
// early, nothing more.
//
// The tower looks at every transaction its peers relay and every matching one in the blocks it
// scans. An unvault of one of its vaults that the wallet did not announce gets the cheapest
// presigned cancel that meets the fee need at once; a need above the top rung is flagged for a
// CPFP through the cancel's anchor.

import { sha256 } from '@noble/hashes/sha2.js';
import { schnorr } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { z } from 'zod';
import { CofferError } from '../api/errors.js';
import { hashToHex } from '../chain/bytes.js';
import { parseTx, serializeTx, txid as txidOf, type Tx } from '../chain/tx.js';
import { p2wsh, type PresignedSet, type Rung } from './vault-tx.js';

const HEX = /^(?:[0-9a-f]{2})+$/;
const TXID = /^[0-9a-f]{64}$/;
/** A P2WSH output script: OP_0, a 32-byte push. */
const P2WSH = /^0020[0-9a-f]{64}$/;

const rungSchema = z.object({ feerate: z.number().positive().max(10_000), fee: z.number().int().nonnegative(), vsize: z.number().int().positive(), hex: z.string().regex(HEX).max(20_000) }).strict();

const vaultSchema = z
  .object({
    id: z.string().min(1).max(64),
    /** `script`: the deposit's output script (hex); packages written before compact filters have none. */
    deposit: z.object({ txid: z.string().regex(TXID), vout: z.number().int().nonnegative(), value: z.number().int().positive(), script: z.string().regex(P2WSH).optional() }).strict(),
    unvaultTxid: z.string().regex(TXID),
    /** The unvault's output 0 script (hex), which the cancels and the withdrawal spend; with `deposit.script` or not at all. */
    unvaultScript: z.string().regex(P2WSH).optional(),
    cancels: z.array(rungSchema).min(1).max(32),
    emergencies: z.array(rungSchema).min(1).max(32),
  })
  .strict();

const announcementSchema = z.object({ vault: z.string().min(1).max(64), unvaultTxid: z.string().regex(TXID), signature: z.string().regex(/^[0-9a-f]{128}$/) }).strict();

const packageSchema = z
  .object({
    format: z.literal('coffer-watchtower'),
    version: z.literal(1),
    network: z.enum(['main', 'test', 'signet', 'regtest']),
    /** x-only public key (hex) whose BIP340 signatures announce the wallet's own withdrawals. */
    announceKey: z.string().regex(/^[0-9a-f]{64}$/),
    /** The wallet's tip when it wrote the package: a tower that never ran scans blocks from here. */
    height: z.number().int().nonnegative().max(100_000_000).optional(),
    vaults: z.array(vaultSchema).max(10_000),
    /** Withdrawals the wallet started (BIP340 signatures by announceKey), written before each unvault is broadcast. */
    announcements: z.array(announcementSchema).max(10_000).optional(),
  })
  .strict();

export type TowerPackage = z.infer<typeof packageSchema>;
export type TowerVault = TowerPackage['vaults'][number];
export type TowerRung = TowerVault['cancels'][number];

function bad(message: string, reason: string): CofferError {
  return new CofferError('invalid-watchtower-package', message, { reason });
}

function rungOf(r: Rung): TowerRung {
  return { feerate: r.feerate, fee: r.fee, vsize: r.vsize, hex: hex.encode(serializeTx(r.tx)) };
}

/** The package entry of one vault, from its presigned set. */
export function towerVault(id: string, set: PresignedSet, deposit: { txid: Uint8Array; vout: number; value: number }): TowerVault {
  return {
    id,
    deposit: { txid: hashToHex(deposit.txid), vout: deposit.vout, value: deposit.value, script: hex.encode(p2wsh(set.depositScript)) },
    unvaultTxid: hashToHex(txidOf(set.unvault)),
    unvaultScript: hex.encode(set.unvault.outputs[0]!.script),
    cancels: set.cancels.map(rungOf),
    emergencies: set.emergencies.map(rungOf),
  };
}

function spends(tx: Tx, txidHex: string, vout: number): boolean {
  return tx.inputs.length === 1 && hashToHex(tx.inputs[0]!.prevTxid) === txidHex && tx.inputs[0]!.vout === vout;
}

/**
 * Reads a package file's text; every cancel must spend its vault's unvault output, every emergency
 * its deposit. Where the output scripts are given, each rung's witness script (its last witness
 * item) must hash to the script of the output it spends: a script that matches nothing on chain
 * would blind a tower on compact filters.
 */
export function parsePackage(text: string): TowerPackage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad('The watchtower package is not JSON.', 'json');
  }
  const parsed = packageSchema.safeParse(json);
  if (!parsed.success) throw bad(`The watchtower package is not in Coffer's format (${parsed.error.issues[0]?.path.join('.') || 'top level'}).`, 'schema');
  const ids = new Set<string>();
  for (const v of parsed.data.vaults) {
    if (ids.has(v.id)) throw bad(`The watchtower package lists vault ${v.id} twice.`, 'duplicate');
    ids.add(v.id);
    if ((v.deposit.script === undefined) !== (v.unvaultScript === undefined)) throw bad(`Vault ${v.id} has one of its two output scripts, not both.`, 'scripts');
    const check = (rungs: TowerRung[], txid: string, vout: number, what: string, script: string | undefined) => {
      let last = 0;
      for (const r of rungs) {
        let tx: Tx;
        try {
          tx = parseTx(hex.decode(r.hex));
        } catch {
          throw bad(`A ${what} of vault ${v.id} is not a transaction.`, 'transaction');
        }
        if (!spends(tx, txid, vout)) throw bad(`A ${what} of vault ${v.id} does not spend what it should.`, 'spends');
        const witnessScript = tx.inputs[0]!.witness.at(-1);
        if (script !== undefined && (!witnessScript || hex.encode(p2wsh(witnessScript)) !== script)) throw bad(`A ${what} of vault ${v.id} spends another script than the package names.`, 'scripts');
        if (r.feerate <= last) throw bad(`The ${what}s of vault ${v.id} are not in increasing fee rate.`, 'order');
        last = r.feerate;
      }
    };
    check(v.cancels, v.unvaultTxid, 0, 'cancel', v.unvaultScript);
    check(v.emergencies, v.deposit.txid, v.deposit.vout, 'emergency cancel', v.deposit.script);
  }
  return parsed.data;
}

/**
 * A tower on compact filters (BIP158) matches output scripts only: it refuses a package written
 * before packages carried them, rather than watch its vaults blind.
 */
export function requireScripts(pkg: TowerPackage): void {
  const old = pkg.vaults.filter((v) => v.unvaultScript === undefined).map((v) => ownerOf(pkg, v.id).id);
  if (old.length === 0) return;
  throw new CofferError(
    'invalid-watchtower-package',
    `The package has no output scripts for vault ${old.slice(0, 3).join(', ')}${old.length > 3 ? ` and ${old.length - 3} more` : ''}, which a tower on compact filters needs; export it again from the wallet (coffer watchtower export), or run the tower on --backend spv, node or rpc.`,
    { reason: 'no-scripts' },
  );
}

/** What the wallet signs (BIP340) to tell its towers a withdrawal is its own. */
export function announcementDigest(vaultId: string, unvaultTxid: string): Uint8Array {
  return sha256(new TextEncoder().encode(`coffer-vault-withdrawal\n${vaultId}\n${unvaultTxid}`));
}

export function signAnnouncement(vaultId: string, unvaultTxid: string, announceSecret: Uint8Array): string {
  return hex.encode(schnorr.sign(announcementDigest(vaultId, unvaultTxid), announceSecret));
}

export function verifyAnnouncement(pkg: TowerPackage, vaultId: string, unvaultTxid: string, signatureHex: string): boolean {
  if (!/^[0-9a-f]{128}$/.test(signatureHex)) return false;
  const owner = ownerOf(pkg, vaultId);
  try {
    return schnorr.verify(hex.decode(signatureHex), announcementDigest(owner.id, unvaultTxid), hex.decode(owner.announceKey));
  } catch {
    return false;
  }
}

/**
 * A remote tower guards several wallets at once as one package: every vault's id is prefixed with
 * its wallet's announcement key (`<key>:<id>`), and the package's own key is none (zero, not a
 * valid x-only key), so each announcement is checked against the key of the wallet that owns the
 * vault. A wallet naming another wallet's unvault in its own package announces only its own vault.
 */
export const UNION_KEY = '00'.repeat(32);

export function unionPackage(network: TowerPackage['network'], pkgs: readonly TowerPackage[]): TowerPackage {
  const heights = pkgs.flatMap((p) => (p.height === undefined ? [] : [p.height]));
  const id = (p: TowerPackage, vault: string) => `${p.announceKey}:${vault}`;
  return {
    format: 'coffer-watchtower',
    version: 1,
    network,
    announceKey: UNION_KEY,
    ...(heights.length > 0 ? { height: Math.min(...heights) } : {}),
    vaults: pkgs.flatMap((p) => p.vaults.map((v) => ({ ...v, id: id(p, v.id) }))),
    announcements: pkgs.flatMap((p) => (p.announcements ?? []).map((a) => ({ ...a, vault: id(p, a.vault) }))),
  };
}

/** Whose announcement key signs for a vault of `pkg`, and the vault id that key signed. */
export function ownerOf(pkg: TowerPackage, vaultId: string): { announceKey: string; id: string } {
  if (pkg.announceKey !== UNION_KEY) return { announceKey: pkg.announceKey, id: vaultId };
  const at = vaultId.indexOf(':');
  return at === 64 ? { announceKey: vaultId.slice(0, 64), id: vaultId.slice(65) } : { announceKey: UNION_KEY, id: vaultId };
}

/** What `react` looks up in its `announced` set: a vault's own announced unvault, never another vault's. */
export const announcedKey = (vaultId: string, unvaultTxid: string): string => `${vaultId} ${unvaultTxid}`;

/** The cheapest rung paying at least `needed` sat/vB; else the top rung, which then needs a CPFP. */
export function chooseRung(rungs: readonly TowerRung[], needed: number): { rung: TowerRung; cpfp: boolean } {
  const enough = rungs.find((r) => r.feerate >= needed);
  return enough ? { rung: enough, cpfp: false } : { rung: rungs[rungs.length - 1]!, cpfp: true };
}

export type TowerEvent =
  | { event: 'unvault'; vault: string; txid: string; announced: true }
  | { event: 'cancel'; vault: string; unvaultTxid: string; cancelTxid: string; feerate: number; cpfp: boolean; hex: string }
  | { event: 'cancelled'; vault: string; txid: string }
  | { event: 'withdrawn'; vault: string; txid: string; announced: boolean }
  | { event: 'deposit-spent'; vault: string; txid: string };

/**
 * The tower's reaction to a transaction it saw. `announced` holds `announcedKey(vault, unvault
 * txid)` of each withdrawal the wallet announced with a valid signature; `needed` is the fee rate a cancel needs now.
 */
export function react(pkg: TowerPackage, tx: Tx, announced: ReadonlySet<string>, needed: number): TowerEvent[] {
  const txid = hashToHex(txidOf(tx));
  const events: TowerEvent[] = [];
  for (const v of pkg.vaults) {
    const isRung = (rungs: TowerRung[]) => rungs.some((r) => hashToHex(txidOf(parseTx(hex.decode(r.hex)))) === txid);
    for (const input of tx.inputs) {
      const prev = hashToHex(input.prevTxid);
      if (prev === v.deposit.txid && input.vout === v.deposit.vout) {
        if (txid === v.unvaultTxid) {
          if (announced.has(announcedKey(v.id, txid))) {
            events.push({ event: 'unvault', vault: v.id, txid, announced: true });
          } else {
            const { rung, cpfp } = chooseRung(v.cancels, needed);
            const cancelTxid = hashToHex(txidOf(parseTx(hex.decode(rung.hex))));
            events.push({ event: 'cancel', vault: v.id, unvaultTxid: txid, cancelTxid, feerate: rung.feerate, cpfp, hex: rung.hex });
          }
        } else if (isRung(v.emergencies)) {
          events.push({ event: 'cancelled', vault: v.id, txid });
        } else {
          // The recovery key swept it, or something unforeseen: worth a line, nothing to undo.
          events.push({ event: 'deposit-spent', vault: v.id, txid });
        }
      } else if (prev === v.unvaultTxid && input.vout === 0) {
        if (isRung(v.cancels)) {
          events.push({ event: 'cancelled', vault: v.id, txid });
        } else if (announced.has(announcedKey(v.id, v.unvaultTxid))) {
          events.push({ event: 'withdrawn', vault: v.id, txid, announced: true });
        } else {
          // The unvault went by unseen (the tower was down): the top rung may still replace an
          // unconfirmed withdrawal, and a CPFP through its anchor helps it further.
          events.push({ event: 'withdrawn', vault: v.id, txid, announced: false });
          const rung = v.cancels[v.cancels.length - 1]!;
          const cancelTxid = hashToHex(txidOf(parseTx(hex.decode(rung.hex))));
          events.push({ event: 'cancel', vault: v.id, unvaultTxid: v.unvaultTxid, cancelTxid, feerate: rung.feerate, cpfp: true, hex: rung.hex });
        }
      }
    }
  }
  return events;
}
