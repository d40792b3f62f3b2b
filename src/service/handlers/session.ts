// The contract's calls that open, make, unlock and lock the wallet: `app.status|activity|open`,
// `wallet.create|restore|playground|checkWords|unlock|lock|reveal|changePassword`.

import type { BackendConfig } from '../../api/contract.js';
import { CofferError, isCofferError } from '../../api/errors.js';
import { checkNewPassword } from '../../keys/keystore.js';
import { parseMnemonic } from '../../keys/mnemonic.js';
import type { Network } from '../../keys/networks.js';
import { needsUnlock, planFromCall, storeBackend } from '../backend-setting.js';
import { errorOrigin } from '../log.js';
import { WalletService } from '../wallet-service.js';
import type { HandlerMap, SessionHost } from './handler.js';
import { mine } from './node.js';

/** Blocks the playground mines to its Lightning peer first (mature by the playground's height). */
const PEER_BLOCKS = 2;

export type SessionMethods =
  | 'app.status'
  | 'app.activity'
  | 'app.open'
  | 'wallet.create'
  | 'wallet.restore'
  | 'wallet.playground'
  | 'wallet.checkWords'
  | 'wallet.unlock'
  | 'wallet.lock'
  | 'wallet.reveal'
  | 'wallet.changePassword';

/**
 * A new wallet replaces the open one in the app: when this data directory already holds a
 * wallet, the caller must know its password (the open wallet's; with none open, any one here).
 * A command's own core asks for none: its process could write the database itself.
 */
function requireExistingPassword(host: SessionHost, currentPassword: string | undefined): void {
  const existing = host.wallets();
  if (existing.length === 0 || host.command) return;
  if (currentPassword === undefined) {
    throw new CofferError('password-required', 'This data directory already holds a wallet: enter its password to create or restore another.', { field: 'currentPassword' });
  }
  const open = host.current();
  if (open?.hasWallet()) return open.checkPassword(currentPassword);
  for (const network of existing) {
    const w = WalletService.open({ datadir: host.datadir, network, logger: host.log });
    try {
      return w.checkPassword(currentPassword);
    } catch (e) {
      if (!isCofferError(e, 'wrong-password')) throw e;
    } finally {
      w.close();
    }
  }
  throw new CofferError('wrong-password', 'The password is not correct.', { field: 'currentPassword' });
}

/**
 * Make a wallet with `make` (which leaves it unlocked) and open it in place of the open one.
 * `check` refuses the new wallet's own bad inputs first, before the current password is turned
 * into a key.
 */
async function initialise(
  host: SessionHost,
  network: Network,
  backend: BackendConfig | undefined,
  currentPassword: string | undefined,
  check: () => void,
  make: (w: WalletService) => { fingerprint: string },
): Promise<{ fingerprint: string }> {
  if (host.wallets().includes(network)) throw new CofferError('wallet-exists', `There is already a ${network} wallet in this data directory.`);
  const plan = backend && planFromCall(backend, undefined);
  check();
  requireExistingPassword(host, currentPassword);
  // The open wallet stays open until the new one exists: bad words or a short password change nothing.
  const w = host.walletService(network);
  let fingerprint: string;
  try {
    fingerprint = make(w).fingerprint;
    if (plan) storeBackend(w, plan);
  } catch (e) {
    w.close();
    throw e;
  }
  await host.open(network, w);
  return { fingerprint };
}

export function sessionHandlers(host: SessionHost): HandlerMap<SessionMethods> {
  return {
    'app.status': () => host.status(),
    'app.activity': () => {
      host.current()?.activity();
      return { ok: true as const };
    },
    'app.open': async ({ network }) => {
      if (!host.wallets().includes(network)) throw new CofferError('no-wallet', `There is no ${network} wallet here.`);
      await host.open(network);
      return host.status();
    },
    'wallet.create': (p) =>
      initialise(host, p.network, p.backend as BackendConfig | undefined, p.currentPassword, () => checkNewPassword(p.password), (w) => w.create({ words: p.words, passphrase: p.passphrase, script: p.script, password: p.password, unlock: true })),
    'wallet.restore': (p) =>
      initialise(
        host,
        p.network,
        p.backend as BackendConfig | undefined,
        p.currentPassword,
        () => {
          checkNewPassword(p.password);
          parseMnemonic(p.mnemonic).entropy.fill(0);
        },
        (w) => {
          const r = w.restore({ mnemonic: p.mnemonic, passphrase: p.passphrase, script: p.script, password: p.password, unlock: true, ...(p.birthday !== undefined ? { birthday: p.birthday } : {}) });
          // Whoever restores from the words has them.
          w.setMeta('backup_confirmed', '1');
          return r;
        },
      ),
    'wallet.playground': async ({ password, currentPassword }) => {
      const r = await initialise(host, 'regtest', { kind: 'node', connect: [], prune: false }, currentPassword, () => checkNewPassword(password), (w) => {
        const made = w.create({ words: 12, passphrase: '', script: 'wpkh', password, unlock: true });
        w.setMeta('backup_confirmed', '1'); // play money: no backup to nag about
        return made;
      });
      // The playground peer's wallet gets the first two blocks' coins (its reserve for anchor
      // channels); the playground goes on without it if it cannot start (its card says why).
      await host.syncSession();
      let toPeer = 0;
      try {
        await mine(host, PEER_BLOCKS, await (await host.playgroundPeer()).address());
        toPeer = PEER_BLOCKS;
      } catch (e) {
        host.log.warn('playground.peer-failed', isCofferError(e) ? { code: e.code } : { code: 'internal', ...errorOrigin(e) });
      }
      // bcoin's regtest enforces segwit from height 432: mine past it, to the wallet, so there is money to try.
      await mine(host, 440 - toPeer);
      return r;
    },
    'wallet.checkWords': ({ password, answers }) => {
      const w = host.wallet();
      const words = w.reveal(password).mnemonic.split(' ');
      const correct = answers.every((a) => words[a.position - 1] === a.word.trim().toLowerCase());
      if (correct) w.setMeta('backup_confirmed', '1');
      return { correct };
    },
    'wallet.unlock': ({ password }) => {
      const w = host.wallet();
      w.unlock(password);
      // A node reached with the RPC password was shut out while locked: reconnect now.
      if (needsUnlock(host.backend())) void host.sync();
      host.unlocked(w);
      return { locked: false as const };
    },
    'wallet.lock': () => {
      host.wallet().lock();
      return { locked: true as const };
    },
    'wallet.reveal': ({ password }) => host.wallet().reveal(password),
    'wallet.changePassword': ({ oldPassword, newPassword }) => {
      host.wallet().changePassword(oldPassword, newPassword);
      return { ok: true as const };
    },
  };
}
