// The wallet as the CLI and the UI use it: create, restore, lock and unlock, reveal, change the
// password, descriptors and receive addresses. Owns the database handle and the key session.

import type { WalletFacts } from '../api/contract.js';
import { CofferError } from '../api/errors.js';
import {
  accountDescriptorText,
  deriveAccount,
  masterFromSeed,
  SCRIPT_KINDS,
  type Account,
  type ScriptKind,
} from '../keys/accounts.js';
import { scriptToAddress } from '../keys/address.js';
import { parseDescriptor, ScriptDeriver } from '../keys/descriptors.js';
import {
  checkNewPassword,
  inspectKeystore,
  kdfPolicy,
  openKeystore,
  sealKeystore,
  wipeSecret,
  type KeystoreSecret,
} from '../keys/keystore.js';
import { entropyToWords, generateEntropy, mnemonicToSeed, parseMnemonic, type Language } from '../keys/mnemonic.js';
import type { Network } from '../keys/networks.js';
import { currentReceive, DEFAULT_GAP_LIMIT, derivationTarget, nextReceive } from '../wallet/address-pool.js';
import { openDatabase, withDbErrors, type Db } from '../db/database.js';
import { checkpoint, insertKeystore, readKeystore, replaceKeystore } from '../db/keystore-store.js';
import {
  getMeta,
  getSetting,
  insertAccount,
  insertAddresses,
  listAccounts,
  listAddresses,
  markIssued,
  setMeta,
  setSetting,
  type AccountRow,
  type AddressRow,
} from '../db/wallet-store.js';
import { ensureDir, networkPaths, refuseLostWallet } from './datadir.js';
import { faultPoint } from './fault.js';
import { fileLogger, type Logger } from './log.js';
import { KeySession, type Timers } from './session.js';
import { FEE_PRESET_SETTINGS } from '../wallet/fees.js';
import { FEE_ESTIMATES_SETTING, feeEstimateMode, type FeeEstimateMode } from '../wallet/block-fees.js';
import { vaultNoteKey } from '../vaults/vault-keys.js';
import { VAULT_NOTE_META } from './vault-tracker.js';

export type NewAddress = Omit<AddressRow, 'issued' | 'used'>;
export type ChangeAddress = { script: Uint8Array; owner: { accountId: number; chain: 1; index: number } };
export interface DescriptorInfo {
  desc: string;
  internal: boolean;
}

export interface CreateRequest {
  words: 12 | 24;
  passphrase: string;
  script: 'wpkh' | 'tr';
  password: string;
  /** Leave the new wallet unlocked (the app opens it at once): spares a second key derivation. */
  unlock?: boolean;
}

export interface RestoreRequest {
  mnemonic: string;
  passphrase: string;
  script: 'wpkh' | 'tr';
  password: string;
  birthday?: number;
  /** Leave the restored wallet unlocked, as for create. */
  unlock?: boolean;
}

export const SETTINGS = {
  'auto-lock-minutes': { default: 15, min: 0, max: 1440 },
  'gap-limit': { default: DEFAULT_GAP_LIMIT, min: 1, max: 1000 },
  /** Fee presets in sat/vB, used when the backend has no estimate (SPV) and none is given. */
  ...FEE_PRESET_SETTINGS,
} as const;
export type SettingKey = keyof typeof SETTINGS;

export function isSettingKey(k: string): k is SettingKey {
  return Object.hasOwn(SETTINGS, k);
}

export interface WalletServiceOptions {
  datadir: string;
  network: Network;
  logger?: Logger;
  now?: () => number;
  timers?: Timers;
  /** Called when the key session locks (idle timeout or lock()). */
  onLock?: () => void;
}

export class WalletService {
  readonly network: Network;
  private readonly db: Db;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly session: KeySession;
  /** The keystore's cost: DEFAULT_KDF, or COFFER_REGTEST_KDF_LOGN's on regtest (see kdfPolicy). */
  private readonly kdf: ReturnType<typeof kdfPolicy>;

  private constructor(opts: WalletServiceOptions, db: Db, log: Logger) {
    this.network = opts.network;
    this.kdf = kdfPolicy(opts.network, process.env['COFFER_REGTEST_KDF_LOGN']);
    this.db = db;
    this.log = log;
    this.now = opts.now ?? Date.now;
    this.session = new KeySession(
      0,
      () => {
        this.log.info('wallet.locked');
        opts.onLock?.();
      },
      opts.timers,
    );
    this.session.setIdle(this.setting('auto-lock-minutes') * 60_000);
  }

  static open(opts: WalletServiceOptions): WalletService {
    const paths = networkPaths(opts.datadir, opts.network);
    ensureDir(paths.dir);
    const log = opts.logger ?? fileLogger(paths.logs);
    refuseLostWallet(opts.datadir, opts.network, paths.database);
    const db = openDatabase(paths.database);
    const stored = withDbErrors(() => getMeta(db, 'network'));
    if (stored !== undefined && stored !== opts.network) {
      db.close();
      throw new CofferError('wrong-network', `This data directory holds a ${stored} wallet, not ${opts.network}.`, {
        walletNetwork: stored,
        network: opts.network,
      });
    }
    return new WalletService(opts, db, log);
  }

  close(): void {
    this.session.lock();
    this.db.close();
  }

  /** The database handle, for the services that keep their own tables (sync, later vaults). */
  get database(): Db {
    return this.db;
  }

  meta(key: string): string | undefined {
    return withDbErrors(() => getMeta(this.db, key));
  }

  setMeta(key: string, value: string): void {
    withDbErrors(() => setMeta(this.db, key, value));
  }

  /**
   * Derive `extra` addresses beyond the gap limit on every chain (a scan's lookahead, so that a
   * run of used addresses does not force a rescan for each one). Returns, per account and chain,
   * how many addresses are derived.
   */
  lookahead(extra: number): Map<string, number> {
    const out = new Map<string, number>();
    withDbErrors(() =>
      this.db.transaction(() => {
        for (const a of listAccounts(this.db)) {
          for (const chain of [0, 1] as const) {
            this.fillPool(a, chain, extra);
            out.set(`${a.id}/${chain}`, listAddresses(this.db, a.id, chain).length);
          }
        }
      }).immediate(),
    );
    return out;
  }

  /**
   * Addresses to derive so the gap limit holds once `owner` has history (not stored: a sync's
   * change set stores them). `derived` gives the chain's count with addresses already staged.
   */
  poolGrowth(owner: { accountId: number; chain: 0 | 1; index: number }, derived: (stored: number) => number): NewAddress[] {
    const account = listAccounts(this.db).find((a) => a.id === owner.accountId);
    if (!account) return [];
    const entries = listAddresses(this.db, owner.accountId, owner.chain);
    const target = Math.max(derivationTarget(entries, this.setting('gap-limit')), owner.index + 1 + this.setting('gap-limit'));
    return this.derive(account, owner.chain, derived(entries.length), target);
  }

  hasWallet(): boolean {
    return withDbErrors(() => readKeystore(this.db) !== undefined);
  }

  create(req: CreateRequest): { mnemonic: string; fingerprint: string; descriptors: DescriptorInfo[] } {
    this.refuseExisting();
    checkNewPassword(req.password);
    const entropy = generateEntropy(req.words);
    try {
      const mnemonic = entropyToWords(entropy, 'english');
      const fingerprint = this.initialise(entropy, 'english', req, [req.script], { restored: false });
      this.log.info('wallet.created', { script: req.script, words: req.words });
      return { mnemonic, fingerprint, descriptors: this.descriptors() };
    } finally {
      entropy.fill(0);
    }
  }

  restore(req: RestoreRequest): { fingerprint: string; descriptors: DescriptorInfo[] } {
    this.refuseExisting();
    checkNewPassword(req.password);
    const { entropy, language } = parseMnemonic(req.mnemonic);
    try {
      // Restores also look for funds under the other standard scripts (BIP44, 49, 84, 86),
      // as a user moving from another wallet may have used any of them.
      const scripts = [req.script, ...SCRIPT_KINDS.filter((k) => k !== req.script)];
      const fingerprint = this.initialise(entropy, language, req, scripts, { restored: true, birthday: req.birthday });
      this.log.info('wallet.restored', { script: req.script, language });
      return { fingerprint, descriptors: this.descriptors() };
    } finally {
      entropy.fill(0);
    }
  }

  private refuseExisting(): void {
    if (this.hasWallet()) {
      throw new CofferError('wallet-exists', 'This data directory already holds a wallet; it was left untouched.');
    }
  }

  /** Derive accounts, encrypt the secret and store everything in one transaction. */
  private initialise(
    entropy: Uint8Array,
    language: Language,
    req: { passphrase: string; password: string; unlock?: boolean | undefined },
    scripts: readonly ScriptKind[],
    origin: { restored: boolean; birthday?: number | undefined },
  ): string {
    const seed = mnemonicToSeed(entropy, language, req.passphrase);
    const master = masterFromSeed(seed, this.network);
    try {
      const accounts = scripts.map((s) => deriveAccount(master, s, this.network));
      const blob = sealKeystore({ entropy, language, seed }, req.password, this.kdf.create, this.kdf.minLogN);
      const fingerprint = accounts[0]?.fingerprint ?? '';
      withDbErrors(() =>
        this.db.transaction(() => {
          this.refuseExisting();
          insertKeystore(this.db, blob, this.now());
          setMeta(this.db, 'network', this.network);
          setMeta(this.db, 'fingerprint', fingerprint);
          setMeta(this.db, 'created_at', String(Math.floor(this.now() / 1000)));
          setMeta(this.db, 'has_passphrase', req.passphrase === '' ? '0' : '1');
          if (origin.birthday !== undefined) setMeta(this.db, 'birthday_height', String(origin.birthday));
          if (origin.restored) setMeta(this.db, 'restored', '1');
          // A restore finds the vaults this seed made by their notes (vaults/vault-note.ts).
          setMeta(this.db, VAULT_NOTE_META, Buffer.from(vaultNoteKey(seed, this.network)).toString('hex'));
          accounts.forEach((a, i) => this.addAccount(a, i === 0 ? 'active' : 'discover'));
        }).immediate(),
      );
      // The session owns copies; the originals are wiped below and by the caller.
      if (req.unlock) this.session.unlock({ entropy: entropy.slice(), language, seed: seed.slice() });
      return fingerprint;
    } finally {
      master.wipePrivateData();
      seed.fill(0);
    }
  }

  private addAccount(a: Account, status: 'active' | 'discover'): void {
    const row = {
      script: a.script,
      account: 0,
      fingerprint: a.fingerprint,
      xpub: a.xpub,
      externalDesc: accountDescriptorText(a, 0),
      internalDesc: accountDescriptorText(a, 1),
      status,
    };
    const withId = { ...row, id: insertAccount(this.db, row) };
    this.fillPool(withId, 0);
    this.fillPool(withId, 1);
  }

  /** Derive and store addresses up to the gap limit past the last used one. */
  private fillPool(account: AccountRow, chain: 0 | 1, extra = 0): void {
    const entries = listAddresses(this.db, account.id, chain);
    insertAddresses(this.db, this.derive(account, chain, entries.length, derivationTarget(entries, this.setting('gap-limit')) + extra));
  }

  private derive(account: AccountRow, chain: 0 | 1, from: number, to: number): NewAddress[] {
    if (from >= to) return [];
    const deriver = new ScriptDeriver(parseDescriptor(chain === 0 ? account.externalDesc : account.internalDesc, this.network), this.network);
    const rows = [];
    for (let index = from; index < to; index++) {
      const script = deriver.scriptAt(index);
      rows.push({ accountId: account.id, chain, index, script, address: scriptToAddress(script, this.network) ?? '' });
    }
    return rows;
  }

  private requireWallet(): void {
    if (!this.hasWallet()) throw new CofferError('no-wallet', 'There is no wallet here yet; create or restore one first.');
  }

  private primaryAccount(): AccountRow {
    this.requireWallet();
    const account = withDbErrors(() => listAccounts(this.db, 'active'))[0];
    if (!account) throw new CofferError('database-corrupt', 'The wallet has no active account.');
    return account;
  }

  descriptors(): DescriptorInfo[] {
    this.requireWallet();
    return withDbErrors(() => listAccounts(this.db, 'active')).flatMap((a) => [
      { desc: a.externalDesc, internal: false },
      { desc: a.internalDesc, internal: true },
    ]);
  }

  /** A change address, marked as handed out: call inside the transaction that records the spend, so concurrent spends get different ones. */
  nextChange(): ChangeAddress {
    const next = this.peekChange();
    this.reserveChange(next.owner);
    return next;
  }

  /** The change address `nextChange` would hand out (primary account, internal chain), not marked. */
  peekChange(): ChangeAddress {
    const account = this.primaryAccount();
    this.fillPool(account, 1);
    const entries = listAddresses(this.db, account.id, 1);
    const row = entries.find((e) => e.index === nextReceive(entries, this.setting('gap-limit')).index);
    if (!row) throw new Error('change pool is short of the gap window');
    return { script: row.script, owner: { accountId: account.id, chain: 1, index: row.index } };
  }

  reserveChange(owner: { accountId: number; chain: 0 | 1; index: number }): void {
    markIssued(this.db, owner.accountId, owner.chain, owner.index);
  }

  /** The receive address handed out last and not paid yet; a new one when there is none. */
  currentAddress(): { address: string; index: number } {
    const account = this.primaryAccount();
    const entries = withDbErrors(() => listAddresses(this.db, account.id, 0));
    const index = currentReceive(entries);
    const row = index === undefined ? undefined : entries.find((e) => e.index === index);
    return row ? { address: row.address, index: row.index } : this.nextAddress();
  }

  /** The next receive address that has not been handed out or used. */
  nextAddress(): { address: string; index: number } {
    const account = this.primaryAccount();
    return withDbErrors(() =>
      this.db.transaction(() => {
        this.fillPool(account, 0);
        const entries = listAddresses(this.db, account.id, 0);
        const next = nextReceive(entries, this.setting('gap-limit'));
        const row = entries.find((e) => e.index === next.index);
        if (!row) throw new Error('address pool is short of the gap window');
        markIssued(this.db, account.id, 0, next.index);
        return { address: row.address, index: row.index };
      }).immediate(),
    );
  }

  private readBlob(): Uint8Array {
    const blob = withDbErrors(() => readKeystore(this.db));
    if (!blob) throw new CofferError('no-wallet', 'There is no wallet here yet; create or restore one first.');
    return blob;
  }

  /** Decrypt with the password; the caller must wipe the result. */
  private decrypt(password: string): KeystoreSecret {
    try {
      return openKeystore(this.readBlob(), password, this.kdf.minLogN);
    } catch (e) {
      if (e instanceof CofferError) this.log.warn('keystore.open-failed', { code: e.code });
      throw e;
    }
  }

  reveal(password: string): { mnemonic: string } {
    const secret = this.decrypt(password);
    try {
      this.log.info('wallet.revealed');
      return { mnemonic: entropyToWords(secret.entropy, secret.language) };
    } finally {
      wipeSecret(secret);
    }
  }

  changePassword(oldPassword: string, newPassword: string): void {
    checkNewPassword(newPassword);
    const current = this.readBlob();
    const { kdf } = inspectKeystore(current, this.kdf.minLogN);
    const secret = openKeystore(current, oldPassword, this.kdf.minLogN);
    try {
      const { create } = this.kdf;
      const stronger = { ...create, logN: Math.max(create.logN, kdf.logN), p: Math.max(create.p, kdf.p) };
      const blob = sealKeystore(secret, newPassword, stronger, this.kdf.minLogN);
      faultPoint('change-password:sealed');
      withDbErrors(() => replaceKeystore(this.db, blob, this.now()));
      faultPoint('change-password:committed');
      withDbErrors(() => checkpoint(this.db));
      this.log.info('wallet.password-changed');
    } finally {
      wipeSecret(secret);
    }
  }

  unlock(password: string): void {
    this.session.unlock(this.decrypt(password));
    this.log.info('wallet.unlocked');
  }

  lock(): void {
    this.session.lock();
  }

  /** No idle lock in this process (the daemon, which has no screen to unlock from); the setting is unchanged. */
  keepUnlocked(): void {
    this.session.setIdle(0);
  }

  /** The user is active: restart the idle timer of an unlocked wallet. */
  activity(): void {
    this.session.activity();
  }

  get locked(): boolean {
    return this.session.locked;
  }

  /**
   * Run `fn` with the unlocked seed (for signing); throws `wallet-locked` when locked. Background
   * work passes `activity: false` so that it does not postpone the auto-lock.
   */
  withSeed<T>(fn: (seed: Uint8Array) => T, opts: { activity?: boolean } = {}): T {
    return this.session.use((s) => fn(s.seed), opts.activity ?? true);
  }

  /** Throws `wrong-password` unless `password` opens this wallet's keystore; the wallet stays as it is. */
  checkPassword(password: string): void {
    wipeSecret(this.decrypt(password));
  }

  setting(key: SettingKey): number {
    const raw = withDbErrors(() => getSetting(this.db, key));
    return raw === undefined ? SETTINGS[key].default : Number(raw);
  }

  feeEstimates(): FeeEstimateMode {
    return feeEstimateMode(withDbErrors(() => getSetting(this.db, FEE_ESTIMATES_SETTING))) ?? 'auto';
  }

  /** The numbers, and `fee-estimates` (wallet/block-fees.ts). */
  settings(): Record<SettingKey, number> & { [FEE_ESTIMATES_SETTING]: FeeEstimateMode } {
    const numbers = Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, this.setting(k as SettingKey)])) as Record<SettingKey, number>;
    return { ...numbers, [FEE_ESTIMATES_SETTING]: this.feeEstimates() };
  }

  setSetting(key: string, value: string): ReturnType<WalletService['settings']> {
    if (key === FEE_ESTIMATES_SETTING) {
      const mode = feeEstimateMode(value);
      if (!mode) throw new CofferError('invalid-setting', `${key} must be auto, blocks or presets.`, { key });
      withDbErrors(() => setSetting(this.db, key, mode));
      return this.settings();
    }
    if (!isSettingKey(key)) {
      throw new CofferError('invalid-setting', `Unknown setting "${key}"; known: ${[...Object.keys(SETTINGS), FEE_ESTIMATES_SETTING].join(', ')}.`, { key });
    }
    const { min, max } = SETTINGS[key];
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new CofferError('invalid-setting', `${key} must be a whole number from ${min} to ${max}.`, { key, min, max });
    }
    withDbErrors(() => setSetting(this.db, key, String(n)));
    if (key === 'auto-lock-minutes') this.session.setIdle(n * 60_000);
    return this.settings();
  }

  info(): WalletFacts {
    const account = this.primaryAccount();
    const meta = (k: string) => withDbErrors(() => getMeta(this.db, k)) ?? null;
    const birthday = meta('birthday_height');
    return {
      network: this.network,
      fingerprint: account.fingerprint,
      script: account.script,
      birthdayHeight: birthday === null ? null : Number(birthday),
      createdAt: Number(meta('created_at')),
      hasPassphrase: meta('has_passphrase') === '1',
      locked: this.locked,
      /** The chain tip as of the last sync (null before the first). */
      tipHeight: meta('tip_height') === null ? null : Number(meta('tip_height')),
    };
  }
}
