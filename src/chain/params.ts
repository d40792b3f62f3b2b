// Consensus and network parameters per network: genesis, proof-of-work rules, checkpoints, seeds.
//
// `test` is testnet4 (BIP94), the public test network Bitcoin Core ships since 28.0; testnet3
// is being retired.

import type { Network } from '../keys/networks.js';
import { hexToHash } from './bytes.js';
import checkpointData from './mainnet-checkpoints.json' with { type: 'json' };
import { targetToBits } from './pow.js';

export interface Checkpoint {
  height: number;
  /** Internal byte order. */
  hash: Uint8Array;
  /** nBits of the period that starts at height + 1 (checkpoints sit at period ends). */
  nextBits: number;
}

export interface ChainParams {
  network: Network;
  /** Message start as a little-endian u32 (the wire bytes read as one number). */
  magic: number;
  port: number;
  genesis: Uint8Array;
  powLimitBits: number;
  powLimit: bigint;
  interval: number;
  targetTimespan: number;
  targetSpacing: number;
  /** Testnet rule: a block more than 20 minutes after its parent may use the minimum difficulty. */
  allowMinDifficulty: boolean;
  /** Regtest: difficulty never changes. */
  noRetargeting: boolean;
  /** BIP94 (testnet4): retarget from the period's first block, and no time warp at period starts. */
  bip94: boolean;
  /** Heights from which header versions below 2, 3, 4 are invalid (BIP34, BIP66, BIP65). */
  versionHeights: [number, number, number];
  /** DNS seeds, asked for `x<services>.<seed>` (see p2p/seeds.ts). */
  dnsSeeds: string[];
  /**
   * Fixed fallback seeds (host:port), used only when no DNS seed answers: a few nodes of distinct
   * networks from Bitcoin Core's contrib/seeds lists (2025); some will have gone, any one is enough.
   */
  fixedSeeds: string[];
  checkpoints: Checkpoint[];
}

function header(version: number, merkleRootHex: string, time: number, bits: number, nonce: number): Uint8Array {
  const h = new Uint8Array(80);
  const v = new DataView(h.buffer);
  v.setUint32(0, version, true);
  h.set(hexToHash(merkleRootHex) ?? new Uint8Array(32), 36);
  v.setUint32(68, time, true);
  v.setUint32(72, bits, true);
  v.setUint32(76, nonce, true);
  return h;
}

const SATOSHI_MERKLE = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';

const MAINNET_CHECKPOINTS: Checkpoint[] = (checkpointData.checkpoints as { height: number; hash: string; nextTarget: string }[]).map(
  (c) => ({ height: c.height, hash: hexToHash(c.hash) ?? new Uint8Array(32), nextBits: targetToBits(BigInt(`0x${c.nextTarget}`)) }),
);

const COMMON = { interval: 2016, targetTimespan: 14 * 24 * 60 * 60, targetSpacing: 600 };

const PARAMS: Record<Network, ChainParams> = {
  main: {
    ...COMMON,
    network: 'main',
    magic: 0xd9b4bef9,
    port: 8333,
    genesis: header(1, SATOSHI_MERKLE, 1231006505, 0x1d00ffff, 2083236893),
    powLimitBits: 0x1d00ffff,
    powLimit: 0x00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
    allowMinDifficulty: false,
    noRetargeting: false,
    bip94: false,
    versionHeights: [227931, 363725, 388381],
    dnsSeeds: [
      'seed.bitcoin.sipa.be',
      'dnsseed.bluematt.me',
      'seed.bitcoin.jonasschnelli.ch',
      'seed.btc.petertodd.net',
      'seed.bitcoin.sprovoost.nl',
      'dnsseed.emzy.de',
      'seed.bitcoin.wiz.biz',
      'seed.mainnet.achownodes.xyz',
    ],
    fixedSeeds: [
      '184.105.131.181:8333', '185.8.106.179:8333', '192.3.11.20:8333', '195.154.172.177:8333', '203.11.72.118:8333',
      '209.141.37.57:8333', '212.51.129.60:8333', '217.20.131.64:8333', '[2001:41d0:203:52c2::]:8333', '[2600:3c00::f03c:92ff:fe92:2745]:8333',
    ],
    checkpoints: MAINNET_CHECKPOINTS,
  },
  test: {
    ...COMMON,
    network: 'test',
    magic: 0x283f161c,
    port: 48333,
    genesis: header(1, '7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e', 1714777860, 0x1d00ffff, 393743547),
    powLimitBits: 0x1d00ffff,
    powLimit: 0x00000000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
    allowMinDifficulty: true,
    noRetargeting: false,
    bip94: true,
    versionHeights: [1, 1, 1],
    dnsSeeds: ['seed.testnet4.bitcoin.sprovoost.nl', 'seed.testnet4.wiz.biz'],
    fixedSeeds: [
      '2.59.134.244:48333', '51.158.61.33:48333', '65.108.143.22:48333', '89.58.9.219:48333', '104.237.131.138:48333',
      '158.69.118.2:48333', '[2a01:4f8:121:4072::2]:48333', '[2600:3c00::f03c:91ff:fe5b:4cf3]:48333',
    ],
    checkpoints: [],
  },
  signet: {
    ...COMMON,
    network: 'signet',
    magic: 0x40cf030a,
    port: 38333,
    genesis: header(1, SATOSHI_MERKLE, 1598918400, 0x1e0377ae, 52613770),
    powLimitBits: 0x1e0377ae,
    powLimit: 0x00000377ae000000000000000000000000000000000000000000000000000000n,
    allowMinDifficulty: false,
    noRetargeting: false,
    bip94: false,
    versionHeights: [1, 1, 1],
    dnsSeeds: ['seed.signet.bitcoin.sprovoost.nl', 'seed.signet.achownodes.xyz'],
    fixedSeeds: [
      '34.135.189.101:38333', '37.120.177.204:38333', '49.13.117.253:38333', '51.79.229.113:38333', '159.203.133.144:38333',
      '176.9.62.27:38333', '[2a01:4f8:13a:c56::2]:38333', '[2604:a880:4:1d0::352:6000]:38333',
    ],
    checkpoints: [],
  },
  regtest: {
    ...COMMON,
    network: 'regtest',
    magic: 0xdab5bffa,
    port: 18444,
    genesis: header(1, SATOSHI_MERKLE, 1296688602, 0x207fffff, 2),
    powLimitBits: 0x207fffff,
    powLimit: 0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffn,
    allowMinDifficulty: true,
    noRetargeting: true,
    bip94: false,
    versionHeights: [1, 1, 1],
    dnsSeeds: [],
    fixedSeeds: [],
    checkpoints: [],
  },
};

export function chainParams(network: Network): ChainParams {
  return PARAMS[network];
}

export function lastCheckpoint(p: ChainParams): Checkpoint | undefined {
  return p.checkpoints.at(-1);
}

/** The checkpoint at exactly this height, if any. */
export function checkpointAt(p: ChainParams, height: number): Checkpoint | undefined {
  if (p.checkpoints.length === 0) return undefined;
  const first = p.checkpoints[0]!;
  const i = (height - first.height) / p.interval;
  const c = Number.isInteger(i) ? p.checkpoints[i] : undefined;
  return c && c.height === height ? c : undefined;
}
