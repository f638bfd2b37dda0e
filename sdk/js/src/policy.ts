// The peer policy's byte-level interface (client/handshake/src/abi.rs): the rules themselves run
// in the wasm module (`HandshakeVerifier`), compiled from the Rust crate the Rust client runs.
// This file only encodes the operations' arguments and decodes their results; a ledger stays
// opaque bytes. docs/vectors/policy-v1.json pins every operation (test/policy.test.js).
import { bool, bytes, decodeExact, decodePrefix, enhanceCodec, fixed, Option, rest, Struct, Tuple, u8, u32, u64, u128, type Codec } from './codec.js';

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

/** `Option<T>` with `null` for `None` (the codecs' own is `undefined`). */
const nullable = <T extends NonNullable<unknown>>(inner: Codec<T>): Codec<T | null> =>
  enhanceCodec(Option(inner), (v: T | null) => (v === null ? undefined : v), (v: T | undefined) => (v === undefined ? null : v));

const limits: Codec<Limits> = Struct({
  maxAge: u32,
  settleMargin: u32,
  minServingBlocks: u32,
  minMarginPpm: u32,
  exposureCap: nullable(u128),
  unconfirmedPpm: u32,
  settleAtPpm: u32,
  tipBlocks: u32,
});

const source: Codec<Source> = enhanceCodec(u8, (s: Source) => (s === 'bundle' ? 0 : 1), (n: number) => (n === 0 ? 'bundle' : 'chain'));

const view: Codec<RawView> = Struct({ poolId: u64, block: u32, pool: nullable(bytes), paid: nullable(bytes) });

/** `Option<SettleReason>`; a reason this code does not know does not re-encode, so the exact decode refuses it. */
const reason: Codec<SettleReason | null> = enhanceCodec(
  nullable(u8),
  (r: SettleReason | null) => (r === null ? null : REASONS.indexOf(r)),
  (n: number | null) => (n === null ? null : (REASONS[n] ?? null)),
);

const accepted: Codec<Accepted> = Struct({
  poolId: u64,
  amount: u128,
  increment: u128,
  unsettled: u128,
  deposit: u128,
  cap: u128,
  settleNow: reason,
});

const status: Codec<LedgerStatus> = Struct({
  poolId: u64,
  block: u32,
  signer: fixed(32, 'signer'),
  owner: fixed(32, 'owner'),
  expiry: u32,
  servingEnds: u32,
  reliedOn: u128,
  cap: u128,
  settled: u128,
  best: u128,
  unsettled: u128,
  confirmed: bool,
  overdrawn: bool,
  closed: bool,
});

/** The operations' argument and result layouts (abi.rs). */
export const abi = {
  u8,
  u32,
  u64,
  u128,
  bytes,
  account: fixed(32, 'account'),
  limits,
  source,
  view,
  reason,
  accepted,
  status,
  /** A result followed by the ledger it changed (the rest of the output). */
  withLedger: <T>(codec: Codec<T>) => Tuple(codec, rest),
  /** The wasm module's refusal: the rule's name and a message. */
  refusal: Tuple(bytes, bytes),
  /** `Proven`: block hash, number, state root, the pool's and the peer's `Paid` record bytes. */
  proven: Struct({ blockHash: fixed(32, 'block hash'), number: u32, stateRoot: fixed(32, 'state root'), pool: nullable(bytes), paid: nullable(bytes) }),
  decodeExact,
  decodePrefix,
};
