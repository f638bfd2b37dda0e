// The whole protocol on a real `--dev` node, driven by @polkadot/api: create a pool, sign
// vouchers off-chain in JS, settle, replay, forge, prove the pool's storage at a finalized block,
// overdraw, close after expiry. Every step asserts events and balances.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, hexToU8a } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from '../lib/node.js';
import { connect, freeBalance, poolEvents, submit, waitForBlock, waitForFinalized } from '../lib/chain.js';
import { poolKey, signVoucher, voucherPayload } from '../lib/voucher.js';

const UNIT = 1_000_000_000_000n;
const DURATION = 12; // blocks: long enough for the settlements below, short enough to wait out

function contains(haystack, needle) {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

async function heldBy(api, who) {
  const holds = await api.query.balances.holds(who);
  const out = {};
  for (const h of holds) {
    const reason = JSON.stringify(h.id.toJSON());
    out[reason] = (out[reason] ?? 0n) + h.amount.toBigInt();
  }
  return out;
}

describe('dev chain: the pool protocol end to end', { timeout: 600_000 }, () => {
  let node, api, genesis, alice, bob, charlie, dave, eve;
  let poolId, poolCreatedAt, bobSettledIn;
  const bobAmount = 30n * UNIT;
  const charlieAmount = 20n * UNIT;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie, dave, eve] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'].map((u) =>
      keyring.addFromUri(u),
    );
    node = await startNode('dev', ['--dev']);
    api = await connect(node.ws);
    genesis = (await api.rpc.chain.getBlockHash(0)).toU8a();
  });

  after(async () => {
    await api?.disconnect();
    await node?.stop();
  });

  it('exposes the pallet with its documented calls', () => {
    for (const call of ['createPool', 'settle', 'closePool', 'topUp', 'extend', 'settleBatch']) {
      assert.equal(typeof api.tx.micropaymentPool[call], 'function', call);
    }
    assert.ok(api.tx.micropaymentPool.settle.meta.docs.length > 0, 'call docs ship in metadata');
  });

  it('Alice creates a pool: PoolCreated gives the id, the held amounts match', async () => {
    const before = await heldBy(api, alice.address);
    const deposit = 100n * UNIT;
    const collateral = 150n * UNIT;
    const r = await submit(api, api.tx.micropaymentPool.createPool('0x' + Buffer.from('movie/42').toString('hex'), deposit, collateral, DURATION), alice);
    assert.equal(r.error, null);
    const created = poolEvents(r.events).find((e) => e.method === 'PoolCreated');
    assert.ok(created, 'PoolCreated emitted');
    poolId = created.data.pool_id.toNumber();
    poolCreatedAt = (await api.rpc.chain.getHeader(r.blockHash)).number.toNumber();
    assert.equal(created.data.owner.toString(), alice.address);
    assert.equal(created.data.deposit.toBigInt(), deposit);
    assert.equal(created.data.collateral.toBigInt(), collateral);
    assert.equal(created.data.expiry.toNumber(), poolCreatedAt + DURATION);
    const held = await heldBy(api, alice.address);
    const dep = JSON.stringify({ micropaymentPool: 'PoolDeposit' });
    const col = JSON.stringify({ micropaymentPool: 'PoolCollateral' });
    assert.equal((held[dep] ?? 0n) - (before[dep] ?? 0n), deposit);
    assert.equal((held[col] ?? 0n) - (before[col] ?? 0n), collateral);
    const pool = (await api.query.micropaymentPool.pools(poolId)).unwrap();
    assert.equal(pool.deposit.toBigInt(), deposit);
  });

  it('Bob and Charlie settle vouchers Alice signed off-chain; balances rise by the voucher', async () => {
    // Cumulative vouchers: Bob got 1, 2, 3 chunks of 10; only the last one is settled.
    let bobSig;
    for (let chunk = 1n; chunk <= 3n; chunk++) bobSig = signVoucher(alice, genesis, poolId, bob.address, chunk * 10n * UNIT);
    const charlieSig = signVoucher(alice, genesis, poolId, charlie.address, charlieAmount);
    const [bobBefore, charlieBefore] = await Promise.all([freeBalance(api, bob.address), freeBalance(api, charlie.address)]);
    const [rb, rc] = await Promise.all([
      submit(api, api.tx.micropaymentPool.settle(poolId, bobAmount, bobSig), bob),
      submit(api, api.tx.micropaymentPool.settle(poolId, charlieAmount, charlieSig), charlie),
    ]);
    assert.equal(rb.error, null);
    assert.equal(rc.error, null);
    const settled = poolEvents(rb.events).find((e) => e.method === 'Settled');
    assert.equal(settled.data.target.toString(), bob.address);
    assert.equal(settled.data.amount.toBigInt(), bobAmount);
    assert.equal(settled.data.paid.toBigInt(), bobAmount);
    assert.ok(rb.fee > 0n && rc.fee > 0n, 'the peer pays the settlement fee');
    assert.equal(await freeBalance(api, bob.address), bobBefore + bobAmount - rb.fee);
    assert.equal(await freeBalance(api, charlie.address), charlieBefore + charlieAmount - rc.fee);
    assert.equal((await api.query.micropaymentPool.paid(poolId, bob.address)).unwrap().toBigInt(), bobAmount);
    bobSettledIn = rb.blockHash;
  });

  it('a replayed voucher is StaleVoucher; a voucher signed by someone else is BadSignature', async () => {
    const replay = signVoucher(alice, genesis, poolId, bob.address, bobAmount);
    const forged = signVoucher(charlie, genesis, poolId, charlie.address, 99n * UNIT);
    const bobBefore = await freeBalance(api, bob.address);
    const [r1, r2] = await Promise.all([
      submit(api, api.tx.micropaymentPool.settle(poolId, bobAmount, replay), bob),
      submit(api, api.tx.micropaymentPool.settle(poolId, 99n * UNIT, forged), charlie),
    ]);
    assert.equal(r1.error, 'StaleVoucher');
    assert.equal(r2.error, 'BadSignature');
    assert.equal(await freeBalance(api, bob.address), bobBefore - r1.fee, 'a replay pays nothing');
  });

  it('a peer gets a read proof of the pool at a finalized block and finds the pool in it', async () => {
    const finalized = await waitForFinalized(api, bobSettledIn);
    const key = poolKey(poolId);
    assert.equal(key, api.query.micropaymentPool.pools.key(poolId), 'docs/voucher.md key = FRAME key');
    const value = (await api.rpc.state.getStorage(key, finalized)).toU8a(true);
    assert.ok(value.length > 32);
    const proof = await api.rpc.state.getReadProof([key], finalized);
    assert.equal(proof.at.toHex(), finalized.toHex());
    const nodes = proof.proof.map((n) => n.toU8a(true));
    assert.ok(nodes.length > 0);
    assert.ok(nodes.some((n) => contains(n, value)), 'the proof carries the pool record');
    // The proven bytes are the pool as the chain reports it at that block.
    const pool = (await api.query.micropaymentPool.pools.at(finalized, poolId)).unwrap();
    assert.equal(u8aToHex(pool.toU8a()), u8aToHex(value));
    assert.equal(pool.owner.toString(), alice.address);
    assert.equal(pool.deposit.toBigInt(), 100n * UNIT - bobAmount - charlieAmount);
  });

  it('overdraw: the second peer is compensated from the collateral and the event names it', async () => {
    const created = await submit(api, api.tx.micropaymentPool.createPool('0x6f64', 10n * UNIT, 15n * UNIT, DURATION), alice);
    const pool2 = poolEvents(created.events).find((e) => e.method === 'PoolCreated').data.pool_id.toNumber();
    // Alice promises Dave the whole deposit and Eve 4 more: she double-spends.
    const daveSig = signVoucher(alice, genesis, pool2, dave.address, 10n * UNIT);
    const eveSig = signVoucher(alice, genesis, pool2, eve.address, 4n * UNIT);
    const rd = await submit(api, api.tx.micropaymentPool.settle(pool2, 10n * UNIT, daveSig), dave);
    assert.equal(rd.error, null);
    const eveBefore = await freeBalance(api, eve.address);
    const re = await submit(api, api.tx.micropaymentPool.settle(pool2, 4n * UNIT, eveSig), eve);
    assert.equal(re.error, null);
    const over = poolEvents(re.events).find((e) => e.method === 'PoolOverdrawn');
    assert.ok(over, 'PoolOverdrawn emitted');
    assert.equal(over.data.owner.toString(), alice.address);
    assert.equal(over.data.victim.toString(), eve.address);
    assert.equal(over.data.shortfall.toBigInt(), 4n * UNIT);
    assert.equal(over.data.compensation.toBigInt(), 4n * UNIT);
    assert.equal(await freeBalance(api, eve.address), eveBefore + 4n * UNIT - re.fee);
    const pool = (await api.query.micropaymentPool.pools(pool2)).unwrap();
    assert.equal(pool.overdrawn.isTrue, true);
    assert.equal(pool.collateral.toBigInt(), 11n * UNIT);
  });

  it('after expiry Alice closes the pool and gets back exactly what was not paid', async () => {
    const early = await submit(api, api.tx.micropaymentPool.closePool(poolId), alice);
    assert.equal(early.error, 'PoolNotExpired');
    await waitForBlock(api, poolCreatedAt + DURATION);
    const before = await freeBalance(api, alice.address);
    const storage = JSON.stringify({ micropaymentPool: 'PoolStorage' });
    const storageHeld = (await heldBy(api, alice.address))[storage] ?? 0n;
    assert.ok(storageHeld > 0n, 'the pool record holds a storage deposit');
    const r = await submit(api, api.tx.micropaymentPool.closePool(poolId), alice);
    assert.equal(r.error, null);
    const closed = poolEvents(r.events).find((e) => e.method === 'PoolClosed');
    const unpaid = 100n * UNIT - bobAmount - charlieAmount;
    assert.equal(closed.data.refunded_deposit.toBigInt(), unpaid);
    assert.equal(closed.data.refunded_collateral.toBigInt(), 150n * UNIT);
    assert.equal(closed.data.slashed.toBigInt(), 0n);
    // One of Alice's two pools closed: half of her storage deposit comes back too.
    const storageBack = storageHeld - ((await heldBy(api, alice.address))[storage] ?? 0n);
    assert.equal(storageBack, storageHeld / 2n);
    assert.equal(
      await freeBalance(api, alice.address),
      before + unpaid + 150n * UNIT + storageBack - r.fee,
    );
    assert.ok((await api.query.micropaymentPool.pools(poolId)).isNone);
    assert.ok((await api.query.micropaymentPool.paid(poolId, bob.address)).isNone);
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
