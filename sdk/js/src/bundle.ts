// The handshake bundle (docs/handshake.md): a finalized header and the storage proof of a pool.
import { blake2b } from '@noble/hashes/blake2.js';
import { MpoolError } from './errors.js';
import { bool, bytes, bytesOf, compact, decodeExact, decodePrefix, equalBytes, fixed, Struct, toHex, u128, u32, u64, u8, Vector } from './codec.js';

/** The bundle version this package reads and writes. */
export const BUNDLE_VERSION = 1;
/** Largest bundle a peer decodes, in bytes. */
export const MAX_BUNDLE_LEN = 256 * 1024;

export interface HandshakeBundle {
  version: number;
  poolId: bigint;
  /** The peer it was made for (32 bytes). */
  target: Uint8Array;
  /** blake2-256 of `header`. */
  blockHash: Uint8Array;
  /** The SCALE-encoded header of a finalized block. */
  header: Uint8Array;
  /** Trie nodes proving `Pools[poolId]` and `Paid[poolId][target]` at that block. */
  proof: Uint8Array[];
}

/** The parts of a header a peer needs: its number and state root. */
export interface HeaderInfo {
  parentHash: Uint8Array;
  number: number;
  stateRoot: Uint8Array;
}

/** The bundle's SCALE layout (docs/handshake.md). */
const bundleCodec = Struct({
  version: u8,
  poolId: u64,
  target: fixed(32, 'target'),
  blockHash: fixed(32, 'block hash'),
  header: bytes,
  proof: Vector(bytes),
});

export function encodeBundle(b: HandshakeBundle): Uint8Array {
  return bundleCodec.enc(b);
}

/** Parses bytes from a stranger: bounded in size, exact (no trailing bytes), known version. */
export function decodeBundle(input: Uint8Array | string): HandshakeBundle {
  const raw = typeof input === 'string' ? bytesOf(input) : input;
  if (raw.length > MAX_BUNDLE_LEN) {
    throw new MpoolError('TooLarge', `bundle of ${raw.length} bytes exceeds the ${MAX_BUNDLE_LEN}-byte limit`);
  }
  const bundle = decodeExact(bundleCodec, raw, 'handshake bundle');
  if (bundle.version !== BUNDLE_VERSION) throw new MpoolError('UnsupportedVersion', `unsupported bundle version ${bundle.version}`);
  return bundle;
}

/** blake2-256, the chain's hash. */
export function blake2_256(bytes: Uint8Array): Uint8Array {
  return blake2b(bytes, { dkLen: 32 });
}

/** A header's first fields; the rest (extrinsics root, digest) is not needed. */
const headerStart = Struct({ parentHash: fixed(32, 'parent hash'), number: compact, stateRoot: fixed(32, 'state root') });

/** Reads a SCALE header's parent, number and state root. */
export function decodeHeader(header: Uint8Array): HeaderInfo {
  const { parentHash, number, stateRoot } = decodePrefix(headerStart, header, 'header');
  if (BigInt(number) > 0xffffffffn) throw new MpoolError('Malformed', 'header: block number above u32');
  return { parentHash, number: Number(number), stateRoot };
}

/**
 * The checks of a bundle that need no trie: made for `me`, and its header hashes to the claimed
 * block hash. The proof itself is checked against the header's state root by the Rust verifier
 * (`verify_handshake`); the peer must also compare `blockHash` with the hash it trusts as
 * finalized at `header.number`.
 */
export function checkBundleHeader(b: HandshakeBundle, me: Uint8Array): HeaderInfo {
  if (!equalBytes(b.target, me)) throw new MpoolError('WrongTarget', 'bundle was made for another peer');
  const actual = blake2_256(b.header);
  if (!equalBytes(actual, b.blockHash)) {
    throw new MpoolError('HeaderMismatch', `header hashes to ${toHex(actual)}, not ${toHex(b.blockHash)}`);
  }
  return decodeHeader(b.header);
}

/** A pool record as the chain stores it (`pallet_micropayment_pool::Pool`, its layout since storage version 3). */
export interface PoolRecord {
  owner: Uint8Array;
  resourceId: Uint8Array;
  deposit: bigint;
  collateral: bigint;
  expiry: number;
  payees: number;
  overdrawn: boolean;
  totalDeposit: bigint;
  /** Whose signatures the pool's vouchers need. */
  signer: Uint8Array;
}

/** `pallet_micropayment_pool::Pool`'s SCALE layout since storage version 3. */
const poolRecordCodec = Struct({
  owner: fixed(32, 'owner'),
  resourceId: bytes,
  deposit: u128,
  collateral: u128,
  expiry: u32,
  payees: u32,
  overdrawn: bool,
  totalDeposit: u128,
  signer: fixed(32, 'signer'),
});

/** Decodes a pool record's SCALE bytes (as a storage proof or `state_getStorage` returns them). */
export function decodePoolRecord(input: Uint8Array | string): PoolRecord {
  return decodeExact(poolRecordCodec, typeof input === 'string' ? bytesOf(input) : input, 'pool record');
}
