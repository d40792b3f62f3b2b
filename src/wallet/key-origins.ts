// Key origins of the wallet's scripts (fingerprint, BIP32 path, public key, script type), from the
// accounts' public descriptors alone: what a plan puts on its inputs and change for signers.

import { accountPath, type ScriptKind } from '../keys/accounts.js';
import { parseDescriptor, ScriptDeriver } from '../keys/descriptors.js';
import type { Network } from '../keys/networks.js';
import { fingerprintNumber, type KeyOrigin } from './psbt-builder.js';
import type { KeyPath } from './psbt-review.js';
import type { ScriptOwner } from './wallet-state.js';

/** What the planner needs of an account: its id, script type, number, fingerprint and descriptors. */
export interface AccountKeys {
  id: number;
  script: ScriptKind;
  account: number;
  fingerprint: string;
  externalDesc: string;
  internalDesc: string;
}

/** Derives key origins for the wallet's scripts; public keys only for the scripts asked about. */
export class KeyOrigins {
  private readonly accounts = new Map<number, AccountKeys>();
  private readonly derivers = new Map<string, ScriptDeriver>();

  constructor(
    accounts: readonly AccountKeys[],
    private readonly network: Network,
  ) {
    for (const a of accounts) this.accounts.set(a.id, a);
  }

  /** The master fingerprint of the wallet's accounts (btc-signer's number form). */
  get fingerprint(): number {
    const a = this.accounts.values().next().value;
    if (!a) throw new Error('the wallet has no accounts');
    return fingerprintNumber(a.fingerprint);
  }

  private account(owner: ScriptOwner): AccountKeys {
    const a = this.accounts.get(owner.accountId);
    if (!a) throw new Error(`unknown account ${owner.accountId}`);
    return a;
  }

  kindOf(owner: ScriptOwner): ScriptKind {
    return this.account(owner).script;
  }

  /** Where the key of one of the wallet's scripts sits, without deriving it. */
  path(owner: ScriptOwner): KeyPath {
    const a = this.account(owner);
    return { fingerprint: fingerprintNumber(a.fingerprint), path: [...accountPath(a.script, this.network, a.account), owner.chain, owner.index], kind: a.script };
  }

  origin(owner: ScriptOwner): KeyOrigin {
    const a = this.account(owner);
    const key = `${a.id}/${owner.chain}`;
    let d = this.derivers.get(key);
    if (!d) {
      d = new ScriptDeriver(parseDescriptor(owner.chain === 0 ? a.externalDesc : a.internalDesc, this.network), this.network);
      this.derivers.set(key, d);
    }
    const { fingerprint, path, kind } = this.path(owner);
    return { fingerprint, path, pubkey: d.pubkeyAt(owner.index), kind };
  }
}
