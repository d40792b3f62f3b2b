// The vault backup file: every vault's row with its presigned set (unvault, cancel and emergency
// ladders), so the words plus this file bring back withdraw and cancel, not only the recovery sweep.
//
// File: "COFFERVB" | version (1 byte) | 24-byte nonce | XChaCha20-Poly1305(JSON payload).
// Key: `vaultBackupKey` (vault-keys.ts). Written and read like the channel backup (channel-backup.ts).

import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { hex } from '@scure/base';
import { CofferError } from '../api/errors.js';
import type { StoredRung, VaultRow } from '../db/vault-store.js';
import type { Network } from '../keys/networks.js';

export const VAULT_BACKUP_MAGIC = new TextEncoder().encode('COFFERVB');
const VERSION = 1;
const NONCE = 24;

export interface VaultBackup {
  network: Network;
  writtenAt: number;
  vaults: VaultRow[];
}

const BYTES = ['recoveryScript', 'depositTxid', 'depositScript', 'unvaultScript', 'unvaultRaw'] as const;

function damaged(): CofferError {
  return new CofferError('invalid-backup', 'The vault backup is damaged.');
}

export function sealVaultBackup(b: VaultBackup, key: Uint8Array): Uint8Array {
  const vaults = b.vaults.map((v) => ({ ...v, ...Object.fromEntries(BYTES.map((f) => [f, hex.encode(v[f])])) }));
  const payload = new TextEncoder().encode(JSON.stringify({ network: b.network, writtenAt: b.writtenAt, vaults }));
  const nonce = randomBytes(NONCE);
  const sealed = xchacha20poly1305(key, nonce, VAULT_BACKUP_MAGIC).encrypt(payload);
  const out = new Uint8Array(VAULT_BACKUP_MAGIC.length + 1 + NONCE + sealed.length);
  out.set(VAULT_BACKUP_MAGIC, 0);
  out[VAULT_BACKUP_MAGIC.length] = VERSION;
  out.set(nonce, VAULT_BACKUP_MAGIC.length + 1);
  out.set(sealed, VAULT_BACKUP_MAGIC.length + 1 + NONCE);
  return out;
}

/** What can be checked without the key: the magic, the version, room for a nonce and a tag. */
export function checkVaultBackupHead(file: Uint8Array): void {
  if (file.length < VAULT_BACKUP_MAGIC.length + 1 + NONCE + 16 || !VAULT_BACKUP_MAGIC.every((c, i) => file[i] === c)) throw new CofferError('invalid-backup', 'This is not a Coffer vault backup file.');
  if (file[VAULT_BACKUP_MAGIC.length] !== VERSION) {
    throw new CofferError('invalid-backup', `This vault backup has version ${file[VAULT_BACKUP_MAGIC.length]}; this Coffer reads version ${VERSION}.`);
  }
}

/** The backup in `file`, checked to be this key's and this network's. */
export function openVaultBackup(file: Uint8Array, key: Uint8Array, network: Network): VaultBackup {
  checkVaultBackupHead(file);
  const head = VAULT_BACKUP_MAGIC.length + 1 + NONCE;
  let plain: Uint8Array;
  try {
    plain = xchacha20poly1305(key, file.subarray(VAULT_BACKUP_MAGIC.length + 1, head), VAULT_BACKUP_MAGIC).decrypt(file.subarray(head));
  } catch {
    throw new CofferError('invalid-backup', 'This vault backup belongs to another wallet, or the file is damaged.');
  }
  let raw: Record<string, unknown>;
  try {
    raw = record(JSON.parse(new TextDecoder().decode(plain)));
  } catch {
    throw damaged();
  }
  if (typeof raw.network !== 'string' || typeof raw.writtenAt !== 'number' || !Array.isArray(raw.vaults)) throw damaged();
  if (raw.network !== network) throw new CofferError('invalid-backup', `This vault backup is for ${raw.network}, not ${network}.`);
  return { network, writtenAt: raw.writtenAt, vaults: raw.vaults.map(vaultRow) };
}

function record(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw damaged();
  return v as Record<string, unknown>;
}

const isHex = (v: unknown): v is string => typeof v === 'string' && /^([0-9a-f]{2})*$/.test(v);
const isWhole = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function rungs(v: unknown): StoredRung[] {
  if (!Array.isArray(v)) throw damaged();
  return v.map((item: unknown) => {
    const r = record(item);
    if (typeof r.feerate !== 'number' || !isWhole(r.fee) || !isWhole(r.vsize) || !isHex(r.hex)) throw damaged();
    return { feerate: r.feerate, fee: r.fee, vsize: r.vsize, hex: r.hex };
  });
}

function vaultRow(item: unknown): VaultRow {
  const v = record(item);
  if (typeof v.id !== 'string' || !isWhole(v.seq) || !isWhole(v.createdAt) || !isWhole(v.amount) || !isWhole(v.delay) || !isWhole(v.depositVout)) throw damaged();
  if (typeof v.recovery !== 'string' || typeof v.towersServed !== 'boolean' || !BYTES.every((f) => isHex(v[f]))) throw damaged();
  if ((v.withdrawStartedAt !== undefined && !isWhole(v.withdrawStartedAt)) || (v.announcement !== undefined && typeof v.announcement !== 'string')) throw damaged();
  const bytes = Object.fromEntries(BYTES.map((f) => [f, hex.decode(v[f] as string)])) as Record<(typeof BYTES)[number], Uint8Array>;
  return {
    id: v.id,
    seq: v.seq,
    createdAt: v.createdAt,
    amount: v.amount,
    delay: v.delay,
    recovery: v.recovery,
    ...bytes,
    depositVout: v.depositVout,
    cancels: rungs(v.cancels),
    emergencies: rungs(v.emergencies),
    towersServed: v.towersServed,
    ...(v.withdrawStartedAt !== undefined ? { withdrawStartedAt: v.withdrawStartedAt } : {}),
    ...(v.announcement !== undefined ? { announcement: v.announcement } : {}),
  };
}
