// Crash points for the crash-safety tests: when COFFER_FAULT names a point, the process dies
// there at once (SIGKILL, as a power cut would). A no-op unless that variable is set.

export function faultPoint(name: string): void {
  if (process.env['COFFER_FAULT'] === name) process.kill(process.pid, 'SIGKILL');
}
