// The voucher, its signing payload and its signatures (docs/voucher.md).
import { ed25519 } from '@noble/curves/ed25519.js';
import * as sr25519 from '@scure/sr25519';
import { accountId } from './account.js';
import { MpoolError } from './errors.js';
import { bytesOf, concat, equalBytes, fixed, Struct, toHex, u128, u64 } from './codec.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** `"mpool/voucher/v1"`: starts every payload, so a voucher signature signs nothing else. */
export const VOUCHER_DOMAIN = utf8('mpool/voucher/v1');
/** Length of a payload: domain 16 + genesis hash 32 + pool id 8 + target 32 + amount 16. */
export const PAYLOAD_LEN = 104;
const WRAP_PREFIX = utf8('<Bytes>');
const WRAP_SUFFIX = utf8('</Bytes>');

/** "Pool `poolId` on the chain with `genesisHash` owes `target` a total of `amount`." */
export interface Voucher {
  /** Hash of block 0 of the pool's chain (32 bytes). */
  genesisHash: Uint8Array;
  poolId: bigint;
  /** The paid peer's account id (32 bytes). */
  target: Uint8Array;
  /** Cumulative amount owed, in the chain's smallest unit. */
  amount: bigint;
}

/** A `MultiSignature`: the scheme and its bytes (64, or 65 for ECDSA). */
export interface Signature {
  type: 'Ed25519' | 'Sr25519' | 'Ecdsa';
  bytes: Uint8Array;
}

/** A voucher with its signature: what a viewer hands a peer per chunk. */
export interface SignedVoucher {
  voucher: Voucher;
  signature: Signature;
}

/** Which bytes a signature covers: the payload, or the `<Bytes>`-wrapped payload `signRaw` signs. */
export type PayloadForm = 'raw' | 'wrapped';

/** Builds a voucher from friendly values: SS58 or hex accounts, numbers or bigints. */
export function voucher(fields: {
  genesisHash: Uint8Array | string;
  poolId: bigint | number;
  target: Uint8Array | string;
  amount: bigint | number;
}): Voucher {
  return {
    genesisHash: bytesOf(fields.genesisHash, 32, 'genesis hash'),
    poolId: BigInt(fields.poolId),
    target: accountId(fields.target),
    amount: BigInt(fields.amount),
  };
}

/**
 * SCALE(Voucher), 88 bytes: genesis ++ pool id (u64 LE) ++ target ++ amount (u128 LE). The one
 * encoder of a voucher's fields: the payload and the token are built on it.
 */
export function encodeVoucher(v: Voucher): Uint8Array {
  return voucherCodec.enc(v);
}

/** `pallet_micropayment_pool::Voucher`'s SCALE layout. */
export const voucherCodec = Struct({
  genesisHash: fixed(32, 'genesis hash'),
  poolId: u64,
  target: fixed(32, 'target'),
  amount: u128,
});

/** The 104 bytes the pool's signer signs: the domain ++ SCALE(Voucher). */
export function voucherPayload(v: Voucher): Uint8Array {
  return concat(VOUCHER_DOMAIN, encodeVoucher(v));
}

/** `<Bytes>` ++ payload ++ `</Bytes>`: what a browser wallet's `signRaw` signs. */
export function wrappedPayload(v: Voucher): Uint8Array {
  return concat(WRAP_PREFIX, voucherPayload(v), WRAP_SUFFIX);
}

function verifyOne(signature: Signature, message: Uint8Array, signer: Uint8Array): boolean {
  try {
    switch (signature.type) {
      case 'Sr25519':
        return sr25519.verify(message, signature.bytes, signer);
      case 'Ed25519':
        return ed25519.verify(signature.bytes, message, signer);
      default:
        throw new MpoolError('UnsupportedSignature', 'ECDSA vouchers are checked by the chain only');
    }
  } catch (e) {
    if (e instanceof MpoolError) throw e;
    return false; // a malformed point or marker: not a valid signature
  }
}

/**
 * Whether `signed` carries `signer`'s signature, and over which payload form; `null` if it does
 * not. The same rule as the chain: the raw payload first, then the wrapped one.
 */
export function verifyVoucher(signed: SignedVoucher, signer: Uint8Array | string): PayloadForm | null {
  const key = accountId(signer);
  if (verifyOne(signed.signature, voucherPayload(signed.voucher), key)) return 'raw';
  if (verifyOne(signed.signature, wrappedPayload(signed.voucher), key)) return 'wrapped';
  return null;
}

/**
 * An sr25519 key held in memory: a player's session key, named as the pool's signer at
 * creation (`createPoolWithSigner`), signs every voucher without a wallet prompt.
 */
export class SessionKey {
  readonly publicKey: Uint8Array;
  readonly #secret: Uint8Array;

  private constructor(secret: Uint8Array) {
    this.#secret = secret;
    this.publicKey = sr25519.getPublicKey(secret);
  }

  /** A fresh random key (from the platform's CSPRNG). */
  static generate(): SessionKey {
    return SessionKey.fromSeed(crypto.getRandomValues(new Uint8Array(32)));
  }

  /** The key of a 32-byte seed (the same as Substrate's `sr25519::Pair::from_seed`). */
  static fromSeed(seed: Uint8Array | string): SessionKey {
    return new SessionKey(sr25519.secretFromSeed(bytesOf(seed, 32, 'seed')));
  }

  /** Signs the voucher's raw payload. */
  sign(v: Voucher): SignedVoucher {
    return { voucher: v, signature: { type: 'Sr25519', bytes: sr25519.sign(this.#secret, voucherPayload(v)) } };
  }

  /** Whether `account` is this key's account. */
  is(account: Uint8Array | string): boolean {
    return equalBytes(accountId(account), this.publicKey);
  }
}

/** The viewer's rule, as the wasm policy runs it (`HandshakeVerifier.promise`). */
export interface PromiseRule {
  promise(toOthers: bigint, amount: bigint, deposit: bigint): void;
}

/**
 * A viewer paying peers from one pool: one cumulative counter per peer. `pay` refuses to promise
 * more in total than `deposit` (`ExceedsDeposit`), the honest viewer's guard against double
 * spending by mistake, by the policy's own rule (`rules`: a loaded `HandshakeVerifier`), unless
 * `allowOverDeposit` says to sign anyway.
 */
export class Payer {
  readonly #owed = new Map<string, bigint>();

  constructor(
    private readonly key: SessionKey,
    private readonly genesisHash: Uint8Array,
    private readonly poolId: bigint,
    private readonly deposit: bigint,
    private readonly rules: PromiseRule,
    private readonly options: { allowOverDeposit?: boolean } = {},
  ) {}

  /** Everything promised so far, over all peers. */
  get promised(): bigint {
    let sum = 0n;
    for (const v of this.#owed.values()) sum += v;
    return sum;
  }

  /** What `peer` is owed in all. */
  owed(peer: Uint8Array | string): bigint {
    return this.#owed.get(accountId(peer).join(',')) ?? 0n;
  }

  /** Every peer's cumulative amount: `[account id hex, amount]`, what a player persists. */
  entries(): [string, bigint][] {
    return [...this.#owed].map(([id, amount]) => [toHex(new Uint8Array(id.split(',').map(Number))), amount]);
  }

  /**
   * Raises `peer`'s counter to `amount` (never lowers it): for a player restoring what it signed
   * before a page reload, from its own store. Never from what a peer claims: a counter raised
   * on a peer's word would sign that peer more than it earned.
   */
  restore(peer: Uint8Array | string, amount: bigint): void {
    const id = accountId(peer).join(',');
    if (amount > (this.#owed.get(id) ?? 0n)) this.#owed.set(id, amount);
  }

  /** Pays `peer` `increment` more: the new cumulative voucher, signed. */
  pay(peer: Uint8Array | string, increment: bigint): SignedVoucher {
    const target = accountId(peer);
    const id = target.join(',');
    if (increment <= 0n) throw new MpoolError('Malformed', 'an increment is positive');
    const before = this.#owed.get(id) ?? 0n;
    const amount = before + increment;
    if (!this.options.allowOverDeposit) this.rules.promise(this.promised - before, amount, this.deposit);
    const signed = this.key.sign({ genesisHash: this.genesisHash, poolId: this.poolId, target, amount });
    this.#owed.set(id, amount);
    return signed;
  }
}
