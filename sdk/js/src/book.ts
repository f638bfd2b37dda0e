// The peer's voucher book: per pool, the peer policy's ledger (what the peer knows of the pool
// and is owed) and the best voucher, written to a store before a voucher is acknowledged. Every
// rule — fresh terms, the deposit relied on, the exposure cap, when serving ends, when to
// settle — runs in the wasm policy (`HandshakeVerifier`), the Rust client's code.
import { accountId } from './account.js';
import { MpoolError } from './errors.js';
import { bytesOf, equalBytes, fromHex, toHex } from './codec.js';
import type { HandshakeVerifier, VerifiedPool } from './handshake.js';
import type { Accepted, LedgerStatus, Limits, RawView, SettleReason, Source } from './policy.js';
import { decodeToken, tokenHex } from './token.js';
import type { SignedVoucher } from './voucher.js';

/** One pool as a store keeps it: JSON-safe (bytes as hex). */
export interface StoredPool {
  poolId: string;
  /** The policy's ledger of the pool, SCALE in hex: the same bytes the Rust client stores. */
  ledger?: string;
  /** The best voucher held, as a token in hex. */
  best: string | null;
  // A store written before ledgers: these fields instead of `ledger`.
  signer?: string;
  deposit?: string;
  expiry?: number;
  settled?: string;
}

/** Where a book keeps its pools. `save` must be durable when its promise resolves. */
export interface VoucherStore {
  load(): Promise<StoredPool[]>;
  save(pool: StoredPool): Promise<void>;
}

/** A store in memory: for tests, and for peers that settle before they could lose state. */
export class MemoryStore implements VoucherStore {
  readonly pools = new Map<string, StoredPool>();

  async load(): Promise<StoredPool[]> {
    return [...this.pools.values()].map((p) => ({ ...p }));
  }

  async save(pool: StoredPool): Promise<void> {
    this.pools.set(pool.poolId, { ...pool });
  }
}

interface Entry {
  ledger: Uint8Array;
  best: SignedVoucher | null;
}

const voucherOf = (token: Uint8Array | string | SignedVoucher): SignedVoucher =>
  typeof token === 'object' && 'voucher' in token ? token : decodeToken(token);

/**
 * A peer's book of the pools it serves and the vouchers it was paid with. Changes are applied one
 * at a time (in call order) and each is saved before its promise resolves: serve the chunk only
 * after `accept` resolved, and a crash loses no payment earned.
 *
 * The book judges vouchers at its head: the latest block the peer's node or light client
 * finalized, which `observe` (with a read at that block) or `advance` moves. Follow each pool
 * (`LightPeer.follow`) so that a drained, overdrawn or closed pool stops taking increments.
 */
export class VoucherBook {
  readonly #me: Uint8Array;
  readonly #genesis: Uint8Array;
  readonly #store: VoucherStore;
  readonly #policy: HandshakeVerifier;
  readonly limits: Limits;
  readonly #pools = new Map<bigint, Entry>();
  #head = 0;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(me: Uint8Array, genesis: Uint8Array, store: VoucherStore, policy: HandshakeVerifier, limits: Limits) {
    this.#me = me;
    this.#genesis = genesis;
    this.#store = store;
    this.#policy = policy;
    this.limits = limits;
  }

  /**
   * Opens the book of peer `me` on the chain with `genesisHash`, reading what `store` holds.
   * `verifier` (a loaded `HandshakeVerifier`) runs the policy and checks signatures; `limits`
   * overrides its defaults.
   */
  static async open(options: {
    me: Uint8Array | string;
    genesisHash: Uint8Array | string;
    verifier: HandshakeVerifier;
    store?: VoucherStore;
    limits?: Partial<Limits>;
  }): Promise<VoucherBook> {
    const book = new VoucherBook(
      accountId(options.me),
      bytesOf(options.genesisHash, 32, 'genesis hash'),
      options.store ?? new MemoryStore(),
      options.verifier,
      options.verifier.limits(options.limits),
    );
    let stored: StoredPool[];
    try {
      stored = await book.#store.load();
    } catch (e) {
      throw new MpoolError('Store', `cannot read the voucher store: ${(e as Error).message}`);
    }
    for (const p of stored) {
      const best = p.best ? decodeToken(p.best) : null;
      const ledger = p.ledger !== undefined ? fromHex(p.ledger) : book.#legacy(p, best);
      book.#pools.set(BigInt(p.poolId), { ledger, best });
      book.#head = Math.max(book.#head, book.#status(ledger).block);
    }
    return book;
  }

  /** A pool stored before ledgers: settles its best voucher, serves on no terms until a new view. */
  #legacy(p: StoredPool, best: SignedVoucher | null): Uint8Array {
    const signer = accountId(p.signer ?? new Uint8Array(32));
    const settled = BigInt(p.settled ?? '0');
    return this.#policy.legacy({
      poolId: BigInt(p.poolId),
      owner: signer,
      signer,
      resourceId: new Uint8Array(),
      expiry: p.expiry ?? 0,
      settled,
      best: best ? best.voucher.amount : settled,
    });
  }

  #status(ledger: Uint8Array): LedgerStatus {
    return this.#policy.status(ledger, this.limits);
  }

  /** The peer's head as the book last learnt it. */
  get head(): number {
    return this.#head;
  }

  /** Moves the book's head forward (never back): the block the peer's chain view finalized. */
  advance(head: number): void {
    this.#head = Math.max(this.#head, head);
  }

  /** Runs `change` after every earlier change; saves the entry it returns before committing it. */
  #serial<T>(change: () => { result: T; pool: bigint; entry: Entry | null }): Promise<T> {
    const run = this.#queue.then(async () => {
      const { result, pool, entry } = change();
      if (entry) {
        try {
          await this.#store.save({ poolId: pool.toString(), ledger: toHex(entry.ledger), best: entry.best ? tokenHex(entry.best) : null });
        } catch (e) {
          throw new MpoolError('Store', `cannot write the voucher store: ${(e as Error).message}`);
        }
        this.#pools.set(pool, entry);
      }
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Records a pool the policy admitted (`HandshakeVerifier.verify`, `LightPeer.verifyBundle` or
   * `readPool`). For a pool already known, its view is observed like any other: an older proof
   * never replaces newer terms, and what was settled or accepted never goes down.
   */
  recordHandshake(pool: VerifiedPool, source: Source = 'bundle'): Promise<void> {
    return this.#serial(() => {
      if (source === 'chain') this.advance(pool.blockNumber);
      const known = this.#pools.get(pool.poolId);
      if (!known) return { result: undefined, pool: pool.poolId, entry: { ledger: pool.ledger, best: null } };
      const { ledger, taken } = this.#policy.observe(known.ledger, pool.view, source);
      return { result: undefined, pool: pool.poolId, entry: taken ? { ...known, ledger } : null };
    });
  }

  /**
   * Takes a view of a known pool: a read at the peer's own head (`source` 'chain') confirms and
   * follows it, and moves the book's head there. Resolves whether the view was newer.
   */
  observe(view: RawView, source: Source): Promise<boolean> {
    return this.#serial(() => {
      if (source === 'chain') this.advance(view.block);
      const known = this.#pools.get(view.poolId);
      if (!known) throw new MpoolError('UnknownPool', `no handshake with pool ${view.poolId}: verify its bundle first`);
      const { ledger, taken } = this.#policy.observe(known.ledger, view, source);
      return { result: taken, pool: view.poolId, entry: taken ? { ...known, ledger } : null };
    });
  }

  #judge(token: Uint8Array | string | SignedVoucher): { signed: SignedVoucher; entry: Entry; ledger: Uint8Array; accepted: Accepted } {
    const signed = voucherOf(token);
    const v = signed.voucher;
    if (!equalBytes(v.genesisHash, this.#genesis)) throw new MpoolError('WrongChain', 'voucher is for another chain');
    if (!equalBytes(v.target, this.#me)) throw new MpoolError('WrongTarget', 'voucher pays another peer');
    const entry = this.#pools.get(v.poolId);
    if (!entry) throw new MpoolError('UnknownPool', `no handshake with pool ${v.poolId}: verify its bundle first`);
    if (this.#policy.verifyVoucher(signed, this.#status(entry.ledger).signer) === null) {
      throw new MpoolError('BadSignature', "signature is not the pool signer's");
    }
    const { ledger, accepted } = this.#policy.accept(entry.ledger, v.amount, this.#head, this.limits);
    return { signed, entry, ledger, accepted };
  }

  /**
   * Checks a voucher without keeping it: right chain, right peer, the signer's signature, then
   * the policy at the book's head. Throws an `MpoolError` naming why not.
   */
  check(token: Uint8Array | string | SignedVoucher): Accepted {
    return this.#judge(token).accepted;
  }

  /** Checks a voucher and keeps it as the pool's best; resolves once the store has it. */
  accept(token: Uint8Array | string | SignedVoucher): Promise<Accepted> {
    return this.#serial(() => {
      const { signed, ledger, accepted } = this.#judge(token);
      return { result: accepted, pool: accepted.poolId, entry: { ledger, best: signed } };
    });
  }

  /**
   * Records that the chain recorded `amount` (cumulative) as paid to this peer by `poolId` and
   * paid out `paid` for it (the `Settled` event's `paid`): paid short means the pool was
   * overdrawn, and the book takes no more of its vouchers.
   */
  markSettled(poolId: bigint, amount: bigint, paid: bigint): Promise<void> {
    return this.#serial(() => {
      const entry = this.#pools.get(poolId);
      if (!entry) throw new MpoolError('UnknownPool', `no handshake with pool ${poolId}`);
      return { result: undefined, pool: poolId, entry: { ...entry, ledger: this.#policy.settled(entry.ledger, amount, paid) } };
    });
  }

  /** Whether the policy says to settle `poolId` now, at the book's head. */
  settleNow(poolId: bigint): SettleReason | null {
    const entry = this.#pools.get(poolId);
    return entry ? this.#policy.settleNow(entry.ledger, this.#head, this.limits) : null;
  }

  /** The best voucher held for `poolId` that the chain has not paid yet: what to settle. */
  unsettled(poolId: bigint): SignedVoucher | null {
    const entry = this.#pools.get(poolId);
    if (!entry?.best) return null;
    return entry.best.voucher.amount > this.#status(entry.ledger).settled ? entry.best : null;
  }

  /** The pool's ledger bytes (to hand to `HandshakeVerifier` operations), if known. */
  ledger(poolId: bigint): Uint8Array | undefined {
    return this.#pools.get(poolId)?.ledger;
  }

  /** The pools the book knows, with the policy's figures for each. */
  pools(): (LedgerStatus & { deposit: bigint })[] {
    return [...this.#pools.values()].map((e) => {
      const s = this.#status(e.ledger);
      return { ...s, deposit: s.reliedOn };
    });
  }
}
