// The browser store (IndexedDbStore) under Node, on fake-indexeddb (an implementation of the
// IndexedDB API in JS that the W3C tests check): a voucher is in the database when `accept`
// resolves, and a book reopened on the database finds its pools and best vouchers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IDBFactory } from 'fake-indexeddb';
import { HandshakeVerifier, Payer, SessionKey, VoucherBook } from '../dist/index.js';
import { IndexedDbPlayerStore, IndexedDbStore } from '../dist/store-indexeddb.js';
import { poolRecord } from './records.js';

const GENESIS = new Uint8Array(32).fill(0x42);
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';

describe('IndexedDbStore', () => {
  it('keeps each accepted voucher, the ledger and what was settled, across a reopen', async () => {
    const factory = new IDBFactory();
    const verifier = await HandshakeVerifier.load();
    const session = SessionKey.fromSeed(new Uint8Array(32).fill(5));
    const store = await IndexedDbStore.open('peer-bob', factory);
    const book = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store, verifier });
    const record = poolRecord({ owner: new Uint8Array(32).fill(1), signer: session.publicKey, deposit: 500n, collateral: 1_000n, expiry: 100 });
    await book.recordHandshake(verifier.admit({ poolId: 9n, block: 50, pool: record, paid: null }, 'chain', { me: BOB, now: 50, resourceId: 'movie' }), 'chain');
    const payer = new Payer(session, GENESIS, 9n, 500n, verifier);
    for (let i = 0; i < 5; i++) await book.accept(payer.pay(BOB, 10n));
    // Written before `accept` resolved: a fresh connection reads it.
    const raw = await (await IndexedDbStore.open('peer-bob', factory)).load();
    assert.equal(raw.length, 1);
    assert.match(raw[0].ledger, /^0x/);
    await book.markSettled(9n, 30n, 30n);
    store.close();

    const again = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store: await IndexedDbStore.open('peer-bob', factory), verifier });
    assert.equal(again.unsettled(9n).voucher.amount, 50n);
    assert.deepEqual(again.pools().map((p) => [p.poolId, p.best, p.settled, p.reliedOn]), [[9n, 50n, 30n, 470n]]);
    // Another database is another peer's: empty.
    const other = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store: await IndexedDbStore.open('peer-carol', factory), verifier });
    assert.deepEqual(other.pools(), []);
  });
});

describe('IndexedDbPlayerStore', () => {
  it("keeps a player's session across a reopen, and a restored payer signs on from it", async () => {
    const factory = new IDBFactory();
    const verifier = await HandshakeVerifier.load();
    const seed = `0x${'05'.repeat(32)}`;
    const payer = new Payer(SessionKey.fromSeed(seed), GENESIS, 9n, 500n, verifier);
    const store = await IndexedDbPlayerStore.open('player', factory);
    assert.equal(await store.load('movie'), undefined);
    for (let i = 0; i < 3; i++) {
      payer.pay(BOB, 10n);
      await store.save({ id: 'movie', seed, poolId: '9', deposit: '500', owed: payer.entries().map(([p, a]) => [p, String(a)]) });
    }
    store.close();

    // The page reloads: a new connection, a new payer from the record.
    const again = await IndexedDbPlayerStore.open('player', factory);
    const saved = await again.load('movie');
    assert.equal(saved.poolId, '9');
    const restored = new Payer(SessionKey.fromSeed(saved.seed), GENESIS, BigInt(saved.poolId), BigInt(saved.deposit), verifier);
    for (const [peer, amount] of saved.owed) restored.restore(peer, BigInt(amount));
    assert.equal(restored.pay(BOB, 10n).voucher.amount, 40n);
    again.close();
  });
});
