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

/**
 * The name of an LDK enum variant (a subclass), told by `instanceof`: a constructor's name is
 * not part of the bindings' API and does not survive minifying. (Function: their constructors are protected.)
 */
function variantName(value: unknown, variants: ReadonlyArray<readonly [Function, string]>): string {
  for (const [cls, name] of variants) if (value instanceof cls) return name;
  return 'Unknown';
}

const API_ERRORS = [
  [ldk.APIError_APIMisuseError, 'APIMisuseError'],
  [ldk.APIError_FeeRateTooHigh, 'FeeRateTooHigh'],
  [ldk.APIError_InvalidRoute, 'InvalidRoute'],
  [ldk.APIError_ChannelUnavailable, 'ChannelUnavailable'],
  [ldk.APIError_MonitorUpdateInProgress, 'MonitorUpdateInProgress'],
  [ldk.APIError_IncompatibleShutdownScript, 'IncompatibleShutdownScript'],
] as const;

/** What an LDK API error says, for a typed Coffer error. */
export function apiErrorText(e: ldk.APIError): string {
  const err = (e as unknown as { err?: unknown }).err;
  return typeof err === 'string' ? err : variantName(e, API_ERRORS);
}

const CLOSURE_REASONS = [
  [ldk.ClosureReason_CounterpartyForceClosed, 'CounterpartyForceClosed'],
  [ldk.ClosureReason_HolderForceClosed, 'HolderForceClosed'],
  [ldk.ClosureReason_LegacyCooperativeClosure, 'LegacyCooperativeClosure'],
  [ldk.ClosureReason_CounterpartyInitiatedCooperativeClosure, 'CounterpartyInitiatedCooperativeClosure'],
  [ldk.ClosureReason_LocallyInitiatedCooperativeClosure, 'LocallyInitiatedCooperativeClosure'],
  [ldk.ClosureReason_CommitmentTxConfirmed, 'CommitmentTxConfirmed'],
  [ldk.ClosureReason_FundingTimedOut, 'FundingTimedOut'],
  [ldk.ClosureReason_ProcessingError, 'ProcessingError'],
  [ldk.ClosureReason_DisconnectedPeer, 'DisconnectedPeer'],
  [ldk.ClosureReason_OutdatedChannelManager, 'OutdatedChannelManager'],
  [ldk.ClosureReason_CounterpartyCoopClosedUnfundedChannel, 'CounterpartyCoopClosedUnfundedChannel'],
  [ldk.ClosureReason_FundingBatchClosure, 'FundingBatchClosure'],
  [ldk.ClosureReason_HTLCsTimedOut, 'HTLCsTimedOut'],
  [ldk.ClosureReason_PeerFeerateTooLow, 'PeerFeerateTooLow'],
] as const;

/** Why a channel closed, as stored in `chan_closes` (the variant's name: `HolderForceClosed`, ...). */
export function closureReasonName(r: ldk.ClosureReason): string {
  return variantName(r, CLOSURE_REASONS);
}

const HTLC_DESTINATIONS = [
  [ldk.HTLCDestination_NextHopChannel, 'NextHopChannel'],
  [ldk.HTLCDestination_UnknownNextHop, 'UnknownNextHop'],
  [ldk.HTLCDestination_InvalidForward, 'InvalidForward'],
  [ldk.HTLCDestination_InvalidOnion, 'InvalidOnion'],
  [ldk.HTLCDestination_FailedPayment, 'FailedPayment'],
] as const;

export function htlcDestinationName(d: ldk.HTLCDestination): string {
  return variantName(d, HTLC_DESTINATIONS);
}

const EVENTS = [
  [ldk.Event_FundingGenerationReady, 'Event_FundingGenerationReady'],
  [ldk.Event_FundingTxBroadcastSafe, 'Event_FundingTxBroadcastSafe'],
  [ldk.Event_PaymentClaimable, 'Event_PaymentClaimable'],
  [ldk.Event_PaymentClaimed, 'Event_PaymentClaimed'],
  [ldk.Event_ConnectionNeeded, 'Event_ConnectionNeeded'],
  [ldk.Event_InvoiceReceived, 'Event_InvoiceReceived'],
  [ldk.Event_PaymentSent, 'Event_PaymentSent'],
  [ldk.Event_PaymentFailed, 'Event_PaymentFailed'],
  [ldk.Event_PaymentPathSuccessful, 'Event_PaymentPathSuccessful'],
  [ldk.Event_PaymentPathFailed, 'Event_PaymentPathFailed'],
  [ldk.Event_ProbeSuccessful, 'Event_ProbeSuccessful'],
  [ldk.Event_ProbeFailed, 'Event_ProbeFailed'],
  [ldk.Event_PendingHTLCsForwardable, 'Event_PendingHTLCsForwardable'],
  [ldk.Event_HTLCIntercepted, 'Event_HTLCIntercepted'],
  [ldk.Event_SpendableOutputs, 'Event_SpendableOutputs'],
  [ldk.Event_PaymentForwarded, 'Event_PaymentForwarded'],
  [ldk.Event_ChannelPending, 'Event_ChannelPending'],
  [ldk.Event_ChannelReady, 'Event_ChannelReady'],
  [ldk.Event_ChannelClosed, 'Event_ChannelClosed'],
  [ldk.Event_DiscardFunding, 'Event_DiscardFunding'],
  [ldk.Event_OpenChannelRequest, 'Event_OpenChannelRequest'],
  [ldk.Event_HTLCHandlingFailed, 'Event_HTLCHandlingFailed'],
  [ldk.Event_BumpTransaction, 'Event_BumpTransaction'],
  [ldk.Event_OnionMessageIntercepted, 'Event_OnionMessageIntercepted'],
  [ldk.Event_OnionMessagePeerConnected, 'Event_OnionMessagePeerConnected'],
] as const;

/** An event's kind for the log (`Event_ChannelClosed`, ...). */
export function eventName(e: ldk.Event): string {
  return variantName(e, EVENTS);
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
