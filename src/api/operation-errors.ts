// The error codes each contract method can answer with, beside the codes every call can get.
// test/unit/operation-errors.test.ts checks the table against the throw sites it can reach.

import type { Method } from './contract.js';
import type { ErrorCode } from './errors.js';

/**
 * Any call: `usage` when the method or its params do not parse (the core, main's IPC router, the
 * shell, the daemon), `backend-unavailable` when the core process is gone (main's core link).
 */
export const EVERY_CALL = ['usage', 'backend-unavailable'] as const satisfies readonly ErrorCode[];

/** The core's lock screen: every method but app.*, wallet.create|restore|playground|unlock|lock waits for the password. */
const LOCKED = ['wallet-locked'] as const;
/** A call that opens, creates or unlocks a wallet (allowed while locked): none there, or its database failing. */
const OPENING = ['no-wallet', 'database-busy', 'database-corrupt', 'datadir-unusable'] as const;
/** A call that reads or writes the open wallet: as OPENING, and the lock screen. */
const WALLET = [...OPENING, ...LOCKED] as const;
/** The password checked against the keystore. */
const PASSWORD = ['wrong-password', 'keystore-corrupt'] as const;
/** A new wallet: its password and backend, and the password of the wallet already there. */
const NEW_WALLET = ['password-required', 'password-too-short', 'wrong-password', 'wallet-exists', 'rpc-host-public', 'cookie-file-cli-only', 'database-too-new'] as const;
/** The chain source a call waits for: peers, an RPC node (its cookie file), the embedded node. */
const CHAIN = ['no-peers', 'backend-error', 'wrong-network', 'file-unreadable', 'node-not-running', 'node-unverified', 'port-unavailable'] as const;
/** A spend planned from the wallet's coins and checked against the relay policy. */
const PLAN = [
  'invalid-address',
  'wrong-network',
  'invalid-amount',
  'invalid-outpoint',
  'invalid-descriptor',
  'amount-below-dust',
  'insufficient-funds',
  'fee-too-low',
  'fee-too-high',
  'transaction-too-large',
  'nonstandard-output',
  'invalid-transaction',
] as const;
/** A signed transaction handed to the chain source. */
const BROADCAST = ['invalid-transaction', 'invalid-psbt', ...CHAIN] as const;
/** A PSBT read from base64 text. */
const PSBT = ['invalid-psbt', 'invalid-transaction', 'transaction-too-large'] as const;
/** Lightning started in the core (LDK loaded, the lock taken, the stored channels read). */
const LIGHTNING = ['lightning-unavailable', 'port-unavailable', 'backup-failing', 'invalid-backup', 'datadir-unusable', 'database-corrupt'] as const;
/**
 * The playground peer (service/playground-peer.ts): on the playground only (`backend-unavailable`),
 * its own wallet opened with the password kept in its folder, synced from the embedded node, its Lightning started.
 */
const PEER = [...WALLET, ...CHAIN, ...LIGHTNING, 'backend-unavailable', 'wrong-password', 'keystore-corrupt'] as const;
/** The vault files the in-app watchtower keeps beside the wallet. */
const TOWER = ['file-unreadable', 'invalid-watchtower-package'] as const;
/** A push to a remote tower (the flows record these per tower as its lastError; tower.add too). */
const REMOTE = ['peer-unreachable', 'invalid-peer', 'invalid-message', 'invalid-watchtower-package', 'unknown-vault'] as const;

/** The codes each method answers with besides EVERY_CALL. */
export const METHOD_ERRORS: { readonly [M in Method]: readonly ErrorCode[] } = {
  'app.status': [],
  'app.activity': [],
  'app.open': [...OPENING, 'wrong-network', 'database-too-new', 'keystore-corrupt'],
  'wallet.create': [...OPENING, ...NEW_WALLET, 'invalid-passphrase'],
  'wallet.restore': [...OPENING, ...NEW_WALLET, 'invalid-mnemonic', 'invalid-passphrase'],
  'wallet.playground': [...OPENING, ...NEW_WALLET, ...CHAIN, 'backend-unavailable', 'invalid-address'],
  'wallet.checkWords': [...WALLET, ...PASSWORD],
  'wallet.unlock': [...OPENING, ...PASSWORD, 'invalid-message'],
  'wallet.lock': ['no-wallet'],
  'wallet.reveal': [...WALLET, ...PASSWORD],
  'wallet.changePassword': [...WALLET, ...PASSWORD, 'password-too-short'],
  'wallet.summary': [...WALLET, 'invalid-transaction'],
  'wallet.address': [...WALLET, 'invalid-descriptor'],
  'wallet.history': [...WALLET, 'invalid-transaction'],
  'wallet.transaction': [...WALLET, 'invalid-transaction', 'unknown-transaction'],
  'wallet.utxos': [...WALLET, 'invalid-transaction'],
  'wallet.freeze': [...WALLET, 'invalid-outpoint'],
  'wallet.setLabel': [...WALLET, 'invalid-labels'],
  'wallet.descriptors': [...WALLET],
  'wallet.info': [...WALLET],
  'labels.export': [...WALLET, 'invalid-labels'],
  'labels.import': [...WALLET, 'invalid-labels'],
  'uri.build': [...WALLET, 'invalid-address', 'wrong-network', 'invalid-amount'],
  'uri.parse': [...WALLET, 'invalid-uri', 'invalid-address', 'wrong-network', 'invalid-amount'],
  'send.preview': [...WALLET, ...PLAN, ...CHAIN],
  'send.confirm': [...WALLET, ...PASSWORD, ...PLAN, ...BROADCAST],
  'send.bump': [...WALLET, ...PLAN, ...BROADCAST, ...PASSWORD, 'unknown-transaction', 'cannot-bump'],
  'send.cpfp': [...WALLET, ...PLAN, ...BROADCAST, ...PASSWORD, 'unknown-transaction', 'cannot-bump'],
  'tx.abandon': [...WALLET, ...CHAIN, 'invalid-transaction', 'unknown-transaction', 'cannot-bump'],
  'psbt.create': [...WALLET, ...PLAN, ...CHAIN],
  'psbt.review': [...WALLET, ...PSBT, 'invalid-address', 'invalid-descriptor', 'wrong-network'],
  'psbt.sign': [...WALLET, ...PSBT, ...PASSWORD, 'password-required', 'invalid-address', 'invalid-descriptor', 'wrong-network'],
  'psbt.finalize': [...LOCKED, ...PSBT],
  'psbt.combine': [...LOCKED, ...PSBT],
  'psbt.broadcast': [...WALLET, ...PSBT, ...PLAN, ...BROADCAST],
  'fees.get': [...WALLET, ...CHAIN],
  'settings.get': [...WALLET],
  'settings.set': [...WALLET, ...PASSWORD, 'password-required', 'invalid-setting', 'rpc-host-public', 'cookie-file-cli-only'],
  'sync.now': [...WALLET],
  'sync.peers': [...WALLET],
  'settings.testServer': [...WALLET, 'usage', 'backend-unavailable', 'backend-error', 'wrong-network'],
  'display.get': [...WALLET],
  'display.set': [...WALLET, 'invalid-setting'],
  'price.get': [...WALLET, 'usage', 'invalid-setting', 'backend-unavailable', 'backend-error'],
  'node.mine': [...WALLET, ...CHAIN, 'backend-unavailable', 'invalid-address', 'invalid-message'],
  'vault.list': [...WALLET, 'invalid-transaction'],
  'vault.preview': [...WALLET, ...CHAIN, ...PLAN, 'invalid-setting'],
  'vault.create': [...WALLET, ...PASSWORD, ...PLAN, ...BROADCAST, ...TOWER, ...REMOTE, 'invalid-setting', 'unknown-vault', 'backup-failing'],
  'vault.withdraw': [...WALLET, ...PASSWORD, ...BROADCAST, ...TOWER, ...REMOTE, 'unknown-vault', 'vault-not-ready', 'backup-failing'],
  'vault.complete': [...WALLET, ...PASSWORD, ...PLAN, ...BROADCAST, 'unknown-vault', 'vault-not-ready'],
  'vault.cancel': [...WALLET, ...PASSWORD, ...PLAN, ...BROADCAST, ...TOWER, 'unknown-vault', 'vault-not-ready'],
  // invalid-backup: a backup already at `file` that does not open is answered as file-exists.
  'vault.backup': [...WALLET, ...PASSWORD, 'file-unreadable', 'file-exists', 'invalid-backup'],
  // A restore signs a new package for the remote towers (towerPackage checks it as a tower would).
  'vault.restore': [...WALLET, ...PASSWORD, 'file-unreadable', 'invalid-backup', 'unknown-vault', 'invalid-transaction', 'invalid-watchtower-package'],
  // unknown-vault: no vault yet, so no package; invalid-transaction, invalid-watchtower-package: a stored vault that does not parse.
  'vault.exportPackage': [...WALLET, ...TOWER, 'file-exists', 'unknown-vault', 'invalid-transaction'],
  'ln.info': [...WALLET, ...LIGHTNING],
  'ln.invoice': [...WALLET, ...LIGHTNING, 'invalid-amount', 'invalid-invoice'],
  'ln.pay': [...WALLET, ...LIGHTNING, 'invalid-invoice', 'invoice-expired', 'invoice-paid', 'invalid-amount', 'insufficient-funds', 'payment-pending', 'payment-failed', 'no-route', 'file-exists', 'file-unreadable'],
  'ln.keysend': [...WALLET, ...LIGHTNING, 'invalid-peer', 'invalid-amount', 'insufficient-funds', 'payment-pending', 'payment-failed', 'no-route'],
  'ln.decode': [...LOCKED, 'invalid-invoice'],
  'ln.payments': [...WALLET],
  'ln.invoices': [...WALLET],
  'channel.open': [...WALLET, ...LIGHTNING, ...PLAN, 'invalid-peer', 'peer-unreachable', 'channel-open-failed'],
  'channel.list': [...WALLET, ...LIGHTNING],
  'channel.backup': [...WALLET, ...LIGHTNING, 'file-exists', 'file-unreadable'],
  'channel.close': [...WALLET, ...LIGHTNING, 'unknown-channel', 'channel-close-failed'],
  // invalid-setting: the tower is already listed (add), not listed (remove), or one too many.
  'tower.add': [...WALLET, ...PASSWORD, ...REMOTE, 'invalid-setting', 'invalid-transaction'],
  'tower.remove': [...WALLET, 'invalid-setting'],
  'tower.list': [...WALLET],
  'playground.peer': [...PEER],
  'playground.invoice': [...PEER, 'invalid-amount', 'invalid-invoice'],
  'playground.pay': [...PEER, 'invalid-invoice', 'invoice-expired', 'invoice-paid', 'invalid-amount', 'insufficient-funds', 'payment-pending', 'payment-failed', 'no-route'],
  /** The peer funds the channel from its wallet (PLAN); the wallet's node dials it and must take the channel. */
  'playground.offer': [...PEER, ...PLAN, 'peer-unreachable', 'channel-open-failed'],
};

/** What a method can answer with: its own codes and those of every call, each once. */
export function errorsOf(method: Method): ErrorCode[] {
  return [...new Set<ErrorCode>([...EVERY_CALL, ...METHOD_ERRORS[method]])];
}
