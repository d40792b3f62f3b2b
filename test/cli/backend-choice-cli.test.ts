// The chain source a command picks when none is named, and the one line `--backend spv` says about
// bloom filters off regtest, through the real `coffer` binary (saving the app's setting: no network).

import { describe, expect, it } from 'vitest';
import { coffer } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const PW = { COFFER_PASSWORD: 'backend choice password' };
const WARNING = 'warning: bloom filters (BIP37) tell every peer which addresses are yours; --backend filters does not\n';

describe('coffer --backend', () => {
  const dir = tmpDir();
  const run = (network: string, args: string[]) => coffer(['--datadir', dir, '--network', network, ...args], { env: PW });

  it('spv on signet saves BIP37 and says, on one line of stderr, what bloom filters give away', async () => {
    expect((await run('signet', ['wallet', 'create'])).code).toBe(0);
    const spv = await run('signet', ['--backend', 'spv', '--connect', '10.0.0.2:38333', 'config', 'backend']);
    expect(spv.code, spv.stderr).toBe(0);
    expect(spv.json).toEqual({ backend: { kind: 'spv', connect: ['10.0.0.2:38333'] } });
    expect(spv.stderr).toBe(WARNING);
    const filters = await run('signet', ['--backend', 'filters', '--proxy', 'socks5://127.0.0.1:9050', 'config', 'backend']);
    expect(filters.json).toEqual({ backend: { kind: 'filters', connect: [], proxy: 'socks5://127.0.0.1:9050' } });
    expect(filters.stderr).toBe('');
  });

  it('spv on regtest stays quiet', async () => {
    expect((await run('regtest', ['wallet', 'create'])).code).toBe(0);
    const spv = await run('regtest', ['--backend', 'spv', '--connect', '127.0.0.1:18444', 'config', 'backend']);
    expect(spv.json).toEqual({ backend: { kind: 'spv', connect: ['127.0.0.1:18444'] } });
    expect(spv.stderr).toBe('');
  });
});
