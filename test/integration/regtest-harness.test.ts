// Proves the regtest harness: real bcoin nodes on 127.0.0.1 that mine, pay, relay, partition, reorg and shut down cleanly.

import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { p2pkh, p2wpkh, Transaction } from '@scure/btc-signer';
import {
  CORE_REGTEST,
  FUNDED_HEIGHT,
  SEGWIT_HEIGHT,
  startNode,
  waitForSameTip,
  type RegtestNode,
} from '../helpers/regtest.js';

const MAGIC = Buffer.from([0xfa, 0xbf, 0xb5, 0xda]); // regtest 0xdab5bffa, little-endian on the wire

function sha256d(b: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(b).digest()).digest();
}

function freshKey(): { wpkh: ReturnType<typeof p2wpkh>; pkh: ReturnType<typeof p2pkh> } {
  const pub = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true);
  return { wpkh: p2wpkh(pub, CORE_REGTEST), pkh: p2pkh(pub, CORE_REGTEST) };
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Outputs of a raw tx as script hex -> amount. */
function outputsOf(rawHex: string): Map<string, bigint> {
  const tx = Transaction.fromRaw(Buffer.from(rawHex, 'hex'), { allowUnknownOutputs: true });
  const out = new Map<string, bigint>();
  for (let i = 0; i < tx.outputsLength; i++) {
    const o = tx.getOutput(i);
    if (o.script && o.amount !== undefined) out.set(hex(o.script), o.amount);
  }
  return out;
}

/** A `version` message written out field by field. */
function versionMessage(port: number): Buffer {
  const netAddr = (p: number): Buffer => {
    const b = Buffer.alloc(26);
    b.writeBigUInt64LE(0n, 0); // services
    Buffer.from('00000000000000000000ffff7f000001', 'hex').copy(b, 8); // ::ffff:127.0.0.1
    b.writeUInt16BE(p, 24);
    return b;
  };
  const agent = Buffer.from('/coffer-harness-test:0/', 'ascii');
  const head = Buffer.alloc(20);
  head.writeInt32LE(70016, 0); // protocol version
  head.writeBigUInt64LE(0n, 4); // services: none
  head.writeBigInt64LE(BigInt(Math.floor(Date.now() / 1000)), 12);
  const tail = Buffer.alloc(5);
  tail.writeInt32LE(0, 0); // start height
  tail.writeUInt8(1, 4); // relay
  const payload = Buffer.concat([head, netAddr(port), netAddr(0), randomBytes(8), Buffer.from([agent.length]), agent, tail]);
  return frame('version', payload);
}

function frame(command: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(24);
  MAGIC.copy(header, 0);
  header.write(command, 4, 'ascii'); // rest of the 12 bytes stays NUL
  header.writeUInt32LE(payload.length, 16);
  sha256d(payload).copy(header, 20, 0, 4);
  return Buffer.concat([header, payload]);
}

interface Message {
  command: string;
  payload: Buffer;
}

/** Connect, say version, and collect messages until version and verack have both arrived. */
function handshake(port: number): Promise<Message[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const got: Message[] = [];
    let buf = Buffer.alloc(0);
    let finished = false;
    const timer = setTimeout(() => done(new Error(`no handshake; got ${got.map((m) => m.command).join(',')}`)), 5000);
    const done = (err?: Error): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      sock.once('close', () => (err ? reject(err) : resolve(got)));
    };
    sock.on('error', (err) => done(err));
    sock.on('connect', () => sock.write(versionMessage(port)));
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 24) {
        if (!buf.subarray(0, 4).equals(MAGIC)) return done(new Error('bad magic'));
        const len = buf.readUInt32LE(16);
        if (buf.length < 24 + len) break;
        const command = buf.toString('ascii', 4, 16).replace(/\0+$/, '');
        const payload = buf.subarray(24, 24 + len);
        if (!sha256d(payload).subarray(0, 4).equals(buf.subarray(20, 24))) return done(new Error('bad checksum'));
        got.push({ command, payload });
        buf = buf.subarray(24 + len);
        if (command === 'version') sock.write(frame('verack', Buffer.alloc(0)));
      }
      const seen = new Set(got.map((m) => m.command));
      if (seen.has('version') && seen.has('verack')) done();
    });
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let connected = false;
    sock.once('connect', () => {
      connected = true;
      sock.destroy();
    });
    sock.once('error', () => {});
    sock.once('close', () => resolve(!connected));
  });
}

/** Sockets, servers and timers alive in this process (a hook or test has its own timeout timer). */
function liveHandles(): number {
  const kinds = new Set(['TCPServerWrap', 'TCPSocketWrap', 'Timeout']);
  return process.getActiveResourcesInfo().filter((r) => kinds.has(r)).length;
}

describe('regtest harness', () => {
  let a: RegtestNode;
  let b: RegtestNode;
  let handlesBefore = 0;

  beforeAll(async () => {
    handlesBefore = liveHandles();
    [a, b] = await Promise.all([startNode(), startNode()]);
  });

  // Every test file must do this (close() is idempotent, so a test may also close early).
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('listens on 127.0.0.1 and answers a hand-written version message', async () => {
    expect(a.host).toBe('127.0.0.1');
    expect(a.address).toBe(`127.0.0.1:${a.port}`);
    expect(a.port).not.toBe(b.port);

    const msgs = await handshake(a.port);
    const version = msgs.find((m) => m.command === 'version');
    expect(version).toBeDefined();
    expect(msgs.map((m) => m.command)).toContain('verack');
    const v = version!.payload;
    expect(v.readInt32LE(0)).toBeGreaterThanOrEqual(70015);
    const services = v.readBigUInt64LE(4);
    expect(services & 1n).toBe(1n); // NODE_NETWORK
    expect(services & 4n).toBe(4n); // NODE_BLOOM, because bip37 defaults on
    expect(services & 8n).toBe(8n); // NODE_WITNESS
    expect(a.isBanned()).toBe(false);
    // The harness's own peers are only the ones it was asked for.
    expect(a.peers().filter((p) => p.handshake && !p.inbound)).toEqual([]);

    // bcoin's HTTP JSON-RPC also listens on 127.0.0.1, behind the API key.
    const url = `http://127.0.0.1:${a.httpPort}/`;
    const body = JSON.stringify({ method: 'getblockcount', params: [], id: 1 });
    const denied = await fetch(url, { method: 'POST', body });
    expect(denied.status).toBe(401);
    const auth = `Basic ${Buffer.from(`coffer:${a.apiKey}`).toString('base64')}`;
    const ok = await fetch(url, { method: 'POST', body, headers: { authorization: auth } });
    expect(((await ok.json()) as { result: unknown }).result).toBe(a.tipHeight());
  });

  it('mines fast, funds past segwit activation and pays a fresh bech32 address', async () => {
    const t0 = performance.now();
    await a.fund();
    const fundMs = performance.now() - t0;
    expect(a.tipHeight()).toBeGreaterThanOrEqual(FUNDED_HEIGHT);
    expect(await a.balance()).toBeGreaterThan(0);
    const info = (await a.rpc('getblockchaininfo')) as { bip9_softforks: Record<string, { status: string }> };
    expect(info.bip9_softforks['segwit']?.status).toBe('active');
    expect(FUNDED_HEIGHT).toBeGreaterThan(SEGWIT_HEIGHT + 100);

    const hashes = await a.getBlockHashes(1, 3);
    expect(hashes).toHaveLength(3);
    expect(await a.getBlockHash(a.tipHeight())).toBe(a.tipHash());
    expect(a.tipHash()).toMatch(/^[0-9a-f]{64}$/);

    const { wpkh, pkh } = freshKey();
    expect(wpkh.address).toMatch(/^bcrt1q/);
    const txid = await a.send(wpkh.address!, 123_456);
    expect(a.mempool()).toContain(txid);
    expect(outputsOf(await a.getRawTransaction(txid)).get(hex(wpkh.script))).toBe(123_456n);

    // Several outputs, bech32 and legacy, in one tx.
    const other = freshKey();
    const many = await a.sendMany([
      { address: other.wpkh.address!, sats: 10_000 },
      { address: pkh.address!, sats: 20_000 },
    ]);
    expect(many).not.toBe(txid);
    const manyOuts = outputsOf(await a.getRawTransaction(many));
    expect(manyOuts.get(hex(other.wpkh.script))).toBe(10_000n);
    expect(manyOuts.get(hex(pkh.script))).toBe(20_000n);

    const [block] = await a.mine(1);
    expect(block).toBe(a.tipHash());
    expect(a.mempool()).toEqual([]);
    // Confirmed: the block holds both txs, and Core-style proofs come back for them.
    const rawBlock = await a.getBlock(block!);
    expect(rawBlock).toContain(await a.getRawTransaction(txid));
    const proof = Buffer.from(await a.gettxoutproof([txid, many]), 'hex');
    expect(sha256d(proof.subarray(0, 80)).reverse().toString('hex')).toBe(block);
    expect(proof.includes(Buffer.from(txid, 'hex').reverse())).toBe(true);
    expect(outputsOf(await a.getRawTransaction(txid)).get(hex(wpkh.script))).toBe(123_456n);

    // Mining to an address the harness did not make (a P2WPKH script): throughput figure for the log.
    const n = 500;
    const t1 = performance.now();
    await a.mine(n, other.wpkh.address!);
    const mineMs = performance.now() - t1;
    console.log(`regtest: fund() ${fundMs.toFixed(0)} ms; mine ${n} blocks: ${((n * 1000) / mineMs).toFixed(0)} blocks/s`);
    const coinbase = await a.rpc('getblock', [a.tipHash(), true, true]);
    expect(JSON.stringify(coinbase)).toContain(hex(other.wpkh.script));
  });

  it('syncs two nodes, relays txs, partitions them, and reorgs to the longer branch', async () => {
    await a.connect(b);
    await waitForSameTip([a, b], 30_000);
    expect(b.tipHeight()).toBe(a.tipHeight());
    expect(a.peers().some((p) => p.address === b.address && !p.inbound && p.handshake)).toBe(true);
    expect(b.peers().some((p) => p.inbound && p.handshake)).toBe(true);

    // send() resolves once the connected node has the tx; mine() once it has the block.
    const { wpkh } = freshKey();
    const txid = await a.send(wpkh.address!, 50_000);
    expect(b.mempool()).toContain(txid);
    const [mined] = await a.mine(1);
    await waitForSameTip([a, b]);
    expect(b.tipHash()).toBe(mined);
    expect(b.mempool()).toEqual([]);

    // Partition and mine competing branches: 2 blocks on a, 3 on b.
    await a.disconnect(b);
    expect(a.peers()).toEqual([]);
    expect(b.peers()).toEqual([]);
    const forkHeight = a.tipHeight();
    const branchA = await a.mine(2);
    const branchB = await b.mine(3);
    expect(a.tipHash()).toBe(branchA[1]);
    expect(b.tipHash()).toBe(branchB[2]);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.peers()).toEqual([]); // nothing reconnects behind the harness's back

    // Reconnect (this time from b): the more-work branch wins on both nodes.
    await b.connect(a);
    await waitForSameTip([a, b]);
    expect(a.tipHash()).toBe(branchB[2]);
    expect(a.tipHeight()).toBe(forkHeight + 3);
    expect(await a.getBlockHashes(forkHeight + 1, forkHeight + 3)).toEqual(branchB);

    // And the other way round: a outgrows b's branch and b follows.
    await a.disconnect(b);
    await b.mine(1);
    const longer = await a.mine(3, wpkh.address!);
    await a.connect(b);
    await waitForSameTip([a, b]);
    expect(b.tipHash()).toBe(longer[2]);

    // invalidate() rewinds to the parent.
    await a.disconnect(b);
    const h = a.tipHeight();
    await a.invalidate(a.tipHash());
    expect(a.tipHeight()).toBe(h - 1);
    expect(a.tipHash()).toBe(longer[1]);
  });

  it('close() is idempotent and leaves no sockets or timers behind', async () => {
    const c = await startNode({ bip37: false });
    await c.connect(a);
    const ports = [a.port, a.httpPort, b.port, b.httpPort, c.port, c.httpPort];
    await Promise.all([a.close(), b.close(), c.close(), a.close()]);
    expect(liveHandles(), process.getActiveResourcesInfo().join(',')).toBeLessThanOrEqual(handlesBefore);
    await c.close();
    expect([a.closed, b.closed, c.closed]).toEqual([true, true, true]);
    expect(() => a.tipHeight()).toThrow(/closed/);
    await expect(a.mine(1)).rejects.toThrow(/closed/);
    for (const port of ports) expect(await refused(port)).toBe(true);
  });
});
