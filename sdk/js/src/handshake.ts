// The peer's checker (docs/handshake.md, docs/security.md): the bundle's proof check AND every
// rule of the peer policy run in wasm, compiled from the Rust crate micropayment-pool-handshake
// that the Rust client and CLI run too. Nothing here decides; it marshals bytes.
import { accountId } from './account.js';
import { decodePoolRecord } from './bundle.js';
import { MpoolError, type MpoolErrorCode } from './errors.js';
import { bytesOf, concat, equalBytes, toHex } from './codec.js';
import { HANDSHAKE_WASM_BASE64 } from './handshake-wasm.generated.js';
import { abi, OP, type Accepted, type LedgerStatus, type Limits, type RawView, type SettleReason, type Source } from './policy.js';
import { encodeVoucher, verifyVoucher, type PayloadForm, type SignedVoucher } from './voucher.js';

/**
 * What the peer requires of a new pool. `now` and `resourceId` are required: no default trusts a
 * stale proof, an expired pool or any resource.
 */
export interface Policy {
  /** The peer: the bundle must be made for it. */
  me: Uint8Array | string;
  /** The hash the peer's node or light client finalized at the bundle's height. */
  trustedHash: Uint8Array | string;
  /** The peer's head: the block its node or light client finalized last. */
  now: number;
  /** The resource the peer serves (bytes or UTF-8): the pool must pay for it. */
  resourceId: Uint8Array | string;
  /** Overrides of the default limits (`HandshakeVerifier.defaultLimits`). */
  limits?: Partial<Limits>;
  /**
   * The pool pallet's storage prefix on the peer's chain (`PoolPallet.storagePrefix` of
   * `connect` / `poolApi`): where the proof must show the pool. Taken from the peer's own chain,
   * never from the viewer. Default: the demo runtimes' `MicropaymentPool`.
   */
  palletPrefix?: string;
}

/** The demo runtimes' pool pallet storage prefix. */
export const DEMO_PALLET_PREFIX = 'MicropaymentPool';

/** The pool as a view shows it, with the peer's ledger of it (opaque bytes, to store). */
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
  /** First block at which the pool takes no more funds. */
  expiry: number;
  payees: number;
  /** What the pool had paid this peer at the proven block. */
  paidToMe: bigint;
  blockNumber: number;
  blockHash: Uint8Array;
  /** The peer policy's ledger of the pool (SCALE): what a `VoucherBook` keeps. */
  ledger: Uint8Array;
  /** The view it was admitted on. */
  view: RawView;
  /** The first block at which the peer takes no more increments (`expiry − settleMargin`). */
  servingEnds: number;
  /** The peer's exposure cap for the pool. */
  cap: bigint;
}

const STATUS: Record<number, MpoolErrorCode> = {
  1: 'Malformed',
  2: 'TooLarge',
  3: 'UnsupportedVersion',
  4: 'WrongTarget',
  5: 'HeaderMismatch',
  6: 'BadProof',
};
/** `mpool_policy`: a rule refused; the output is the SCALE `(name, message)`. */
const REFUSED = 7;

interface Exports {
  memory: WebAssembly.Memory;
  mpool_reset(): void;
  mpool_alloc(len: number): number;
  mpool_check(bundle: number, len: number, me: number, prefix: number, prefixLen: number): number;
  mpool_out_ptr(): number;
  mpool_out_len(): number;
  mpool_verify_voucher(voucher: number, signature: number, signer: number): number;
  mpool_policy(op: number, input: number, len: number): number;
}

function base64Bytes(text: string): Uint8Array {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

const utf8 = new TextDecoder();

let loading: Promise<WebAssembly.Module> | undefined;

/**
 * The peer's checker, compiled from the Rust client's code: handshake bundles, sr25519 voucher
 * signatures (schnorrkel, as the chain checks them) and every rule of the peer policy. One wasm
 * instance, loaded once, reusable for any number of checks; no state survives a call.
 */
export class HandshakeVerifier {
  /** The policy's default limits, as the Rust crate defines them. */
  readonly defaultLimits: Limits;

  private constructor(private readonly wasm: Exports) {
    this.defaultLimits = abi.decodeExact(abi.limits, this.#policy(OP.DEFAULT_LIMITS, new Uint8Array()), 'limits');
  }

  /** Instantiates the embedded wasm module (compiled once per process or page). */
  static async load(): Promise<HandshakeVerifier> {
    loading ??= WebAssembly.compile(base64Bytes(HANDSHAKE_WASM_BASE64) as Uint8Array<ArrayBuffer>);
    const instance = await WebAssembly.instantiate(await loading, {});
    return new HandshakeVerifier(instance.exports as unknown as Exports);
  }

  #write(bytes: Uint8Array): number {
    const ptr = this.wasm.mpool_alloc(bytes.length);
    if (ptr === 0) throw new MpoolError('TooLarge', 'the handshake checker is out of memory');
    new Uint8Array(this.wasm.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  /** Runs policy operation `op`: its SCALE result, or an `MpoolError` named by the rule. */
  #policy(op: number, input: Uint8Array): Uint8Array {
    const w = this.wasm;
    w.mpool_reset();
    const status = w.mpool_policy(op, this.#write(input), input.length);
    const out = new Uint8Array(w.memory.buffer, w.mpool_out_ptr(), w.mpool_out_len()).slice();
    w.mpool_reset();
    if (status === REFUSED) {
      const [name, message] = abi.decodeExact(abi.refusal, out, 'refusal');
      throw new MpoolError(utf8.decode(name) as MpoolErrorCode, utf8.decode(message));
    }
    return out;
  }

  /** The raw operation, for the shared vectors (docs/vectors/policy-v1.json): `{ ok, output | error }`. */
  policyCall(op: number, input: Uint8Array): { ok: true; output: Uint8Array } | { ok: false; error: string } {
    try {
      return { ok: true, output: this.#policy(op, input) };
    } catch (e) {
      if (e instanceof MpoolError) return { ok: false, error: e.code };
      throw e;
    }
  }

  /** The default limits with `overrides` applied. */
  limits(overrides: Partial<Limits> = {}): Limits {
    return { ...this.defaultLimits, ...overrides };
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
   * Checks a bundle from a viewer against `policy`: its proof, that its block is the one the
   * peer trusts, and the policy's admission rules (fresh, sound, for this resource). Returns
   * the pool with its ledger, or throws an `MpoolError` whose code names the failure (the Rust
   * client's names).
   */
  verify(bundle: Uint8Array | string, policy: Policy): VerifiedPool {
    const bytes = typeof bundle === 'string' ? bytesOf(bundle) : bundle;
    const me = accountId(policy.me);
    const prefix = new TextEncoder().encode(policy.palletPrefix ?? DEMO_PALLET_PREFIX);
    const w = this.wasm;
    w.mpool_reset();
    const status = w.mpool_check(this.#write(bytes), bytes.length, this.#write(me), this.#write(prefix), prefix.length);
    const out = new Uint8Array(w.memory.buffer, w.mpool_out_ptr(), w.mpool_out_len()).slice();
    w.mpool_reset();
    if (status !== 0) {
      throw new MpoolError(STATUS[status] ?? 'Malformed', new TextDecoder().decode(out));
    }
    // `Proven`: block_hash, number (u32), state_root, Option<Vec<u8>> pool, Option<Vec<u8>> paid.
    const { blockHash, number: blockNumber, pool, paid } = abi.decodeExact(abi.proven, out, 'proven values');
    // The bundle's pool id follows its version byte.
    const poolId = abi.decodePrefix(abi.u64, bytes.subarray(1, 9), 'pool id');
    if (!equalBytes(blockHash, bytesOf(policy.trustedHash, 32, 'trusted hash'))) {
      throw new MpoolError('UnknownBlock', `block ${blockNumber} ${toHex(blockHash)} is not the one the peer trusts`);
    }
    return this.admit({ poolId, block: blockNumber, pool, paid }, 'bundle', policy, blockHash);
  }

  /**
   * Admits a pool on a view the peer trusts — a bundle's (`verify` does this), or its own read
   * at its head (a light client's `readPool`) — under the policy's admission rules.
   */
  admit(view: RawView, source: Source, policy: Omit<Policy, 'trustedHash'>, blockHash: Uint8Array = new Uint8Array(32)): VerifiedPool {
    const resource = typeof policy.resourceId === 'string' ? new TextEncoder().encode(policy.resourceId) : policy.resourceId;
    const limits = this.limits(policy.limits);
    const ledger = this.#policy(
      OP.OPEN,
      concat(abi.view.enc(view), abi.source.enc(source), abi.account.enc(accountId(policy.me)), abi.bytes.enc(resource), abi.u32.enc(policy.now), abi.limits.enc(limits)),
    );
    // Admitted: the pool exists and its record decoded in wasm; decode it again for display.
    const record = decodePoolRecord(view.pool as Uint8Array);
    const paidToMe = view.paid === null ? 0n : abi.decodeExact(abi.u128, view.paid, 'paid record');
    const status = this.status(ledger, limits);
    return {
      poolId: view.poolId,
      owner: record.owner,
      signer: record.signer,
      resourceId: record.resourceId,
      deposit: record.deposit,
      collateral: record.collateral,
      totalDeposit: record.totalDeposit,
      expiry: record.expiry,
      payees: record.payees,
      paidToMe,
      blockNumber: view.block,
      blockHash,
      ledger,
      view,
      servingEnds: status.servingEnds,
      cap: status.cap,
    };
  }

  /** Takes a newer view of a known pool into its ledger; an older one changes nothing. */
  observe(ledger: Uint8Array, view: RawView, source: Source): { ledger: Uint8Array; taken: boolean } {
    const out = this.#policy(OP.OBSERVE, concat(ledger, abi.view.enc(view), abi.source.enc(source)));
    const [outcome, next] = abi.decodeExact(abi.withLedger(abi.u8), out, 'observed');
    return { ledger: next, taken: outcome === 0 };
  }

  /** Checks a voucher's amount at the peer's head `now`; returns the ledger with it kept. */
  accept(ledger: Uint8Array, amount: bigint, now: number, limits: Limits): { ledger: Uint8Array; accepted: Accepted } {
    const out = this.#policy(OP.ACCEPT, concat(ledger, abi.u128.enc(amount), abi.u32.enc(now), abi.limits.enc(limits)));
    const [accepted, next] = abi.decodeExact(abi.withLedger(abi.accepted), out, 'accepted');
    return { ledger: next, accepted };
  }

  /** The peer's settlement landed: the chain recorded `amount` and paid out `paid` for it. */
  settled(ledger: Uint8Array, amount: bigint, paid: bigint): Uint8Array {
    return this.#policy(OP.SETTLED, concat(ledger, abi.u128.enc(amount), abi.u128.enc(paid)));
  }

  /** Whether the peer should settle now, at its head `now`. */
  settleNow(ledger: Uint8Array, now: number, limits: Limits): SettleReason | null {
    const out = this.#policy(OP.SETTLE_NOW, concat(ledger, abi.u32.enc(now), abi.limits.enc(limits)));
    return abi.decodeExact(abi.reason, out, 'reason');
  }

  /** A ledger's figures. */
  status(ledger: Uint8Array, limits: Limits): LedgerStatus {
    return abi.decodeExact(abi.status, this.#policy(OP.STATUS, concat(ledger, abi.limits.enc(limits))), 'status');
  }

  /**
   * The tip for a settlement when `blocksLeft` blocks of its window remain, guarding `stake`
   * (the collateral plus what is owed), for a transaction of which `perBlock` fit in a block.
   */
  tip(stake: bigint, blocksLeft: number, perBlock: bigint, limits: Limits): bigint {
    const out = this.#policy(OP.TIP, concat(abi.u128.enc(stake), abi.u32.enc(Math.max(0, blocksLeft)), abi.u64.enc(perBlock), abi.limits.enc(limits)));
    return abi.decodeExact(abi.u128, out, 'tip');
  }

  /** How many transactions of `weight` and `len` bytes fit in a block (`maxBlock`, `maxLen`). */
  txPerBlock(maxBlock: [bigint, bigint], maxLen: bigint, weight: [bigint, bigint], len: bigint): bigint {
    const input = concat(...[maxBlock[0], maxBlock[1], maxLen, weight[0], weight[1], len].map((n) => abi.u64.enc(n)));
    return abi.decodeExact(abi.u64, this.#policy(OP.TX_PER_BLOCK, input), 'count');
  }

  /** The viewer's rule: throws `ExceedsDeposit` if `toOthers + amount` exceeds `deposit`. */
  promise(toOthers: bigint, amount: bigint, deposit: bigint): void {
    this.#policy(OP.PROMISE, concat(abi.u128.enc(toOthers), abi.u128.enc(amount), abi.u128.enc(deposit)));
  }

  /** A ledger for a pool a store kept before ledgers existed: it settles, and serves on no terms until a new view. */
  legacy(p: { poolId: bigint; owner: Uint8Array; signer: Uint8Array; resourceId: Uint8Array; expiry: number; settled: bigint; best: bigint }): Uint8Array {
    return this.#policy(
      OP.LEGACY,
      concat(abi.u64.enc(p.poolId), abi.account.enc(p.owner), abi.account.enc(p.signer), abi.bytes.enc(p.resourceId), abi.u32.enc(p.expiry), abi.u128.enc(p.settled), abi.u128.enc(p.best)),
    );
  }
}
