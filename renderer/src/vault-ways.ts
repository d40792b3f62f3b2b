// What the vaults screen says about getting one vault's coins back today (pure: unit-tested).

import type { Results, VaultInfo } from '../../src/api/contract.js';

export type Keeping = Results['vault.list']['keeping'];

/** What exists today, besides this wallet's database, to get a vault's coins back: one sentence each. */
export function recoveryWays(v: VaultInfo, keeping: Keeping | undefined): string[] {
  const recover = `coffer vault recover ${v.id} --key-file FILE --to ADDR`;
  if (v.found) {
    return [
      'Found on the chain after a restore from the words: its presigned withdrawal and cancels are not in this wallet.',
      `Recovery key: on a machine that holds it, ${recover} sends the coins to the recovery wallet, at any point before a withdrawal.`,
      'A vault backup file, if you kept one, brings back withdraw and cancel: restore it in Settings.',
    ];
  }
  const ways = [`Recovery destination: ${v.recovery} — a cancel sends the coins there, for the recovery wallet.`];
  if (v.recovery.includes('(')) ways.push(`Words + recovery key: even with this computer and its files lost, ${recover} sweeps it with the recovery key alone.`);
  if (keeping?.backupFile) ways.push(`Vault backup file: ${keeping.backupFile} — with the recovery words, it brings back withdraw and cancel.`);
  else ways.push('No vault backup file yet (Settings, or coffer vault backup FILE): only this database can start its withdrawal.');
  if (keeping?.towersServed.includes(v.id)) for (const f of keeping.towerFiles) ways.push(`Watchtower package: ${f}`);
  return ways;
}
