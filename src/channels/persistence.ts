// Persistence: LDK's monitor updates and the channel manager written to the database in one
// transaction, then the channel backup file, and only then LDK told the updates are done.

import * as ldk from 'lightningdevkit';
import { CofferError } from '../api/errors.js';
import { listPeers, readMonitors, writeManager, writeMonitor } from '../db/channel-store.js';
import { withDbErrors } from '../db/database.js';
import { backupDestination, backupTarget, openBackup, readBackupFile, sealBackup, writeBackupFile } from './channel-backup.js';
import type { NodeContext } from './context.js';
import type { BackupAlarm } from './host.js';
import { outpointText } from './ldk.js';

/** How often a channel backup that cannot be written is tried again. */
const BACKUP_RETRY_MS = 1_000;

export interface PersistenceHooks {
  /** A channel's monitor was handed over for writing (the closed channels' view reads it again). */
  monitorWritten(fundingOutpoint: string): void;
  /** The backup file is written again after failing: peers kept away meanwhile may be reconnected. */
  backupWritten(): void;
}

export class ChannelPersistence {
  constructor(
    private readonly ctx: NodeContext,
    /** The key the backup file is sealed with; wiped by stop(). */
    private readonly backupKey: Uint8Array,
    private readonly hooks: PersistenceHooks,
  ) {}

  /**
   * Monitor updates LDK has handed over and waits on, in order. They are written together with
   * the channel manager in one SQLite transaction, and only then does LDK hear they completed:
   * on disk, the manager always knows every update its monitors hold (a manager behind its
   * monitors would force-close the channel at the next start), and nothing LDK sent the peer
   * depends on an update that is not durable.
   */
  private readonly pendingMonitors: { key: string; outpoint: ldk.OutPoint; data: Uint8Array; updateId: bigint }[] = [];

  persistMonitor(outpoint: ldk.OutPoint, monitor: ldk.ChannelMonitor): ldk.ChannelMonitorUpdateStatus {
    const key = outpointText(outpoint);
    this.pendingMonitors.push({ key, outpoint: outpoint.clone(), data: monitor.write(), updateId: monitor.get_latest_update_id() });
    this.hooks.monitorWritten(key);
    this.ctx.schedule();
    return ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_InProgress;
  }

  /**
   * Monitor updates on disk in the database but not yet in the channel backup file: LDK hears
   * they are done only once the file holds them too (a backup older than what the peer has seen
   * from us would hold a revoked state).
   */
  private readonly heldForBackup: { outpoint: ldk.OutPoint; updateId: bigint }[] = [];
  /** The backup file is behind the database (a write failed, or none was made since a change). */
  private backupOwed = false;
  private backupAlarm: BackupAlarm | undefined;
  private backupRetry: NodeJS.Timeout | undefined;

  /**
   * Write the manager (when it changed or monitors wait) and the waiting monitors; then the
   * backup; then tell LDK. False when the database refused the write (the monitors wait on).
   */
  flush(): boolean {
    const monitors = this.pendingMonitors.splice(0);
    const manager = this.ctx.ldk.manager.get_and_clear_needs_persistence() || monitors.length > 0 ? this.ctx.ldk.manager.write() : undefined;
    if (manager) {
      try {
        withDbErrors(() =>
          this.ctx.db.transaction(() => {
            writeManager(this.ctx.db, manager);
            const latest = new Map(monitors.map((m) => [m.key, m]));
            for (const m of latest.values()) writeMonitor(this.ctx.db, m.key, m.data, m.updateId);
          }).immediate(),
        );
      } catch (e) {
        // Not on disk: LDK keeps the channels waiting; try again shortly.
        this.pendingMonitors.unshift(...monitors);
        this.ctx.host.log.error('ln.persist-failed', { monitors: monitors.length, code: e instanceof CofferError ? e.code : 'internal' });
        setTimeout(() => this.ctx.schedule(), 1_000).unref();
        return false;
      }
    }
    for (const m of monitors) this.heldForBackup.push({ outpoint: m.outpoint, updateId: m.updateId });
    if (monitors.length > 0) this.backupOwed = true;
    this.releaseHeld();
    return true;
  }

  /** Bring the backup file up to date when it is behind; only then tell LDK the held updates are done. */
  private releaseHeld(): void {
    if (this.backupOwed && !this.writeBackup()) return;
    for (const m of this.heldForBackup.splice(0)) this.ctx.ldk.chainMonitor.channel_monitor_updated(m.outpoint, m.updateId);
  }

  /**
   * Rewrite the channel backup file, when one is set: every monitor and peer, as in the database.
   * False when it cannot be written: the alarm goes up (`ln.info`, the core's status and event),
   * monitor updates stay held, no new peer connection is made, and it is tried again every second.
   * A path that has become anything but a Coffer backup (another program's file, a folder) is not
   * written over.
   */
  writeBackup(): boolean {
    const file = this.ctx.host.wallet.meta('channel_backup_file');
    if (!file || !this.backupKey) {
      this.backupOwed = false;
      return true;
    }
    try {
      if (backupTarget(file) === 'other') throw new CofferError('file-exists', `${file} is no longer a Coffer channel backup; Coffer does not write over it.`);
      const { monitors, peers } = withDbErrors(() => ({ monitors: readMonitors(this.ctx.db), peers: listPeers(this.ctx.db) }));
      writeBackupFile(file, sealBackup({ network: this.ctx.network, nodeId: this.ctx.nodeId, writtenAt: Date.now(), monitors, peers }, this.backupKey));
    } catch (e) {
      this.backupOwed = true;
      const err = e instanceof CofferError ? e : new CofferError('file-unreadable', `The channel backup ${file} cannot be written.`);
      this.setBackupAlarm({ file, code: err.code, message: err.message, since: this.backupAlarm?.since ?? Date.now() });
      if (!this.backupRetry && !this.ctx.stopped) {
        this.backupRetry = setTimeout(() => {
          this.backupRetry = undefined;
          this.ctx.schedule();
        }, BACKUP_RETRY_MS);
        this.backupRetry.unref();
      }
      return false;
    }
    this.backupOwed = false;
    this.setBackupAlarm(undefined);
    return true;
  }

  private setBackupAlarm(alarm: BackupAlarm | undefined): void {
    const before = this.backupAlarm;
    this.backupAlarm = alarm;
    if (alarm && (!before || before.file !== alarm.file || before.code !== alarm.code)) {
      this.ctx.host.log.error('ln.backup-failed', { code: alarm.code, held: this.heldForBackup.length });
      this.ctx.host.onBackupAlarm?.(alarm);
    } else if (!alarm && before) {
      this.ctx.host.log.info('ln.backup-written', { released: this.heldForBackup.length });
      this.ctx.host.onBackupAlarm?.(undefined);
      // Peers were kept away meanwhile.
      this.hooks.backupWritten();
    }
  }

  /** The channel backup cannot be written (shown on every screen and in `ln info`). */
  get backupFailing(): BackupAlarm | undefined {
    return this.backupAlarm;
  }

  refuseWhileBackupFails(): void {
    const a = this.backupAlarm;
    if (a) throw new CofferError('backup-failing', `The channel backup ${a.file} cannot be written (${a.message}); channels wait until it can. Fix the file or choose another one.`, { file: a.file });
  }

  /**
   * Keep an encrypted channel backup at `file` from now on (rewritten after every channel change).
   * The name ends in .backup; the folder exists; an existing file is written over only when it is
   * this wallet's own channel backup.
   */
  setBackup(file: string): { file: string; channels: number } {
    const { abs, kind } = backupDestination(file, 'channel backup');
    if (kind === 'backup') {
      let theirs;
      try {
        theirs = openBackup(readBackupFile(abs), this.backupKey);
      } catch {
        theirs = undefined;
      }
      if (!theirs || theirs.nodeId !== this.ctx.nodeId || theirs.network !== this.ctx.network) {
        throw new CofferError('file-exists', `${abs} is another wallet's channel backup, or a damaged one; choose a new file name.`, { file: abs });
      }
    }
    const { monitors, peers } = withDbErrors(() => ({ monitors: readMonitors(this.ctx.db), peers: listPeers(this.ctx.db) }));
    writeBackupFile(abs, sealBackup({ network: this.ctx.network, nodeId: this.ctx.nodeId, writtenAt: Date.now(), monitors, peers }, this.backupKey));
    withDbErrors(() => this.ctx.host.wallet.setMeta('channel_backup_file', abs));
    // The new file holds everything: updates held for an old one that failed can go on.
    this.backupOwed = false;
    this.setBackupAlarm(undefined);
    this.releaseHeld();
    this.ctx.schedule();
    return { file: abs, channels: monitors.length };
  }

  /** Monitor updates wait to be written (each peer message sent can make more). */
  get hasPending(): boolean {
    return this.pendingMonitors.length > 0;
  }

  /** The node stops: the key is wiped and no retry is left behind. */
  stop(): void {
    this.backupKey.fill(0);
    clearTimeout(this.backupRetry);
  }
}
