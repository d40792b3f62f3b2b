// The core's log: JSON lines under <network>/logs/. Fields are plain values chosen by the
// caller; never pass secrets or arguments. Library error messages only for internal errors
// (errorOrigin), with the call's secrets cut out: that is the one place they tell what broke.

import fs from 'node:fs';
import path from 'node:path';

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const MAX_BYTES = 5 * 1024 * 1024;

export function fileLogger(dir: string, now: () => number = Date.now): Logger {
  const file = path.join(dir, 'coffer.log');
  let ready = false;
  const write = (level: string, event: string, fields: LogFields = {}) => {
    try {
      if (!ready) {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        ready = true;
      }
      if ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) > MAX_BYTES) fs.renameSync(file, `${file}.1`);
      const line = JSON.stringify({ t: new Date(now()).toISOString(), level, event, ...fields });
      fs.appendFileSync(file, `${line}\n`, { mode: 0o600 });
    } catch {
      // Logging must never take the wallet down.
    }
  };
  return {
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
  };
}

export const nullLogger: Logger = { info() {}, warn() {}, error() {} };

const MAX_MESSAGE = 2_000;

/**
 * An unexpected (internal) error for the log, never for a user: its type, message and stack.
 * `secrets` (the passwords or words of the call that failed) are cut out of both, in case a
 * library quoted its input.
 */
export function errorOrigin(e: unknown, secrets: readonly string[] = []): LogFields {
  if (!(e instanceof Error)) return { errorType: typeof e };
  const clean = (text: string) => secrets.reduce((t, s) => (s === '' ? t : t.split(s).join('[redacted]')), text);
  const frames = (e.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at ')).slice(0, 12);
  return { errorType: e.name, message: clean(String(e.message)).slice(0, MAX_MESSAGE), stack: clean(frames.map((f) => f.trim()).join(' | ')) };
}
