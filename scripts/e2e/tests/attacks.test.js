// The double-spend attacks on the pool's promise (the paper's Theorem IV.1), through
// @polkadot/api on a real `--dev` node, judged from on-chain balances rather than from the
// pallet's own events:
//
// (a) self-voucher: the owner settles a voucher it signed to itself → `SelfPayment`, nothing
//     changes but the fee;
// (b) sock puppet: the owner (Alice) and an account she controls (Ferdie, endowed at genesis, so
//     no funding transfer is needed) form the coalition; an honest peer (Bob) served 60 UNIT of a
//     pool with D = 100, C = 150. The puppet settles a u128::MAX voucher before, or after, Bob.
//     After the window the pool is closed and reaped, and the coalition's net return —
//     Δ(free+reserved) of its accounts with every fee it paid added back, plus the service it
//     received (min(honest vouchers, D)) — must be < 0 and ≤ −(1 − r)·(C − D).
//
// Every expected figure is computed from the runtime's constants (lib/rules.js).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from '../lib/node.js';
import { account, blockNumber, connect, feesPaidBy, poolEvents, submit, waitForBlock, POOL } from '../lib/chain.js';
import { HOLD, PoolModel, U128_MAX, netReturnBound, poolConstants, potOf } from '../lib/rules.js';
import { signVoucher } from '../lib/voucher.js';

const UNIT = 1_000_000_000_000n;
const D = 100n * UNIT; // deposit (the pool's total deposit: no top-ups here)
const C = 150n * UNIT; // collateral
const SERVED = 60n * UNIT; // what the honest peer served, and its voucher
const DURATION = 8; // blocks: room for the two settlements, short enough to wait out twice

const min = (a, b) => (a < b ? a : b);

/** `x` planck as UNIT with its decimals, for failure messages. */
function units(x) {
  const negative = x < 0n;
  const a = negative ? -x : x;
  const frac = (a % UNIT).toString().padStart(12, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${a / UNIT}${frac ? `.${frac}` : ''} UNIT`;
}

describe('dev chain: double-spend attacks (Theorem IV.1)', { timeout: 900_000 }, () => {
  let node, api, genesis, alice, bob, ferdie;
  let grace, r;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, ferdie] = ['//Alice', '//Bob', '//Ferdie'].map((u) => keyring.addFromUri(u));
    node = await startNode('attacks', ['--dev']);
    api = await connect(node.ws);
    genesis = (await api.rpc.chain.getBlockHash(0)).toU8a();
    ({ grace, r } = poolConstants(api));
    assert.ok(r < 1_000_000_000n, `CompensationShare ${r} ppb must be below 100%`);
  });

  after(async () => {
    await api?.disconnect();
    await node?.stop();
  });

  async function createPool(owner, deposit, collateral, duration) {
    const res = await submit(api, api.tx[POOL.section].createPool('0x61747461636b', deposit, collateral, duration), owner);
    assert.equal(res.error, null, 'createPool');
    const created = poolEvents(res.events).find((e) => e.method === 'PoolCreated');
    return { res, id: created.data.pool_id.toNumber(), expiry: created.data.expiry.toNumber() };
  }

  it('self-voucher: settling a voucher the owner signed to itself is SelfPayment and changes nothing', async () => {
    // A long pool: it stays open and untouched through the sock-puppet runs below.
    const { id } = await createPool(alice, D, C, 200);
    const poolBytes = async () => (await api.query[POOL.section].pools(id)).toHex();
    const pool0 = await poolBytes();
    const unchanged = async (before, res, what) => {
      const fee = feesPaidBy(api, res.events, alice.address);
      assert.ok(fee > 0n, `${what}: Alice paid the fee`);
      const after = await account(api, alice.address);
      assert.equal(
        after.total,
        before.total - fee,
        `${what}: Alice's free+reserved moved by ${units(after.total - before.total)}, fee ${units(fee)}`,
      );
      assert.deepEqual(after.holds, before.holds, `${what}: no hold changed`);
      assert.equal(await poolBytes(), pool0, `${what}: the pool record is unchanged`);
      assert.ok((await api.query[POOL.section].paid(id, alice.address)).isNone, `${what}: no Paid record`);
    };

    // The runtime API already names the error a client would hit.
    const claim = await api.call.micropaymentPoolApi.claimable(id, alice.address, D + C);
    assert.ok(claim.isErr);
    assert.equal(claim.asErr.type, 'SelfPayment');

    for (const amount of [D + C, U128_MAX]) {
      const before = await account(api, alice.address);
      const sig = signVoucher(alice, genesis, id, alice.address, amount);
      const res = await submit(api, api.tx[POOL.section].settle(id, amount, sig), alice);
      assert.equal(res.error, 'SelfPayment', `settle(${amount}) to the owner`);
      assert.deepEqual(poolEvents(res.events), [], 'no pallet event');
      await unchanged(before, res, `settle(${amount})`);
    }

    // The same voucher as a batch item fails alone, with the same error.
    const before = await account(api, alice.address);
    const item = { poolId: id, amount: D + C, signature: signVoucher(alice, genesis, id, alice.address, D + C) };
    const res = await submit(api, api.tx[POOL.section].settleBatch([item]), alice);
    assert.equal(res.error, null);
    const events = poolEvents(res.events);
    assert.deepEqual(events.map((e) => e.method), ['SettlementFailed', 'BatchSettled']);
    assert.equal(api.registry.findMetaError(events[0].data.error.asModule).name, 'SelfPayment');
    assert.equal(events[1].data.settled.toNumber(), 0);
    assert.equal(events[1].data.failed.toNumber(), 1);
    await unchanged(before, res, 'settleBatch');
  });

  for (const puppetFirst of [true, false]) {
    const order = puppetFirst
      ? 'the puppet settles u128::MAX first, then the honest peer'
      : 'the honest peer settles first, then the puppet u128::MAX';
    it(`sock puppet: ${order}; the coalition loses at least (1 - r)(C - D)`, (t) => sockPuppet(t, puppetFirst));
  }

  async function sockPuppet(t, puppetFirst) {
    const owner = alice;
    const puppet = ferdie;
    const honest = bob;
    const coalition = [owner.address, puppet.address];
    const everyone = [owner.address, puppet.address, honest.address];

    // The state before this run's first transaction (nobody else transacts on this node).
    const start = await api.rpc.chain.getBlockHash();
    const startNumber = await blockNumber(api, start);
    const snapshot = async (at) =>
      Object.fromEntries(await Promise.all(everyone.map(async (who) => [who, await account(api, who, at)])));
    const before = await snapshot(start);
    const issuanceBefore = (await (await api.at(start)).query.balances.totalIssuance()).toBigInt();

    // Every transaction of the run, with the fee its signer paid (its TransactionFeePaid event).
    const txs = [];
    const run = async (label, tx, signer) => {
      const res = await submit(api, tx, signer);
      const fee = feesPaidBy(api, res.events, signer.address);
      assert.ok(fee > 0n, `${label}: the signer paid a fee`);
      txs.push({ label, signer: signer.address, res, fee, at: await blockNumber(api, res.blockHash) });
      return res;
    };
    const feesOf = (whos) => txs.filter((x) => whos.includes(x.signer)).reduce((s, x) => s + x.fee, 0n);

    const created = await run('createPool', api.tx[POOL.section].createPool('0x7075707065742d617474616b', D, C, DURATION), owner);
    assert.equal(created.error, null);
    const ev = poolEvents(created.events).find((e) => e.method === 'PoolCreated');
    const id = ev.data.pool_id.toNumber();
    const expiry = ev.data.expiry.toNumber();
    const record = (await api.query[POOL.section].pools(id)).unwrap();
    assert.equal(record.totalDeposit.toBigInt(), D);
    assert.equal(record.collateral.toBigInt(), C);

    const model = new PoolModel(r, D, C);
    const pot = potOf(r, C, D);
    const forfeitures = [];

    // What a settlement's events must say, given the model's prediction `want`.
    const checkEvents = (res, peer, amount, want) => {
      const events = poolEvents(res.events);
      const settled = events.find((e) => e.method === 'Settled');
      assert.ok(settled, 'Settled emitted');
      assert.equal(settled.data.amount.toBigInt(), amount);
      assert.equal(settled.data.paid.toBigInt(), want.payout, `${peer}: paid ${units(settled.data.paid.toBigInt())}, expected ${units(want.payout)}`);
      const forfeit = events.find((e) => e.method === 'CollateralForfeited');
      if (want.forfeited) {
        assert.ok(forfeit, `${peer}'s settlement overdraws first: CollateralForfeited`);
        assert.equal(forfeit.data.owner.toString(), owner.address);
        assert.equal(forfeit.data.slashed.toBigInt(), want.forfeited.slashed, `slashed at once: C - pot = ${units(want.forfeited.slashed)}`);
        assert.equal(forfeit.data.pot.toBigInt(), want.forfeited.pot, `pot: r × (C - D) = ${units(want.forfeited.pot)}`);
        forfeitures.push(forfeit.data.slashed.toBigInt());
      } else {
        assert.equal(forfeit, undefined, `${peer}'s settlement forfeits nothing (more)`);
      }
      const over = events.find((e) => e.method === 'PoolOverdrawn');
      if (want.shortfall > 0n) {
        assert.ok(over, `${peer}: PoolOverdrawn`);
        assert.equal(over.data.victim.toString(), peer);
        assert.equal(over.data.shortfall.toBigInt(), want.shortfall);
        assert.equal(over.data.compensation.toBigInt(), want.compensation, `compensation capped by the pot left`);
      } else {
        assert.equal(over, undefined, `${peer}: paid from the deposit alone`);
      }
    };

    // The vouchers: the honest peer's for the service it delivered, the puppet's for everything.
    const honestSig = signVoucher(owner, genesis, id, honest.address, SERVED);
    const puppetSig = signVoucher(owner, genesis, id, puppet.address, U128_MAX);
    const settleHonest = async () => {
      const pre = await account(api, honest.address);
      const res = await run('honest settle', api.tx[POOL.section].settle(id, SERVED, honestSig), honest);
      assert.equal(res.error, null, 'a settlement inside the window never fails for lack of funds');
      const want = model.settle(honest.address, SERVED);
      checkEvents(res, honest.address, SERVED, want);
      // Its first settlement in the pool: the Paid record's storage deposit is held from it.
      const post = await account(api, honest.address);
      const fee = txs.at(-1).fee;
      const deposit = post.hold(HOLD.payeeStorage) - pre.hold(HOLD.payeeStorage);
      assert.ok(deposit > 0n, 'the honest peer holds a PayeeStorage deposit');
      assert.equal(post.reserved - pre.reserved, deposit);
      assert.equal(post.total - pre.total, want.payout - fee, `honest free+reserved: payout ${units(want.payout)} - fee ${units(fee)}`);
      assert.equal(post.free - pre.free, want.payout - fee - deposit);
      return want;
    };
    const settlePuppet = async () => {
      const res = await run('puppet settle', api.tx[POOL.section].settle(id, U128_MAX, puppetSig), puppet);
      assert.equal(res.error, null);
      const want = model.settle(puppet.address, U128_MAX);
      checkEvents(res, puppet.address, U128_MAX, want);
      return want;
    };
    let honestWant, puppetWant;
    if (puppetFirst) {
      puppetWant = await settlePuppet();
      honestWant = await settleHonest();
    } else {
      honestWant = await settleHonest();
      puppetWant = await settlePuppet();
    }
    const honestAt = txs.find((x) => x.label === 'honest settle').at;
    assert.ok(honestAt < expiry + grace, `the honest peer settled inside the window (#${honestAt} < #${expiry + grace})`);
    assert.equal(forfeitures.length, 1, 'the collateral was forfeited exactly once');

    const pool = (await api.query[POOL.section].pools(id)).unwrap();
    assert.equal(pool.overdrawn.isTrue, true);
    assert.equal(pool.deposit.toBigInt(), model.deposit);
    assert.equal(pool.collateral.toBigInt(), model.collateralLeft);
    assert.equal((await api.query[POOL.section].paid(id, honest.address)).unwrap().toBigInt(), SERVED);
    assert.equal((await api.query[POOL.section].paid(id, puppet.address)).unwrap().toBigInt(), U128_MAX);

    // After the window the owner closes; the honest peer reaps (it wants its deposit back).
    await waitForBlock(api, expiry + grace);
    const closeRes = await run('closePool', api.tx[POOL.section].closePool(id), owner);
    assert.equal(closeRes.error, null);
    const closed = poolEvents(closeRes.events).find((e) => e.method === 'PoolClosed');
    const wantClose = model.close();
    assert.equal(closed.data.refunded_deposit.toBigInt(), wantClose.refundedDeposit);
    assert.equal(closed.data.refunded_collateral.toBigInt(), wantClose.refundedCollateral, 'a forfeited collateral never returns');
    assert.equal(closed.data.slashed.toBigInt(), wantClose.slashed, 'the pot left over is slashed at close');
    const reapRes = await run('reapPaid', api.tx[POOL.section].reapPaid(id, 10), honest);
    assert.equal(reapRes.error, null);
    const reaped = poolEvents(reapRes.events).find((e) => e.method === 'PaidReaped');
    assert.equal(Number(reaped.data.removed.toJSON()), 2, 'the honest and the puppet record');
    assert.equal(Boolean(Number(reaped.data.remaining.toJSON())), false);
    for (const who of [honest.address, puppet.address]) {
      assert.ok((await api.query[POOL.section].paid(id, who)).isNone, `${who}: Paid record removed`);
    }

    // The figures, from the state at the reap's block.
    const end = reapRes.blockHash;
    const endNumber = await blockNumber(api, end);
    const after = await snapshot(end);
    const issuanceAfter = (await (await api.at(end)).query.balances.totalIssuance()).toBigInt();
    // All fees burnt in the run's blocks (this runtime burns fees), checked to be this run's own.
    let feesBurnt = 0n;
    for (let n = startNumber + 1; n <= endNumber; n++) {
      const events = await (await api.at(await api.rpc.chain.getBlockHash(n))).query.system.events();
      feesBurnt += events
        .filter(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event))
        .reduce((s, { event }) => s + event.data.actualFee.toBigInt(), 0n);
    }
    assert.equal(feesBurnt, feesOf(everyone), 'no transaction on the chain but this run\'s');

    const delta = (who) => after[who].total - before[who].total;
    const coalitionFees = feesOf(coalition);
    const coalitionDelta = delta(owner.address) + delta(puppet.address) + coalitionFees; // fees excluded
    const honestPayout = delta(honest.address) + feesOf([honest.address]);
    const puppetPayout = delta(puppet.address) + feesOf([puppet.address]);
    const slashed = forfeitures.reduce((s, x) => s + x, 0n) + closed.data.slashed.toBigInt();
    const issuanceDrop = issuanceBefore - issuanceAfter;
    const service = min(SERVED, D); // the service received, counted at most the total deposit
    const net = coalitionDelta + service;
    const bound = netReturnBound(r, C, D);
    const figures = [
      puppetFirst ? 'puppet first' : 'honest first',
      `r = ${r} ppb, D = ${units(D)}, C = ${units(C)}, pot = ${units(pot)}`,
      `Δ(free+reserved): owner ${units(delta(owner.address))}, puppet ${units(delta(puppet.address))}, honest ${units(delta(honest.address))}`,
      `fees: coalition ${units(coalitionFees)}, honest ${units(feesOf([honest.address]))}`,
      `coalition Δ (fees excluded) ${units(coalitionDelta)} + service ${units(service)} = net ${units(net)}; bound -(1 - r)(C - D) = ${units(bound)}`,
      `honest peer paid ${units(honestPayout)} of ${units(SERVED)} (model ${units(honestWant.payout)}); puppet got ${units(puppetPayout)} (model ${units(puppetWant.payout)})`,
      `slashed (CollateralForfeited + PoolClosed) ${units(slashed)}; issuance drop ${units(issuanceDrop)} = slashed + fees burnt ${units(feesBurnt)}?`,
    ].join('; ');

    assert.equal(honestPayout, honestWant.payout, `honest payout: ${figures}`);
    assert.equal(puppetPayout, puppetWant.payout, `puppet payout: ${figures}`);
    assert.equal(
      delta(owner.address) + feesOf([owner.address]),
      wantClose.refundedDeposit + wantClose.refundedCollateral - D - C,
      `owner: locked D + C, got back only the refunds: ${figures}`,
    );
    assert.equal(wantClose.slashed, 0n, `the puppet took the whole pot: ${figures}`);
    assert.equal(slashed, C - pot, `slashed = C - pot: ${figures}`);
    assert.equal(issuanceDrop - feesBurnt, slashed, `issuance dropped by the slash and the fees only: ${figures}`);
    assert.equal(coalitionDelta, -(honestPayout + slashed), `D + C went to the honest peer, the coalition or the slash: ${figures}`);
    if (honestPayout < SERVED) assert.equal(forfeitures.length, 1, `an underpaid honest peer implies forfeiture: ${figures}`);
    assert.ok(net < 0n, `the double spend must not pay: ${figures}`);
    assert.ok(net <= bound, `net return above -(1 - r)(C - D): ${figures}`);
    if (r === 500_000_000n && puppetFirst) {
      // docs/security.md's worked example: Δ = −125, net = −125 + 60 = −65 UNIT.
      assert.equal(coalitionDelta, -125n * UNIT, `worked example: ${figures}`);
      assert.equal(net, -65n * UNIT, `worked example: ${figures}`);
    }

    // Nothing of the pool is left held: the owner's holds and the peers' storage deposits are back.
    for (const who of everyone) assert.deepEqual(after[who].holds, before[who].holds, `${who}: holds as before the run`);
    t.diagnostic(figures);
  }
});
