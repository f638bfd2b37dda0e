// The JS SDK (sdk/js, @mpool/sdk) end to end on a real dev node, through polkadot-api with the
// descriptors generated from this runtime's metadata: a wallet account creates a pool whose
// vouchers a session key signs, the viewer builds the handshake bundle from the node, the peer
// verifies it in wasm against the hash it trusts, accepts session-key vouchers into a file-backed
// voucher book, refuses the owner's own key, and settles the best voucher; balances and the
// pool record are read back from the chain.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { CompatibilityLevel, createClient } from 'polkadot-api';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { getWsProvider } from 'polkadot-api/ws';
import { WebSocket } from 'ws';
import {
  HandshakeVerifier,
  MpoolError,
  Payer,
  decodeBundle,
  decodeHeader,
  voucherPayload,
  SessionKey,
  VoucherBook,
  fromHex,
  ss58,
  toHex,
  tokenHex,
} from '../../../sdk/js/dist/index.js';
import { closePool, createPool, GENERATED_PALLET, handshakeBundle, mpool, poolApi, poolView, readPool, settle, withNodeRequests } from '../../../sdk/js/dist/chain.js';
import { FileStore } from '../../../sdk/js/dist/node.js';
import { startNode } from '../lib/node.js';

const UNIT = 1_000_000_000_000n;
const DEPOSIT = 10n * UNIT;
const PRICE = UNIT / 10n; // per chunk
// A 20-block pool: the peer's default margins (10 blocks to settle + 10 of serving) would not
// leave it time once created; a peer may ask less.
const LIMITS = { minServingBlocks: 2 };

describe('JS SDK: session-key pool, wasm handshake, voucher book, PAPI settlement', { timeout: 600_000 }, () => {
  let node, client, api, pallet, keyring, eve, bob, eveSigner, bobSigner, genesis, session, poolId, bundle, nodeRequest;

  const signer = (pair) => getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));
  const total = async (who) => {
    const { data } = await api.query.System.Account.getValue(who, { at: 'best' });
    return data.free + data.reserved;
  };

  before(async () => {
    await cryptoWaitReady();
    keyring = new Keyring({ type: 'sr25519' });
    [eve, bob] = ['//Eve', '//Bob'].map((u) => keyring.addFromUri(u));
    [eveSigner, bobSigner] = [signer(eve), signer(bob)];
    node = await startNode('sdk', ['--dev']);
    // Node 20 has no global WebSocket (22 has): hand PAPI the `ws` package's.
    // A client made by hand: its provider wrapped so that the bundle can ask the node for proofs.
    const wrapped = withNodeRequests(getWsProvider(node.ws, { websocketClass: WebSocket }));
    client = createClient(wrapped.provider);
    nodeRequest = wrapped.request;
    ({ api, pallet } = await poolApi(client));
    genesis = fromHex(await client._request('chain_getBlockHash', [0]));
    session = SessionKey.generate();
  });

  after(async () => {
    client?.destroy();
    await node?.stop();
  });

  it('the descriptors match the running runtime, entry by entry', async () => {
    // PAPI compares the descriptors' types with the chain's metadata, by pallet name: identical
    // where the runtime names the pool pallet as the descriptors do (the solochain); where it
    // names it otherwise (the parachain's `Micropayments`), the descriptors' own entries find
    // nothing and the SDK's API (`poolApi`) resolves the runtime's own names instead.
    const { compat } = await client.getTypedApi(mpool).getStaticApis();
    const level = pallet.name === GENERATED_PALLET ? CompatibilityLevel.Identical : CompatibilityLevel.Incompatible;
    for (const call of ['create_pool', 'create_pool_with_signer', 'settle', 'close_pool']) {
      assert.equal(compat.tx.MicropaymentPool[call].level, level, call);
    }
    assert.equal(compat.query.MicropaymentPool.Pools.isCompatible(CompatibilityLevel.Identical), level === CompatibilityLevel.Identical);
    assert.equal(compat.event.MicropaymentPool.PoolCreated.level, level);
  });

  it('the wallet signs one transaction: a pool whose vouchers the session key signs', async () => {
    const created = await createPool(api, eveSigner, {
      resourceId: 'video/7',
      deposit: DEPOSIT,
      collateral: 2n * DEPOSIT,
      duration: 20,
      signer: session.publicKey,
    });
    poolId = created.poolId;
    assert.equal(created.signer, ss58(session.publicKey));
    const pool = await readPool(api, poolId);
    assert.equal(pool.owner, eve.address);
    assert.equal(pool.signer, ss58(session.publicKey));
    assert.equal(pool.deposit, DEPOSIT);
  });

  it("the peer verifies the viewer's bundle in wasm against the hash its own node finalized", async () => {
    // A client made by hand does not carry the node's requests: the bundle says what it needs.
    await assert.rejects(handshakeBundle(client, api, poolId, bob.publicKey), (e) => e instanceof MpoolError && e.code === 'Unsupported');
    bundle = await handshakeBundle(client, api, poolId, bob.publicKey, nodeRequest);
    // The peer's trust: the hash its node finalized at the bundle's height.
    const { number } = decodeHeader(decodeBundle(bundle).header);
    const finalized = await client.getFinalizedBlock();
    assert.ok(number <= finalized.number, 'the bundle is of a finalized block');
    const trustedHash = await client._request('chain_getBlockHash', [number]);
    const verifier = await HandshakeVerifier.load();
    const policy = { me: bob.publicKey, trustedHash, now: finalized.number, resourceId: 'video/7', limits: LIMITS, palletPrefix: pallet.storagePrefix };
    const pool = verifier.verify(bundle, policy);
    assert.equal(pool.poolId, poolId);
    assert.equal(toHex(pool.signer), toHex(session.publicKey));
    assert.equal(toHex(pool.owner), toHex(eve.publicKey));
    assert.equal(pool.deposit, DEPOSIT);
    assert.equal(pool.paidToMe, 0n);
    // Not for another peer, not against a hash the peer does not trust.
    assert.throws(() => verifier.verify(bundle, { ...policy, me: eve.publicKey }), (e) => e instanceof MpoolError && e.code === 'WrongTarget');
    assert.throws(
      () => verifier.verify(bundle, { ...policy, trustedHash: genesis }),
      (e) => e instanceof MpoolError && e.code === 'UnknownBlock',
    );
    assert.throws(() => verifier.verify(bundle, { ...policy, resourceId: 'video/8' }), (e) => e.code === 'WrongResource');
  });

  it('the peer keeps session-key vouchers in its book, refuses the owner key, and settles the best via PAPI', async () => {
    const verifier = await HandshakeVerifier.load();
    const { number } = decodeHeader(decodeBundle(bundle).header);
    const trustedHash = await client._request('chain_getBlockHash', [number]);
    const pool = verifier.verify(bundle, { me: bob.publicKey, trustedHash, now: number, resourceId: 'video/7', limits: LIMITS, palletPrefix: pallet.storagePrefix });
    const path = join(mkdtempSync(join(tmpdir(), 'mpool-sdk-')), 'bob.json');
    const book = await VoucherBook.open({ me: bob.publicKey, genesisHash: genesis, store: new FileStore(path), verifier, limits: LIMITS });
    await book.recordHandshake(pool);
    // Beyond a first small amount the peer relies on its own read of the pool, at its head.
    assert.equal(await book.observe(await poolView(client, api, poolId, bob.publicKey), 'chain'), true);

    // Ten chunks, each paid with a 153-byte token signed by the session key in memory.
    const payer = new Payer(session, genesis, poolId, pool.deposit, verifier);
    for (let chunk = 1n; chunk <= 10n; chunk++) {
      const token = tokenHex(payer.pay(bob.publicKey, PRICE));
      assert.equal(fromHex(token).length, 153);
      const accepted = await book.accept(token);
      assert.equal(accepted.unsettled, chunk * PRICE);
    }
    // The owner's wallet key is not the pool's signer.
    const ownerKey = { sign: (v) => ({ voucher: v, signature: { type: 'Sr25519', bytes: eve.sign(voucherPayload(v)) } }) };
    const forged = ownerKey.sign({ genesisHash: genesis, poolId, target: bob.publicKey, amount: 20n * PRICE });
    await assert.rejects(book.accept(forged), (e) => e instanceof MpoolError && e.code === 'BadSignature');

    // The book survives a restart of the peer.
    const reopened = await VoucherBook.open({ me: bob.publicKey, genesisHash: genesis, store: new FileStore(path), verifier, limits: LIMITS });
    const best = reopened.unsettled(poolId);
    assert.equal(best.voucher.amount, 10n * PRICE);

    const escrow = await api.constants.MicropaymentPool.EscrowAccount();
    const bobBefore = await total(bob.address);
    const eveBefore = await total(eve.address);
    const escrowBefore = await total(escrow);
    const settled = await settle(api, bobSigner, best);
    assert.equal(settled.paid, 10n * PRICE);
    await reopened.markSettled(poolId, settled.amount, settled.paid);
    assert.equal(reopened.unsettled(poolId), null);
    // Balances, from the chain: Bob gained the voucher minus his fee, paid out of the pool's
    // deposit in the escrow; Eve's own balance did not move (her funds left her at creation).
    const bobAfter = await total(bob.address);
    const eveAfter = await total(eve.address);
    assert.equal(bobAfter, bobBefore + 10n * PRICE - settled.fee);
    assert.equal(eveAfter, eveBefore);
    assert.equal(await total(escrow), escrowBefore - 10n * PRICE);
    const left = await readPool(api, poolId);
    assert.equal(left.deposit, DEPOSIT - 10n * PRICE);

    // The chain refuses the owner's key too, and a replay of the settled voucher.
    await assert.rejects(settle(api, bobSigner, forged), (e) => e.error === `${pallet.name}.BadSignature`);
    await assert.rejects(settle(api, bobSigner, best), (e) => e.error === `${pallet.name}.StaleVoucher`);
  });

  it('the owner closes the pool through PAPI after its settlement window', async () => {
    const pool = await readPool(api, poolId);
    const grace = await api.constants.MicropaymentPool.SettlementGrace();
    for (;;) {
      const best = await client.getFinalizedBlock();
      if (best.number >= pool.expiry + grace) break;
      await new Promise((ok) => setTimeout(ok, 1_000));
    }
    const closed = await closePool(api, eveSigner, poolId);
    assert.equal(closed.refundedDeposit, DEPOSIT - 10n * PRICE);
    assert.equal(closed.refundedCollateral, 2n * DEPOSIT);
    assert.equal(await readPool(api, poolId), undefined);
  });
});
