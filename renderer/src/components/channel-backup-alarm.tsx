// The banner over every screen while the channel backup file cannot be written: the core holds
// every channel update until it can (a backup older than the channels would hold a revoked
// state), so payments wait. Raised by app.status and the core's 'channel-backup' event.
import type { ChannelBackupAlarm } from '../../../src/api/contract.js';

export function ChannelBackupAlarmBanner({ alarm, onOpen }: { alarm: ChannelBackupAlarm | undefined; onOpen?: (() => void) | undefined }) {
  if (!alarm) return null;
  return (
    <div className="vault-alert" role="alert" data-testid="app/channel-backup-alarm" data-code={alarm.code}>
      <strong className="vault-alert-title">Coffer cannot write your channel backup</strong>
      <p data-testid="channel-backup-alarm/text">
        {alarm.message} Since {new Date(alarm.since).toLocaleString()}, your channels wait for it: payments do not complete. Fix the file
        or its folder (Coffer tries again every second), or choose another backup file on the Channels screen.
      </p>
      {onOpen ? (
        <div className="actions">
          <button type="button" className="inverse" onClick={onOpen} data-testid="channel-backup-alarm/open">
            Go to Channels
          </button>
        </div>
      ) : null}
    </div>
  );
}
