// The peer's voucher book: the best voucher per pool, with the peer's exposure bounded by the
// pool's remaining deposit, written to a store before a voucher is acknowledged.
import { accountId } from './account.js';
import { MpoolError } from './errors.js';
import { bytesOf, equalBytes, toHex } from './hex.js';
import { decodeToken, tokenHex } from './token.js';
import { verifyVoucher, type PayloadForm, type SignedVoucher } from './voucher.js';

/** Checks voucher signatures: `HandshakeVerifier` (wasm) or this package's `verifyVoucher`. */
export interface SignatureChecker {
  verifyVoucher(signed: SignedVoucher, signer: Uint8Array | string): PayloadForm | null;
}

/** What a verified handshake proved about a pool, as far as the book needs it. */
export interface PoolTerms {
  poolId: bigint;
  /** The account whose signatures the pool's vouchers need (its owner or a session key). */
  signer: Uint8Array;
  /** Deposit left at the proven block: the most the peer may be owed unsettled. */
  deposit: bigint;
  /** What the pool had already paid this peer at the proven block. */
  paidToMe: bigint;
  /** First block at which the pool takes no more funds: serve only before it. */
  expiry: number;
}

/** One pool as a store keeps it: JSON-safe (bigints as decimal strings, bytes as hex). */
export interface StoredPool {
  poolId: string;
  signer: string;
  deposit: string;
  expiry: number;
  /** Cumulative amount the chain has paid this peer. */
  settled: string;
  /** The best voucher held, as a token in hex. */
  best: string | null;
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

/** A voucher the book accepted. */
export interface Accepted {
  poolId: bigint;
  /** The voucher's cumulative amount. */
  amount: bigint;
  /** What it adds to the best voucher held before. */
  increment: bigint;
  /** Owed but not settled: the peer's exposure to this pool. */
  unsettled: bigint;
  /** The pool's remaining deposit at the handshake, which covers `unsettled`. */
  deposit: bigint;
}

interface Entry {
  terms: PoolTerms;
  settled: bigint;
  best: SignedVoucher | null;
}

const bestAmount = (e: Entry) => (e.best ? e.best.voucher.amount : e.settled);

/**
 * A peer's book of the vouchers it was paid with. Changes are applied one at a time (in call
 * order) and each is saved before its promise resolves: serve the chunk only after `accept`
 * resolved, and a crash loses no payment earned.
 */
export class VoucherBook {
  readonly #me: Uint8Array;
  readonly #genesis: Uint8Array;
  readonly #store: VoucherStore;
  readonly #checker: SignatureChecker;
  readonly #pools = new Map<bigint, Entry>();
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(me: Uint8Array, genesis: Uint8Array, store: VoucherStore, checker: SignatureChecker) {
    this.#me = me;
    this.#genesis = genesis;
    this.#store = store;
    this.#checker = checker;
  }

  /**
   * Opens the book of peer `me` on the chain with `genesisHash`, reading what `store` holds.
   * Pass a loaded `HandshakeVerifier` as `checker` to check signatures in wasm (about 20 times
   * faster than the pure-JS default).
   */
  static async open(options: {
    me: Uint8Array | string;
    genesisHash: Uint8Array | string;
    store?: VoucherStore;
    checker?: SignatureChecker;
  }): Promise<VoucherBook> {
    const book = new VoucherBook(
      accountId(options.me),
      bytesOf(options.genesisHash, 32, 'genesis hash'),
      options.store ?? new MemoryStore(),
      options.checker ?? { verifyVoucher },
    );
    let stored: StoredPool[];
    try {
      stored = await book.#store.load();
    } catch (e) {
      throw new MpoolError('Store', `cannot read the voucher store: ${(e as Error).message}`);
    }
    for (const p of stored) {
      const best = p.best ? decodeToken(p.best) : null;
      book.#pools.set(BigInt(p.poolId), {
        terms: {
          poolId: BigInt(p.poolId),
          signer: accountId(p.signer),
          deposit: BigInt(p.deposit),
          paidToMe: BigInt(p.settled),
          expiry: p.expiry,
        },
        settled: BigInt(p.settled),
        best,
      });
    }
    return book;
  }

  /** Runs `change` after every earlier change, then saves the pool it names. */
  #serial<T>(change: () => { result: T; pool: bigint }): Promise<T> {
    const run = this.#queue.then(async () => {
      const { result, pool } = change();
      const entry = this.#pools.get(pool);
      if (entry) {
        try {
          await this.#store.save(stored(entry));
        } catch (e) {
          throw new MpoolError('Store', `cannot write the voucher store: ${(e as Error).message}`);
        }
      }
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Records a verified handshake. A newer proof never lowers what was settled or the best voucher. */
  recordHandshake(terms: PoolTerms): Promise<void> {
    return this.#serial(() => {
      const known = this.#pools.get(terms.poolId);
      if (known) {
        known.terms = { ...terms, signer: accountId(terms.signer) };
        if (terms.paidToMe > known.settled) known.settled = terms.paidToMe;
      } else {
        this.#pools.set(terms.poolId, {
          terms: { ...terms, signer: accountId(terms.signer) },
          settled: terms.paidToMe,
          best: null,
        });
      }
      return { result: undefined, pool: terms.poolId };
    });
  }

  /** Checks a voucher without keeping it: right chain, right peer, the signer's signature, more
   * than the best held, unsettled total within the deposit. Throws an `MpoolError` naming why not. */
  check(token: Uint8Array | string | SignedVoucher): Accepted {
    const signed = typeof token === 'object' && 'voucher' in token ? token : decodeToken(token);
    const v = signed.voucher;
    if (!equalBytes(v.genesisHash, this.#genesis)) throw new MpoolError('WrongChain', 'voucher is for another chain');
    if (!equalBytes(v.target, this.#me)) throw new MpoolError('WrongTarget', 'voucher pays another peer');
    const entry = this.#pools.get(v.poolId);
    if (!entry) throw new MpoolError('UnknownPool', `no handshake with pool ${v.poolId}: verify its bundle first`);
    if (this.#checker.verifyVoucher(signed, entry.terms.signer) === null) {
      throw new MpoolError('BadSignature', "signature is not the pool signer's");
    }
    const best = bestAmount(entry);
    if (v.amount <= best) throw new MpoolError('Stale', `voucher for ${v.amount} does not exceed the best one held (${best})`);
    const unsettled = v.amount - entry.settled;
    if (unsettled > entry.terms.deposit) {
      throw new MpoolError('ExceedsDeposit', `unsettled ${unsettled} would exceed the pool's remaining deposit ${entry.terms.deposit}`);
    }
    return { poolId: v.poolId, amount: v.amount, increment: v.amount - best, unsettled, deposit: entry.terms.deposit };
  }

  /** Checks a voucher and keeps it as the pool's best; resolves once the store has it. */
  accept(token: Uint8Array | string | SignedVoucher): Promise<Accepted> {
    return this.#serial(() => {
      const signed = typeof token === 'object' && 'voucher' in token ? token : decodeToken(token);
      const accepted = this.check(signed);
      const entry = this.#pools.get(accepted.poolId) as Entry; // check() found it
      entry.best = signed;
      return { result: accepted, pool: accepted.poolId };
    });
  }

  /** Records that the chain paid this peer `amount` (cumulative) from `poolId`. */
  markSettled(poolId: bigint, amount: bigint): Promise<void> {
    return this.#serial(() => {
      const entry = this.#pools.get(poolId);
      if (!entry) throw new MpoolError('UnknownPool', `no handshake with pool ${poolId}`);
      if (amount > entry.settled) entry.settled = amount;
      return { result: undefined, pool: poolId };
    });
  }

  /** The best voucher held for `poolId` that the chain has not paid yet: what to settle. */
  unsettled(poolId: bigint): SignedVoucher | null {
    const entry = this.#pools.get(poolId);
    return entry?.best && entry.best.voucher.amount > entry.settled ? entry.best : null;
  }

  /** The pools the book knows, with the best amount held and what was settled. */
  pools(): { poolId: bigint; signer: Uint8Array; deposit: bigint; best: bigint; settled: bigint }[] {
    return [...this.#pools.values()].map((e) => ({
      poolId: e.terms.poolId,
      signer: e.terms.signer,
      deposit: e.terms.deposit,
      best: bestAmount(e),
      settled: e.settled,
    }));
  }
}

function stored(e: Entry): StoredPool {
  return {
    poolId: e.terms.poolId.toString(),
    signer: toHex(e.terms.signer),
    deposit: e.terms.deposit.toString(),
    expiry: e.terms.expiry,
    settled: e.settled.toString(),
    best: e.best ? tokenHex(e.best) : null,
  };
}
