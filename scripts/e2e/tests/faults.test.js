// Faults and persistence: the chain and the peers lose nothing (docs/reliability.md).
//
// 1. a node SIGKILLed after finalized settlements restarts on the same ParityDb with every pool,
//    paid record and balance, and goes on producing and finalizing;
// 2. a validator of a two-validator chain stops for several slots and restarts: it syncs,
//    finality resumes, settlements submitted during the outage are included once;
// 3. a peer process killed after accepting vouchers settles, after restart, the best voucher it
//    acknowledged;
// 4. a settlement submitted twice, or two peers racing for the last deposit, never pays twice
//    (the loser of the race is compensated from the pot the forfeiture keeps, as far as it goes);
// 5. malformed RPC input gets an error response and the node keeps serving.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { NODE_BIN, soloOnly, startNode } from '../lib/node.js';
import { connect, poolEvents, submit, totalBalance, waitForBlock, waitForFinalized, POOL } from '../lib/chain.js';
import { PoolModel, poolConstants } from '../lib/rules.js';
import { signVoucher } from '../lib/voucher.js';

const UNIT = 1_000_000_000_000n;
const MPOOL = process.env.MPOOL_CLI_BIN ?? join(dirname(NODE_BIN), 'mpool');
const ALICE_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000001';
const ALICE_PEER_ID = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const BOB_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000002';

let keyring;
const key = (uri) => keyring.addFromUri(uri);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const byValue = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519' });
});

async function createPool(api, owner, deposit, collateral, duration, resource = '0x6661756c7473') {
  const created = await submit(api, api.tx[POOL.section].createPool(resource, deposit, collateral, duration), owner);
  assert.equal(created.error, null);
  const event = poolEvents(created.events).find((e) => e.method === 'PoolCreated');
  return { poolId: event.data.pool_id.toNumber(), blockHash: created.blockHash };
}

async function settle(api, pool, owner, peer, amount) {
  const genesis = (await api.rpc.chain.getBlockHash(0)).toU8a();
  const sig = signVoucher(owner, genesis, pool, peer.address, amount);
  return submit(api, api.tx[POOL.section].settle(pool, amount, sig), peer);
}

/** Everything a settlement touches, read at block `at`. */
async function snapshot(api, at, poolId, accounts) {
  const a = await api.at(at);
  const out = {
    pool: (await a.query[POOL.section].pools(poolId)).toJSON(),
    paid: {},
    accounts: {},
    holds: {},
    issuance: (await a.query.balances.totalIssuance()).toString(),
  };
  for (const who of accounts) {
    out.paid[who.address] = (await a.query[POOL.section].paid(poolId, who.address)).toJSON();
    out.accounts[who.address] = (await a.query.system.account(who.address)).toJSON();
    out.holds[who.address] = (await a.query.balances.holds(who.address)).toJSON();
  }
  return out;
}

async function finalizedNumber(api) {
  return (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
}

/** `promise`, or a failure naming `what` after `ms`. */
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves when `check()` is truthy, polling every `every` ms; fails after `ms`. */
async function until(check, ms, what, every = 500) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

describe('restart: a SIGKILLed node keeps every pool, paid record and balance', { timeout: 600_000 }, () => {
  let base, node, api;
  after(async () => {
    await api?.disconnect();
    await node?.stop();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('restarts on the same database with the same finalized state and keeps finalizing', async (t) => {
    base = mkdtempSync(join(tmpdir(), 'mpool-restart-'));
    node = await startNode('restart', ['--dev'], { basePath: base });
    api = await connect(node.ws);
    const [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map(key);
    const { poolId } = await createPool(api, alice, 10n * UNIT, 15n * UNIT, 200);
    assert.equal((await settle(api, poolId, alice, bob, 3n * UNIT)).error, null);
    const last = await settle(api, poolId, alice, charlie, 2n * UNIT);
    assert.equal(last.error, null);
    const finalized = await waitForFinalized(api, last.blockHash);
    const number = (await api.rpc.chain.getHeader(finalized)).number.toNumber();
    const before = await snapshot(api, finalized, poolId, [alice, bob, charlie]);
    assert.equal(BigInt(before.paid[bob.address]), 3n * UNIT);

    await api.disconnect();
    await node.kill();
    node = await startNode('restart-2', ['--dev'], { basePath: base });
    api = await connect(node.ws);

    // The same block, at the same height, with the same state.
    assert.equal((await api.rpc.chain.getBlockHash(number)).toHex(), finalized.toHex());
    assert.ok((await finalizedNumber(api)) >= number, 'finality survived the restart');
    assert.deepEqual(await snapshot(api, finalized, poolId, [alice, bob, charlie]), before);
    // No transaction since: the head's state agrees too.
    const head = await api.rpc.chain.getBlockHash();
    assert.deepEqual(await snapshot(api, head, poolId, [alice, bob, charlie]), before);

    // The chain goes on: new blocks, new finality, and the pool still settles.
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    await waitForBlock(api, best + 2);
    await until(async () => (await finalizedNumber(api)) > best, 120_000, 'finality after restart');
    const again = await settle(api, poolId, alice, bob, 5n * UNIT);
    assert.equal(again.error, null);
    const paid = poolEvents(again.events).find((e) => e.method === 'Settled').data.paid.toBigInt();
    assert.equal(paid, 2n * UNIT, 'only the increment over the pre-crash settlement');
    t.diagnostic(
      `killed at finalized #${number} (best #${best} after restart); pool, 3 paid records, 3 accounts, holds and ` +
        `issuance equal at #${number} and at the head; finalized #${await finalizedNumber(api)} after restart; ` +
        `a later voucher paid only its 2 UNIT increment`,
    );
  });
});

describe('two validators: one stops for several slots, restarts and catches up', {
  timeout: 900_000,
  skip: soloOnly('GRANDPA validators exist on the solochain only'),
}, () => {
  let aliceNode, bobNode, apiA, apiB, bobBase;
  // A validator without peers stops authoring unless told to go on (Substrate's default): with
  // --force-authoring Alice keeps producing in her slots while Bob is away, so there is a chain
  // for Bob to catch up on and blocks that only GRANDPA's return can finalize.
  const bobArgs = (alicePort) => [
    '--chain', 'local', '--bob', '--force-authoring', '--node-key', BOB_NODE_KEY,
    '--bootnodes', `/ip4/127.0.0.1/tcp/${alicePort}/p2p/${ALICE_PEER_ID}`,
  ];
  after(async () => {
    await apiA?.disconnect();
    await apiB?.disconnect();
    await bobNode?.stop();
    await aliceNode?.stop();
    if (bobBase) rmSync(bobBase, { recursive: true, force: true });
  });

  it('finality stalls without Bob, resumes when he is back, outage settlements land once', async (t) => {
    const [alice, charlie, dave] = ['//Alice', '//Charlie', '//Dave'].map(key);
    bobBase = mkdtempSync(join(tmpdir(), 'mpool-bob-'));
    aliceNode = await startNode('outage-alice', ['--chain', 'local', '--alice', '--force-authoring', '--node-key', ALICE_NODE_KEY]);
    bobNode = await startNode('outage-bob', bobArgs(aliceNode.p2pPort), { basePath: bobBase });
    apiA = await connect(aliceNode.ws);
    await until(async () => (await finalizedNumber(apiA)) >= 1, 180_000, 'first finality with both validators');
    const { poolId, blockHash } = await within(createPool(apiA, alice, 10n * UNIT, 15n * UNIT, 300), 120_000, 'createPool');
    await within(waitForFinalized(apiA, blockHash), 120_000, 'the pool finalized');

    // Bob goes down.
    await bobNode.stop();
    const finalizedAtOutage = await finalizedNumber(apiA);
    // free+reserved: a peer's first settlement in a pool also holds its Paid record's deposit.
    const [charlieBefore, daveBefore] = [await totalBalance(apiA, charlie.address), await totalBalance(apiA, dave.address)];
    const during = await within(
      Promise.all([settle(apiA, poolId, alice, charlie, 2n * UNIT), settle(apiA, poolId, alice, dave, 3n * UNIT)]),
      120_000,
      'settlements included by Alice alone',
    );
    for (const s of during) assert.equal(s.error, null);
    const lastBlock = Math.max(
      ...(await Promise.all(during.map(async (s) => (await apiA.rpc.chain.getHeader(s.blockHash)).number.toNumber()))),
    );
    // Several more of Alice's slots pass: blocks, but no finality (GRANDPA needs both).
    await within(waitForBlock(apiA, lastBlock + 3), 120_000, 'three more of Alice\'s blocks');
    assert.ok((await finalizedNumber(apiA)) < lastBlock, 'nothing past the outage is finalized without Bob');
    assert.ok((await finalizedNumber(apiA)) >= finalizedAtOutage, 'finality never goes back');

    // Bob returns on his old database and catches up.
    const stalledAt = await finalizedNumber(apiA);
    const outageBlocks = (await apiA.rpc.chain.getHeader()).number.toNumber();
    const back = Date.now();
    bobNode = await startNode('outage-bob-2', bobArgs(aliceNode.p2pPort), { basePath: bobBase });
    apiB = await connect(bobNode.ws);
    const aliceBest = (await apiA.rpc.chain.getHeader()).number.toNumber();
    await until(async () => (await apiB.rpc.chain.getHeader()).number.toNumber() >= aliceBest, 240_000, 'Bob syncing');
    await until(
      async () => (await finalizedNumber(apiA)) >= lastBlock && (await finalizedNumber(apiB)) >= lastBlock,
      240_000,
      'finality resuming on both',
    );

    // The outage's settlements are final on both nodes, each applied exactly once.
    for (const [s, who, amount] of [[during[0], charlie, 2n * UNIT], [during[1], dave, 3n * UNIT]]) {
      const n = (await apiA.rpc.chain.getHeader(s.blockHash)).number.toNumber();
      assert.equal((await apiA.rpc.chain.getBlockHash(n)).toHex(), s.blockHash.toHex());
      assert.equal((await apiB.rpc.chain.getBlockHash(n)).toHex(), s.blockHash.toHex());
      const fin = await apiB.rpc.chain.getFinalizedHead();
      assert.equal((await (await apiB.at(fin)).query[POOL.section].paid(poolId, who.address)).unwrap().toBigInt(), amount);
    }
    let settledEvents = 0;
    const head = (await apiB.rpc.chain.getHeader(await apiB.rpc.chain.getFinalizedHead())).number.toNumber();
    for (let n = finalizedAtOutage; n <= head; n++) {
      const events = await (await apiB.at(await apiB.rpc.chain.getBlockHash(n))).query.system.events();
      settledEvents += events.filter(({ event }) => apiB.events[POOL.section].Settled.is(event)).length;
    }
    assert.equal(settledEvents, 2, 'each outage settlement applied once');
    assert.equal(await totalBalance(apiB, charlie.address), charlieBefore + 2n * UNIT - during[0].fee);
    assert.equal(await totalBalance(apiB, dave.address), daveBefore + 3n * UNIT - during[1].fee);
    t.diagnostic(
      `Bob down from finalized #${finalizedAtOutage}; Alice authored alone up to #${outageBlocks}, finality stayed at ` +
        `#${stalledAt}; settlements in #${lastBlock}; Bob back, synced and finality past #${lastBlock} on both in ` +
        `${((Date.now() - back) / 1000).toFixed(0)} s; 2 Settled events, balances up once`,
    );
  });
});

describe('peer crash: the voucher store gives back every acknowledged voucher', {
  timeout: 600_000,
  skip: soloOnly('the same node code on both chains: run once, on the solochain'),
}, () => {
  let node, api, dir;
  after(async () => {
    await api?.disconnect();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a peer killed mid-stream settles the best voucher it acknowledged', async (t) => {
    dir = mkdtempSync(join(tmpdir(), 'mpool-peer-'));
    node = await startNode('peer-crash', ['--dev']);
    api = await connect(node.ws);
    // The viewer's record of its promises, in this test's folder.
    const env = { ...process.env, MPOOL_URL: node.ws, MPOOL_PROMISES: join(dir, 'promises.json') };
    const cli = (...args) => promisify(execFile)(MPOOL, args, { env });
    const [alice, bob] = ['//Alice', '//Bob'].map(key);
    const { poolId, blockHash } = await createPool(api, alice, 100n * UNIT, 150n * UNIT, 200, '0x73747265616d');
    await waitForFinalized(api, blockHash);
    const store = join(dir, 'bob.db');
    const bundle = join(dir, 'bundle.hex');
    await cli('handshake', 'prove', '--pool', String(poolId), '--target', '//Bob', '--out', bundle);
    await cli('handshake', 'verify', bundle, '--me', '//Bob', '--resource', 'stream', '--store', store);

    // The viewer streams 40 cumulative vouchers of 1 UNIT; the peer process acknowledges each.
    const genesis = (await api.rpc.chain.getBlockHash(0)).toHex();
    const tokens = [];
    for (let i = 1; i <= 40; i++) {
      const { stdout } = await cli('voucher', 'sign', '--suri', '//Alice', '--pool', String(poolId), '--target', '//Bob', '--amount', `${i}UNIT`, '--genesis', genesis);
      tokens.push(stdout.trim());
    }
    const peer = spawn(MPOOL, ['--json', 'peer', 'run', '--store', store, '--me', '//Bob'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise((ok) => peer.once('exit', (code, signal) => ok({ code, signal })));
    let acked = 0n;
    let acks = 0;
    const lines = createInterface({ input: peer.stdout });
    const killed = new Promise((ok) => {
      lines.on('line', (line) => {
        const out = JSON.parse(line);
        assert.equal(out.ok, true, line);
        acked = BigInt(out.amount);
        acks += 1;
        // Power cut after 25 acknowledgements, with more vouchers in flight.
        if (acks === 25) {
          peer.kill('SIGKILL');
          ok();
        }
      });
    });
    for (const t of tokens) peer.stdin.write(`${t}\n`);
    await killed;
    assert.equal((await exited).signal, 'SIGKILL');
    assert.ok(acked >= 25n * UNIT);

    // What the store kept is at least everything acknowledged.
    const listed = JSON.parse((await cli('--json', 'peer', 'pools', '--store', store, '--me', '//Bob')).stdout);
    const kept = listed.pools.find((p) => String(p.pool_id) === String(poolId));
    assert.ok(BigInt(kept.best) >= acked, `the store holds ${kept.best}, acknowledged ${acked}`);

    // The restarted peer settles it in full.
    const bobBefore = await totalBalance(api, bob.address);
    const { stdout } = await cli('--json', 'settle', '--suri', '//Bob', '--pool', String(poolId), '--store', store);
    const settled = JSON.parse(stdout);
    assert.equal(settled.ok, true);
    assert.ok(BigInt(settled.amount) >= acked, `settled ${settled.amount}, acknowledged ${acked}`);
    assert.equal(BigInt(settled.paid), BigInt(settled.amount));
    const paid = (await api.query[POOL.section].paid(poolId, bob.address)).unwrap().toBigInt();
    assert.equal(paid, BigInt(settled.amount));
    assert.equal(await totalBalance(api, bob.address), bobBefore + paid - BigInt(settled.fee));
    t.diagnostic(
      `40 vouchers sent, SIGKILL after ${acks} acknowledgements (last: ${acked / UNIT} UNIT); ` +
        `after restart the store settled ${BigInt(settled.amount) / UNIT} UNIT on chain`,
    );
  });
});

describe('transaction pool: a settlement never pays twice', {
  timeout: 600_000,
  skip: soloOnly('the same node code on both chains: run once, on the solochain'),
}, () => {
  let node, api, alice, bob, charlie, dave, genesis, poolId, model;
  const D = 10n * UNIT;
  const C = 15n * UNIT;
  before(async () => {
    node = await startNode('txpool', ['--dev']);
    api = await connect(node.ws);
    [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map(key);
    genesis = (await api.rpc.chain.getBlockHash(0)).toU8a();
    ({ poolId } = await createPool(api, alice, D, C, 200));
    model = new PoolModel(poolConstants(api).r, D, C);
  });
  after(async () => {
    await api?.disconnect();
    await node?.stop();
  });

  async function paid(who) {
    const record = await api.query[POOL.section].paid(poolId, who.address);
    return record.isSome ? record.unwrap().toBigInt() : 0n;
  }

  it('the same signed extrinsic twice: the pool refuses the copy, it pays once', async () => {
    const before = await totalBalance(api, bob.address);
    const tx = api.tx[POOL.section].settle(poolId, 4n * UNIT, signVoucher(alice, genesis, poolId, bob.address, 4n * UNIT));
    const nonce = (await api.rpc.system.accountNextIndex(bob.address)).toNumber();
    await tx.signAsync(bob, { nonce });
    const hex = tx.toHex();
    const first = await node.rpcRaw('author_submitExtrinsic', [hex]);
    assert.ok(first.result, JSON.stringify(first));
    const second = await node.rpcRaw('author_submitExtrinsic', [hex]);
    assert.ok(second.error, 'a duplicate is refused');
    assert.match(second.error.message + (second.error.data ?? ''), /already imported|Already Imported|temporarily banned/i);
    await until(async () => (await paid(bob)) === 4n * UNIT, 60_000, 'inclusion');
    model.settle(bob.address, 4n * UNIT);
    const fee = before + 4n * UNIT - (await totalBalance(api, bob.address));
    assert.ok(fee > 0n && fee < UNIT / 10n, `paid once, minus one fee (fee ${fee})`);
  });

  it('the same voucher in two extrinsics: the second is StaleVoucher', async () => {
    const sig = signVoucher(alice, genesis, poolId, bob.address, 6n * UNIT);
    const nonce = (await api.rpc.system.accountNextIndex(bob.address)).toNumber();
    const [a, b] = await Promise.all([
      submit(api, api.tx[POOL.section].settle(poolId, 6n * UNIT, sig), bob, { nonce }),
      submit(api, api.tx[POOL.section].settle(poolId, 6n * UNIT, sig), bob, { nonce: nonce + 1 }),
    ]);
    const outcomes = [a.error, b.error].sort();
    assert.deepEqual(outcomes, ['StaleVoucher', null].sort());
    assert.equal(await paid(bob), 6n * UNIT);
    model.settle(bob.address, 6n * UNIT);
  });

  it('two peers race for the last deposit: one from the deposit, one from the capped pot', async () => {
    // 4 UNIT of deposit left; Alice promised 4 to Charlie and 4 to Dave. Whoever comes second
    // overdraws the pool: the collateral is forfeited, and the pot r × (C - D) pays what it can.
    const first = model.settle('first', 4n * UNIT);
    const second = model.settle('second', 4n * UNIT);
    const figures = `D = ${D}, C = ${C}, pot ${second.forfeited?.pot}, second peer's compensation ${second.compensation}`;
    const [c, d] = await Promise.all([settle(api, poolId, alice, charlie, 4n * UNIT), settle(api, poolId, alice, dave, 4n * UNIT)]);
    assert.equal(c.error, null);
    assert.equal(d.error, null);
    const events = [...poolEvents(c.events), ...poolEvents(d.events)];
    const paidOut = events.filter((e) => e.method === 'Settled').map((e) => e.data.paid.toBigInt());
    assert.deepEqual(paidOut.sort(byValue), [first.payout, second.payout].sort(byValue), `one in full, one from the pot, once each (${figures})`);
    const forfeited = events.filter((e) => e.method === 'CollateralForfeited');
    assert.equal(forfeited.length, 1, 'the collateral is forfeited once');
    assert.equal(forfeited[0].data.slashed.toBigInt(), second.forfeited.slashed, figures);
    assert.equal(forfeited[0].data.pot.toBigInt(), second.forfeited.pot, figures);
    const overdrawn = events.filter((e) => e.method === 'PoolOverdrawn');
    assert.equal(overdrawn.length, 1, 'the later one found the deposit short');
    assert.equal(overdrawn[0].data.shortfall.toBigInt(), second.shortfall, figures);
    assert.equal(overdrawn[0].data.compensation.toBigInt(), second.compensation, figures);
    const pool = (await api.query[POOL.section].pools(poolId)).unwrap();
    assert.equal(pool.deposit.toBigInt(), 0n);
    assert.equal(pool.collateral.toBigInt(), model.collateralLeft, 'what is left of the pot');
    assert.equal(pool.overdrawn.isTrue, true);
    for (const [who, s] of [[charlie, c], [dave, d]]) {
      assert.equal(await paid(who), 4n * UNIT, 'the voucher is recorded in full');
      const replay = await settle(api, poolId, alice, who, 4n * UNIT);
      assert.equal(replay.error, 'StaleVoucher', `${who.address}: ${s.error}`);
    }
  });
});

describe('malformed RPC input: an error response, and the node keeps serving', {
  timeout: 600_000,
  skip: soloOnly('the same node code on both chains: run once, on the solochain'),
}, () => {
  let node, api;
  before(async () => {
    node = await startNode('malformed', ['--dev']);
    api = await connect(node.ws);
  });
  after(async () => {
    await api?.disconnect();
    await node?.stop();
  });

  async function alive() {
    const health = await node.rpcRaw('system_health');
    assert.ok(health.result, `node still answers: ${JSON.stringify(health)}`);
  }

  it('answers each bad request with an error', async () => {
    const bob = key('//Bob');
    const good = api.tx.balances.transferKeepAlive(key('//Eve').address, 1n);
    await good.signAsync(bob, { nonce: (await api.rpc.system.accountNextIndex(bob.address)).toNumber() });
    const hex = good.toHex();
    const flipped = `${hex.slice(0, 40)}${hex[40] === 'f' ? '0' : 'f'}${hex.slice(41)}`;
    // 257 vouchers: one more than MaxBatch, so the call does not decode.
    const oversized = api.tx[POOL.section].settleBatch(
      Array.from({ length: 257 }, (_, i) => ({ poolId: i, amount: 1, signature: { Sr25519: u8aToHex(new Uint8Array(64)) } })),
    );
    await oversized.signAsync(bob, { nonce: (await api.rpc.system.accountNextIndex(bob.address)).toNumber() });
    const cases = [
      ['author_submitExtrinsic', ['0xzz'], 'bad hex'],
      ['author_submitExtrinsic', ['0x00'], 'not an extrinsic'],
      ['author_submitExtrinsic', [u8aToHex(new Uint8Array(300).fill(7))], 'random bytes'],
      ['author_submitExtrinsic', [hex.slice(0, -2)], 'truncated extrinsic'],
      ['author_submitExtrinsic', [flipped], 'a byte of the signed extrinsic flipped'],
      ['author_submitExtrinsic', [oversized.toHex()], 'settleBatch of MaxBatch + 1 vouchers'],
      ['state_call', ['MicropaymentPoolApi_pool', '0x01'], 'runtime API with truncated arguments'],
      ['state_call', ['MicropaymentPoolApi_pool', '0xzz'], 'runtime API with bad hex'],
      ['state_getReadProof', [['0xzz']], 'read proof of a bad key'],
      ['state_getStorage', ['0x00', '0x1234'], 'storage at a malformed block hash'],
      ['chain_getBlock', ['0x' + '11'.repeat(32)], null],
      ['no_such_method', [], 'unknown method'],
    ];
    for (const [method, params, what] of cases) {
      const out = await node.rpcRaw(method, params);
      if (what === null) {
        assert.equal(out.result, null, 'an unknown block is null, not an error');
      } else {
        assert.ok(out.error, `${what}: expected an error, got ${JSON.stringify(out).slice(0, 200)}`);
        assert.equal(typeof out.error.code, 'number', what);
      }
      await alive();
    }
    // Not JSON at all, and a 20 MiB body (over the 15 MiB request limit).
    const notJson = await node.post('{"jsonrpc": "2.0", "method": ');
    assert.equal(notJson.json?.error?.code, -32700, 'parse error');
    await alive();
    // The server may answer 413 first, or close the socket while the body is still being sent
    // (EPIPE / ECONNRESET, depending on timing): both are a refusal.
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'author_submitExtrinsic', params: [`0x${'00'.repeat(10 * 1024 * 1024)}`] });
    const huge = await node.post(body).catch((e) => ({ closed: e.cause?.code ?? e.code ?? String(e) }));
    if (huge.closed) {
      assert.match(huge.closed, /EPIPE|ECONNRESET|UND_ERR_SOCKET/, `oversize request: connection closed with ${huge.closed}`);
    } else {
      assert.ok(huge.status !== 200 || huge.json?.error, `oversize request refused (HTTP ${huge.status})`);
    }
    await alive();
  });

  it('still produces blocks and takes valid transactions afterwards', async () => {
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    await waitForBlock(api, best + 1);
    const { poolId } = await createPool(api, key('//Alice'), 5n * UNIT, 6n * UNIT, 50);
    const s = await settle(api, poolId, key('//Alice'), key('//Bob'), UNIT);
    assert.equal(s.error, null);
  });
});
