// The peer's voucher book: every refusal has its code, the best voucher and exposure are kept,
// and nothing is acknowledged before the store has it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HandshakeVerifier, MemoryStore, MpoolError, Payer, SessionKey, VoucherBook, accountId, ss58, tokenHex, toHex } from '../dist/index.js';
import { FileStore } from '../dist/node.js';

const GENESIS = new Uint8Array(32).fill(0x42);
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const code = (c) => (e) => e instanceof MpoolError && e.code === c;

// Half the cases check signatures in wasm, half in JS: both must behave the same.
let wasm = false;
async function setup({ deposit = 1_000n, store = new MemoryStore() } = {}) {
  const session = SessionKey.fromSeed(new Uint8Array(32).fill(7));
  wasm = !wasm;
  const checker = wasm ? await HandshakeVerifier.load() : undefined;
  const book = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store, ...(checker ? { checker } : {}) });
  await book.recordHandshake({ poolId: 3n, signer: session.publicKey, deposit, paidToMe: 0n, expiry: 1_000 });
  const payer = new Payer(session, GENESIS, 3n, deposit);
  return { session, book, payer, store };
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
    assert.deepEqual(await book.accept(tokenHex(first)), { poolId: 3n, amount: 10n, increment: 10n, unsettled: 10n, deposit: 1_000n });
    const second = payer.pay(BOB, 15n);
    assert.equal((await book.accept(second)).increment, 15n);
    await assert.rejects(book.accept(first), code('Stale'));
    await assert.rejects(book.accept(second), code('Stale'));
    assert.equal(book.unsettled(3n).voucher.amount, 25n);
  });

  it("refuses the owner's key, other chains, other peers, unknown pools", async () => {
    const { book } = await setup();
    const owner = SessionKey.fromSeed(new Uint8Array(32).fill(1));
    const other = new Payer(owner, GENESIS, 3n, 1_000n);
    await assert.rejects(book.accept(other.pay(BOB, 5n)), code('BadSignature'));
    const session = SessionKey.fromSeed(new Uint8Array(32).fill(7));
    await assert.rejects(book.accept(new Payer(session, new Uint8Array(32), 3n, 1_000n).pay(BOB, 5n)), code('WrongChain'));
    await assert.rejects(book.accept(new Payer(session, GENESIS, 3n, 1_000n).pay(owner.publicKey, 5n)), code('WrongTarget'));
    await assert.rejects(book.accept(new Payer(session, GENESIS, 4n, 1_000n).pay(BOB, 5n)), code('UnknownPool'));
    // A tampered amount voids the signature.
    const signed = new Payer(session, GENESIS, 3n, 1_000n).pay(BOB, 5n);
    await assert.rejects(book.accept({ ...signed, voucher: { ...signed.voucher, amount: 6n } }), code('BadSignature'));
    assert.equal(book.unsettled(3n), null);
  });

  it('exposure never exceeds the remaining deposit; settlement frees it', async () => {
    const { book, session } = await setup({ deposit: 100n });
    const greedy = new Payer(session, GENESIS, 3n, 1n << 100n); // a viewer that ignores its deposit
    await book.accept(greedy.pay(BOB, 100n));
    await assert.rejects(book.accept(greedy.pay(BOB, 1n)), code('ExceedsDeposit'));
    await book.markSettled(3n, 100n);
    assert.equal(book.unsettled(3n), null);
    // The refused 101 still counts on the payer's side: the next voucher is for 102.
    assert.equal((await book.accept(greedy.pay(BOB, 1n))).unsettled, 102n - 100n);
  });

  it('an honest payer refuses to promise more than its deposit', () => {
    const payer = new Payer(SessionKey.generate(), GENESIS, 3n, 10n);
    payer.pay(BOB, 10n);
    assert.throws(() => payer.pay(BOB, 1n), code('ExceedsDeposit'));
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
    // Later calls still run (the queue survives a failure).
    store.fail = false;
    await book.accept(payer.pay(BOB, 5n));
    assert.equal([...store.pools.values()][0].best !== null, true);
  });

  it('a file store keeps the best voucher and the signer across a restart', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mpool-book-')), 'bob.json');
    const { book, payer, session } = await setup({ store: new FileStore(path) });
    await book.accept(payer.pay(BOB, 42n));
    const file = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(file.pools[0].signer, toHex(session.publicKey));
    const again = await VoucherBook.open({ me: BOB, genesisHash: GENESIS, store: new FileStore(path) });
    assert.equal(again.unsettled(3n).voucher.amount, 42n);
    // The same voucher again, after the restart: stale.
    await assert.rejects(again.accept(new Payer(session, GENESIS, 3n, 1_000n).pay(BOB, 42n)), code('Stale'));
  });
});
