// The peer's voucher book under the peer policy (run in wasm): every refusal has its code, what
// the peer relies on shrinks with its own settlements, an older proof never replaces newer
// terms, and nothing is acknowledged before the store has it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { HandshakeVerifier, MemoryStore, MpoolError, Payer, SessionKey, VoucherBook, accountId, ss58, tokenHex, toHex } from '../dist/index.js';
import { FileStore } from '../dist/node.js';
import { paidRecord, poolRecord } from './records.js';

const GENESIS = new Uint8Array(32).fill(0x42);
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const OWNER = new Uint8Array(32).fill(1);
const code = (c) => (e) => e instanceof MpoolError && e.code === c;

let verifier;
before(async () => {
  verifier = await HandshakeVerifier.load();
});

const session = SessionKey.fromSeed(new Uint8Array(32).fill(7));
const view = (block, fields = {}, paid = null) => ({
  poolId: 3n,
  block,
  pool: poolRecord({ owner: OWNER, signer: session.publicKey, deposit: 1_000n, collateral: 2_000n, ...fields }),
  paid: paid === null ? null : paidRecord(paid),
});

/** A book that admitted pool 3 (deposit 1000, collateral 2000: cap 1000) on a read at block 100. */
async function setup({ fields = {}, store = new MemoryStore(), source = 'chain', limits } = {}) {
  const book = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store, verifier, limits });
  const pool = verifier.admit(view(100, fields), source, { me: BOB, now: 100, resourceId: 'movie', limits });
  await book.recordHandshake(pool, source);
  const payer = new Payer(session, GENESIS, 3n, fields.deposit ?? 1_000n, verifier, { allowOverDeposit: true });
  return { book, payer, store };
}

describe('accounts', () => {
  it('SS58 and hex name the same 32 bytes; a bad checksum is refused', () => {
    const bob = accountId(BOB);
    assert.equal(toHex(bob), '0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48');
    assert.equal(ss58(bob), BOB);
    assert.deepEqual(accountId(toHex(bob)), bob);
    assert.throws(() => accountId(`${BOB.slice(0, -1)}u`), code('Malformed'));
  });
});

describe('voucher book', () => {
  it('accepts increasing vouchers of the session key and refuses stale ones', async () => {
    const { book, payer } = await setup();
    const first = payer.pay(BOB, 10n);
    const a = await book.accept(tokenHex(first));
    assert.deepEqual(
      [a.poolId, a.amount, a.increment, a.unsettled, a.deposit, a.cap, a.settleNow],
      [3n, 10n, 10n, 10n, 1_000n, 1_000n, null],
    );
    const second = payer.pay(BOB, 15n);
    assert.equal((await book.accept(second)).increment, 15n);
    await assert.rejects(book.accept(first), code('StaleVoucher'));
    await assert.rejects(book.accept(second), code('StaleVoucher'));
    assert.equal(book.unsettled(3n).voucher.amount, 25n);
  });

  it("refuses the owner's key, other chains, other peers, unknown pools", async () => {
    const { book } = await setup();
    const owner = SessionKey.fromSeed(new Uint8Array(32).fill(1));
    const other = new Payer(owner, GENESIS, 3n, 1_000n, verifier);
    await assert.rejects(book.accept(other.pay(BOB, 5n)), code('BadSignature'));
    await assert.rejects(book.accept(new Payer(session, new Uint8Array(32), 3n, 1_000n, verifier).pay(BOB, 5n)), code('WrongChain'));
    await assert.rejects(book.accept(new Payer(session, GENESIS, 3n, 1_000n, verifier).pay(owner.publicKey, 5n)), code('WrongTarget'));
    await assert.rejects(book.accept(new Payer(session, GENESIS, 4n, 1_000n, verifier).pay(BOB, 5n)), code('UnknownPool'));
    // A tampered amount voids the signature.
    const signed = new Payer(session, GENESIS, 3n, 1_000n, verifier).pay(BOB, 5n);
    await assert.rejects(book.accept({ ...signed, voucher: { ...signed.voucher, amount: 6n } }), code('BadSignature'));
    assert.equal(book.unsettled(3n), null);
  });

  it('relies on the deposit left less its own settlements: after settling all of it, no next increment', async () => {
    const { book, payer } = await setup({ fields: { deposit: 100n, collateral: 1_000n } });
    await book.accept(payer.pay(BOB, 100n));
    await assert.rejects(book.accept(payer.pay(BOB, 1n)), code('ExceedsDeposit'));
    await book.markSettled(3n, 100n, 100n);
    assert.equal(book.unsettled(3n), null);
    // The whole deposit went to this peer: it relies on nothing more.
    await assert.rejects(book.accept(payer.pay(BOB, 1n)), code('Exhausted'));
    assert.equal(book.pools()[0].reliedOn, 0n);
  });

  it('exposure stays within the cap (the margin C − D), and the book says when to settle', async () => {
    const { book, payer } = await setup({ fields: { collateral: 1_100n } });
    const a = await book.accept(payer.pay(BOB, 49n));
    assert.deepEqual([a.cap, a.settleNow], [100n, null]);
    assert.equal((await book.accept(payer.pay(BOB, 1n))).settleNow, 'Exposure');
    assert.equal(book.settleNow(3n), 'Exposure');
    await book.accept(payer.pay(BOB, 50n));
    await assert.rejects(book.accept(payer.pay(BOB, 1n)), code('ExposureCap'));
    await book.markSettled(3n, 100n, 100n);
    // The refused 101 still counts on the payer's side: the next voucher is for 102.
    assert.equal((await book.accept(payer.pay(BOB, 1n))).unsettled, 2n);
  });

  it('on a bundle alone only a small share of the cap, until the peer reads the pool itself', async () => {
    const { book, payer } = await setup({ source: 'bundle' });
    await book.accept(payer.pay(BOB, 100n)); // 10 % of the cap of 1000
    await assert.rejects(book.accept(payer.pay(BOB, 1n)), code('Unconfirmed'));
    assert.equal(await book.observe(view(102), 'chain'), true);
    await book.accept(payer.pay(BOB, 1n));
  });

  it('an older proof never replaces newer terms; a drained pool takes no more', async () => {
    const { book, payer } = await setup();
    await book.accept(payer.pay(BOB, 10n));
    // Drained by someone else at 104, as the peer's own read shows.
    assert.equal(await book.observe(view(104, { deposit: 0n, totalDeposit: 1_000n }), 'chain'), true);
    await assert.rejects(book.accept(payer.pay(BOB, 1n)), code('Exhausted'));
    // The viewer shows the full pool of block 100 again: ignored.
    const stale = verifier.admit(view(100), 'bundle', { me: BOB, now: 100, resourceId: 'movie' });
    await book.recordHandshake(stale);
    assert.equal(await book.observe(view(100), 'bundle'), false);
    await assert.rejects(book.accept(payer.pay(BOB, 1n)), code('Exhausted'));
    // Overdrawn: the same.
    await book.observe(view(106, { deposit: 0n, overdrawn: true }), 'chain');
    await assert.rejects(book.accept(payer.pay(BOB, 1n)), code('Overdrawn'));
    assert.equal(book.settleNow(3n), 'PoolEnded');
  });

  it('a settlement paid short marks the pool overdrawn', async () => {
    const { book, payer } = await setup();
    await book.accept(payer.pay(BOB, 30n));
    await book.markSettled(3n, 30n, 10n);
    await assert.rejects(book.accept(payer.pay(BOB, 1n)), code('Overdrawn'));
  });

  it('serving ends settle_margin blocks before expiry, when the book says to settle', async () => {
    const { book, payer } = await setup();
    await book.accept(payer.pay(BOB, 5n));
    book.advance(989);
    assert.equal(book.settleNow(3n), null);
    await book.accept(payer.pay(BOB, 5n));
    book.advance(990);
    assert.equal(book.settleNow(3n), 'Deadline');
    await assert.rejects(book.accept(payer.pay(BOB, 5n)), code('ServingEnded'));
  });

  it('an honest payer refuses to promise more than its deposit, across peers', () => {
    const payer = new Payer(SessionKey.generate(), GENESIS, 3n, 10n, verifier);
    payer.pay(BOB, 6n);
    payer.pay(OWNER, 4n);
    assert.throws(() => payer.pay(BOB, 1n), code('ExceedsDeposit'));
    assert.equal(payer.owed(BOB), 6n);
    const careless = new Payer(SessionKey.generate(), GENESIS, 3n, 10n, verifier, { allowOverDeposit: true });
    assert.equal(careless.pay(BOB, 11n).voucher.amount, 11n);
  });

  it('concurrent accepts apply in call order; the best voucher is the highest', async () => {
    const { book, payer } = await setup();
    const tokens = Array.from({ length: 20 }, () => payer.pay(BOB, 1n));
    const results = await Promise.allSettled(tokens.map((t) => book.accept(t)));
    assert.ok(results.every((r) => r.status === 'fulfilled'));
    assert.equal(book.unsettled(3n).voucher.amount, 20n);
  });

  it('a voucher is not acknowledged when the store cannot write it', async () => {
    class Failing extends MemoryStore {
      fail = false;
      async save(pool) {
        if (this.fail) throw new Error('disk full');
        return super.save(pool);
      }
    }
    const store = new Failing();
    const { book, payer } = await setup({ store });
    store.fail = true;
    await assert.rejects(book.accept(payer.pay(BOB, 5n)), code('Store'));
    assert.equal(book.unsettled(3n), null, 'not kept in memory either');
    // Later calls still run (the queue survives a failure).
    store.fail = false;
    await book.accept(payer.pay(BOB, 5n));
    assert.equal([...store.pools.values()][0].best !== null, true);
  });

  it('a file store keeps the ledger and the best voucher across a restart', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mpool-book-')), 'bob.json');
    const { book, payer } = await setup({ store: new FileStore(path) });
    await book.accept(payer.pay(BOB, 42n));
    const file = JSON.parse(readFileSync(path, 'utf8'));
    assert.match(file.pools[0].ledger, /^0x[0-9a-f]+$/);
    const again = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store: new FileStore(path), verifier });
    assert.equal(again.unsettled(3n).voucher.amount, 42n);
    assert.equal(again.head, 100);
    // The same voucher again, after the restart: stale.
    await assert.rejects(again.accept(new Payer(session, GENESIS, 3n, 1_000n, verifier).pay(BOB, 42n)), code('StaleVoucher'));
  });

  it('a pool stored before ledgers settles its best voucher and serves on no terms until a new view', async () => {
    const store = new MemoryStore();
    const token = new Payer(session, GENESIS, 3n, 1_000n, verifier).pay(BOB, 40n);
    await store.save({ poolId: '3', signer: toHex(session.publicKey), deposit: '1000', expiry: 1_000, settled: '10', best: tokenHex(token) });
    const book = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store, verifier });
    assert.equal(book.unsettled(3n).voucher.amount, 40n);
    const payer = new Payer(session, GENESIS, 3n, 1_000n, verifier);
    payer.pay(BOB, 40n);
    await assert.rejects(book.accept(payer.pay(BOB, 1n)), code('Exhausted'));
    await book.observe(view(200, {}, 10n), 'chain');
    // 42 (the refused 41 still counts on the payer's side), 10 of it settled.
    assert.equal((await book.accept(payer.pay(BOB, 1n))).unsettled, 32n);
  });
});
