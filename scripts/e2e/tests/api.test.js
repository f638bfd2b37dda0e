// Beyond the paper, on a real `--dev` node: the runtime API (`api.call.micropaymentPoolApi`),
// top-ups, extensions, batch settlement across viewers (named-struct items), and the storage
// deposits: the pool record's (owner) and each Paid record's (peer); a pool whose vouchers a
// session key signs (createPoolWithSigner); CheckMetadataHash in mode 1 (a metadata-verifying signer).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { merkleizeMetadata } from '@polkadot-api/merkleize-metadata';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, u8aToHex, stringToU8a } from '@polkadot/util';
import { cryptoWaitReady, randomAsU8a } from '@polkadot/util-crypto';
import { startNode } from '../lib/node.js';
import { account, connect, poolEvents, submit, waitForBlock, POOL } from '../lib/chain.js';
import { HOLD, PoolModel, poolConstants } from '../lib/rules.js';
import { signVoucher, voucherPayload } from '../lib/voucher.js';

const UNIT = 1_000_000_000_000n;

describe('dev chain: runtime API, top-up, extend, settleBatch', { timeout: 600_000 }, () => {
  let node, api, genesis, alice, bob, charlie, dave, eve, ferdie, keyring;
  let grace, r;
  let alicePool, charliePool;
  let payeeDeposit; // the PayeeStorage hold of one Paid record

  async function create(owner, deposit, collateral, duration) {
    const res = await submit(api, api.tx[POOL.section].createPool('0x73', deposit, collateral, duration), owner);
    assert.equal(res.error, null);
    const created = poolEvents(res.events).find((e) => e.method === 'PoolCreated');
    return { id: created.data.pool_id.toNumber(), expiry: created.data.expiry.toNumber() };
  }

  before(async () => {
    await cryptoWaitReady();
    keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie, dave, eve, ferdie] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((u) =>
      keyring.addFromUri(u),
    );
    node = await startNode('api', ['--dev']);
    api = await connect(node.ws);
    genesis = (await api.rpc.chain.getBlockHash(0)).toU8a();
    ({ grace, r } = poolConstants(api));
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
    assert.equal(pool.unwrap().totalDeposit.toBigInt(), 10n * UNIT);
    assert.ok((await api.call.micropaymentPoolApi.pool(999)).isNone);
    assert.equal((await api.call.micropaymentPoolApi.paid(alicePool.id, bob.address)).toBigInt(), 0n);

    // 12 against a deposit of 10: the shortfall is paid from the pot r × (20 - 10), as far as it goes.
    const want = new PoolModel(r, 10n * UNIT, 20n * UNIT).settle(bob.address, 12n * UNIT);
    const claim = await api.call.micropaymentPoolApi.claimable(alicePool.id, bob.address, 12n * UNIT);
    assert.ok(claim.isOk);
    const c = claim.asOk;
    assert.equal(c.payout.toBigInt(), want.payout);
    assert.equal(c.fromDeposit.toBigInt(), want.fromDeposit);
    assert.equal(c.fromCollateral.toBigInt(), want.compensation);
    assert.equal(c.shortfall.toBigInt(), want.shortfall);
    const unknown = await api.call.micropaymentPoolApi.claimable(999, bob.address, 1n);
    assert.ok(unknown.isErr);
    assert.equal(unknown.asErr.type, 'UnknownPool');
  });

  it('a voucher signed over the API payload settles, and paid/claimable follow', async () => {
    const bytes = await api.call.micropaymentPoolApi.voucherPayload(alicePool.id, dave.address, 2n * UNIT);
    const sig = { Sr25519: u8aToHex(alice.sign(bytes)) };
    const before = await account(api, dave.address);
    const res = await submit(api, api.tx[POOL.section].settle(alicePool.id, 2n * UNIT, sig), dave);
    assert.equal(res.error, null);
    // Dave's first settlement in the pool: the Paid record's storage deposit is held from him.
    const after = await account(api, dave.address);
    payeeDeposit = after.hold(HOLD.payeeStorage) - before.hold(HOLD.payeeStorage);
    assert.ok(payeeDeposit > 0n, 'a PayeeStorage deposit is held from the peer');
    assert.equal(api.consts[POOL.section].payeeDeposit.toBigInt(), payeeDeposit, 'as the constant says');
    assert.equal(after.total, before.total + 2n * UNIT - res.fee);
    assert.equal(after.free, before.free + 2n * UNIT - res.fee - payeeDeposit);
    assert.equal((await api.call.micropaymentPoolApi.paid(alicePool.id, dave.address)).toBigInt(), 2n * UNIT);
    const stale = await api.call.micropaymentPoolApi.claimable(alicePool.id, dave.address, 2n * UNIT);
    assert.equal(stale.asErr.type, 'StaleVoucher');
  });

  it('topUp adds funds (PoolToppedUp has the totals, totalDeposit counts it); a stranger cannot, nor a narrower margin', async () => {
    const res = await submit(api, api.tx[POOL.section].topUp(alicePool.id, 5n * UNIT, 5n * UNIT), alice);
    assert.equal(res.error, null);
    const e = poolEvents(res.events).find((x) => x.method === 'PoolToppedUp');
    assert.equal(e.data.deposit.toBigInt(), 13n * UNIT); // 10 - 2 settled + 5
    assert.equal(e.data.collateral.toBigInt(), 25n * UNIT);
    const pool = (await api.query[POOL.section].pools(alicePool.id)).unwrap();
    assert.equal(pool.deposit.toBigInt(), 13n * UNIT);
    assert.equal(pool.totalDeposit.toBigInt(), 15n * UNIT, 'all deposit ever locked: 10 + 5');
    const stranger = await submit(api, api.tx[POOL.section].topUp(alicePool.id, 1n, 2n), bob);
    assert.equal(stranger.error, 'NotOwner');
    // More deposit than collateral would narrow the margin C − D the peers were shown.
    const unsound = await submit(api, api.tx[POOL.section].topUp(alicePool.id, 20n * UNIT, 0n), alice);
    assert.equal(unsound.error, 'MarginWouldShrink');
    const narrower = await submit(api, api.tx[POOL.section].topUp(alicePool.id, 2n, 1n), alice);
    assert.equal(narrower.error, 'MarginWouldShrink');
  });

  it('extend moves the expiry; beyond MaxDuration is refused', async () => {
    const res = await submit(api, api.tx[POOL.section].extend(alicePool.id, 10), alice);
    assert.equal(res.error, null);
    const e = poolEvents(res.events).find((x) => x.method === 'PoolExtended');
    assert.equal(e.data.expiry.toNumber(), alicePool.expiry + 10);
    const tooLong = await submit(api, api.tx[POOL.section].extend(alicePool.id, 30 * 14_400), alice);
    assert.equal(tooLong.error, 'DurationTooLong');
  });

  it('settleBatch: Bob settles two viewers in one transaction; a bad member fails alone', async () => {
    const before = await account(api, bob.address);
    const item = (owner, pool, amount) => ({ poolId: pool.id, amount, signature: signVoucher(owner, genesis, pool.id, bob.address, amount) });
    const vouchers = [
      item(alice, alicePool, 3n * UNIT),
      item(charlie, charliePool, 4n * UNIT),
      // Alice's key for Charlie's pool: refused, the others still settle.
      item(alice, charliePool, 9n * UNIT),
    ];
    const res = await submit(api, api.tx[POOL.section].settleBatch(vouchers), bob);
    assert.equal(res.error, null);
    const events = poolEvents(res.events);
    assert.deepEqual(
      events.map((e) => e.method),
      ['Settled', 'Settled', 'SettlementFailed', 'BatchSettled'],
    );
    const failed = events[2].data.error.asModule;
    assert.equal(api.registry.findMetaError(failed).name, 'BadSignature');
    assert.equal(events[3].data.settled.toNumber(), 2);
    assert.equal(events[3].data.failed.toNumber(), 1);
    // Bob's first settlement in each of the two pools: two Paid records, two deposits held.
    const after = await account(api, bob.address);
    assert.equal(after.hold(HOLD.payeeStorage) - before.hold(HOLD.payeeStorage), 2n * payeeDeposit);
    assert.equal(after.total, before.total + 7n * UNIT - res.fee, 'free+reserved rises by payout - fee');
    assert.equal(after.free, before.free + 7n * UNIT - res.fee - 2n * payeeDeposit);
  });

  it('the storage deposit is held while a pool exists and returned when it closes', async () => {
    const storage = JSON.stringify({ [POOL.section]: 'PoolStorage' });
    const heldStorage = async (who) => {
      const holds = await api.query.balances.holds(who);
      return holds.filter((h) => JSON.stringify(h.id.toJSON()) === storage).reduce((s, h) => s + h.amount.toBigInt(), 0n);
    };
    const before = await heldStorage(dave.address);
    const pool = await create(dave, 1n * UNIT, 2n * UNIT, 5);
    const held = (await heldStorage(dave.address)) - before;
    assert.ok(held > 0n, 'a storage deposit is held');
    // The pool closes once the settlement window (expiry + SettlementGrace) is over.
    await waitForBlock(api, pool.expiry + grace);
    const res = await submit(api, api.tx[POOL.section].closePool(pool.id), dave);
    assert.equal(res.error, null);
    assert.equal(await heldStorage(dave.address), before);
    // No peer was paid: a closed pool without Paid records has nothing to reap.
    const reap = await submit(api, api.tx[POOL.section].reapPaid(pool.id, 10), dave);
    assert.equal(reap.error, 'NothingToReap');
  });

  it('createPoolWithSigner: a session key in memory signs the vouchers, the owner key no longer does', async () => {
    // The player's session key: random, never funded, never on chain but as the pool's signer.
    const session = keyring.addFromSeed(randomAsU8a(32));
    const res = await submit(
      api,
      api.tx[POOL.section].createPoolWithSigner('0x73', 10n * UNIT, 20n * UNIT, 40, session.address),
      eve,
    );
    assert.equal(res.error, null);
    const created = poolEvents(res.events).find((e) => e.method === 'PoolCreated');
    assert.equal(created.data.owner.toString(), eve.address);
    assert.equal(created.data.signer.toString(), session.address);
    const id = created.data.pool_id.toNumber();
    const pool = (await api.query[POOL.section].pools(id)).unwrap();
    assert.equal(pool.signer.toString(), session.address);
    assert.equal((await api.call.micropaymentPoolApi.pool(id)).unwrap().signer.toString(), session.address);

    // Eve's own signature is refused; nothing moves but Ferdie's fee.
    const ownerSigned = await submit(
      api,
      api.tx[POOL.section].settle(id, 2n * UNIT, signVoucher(eve, genesis, id, ferdie.address, 2n * UNIT)),
      ferdie,
    );
    assert.equal(ownerSigned.error, 'BadSignature');

    // The session key signs the way a wallet's signRaw does (<Bytes>-wrapped): Ferdie is paid.
    const payload = voucherPayload(genesis, id, ferdie.address, 3n * UNIT);
    const wrapped = u8aConcat(stringToU8a('<Bytes>'), payload, stringToU8a('</Bytes>'));
    const before = await account(api, ferdie.address);
    const escrow = api.consts[POOL.section].escrowAccount.toString();
    const escrowBefore = await account(api, escrow);
    const paid = await submit(
      api,
      api.tx[POOL.section].settle(id, 3n * UNIT, { Sr25519: u8aToHex(session.sign(wrapped)) }),
      ferdie,
    );
    assert.equal(paid.error, null);
    const after = await account(api, ferdie.address);
    assert.equal(after.total, before.total + 3n * UNIT - paid.fee);
    // The payout came from the pool's deposit in the escrow; the session account holds nothing.
    const escrowAfter = await account(api, escrow);
    assert.equal(escrowBefore.hold(HOLD.deposit) - escrowAfter.hold(HOLD.deposit), 3n * UNIT);
    assert.equal((await api.query.system.account(session.address)).data.free.toBigInt(), 0n);
  });

  it('CheckMetadataHash: a signer in mode 1 with the metadata digest is accepted, a wrong digest refused', async () => {
    // RFC-0078: the digest Ledger's generic app (or any signer in mode 1) computes from the
    // node's metadata (v16, the version the runtime's build hashes) and the token's decimals and
    // symbol. The runtime carries these 32 bytes and adds them to the signed payload in mode 1.
    assert.ok(api.registry.signedExtensions.includes('CheckMetadataHash'));
    const metadata = (await api.call.metadata.metadataAtVersion(16)).unwrap().toU8a(true);
    const digest = merkleizeMetadata(metadata, {
      decimals: api.registry.chainDecimals[0],
      tokenSymbol: api.registry.chainTokens[0],
    }).digest();
    const create = () => api.tx[POOL.section].createPool('0x6d68', UNIT, 2n * UNIT, 40);
    const good = await submit(api, create(), dave, { nonce: -1, mode: 1, metadataHash: u8aToHex(digest) });
    assert.equal(good.error, null);
    assert.ok(poolEvents(good.events).some((e) => e.method === 'PoolCreated'));
    const wrong = new Uint8Array(digest);
    wrong[0] ^= 1;
    await assert.rejects(
      submit(api, create(), dave, { nonce: -1, mode: 1, metadataHash: u8aToHex(wrong) }),
      /bad signature/i,
    );
  });
});
