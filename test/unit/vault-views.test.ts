// What the overview and the history show of vaults: the total held in vaults (never part of the
// balance) and which vault transaction each txid is.

import { describe, expect, it } from 'vitest';
import type { VaultInfo } from '../../src/api/contract.js';
import { vaultTotal, vaultTxKinds } from '../../src/service/views.js';

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
