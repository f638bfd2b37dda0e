/// <reference types="node" />
// Node-only helpers: a voucher store in a JSON file.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoredPool, VoucherStore } from './book.js';

/**
 * A voucher store in one JSON file. Each save writes a temporary file, fsyncs it and renames it
 * over the store, so the file is always whole. One process per file: the book serialises its
 * own writes.
 */
export class FileStore implements VoucherStore {
  #pools: Map<string, StoredPool> | null = null;

  constructor(readonly path: string) {}

  async load(): Promise<StoredPool[]> {
    try {
      const file = JSON.parse(await readFile(this.path, 'utf8')) as { version: number; pools: StoredPool[] };
      if (file.version !== 1) throw new Error(`unknown store version ${file.version}`);
      this.#pools = new Map(file.pools.map((p) => [p.poolId, p]));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      this.#pools = new Map();
    }
    return [...this.#pools.values()];
  }

  async save(pool: StoredPool): Promise<void> {
    const pools = this.#pools ?? new Map((await this.load()).map((p) => [p.poolId, p]));
    pools.set(pool.poolId, pool);
    this.#pools = pools;
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify({ version: 1, pools: [...pools.values()] }, null, 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
  }
}
