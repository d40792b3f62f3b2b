// Test-only preload (NODE_OPTIONS=--import): on SIGUSR2 the process meets an error nothing catches,
// as a bug would cause: an exception thrown from a callback (COFFER_TEST_FAIL=exception) or a
// rejected promise nobody handles (COFFER_TEST_FAIL=rejection). Lets a test see what a long-running
// command (`watchtower run`, `daemon`) does then.
const kind = process.env.COFFER_TEST_FAIL;
if (kind) {
  process.on('SIGUSR2', () => {
    if (kind === 'rejection') void Promise.reject(new Error('injected rejection'));
    else throw new Error('injected exception');
  });
}
