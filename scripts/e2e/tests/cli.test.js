// The `mpool` CLI against a real dev node, on the solochain and the dev parachain: the viewer
// creates a pool and proves it, the peer verifies the proof against its node, the viewer signs
// vouchers, the peer verifies, accepts and settles them. Tampered, replayed and foreign inputs
// must be refused with exit code 3. A short pool then runs through its settlement window: a
// voucher still settles after expiry, the pool closes only from `settle_by` (expiry + the
// runtime's SettlementGrace), and the peers' Paid records are reaped after the close. `peer run`
// shares its store with `handshake verify` and `settle` running at the same time, and nothing is
// lost. Every verb is held to the exit code table of `mpool --help`.
//
// Each step runs the CLI as a process, as a user would, with `--json`: `check` asserts its exit
// code and, as "3:BadProof", the `error` of its JSON output. The cases share one node and its
// state (pools, the peers' stores), so they run in order.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeBundle, decodeToken, encodeBundle, encodeToken, toHex } from '../../../sdk/js/dist/index.js';
import { MPOOL_BIN, lineReader, run, spawnTracked } from '../lib/cli.js';
import { CHAIN, NODE_BIN, startNode } from '../lib/node.js';

const UNIT = 1_000_000_000_000n;
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const EVE = '5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw';
const FERDIE = '5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL';
const NOWHERE = 'ws://127.0.0.1:1'; // no node listens there
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
/** `mpool --json args`, as an argv for `check`. */
const m = (...args) => [MPOOL_BIN, '--json', ...args];

describe(`mpool CLI on the ${CHAIN === 'para' ? 'dev parachain' : 'dev chain'}`, { timeout: 900_000 }, () => {
  let node, work, env, peer;
  let checks = 0; // one per check or equals, as scripts/cli-round.sh counted them
  // Pools and vouchers the cases hand on to each other.
  let pool, v1;

  /**
   * Runs `argv` (a binary and its arguments), asserts its exit code: `want` is the code, or
   * "CODE:ERROR" to require that `error` in its JSON output too. Returns its JSON (null if none).
   */
  async function check(name, want, [bin, ...args], options = {}) {
    const [code, error] = String(want).split(':');
    const out = await run(bin, args, { env, ...options });
    const detail = `${out.stderr}${out.stdout}`.replace(/^/gm, '     ');
    assert.equal(out.code, Number(code), `${name}: exit ${out.code}, want ${code}\n${detail}`);
    if (error !== undefined) assert.equal(out.json?.error, error, `${name}: error\n${detail}`);
    checks++;
    return out.json;
  }
  /** As the script compared: the texts of the two values. */
  function equals(name, actual, expected) {
    assert.equal(String(actual), String(expected), name);
    checks++;
  }
  /** The best block number, from the node's JSON-RPC. */
  const headBlock = async () => parseInt((await node.rpc('chain_getHeader')).number, 16);
  /** Until the best block is at least `n`: polled once a second, 600 times at most. */
  async function waitBlock(n) {
    let at = 0;
    for (let i = 0; i < 600; i++) {
      at = await headBlock();
      if (at >= n) return;
      await sleep(1_000);
    }
    assert.fail(`timed out waiting for block ${n} (at ${at})`);
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'mpool-cli-'));
    node = await startNode('cli', ['--dev']);
    // The viewer's record of what it promised each peer: `voucher sign` checks the deposit against it.
    env = { MPOOL_URL: node.ws, MPOOL_PROMISES: join(work, 'promises.json') };
    // The RPC answers before the CLI can use it: "no such pool" (4) means the node answered.
    let code;
    for (let i = 0; i < 120; i++) {
      ({ code } = await run(MPOOL_BIN, ['pool', 'show', '999999'], { env }));
      if (code === 4) break;
      await sleep(500);
    }
    assert.equal(code, 4, 'the CLI reaches the node (see scripts/e2e/logs)');
  });

  after(async () => {
    peer?.kill('SIGKILL');
    await node?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`# ${checks} checks passed`);
  });

  it('the node exports its chain spec (export-chain-spec, not the deprecated build-spec)', async () => {
    const spec = await check('export-chain-spec --chain dev', 0, [NODE_BIN, 'export-chain-spec', '--chain', 'dev']);
    equals('chain spec properties', `${spec?.properties?.tokenSymbol}/${spec?.properties?.tokenDecimals}`, 'MPT/12');
  });

  it("units come from the chain's system_properties (MPT, 12 decimals)", async () => {
    await check(
      "an amount in another chain's token",
      1,
      m('pool', 'create', '--suri', '//Alice', '--resource', 'r', '--deposit', '10DOT', '--collateral', '20DOT', '--duration', '100'),
    );
    await check(
      'a malformed amount is a usage error',
      '2:Usage',
      m('pool', 'create', '--suri', '//Alice', '--resource', 'r', '--deposit', '1.2.3MPT', '--collateral', '20MPT', '--duration', '100'),
    );
  });

  it('viewer: create a pool (finalized), prove it to Bob', async () => {
    const created = await check(
      'pool create',
      0,
      m('pool', 'create', '--suri', '//Alice', '--resource', 'stream-1', '--deposit', '10MPT', '--collateral', '20MPT', '--duration', '100', '--finalized'),
    );
    pool = String(created.pool_id);
    const shown = await check('pool show', 0, m('pool', 'show', pool));
    equals('pool deposit', shown.deposit, 10n * UNIT);
    // Without --json, amounts are printed in the chain's units.
    const text = (await run(MPOOL_BIN, ['pool', 'show', '--pool', pool], { env })).stdout;
    equals("text output in the chain's units", text.split('\n').filter((l) => l.includes(' 10 MPT left')).length, 1);
    await check('unknown pool is not found', 4, m('pool', 'show', '424242'));
    const proved = await check('handshake prove', 0, m('handshake', 'prove', '--pool', pool, '--target', '//Bob', '--out', join(work, 'bundle.hex')));
    console.log(`# proof ${proved.proof_nodes} nodes, ${proved.proof_bytes} bytes`);
  });

  it('peer: verify the bundle against its node', async () => {
    const bundleFile = join(work, 'bundle.hex');
    const bob = ['--me', '//Bob', '--resource', 'stream-1'];
    const verified = await check('handshake verify', 0, m('handshake', 'verify', bundleFile, ...bob, '--store', join(work, 'bob.db')));
    equals('verified owner', verified.owner, ALICE);
    console.log(`# checked in ${verified.verify_ms} ms`);
    await check('bundle for another peer', '3:WrongTarget', m('handshake', 'verify', bundleFile, '--me', '//Charlie', '--resource', 'stream-1'));
    await check('wrong resource', '3:WrongResource', m('handshake', 'verify', bundleFile, '--me', '//Bob', '--resource', 'other'));
    // One byte flipped inside the last trie node of the proof: its hash no longer links it.
    const bundle = decodeBundle(readFileSync(bundleFile, 'utf8'));
    const last = bundle.proof[bundle.proof.length - 1];
    last[last.length >> 1] ^= 0xff;
    await check('tampered bundle', '3:BadProof', m('handshake', 'verify', toHex(encodeBundle(bundle)), ...bob));
    await check('untrusted block', '3:UnknownBlock', m('handshake', 'verify', bundleFile, ...bob, '--trusted', `0x${'1'.repeat(64)}`));
    await check('handshake verify: no resource', '2:Usage', m('handshake', 'verify', bundleFile, '--me', '//Bob'));
  });

  it('viewer signs vouchers; peer verifies and accepts them', async () => {
    const bob = ['--store', join(work, 'bob.db'), '--me', '//Bob'];
    const sign = (...args) => m('voucher', 'sign', '--pool', pool, '--target', '//Bob', ...args);
    v1 = (await check('voucher sign 1 MPT', 0, sign('--suri', '//Alice', '--amount', '1MPT'))).token;
    await check('voucher verify', 0, m('voucher', 'verify', v1));
    await check('voucher verify, hex without 0x', 0, m('voucher', 'verify', v1.replace(/^0x/, '')));
    await check('voucher accept 1 UNIT', 0, m('voucher', 'accept', v1, ...bob));
    const v2 = (await check('voucher sign 2.5 UNIT', 0, sign('--suri', '//Alice', '--amount', '2.5UNIT'))).token;
    const accepted = await check('voucher accept 2.5 UNIT', 0, m('voucher', 'accept', v2, ...bob));
    equals('increment', accepted.increment, (3n * UNIT) / 2n);
    await check('replayed voucher', '3:StaleVoucher', m('voucher', 'accept', v1, ...bob));
    // The same voucher for one planck more, under the signature of the original.
    const tampered = decodeToken(v1);
    tampered.voucher.amount += 1n;
    await check('tampered voucher', '3:BadSignature', m('voucher', 'verify', toHex(encodeToken(tampered))));
    const eve = await check('voucher by a non-owner', 0, sign('--suri', '//Eve', '--amount', '9UNIT', '--promises', join(work, 'eve.json')));
    await check('non-owner voucher refused', '3:BadSignature', m('voucher', 'accept', eve.token, ...bob));
    const foreign = await check('voucher for another chain', 0, sign('--suri', '//Alice', '--amount', '9UNIT', '--genesis', `0x${'ab'.repeat(32)}`));
    await check("other chain's voucher refused", '3:WrongChain', m('voucher', 'verify', foreign.token));
  });

  it('peer settles its best voucher', async () => {
    const store = ['--store', join(work, 'bob.db')];
    const settled = await check('settle from store', 0, m('settle', '--suri', '//Bob', '--pool', pool, ...store));
    equals('settled paid', settled.paid, (5n * UNIT) / 2n);
    await check('nothing left to settle', '3:NothingToSettle', m('settle', '--suri', '//Bob', '--pool', pool, ...store));
    const listed = await check('the store lists the pool as paid', 0, m('peer', 'pools', ...store, '--me', '//Bob'));
    const held = listed.pools.find((p) => String(p.pool_id) === String(pool));
    equals('listed settled', held.settled, (5n * UNIT) / 2n);
    equals('listed unsettled', held.unsettled, 0n);
    await check('chain refuses a stale voucher', '3:StaleVoucher', m('settle', '--suri', '//Bob', '--voucher', v1));
    const left = await check('pool after settlement', 0, m('pool', 'show', pool));
    equals('deposit left', left.deposit, 10n * UNIT - (5n * UNIT) / 2n);
    await check('close before expiry', '3:PoolNotExpired', m('pool', 'close', pool, '--suri', '//Alice'));
  });

  it('a short pool: settle in the grace window, close after it, reap the Paid records', async () => {
    const created = await check(
      'short pool create',
      0,
      m('pool', 'create', '--suri', '//Alice', '--resource', 'stream-2', '--deposit', '2UNIT', '--collateral', '3UNIT', '--duration', '5'),
    );
    const short = String(created.pool_id);
    const shown = await check('short pool show', 0, m('pool', 'show', short));
    const expiry = Number(shown.expiry);
    const settleBy = Number(shown.settle_by);
    console.log(`# expiry #${expiry}, settle by #${settleBy}`);
    assert.ok(settleBy > expiry, `settle_by ${settleBy} after expiry ${expiry}`);
    const sign = (amount) => m('voucher', 'sign', '--suri', '//Alice', '--pool', short, '--target', '//Bob', '--amount', amount);
    const first = await check('short voucher 1 UNIT', 0, sign('1UNIT'));
    await check('settle before expiry', 0, m('settle', '--suri', '//Bob', '--voucher', first.token));
    const late = (await check('short voucher 2 UNIT', 0, sign('2UNIT'))).token;
    await waitBlock(expiry);
    const settled = await check('settle in the grace window', 0, m('settle', '--suri', '//Bob', '--voucher', late));
    equals('grace settlement paid', settled.paid, UNIT);
    // With a grace of fewer than 3 blocks, the window may be over by the time the CLI runs.
    if (settleBy - expiry >= 3) {
      await check('close inside the settlement window', '3:PoolNotExpired', m('pool', 'close', short, '--suri', '//Alice'));
    }
    await check('reap an open pool', '3:PoolOpen', m('pool', 'reap', short, '--suri', '//Bob'));
    await waitBlock(settleBy);
    await check('close after the settlement window', 0, m('pool', 'close', short, '--suri', '//Alice'));
    await check('short pool is gone', 4, m('pool', 'show', short));
    const reaped = await check('reap the closed pool', 0, m('pool', 'reap', short, '--suri', '//Bob'));
    equals('records reaped', reaped.removed, 1);
    equals('records left', reaped.remaining, false);
    await check('nothing left to reap', '3:NothingToReap', m('pool', 'reap', short, '--suri', '//Bob'));
  });

  it("a session key signs the vouchers: //Eve funds the pool, //Ferdie's key signs, //Charlie is paid", async () => {
    const created = await check(
      'pool create --voucher-signer',
      0,
      m('pool', 'create', '--suri', '//Eve', '--resource', 'stream-s', '--deposit', '5MPT', '--collateral', '10MPT', '--duration', '100',
        '--voucher-signer', FERDIE, '--finalized'),
    );
    const spool = String(created.pool_id);
    equals('created with the session signer', created.signer, FERDIE);
    const shown = await check('session pool show', 0, m('pool', 'show', spool));
    equals('pool signer', shown.signer, FERDIE);
    equals('pool owner', shown.owner, EVE);
    await check('session pool prove', 0, m('handshake', 'prove', spool, '--target', '//Charlie', '--out', join(work, 'bundle-s.hex')));
    const charlie = ['--store', join(work, 'charlie.db'), '--me', '//Charlie'];
    const verified = await check(
      'session pool verify',
      0,
      m('handshake', 'verify', join(work, 'bundle-s.hex'), '--me', '//Charlie', '--resource', 'stream-s', '--store', join(work, 'charlie.db')),
    );
    equals('verified signer', verified.signer, FERDIE);
    const sign = (suri, amount) => m('voucher', 'sign', '--suri', suri, '--pool', spool, '--target', '//Charlie', '--amount', amount);
    const byOwner = await check('owner-signed voucher', 0, sign('//Eve', '1MPT'));
    await check("owner's key refused for a session pool", '3:BadSignature', m('voucher', 'accept', byOwner.token, ...charlie));
    const bySession = await check('session-signed voucher', 0, sign('//Ferdie', '2MPT'));
    await check('session voucher accepted', 0, m('voucher', 'accept', bySession.token, ...charlie));
    await check('settle the session voucher', 0, m('settle', '--suri', '//Charlie', '--pool', spool, '--store', join(work, 'charlie.db')));
    await check("signer's own handshake prove", 0, m('handshake', 'prove', spool, '--target', '//Ferdie', '--out', join(work, 'bundle-f.hex')));
    await check(
      'the signer is never paid',
      '3:SelfPayment',
      m('handshake', 'verify', join(work, 'bundle-f.hex'), '--me', '//Ferdie', '--resource', 'stream-s'),
    );
    await check(
      'pool create: bad --voucher-signer',
      1,
      m('pool', 'create', '--suri', '//Eve', '--resource', 'r', '--deposit', '1MPT', '--collateral', '2MPT', '--duration', '100',
        '--voucher-signer', 'nonsense'),
    );
  });

  it('one store, three processes: peer run beside handshake verify and settle', async () => {
    // Bob's long-running peer reads tokens from its stdin, one at a time. While it runs, a new
    // pool is verified into the same store (its vouchers must be accepted without a restart) and
    // the first pool is settled from the store; afterwards every voucher and every settlement
    // must be in the store.
    const store = join(work, 'bob.db');
    const created = await check(
      'second pool create',
      0,
      m('pool', 'create', '--suri', '//Alice', '--resource', 'stream-3', '--deposit', '5MPT', '--collateral', '10MPT', '--duration', '100', '--finalized'),
    );
    const pool3 = String(created.pool_id);
    await check('second pool prove', 0, m('handshake', 'prove', pool3, '--target', '//Bob', '--out', join(work, 'bundle3.hex')));
    const sign = (p, amount) => m('voucher', 'sign', '--suri', '//Alice', '--pool', p, '--target', '//Bob', '--amount', amount);
    const a3 = (await check('voucher 3 MPT', 0, sign(pool, '3MPT'))).token;
    const a4 = (await check('voucher 4 MPT', 0, sign(pool, '4MPT'))).token;
    const b1 = (await check('second pool voucher 1 MPT', 0, sign(pool3, '1MPT'))).token;

    peer = spawnTracked(MPOOL_BIN, ['--json', 'peer', 'run', '--store', store, '--me', '//Bob'], { env });
    let stderr = '';
    peer.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const results = lineReader(peer);
    // Each token, then its result line before the next step.
    const feed = async (token) => {
      peer.stdin.write(`${token}\n`);
      return results.next();
    };
    await feed(a3);
    await check(
      "handshake verify into the running peer's store",
      0,
      m('handshake', 'verify', join(work, 'bundle3.hex'), '--me', '//Bob', '--resource', 'stream-3', '--store', store),
    );
    await feed(b1);
    const settled = await check("settle from the running peer's store", 0, m('settle', '--suri', '//Bob', '--pool', pool, '--store', store));
    equals('settled while peer run is up', settled.paid, UNIT / 2n);
    await feed(a4);
    peer.stdin.end();
    const { code, stdout } = await results.done;
    peer = undefined;
    // Three result lines (each with the pool's unsettled amount), then the count of accepted tokens.
    const lines = stdout.split('\n').filter((l) => l !== '');
    assert.deepEqual(
      {
        results: lines.filter((l) => l.includes('"unsettled"')).length,
        accepted: lines.flatMap((l) => l.match(/"accepted":[0-9]*/g) ?? []),
        code,
      },
      { results: 3, accepted: ['"accepted":3'], code: 0 },
      `peer run accepted every token\n${stdout}${stderr}`,
    );
    checks++;
    const second = await check("the new pool's voucher was kept", 0, m('settle', '--suri', '//Bob', '--pool', pool3, '--store', store));
    equals('second pool settled', second.paid, UNIT);
    const last = await check('the last voucher was kept beside the settlement', 0, m('settle', '--suri', '//Bob', '--pool', pool, '--store', store));
    equals('first pool settled up to 4 MPT', last.paid, UNIT);
  });

  it('the viewer never promises more than the deposit across its peers, unless told to', async () => {
    const created = await check(
      'promise pool create',
      0,
      m('pool', 'create', '--suri', '//Alice', '--resource', 'stream-p', '--deposit', '2MPT', '--collateral', '4MPT', '--duration', '100'),
    );
    const sign = (target, amount, ...rest) =>
      m('voucher', 'sign', '--suri', '//Alice', '--pool', String(created.pool_id), '--target', target, '--amount', amount, ...rest);
    await check('1.5 MPT to Bob', 0, sign('//Bob', '1.5MPT'));
    const charlie = await check('0.5 MPT to Charlie: 2 MPT in all', 0, sign('//Charlie', '0.5MPT'));
    equals('promised in all', charlie.promised, 2n * UNIT);
    await check('one planck more to Charlie exceeds the deposit', '3:ExceedsDeposit', sign('//Charlie', '500000000001'));
    await check('--allow-over-deposit signs it anyway', 0, sign('//Charlie', '500000000001', '--allow-over-deposit'));
  });

  it("the peer's policy against what the chain shows at its head", async () => {
    // A pool is drained by a puppet after Bob was shown a bundle: the old bundle no longer passes
    // once the drain is final (Bob's node reads the pool at its finalized head), nor, later,
    // because it grew too old; and a peer that settled the whole deposit takes no further increment.
    const create = (resource) =>
      m('pool', 'create', '--suri', '//Alice', '--resource', resource, '--deposit', '2MPT', '--collateral', '4MPT', '--duration', '100', '--finalized');
    const dpool = String((await check('drained pool create', 0, create('stream-d'))).pool_id);
    const bundleD = join(work, 'bundle-d.hex');
    await check('bundle before the drain', 0, m('handshake', 'prove', dpool, '--target', '//Bob', '--out', bundleD));
    const verifyD = (...rest) => m('handshake', 'verify', bundleD, '--me', '//Bob', '--resource', 'stream-d', ...rest);
    await check('the bundle verifies before the drain', 0, verifyD());
    const puppet = await check(
      "a puppet's voucher for the whole deposit",
      0,
      m('voucher', 'sign', '--suri', '//Alice', '--pool', dpool, '--target', '//Dave', '--amount', '2MPT'),
    );
    await check('the puppet drains the deposit (finalized)', 0, m('settle', '--suri', '//Dave', '--voucher', puppet.token, '--finalized'));
    const drainedAt = await headBlock();
    await check('the pre-drain bundle against the head: refused', '3:Exhausted', verifyD());
    await waitBlock(drainedAt + 3);
    await check('the pre-drain bundle, older than the peer accepts: refused', '3:StaleBundle', verifyD('--max-age', '2'));

    const wpool = String((await check('whole-deposit pool create', 0, create('stream-w'))).pool_id);
    const bob = ['--store', join(work, 'bob.db'), '--me', '//Bob'];
    await check('whole-deposit prove', 0, m('handshake', 'prove', wpool, '--target', '//Bob', '--out', join(work, 'bundle-w.hex')));
    await check(
      'whole-deposit verify',
      0,
      m('handshake', 'verify', join(work, 'bundle-w.hex'), '--me', '//Bob', '--resource', 'stream-w', '--store', join(work, 'bob.db')),
    );
    const sign = (amount, ...rest) => m('voucher', 'sign', '--suri', '//Alice', '--pool', wpool, '--target', '//Bob', '--amount', amount, ...rest);
    const whole = await check('a voucher for the whole deposit', 0, sign('2MPT'));
    const accepted = await check('accepted: settle now', 0, m('voucher', 'accept', whole.token, ...bob));
    equals('the policy says to settle', accepted.settle_now, 'Exposure');
    await check('settle the whole deposit', 0, m('settle', '--suri', '//Bob', '--pool', wpool, '--store', join(work, 'bob.db'), '--finalized'));
    const above = await check('a double-spending voucher above it', 0, sign('3MPT', '--allow-over-deposit'));
    await check('the next increment is refused', '3:Exhausted', m('voucher', 'accept', above.token, ...bob));
  });

  it('exit codes, verb by verb, against the table in mpool --help', async () => {
    const help = (await run(MPOOL_BIN, ['--help'], { env })).stdout;
    for (const code of [0, 1, 2, 3, 4, 5]) {
      equals(`exit code ${code} is in the --help table`, help.split('\n').filter((l) => l.startsWith(`  ${code}  `)).length, 1);
    }
    await check('no verb', 2, [MPOOL_BIN, '--json']);
    await check('mpool --help', 0, [MPOOL_BIN, '--help']);
    await check('no node at the URL', 1, m('--url', NOWHERE, 'pool', 'show', '1'));
    const offlineGenesis = `0x${'42'.repeat(32)}`;
    const missing = join(work, 'missing.hex');

    // pool create
    await check(
      'pool create: missing --deposit',
      '2:Usage',
      m('pool', 'create', '--suri', '//Alice', '--resource', 'r', '--collateral', '2MPT', '--duration', '100'),
    );
    await check(
      'pool create: bad --suri',
      1,
      m('pool', 'create', '--suri', 'not a key', '--resource', 'r', '--deposit', '1MPT', '--collateral', '2MPT', '--duration', '100'),
    );
    await check(
      'pool create: collateral not above deposit',
      '3:InsufficientCollateral',
      m('pool', 'create', '--suri', '//Alice', '--resource', 'r', '--deposit', '2MPT', '--collateral', '1MPT', '--duration', '100'),
    );
    // pool show
    await check('pool show: no pool id', '2:Usage', m('pool', 'show'));
    await check('pool show: both POOL and --pool', '2:Usage', m('pool', 'show', '1', '--pool', '1'));
    await check('pool show: bad --at', 1, m('pool', 'show', pool, '--at', '0x12'));
    await check('pool show --pool: not found', '4:UnknownPool', m('pool', 'show', '--pool', '424242'));
    // pool close / reap
    await check('pool close: not found', '4:UnknownPool', m('pool', 'close', '424242', '--suri', '//Alice'));
    await check('pool close: not the owner', '3:NotOwner', m('pool', 'close', pool, '--suri', '//Bob'));
    await check('pool reap: limit 0', '2:Usage', m('pool', 'reap', pool, '--limit', '0', '--suri', '//Bob'));
    // voucher sign / verify / accept
    await check('voucher sign: missing --amount', '2:Usage', m('voucher', 'sign', '--suri', '//Alice', '--pool', pool, '--target', '//Bob'));
    await check('voucher sign: bad --target', 1, m('voucher', 'sign', '--suri', '//Alice', '--pool', pool, '--target', 'nobody', '--amount', '1'));
    await check(
      'voucher sign offline (--genesis, --deposit, planck)',
      0,
      m('--url', NOWHERE, 'voucher', 'sign', '--suri', '//Alice', '--pool', '424242', '--target', '//Bob', '--amount', '1000',
        '--deposit', '1000', '--genesis', offlineGenesis),
    );
    await check(
      'voucher sign: offline without --deposit needs the node',
      1,
      m('--url', NOWHERE, 'voucher', 'sign', '--suri', '//Alice', '--pool', '424242', '--target', '//Bob', '--amount', '1000',
        '--genesis', offlineGenesis),
    );
    await check(
      "voucher sign: the pool's deposit is read from the chain",
      '4:UnknownPool',
      m('voucher', 'sign', '--suri', '//Alice', '--pool', '424242', '--target', '//Bob', '--amount', '1MPT'),
    );
    const ghost = (
      await check(
        'voucher sign for a pool that does not exist (--deposit)',
        0,
        m('voucher', 'sign', '--suri', '//Alice', '--pool', '424242', '--target', '//Bob', '--amount', '1MPT', '--deposit', '1MPT'),
      )
    ).token;
    await check('voucher verify: pool not found', '4:UnknownPool', m('voucher', 'verify', ghost));
    await check('voucher verify: no such file', 1, m('voucher', 'verify', missing));
    await check('voucher verify: malformed token', '3:MalformedVoucher', m('voucher', 'verify', '0x1234'));
    await check(
      'voucher accept: pool not in the store',
      '4:UnknownPool',
      m('voucher', 'accept', ghost, '--store', join(work, 'bob.db'), '--me', '//Bob'),
    );
    await check('voucher accept: missing --store', '2:Usage', m('voucher', 'accept', ghost, '--me', '//Bob'));
    // handshake prove / verify
    await check('handshake prove: not found', '4:UnknownPool', m('handshake', 'prove', '424242', '--target', '//Bob'));
    await check('handshake prove: missing --target', '2:Usage', m('handshake', 'prove', pool));
    await check('handshake verify: missing --me', '2:Usage', m('handshake', 'verify', join(work, 'bundle.hex')));
    await check('handshake verify: no such file', 1, m('handshake', 'verify', missing, '--me', '//Bob', '--resource', 'r'));
    // settle
    await check('settle: neither --voucher nor --pool', '2:Usage', m('settle', '--suri', '//Bob'));
    await check('settle: --pool without --store', '2:Usage', m('settle', '--suri', '//Bob', '--pool', pool));
    await check('settle: pool not found', '4:UnknownPool', m('settle', '--suri', '//Bob', '--voucher', ghost));
    // peer run
    await check('peer run: missing --store', '2:Usage', m('peer', 'run', '--me', '//Bob'));
    await check('peer run: a refused token', 3, m('peer', 'run', '--store', join(work, 'bob.db'), '--me', '//Bob'), { input: `${ghost}\n` });
  });
});
