// A voucher store in the browser's IndexedDB: one record per pool, written in a transaction
// that has completed (durably, `durability: 'strict'`) before `save` resolves.
import type { StoredPool, VoucherStore } from './book.js';

const STORE = 'pools';

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
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(STORE, 'readwrite', { durability: 'strict' });
      tx.objectStore(STORE).put(pool);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
    });
  }

  close(): void {
    this.db.close();
  }
}
