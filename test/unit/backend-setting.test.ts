// The backend setting's rules without IO: which RPC addresses count as this computer or its
// private network, and what a call from the UI may change (never a cookie file, never a saved
// password for another node); and the seed box that stores the RPC password.

import { describe, expect, it } from 'vitest';
import { isPrivateHost, planFromCall, type StoredBackend } from '../../src/service/backend-setting.js';
import { openWithSeed, sealWithSeed } from '../../src/keys/seed-box.js';
import { expectCode } from '../helpers/errors.js';

const host = (url: string) => new URL(url).hostname;

describe('isPrivateHost', () => {
  it('takes loopback, RFC 1918, link-local and unique-local addresses, and localhost names', () => {
    for (const url of [
      'http://127.0.0.1/', 'http://127.8.9.10/', 'http://localhost/', 'http://LOCALHOST/', 'http://coffer.localhost/',
      'http://10.0.0.1/', 'http://10.255.255.255/', 'http://172.16.0.1/', 'http://172.31.255.254/', 'http://192.168.0.1/',
      'http://169.254.1.1/', 'http://[::1]/', 'http://[0:0:0:0:0:0:0:1]/', 'http://[fc00::1]/', 'http://[fdab:cdef::9]/',
      'http://[fe80::1]/', 'http://[::ffff:10.1.2.3]/', 'http://[::ffff:127.0.0.1]/', 'http://2130706433/', 'http://0x7f.1/',
    ]) {
      expect(isPrivateHost(host(url)), url).toBe(true);
    }
  });

  it('refuses public addresses and every DNS name but localhost', () => {
    for (const url of [
      'http://8.8.8.8/', 'http://172.15.0.1/', 'http://172.32.0.1/', 'http://192.169.0.1/', 'http://11.0.0.1/', 'http://0.0.0.0/',
      'http://100.64.0.1/', 'http://[2001:db8::1]/', 'http://[::ffff:8.8.8.8]/', 'http://[fec0::1]/', 'http://[::]/',
      'http://node.example.com/', 'http://mynode.local/', 'http://localhost.example.com/', 'http://127.0.0.1.nip.io/',
    ]) {
      expect(isPrivateHost(host(url)), url).toBe(false);
    }
  });
});

describe('planFromCall', () => {
  const cookieSaved: StoredBackend = { kind: 'rpc', url: 'http://127.0.0.1:8332/', cookieFile: '/home/u/.bitcoin/.cookie' };

  it('never sets a cookie file, and keeps a saved one only for the same URL', () => {
    expectCode(() => planFromCall({ kind: 'rpc', url: 'http://127.0.0.1:8332/', cookieFile: '/etc/passwd' }, undefined), 'cookie-file-cli-only');
    expectCode(() => planFromCall({ kind: 'rpc', url: 'http://127.0.0.1:8332/', cookieFile: '/etc/passwd' }, cookieSaved), 'cookie-file-cli-only');
    expectCode(() => planFromCall({ kind: 'rpc', url: 'http://127.0.0.1:9999/', cookieFile: cookieSaved.cookieFile }, cookieSaved), 'cookie-file-cli-only');
    expect(planFromCall({ kind: 'rpc', url: 'http://127.0.0.1:8332', cookieFile: cookieSaved.cookieFile }, cookieSaved)).toEqual(cookieSaved);
    // Leaving the cookie out drops it (user and password instead).
    expect(planFromCall({ kind: 'rpc', url: 'http://127.0.0.1:8332/', user: 'alice', password: 'pw' }, cookieSaved)).toEqual({ kind: 'rpc', url: 'http://127.0.0.1:8332/', user: 'alice', newPassword: 'pw' });
  });

  it('keeps a saved password box only for the same URL and user', () => {
    const saved: StoredBackend = { kind: 'rpc', url: 'http://10.0.0.2:8332/', user: 'alice', passwordBox: 'sb1.x' };
    expect(planFromCall({ kind: 'rpc', url: 'http://10.0.0.2:8332/', user: 'alice' }, saved)).toEqual(saved);
    expect(planFromCall({ kind: 'rpc', url: 'http://10.0.0.2:8332/', user: 'alice', password: '' }, saved)).toEqual(saved);
    expect(planFromCall({ kind: 'rpc', url: 'http://10.0.0.2:8332/', user: 'bob' }, saved)).toEqual({ kind: 'rpc', url: 'http://10.0.0.2:8332/', user: 'bob' });
    expect(planFromCall({ kind: 'rpc', url: 'http://10.0.0.3:8332/', user: 'alice' }, saved)).toEqual({ kind: 'rpc', url: 'http://10.0.0.3:8332/', user: 'alice' });
  });

  it('keeps the peers of a light client, and compact filters\' relay choice only when it is off', () => {
    expect(planFromCall({ kind: 'spv', connect: ['127.0.0.1:18444'] }, undefined)).toEqual({ kind: 'spv', connect: ['127.0.0.1:18444'] });
    expect(planFromCall({ kind: 'filters', connect: ['127.0.0.1:18444'] }, undefined)).toEqual({ kind: 'filters', connect: ['127.0.0.1:18444'] });
    expect(planFromCall({ kind: 'filters', connect: [], relay: true }, undefined)).toEqual({ kind: 'filters', connect: [] });
    expect(planFromCall({ kind: 'filters', connect: [], relay: false }, undefined)).toEqual({ kind: 'filters', connect: [], relay: false });
  });

  it('asks for confirmation of a new public address, not of the saved one', () => {
    expectCode(() => planFromCall({ kind: 'rpc', url: 'https://node.example.com/' }, undefined), 'rpc-host-public');
    expect(planFromCall({ kind: 'rpc', url: 'https://node.example.com/', publicHostConfirmed: true }, undefined)).toEqual({ kind: 'rpc', url: 'https://node.example.com/' });
    expect(planFromCall({ kind: 'rpc', url: 'https://node.example.com/' }, { kind: 'rpc', url: 'https://node.example.com/' })).toEqual({ kind: 'rpc', url: 'https://node.example.com/' });
  });
});

describe('planFromCall: the light client behind a proxy', () => {
  const onion = 'vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd.onion:8333';
  it('keeps a socks5 proxy in its normal form, with onion peers', () => {
    expect(planFromCall({ kind: 'spv', connect: [onion], proxy: 'socks5://127.0.0.1:9050/' }, undefined)).toEqual({ kind: 'spv', connect: [onion], proxy: 'socks5://127.0.0.1:9050' });
    expect(planFromCall({ kind: 'spv', connect: [] }, undefined)).toEqual({ kind: 'spv', connect: [] });
  });
  it('refuses a proxy that is not socks5://HOST:PORT, and an onion peer without a proxy', () => {
    expectCode(() => planFromCall({ kind: 'spv', connect: [], proxy: 'http://127.0.0.1:9050' }, undefined), 'usage');
    expectCode(() => planFromCall({ kind: 'spv', connect: [onion] }, undefined), 'usage');
  });
});

describe('seed box', () => {
  const seed = Uint8Array.from({ length: 64 }, (_, i) => i);
  const purpose = 'rpc-password\nhttp://127.0.0.1:8332/\nalice';

  it('round-trips, hides the secret, and differs each time', () => {
    const a = sealWithSeed(seed, purpose, 'pässwörd');
    const b = sealWithSeed(seed, purpose, 'pässwörd');
    expect(a).not.toBe(b);
    expect(a).not.toContain('pässwörd');
    expect(openWithSeed(seed, purpose, a)).toBe('pässwörd');
  });

  it('opens with neither another seed nor another purpose (a box moved to another node); damage is keystore-corrupt', () => {
    const box = sealWithSeed(seed, purpose, 'secret');
    const other = seed.slice();
    other[0] = 99;
    expectCode(() => openWithSeed(other, purpose, box), 'keystore-corrupt');
    expectCode(() => openWithSeed(seed, 'rpc-password\nhttp://evil.example/\nalice', box), 'keystore-corrupt');
    for (const bad of ['', 'sb1.', 'sb1.!!!', 'sb2.' + box.slice(4), box.slice(0, -2), box.slice(0, 10), 'sb1.' + 'A'.repeat(20000)]) {
      expectCode(() => openWithSeed(seed, purpose, bad), 'keystore-corrupt');
    }
  });
});
