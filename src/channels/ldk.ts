// Loading LDK (rust-lightning compiled to WASM) once per process, and small conversions between
// its types and Coffer's.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import * as ldk from 'lightningdevkit';
import type { Network } from '../keys/networks.js';
import { hex as hexCodec } from '@scure/base';
import { hashToHex } from '../chain/bytes.js';

let loading: Promise<void> | undefined;

/** Instantiate the WASM module (about 10 MB); later calls share the first. */
export function loadLdk(): Promise<void> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasm = fs.readFileSync(require.resolve('lightningdevkit/liblightningjs.wasm'));
    // The bindings print a banner (dropped) and anything the WASM writes to a file descriptor (a
    // Rust panic's message) with console.log; stdout carries the CLI's JSON, so those go to stderr.
    const print = console.log.bind(console);
    console.log = (...args: unknown[]) => {
      const first = args[0];
      if (typeof first === 'string' && first.startsWith('Loaded LDK')) return;
      if (typeof first === 'string' && (first.startsWith('[fd ') || first.startsWith('wasi_snapshot'))) {
        process.stderr.write(`${args.map(String).join(' ')}\n`);
      } else print(...args);
    };
    await ldk.initializeWasmFromBinary(wasm);
  })();
  return loading;
}

export function ldkNetwork(n: Network): ldk.Network {
  switch (n) {
    case 'main':
      return ldk.Network.LDKNetwork_Bitcoin;
    case 'test':
      return ldk.Network.LDKNetwork_Testnet;
    case 'signet':
      return ldk.Network.LDKNetwork_Signet;
    case 'regtest':
      return ldk.Network.LDKNetwork_Regtest;
  }
}

export function ldkCurrency(n: Network): ldk.Currency {
  switch (n) {
    case 'main':
      return ldk.Currency.LDKCurrency_Bitcoin;
    case 'test':
      return ldk.Currency.LDKCurrency_BitcoinTestnet;
    case 'signet':
      return ldk.Currency.LDKCurrency_Signet;
    case 'regtest':
      return ldk.Currency.LDKCurrency_Regtest;
  }
}

/** What an LDK API error says, for a typed Coffer error. */
export function apiErrorText(e: ldk.APIError): string {
  const err = (e as unknown as { err?: unknown }).err;
  return typeof err === 'string' ? err : e.constructor.name.replace(/^APIError_/, '');
}

export function optionU64(o: ldk.Option_u64Z): bigint | undefined {
  return o instanceof ldk.Option_u64Z_Some ? o.some : undefined;
}

export function optionU32(o: ldk.Option_u32Z): number | undefined {
  return o instanceof ldk.Option_u32Z_Some ? o.some : undefined;
}

export function option32Bytes(o: ldk.Option_ThirtyTwoBytesZ): Uint8Array | undefined {
  return o instanceof ldk.Option_ThirtyTwoBytesZ_Some ? o.some : undefined;
}

/** LDK's 32-byte ids (channel ids, payment hashes, node ids) in hex as they are, not reversed. */
export const hex = (b: Uint8Array): string => hexCodec.encode(b);

/** A funding outpoint as Coffer prints it: txid (display order) and output index. */
export function outpointText(o: ldk.OutPoint): string {
  return `${hashToHex(o.get_txid())}:${o.get_index()}`;
}
