// For the commands that guard coins and run until stopped (`watchtower run`, `daemon`): they end
// on SIGINT or SIGTERM, or on an exception nothing caught, which they report as their error (one
// `error:` line, status 1) after cleaning up; never silently, never with a stack trace.

export interface UntilStopped {
  /** Resolves on SIGINT or SIGTERM; rejects with an uncaught exception or unhandled rejection. */
  stopped: Promise<void>;
  /** Removes the handlers; call once the command has stopped what it runs. */
  done(): void;
}

export function untilStopped(): UntilStopped {
  let done: UntilStopped['done'] = () => {};
  const stopped = new Promise<void>((resolve, reject) => {
    const onSignal = () => resolve();
    let crashed = false;
    const onError = (e: unknown) => {
      crashed = true;
      reject(e);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('uncaughtException', onError);
    process.on('unhandledRejection', onError);
    // Timers of the pool, peers and tower are unref'd (they serve short commands too). This one
    // keeps the event loop going: without it, once the last peer dropped with stdin closed
    // (systemd, nohup, docker) nothing was left to wait for and Node ended the process with status
    // 13 and no word.
    const keepAlive = setInterval(() => {}, 60_000);
    done = () => {
      clearInterval(keepAlive);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('uncaughtException', onError);
      process.off('unhandledRejection', onError);
      // After an error nothing caught, something may still hold the event loop; the error line is
      // out by then (the command returns to main first), and this makes sure the process ends. (A
      // command that failed to start has undone what it started: it ends by itself.)
      if (crashed) setTimeout(() => process.exit(1), 5_000).unref();
    };
  });
  return { stopped, done };
}
