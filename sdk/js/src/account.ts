// Accounts are 32-byte public keys (`AccountId32`); users write them as SS58 addresses.
import { blake2b } from '@noble/hashes/blake2.js';
import { MpoolError } from './errors.js';
import { concat } from './scale.js';
import { fromHex, toHex } from './hex.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const SS58_PREFIX = new TextEncoder().encode('SS58PRE');

function base58Decode(text: string): Uint8Array {
  let n = 0n;
  for (const ch of text) {
    const digit = ALPHABET.indexOf(ch);
    if (digit < 0) throw new MpoolError('Malformed', `not base58: ${JSON.stringify(ch)}`);
    n = n * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  for (; n > 0n; n >>= 8n) bytes.unshift(Number(n & 0xffn));
  for (const ch of text) {
    if (ch !== '1') break;
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

function base58Encode(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  for (; n > 0n; n /= 58n) out = ALPHABET[Number(n % 58n)] + out;
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

function checksum(body: Uint8Array): Uint8Array {
  return blake2b(concat(SS58_PREFIX, body), { dkLen: 64 }).slice(0, 2);
}

/** A 32-byte account id from an SS58 address (any network prefix), `0x` hex or bytes. */
export function accountId(value: string | Uint8Array): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== 32) throw new MpoolError('Malformed', `an account id is 32 bytes, not ${value.length}`);
    return value;
  }
  if (/^0x/i.test(value.trim())) return accountId(fromHex(value));
  const raw = base58Decode(value.trim());
  const prefixLen = raw[0] !== undefined && raw[0] < 64 ? 1 : 2;
  if (raw.length !== prefixLen + 32 + 2) throw new MpoolError('Malformed', `not a 32-byte SS58 address: ${value}`);
  const body = raw.subarray(0, prefixLen + 32);
  const sum = checksum(body);
  if (sum[0] !== raw[prefixLen + 32] || sum[1] !== raw[prefixLen + 33]) {
    throw new MpoolError('Malformed', `bad SS58 checksum: ${value}`);
  }
  return raw.slice(prefixLen, prefixLen + 32);
}

/** The SS58 address of an account id; network prefix 42 (generic Substrate) by default. */
export function ss58(account: Uint8Array, prefix = 42): string {
  if (prefix < 0 || prefix > 16383) throw new MpoolError('Malformed', `bad SS58 prefix ${prefix}`);
  const head =
    prefix < 64
      ? Uint8Array.of(prefix)
      : Uint8Array.of(((prefix & 0xfc) >> 2) | 0x40, (prefix >> 8) | ((prefix & 0x03) << 6));
  const body = concat(head, accountId(account));
  return base58Encode(concat(body, checksum(body)));
}

