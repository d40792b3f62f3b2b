// BIP324's packet encoding vectors, every row: ECDH, derived keys, session id and the ciphertext.

import { describe, expect, it } from 'vitest';
import { hex } from '@scure/base';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ellswiftDecode, ellswiftEcdhXonly, v2Ecdh } from '../../src/p2p/ellswift.js';
import { deriveKeys, expandSecret, sealPacket } from '../../src/p2p/v2-cipher.js';
import { loadVectors } from '../helpers/vectors.js';

type Row = Record<string, string>;
const ROWS = loadVectors<{ packet_encoding: Row[] }>('bip324_vectors.json').packet_encoding;
/** The vectors are for mainnet. */
const MAINNET = 0xd9b4bef9;

function repeat(part: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(part.length * times);
  for (let i = 0; i < times; i++) out.set(part, i * part.length);
  return out;
}

describe('BIP324 packet encoding vectors', () => {
  it.each(ROWS)('row with $in_idx packets before, initiating=$in_initiating', (row) => {
    const priv = hex.decode(row['in_priv_ours']!);
    const ours = hex.decode(row['in_ellswift_ours']!);
    const theirs = hex.decode(row['in_ellswift_theirs']!);
    const initiating = row['in_initiating'] === '1';
    expect(hex.encode(secp256k1.getPublicKey(priv, true).subarray(1))).toBe(row['mid_x_ours']);
    expect(hex.encode(ellswiftDecode(ours))).toBe(row['mid_x_ours']);
    expect(hex.encode(ellswiftDecode(theirs))).toBe(row['mid_x_theirs']);
    expect(hex.encode(ellswiftEcdhXonly(theirs, priv))).toBe(row['mid_x_shared']);
    const secret = v2Ecdh(priv, theirs, ours, initiating);
    expect(hex.encode(secret)).toBe(row['mid_shared_secret']);

    const raw = expandSecret(secret, MAINNET);
    expect(hex.encode(raw.initiatorL)).toBe(row['mid_initiator_l']);
    expect(hex.encode(raw.initiatorP)).toBe(row['mid_initiator_p']);
    expect(hex.encode(raw.responderL)).toBe(row['mid_responder_l']);
    expect(hex.encode(raw.responderP)).toBe(row['mid_responder_p']);
    expect(hex.encode(raw.sessionId)).toBe(row['out_session_id']);

    const keys = deriveKeys(secret, MAINNET, initiating);
    expect(secret.every((b) => b === 0)).toBe(true);
    expect(hex.encode(keys.sendTerminator)).toBe(row['mid_send_garbage_terminator']);
    expect(hex.encode(keys.recvTerminator)).toBe(row['mid_recv_garbage_terminator']);
    expect(hex.encode(keys.sessionId)).toBe(row['out_session_id']);

    for (let i = 0; i < Number(row['in_idx']); i++) sealPacket(keys, new Uint8Array(0));
    const contents = repeat(hex.decode(row['in_contents']!), Number(row['in_multiply']));
    const packet = sealPacket(keys, contents, hex.decode(row['in_aad']!), row['in_ignore'] === '1');
    const out = hex.encode(packet);
    if (row['out_ciphertext']) expect(out).toBe(row['out_ciphertext']);
    if (row['out_ciphertext_endswith']) expect(out.endsWith(row['out_ciphertext_endswith']!)).toBe(true);
    expect(packet.length).toBe(contents.length + 20);
  });
});
