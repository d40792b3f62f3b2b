// Per-network key and address parameters: BIP32 versions, address prefixes, BIP44 coin type.

export const NETWORKS = ['main', 'test', 'signet', 'regtest'] as const;
export type Network = (typeof NETWORKS)[number];

export interface KeyParams {
  /** BIP32 serialization versions (xpub/xprv on main, tpub/tprv elsewhere). */
  bip32: { public: number; private: number };
  /** Address parameters in the shape @scure/btc-signer expects. */
  address: { bech32: string; pubKeyHash: number; scriptHash: number; wif: number };
  /** BIP44 coin type: 0 on main, 1 on every test network. */
  coinType: number;
}

const MAIN_BIP32 = { public: 0x0488b21e, private: 0x0488ade4 };
const TEST_BIP32 = { public: 0x043587cf, private: 0x04358394 };

const PARAMS: Record<Network, KeyParams> = {
  main: {
    bip32: MAIN_BIP32,
    address: { bech32: 'bc', pubKeyHash: 0x00, scriptHash: 0x05, wif: 0x80 },
    coinType: 0,
  },
  test: {
    bip32: TEST_BIP32,
    address: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
    coinType: 1,
  },
  signet: {
    bip32: TEST_BIP32,
    address: { bech32: 'tb', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
    coinType: 1,
  },
  regtest: {
    bip32: TEST_BIP32,
    address: { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef },
    coinType: 1,
  },
};

export function keyParams(network: Network): KeyParams {
  return PARAMS[network];
}

export function isNetwork(s: string): s is Network {
  return (NETWORKS as readonly string[]).includes(s);
}
