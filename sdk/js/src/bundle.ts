// The handshake bundle (docs/handshake.md): a finalized header and the storage proof of a pool.
import { blake2b } from '@noble/hashes/blake2.js';
import { MpoolError } from './errors.js';
import { bytesOf, equalBytes, toHex } from './hex.js';
import { compact, concat, Reader, uintLE } from './scale.js';

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

export function encodeBundle(b: HandshakeBundle): Uint8Array {
  return concat(
    Uint8Array.of(b.version),
    uintLE(b.poolId, 8, 'pool id'),
    bytesOf(b.target, 32, 'target'),
    bytesOf(b.blockHash, 32, 'block hash'),
    compact(b.header.length),
    b.header,
    compact(b.proof.length),
    ...b.proof.flatMap((node) => [compact(node.length), node]),
  );
}

/** Parses bytes from a stranger: bounded in size, exact (no trailing bytes), known version. */
export function decodeBundle(input: Uint8Array | string): HandshakeBundle {
  const bytes = typeof input === 'string' ? bytesOf(input) : input;
  if (bytes.length > MAX_BUNDLE_LEN) {
    throw new MpoolError('TooLarge', `bundle of ${bytes.length} bytes exceeds the ${MAX_BUNDLE_LEN}-byte limit`);
  }
  const r = new Reader(bytes, 'handshake bundle');
  const version = r.u8();
  const poolId = r.uintLE(8);
  const target = r.bytesN(32);
  const blockHash = r.bytesN(32);
  const header = r.vecU8();
  const count = r.length();
  const proof: Uint8Array[] = [];
  for (let i = 0; i < count; i++) proof.push(r.vecU8());
  r.end();
  if (version !== BUNDLE_VERSION) throw new MpoolError('UnsupportedVersion', `unsupported bundle version ${version}`);
  return { version, poolId, target, blockHash, header, proof };
}

/** blake2-256, the chain's hash. */
export function blake2_256(bytes: Uint8Array): Uint8Array {
  return blake2b(bytes, { dkLen: 32 });
}

/** Reads a SCALE header's number and state root (the digest is not needed). */
export function decodeHeader(header: Uint8Array): HeaderInfo {
  const r = new Reader(header, 'header');
  const parentHash = r.bytesN(32);
  const number = r.compact();
  if (number > 0xffffffffn) throw new MpoolError('Malformed', 'header: block number above u32');
  const stateRoot = r.bytesN(32);
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

/** Decodes a pool record's SCALE bytes (as a storage proof or `state_getStorage` returns them). */
export function decodePoolRecord(bytes: Uint8Array | string): PoolRecord {
  const r = new Reader(typeof bytes === 'string' ? bytesOf(bytes) : bytes, 'pool record');
  const record: PoolRecord = {
    owner: r.bytesN(32),
    resourceId: r.vecU8(),
    deposit: r.uintLE(16),
    collateral: r.uintLE(16),
    expiry: Number(r.uintLE(4)),
    payees: Number(r.uintLE(4)),
    overdrawn: r.bool(),
    totalDeposit: r.uintLE(16),
    signer: r.bytesN(32),
  };
  r.end();
  return record;
}
