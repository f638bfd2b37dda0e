// The peer's own safety on a real node, through the JS SDK (@mpool/sdk: its wasm peer policy,
// voucher book and settlement with tips), on the solochain and the dev parachain:
//
// - a bundle proven before a drain is refused once the drain is final: the peer's own read at
//   its head shows the pool exhausted, and the old bundle ages out (StaleBundle);
// - a peer that settled the whole deposit refuses the next increment;
// - the puppet-first attack against a peer that caps its exposure: the puppet drains the deposit
//   and the collateral burns (no pot on the demo chains); the peer loses at most its cap, and the
//   coalition's net return, from balances, is negative.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { WebSocket } from 'ws';
import { HandshakeVerifier, MemoryStore, MpoolError, Payer, SessionKey, VoucherBook, decodeBundle, decodeHeader, fromHex, ss58, toHex } from '../../../sdk/js/dist/index.js';
import { connect, createPool, handshakeBundle, poolView, settle } from '../../../sdk/js/dist/chain.js';
import { FinalityTracker } from '../../../sdk/js/dist/light.js';
import { CHAIN, startNode } from '../lib/node.js';

const UNIT = 1_000_000_000_000n;
const code = (c) => (e) => e instanceof MpoolError && e.code === c;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

describe(`peer safety on the ${CHAIN === 'para' ? 'dev parachain' : 'dev chain'}`, { timeout: 900_000 }, () => {
  let node, client, api, pallet, verifier, genesis, finality;
  let alice, bob, dave;

  const signer = (pair) => getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));
  const total = async (who, at = 'best') => {
    const { data } = await api.query.System.Account.getValue(ss58(who.publicKey), { at });
    return data.free + data.reserved;
  };
  const finalized = async () => (await client.getFinalizedBlock()).number;
  const waitFinalized = async (n) => {
    while ((await finalized()) < n) await sleep(500);
  };

  /** A pool of Alice's whose vouchers a session key signs; the peer Bob admits it and reads it itself. */
  async function pool(resourceId, deposit, collateral, duration = 100) {
    const session = SessionKey.generate();
    const created = await createPool(api, signer(alice), { resourceId, deposit, collateral, duration, signer: session.publicKey });
    return { ...created, session };
  }

  async function admit(poolId, resourceId, book) {
    const bundle = await handshakeBundle(client, api, poolId, bob.publicKey);
    const { number } = decodeHeader(decodeBundle(bundle).header);
    // The peer's trust: the hash its own node finalized at the bundle's height.
    await finality.waitFor(number);
    const trustedHash = finality.hashAt(number);
    const verified = verifier.verify(bundle, { me: bob.publicKey, trustedHash, now: await finalized(), resourceId, palletPrefix: pallet.storagePrefix });
    await book?.recordHandshake(verified);
    return { bundle, number, trustedHash, verified };
  }

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, dave] = ['//Alice', '//Bob', '//Dave'].map((u) => keyring.addFromUri(u));
    node = await startNode('peer-safety', ['--dev']);
    ({ client, api, pallet } = await connect(node.ws, { websocketClass: WebSocket }));
    genesis = fromHex((await client.getChainSpecData()).genesisHash);
    verifier = await HandshakeVerifier.load();
    finality = new FinalityTracker(client);
  });

  after(async () => {
    finality?.stop();
    client?.destroy();
    await node?.stop();
  });

  it('a bundle proven before a drain is refused once the drain is final', async () => {
    const resourceId = 'safety/stale';
    const p = await pool(resourceId, 10n * UNIT, 20n * UNIT);
    const book = await VoucherBook.open({ me: bob.publicKey, genesisHash: genesis, verifier });
    const { bundle, number, trustedHash } = await admit(p.poolId, resourceId, book);

    // A puppet of the viewer settles the whole deposit, signed by the pool's session key.
    const viewer = new Payer(p.session, genesis, p.poolId, 10n * UNIT, verifier);
    const drained = await settle(api, signer(dave), viewer.pay(dave.publicKey, 10n * UNIT));
    assert.equal(drained.paid, 10n * UNIT);

    // Bob's own read at his head: the pool is exhausted; his book takes no increment.
    const view = await poolView(client, api, p.poolId, bob.publicKey);
    assert.throws(() => verifier.admit(view, 'chain', { me: bob.publicKey, now: view.block, resourceId }), code('Exhausted'));
    assert.equal(await book.observe(view, 'chain'), true);
    const careless = new Payer(p.session, genesis, p.poolId, 10n * UNIT, verifier, { allowOverDeposit: true });
    await assert.rejects(book.accept(careless.pay(bob.publicKey, UNIT)), code('Exhausted'));
    // The pre-drain bundle shown again changes nothing...
    assert.equal(await book.observe({ poolId: p.poolId, block: number, pool: null, paid: null }, 'bundle'), false);
    // ...and once it is older than the peer accepts (here 2 blocks), a new peer refuses it.
    await waitFinalized(number + 3);
    assert.throws(
      () => verifier.verify(bundle, { me: bob.publicKey, trustedHash, now: number + 3, resourceId, limits: { maxAge: 2 }, palletPrefix: pallet.storagePrefix }),
      code('StaleBundle'),
    );
  });

  it('a peer that settled the whole deposit refuses the next increment', async () => {
    const resourceId = 'safety/whole';
    const p = await pool(resourceId, 2n * UNIT, 4n * UNIT);
    const book = await VoucherBook.open({ me: bob.publicKey, genesisHash: genesis, verifier, store: new MemoryStore() });
    await admit(p.poolId, resourceId, book);
    await book.observe(await poolView(client, api, p.poolId, bob.publicKey), 'chain');
    const viewer = new Payer(p.session, genesis, p.poolId, 2n * UNIT, verifier, { allowOverDeposit: true });
    const whole = await book.accept(viewer.pay(bob.publicKey, 2n * UNIT));
    assert.equal(whole.settleNow, 'Exposure');
    const settled = await settle(api, signer(bob), book.unsettled(p.poolId));
    assert.equal(settled.paid, 2n * UNIT);
    await book.markSettled(p.poolId, settled.amount, settled.paid);
    await assert.rejects(book.accept(viewer.pay(bob.publicKey, UNIT)), code('Exhausted'));
    // Its next read of the chain agrees: nothing left.
    await book.observe(await poolView(client, api, p.poolId, bob.publicKey), 'chain');
    await assert.rejects(book.accept(viewer.pay(bob.publicKey, UNIT)), code('Exhausted'));
  });

  it('puppet first: the peer capped at C − D loses at most its cap, the coalition loses more', async () => {
    const D = 100n * UNIT;
    const C = 150n * UNIT;
    const resourceId = 'safety/puppet';
    const r = await api.constants.MicropaymentPool.CompensationShare();
    assert.equal(r, 0, 'the demo chains keep no compensation pot');
    const coalitionBefore = (await total(alice)) + (await total(dave));
    const p = await pool(resourceId, D, C);
    const book = await VoucherBook.open({ me: bob.publicKey, genesisHash: genesis, verifier });
    await admit(p.poolId, resourceId, book);
    await book.observe(await poolView(client, api, p.poolId, bob.publicKey), 'chain');
    const viewer = new Payer(p.session, genesis, p.poolId, D, verifier, { allowOverDeposit: true });
    // The viewer asks Bob for 60 chunks of 1 UNIT; his book stops at its cap, C − D = 50.
    let served = 0n;
    for (let i = 0; i < 60; i++) {
      try {
        await book.accept(viewer.pay(bob.publicKey, UNIT));
        served += UNIT;
      } catch (e) {
        assert.equal(e.code, 'ExposureCap');
        break;
      }
    }
    assert.equal(served, C - D);
    // The puppet settles D + C before Bob.
    const puppet = await settle(api, signer(dave), viewer.pay(dave.publicKey, D + C));
    assert.equal(puppet.paid, D, 'the puppet takes the deposit, no pot');
    const bobBefore = await total(bob);
    const best = book.unsettled(p.poolId);
    const bobSettled = await settle(api, signer(bob), best);
    await book.markSettled(p.poolId, bobSettled.amount, bobSettled.paid);
    const bobGot = (await total(bob)) - bobBefore + bobSettled.fee;
    assert.equal(bobGot, 0n, 'the deposit is gone: Bob is paid nothing');
    const unpaid = served - bobGot;
    assert.ok(unpaid <= C - D, `Bob's loss ${unpaid} is within the cap his policy promised (${C - D})`);
    // The coalition, from balances with its fees added back: the collateral burnt, the deposit
    // back with the puppet, the service valued at most the deposit.
    const fees = p.fee + puppet.fee;
    const delta = (await total(alice)) + (await total(dave)) - coalitionBefore + fees;
    assert.equal(delta, -C, 'the coalition lost the collateral');
    const net = delta + (served < D ? served : D);
    assert.ok(net < 0n, `net return ${net}`);
    console.log(`# puppet first: Bob served ${served}, unpaid ${unpaid} (cap ${C - D}); coalition net ${net}`);
  });
});
