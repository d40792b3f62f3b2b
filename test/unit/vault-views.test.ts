// What the overview and the history show of vaults: the total held in vaults (never part of the
// balance), which vault transaction each txid is, and how the vaults screen says a vault can be got back.

import { describe, expect, it } from 'vitest';
import type { VaultInfo } from '../../src/api/contract.js';
import { vaultTotal, vaultTxKinds } from '../../src/service/views.js';
import { recoveryWays } from '../../renderer/src/vault-ways.js';

const id = (c: string) => c.repeat(64);

function vault(status: string, amount: number, txids: Partial<VaultInfo> = {}): VaultInfo {
  return { id: `v-${status}`, amount, status, delay: 10, depositTxid: id('0'), confirmations: 1, recovery: 'addr(bcrt1q)', ...txids };
}

describe('vaultTotal', () => {
  it('counts the vaults whose coins are still in the vault, and nothing else', () => {
    const all = [
      vault('funding', 1),
      vault('funded', 10),
      vault('unvaulting', 100),
      vault('withdrawable', 1_000),
      vault('withdrawn', 10_000),
      vault('cancelled', 100_000),
      vault('abandoned', 1_000_000),
      vault('stray', 10_000_000),
      vault('swept', 100_000_000),
    ];
    expect(vaultTotal(all)).toBe(1_110);
    expect(vaultTotal([])).toBe(0);
  });
});

describe('vaultTxKinds', () => {
  it('marks deposits, unvaults, withdrawals and cancels by txid', () => {
    const kinds = vaultTxKinds([
      vault('withdrawn', 5, { depositTxid: id('1'), unvaultTxid: id('2'), withdrawTxid: id('3') }),
      vault('cancelled', 5, { depositTxid: id('4'), unvaultTxid: id('5'), cancelTxid: id('6') }),
      vault('funded', 5, { depositTxid: id('7') }),
    ]);
    expect(Object.fromEntries(kinds)).toEqual({
      [id('1')]: 'vault-deposit',
      [id('2')]: 'unvault',
      [id('3')]: 'vault-withdraw',
      [id('4')]: 'vault-deposit',
      [id('5')]: 'unvault',
      [id('6')]: 'vault-cancel',
      [id('7')]: 'vault-deposit',
    });
  });

  it('does not call a stray payment to a vault address a deposit', () => {
    expect(vaultTxKinds([vault('stray', 5, { depositTxid: id('8') }), vault('swept', 5, { depositTxid: id('9') })]).size).toBe(0);
  });
});

describe('recoveryWays', () => {
  const keeping = { backupFile: '/b/vaults.backup', towerFiles: ['/t/pkg.json'], towersServed: ['v-funded'] };

  it('a vault made with a key: its destination, the words and the recovery key, the backup, its towers', () => {
    const ways = recoveryWays({ ...vault('funded', 10), recovery: 'wpkh(tpubX/0/*)' }, keeping);
    expect(ways).toHaveLength(4);
    expect(ways[1]).toContain('Words + recovery key: even with this computer and its files lost, coffer vault recover v-funded --key-file FILE --to ADDR');
    expect(ways[2]).toContain('Vault backup file: /b/vaults.backup');
    expect(ways[3]).toBe('Watchtower package: /t/pkg.json');
  });

  it('an old bare-address vault does not claim the recovery key can take it back', () => {
    const ways = recoveryWays({ ...vault('funded', 10), recovery: 'bcrt1qexample' }, undefined);
    expect(ways.some((w) => w.startsWith('Words + recovery key'))).toBe(false);
    expect(ways.at(-1)).toContain('No vault backup file yet');
  });

  it('a vault found after a restore: the recovery key, or a backup restored in Settings', () => {
    const ways = recoveryWays({ ...vault('unvaulting', 10), recovery: '', found: true }, keeping);
    expect(ways[0]).toContain('Found on the chain after a restore');
    expect(ways[1]).toContain('coffer vault recover v-unvaulting');
    expect(ways.join(' ')).not.toContain('Recovery destination:');
  });
});
