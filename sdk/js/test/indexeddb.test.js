// The browser store (IndexedDbStore) under Node, on fake-indexeddb (an implementation of the
// IndexedDB API in JS that the W3C tests check): a voucher is in the database when `accept`
// resolves, and a book reopened on the database finds its pools and best vouchers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IDBFactory } from 'fake-indexeddb';
import { Payer, SessionKey, VoucherBook, toHex } from '../dist/index.js';
import { IndexedDbStore } from '../dist/store-indexeddb.js';

const GENESIS = new Uint8Array(32).fill(0x42);
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';

describe('IndexedDbStore', () => {
  it('keeps each accepted voucher, the signer and what was settled, across a reopen', async () => {
    const factory = new IDBFactory();
    const session = SessionKey.fromSeed(new Uint8Array(32).fill(5));
    const store = await IndexedDbStore.open('peer-bob', factory);
    const book = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store });
    await book.recordHandshake({ poolId: 9n, signer: session.publicKey, deposit: 500n, paidToMe: 0n, expiry: 100 });
    const payer = new Payer(session, GENESIS, 9n, 500n);
    for (let i = 0; i < 5; i++) await book.accept(payer.pay(BOB, 10n));
    // Written before `accept` resolved: a fresh connection reads it.
    const raw = await (await IndexedDbStore.open('peer-bob', factory)).load();
    assert.equal(raw.length, 1);
    assert.equal(raw[0].signer, toHex(session.publicKey));
    await book.markSettled(9n, 30n);
    store.close();

    const again = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store: await IndexedDbStore.open('peer-bob', factory) });
    assert.equal(again.unsettled(9n).voucher.amount, 50n);
    assert.deepEqual(again.pools().map((p) => [p.poolId, p.best, p.settled]), [[9n, 50n, 30n]]);
    // Another database is another peer's: empty.
    const other = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store: await IndexedDbStore.open('peer-carol', factory) });
    assert.deepEqual(other.pools(), []);
  });
});
