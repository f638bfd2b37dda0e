// The parachain on a real relay chain: zombienet/westend-local.toml (two relay validators,
// mpool-para-node collating para 2000, registered at genesis) started with zombienet's native
// provider. The para's blocks must be backed, included and finalized by the relay chain; then the
// user path runs through the collator's RPC with the handshake checked against the para header
// the *relay chain* finalized (read from the relay's `paras.heads`, not from the collator), and
// the collator is SIGKILLed mid-stream and restarted on its base path.
//
// Not in scripts/test.sh: the relay binaries take ~1 h to build on 2 cores, which CI's 90
// minutes do not leave. Run by scripts/relay-test.sh.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { startFromWorker } from 'polkadot-api/smoldot/from-node-worker';
import { WebSocket } from 'ws';
import {
  HandshakeVerifier,
  Payer,
  SessionKey,
  VoucherBook,
  decodeBundle,
  decodeHeader,
  toHex,
  tokenHex,
} from '../../../sdk/js/dist/index.js';
import { closePool, connect as connectChain, createPool, handshakeBundle, poolView, readPool, settle } from '../../../sdk/js/dist/chain.js';
import { FileStore } from '../../../sdk/js/dist/node.js';
import { LightPeer, startLightClient } from '../../../sdk/js/dist/light.js';
import { account, connect, poolEvents, submit, POOL } from '../lib/chain.js';
import { freePort, rpcRaw } from '../lib/node.js';
import { startRelayNet } from '../lib/relay.js';
import { signVoucher } from '../lib/voucher.js';

const PARA_ID = 2000;
const UNIT = 1_000_000_000_000n;
const DEPOSIT = 10n * UNIT;
const PRICE = UNIT / 10n;
// 6 s para blocks: 40 blocks leave the peers the policy's margins (10 blocks to settle, 2 of
// serving) through the light-client case, and the close comes a few minutes after.
const DURATION = 40;
const LIMITS = { minServingBlocks: 2 };
const log = (...args) => console.log(`[relay ${new Date().toISOString().slice(11, 19)}]`, ...args);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** Two consecutive free ports (Alice's relay RPC and Bob's). */
async function freePortPair() {
  for (;;) {
    const port = await freePort();
    const nextFree = await new Promise((ok) => {
      const server = createServer();
      server.once('error', () => ok(false));
      server.listen(port + 1, '127.0.0.1', () => server.close(() => ok(true)));
    });
    if (nextFree) return port;
  }
}

describe('the parachain on a westend-local relay chain', { timeout: 40 * 60_000 }, () => {
  let network, relay, para, client, papi, keyring, genesis;
  let bob, charlie, dave, eve, ferdie;
  let session, evePool, ferdiePool, bundle, payer, light, worker, restarted;
  const signer = (pair) => getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));

  /** The para head the relay chain finalized: its number and hash, from the relay's state. */
  async function relayFinalizedParaHead() {
    const relayHash = await relay.rpc.chain.getFinalizedHead();
    const head = await (await relay.at(relayHash)).query.paras.heads(PARA_ID);
    if (head.isNone) return { number: -1, hash: null, relayHash };
    const bytes = head.unwrap().toU8a(true);
    const header = para.registry.createType('Header', bytes);
    return { number: header.number.toNumber(), hash: blake2AsHex(bytes, 256), relayHash };
  }

  async function waitRelayFinalized(number, what) {
    for (let last = -2; ; ) {
      const head = await relayFinalizedParaHead();
      if (head.number >= number) return head;
      if (head.number !== last) log(`${what}: relay-finalized para head #${head.number}, waiting for #${number}`);
      last = head.number;
      await sleep(3_000);
    }
  }

  async function connectPara() {
    para = await connect(network.paras[PARA_ID].nodes[0].wsUri);
    ({ client, api: papi } = await connectChain(network.paras[PARA_ID].nodes[0].wsUri, { websocketClass: WebSocket }));
  }

  before(async () => {
    await cryptoWaitReady();
    keyring = new Keyring({ type: 'sr25519' });
    [bob, charlie, dave, eve, ferdie] = ['//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((u) =>
      keyring.addFromUri(u),
    );
    process.env.MPOOL_RELAY_RPC_PORT = String(await freePortPair());
    process.env.MPOOL_PARA_RPC_PORT = String(await freePort());
    log('starting the network (zombienet, native provider)');
    network = await startRelayNet({ dir: mkdtempSync(join(tmpdir(), 'mpool-relay-')) });
    log(`network up in ${network.tmpDir}`);
    relay = await connect(network.relay[0].wsUri);
    await connectPara();
    genesis = (await para.rpc.chain.getBlockHash(0)).toU8a();
    session = SessionKey.generate();
  });

  after(async () => {
    await light?.stop();
    await worker?.terminate();
    client?.destroy();
    await para?.disconnect();
    await relay?.disconnect();
    restarted?.kill('SIGKILL');
    await network?.stop();
  });

  it('para 2000 is registered; ≥ 10 of its blocks are backed, included and finalized by the relay chain', async () => {
    const head = await waitRelayFinalized(10, 'onboarding');
    const relayFinal = await relay.at(head.relayHash);
    assert.ok((await relayFinal.query.paras.parachains()).map((id) => id.toNumber()).includes(PARA_ID));
    // The collator's chain has the block the relay chain finalized, under the same hash.
    assert.equal((await para.rpc.chain.getBlockHash(head.number)).toHex(), head.hash);
    // Count the relay's inclusion events for para 2000 over its finalized blocks.
    const relayNumber = (await relay.rpc.chain.getHeader(head.relayHash)).number.toNumber();
    let backed = 0;
    let included = 0;
    for (let n = 1; n <= relayNumber; n++) {
      const events = await (await relay.at(await relay.rpc.chain.getBlockHash(n))).query.system.events();
      for (const { event } of events) {
        if (event.section !== 'paraInclusion') continue;
        const paraId = event.data[0].descriptor.paraId.toNumber();
        if (paraId !== PARA_ID) continue;
        if (event.method === 'CandidateBacked') backed++;
        if (event.method === 'CandidateIncluded') included++;
      }
    }
    log(`relay #${relayNumber} finalized: para #${head.number}; ${backed} candidates backed, ${included} included`);
    assert.ok(backed >= 10, `backed ${backed}`);
    assert.ok(included >= 10, `included ${included}`);
  });

  it('a viewer creates pools; the peer verifies the handshake against the relay-finalized para header', async () => {
    const created = await createPool(papi, signer(eve), {
      resourceId: 'video/relay',
      deposit: DEPOSIT,
      collateral: 2n * DEPOSIT,
      duration: DURATION,
      signer: session.publicKey,
    });
    evePool = created.poolId;
    const res = await submit(para, para.tx[POOL.section].createPool('0x72656c6179', DEPOSIT, 2n * DEPOSIT, DURATION), ferdie);
    assert.equal(res.error, null);
    ferdiePool = poolEvents(res.events).find((e) => e.method === 'PoolCreated').data.pool_id.toBigInt();

    // Wait until the relay chain has finalized the pool's block, then prove the pool there.
    const createdAt = (await para.rpc.chain.getHeader(res.blockHash)).number.toNumber();
    const final = await waitRelayFinalized(createdAt, 'pool creation');
    bundle = await handshakeBundle(client, papi, evePool, bob.publicKey);
    const { number } = decodeHeader(decodeBundle(bundle).header);
    assert.ok(number >= createdAt, `bundle at #${number}, pool created at #${createdAt}`);
    // The peer's trust comes from the relay chain: the para head it finalized and, if the bundle
    // is older, that head's ancestors (walked by parent hash, each header hashed here).
    const relayHead = await waitRelayFinalized(number, 'bundle block');
    let hash = relayHead.hash;
    for (let n = relayHead.number; n > number; n--) {
      const header = await para.rpc.chain.getHeader(hash);
      assert.equal(header.hash.toHex(), hash);
      hash = header.parentHash.toHex();
    }
    const trustedHash = hash;
    const verifier = await HandshakeVerifier.load();
    const policy = { me: bob.publicKey, trustedHash, now: relayHead.number, resourceId: 'video/relay', limits: LIMITS, palletPrefix: POOL.prefix };
    const pool = verifier.verify(bundle, policy);
    assert.equal(pool.poolId, evePool);
    assert.equal(pool.deposit, DEPOSIT);
    assert.equal(toHex(pool.owner), toHex(eve.publicKey));
    assert.ok(final.number >= createdAt);
  });

  it('the viewer pays per chunk; the peer settles one voucher, another peer a batch of two pools', async () => {
    const verifier = await HandshakeVerifier.load();
    const head = await relayFinalizedParaHead();
    const trustedHash = (await para.rpc.chain.getBlockHash(decodeHeader(decodeBundle(bundle).header).number)).toHex();
    const pool = verifier.verify(bundle, { me: bob.publicKey, trustedHash, now: head.number, resourceId: 'video/relay', limits: LIMITS, palletPrefix: POOL.prefix });
    const book = await VoucherBook.open({
      me: bob.publicKey,
      genesisHash: genesis,
      store: new FileStore(join(mkdtempSync(join(tmpdir(), 'mpool-relay-book-')), 'bob.json')),
      verifier,
      limits: LIMITS,
    });
    await book.recordHandshake(pool);
    assert.equal(await book.observe(await poolView(client, papi, evePool, bob.publicKey), 'chain'), true);
    payer = new Payer(session, genesis, evePool, pool.deposit, verifier);
    for (let chunk = 1n; chunk <= 5n; chunk++) {
      const accepted = await book.accept(tokenHex(payer.pay(bob.publicKey, PRICE)));
      assert.equal(accepted.unsettled, chunk * PRICE);
    }
    const before = await account(para, bob.address);
    const settled = await settle(papi, signer(bob), book.unsettled(evePool));
    assert.equal(settled.paid, 5n * PRICE);
    const afterBob = await account(para, bob.address);
    assert.equal(afterBob.free + afterBob.reserved, before.free + before.reserved + 5n * PRICE - settled.fee);

    // Charlie: one voucher of each pool in one settle_batch.
    const fromEve = payer.pay(charlie.publicKey, 3n * PRICE);
    const vouchers = [
      { poolId: evePool, amount: fromEve.voucher.amount, signature: { Sr25519: toHex(fromEve.signature.bytes) } },
      { poolId: ferdiePool, amount: 4n * PRICE, signature: signVoucher(ferdie, genesis, ferdiePool, charlie.address, 4n * PRICE) },
    ];
    const charlieBefore = await account(para, charlie.address);
    const batch = await submit(para, para.tx[POOL.section].settleBatch(vouchers), charlie);
    assert.equal(batch.error, null);
    assert.deepEqual(
      poolEvents(batch.events).map((e) => e.method),
      ['Settled', 'Settled', 'BatchSettled'],
    );
    const charlieAfter = await account(para, charlie.address);
    assert.equal(charlieAfter.free + charlieAfter.reserved, charlieBefore.free + charlieBefore.reserved + 7n * PRICE - batch.fee);
    const paidBlock = (await para.rpc.chain.getHeader(batch.blockHash)).number.toNumber();
    await waitRelayFinalized(paidBlock, 'settlements');
    assert.equal((await readPool(papi, evePool)).deposit, DEPOSIT - 8n * PRICE);
  });

  it('a light peer (smoldot) follows the parachain through the relay chain, verifies, reads and settles', async () => {
    // The specs zombienet generated, with the running nodes as WebSocket boot nodes.
    const spec = (path, nodes) => {
      const json = JSON.parse(readFileSync(path, 'utf8'));
      json.bootNodes = nodes.map((n) => n.multiAddress);
      return JSON.stringify(json);
    };
    const relaySpec = spec(network.chainSpecFullPath, network.relay);
    const paraSpec = spec(network.paras[PARA_ID].chainSpecPath, network.paras[PARA_ID].nodes);
    const verifier = await HandshakeVerifier.load();
    const fresh = await handshakeBundle(client, papi, evePool, bob.publicKey);
    const t0 = performance.now();
    worker = new Worker(fileURLToPath(import.meta.resolve('polkadot-api/smoldot/node-worker')));
    light = startLightClient(paraSpec, { relayChainSpec: relaySpec, smoldot: startFromWorker(worker) });
    const peer = new LightPeer(light.client, verifier);
    const policy = { me: bob.publicKey, resourceId: 'video/relay', limits: LIMITS };
    let pool;
    try {
      pool = await peer.verifyBundle(fresh, policy, 120_000);
    } catch (e) {
      // Older than what the light client synced to: the viewer hands a fresh one.
      assert.ok(e.code === 'UnknownBlock' || e.code === 'StaleBundle', e.message);
      pool = await peer.verifyBundle(await handshakeBundle(client, papi, evePool, bob.publicKey), policy, 120_000);
    }
    const coldMs = performance.now() - t0;
    log(`light client on the parachain: cold start -> verified handshake in ${coldMs.toFixed(0)} ms`);
    console.log(`# relay-backed parachain, smoldot cold start -> first verified handshake: ${coldMs.toFixed(0)} ms`);
    assert.equal(pool.poolId, evePool);
    // The hash the light client finalized is the para block the relay chain finalized there.
    const relayHead = await relayFinalizedParaHead();
    assert.ok(relayHead.number >= pool.blockNumber);
    assert.equal(toHex(pool.blockHash), (await para.rpc.chain.getBlockHash(pool.blockNumber)).toHex());
    // A proof-checked read of the pool, then a settlement through the light client.
    const read = await peer.readPool(evePool, policy);
    assert.equal(read.deposit, DEPOSIT - 8n * PRICE);
    const before = await account(para, bob.address);
    const best = payer.pay(bob.publicKey, PRICE);
    const settled = await settle((await peer.pool()).api, signer(bob), best);
    assert.equal(settled.paid, PRICE);
    const afterBob = await account(para, bob.address);
    assert.equal(afterBob.free + afterBob.reserved, before.free + before.reserved + PRICE - settled.fee);
    peer.stop();
  });

  it('SIGKILL of the collator mid-stream: no finalized settlement is lost and production resumes', async () => {
    // Dave settles rising vouchers of Ferdie's pool; the collator dies while the next is on its
    // way. What the relay chain finalized before the kill: a para head and Dave's paid total there.
    const voucher = (k) => para.tx[POOL.section].settle(ferdiePool, k * PRICE, signVoucher(ferdie, genesis, ferdiePool, dave.address, k * PRICE));
    let last = 0;
    for (const k of [1n, 2n]) {
      const res = await submit(para, voucher(k), dave);
      assert.equal(res.error, null);
      last = (await para.rpc.chain.getHeader(res.blockHash)).number.toNumber();
    }
    // A block seen in-block may still be replaced before the relay chain backs it: wait for the
    // relay's finalized head to pass the last settlement, then read the state under that head.
    const final = await waitRelayFinalized(last + 1, 'settlements before the kill');
    const finalPaid = (await (await para.at(final.hash)).query[POOL.section].paid(ferdiePool, dave.address)).unwrap().toBigInt();
    assert.equal(finalPaid, 2n * PRICE, 'both settlements under the relay-finalized head');
    // The next settlement is on its way when the collator dies (it may or may not have landed).
    submit(para, voucher(3n), dave).catch(() => {});
    const pid = collatorPid('collator');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    log(`SIGKILL collator (pid ${pid}), then the same command on its base path`);
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await sleep(100);
    client.destroy();
    await para.disconnect();
    restarted = spawn(argv[0], argv.slice(1), {
      stdio: ['ignore', openSync(join(network.tmpDir, 'collator.log'), 'a'), openSync(join(network.tmpDir, 'collator.log'), 'a')],
    });
    const rpcPort = Number(new URL(network.paras[PARA_ID].nodes[0].wsUri).port);
    while (!(await rpcRaw(rpcPort, 'system_health').catch(() => null))?.result) await sleep(500);
    await connectPara();
    const resumedFrom = (await relayFinalizedParaHead()).number;
    // The head the relay chain finalized before the kill is still the chain's block at its height,
    // and Dave's paid total has not gone back.
    assert.equal((await para.rpc.chain.getBlockHash(final.number)).toHex(), final.hash);
    const paid = (await para.query[POOL.section].paid(ferdiePool, dave.address)).unwrap().toBigInt();
    assert.ok(paid >= finalPaid, `Dave's paid total ${paid} after the restart, ${finalPaid} finalized before`);
    // Production resumes: a new settlement lands and the relay chain finalizes it.
    const res = await submit(para, voucher(4n), dave);
    assert.equal(res.error, null);
    const number = (await para.rpc.chain.getHeader(res.blockHash)).number.toNumber();
    assert.ok(number > resumedFrom);
    const head = await waitRelayFinalized(number, 'after restart');
    assert.equal((await para.rpc.chain.getBlockHash(number)).toHex(), res.blockHash.toHex());
    log(`after the restart: para #${head.number} finalized by the relay chain`);
  });

  it('after the window the owners close their pools and the peers reap their records', async () => {
    const grace = para.consts[POOL.section].settlementGrace.toNumber();
    const expiry = Math.max((await readPool(papi, evePool)).expiry, (await readPool(papi, ferdiePool)).expiry);
    for (;;) {
      const best = (await para.rpc.chain.getHeader()).number.toNumber();
      if (best >= expiry + grace) break;
      await sleep(3_000);
    }
    const closed = await closePool(papi, signer(eve), evePool);
    assert.equal(closed.refundedDeposit, DEPOSIT - 9n * PRICE);
    assert.equal(closed.refundedCollateral, 2n * DEPOSIT);
    const ferdieClose = await submit(para, para.tx[POOL.section].closePool(ferdiePool), ferdie);
    assert.equal(ferdieClose.error, null);
    // Anyone may reap a closed pool's records; each peer's record deposit comes back.
    const payeeHold = JSON.stringify({ [POOL.section]: 'PayeeStorage' });
    const held = async (who) => (await account(para, who.address)).hold(payeeHold);
    const before = await Promise.all([bob, charlie, dave].map(held));
    for (const pool of [evePool, ferdiePool]) {
      const res = await submit(para, para.tx[POOL.section].reapPaid(pool, 10), bob);
      assert.equal(res.error, null);
    }
    for (const [peer, pool] of [
      [bob, evePool],
      [charlie, evePool],
      [charlie, ferdiePool],
      [dave, ferdiePool],
    ]) {
      assert.ok((await para.query[POOL.section].paid(pool, peer.address)).isNone);
    }
    const after = await Promise.all([bob, charlie, dave].map(held));
    assert.ok(before.every((b) => b > 0n), `record deposits held: ${before}`);
    assert.deepEqual(after, [0n, 0n, 0n]);
    assert.equal(await readPool(papi, evePool), undefined);
  });
});

/** The pid of the `mpool-para-node` process that zombienet started as node `name`. */
function collatorPid(name) {
  const pids = execFileSync('pgrep', ['-x', 'mpool-para-node'], { encoding: 'utf8' }).trim().split('\n').map(Number);
  const mine = pids.filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`\0--name\0${name}\0`));
  assert.equal(mine.length, 1, `one collator process named ${name}: ${mine}`);
  return mine[0];
}

/** Whether process `pid` still exists (a killed child stays a zombie until reaped: not alive). */
function alive(pid) {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2].startsWith('Z');
  } catch {
    return false;
  }
}
