import { MpoolError } from './errors.js';

/** Lower-case hex with a `0x` prefix. */
export function toHex(bytes: Uint8Array): string {
  let out = '0x';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Bytes from hex, with or without `0x`; surrounding whitespace is ignored. */
export function fromHex(text: string): Uint8Array {
  const digits = text.trim().replace(/^0x/i, '');
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(digits)) {
    throw new MpoolError('BadHex', `not hex: ${text.length > 20 ? `${text.slice(0, 20)}…` : text}`);
  }
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Whether two byte strings are equal. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** `bytes` or hex of them, as bytes of exactly `len` (if given). */
export function bytesOf(value: Uint8Array | string, len?: number, what = 'value'): Uint8Array {
  const bytes = typeof value === 'string' ? fromHex(value) : value;
  if (len !== undefined && bytes.length !== len) {
    throw new MpoolError('Malformed', `${what} is ${bytes.length} bytes, want ${len}`);
  }
  return bytes;
}
