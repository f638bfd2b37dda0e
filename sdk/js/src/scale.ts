// The few SCALE encodings the wire formats use (https://docs.polkadot.com/polkadot-protocol/parachain-basics/data-encoding/).
import { MpoolError } from './errors.js';

const U64_MAX = (1n << 64n) - 1n;
const U128_MAX = (1n << 128n) - 1n;

/** Little-endian unsigned integer of `len` bytes. */
export function uintLE(value: bigint, len: number, what = 'integer'): Uint8Array {
  const max = len === 8 ? U64_MAX : len === 16 ? U128_MAX : (1n << BigInt(8 * len)) - 1n;
  if (value < 0n || value > max) throw new MpoolError('Malformed', `${what} ${value} does not fit in ${len} bytes`);
  const out = new Uint8Array(len);
  let v = value;
  for (let i = 0; i < len; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** SCALE compact encoding of a length or amount. */
export function compact(value: bigint | number): Uint8Array {
  const v = BigInt(value);
  if (v < 0n) throw new MpoolError('Malformed', 'negative compact');
  if (v < 1n << 6n) return Uint8Array.of(Number(v) << 2);
  if (v < 1n << 14n) return uintLE((v << 2n) | 1n, 2);
  if (v < 1n << 30n) return uintLE((v << 2n) | 2n, 4);
  let len = 0;
  for (let x = v; x > 0n; x >>= 8n) len++;
  return concat(Uint8Array.of(((len - 4) << 2) | 3), uintLE(v, len));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads SCALE values from bytes a stranger sent: every read is bounds-checked. */
export class Reader {
  private at = 0;

  constructor(private readonly bytes: Uint8Array, private readonly what: string) {}

  private fail(why: string): never {
    throw new MpoolError('Malformed', `${this.what}: ${why} at byte ${this.at}`);
  }

  bytesN(len: number): Uint8Array {
    if (len > this.bytes.length - this.at) this.fail(`needs ${len} more bytes, has ${this.bytes.length - this.at}`);
    const out = this.bytes.slice(this.at, this.at + len);
    this.at += len;
    return out;
  }

  u8(): number {
    return this.bytesN(1)[0] as number;
  }

  uintLE(len: number): bigint {
    const b = this.bytesN(len);
    let v = 0n;
    for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
    return v;
  }

  bool(): boolean {
    const b = this.u8();
    if (b > 1) this.fail(`bad bool ${b}`);
    return b === 1;
  }

  compact(): bigint {
    const first = this.bytes[this.at];
    if (first === undefined) this.fail('needs a compact');
    switch (first & 3) {
      case 0:
        return BigInt(this.u8() >> 2);
      case 1: {
        const v = this.uintLE(2) >> 2n;
        if (v < 1n << 6n) this.fail('non-canonical compact');
        return v;
      }
      case 2: {
        const v = this.uintLE(4) >> 2n;
        if (v < 1n << 14n) this.fail('non-canonical compact');
        return v;
      }
      default: {
        const len = (this.u8() >> 2) + 4;
        const v = this.uintLE(len);
        if (v < 1n << 30n || v >> BigInt(8 * (len - 1)) === 0n) this.fail('non-canonical compact');
        return v;
      }
    }
  }

  /** A length prefix, bounded by what is left (each item takes at least `minItem` bytes). */
  length(minItem = 1): number {
    const len = this.compact();
    if (len * BigInt(minItem) > BigInt(this.bytes.length - this.at)) this.fail(`length ${len} exceeds the input`);
    return Number(len);
  }

  /** `Vec<u8>`. */
  vecU8(): Uint8Array {
    return this.bytesN(this.length());
  }

  /** Every byte not read yet. */
  rest(): Uint8Array {
    const out = this.bytes.slice(this.at);
    this.at = this.bytes.length;
    return out;
  }

  /** Fails unless every byte was read. */
  end(): void {
    if (this.at !== this.bytes.length) this.fail(`${this.bytes.length - this.at} trailing bytes`);
  }
}
