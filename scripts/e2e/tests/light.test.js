// The peer with no trusted RPC node: smoldot from npm follows the dev chain over WebSocket p2p
// from a chain spec the node exported (scripts/lib/light-spec.mjs), checks GRANDPA finality
// itself, verifies the viewer's handshake bundle against the hash *it* finalized, reads the
// pool proof-checked when there is no bundle, and settles through the light client. A bundle
// whose header was rewritten (its proof still matches the state root, its hash is recomputed)
// is refused only because the light client never finalized that hash: the check this adds.
// Solochain only: a parachain light client needs its relay chain.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { startFromWorker } from 'polkadot-api/smoldot/from-node-worker';
import { WebSocket } from 'ws';
import {
  HandshakeVerifier,
  MpoolError,
  Payer,
  SessionKey,
  blake2_256,
  decodeBundle,
  encodeBundle,
  fromHex,
  toHex,
} from '../../../sdk/js/dist/index.js';
import { connect, createPool, handshakeBundle, readPool, settle } from '../../../sdk/js/dist/chain.js';
import { LightPeer, startLightClient } from '../../../sdk/js/dist/light.js';
import { lightChainSpec } from '../../lib/light-spec.mjs';
import { NODE_BIN, soloOnly, startNode } from '../lib/node.js';

const UNIT = 1_000_000_000_000n;
const DEPOSIT = 10n * UNIT;
const PRICE = UNIT / 10n;

/** The offset of a SCALE header's extrinsics root: parent hash, compact number, state root. */
function extrinsicsRootOffset(header) {
  const mode = header[32] & 3;
  const numberLen = mode === 0 ? 1 : mode === 1 ? 2 : mode === 2 ? 4 : (header[32] >> 2) + 5;
  return 32 + numberLen + 32;
}

describe('light client peer: smoldot finality, bundle check, proof-checked reads, settlement', { skip: soloOnly('a parachain light client needs its relay chain'), timeout: 600_000 }, () => {
  let node, rpcClient, rpcApi, light, worker, peer, verifier, eve, bob, genesis, session, poolId;

  const signer = (pair) => getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));
  const total = async (who) => {
    const { data } = await rpcApi.query.System.Account.getValue(who, { at: 'best' });
    return data.free + data.reserved;
  };

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [eve, bob] = ['//Eve', '//Bob'].map((u) => keyring.addFromUri(u));
    node = await startNode('light', ['--dev'], { wsP2p: true });
    ({ client: rpcClient, api: rpcApi } = await connect(node.ws, { websocketClass: WebSocket }));
    genesis = fromHex(await rpcClient._request('chain_getBlockHash', [0]));
    session = SessionKey.generate();
    verifier = await HandshakeVerifier.load();
    // The viewer's pool, created through its own node.
    const created = await createPool(rpcApi, signer(eve), {
      resourceId: 'video/light',
      deposit: DEPOSIT,
      collateral: 2n * DEPOSIT,
      duration: 60,
      signer: session.publicKey,
    });
    poolId = created.poolId;
  });

  after(async () => {
    peer?.stop();
    await light?.stop();
    // smoldot's timers outlive terminate(); its worker thread goes with them.
    await worker?.terminate();
    rpcClient?.destroy();
    await node?.stop();
  });

  it('the exported chain spec names the node as a WebSocket boot node on loopback', async () => {
    const spec = JSON.parse(await lightChainSpec({ nodeBin: NODE_BIN, chain: 'dev', rpcPort: node.rpcPort }));
    assert.equal(spec.id, 'mpool_dev');
    assert.ok(spec.genesis.raw, 'raw genesis');
    assert.equal(spec.bootNodes.length, 1);
    assert.match(spec.bootNodes[0], new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/${node.wsP2pPort}/ws/p2p/12D3KooW`));
  });

  it("cold start to the first handshake verified against the light client's own finality", async () => {
    const spec = await lightChainSpec({ nodeBin: NODE_BIN, chain: 'dev', rpcPort: node.rpcPort });
    const bundle = await handshakeBundle(rpcClient, rpcApi, poolId, bob.publicKey);
    const t0 = performance.now();
    worker = new Worker(fileURLToPath(import.meta.resolve('polkadot-api/smoldot/node-worker')));
    light = startLightClient(spec, { smoldot: startFromWorker(worker) });
    peer = new LightPeer(light.client, verifier);
    const policy = { me: bob.publicKey, resourceId: 'video/light' };
    let pool;
    try {
      pool = await peer.verifyBundle(bundle, policy, 60_000);
    } catch (e) {
      // The bundle predates the block the light client warp-synced to, or is older than it
      // accepts: as a viewer does, hand it a fresh one (at the node's finalized block).
      assert.ok(e.code === 'UnknownBlock' || e.code === 'StaleBundle', e.message);
      pool = await peer.verifyBundle(await handshakeBundle(rpcClient, rpcApi, poolId, bob.publicKey), policy, 60_000);
    }
    const coldMs = performance.now() - t0;
    console.log(`# light client cold start -> first verified handshake: ${coldMs.toFixed(0)} ms`);
    assert.equal(pool.poolId, poolId);
    assert.equal(pool.deposit, DEPOSIT);
    assert.equal(toHex(pool.signer), toHex(session.publicKey));
    // The hash it accepted is the one the full node finalized at that height.
    assert.equal(toHex(pool.blockHash), await rpcClient._request('chain_getBlockHash', [pool.blockNumber]));
  });

  it('a rewritten header with a valid proof is refused: the light client never finalized it', async () => {
    const bundle = decodeBundle(await handshakeBundle(rpcClient, rpcApi, poolId, bob.publicKey));
    const header = bundle.header.slice();
    header[extrinsicsRootOffset(header)] ^= 0xff; // same state root: the proof still checks
    const forged = encodeBundle({ ...bundle, header, blockHash: blake2_256(header) });
    const policy = { me: bob.publicKey, resourceId: 'video/light' };
    await assert.rejects(peer.verifyBundle(forged, policy), (e) => e instanceof MpoolError && e.code === 'UnknownBlock');
    // The untampered bundle still passes.
    await peer.verifyBundle(encodeBundle(bundle), policy);
  });

  it('with no bundle, the peer reads the pool proof-checked by the light client', async () => {
    const pool = await peer.readPool(poolId, { me: bob.publicKey, resourceId: 'video/light' });
    const viaNode = await readPool(rpcApi, poolId);
    assert.equal(pool.deposit, viaNode.deposit);
    assert.equal(pool.collateral, viaNode.collateral);
    assert.equal(pool.expiry, viaNode.expiry);
    await assert.rejects(peer.readPool(poolId + 1000n, { me: bob.publicKey, resourceId: 'video/light' }), (e) => e.code === 'UnknownPool');
    await assert.rejects(peer.readPool(poolId, { me: session.publicKey, resourceId: 'video/light' }), (e) => e.code === 'SelfPayment');
  });

  it('the peer settles through the light client; balances read from the full node agree', async () => {
    const payer = new Payer(session, genesis, poolId, DEPOSIT, verifier);
    let best;
    for (let i = 0; i < 5; i++) best = payer.pay(bob.publicKey, PRICE);
    const before = await total(bob.address);
    const settled = await settle((await peer.pool()).api, signer(bob), best);
    assert.equal(settled.paid, 5n * PRICE);
    assert.ok(settled.fee > 0n);
    // The full node authored the block the light client saw finalized.
    const after = await rpcApi.query.System.Account.getValue(bob.address, { at: settled.blockHash });
    assert.equal(after.data.free + after.data.reserved, before + 5n * PRICE - settled.fee);
    // The settlement resolved once the light client saw its block finalized: a read at its
    // finalized tip shows the payment.
    const settledAt = await rpcApi.query.System.Number.getValue({ at: settled.blockHash });
    const pool = await peer.readPool(poolId, { me: bob.publicKey, resourceId: 'video/light' });
    assert.ok(pool.blockNumber >= settledAt, `read at #${pool.blockNumber}, settled at #${settledAt}`);
    assert.equal(pool.paidToMe, 5n * PRICE);
    assert.equal(pool.deposit, DEPOSIT - 5n * PRICE);
  });
});
