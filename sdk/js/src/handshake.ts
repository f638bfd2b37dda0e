// The peer's handshake check (docs/handshake.md). The proof is checked by the Rust code of
// micropayment-pool-handshake compiled to wasm (the same code the Rust client runs); the policy
// on the proven pool is the Rust client's `verify_handshake`, rule for rule.
import { accountId } from './account.js';
import { decodePoolRecord } from './bundle.js';
import { MpoolError, type MpoolErrorCode } from './errors.js';
import { bytesOf, equalBytes, toHex } from './hex.js';
import { HANDSHAKE_WASM_BASE64 } from './handshake-wasm.generated.js';
import { Reader } from './scale.js';
import { encodeVoucher, verifyVoucher, type PayloadForm, type SignedVoucher } from './voucher.js';

/** What the peer requires of a pool before serving its viewer. */
export interface Policy {
  /** The peer: the bundle must be made for it. */
  me: Uint8Array | string;
  /** The hash the peer's node or light client finalized at the bundle's height. */
  trustedHash: Uint8Array | string;
  /** The peer's view of the current block; the bundle's block if absent. */
  now?: number;
  /** The pool must stay live at least this many blocks after `now`. */
  minRemainingBlocks?: number;
  /** The resource the viewer asked for (bytes or UTF-8); any if absent. */
  resourceId?: Uint8Array | string;
}

/** The pool as the proof shows it: what the peer can rely on. */
export interface VerifiedPool {
  poolId: bigint;
  owner: Uint8Array;
  /** Whose signatures the pool's vouchers need. */
  signer: Uint8Array;
  resourceId: Uint8Array;
  /** Deposit left at the proven block. */
  deposit: bigint;
  collateral: bigint;
  /** All deposit ever locked (the `D` of the double-spend bound). */
  totalDeposit: bigint;
  /** First block at which the pool takes no more funds: serve only before it. */
  expiry: number;
  payees: number;
  /** What the pool had paid this peer at the proven block. */
  paidToMe: bigint;
  blockNumber: number;
  blockHash: Uint8Array;
}

const STATUS: Record<number, MpoolErrorCode> = {
  1: 'Malformed',
  2: 'TooLarge',
  3: 'UnsupportedVersion',
  4: 'WrongTarget',
  5: 'HeaderMismatch',
  6: 'BadProof',
};

interface Exports {
  memory: WebAssembly.Memory;
  mpool_reset(): void;
  mpool_alloc(len: number): number;
  mpool_check(bundle: number, len: number, me: number): number;
  mpool_out_ptr(): number;
  mpool_out_len(): number;
  mpool_verify_voucher(voucher: number, signature: number, signer: number): number;
}

function base64Bytes(text: string): Uint8Array {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/**
 * The peer's checker, compiled from the Rust client's code: handshake bundles, and sr25519
 * voucher signatures (schnorrkel, as the chain checks them; much faster than pure JS). One wasm
 * instance, loaded once, reusable for any number of checks; no state survives a call.
 */
export class HandshakeVerifier {
  private constructor(private readonly wasm: Exports) {}

  /** Instantiates the embedded wasm module. */
  static async load(): Promise<HandshakeVerifier> {
    const module = await WebAssembly.compile(base64Bytes(HANDSHAKE_WASM_BASE64) as Uint8Array<ArrayBuffer>);
    const instance = await WebAssembly.instantiate(module, {});
    return new HandshakeVerifier(instance.exports as unknown as Exports);
  }

  #write(bytes: Uint8Array): number {
    const ptr = this.wasm.mpool_alloc(bytes.length);
    if (ptr === 0) throw new MpoolError('TooLarge', 'the handshake checker is out of memory');
    new Uint8Array(this.wasm.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  /**
   * Whether `signed` carries `signer`'s signature, and over which payload form (`null` if not):
   * sr25519 in wasm, other schemes as `verifyVoucher` does.
   */
  verifyVoucher(signed: SignedVoucher, signer: Uint8Array | string): PayloadForm | null {
    if (signed.signature.type !== 'Sr25519') return verifyVoucher(signed, signer);
    const voucher = encodeVoucher(signed.voucher);
    const w = this.wasm;
    w.mpool_reset();
    const form = w.mpool_verify_voucher(
      this.#write(voucher),
      this.#write(bytesOf(signed.signature.bytes, 64, 'signature')),
      this.#write(accountId(signer)),
    );
    w.mpool_reset();
    return form === 1 ? 'raw' : form === 2 ? 'wrapped' : null;
  }

  /**
   * Checks a bundle from a viewer against `policy`; returns the pool's terms or throws an
   * `MpoolError` whose code names the failure (the Rust client's `HandshakeError` names).
   */
  verify(bundle: Uint8Array | string, policy: Policy): VerifiedPool {
    const bytes = typeof bundle === 'string' ? bytesOf(bundle) : bundle;
    const me = accountId(policy.me);
    const w = this.wasm;
    w.mpool_reset();
    const status = w.mpool_check(this.#write(bytes), bytes.length, this.#write(me));
    const out = new Uint8Array(w.memory.buffer, w.mpool_out_ptr(), w.mpool_out_len()).slice();
    w.mpool_reset();
    if (status !== 0) {
      throw new MpoolError(STATUS[status] ?? 'Malformed', new TextDecoder().decode(out));
    }
    // `Proven`: block_hash, number (u32), state_root, Option<Vec<u8>> pool, Option<Vec<u8>> paid.
    const r = new Reader(out, 'proven values');
    const blockHash = r.bytesN(32);
    const blockNumber = Number(r.uintLE(4));
    r.bytesN(32); // state root
    const option = () => (r.u8() === 1 ? r.vecU8() : null);
    const poolBytes = option();
    const paidBytes = option();
    r.end();

    const poolId = new Reader(bytes.subarray(1, 9), 'pool id').uintLE(8);
    if (!equalBytes(blockHash, bytesOf(policy.trustedHash, 32, 'trusted hash'))) {
      throw new MpoolError('UnknownBlock', `block ${blockNumber} ${toHex(blockHash)} is not the one the peer trusts`);
    }
    return checkProvenPool({ poolId, poolBytes, paidBytes, blockNumber, blockHash }, policy);
  }
}

/** Storage values a peer has proven at a block it trusts: from a bundle, or a light client. */
export interface ProvenRecords {
  poolId: bigint;
  /** The `Pools` value's SCALE bytes; `null` if the pool does not exist. */
  poolBytes: Uint8Array | null;
  /** The peer's `Paid` value's SCALE bytes; `null` if it was never paid. */
  paidBytes: Uint8Array | null;
  blockNumber: number;
  blockHash: Uint8Array;
}

/**
 * The peer's policy on a pool proven at a trusted block (the Rust client's `verify_handshake`,
 * rule for rule): the pool exists, serves long enough, pays for the resource, is not overdrawn,
 * its collateral exceeds its deposit, it has deposit left, and it never pays `policy.me`.
 */
export function checkProvenPool(proven: ProvenRecords, policy: Omit<Policy, 'trustedHash'>): VerifiedPool {
  const { poolId, poolBytes, paidBytes, blockNumber, blockHash } = proven;
  const me = accountId(policy.me);
  if (poolBytes === null) throw new MpoolError('UnknownPool', `pool ${poolId} does not exist at the proven block`);
  let pool;
  let paidToMe = 0n;
  try {
    pool = decodePoolRecord(poolBytes);
    if (paidBytes !== null) {
      const p = new Reader(paidBytes, 'paid record');
      paidToMe = p.uintLE(16);
      p.end();
    }
  } catch (e) {
    throw new MpoolError('MalformedPool', (e as Error).message);
  }

  const now = Math.max(policy.now ?? blockNumber, blockNumber);
  // Serving stops at expiry, although settling goes on through the grace window.
  if (now >= pool.expiry) throw new MpoolError('Expired', `pool expired at block ${pool.expiry} (now ${now})`);
  const margin = policy.minRemainingBlocks ?? 0;
  if (pool.expiry - now < margin) {
    throw new MpoolError('ExpiresTooSoon', `pool expires at block ${pool.expiry}: fewer than ${margin} blocks after ${now}`);
  }
  if (policy.resourceId !== undefined) {
    const want = typeof policy.resourceId === 'string' ? new TextEncoder().encode(policy.resourceId) : policy.resourceId;
    if (!equalBytes(want, pool.resourceId)) throw new MpoolError('WrongResource', 'pool pays for another resource');
  }
  if (pool.overdrawn) throw new MpoolError('Overdrawn', 'pool is overdrawn: its owner double-spent');
  const totalDeposit = pool.totalDeposit > pool.deposit ? pool.totalDeposit : pool.deposit;
  if (pool.collateral <= totalDeposit) {
    throw new MpoolError('CollateralNotAboveDeposit', `collateral ${pool.collateral} does not exceed the total deposit ${totalDeposit}`);
  }
  if (pool.deposit === 0n) throw new MpoolError('Exhausted', 'pool has no deposit left');
  if (equalBytes(pool.owner, me) || equalBytes(pool.signer, me)) {
    throw new MpoolError('SelfPayment', "the peer is the pool's owner or signer, whom the pool never pays");
  }
  return {
    poolId,
    owner: pool.owner,
    signer: pool.signer,
    resourceId: pool.resourceId,
    deposit: pool.deposit,
    collateral: pool.collateral,
    totalDeposit,
    expiry: pool.expiry,
    payees: pool.payees,
    paidToMe,
    blockNumber,
    blockHash,
  };
}
