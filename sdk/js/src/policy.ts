// The peer policy's byte-level interface (client/handshake/src/abi.rs): the rules themselves run
// in the wasm module (`HandshakeVerifier`), compiled from the Rust crate the Rust client runs.
// This file only encodes the operations' arguments and decodes their results; a ledger stays
// opaque bytes. docs/vectors/policy-v1.json pins every operation (test/policy.test.js).
import { bytesOf } from './hex.js';
import { compact, concat, Reader, uintLE } from './scale.js';

/** The operations of `mpool_policy`, by number (abi::op). */
export const OP = {
  OPEN: 1,
  OBSERVE: 2,
  ACCEPT: 3,
  SETTLED: 4,
  SETTLE_NOW: 5,
  STATUS: 6,
  TIP: 7,
  TX_PER_BLOCK: 8,
  PROMISE: 9,
  DEFAULT_LIMITS: 10,
  LEGACY: 11,
} as const;

/** What a peer requires (docs/security.md says why each default is what it is). */
export interface Limits {
  /** Most blocks a view may lag behind the peer's head when a pool is admitted. */
  maxAge: number;
  /** The peer stops serving this many blocks before expiry, and settles. */
  settleMargin: number;
  /** Blocks of serving a new pool must leave before that. */
  minServingBlocks: number;
  /** Least margin `C − D`, in parts per million of `D`. */
  minMarginPpm: number;
  /** Most left unsettled per pool; `null`: the pool's margin `C − D`. Never above the deposit relied on. */
  exposureCap: bigint | null;
  /** Share of the cap (ppm) accepted on a viewer's bundle alone, before the peer read the pool itself. */
  unconfirmedPpm: number;
  /** Share of the cap (ppm) at which the peer settles. */
  settleAtPpm: number;
  /** Blocks before the settlement deadline from which a settlement tips. */
  tipBlocks: number;
}

/** Where a view of a pool came from: a viewer's bundle, or the peer's own chain (node or light client). */
export type Source = 'bundle' | 'chain';

/** Why the policy says to settle now. */
export type SettleReason = 'Exposure' | 'Deadline' | 'PoolEnded';
const REASONS: SettleReason[] = ['Exposure', 'Deadline', 'PoolEnded'];

/** The raw values proven at one trusted block: a bundle's, or a storage read's. */
export interface RawView {
  poolId: bigint;
  block: number;
  /** `Pools[poolId]`'s SCALE bytes; `null` if the pool does not exist. */
  pool: Uint8Array | null;
  /** The peer's `Paid` record's SCALE bytes; `null` if it was never paid. */
  paid: Uint8Array | null;
}

/** A voucher the policy accepted. */
export interface Accepted {
  poolId: bigint;
  /** The voucher's cumulative amount. */
  amount: bigint;
  /** What it adds to the best voucher held before (or what the chain paid). */
  increment: bigint;
  /** Owed but not settled: the peer's exposure to this pool. */
  unsettled: bigint;
  /** The deposit the peer relies on: left at its newest view, less its own settlements since. */
  deposit: bigint;
  /** The peer's exposure cap for the pool. */
  cap: bigint;
  /** Set when the peer should settle now. */
  settleNow: SettleReason | null;
}

/** A ledger's figures. */
export interface LedgerStatus {
  poolId: bigint;
  /** Block of the newest view. */
  block: number;
  signer: Uint8Array;
  owner: Uint8Array;
  expiry: number;
  /** The first block at which the peer takes no more increments. */
  servingEnds: number;
  reliedOn: bigint;
  cap: bigint;
  settled: bigint;
  best: bigint;
  unsettled: bigint;
  confirmed: boolean;
  overdrawn: boolean;
  closed: boolean;
}

const u32 = (n: number) => uintLE(BigInt(n), 4);
const u64 = (n: bigint) => uintLE(n, 8);
const u128 = (n: bigint) => uintLE(n, 16);
const bool = (b: boolean) => Uint8Array.of(b ? 1 : 0);
const bytes = (b: Uint8Array) => concat(compact(b.length), b);
const option = (b: Uint8Array | null, f: (x: Uint8Array) => Uint8Array) => (b === null ? Uint8Array.of(0) : concat(Uint8Array.of(1), f(b)));

export const enc = {
  u32,
  u64,
  u128,
  bool,
  bytes,
  source: (s: Source) => Uint8Array.of(s === 'bundle' ? 0 : 1),
  account: (a: Uint8Array | string) => bytesOf(a, 32, 'account'),
  limits: (l: Limits) =>
    concat(
      u32(l.maxAge),
      u32(l.settleMargin),
      u32(l.minServingBlocks),
      u32(l.minMarginPpm),
      l.exposureCap === null ? Uint8Array.of(0) : concat(Uint8Array.of(1), u128(l.exposureCap)),
      u32(l.unconfirmedPpm),
      u32(l.settleAtPpm),
      u32(l.tipBlocks),
    ),
  view: (v: RawView) => concat(u64(v.poolId), u32(v.block), option(v.pool, bytes), option(v.paid, bytes)),
};

export const dec = {
  limits(r: Reader): Limits {
    const maxAge = Number(r.uintLE(4));
    const settleMargin = Number(r.uintLE(4));
    const minServingBlocks = Number(r.uintLE(4));
    const minMarginPpm = Number(r.uintLE(4));
    const exposureCap = r.u8() === 1 ? r.uintLE(16) : null;
    return {
      maxAge,
      settleMargin,
      minServingBlocks,
      minMarginPpm,
      exposureCap,
      unconfirmedPpm: Number(r.uintLE(4)),
      settleAtPpm: Number(r.uintLE(4)),
      tipBlocks: Number(r.uintLE(4)),
    };
  },
  reason(r: Reader): SettleReason | null {
    if (r.u8() === 0) return null;
    return REASONS[r.u8()] ?? null;
  },
  accepted(r: Reader): Accepted {
    return {
      poolId: r.uintLE(8),
      amount: r.uintLE(16),
      increment: r.uintLE(16),
      unsettled: r.uintLE(16),
      deposit: r.uintLE(16),
      cap: r.uintLE(16),
      settleNow: dec.reason(r),
    };
  },
  status(r: Reader): LedgerStatus {
    return {
      poolId: r.uintLE(8),
      block: Number(r.uintLE(4)),
      signer: r.bytesN(32),
      owner: r.bytesN(32),
      expiry: Number(r.uintLE(4)),
      servingEnds: Number(r.uintLE(4)),
      reliedOn: r.uintLE(16),
      cap: r.uintLE(16),
      settled: r.uintLE(16),
      best: r.uintLE(16),
      unsettled: r.uintLE(16),
      confirmed: r.bool(),
      overdrawn: r.bool(),
      closed: r.bool(),
    };
  },
};
