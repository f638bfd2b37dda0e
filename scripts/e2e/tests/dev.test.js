// The whole protocol on a real `--dev` node, driven by @polkadot/api: create a pool, sign
// vouchers off-chain in JS, settle, replay, forge, prove the pool's storage at a finalized block,
// overdraw (collateral forfeited, compensation capped by the pot), settle in the grace window,
// close after it, reap the peers' storage deposits. Every step asserts events and balances; the
// figures come from the runtime's constants (lib/rules.js), not from magic numbers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, hexToU8a } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from '../lib/node.js';
import { account, blockNumber, connect, freeBalance, poolEvents, submit, waitForBlock, waitForFinalized, POOL } from '../lib/chain.js';
import { HOLD, PoolModel, poolConstants } from '../lib/rules.js';
import { poolKey, signVoucher, voucherPayload } from '../lib/voucher.js';

const UNIT = 1_000_000_000_000n;
const DURATION = 20; // blocks: long enough for the steps below, short enough to wait out

function contains(haystack, needle) {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('dev chain: the pool protocol end to end', { timeout: 600_000 }, () => {
  let node, api, genesis, alice, bob, charlie, dave, eve;
  let grace, r;
  let poolId, poolCreatedAt, bobSettledIn;
  let payeeDeposit; // the PayeeStorage hold of one Paid record, as the chain prices it
  const bobAmount = 30n * UNIT;
  const charlieAmount = 20n * UNIT;
  const charlieLate = 25n * UNIT; // settled in the grace window

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie, dave, eve] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'].map((u) =>
      keyring.addFromUri(u),
    );
    node = await startNode('dev', ['--dev']);
    api = await connect(node.ws);
    genesis = (await api.rpc.chain.getBlockHash(0)).toU8a();
    ({ grace, r } = poolConstants(api));
  });

  after(async () => {
    await api?.disconnect();
    await node?.stop();
  });

  it('exposes the pallet with its documented calls', () => {
    for (const call of ['createPool', 'settle', 'closePool', 'topUp', 'extend', 'settleBatch', 'reapPaid']) {
      assert.equal(typeof api.tx[POOL.section][call], 'function', call);
    }
    assert.ok(api.tx[POOL.section].settle.meta.docs.length > 0, 'call docs ship in metadata');
    assert.ok(grace > 0, `SettlementGrace is ${grace} blocks`);
    // No compensation pot on the demo chains: a sock puppet would claim it first (security.md §7).
    assert.equal(r, 0n, `CompensationShare is ${r} ppb`);
  });

  it('serves what polkadot.js apps builds the README walkthrough from', async () => {
    // Balance fields in MPT with 12 decimals (the README's "100 there is 100 MPT").
    const props = await api.rpc.system.properties();
    assert.deepEqual(props.tokenSymbol.unwrap().map(String), ['MPT']);
    assert.deepEqual(props.tokenDecimals.unwrap().map((d) => d.toNumber()), [12]);
    // Developer → Extrinsics: the documented calls, amounts as compact balances (the unit selector).
    const args = Object.fromEntries(
      api.tx[POOL.section].createPool.meta.args.map((a) => [a.name.toString(), a.type.toString()]),
    );
    assert.equal(args.deposit, 'Compact<u128>');
    assert.equal(args.collateral, 'Compact<u128>');
    assert.ok(api.tx[POOL.section].createPool.meta.docs.length > 0);
    // Developer → Runtime calls: listed from the metadata's runtime APIs, with their docs.
    const apis = api.runtimeMetadata.asLatest.apis;
    const pool = apis.find((a) => a.name.toString() === 'MicropaymentPoolApi');
    assert.ok(pool, 'MicropaymentPoolApi is in the metadata');
    const payload = pool.methods.find((m) => m.name.toString() === 'voucher_payload');
    assert.ok(payload && payload.docs.length > 0, 'voucher_payload is documented');
    // Developer → Chain state: the pool's records, documented.
    for (const item of ['pools', 'paid']) {
      assert.ok(api.query[POOL.section][item].creator.meta.docs.length > 0, item);
    }
  });

  it('Alice creates a pool: PoolCreated gives the id, the escrow holds the amounts', async () => {
    const escrow = api.consts[POOL.section].escrowAccount.toString();
    const [before, escrowBefore] = await Promise.all([account(api, alice.address), account(api, escrow)]);
    const deposit = 100n * UNIT;
    const collateral = 150n * UNIT;
    const res = await submit(api, api.tx[POOL.section].createPool('0x' + Buffer.from('movie/42').toString('hex'), deposit, collateral, DURATION), alice);
    assert.equal(res.error, null);
    const created = poolEvents(res.events).find((e) => e.method === 'PoolCreated');
    assert.ok(created, 'PoolCreated emitted');
    poolId = created.data.pool_id.toNumber();
    poolCreatedAt = (await api.rpc.chain.getHeader(res.blockHash)).number.toNumber();
    assert.equal(created.data.owner.toString(), alice.address);
    assert.equal(created.data.deposit.toBigInt(), deposit);
    assert.equal(created.data.collateral.toBigInt(), collateral);
    assert.equal(created.data.expiry.toNumber(), poolCreatedAt + DURATION);
    // The funds left Alice (with the fee and the record's storage deposit) for the escrow.
    const [after, held] = await Promise.all([account(api, alice.address), account(api, escrow)]);
    assert.equal(held.hold(HOLD.deposit) - escrowBefore.hold(HOLD.deposit), deposit);
    assert.equal(held.hold(HOLD.collateral) - escrowBefore.hold(HOLD.collateral), collateral);
    assert.equal(before.free - after.free, deposit + collateral + after.hold(HOLD.poolStorage) - before.hold(HOLD.poolStorage) + res.fee);
    assert.equal(after.hold(HOLD.deposit) + after.hold(HOLD.collateral), 0n, 'nothing of the pool is held on Alice');
    const pool = (await api.query[POOL.section].pools(poolId)).unwrap();
    assert.equal(pool.deposit.toBigInt(), deposit);
    assert.equal(pool.collateral.toBigInt(), collateral);
    assert.equal(pool.totalDeposit.toBigInt(), deposit);
    assert.equal(pool.overdrawn.isTrue, false);
  });

  it('Bob and Charlie settle vouchers Alice signed off-chain; free+reserved rise by the voucher', async () => {
    // Cumulative vouchers: Bob got 1, 2, 3 chunks of 10; only the last one is settled.
    let bobSig;
    for (let chunk = 1n; chunk <= 3n; chunk++) bobSig = signVoucher(alice, genesis, poolId, bob.address, chunk * 10n * UNIT);
    const charlieSig = signVoucher(alice, genesis, poolId, charlie.address, charlieAmount);
    const [bobBefore, charlieBefore] = await Promise.all([account(api, bob.address), account(api, charlie.address)]);
    const [rb, rc] = await Promise.all([
      submit(api, api.tx[POOL.section].settle(poolId, bobAmount, bobSig), bob),
      submit(api, api.tx[POOL.section].settle(poolId, charlieAmount, charlieSig), charlie),
    ]);
    assert.equal(rb.error, null);
    assert.equal(rc.error, null);
    const settled = poolEvents(rb.events).find((e) => e.method === 'Settled');
    assert.equal(settled.data.target.toString(), bob.address);
    assert.equal(settled.data.amount.toBigInt(), bobAmount);
    assert.equal(settled.data.paid.toBigInt(), bobAmount);
    assert.ok(rb.fee > 0n && rc.fee > 0n, 'the peer pays the settlement fee');
    // A peer's first settlement in a pool holds the Paid record's storage deposit from the peer:
    // free rises by payout - fee - deposit, reserved by the deposit, free+reserved by payout - fee.
    const [bobAfter, charlieAfter] = await Promise.all([account(api, bob.address), account(api, charlie.address)]);
    payeeDeposit = bobAfter.hold(HOLD.payeeStorage) - bobBefore.hold(HOLD.payeeStorage);
    assert.ok(payeeDeposit > 0n, 'the peer pays a PayeeStorage deposit for its Paid record');
    for (const [who, before, after, amount, fee] of [
      ['Bob', bobBefore, bobAfter, bobAmount, rb.fee],
      ['Charlie', charlieBefore, charlieAfter, charlieAmount, rc.fee],
    ]) {
      assert.equal(after.hold(HOLD.payeeStorage) - before.hold(HOLD.payeeStorage), payeeDeposit, `${who}: one record, one deposit`);
      assert.equal(after.reserved - before.reserved, payeeDeposit, `${who}: reserved rises by the deposit`);
      assert.equal(after.total, before.total + amount - fee, `${who}: free+reserved rises by payout - fee`);
      assert.equal(after.free, before.free + amount - fee - payeeDeposit, `${who}: free rises by payout - fee - deposit`);
    }
    assert.equal((await api.query[POOL.section].paid(poolId, bob.address)).unwrap().toBigInt(), bobAmount);
    bobSettledIn = rb.blockHash;
  });

  it('a replayed voucher is StaleVoucher; a voucher signed by someone else is BadSignature', async () => {
    const replay = signVoucher(alice, genesis, poolId, bob.address, bobAmount);
    const forged = signVoucher(charlie, genesis, poolId, charlie.address, 99n * UNIT);
    const bobBefore = await account(api, bob.address);
    const [r1, r2] = await Promise.all([
      submit(api, api.tx[POOL.section].settle(poolId, bobAmount, replay), bob),
      submit(api, api.tx[POOL.section].settle(poolId, 99n * UNIT, forged), charlie),
    ]);
    assert.equal(r1.error, 'StaleVoucher');
    assert.equal(r2.error, 'BadSignature');
    const bobAfter = await account(api, bob.address);
    assert.equal(bobAfter.total, bobBefore.total - r1.fee, 'a replay pays nothing');
    assert.equal(bobAfter.hold(HOLD.payeeStorage), bobBefore.hold(HOLD.payeeStorage), 'and holds nothing more');
  });

  it('a peer gets a read proof of the pool at a finalized block and finds the pool in it', async () => {
    const finalized = await waitForFinalized(api, bobSettledIn);
    const key = poolKey(poolId);
    assert.equal(key, api.query[POOL.section].pools.key(poolId), 'docs/voucher.md key = FRAME key');
    const value = (await api.rpc.state.getStorage(key, finalized)).toU8a(true);
    assert.ok(value.length > 32);
    const proof = await api.rpc.state.getReadProof([key], finalized);
    assert.equal(proof.at.toHex(), finalized.toHex());
    const nodes = proof.proof.map((n) => n.toU8a(true));
    assert.ok(nodes.length > 0);
    assert.ok(nodes.some((n) => contains(n, value)), 'the proof carries the pool record');
    // The proven bytes are the pool as the chain reports it at that block.
    const pool = (await api.query[POOL.section].pools.at(finalized, poolId)).unwrap();
    assert.equal(u8aToHex(pool.toU8a()), u8aToHex(value));
    assert.equal(pool.owner.toString(), alice.address);
    assert.equal(pool.deposit.toBigInt(), 100n * UNIT - bobAmount - charlieAmount);
  });

  it('overdraw: the collateral is forfeited at once, the victim is compensated from the capped pot', async () => {
    const D = 10n * UNIT;
    const C = 15n * UNIT;
    const model = new PoolModel(r, D, C);
    const created = await submit(api, api.tx[POOL.section].createPool('0x6f64', D, C, DURATION), alice);
    const pool2 = poolEvents(created.events).find((e) => e.method === 'PoolCreated').data.pool_id.toNumber();
    // Alice promises Dave the whole deposit and Eve 4 more: she double-spends.
    const eveAmount = 4n * UNIT;
    const daveSig = signVoucher(alice, genesis, pool2, dave.address, D);
    const eveSig = signVoucher(alice, genesis, pool2, eve.address, eveAmount);
    const rd = await submit(api, api.tx[POOL.section].settle(pool2, D, daveSig), dave);
    assert.equal(rd.error, null);
    assert.equal(model.settle(dave.address, D).forfeited, null);
    assert.ok(!poolEvents(rd.events).some((e) => e.method === 'CollateralForfeited'), 'draining the deposit exactly is no overdraw');

    const escrow = api.consts[POOL.section].escrowAccount.toString();
    const [eveBefore, aliceBefore, escrowBefore] = await Promise.all([account(api, eve.address), account(api, alice.address), account(api, escrow)]);
    const re = await submit(api, api.tx[POOL.section].settle(pool2, eveAmount, eveSig), eve);
    assert.equal(re.error, null);
    const want = model.settle(eve.address, eveAmount);
    const figures = `r = ${r} ppb, D = ${D}, C = ${C}, expected ${JSON.stringify(want, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
    assert.ok(want.forfeited && want.compensation < want.shortfall, `the figures exercise the cap: ${figures}`);

    const events = poolEvents(re.events);
    const forfeit = events.find((e) => e.method === 'CollateralForfeited');
    assert.ok(forfeit, `CollateralForfeited emitted (${figures})`);
    assert.equal(forfeit.data.pool_id.toNumber(), pool2);
    assert.equal(forfeit.data.owner.toString(), alice.address);
    assert.equal(forfeit.data.slashed.toBigInt(), want.forfeited.slashed, figures);
    assert.equal(forfeit.data.pot.toBigInt(), want.forfeited.pot, figures);
    const over = events.find((e) => e.method === 'PoolOverdrawn');
    assert.ok(over, 'PoolOverdrawn emitted');
    assert.equal(over.data.owner.toString(), alice.address);
    assert.equal(over.data.victim.toString(), eve.address);
    assert.equal(over.data.shortfall.toBigInt(), want.shortfall, figures);
    assert.equal(over.data.compensation.toBigInt(), want.compensation, `compensation is capped by the pot: ${figures}`);
    const settled = events.find((e) => e.method === 'Settled');
    assert.equal(settled.data.amount.toBigInt(), eveAmount);
    assert.equal(settled.data.paid.toBigInt(), want.payout, figures);

    const [eveAfter, aliceAfter, escrowAfter] = await Promise.all([account(api, eve.address), account(api, alice.address), account(api, escrow)]);
    assert.equal(eveAfter.total, eveBefore.total + want.payout - re.fee, `Eve: free+reserved rises by payout - fee (${figures})`);
    assert.equal(eveAfter.hold(HOLD.payeeStorage) - eveBefore.hold(HOLD.payeeStorage), payeeDeposit);
    // The whole collateral left the escrow: slashed at once or paid to Eve from the pot; Alice's
    // own balance did not move (her funds left her at creation).
    assert.equal(escrowBefore.hold(HOLD.collateral) - escrowAfter.hold(HOLD.collateral), want.forfeited.slashed + want.compensation, figures);
    assert.equal(aliceBefore.total, aliceAfter.total, figures);

    const pool = (await api.query[POOL.section].pools(pool2)).unwrap();
    assert.equal(pool.overdrawn.isTrue, true);
    assert.equal(pool.deposit.toBigInt(), 0n);
    assert.equal(pool.collateral.toBigInt(), model.collateralLeft, 'the pot left');
    assert.equal(pool.totalDeposit.toBigInt(), D);
    assert.equal((await api.query[POOL.section].paid(pool2, eve.address)).unwrap().toBigInt(), eveAmount, 'the voucher is recorded in full');

    // An overdrawn pool takes no extension; an open pool has nothing to reap.
    const [extend, reap] = await Promise.all([
      submit(api, api.tx[POOL.section].extend(pool2, 5), alice),
      submit(api, api.tx[POOL.section].reapPaid(pool2, 10), dave),
    ]);
    assert.equal(extend.error, 'Overdrawn');
    assert.equal(reap.error, 'PoolOpen');
  });

  it('vouchers settle in the grace window; the pool closes only after it', async () => {
    const expiry = poolCreatedAt + DURATION;
    const early = await submit(api, api.tx[POOL.section].closePool(poolId), alice);
    assert.equal(early.error, 'PoolNotExpired');
    assert.ok((await blockNumber(api, early.blockHash)) < expiry, 'that close came before expiry');

    await waitForBlock(api, expiry);
    // Past expiry, inside the window: Charlie still settles a later voucher (no new deposit).
    const charlieBefore = await account(api, charlie.address);
    const late = await submit(
      api,
      api.tx[POOL.section].settle(poolId, charlieLate, signVoucher(alice, genesis, poolId, charlie.address, charlieLate)),
      charlie,
    );
    const lateAt = await blockNumber(api, late.blockHash);
    assert.ok(lateAt >= expiry && lateAt < expiry + grace, `settled at #${lateAt}: window [#${expiry}, #${expiry + grace})`);
    assert.equal(late.error, null, `a settlement at #${lateAt} (expiry #${expiry}, grace ${grace}) succeeds`);
    const settled = poolEvents(late.events).find((e) => e.method === 'Settled');
    assert.equal(settled.data.paid.toBigInt(), charlieLate - charlieAmount);
    const charlieAfter = await account(api, charlie.address);
    assert.equal(charlieAfter.total, charlieBefore.total + charlieLate - charlieAmount - late.fee);
    assert.equal(charlieAfter.hold(HOLD.payeeStorage), charlieBefore.hold(HOLD.payeeStorage), 'a second settlement holds nothing more');

    // Closing inside the window is refused.
    const inWindow = await submit(api, api.tx[POOL.section].closePool(poolId), alice);
    const inWindowAt = await blockNumber(api, inWindow.blockHash);
    assert.ok(inWindowAt < expiry + grace, `close tried at #${inWindowAt}, window ends at #${expiry + grace}`);
    assert.equal(inWindow.error, 'PoolNotExpired', `close at #${inWindowAt} < expiry + grace = #${expiry + grace}`);

    // After the window: no more settlements.
    await waitForBlock(api, expiry + grace);
    const tooLate = await submit(
      api,
      api.tx[POOL.section].settle(poolId, charlieLate + UNIT, signVoucher(alice, genesis, poolId, charlie.address, charlieLate + UNIT)),
      charlie,
    );
    assert.ok((await blockNumber(api, tooLate.blockHash)) >= expiry + grace);
    assert.equal(tooLate.error, 'PoolExpired');
  });

  it('after the window Alice closes the pool and gets back exactly what was not paid', async () => {
    const before = await freeBalance(api, alice.address);
    const storageHeld = (await account(api, alice.address)).hold(HOLD.poolStorage);
    assert.ok(storageHeld > 0n, 'the pool record holds a storage deposit');
    const close = await submit(api, api.tx[POOL.section].closePool(poolId), alice);
    assert.equal(close.error, null);
    const closed = poolEvents(close.events).find((e) => e.method === 'PoolClosed');
    const unpaid = 100n * UNIT - bobAmount - charlieLate;
    assert.equal(closed.data.refunded_deposit.toBigInt(), unpaid);
    assert.equal(closed.data.refunded_collateral.toBigInt(), 150n * UNIT);
    assert.equal(closed.data.slashed.toBigInt(), 0n);
    // One of Alice's two pools closed: half of her storage deposit comes back too.
    const storageBack = storageHeld - (await account(api, alice.address)).hold(HOLD.poolStorage);
    assert.equal(storageBack, storageHeld / 2n);
    assert.equal(
      await freeBalance(api, alice.address),
      before + unpaid + 150n * UNIT + storageBack - close.fee,
    );
    assert.ok((await api.query[POOL.section].pools(poolId)).isNone);
    // Closing is O(1): the Paid records stay until reaped.
    assert.equal((await api.query[POOL.section].paid(poolId, bob.address)).unwrap().toBigInt(), bobAmount);
  });

  it('reapPaid removes the Paid records of the closed pool and releases the peers\' deposits', async () => {
    // `remaining` says whether records are left (a flag; a count would read the same here).
    const recordsLeft = (e) => Boolean(Number(e.data.remaining.toJSON()));
    const peers = [bob, charlie];
    const before = await Promise.all(peers.map((p) => account(api, p.address)));
    for (const b of before) assert.equal(b.hold(HOLD.payeeStorage), payeeDeposit, 'each peer still has its deposit held');
    // Bounded steps: one record, then the rest.
    const first = await submit(api, api.tx[POOL.section].reapPaid(poolId, 1), bob);
    assert.equal(first.error, null);
    const e1 = poolEvents(first.events).find((e) => e.method === 'PaidReaped');
    assert.ok(e1, 'PaidReaped emitted');
    assert.equal(e1.data.pool_id.toNumber(), poolId);
    assert.equal(Number(e1.data.removed.toJSON()), 1);
    assert.equal(recordsLeft(e1), true, 'one record left for another call');
    const second = await submit(api, api.tx[POOL.section].reapPaid(poolId, 10), bob);
    assert.equal(second.error, null);
    const e2 = poolEvents(second.events).find((e) => e.method === 'PaidReaped');
    assert.equal(Number(e2.data.removed.toJSON()), 1);
    assert.equal(recordsLeft(e2), false, 'none left');

    const after = await Promise.all(peers.map((p) => account(api, p.address)));
    const fees = [first.fee + second.fee, 0n]; // Bob paid both reaps
    peers.forEach((p, i) => {
      assert.equal(after[i].hold(HOLD.payeeStorage), 0n, `${p.address}: PayeeStorage hold gone`);
      assert.equal(after[i].free, before[i].free + payeeDeposit - fees[i], `${p.address}: the deposit is back in free`);
      assert.equal(after[i].total, before[i].total - fees[i], `${p.address}: free+reserved unchanged but for fees`);
    });
    for (const p of peers) assert.ok((await api.query[POOL.section].paid(poolId, p.address)).isNone);
    assert.equal((await api.query[POOL.section].paid.entries(poolId)).length, 0, 'no Paid entry left for the pool');

    const [again, unknown] = await Promise.all([
      submit(api, api.tx[POOL.section].reapPaid(poolId, 10), charlie),
      submit(api, api.tx[POOL.section].reapPaid(999_999, 10), dave),
    ]);
    assert.equal(again.error, 'NothingToReap');
    assert.equal(unknown.error, 'UnknownPool');
  });

  it('the payload builder matches the published test vector', () => {
    const g = hexToU8a('0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const payload = voucherPayload(g, 7, '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', 1_500_000_000_000n);
    assert.equal(
      u8aToHex(payload),
      '0x6d706f6f6c2f766f75636865722f7631000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f07000000000000008eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a480098f73e5d0100000000000000000000',
    );
  });
});
