// Beyond the paper, on a real `--dev` node: the runtime API (`api.call.micropaymentPoolApi`),
// top-ups, extensions, batch settlement across viewers, and the storage deposit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from '../lib/node.js';
import { connect, freeBalance, poolEvents, submit, waitForBlock } from '../lib/chain.js';
import { signVoucher, voucherPayload } from '../lib/voucher.js';

const UNIT = 1_000_000_000_000n;

describe('dev chain: runtime API, top-up, extend, settleBatch', { timeout: 600_000 }, () => {
  let node, api, genesis, alice, bob, charlie, dave;
  let alicePool, charliePool;

  async function create(owner, deposit, collateral, duration) {
    const r = await submit(api, api.tx.micropaymentPool.createPool('0x73', deposit, collateral, duration), owner);
    assert.equal(r.error, null);
    const created = poolEvents(r.events).find((e) => e.method === 'PoolCreated');
    return { id: created.data.pool_id.toNumber(), expiry: created.data.expiry.toNumber() };
  }

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((u) => keyring.addFromUri(u));
    node = await startNode('api', ['--dev']);
    api = await connect(node.ws);
    genesis = (await api.rpc.chain.getBlockHash(0)).toU8a();
    [alicePool, charliePool] = await Promise.all([
      create(alice, 10n * UNIT, 20n * UNIT, 40),
      create(charlie, 10n * UNIT, 20n * UNIT, 40),
    ]);
  });

  after(async () => {
    await api?.disconnect();
    await node?.stop();
  });

  it('voucherPayload gives the exact bytes to sign, genesis hash included', async () => {
    const bytes = await api.call.micropaymentPoolApi.voucherPayload(alicePool.id, bob.address, 3n * UNIT);
    assert.equal(u8aToHex(bytes), u8aToHex(voucherPayload(genesis, alicePool.id, bob.address, 3n * UNIT)));
  });

  it('pool, paid and claimable read the chain; claimable names the error it would hit', async () => {
    const pool = await api.call.micropaymentPoolApi.pool(alicePool.id);
    assert.ok(pool.isSome);
    assert.equal(pool.unwrap().owner.toString(), alice.address);
    assert.equal(pool.unwrap().deposit.toBigInt(), 10n * UNIT);
    assert.ok((await api.call.micropaymentPoolApi.pool(999)).isNone);
    assert.equal((await api.call.micropaymentPoolApi.paid(alicePool.id, bob.address)).toBigInt(), 0n);

    const claim = await api.call.micropaymentPoolApi.claimable(alicePool.id, bob.address, 12n * UNIT);
    assert.ok(claim.isOk);
    const c = claim.asOk;
    assert.equal(c.payout.toBigInt(), 12n * UNIT);
    assert.equal(c.fromDeposit.toBigInt(), 10n * UNIT);
    assert.equal(c.fromCollateral.toBigInt(), 2n * UNIT);
    assert.equal(c.shortfall.toBigInt(), 2n * UNIT);
    const unknown = await api.call.micropaymentPoolApi.claimable(999, bob.address, 1n);
    assert.ok(unknown.isErr);
    assert.equal(unknown.asErr.type, 'UnknownPool');
  });

  it('a voucher signed over the API payload settles, and paid/claimable follow', async () => {
    const bytes = await api.call.micropaymentPoolApi.voucherPayload(alicePool.id, dave.address, 2n * UNIT);
    const sig = { Sr25519: u8aToHex(alice.sign(bytes)) };
    const r = await submit(api, api.tx.micropaymentPool.settle(alicePool.id, 2n * UNIT, sig), dave);
    assert.equal(r.error, null);
    assert.equal((await api.call.micropaymentPoolApi.paid(alicePool.id, dave.address)).toBigInt(), 2n * UNIT);
    const stale = await api.call.micropaymentPoolApi.claimable(alicePool.id, dave.address, 2n * UNIT);
    assert.equal(stale.asErr.type, 'StaleVoucher');
  });

  it('topUp adds funds (PoolToppedUp has the totals); a stranger cannot', async () => {
    const r = await submit(api, api.tx.micropaymentPool.topUp(alicePool.id, 5n * UNIT, 5n * UNIT), alice);
    assert.equal(r.error, null);
    const e = poolEvents(r.events).find((x) => x.method === 'PoolToppedUp');
    assert.equal(e.data.deposit.toBigInt(), 13n * UNIT); // 10 - 2 settled + 5
    assert.equal(e.data.collateral.toBigInt(), 25n * UNIT);
    const stranger = await submit(api, api.tx.micropaymentPool.topUp(alicePool.id, 1n, 2n), bob);
    assert.equal(stranger.error, 'NotOwner');
    const unsound = await submit(api, api.tx.micropaymentPool.topUp(alicePool.id, 20n * UNIT, 0n), alice);
    assert.equal(unsound.error, 'InsufficientCollateral');
  });

  it('extend moves the expiry; beyond MaxDuration is refused', async () => {
    const r = await submit(api, api.tx.micropaymentPool.extend(alicePool.id, 10), alice);
    assert.equal(r.error, null);
    const e = poolEvents(r.events).find((x) => x.method === 'PoolExtended');
    assert.equal(e.data.expiry.toNumber(), alicePool.expiry + 10);
    const tooLong = await submit(api, api.tx.micropaymentPool.extend(alicePool.id, 30 * 14_400), alice);
    assert.equal(tooLong.error, 'DurationTooLong');
  });

  it('settleBatch: Bob settles two viewers in one transaction; a bad member fails alone', async () => {
    const before = await freeBalance(api, bob.address);
    const vouchers = [
      [alicePool.id, 3n * UNIT, signVoucher(alice, genesis, alicePool.id, bob.address, 3n * UNIT)],
      [charliePool.id, 4n * UNIT, signVoucher(charlie, genesis, charliePool.id, bob.address, 4n * UNIT)],
      // Alice's key for Charlie's pool: refused, the others still settle.
      [charliePool.id, 9n * UNIT, signVoucher(alice, genesis, charliePool.id, bob.address, 9n * UNIT)],
    ];
    const r = await submit(api, api.tx.micropaymentPool.settleBatch(vouchers), bob);
    assert.equal(r.error, null);
    const events = poolEvents(r.events);
    assert.deepEqual(
      events.map((e) => e.method),
      ['Settled', 'Settled', 'SettlementFailed', 'BatchSettled'],
    );
    const failed = events[2].data.error.asModule;
    assert.equal(api.registry.findMetaError(failed).name, 'BadSignature');
    assert.equal(events[3].data.settled.toNumber(), 2);
    assert.equal(events[3].data.failed.toNumber(), 1);
    assert.equal(await freeBalance(api, bob.address), before + 7n * UNIT - r.fee);
  });

  it('the storage deposit is held while a pool exists and returned when it closes', async () => {
    const storage = JSON.stringify({ micropaymentPool: 'PoolStorage' });
    const heldStorage = async (who) => {
      const holds = await api.query.balances.holds(who);
      return holds.filter((h) => JSON.stringify(h.id.toJSON()) === storage).reduce((s, h) => s + h.amount.toBigInt(), 0n);
    };
    const before = await heldStorage(dave.address);
    const pool = await create(dave, 1n * UNIT, 2n * UNIT, 5);
    const held = (await heldStorage(dave.address)) - before;
    assert.ok(held > 0n, 'a storage deposit is held');
    await waitForBlock(api, pool.expiry);
    const r = await submit(api, api.tx.micropaymentPool.closePool(pool.id), dave);
    assert.equal(r.error, null);
    assert.equal(await heldStorage(dave.address), before);
  });
});
