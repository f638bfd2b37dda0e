// hls.js in headless Chromium pays three `mpool-peer` daemons per segment through
// `@mpool/sdk/hls`, on a dev node: a real HLS stream (made here with ffmpeg), one daemon serving
// corrupted segments, one SIGKILLed mid-stream and restarted, the origin behind them. The page
// plays the stream to the end; the daemons then stop (SIGTERM: they settle all they hold) and the
// test reads the chain: each daemon was paid every voucher it acknowledged, its balance moved by
// exactly that less its fees, and the pool paid nothing more. The same stream from the origin
// alone, in the same run, is the baseline of the time to first frame (artifacts/player.json).
// Last, a page reloaded mid-stream pays on from the session it kept in IndexedDB.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { SessionKey, ss58, toHex } from '@mpool/sdk';
import { connect, createPool, readPool } from '@mpool/sdk/chain';
import { writeConfig } from '../../../scripts/e2e/lib/daemon.js';
import { ROOT, startNode, track } from '../../../scripts/e2e/lib/node.js';
import { caughtUp, feesPaid as feesPaidAt, nodeFinalized as finalizedAt } from '../../../scripts/e2e/lib/papi-reads.js';
import { makeRendition } from '../rendition.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = join(here, '..', 'artifacts');
const LOG_DIR = join(ROOT, 'scripts', 'e2e', 'logs');
const CHROMIUM = process.env.MPOOL_CHROMIUM ?? '/usr/bin/chromium';
const PEER_BIN =
  process.env.MPOOL_PEER_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'release', 'mpool-peer');
const UNIT = 1_000_000_000_000n;
const PRICE = UNIT / 10n;
const DEPOSIT = 10n * UNIT;
const COLLATERAL = 20n * UNIT;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json', '.m3u8': 'application/vnd.apple.mpegurl', '.ts': 'video/mp2t', '.json': 'application/json' };

/** Serves the player page and its bundle, and the rendition as the origin, on loopback. */
async function startOrigin(media) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = /^\/(player\.html|dist\/[\w.-]+)$/.test(path)
      ? join(here, '..', path)
      : /^\/media\/[\w.-]+$/.test(path)
        ? join(media, path.slice('/media/'.length))
        : null;
    if (!file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

describe('hls.js pays mpool-peer daemons per segment, in headless Chromium', { timeout: 900_000 }, () => {
  let node, client, api, browser, origin, dir, stream, pool, session;
  const daemons = [];
  const keyring = new Keyring({ type: 'sr25519' });

  const hashAt = async (number) => await node.rpc('chain_getBlockHash', [number]);
  const nodeFinalized = () => finalizedAt(node);
  const total = async (address, number) => {
    const { data } = await api.query.System.Account.getValue(address, { at: await hashAt(number) });
    return data.free + data.reserved;
  };
  const feesPaid = (who, from, to) => feesPaidAt(node, api, who, from, to);

  /** Starts (or restarts) daemon `d` and waits until it answers its offer. */
  const startDaemon = async (d) => {
    const log = openSync(join(LOG_DIR, `player-${d.name}-${d.starts++}.log`), 'w');
    const child = track(spawn(PEER_BIN, ['--config', d.config], { stdio: ['ignore', log, log] }));
    d.exit = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
    d.child = child;
    for (let i = 0; ; i++) {
      assert.equal(child.exitCode, null, `mpool-peer ${d.name} exited at start; see scripts/e2e/logs`);
      try {
        if ((await fetch(`${d.url}/mpool/v1/offer`)).ok) return;
      } catch {
        // not listening yet
      }
      assert.ok(i < 600, `mpool-peer ${d.name} answered nothing in 60 s`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
  };

  /**
   * Opens the player page in `mode` (its settings changed by `overrides`) and waits until the
   * stream ends (or the page fails); `watch` sees the page's state as it plays.
   */
  const play = async (mode, watch = async () => {}, overrides = {}) => {
    const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const config = {
      mode,
      rpc: node.ws,
      origin: `${origin.url}/media/`,
      resource: stream.resource,
      peers: daemons.map((d) => d.url),
      seed: session.seed,
      poolId: String(pool.poolId),
      deposit: String(DEPOSIT),
      ...overrides,
    };
    await page.goto(`${origin.url}/player.html#${encodeURIComponent(JSON.stringify(config))}`);
    // Bounded in blocks, not in time: a stream of 30 s ends well within 40 dev blocks.
    const from = await nodeFinalized();
    for (;;) {
      const state = await page.evaluate(() => window.__player);
      if (state.ended || state.error) break;
      if ((await nodeFinalized()) > from + 40) {
        await page.screenshot({ path: join(ARTIFACTS, `player-${mode}-stuck.png`) });
        assert.fail(`the ${mode} stream did not end within 40 blocks; the page's log:\n${await page.textContent('#log')}`);
      }
      await watch(state, page);
      await new Promise((ok) => setTimeout(ok, 250));
    }
    const state = await page.evaluate(() => window.__player);
    await page.screenshot({ path: join(ARTIFACTS, `player-${mode}.png`) });
    await page.close();
    assert.equal(state.error, null, `the page failed: ${state.error}; ${errors.join('; ')}`);
    return state;
  };

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
    await cryptoWaitReady();
    mkdirSync(ARTIFACTS, { recursive: true });
    mkdirSync(LOG_DIR, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'mpool-player-'));
    stream = makeRendition(join(dir, 'origin'));
    // The corrupting daemon's copy: every segment with one byte flipped (the playlist intact).
    cpSync(join(dir, 'origin'), join(dir, 'corrupt'), { recursive: true });
    for (const s of stream.segments) {
      const bytes = readFileSync(join(dir, 'corrupt', s));
      bytes[bytes.length >> 1] ^= 0xff;
      writeFileSync(join(dir, 'corrupt', s), bytes);
    }

    node = await startNode('player', ['--dev']);
    ({ client, api } = await connect(node.ws, { websocketClass: WebSocket }));
    origin = await startOrigin(join(dir, 'origin'));
    for (const [name, media] of [['Bob', 'origin'], ['Charlie', 'corrupt'], ['Dave', 'origin']]) {
      const { config, base } = await writeConfig({
        dir,
        node,
        name,
        suri: `//${name}`,
        hls: join(dir, media),
        price: PRICE,
        resource: stream.resource,
      });
      const d = { name, url: base, config, starts: 0, account: ss58(keyring.addFromUri(`//${name}`).publicKey) };
      daemons.push(d);
      await startDaemon(d);
    }

    // The viewer's pool, vouchers signed by a session key the page holds.
    const seed = toHex(crypto.getRandomValues(new Uint8Array(32)));
    session = { seed, key: SessionKey.fromSeed(seed) };
    const alice = keyring.addFromUri('//Alice');
    pool = await createPool(api, getPolkadotSigner(alice.publicKey, 'Sr25519', (m) => alice.sign(m)), {
      resourceId: new TextEncoder().encode(stream.resource),
      deposit: DEPOSIT,
      collateral: COLLATERAL,
      duration: 400,
      signer: session.key.publicKey,
    });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // This machine's network is closed: no background traffic to Google's hosts.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
    });
  });

  after(async () => {
    await browser?.close();
    for (const d of daemons) d.child?.kill('SIGKILL');
    client?.destroy();
    await origin?.close();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let baseline;
  it('plays the stream from the origin alone (the baseline)', async () => {
    baseline = await play('origin');
    assert.ok(baseline.ended);
    assert.ok(Math.abs(baseline.currentTime - stream.seconds) < 0.5, `ended at ${baseline.currentTime} s`);
  });

  it('plays it to the end from three paid daemons: one corrupting, one killed and restarted', async () => {
    const fromBlock = await nodeFinalized();
    const before = {};
    for (const d of daemons) before[d.name] = await total(d.account, fromBlock);
    const [bob, charlie, dave] = daemons;
    let killedAt = null;
    let restarted = false;
    const state = await play('paid', async (s) => {
      const paid = s.events.filter((e) => e.type === 'paid');
      if (killedAt === null && paid.some((e) => e.peer === dave.url)) {
        dave.child.kill('SIGKILL');
        await dave.exit;
        killedAt = paid.length;
      } else if (killedAt !== null && !restarted && paid.length >= killedAt + 2) {
        await startDaemon(dave);
        restarted = true;
      }
    });
    assert.ok(restarted, 'the stream ended before the killed daemon was restarted');

    // The player: the whole stream, no bad segment handed to hls.js, no long stall.
    assert.ok(Math.abs(state.currentTime - stream.seconds) < 0.5, `ended at ${state.currentTime} s`);
    assert.equal(state.badFragments, 0, 'a segment that fails the hash list reached hls.js');
    assert.equal(state.fragments, stream.segments.length);
    const bad = state.events.filter((e) => e.type === 'bad-segment');
    assert.equal(bad.length, 1, 'the corrupting daemon is dropped after its first bad segment');
    assert.equal(bad[0].peer, charlie.url);
    assert.ok(state.events.some((e) => e.type === 'peer-down' && e.peer === dave.url && !e.banned), 'the killed daemon was skipped');
    const after = state.events.filter((e) => e.at > state.events.find((x) => x.type === 'peer-down' && x.peer === dave.url).at);
    assert.ok(after.some((e) => e.type === 'paid' && e.peer === dave.url), 'the restarted daemon was paid again');

    // The daemons stop: each settles everything it holds, then exits cleanly.
    for (const d of daemons) {
      d.child.kill('SIGTERM');
      assert.equal((await d.exit).code, 0, `mpool-peer ${d.name} settled and exited cleanly`);
    }
    const toBlock = await nodeFinalized();
    // This test's client follows finality on its own subscription: it reads at blocks it has seen.
    await caughtUp(node, client);
    const at = await hashAt(toBlock);
    const record = await readPool(api, pool.poolId, at);
    let paidOut = 0n;
    for (const d of daemons) {
      const payee = state.events.find((e) => e.type === 'session' && e.peer === d.url).payee;
      const acknowledged = state.events
        .filter((e) => (e.type === 'paid' || e.type === 'bad-segment') && e.peer === d.url)
        .reduce((m, e) => (BigInt(e.amount) > m ? BigInt(e.amount) : m), 0n);
      const signed = BigInt(state.signed[payee] ?? 0);
      const paid = (await api.query.MicropaymentPool.Paid.getValue(pool.poolId, d.account, { at })) ?? 0n;
      // Every voucher it acknowledged is paid, and never more than the player signed it.
      assert.ok(paid >= acknowledged && paid <= signed, `${d.name}: paid ${paid}, acknowledged ${acknowledged}, signed ${signed}`);
      if (d !== dave) assert.equal(paid, acknowledged, `${d.name} was paid what it acknowledged`);
      // Its balance moved by what the pool paid it, less the fees it paid.
      const fees = await feesPaid(d.account, fromBlock, toBlock);
      assert.equal((await total(d.account, toBlock)) - before[d.name], paid - fees, `${d.name}'s balance`);
      paidOut += paid;
    }
    // The pool paid the daemons and no one else.
    assert.equal(record.deposit, DEPOSIT - paidOut);
    assert.equal(bad[0].amount, String(PRICE), 'the corrupting daemon earned one segment, no more');

    // Figures for docs/results.md: time to first frame against the origin alone, the player's
    // own work per paid segment (voucher, persist, hash check), the longest stall.
    const overhead = state.events.filter((e) => e.type === 'paid').map((e) => e.overheadMs).sort((a, b) => a - b);
    const figures = {
      firstFrameMs: { paid: state.firstFrameMs, origin: baseline.firstFrameMs, ratio: state.firstFrameMs / baseline.firstFrameMs },
      overheadMs: { p50: overhead[overhead.length >> 1], max: overhead[overhead.length - 1], n: overhead.length },
      longestStallMs: Math.max(0, ...state.stalls),
      segments: stream.segments.length,
      segmentSeconds: stream.segmentSeconds,
      fromOrigin: state.events.filter((e) => e.type === 'origin').length,
      paidTo: Object.fromEntries(daemons.map((d) => [d.name, state.events.filter((e) => e.type === 'paid' && e.peer === d.url).length])),
    };
    writeFileSync(join(ARTIFACTS, 'player.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(JSON.stringify(figures));
  });

  it('a page reloaded mid-stream pays on from the session it kept in IndexedDB', async () => {
    // A new pool (the daemons know the first one's totals), paid to Bob and Dave, restarted.
    const [bob, , dave] = daemons;
    for (const d of [bob, dave]) await startDaemon(d);
    const seed = toHex(crypto.getRandomValues(new Uint8Array(32)));
    const alice = keyring.addFromUri('//Alice');
    const second = await createPool(api, getPolkadotSigner(alice.publicKey, 'Sr25519', (m) => alice.sign(m)), {
      resourceId: new TextEncoder().encode(stream.resource),
      deposit: DEPOSIT,
      collateral: COLLATERAL,
      duration: 400,
      signer: SessionKey.fromSeed(seed).publicKey,
    });
    let before = null;
    const state = await play(
      'paid',
      async (s, page) => {
        if (before === null && s.events.filter((e) => e.type === 'paid').length >= 4) {
          before = { signed: s.signed, restored: s.restored };
          await page.reload();
        }
      },
      { peers: [bob.url, dave.url], seed, poolId: String(second.poolId) },
    );
    assert.ok(before, 'the stream ended before the reload');
    assert.equal(before.restored, false, 'the first load started a new session');
    assert.equal(state.restored, true, 'the reloaded page restored its session from IndexedDB');
    assert.equal(state.badFragments, 0);
    // The reloaded page starts where it stopped: no peer is found to claim more than the page
    // signed it (which would drop it), and each one's next voucher is above the last before.
    assert.deepEqual(state.events.filter((e) => e.type === 'peer-down' && e.banned), []);
    for (const session of state.events.filter((e) => e.type === 'session')) {
      const last = BigInt(before.signed[session.payee] ?? 0);
      assert.ok(BigInt(session.accepted) <= last, `${session.peer} accepted ${session.accepted}, more than the ${last} signed`);
      const next = state.events.find((e) => e.type === 'paid' && e.peer === session.peer);
      if (next) assert.ok(BigInt(next.amount) > last, `${session.peer}: ${next.amount} after ${last}`);
    }
    assert.ok(state.events.filter((e) => e.type === 'paid').length > 0, 'the reloaded page paid the daemons');

    for (const d of [bob, dave]) {
      d.child.kill('SIGTERM');
      assert.equal((await d.exit).code, 0);
    }
    const at = await hashAt(await nodeFinalized());
    await caughtUp(node, client);
    let paidOut = 0n;
    for (const d of [bob, dave]) {
      const acknowledged = state.events
        .filter((e) => e.type === 'paid' && e.peer === d.url)
        .reduce((m, e) => (BigInt(e.amount) > m ? BigInt(e.amount) : m), 0n);
      const paid = (await api.query.MicropaymentPool.Paid.getValue(second.poolId, d.account, { at })) ?? 0n;
      assert.ok(paid >= acknowledged, `${d.name}: paid ${paid}, acknowledged after the reload ${acknowledged}`);
      paidOut += paid;
    }
    assert.equal((await readPool(api, second.poolId, at)).deposit, DEPOSIT - paidOut);
  });
});
