// Restoring channels from a backup file into a wallet just restored from its words: the monitors
// and peers are stored, and the next start closes every channel (the funds come back on chain).

import * as ldk from 'lightningdevkit';
import { CofferError } from '../api/errors.js';
import { hasChannelState, putPeer, writeMonitor } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import { openBackup } from './channel-backup.js';
import { backupKey, ldkSeed } from './channel-keys.js';
import type { ChannelWallet } from './host.js';
import { hex, loadLdk, outpointText } from './ldk.js';
import { decodeMonitor } from './node-assembly.js';

/**
 * Put a channel backup into a wallet restored from its words, before Lightning starts: its
 * monitors and peers are stored and, at the next start, LDK closes every channel and the funds
 * come back to the wallet after the channels' delays. Refused when the wallet has channel state
 * of its own, or the backup is another wallet's.
 */
export async function restoreChannels(wallet: ChannelWallet, bytes: Uint8Array): Promise<{ channels: number; nodeId: string; writtenAt: number }> {
  await loadLdk();
  const key = wallet.withSeed((s) => backupKey(s, wallet.network));
  let backup;
  try {
    backup = openBackup(bytes, key);
  } finally {
    key.fill(0);
  }
  if (backup.network !== wallet.network) throw new CofferError('invalid-backup', `This channel backup is for ${backup.network}, not ${wallet.network}.`);
  const seed = wallet.withSeed((s) => ldkSeed(s, wallet.network));
  const keys = ldk.KeysManager.constructor_new(seed, 0n, 0);
  seed.fill(0);
  const id = keys.as_NodeSigner().get_node_id(ldk.Recipient.LDKRecipient_Node);
  if (!(id instanceof ldk.Result_PublicKeyNoneZ_OK) || hex(id.res) !== backup.nodeId) throw new CofferError('invalid-backup', 'This channel backup belongs to another wallet.');
  // Every monitor must read back as LDK reads it at start-up, for the channel it is filed under:
  // one that does not would be stored and then stop Lightning from ever starting.
  const signer = keys.as_SignerProvider();
  for (const m of backup.monitors) {
    const monitor = decodeMonitor(m.data, keys, signer);
    if (!monitor || outpointText(monitor.get_funding_txo().get_a()) !== m.fundingOutpoint) {
      throw new CofferError('invalid-backup', `The channel backup's state of channel ${m.fundingOutpoint.slice(0, 80)} cannot be read; nothing was restored.`);
    }
  }
  withDbErrors(() =>
    wallet.database.transaction(() => {
      if (hasChannelState(wallet.database)) {
        throw new CofferError('invalid-backup', 'This wallet has channel state of its own; a backup is restored only into a wallet just restored from its words.');
      }
      for (const m of backup.monitors) writeMonitor(wallet.database, m.fundingOutpoint, m.data, 0n);
      for (const p of backup.peers) putPeer(wallet.database, p.nodeId, p.address);
      wallet.setMeta('channel_restore', '1');
    }).immediate(),
  );
  return { channels: backup.monitors.length, nodeId: backup.nodeId, writtenAt: backup.writtenAt };
}
