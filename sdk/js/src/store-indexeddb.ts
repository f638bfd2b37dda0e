// The browser's IndexedDB stores: a peer's voucher store (one record per pool) and a player's
// session (its session key, pool and what it signed each peer). Every write is a transaction that
// has completed (durably, `durability: 'strict'`) before `save` resolves.
import type { StoredPool, VoucherStore } from './book.js';

const STORE = 'pools';

function put(db: IDBDatabase, store: string, value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, 'readwrite', { durability: 'strict' });
    tx.objectStore(store).put(value);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** The voucher store of one peer, in the IndexedDB database `name`. */
export class IndexedDbStore implements VoucherStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(name = 'mpool-vouchers', factory: IDBFactory = indexedDB): Promise<IndexedDbStore> {
    const req = factory.open(name, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(STORE, { keyPath: 'poolId' });
    };
    return new IndexedDbStore(await request(req));
  }

  async load(): Promise<StoredPool[]> {
    return request(this.db.transaction(STORE, 'readonly').objectStore(STORE).getAll() as IDBRequest<StoredPool[]>);
  }

  save(pool: StoredPool): Promise<void> {
    return put(this.db, STORE, pool);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * A player's session as it persists it: the session key's seed (it signs vouchers without a
 * wallet prompt, for this pool only), the pool, and each peer's cumulative amount signed
 * (`Payer.entries()`; restore them with `Payer.restore`). Amounts are decimal strings.
 */
export interface PlayerSessionRecord {
  id: string;
  seed: string;
  poolId: string;
  deposit: string;
  owed: [string, string][];
}

const SESSIONS = 'sessions';

/** A player's sessions, in the IndexedDB database `name`, keyed by `id` (e.g. the resource). */
export class IndexedDbPlayerStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(name = 'mpool-player', factory: IDBFactory = indexedDB): Promise<IndexedDbPlayerStore> {
    const req = factory.open(name, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(SESSIONS, { keyPath: 'id' });
    };
    return new IndexedDbPlayerStore(await request(req));
  }

  async load(id: string): Promise<PlayerSessionRecord | undefined> {
    return request(this.db.transaction(SESSIONS, 'readonly').objectStore(SESSIONS).get(id) as IDBRequest<PlayerSessionRecord | undefined>);
  }

  save(record: PlayerSessionRecord): Promise<void> {
    return put(this.db, SESSIONS, record);
  }

  close(): void {
    this.db.close();
  }
}
