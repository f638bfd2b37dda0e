// SCALE (https://docs.polkadot.com/polkadot-protocol/parachain-basics/data-encoding/) through
// polkadot-api's substrate-bindings, hex through @polkadot-api/utils. What this module adds is
// only what bytes from a stranger need and those codecs do not do:
// - integers out of range refused instead of wrapped (a u128 encoder given 2^128 + 5 writes 5);
// - fixed-size byte strings of exactly their size (`Bytes(32)` decodes a short input short);
// - `decodeExact`: every byte read, nothing read past the end, canonical length prefixes and
//   booleans (checked by encoding the value again: SCALE has one encoding per value).
import {
  Bytes,
  enhanceCodec,
  u8,
  u32 as u32Raw,
  u64 as u64Raw,
  u128 as u128Raw,
  type Codec,
} from '@polkadot-api/substrate-bindings';
import { fromHex as hexToBytes, mergeUint8, toHex as bytesToHex } from '@polkadot-api/utils';
import { MpoolError } from './errors.js';

export { Bytes, Option, Struct, Tuple, Variant, Vector, bool, compact, type Codec } from '@polkadot-api/substrate-bindings';
export { enhanceCodec, u8 };

/** Concatenates byte strings. */
export const concat = (...parts: Uint8Array[]): Uint8Array => mergeUint8(parts);

function ranged<T extends number | bigint>(codec: Codec<T>, bits: number, name: string): Codec<T> {
  const max = (1n << BigInt(bits)) - 1n;
  const check = (value: T): T => {
    if (typeof value === 'number' && !Number.isInteger(value)) throw new MpoolError('Malformed', `${name} ${value} is not an integer`);
    const v = BigInt(value);
    if (v < 0n || v > max) throw new MpoolError('Malformed', `${name} ${value} does not fit in ${bits} bits`);
    return value;
  };
  return enhanceCodec(codec, check, (v: T) => v);
}

export const u32 = ranged(u32Raw, 32, 'u32');
export const u64 = ranged(u64Raw, 64, 'u64');
export const u128 = ranged(u128Raw, 128, 'u128');

/** Exactly `len` bytes, encoding and decoding. */
export function fixed(len: number, what = 'value'): Codec<Uint8Array> {
  const check = (bytes: Uint8Array): Uint8Array => {
    if (bytes.length !== len) throw new MpoolError('Malformed', `${what} is ${bytes.length} bytes, want ${len}`);
    return bytes;
  };
  return enhanceCodec(Bytes(len), check, check);
}

/** `Vec<u8>` with a compact length prefix. */
export const bytes = Bytes();
/** Every byte left. */
export const rest = Bytes(Infinity);

/**
 * Decodes `input` as exactly one `codec` value: trailing bytes, a read past the end, a length
 * prefix longer than the input or a non-canonical encoding are `Malformed`.
 */
export function decodeExact<T>(codec: Codec<T>, input: Uint8Array, what: string): T {
  const value = decodePrefix(codec, input, what);
  if (!equalBytes(codec.enc(value), input)) {
    throw new MpoolError('Malformed', `${what}: not the canonical encoding of a value (trailing bytes, a lying length prefix or a non-canonical compact)`);
  }
  return value;
}

/** Decodes one `codec` value from the start of `input`, the bytes after it left unread. */
export function decodePrefix<T>(codec: Codec<T>, input: Uint8Array, what: string): T {
  // A copy: the codecs read `input.buffer` from offset 0, whatever the view's offset.
  try {
    return codec.dec(input.slice());
  } catch (e) {
    throw new MpoolError('Malformed', `${what}: ${e instanceof MpoolError ? e.message : 'ends early'}`);
  }
}

/** Lower-case hex with a `0x` prefix. */
export const toHex = (bytes: Uint8Array): string => bytesToHex(bytes);

/** Bytes from hex, with or without `0x`; surrounding whitespace is ignored. */
export function fromHex(text: string): Uint8Array {
  const digits = text.trim().replace(/^0X/, '0x');
  if (!/^(0x)?([0-9a-fA-F]{2})*$/.test(digits)) {
    throw new MpoolError('BadHex', `not hex: ${text.length > 20 ? `${text.slice(0, 20)}…` : text}`);
  }
  return hexToBytes(digits);
}

/** Whether two byte strings are equal (in time independent of where they differ). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** `bytes` or hex of them, as bytes of exactly `len` (if given). */
export function bytesOf(value: Uint8Array | string, len?: number, what = 'value'): Uint8Array {
  const out = typeof value === 'string' ? fromHex(value) : value;
  if (len !== undefined && out.length !== len) {
    throw new MpoolError('Malformed', `${what} is ${out.length} bytes, want ${len}`);
  }
  return out;
}
