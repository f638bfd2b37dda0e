// `mpool-peer`, the paid peer daemon, on a real dev node, through its HTTP protocol
// (docs/peer-http.md) as a player would speak it: the offer, free playlists, 402 for an unpaid
// segment, a session opened with the viewer's handshake bundle, one voucher per segment (stale,
// underpaid and forged ones refused by name), a settlement the daemon makes by itself when its
// exposure reaches the policy's threshold, a SIGKILL after acknowledged vouchers, a SIGTERM
// that settles everything held, and a second daemon that settles three pools in one batch, then
// reaps and forgets them once closed. Outcomes are read from the chain: what the peer was paid,
// what the pool paid out, and the peer's balance against the fees it paid.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { WebSocket } from 'ws';
import { HandshakeVerifier, Payer, SessionKey, fromHex, ss58, tokenHex } from '../../../sdk/js/dist/index.js';
import { closePool, connect, createPool, handshakeBundle, readPool } from '../../../sdk/js/dist/chain.js';
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import { startNode } from '../lib/node.js';
import { settledOk, startDaemon as startPeer, writeConfig as writePeerConfig, writeHls } from '../lib/daemon.js';
import { caughtUp as nodeCaughtUp, feesPaid as feesPaidAt, nodeFinalized as finalizedAt, transactionsPaid } from '../lib/papi-reads.js';

const UNIT = 1_000_000_000_000n;
const PRICE = UNIT; // per segment
const DEPOSIT = 10n * UNIT;
// Margin C − D = 10 UNIT: the peer's default exposure cap; it settles at half of it.
const COLLATERAL = 20n * UNIT;
const SEGMENTS = 10;

describe('mpool-peer: segments for vouchers over HTTP, kept on disk, settled by the peer itself', { timeout: 600_000 }, () => {
  let node, client, api, verifier, genesis, alice, bob, charlie, owners, dir, config, daemon, base, poolId, payer;
  const segments = [];

  const signer = (pair) => getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));
  const hashAt = async (number) => (number === undefined ? 'finalized' : await node.rpc('chain_getBlockHash', [number]));
  const total = async (who, number) => {
    const { data } = await api.query.System.Account.getValue(ss58(who.publicKey), { at: await hashAt(number) });
    return data.free + data.reserved;
  };
  const paidToBob = async (number) =>
    (await api.query.MicropaymentPool.Paid.getValue(poolId, ss58(bob.publicKey), { at: await hashAt(number) })) ?? 0n;
  const finalized = async () => (await client.getFinalizedBlock()).number;
  const nodeFinalized = () => finalizedAt(node);
  const caughtUp = () => nodeCaughtUp(node, client);
  const feesPaid = (who, from, to) => feesPaidAt(node, api, who, from, to);
  const metricsText = async () => (await get('/metrics')).text();
  const get = (path, voucher) => fetch(`${base}${path}`, { headers: voucher ? { 'mpool-voucher': voucher } : {} });

  /** Starts the daemon (of `at`'s config) and waits until it answers its offer (`at.get`). */
  const startDaemon = (name, at = { config, base }) => startPeer(name, at);

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u));
    owners = ['//Alice', '//Dave', '//Eve'].map((u) => keyring.addFromUri(u));
    node = await startNode('peer-daemon', ['--dev']);
    ({ client, api } = await connect(node.ws, { websocketClass: WebSocket }));
    genesis = fromHex((await client.getChainSpecData()).genesisHash);
    verifier = await HandshakeVerifier.load();

    // The resource: a playlist and its segments; a link out of the directory, which must not be served.
    dir = mkdtempSync(join(tmpdir(), 'mpool-peer-'));
    const { hls, segments: written } = writeHls(dir, SEGMENTS);
    segments.push(...written);
    writeFileSync(join(dir, 'secret.txt'), 'not for players');
    symlinkSync(join(dir, 'secret.txt'), join(hls, 'escape.ts'));
    ({ config, base } = await writeConfig('bob', '//Bob', hls));
    daemon = await startDaemon('peer-daemon-1');
  });

  /**
   * A daemon's configuration (its own key, store and port), with `limits` lines appended and
   * `top` lines among the top-level settings.
   */
  const writeConfig = (name, suri, hls, limits = [], top = []) =>
    writePeerConfig({ dir, node, name, suri, hls, price: PRICE, limits, top });

  after(async () => {
    daemon?.child.kill('SIGKILL');
    client?.destroy();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('offers its terms, serves playlists free and answers 402 for an unpaid segment', async () => {
    const offer = await (await get('/mpool/v1/offer')).json();
    assert.equal(offer.payee, ss58(bob.publicKey));
    assert.equal(offer.genesis_hash, (await client.getChainSpecData()).genesisHash);
    assert.equal(offer.price, String(PRICE));
    assert.deepEqual(offer.resources, ['demo']);

    const playlist = await get('/r/demo/index.m3u8');
    assert.equal(playlist.status, 200);
    assert.equal(playlist.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.match(await playlist.text(), /seg9\.ts/);

    const unpaid = await get('/r/demo/seg0.ts');
    assert.equal(unpaid.status, 402);
    const body = await unpaid.json();
    assert.equal(body.error, 'PaymentRequired');
    assert.equal(body.payee, ss58(bob.publicKey));
    assert.equal(body.price, String(PRICE));
    // A link out of the resource's directory is not served, paid or not.
    assert.equal((await get('/r/demo/escape.ts')).status, 404);
    assert.equal((await get('/r/other/seg0.ts')).status, 404);
  });

  it('opens a session on the handshake bundle, then takes one voucher per segment', async () => {
    const session = SessionKey.generate();
    const created = await createPool(api, signer(alice), {
      resourceId: 'demo',
      deposit: DEPOSIT,
      collateral: COLLATERAL,
      duration: 80,
      signer: session.publicKey,
    });
    poolId = created.poolId;
    payer = new Payer(session, genesis, poolId, DEPOSIT, verifier);

    // A voucher before any session: the peer does not know the pool.
    const firstToken = tokenHex(payer.pay(bob.publicKey, PRICE));
    const early = await get('/r/demo/seg0.ts', firstToken);
    assert.equal(early.status, 402);
    assert.equal((await early.json()).error, 'UnknownPool');

    const bundle = await handshakeBundle(client, api, poolId, bob.publicKey);
    const wrong = await fetch(`${base}/mpool/v1/session/other`, { method: 'POST', body: bundle });
    assert.equal(wrong.status, 404);
    const opened = await fetch(`${base}/mpool/v1/session/demo`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bundle,
    });
    assert.equal(opened.status, 200, await opened.clone().text());
    const terms = await opened.json();
    assert.equal(terms.pool_id, String(poolId));
    assert.equal(terms.accepted, '0');

    // The voucher signed before the session (total = PRICE) now pays for the first segment.
    const first = await get('/r/demo/seg0.ts', firstToken);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('mpool-accepted'), String(PRICE));
    assert.deepEqual(Buffer.from(await first.arrayBuffer()), segments[0]);

    // The same voucher again adds nothing: 402, naming the total the next one needs.
    const replay = await get('/r/demo/seg1.ts', firstToken);
    assert.equal(replay.status, 402);
    const replayBody = await replay.json();
    assert.equal(replayBody.error, 'Underpaid');
    assert.equal(replayBody.required, String(2n * PRICE));
    // Signed by a key that is not the pool's signer.
    const forger = new Payer(SessionKey.generate(), genesis, poolId, DEPOSIT, verifier);
    const forged = await get('/r/demo/seg1.ts', tokenHex(forger.pay(bob.publicKey, 2n * PRICE)));
    assert.equal(forged.status, 402);
    assert.equal((await forged.json()).error, 'BadSignature');
    const garbled = await get('/r/demo/seg1.ts', '0x1234');
    assert.equal((await garbled.json()).error, 'MalformedVoucher');
  });

  it('settles by itself once its exposure reaches the threshold', async () => {
    // Segments 1..5: 6 PRICE accepted in all, past half the 10-UNIT exposure cap.
    for (let i = 1; i <= 5; i++) {
      const response = await get(`/r/demo/seg${i}.ts`, tokenHex(payer.pay(bob.publicKey, PRICE)));
      assert.equal(response.status, 200, await response.clone().text());
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), segments[i]);
    }
    // Waits on the daemon's own account of it (a settlement it saw finalized), bounded in blocks.
    const from = await nodeFinalized();
    let metrics = await metricsText();
    while (settledOk(metrics) === 0) {
      assert.ok((await nodeFinalized()) < from + 40, 'the peer settled nothing within 40 blocks');
      await new Promise((ok) => setTimeout(ok, 500));
      metrics = await metricsText();
    }
    assert.match(metrics, /mpool_peer_segments_served_total\{paid="true"\} 6/);
    // What the daemon says it was paid is what the chain paid it.
    await caughtUp();
    const paid = await paidToBob();
    assert.ok(paid >= 5n * PRICE, `paid ${paid}`);
    assert.match(metrics, new RegExp(`mpool_peer_settled_planck_total ${paid}\\n`));
  });

  it('loses no acknowledged voucher to a SIGKILL and settles all it holds on SIGTERM', async () => {
    const fromBlock = await finalized();
    const bobBefore = await total(bob, fromBlock);
    const paidBefore = await paidToBob(fromBlock);
    for (let i = 6; i <= 7; i++) {
      const response = await get(`/r/demo/seg${i}.ts`, tokenHex(payer.pay(bob.publicKey, PRICE)));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('mpool-accepted'), String(BigInt(i + 1) * PRICE));
    }
    // Killed at once: the two vouchers it acknowledged are on disk, not yet settled.
    daemon.child.kill('SIGKILL');
    await daemon.exit;
    daemon = await startDaemon('peer-daemon-2');
    const metrics = await (await get('/metrics')).text();
    assert.match(metrics, /mpool_peer_earned_planck 8e12|mpool_peer_earned_planck 8000000000000/);
    daemon.child.kill('SIGTERM');
    const { code } = await daemon.exit;
    daemon = null;
    assert.equal(code, 0, 'mpool-peer settled and exited cleanly');
    await caughtUp();

    // The chain paid the peer every voucher it acknowledged, and the pool nothing more.
    assert.equal(await paidToBob(), 8n * PRICE);
    assert.equal((await readPool(api, poolId, 'finalized')).deposit, DEPOSIT - 8n * PRICE);
    // Its balance rose by what the pool paid it since, less the fees it paid since.
    const toBlock = await finalized();
    const fees = await feesPaid(ss58(bob.publicKey), fromBlock, toBlock);
    assert.ok(fees > 0n, 'the final settlement paid a fee');
    assert.equal((await total(bob, toBlock)) - bobBefore, 8n * PRICE - paidBefore - fees);
  });

  it('settles three pools in one batch at SIGTERM, then reaps and forgets them once closed', async () => {
    // Short pools, admitted with small margins (a second daemon, Charlie's, with its own store).
    const at = await writeConfig('charlie', '//Charlie', join(dir, 'hls'), ['settle_margin = 2', 'min_serving_blocks = 2']);
    const grace = await api.constants.MicropaymentPool.SettlementGrace();
    const who = ss58(charlie.publicKey);
    const reserved = async (number) => (await api.query.System.Account.getValue(who, { at: await hashAt(number) })).data.reserved;
    const paidTo = (pool) => api.query.MicropaymentPool.Paid.getValue(pool, who, { at: 'finalized' });
    const metrics = async () => (await fetch(`${at.base}/metrics`)).text();
    const waitFor = async (what, done, blocks) => {
      const from = await nodeFinalized();
      while (!(await done())) {
        assert.ok((await nodeFinalized()) < from + blocks, `${what}: not within ${blocks} blocks`);
        await new Promise((ok) => setTimeout(ok, 500));
      }
    };
    const fromBlock = await finalized();
    const totalBefore = await total(charlie, fromBlock);
    const reservedBefore = await reserved(fromBlock);
    let running = await startDaemon('peer-daemon-charlie-1', at);
    try {
      const sessions = owners.map(() => SessionKey.generate());
      const created = await Promise.all(
        owners.map((owner, i) =>
          createPool(api, signer(owner), { resourceId: 'demo', deposit: DEPOSIT, collateral: COLLATERAL, duration: 10, signer: sessions[i].publicKey }),
        ),
      );
      const pools = created.map((c) => c.poolId);
      for (const [i, pool] of pools.entries()) {
        const bundle = await handshakeBundle(client, api, pool, charlie.publicKey);
        const opened = await fetch(`${at.base}/mpool/v1/session/demo`, { method: 'POST', body: bundle });
        assert.equal(opened.status, 200, await opened.clone().text());
        const token = tokenHex(new Payer(sessions[i], genesis, pool, DEPOSIT, verifier).pay(charlie.publicKey, PRICE));
        const response = await fetch(`${at.base}/r/demo/seg${i}.ts`, { headers: { 'mpool-voucher': token } });
        assert.equal(response.status, 200, await response.clone().text());
      }
      // Stopped well before the pools' deadlines: all three settle in its last round, together.
      running.child.kill('SIGTERM');
      assert.equal((await running.exit).code, 0);
      await caughtUp();
      const settledAt = await finalized();
      for (const pool of pools) assert.equal(await paidTo(pool), PRICE);
      assert.equal((await transactionsPaid(node, api, who, fromBlock, settledAt)).count, 1, 'one settle_batch for the three');
      assert.ok((await reserved(settledAt)) > reservedBefore, 'the new Paid records hold their deposits');

      // After the window the owners close their pools; the restarted daemon reaps and forgets them.
      running = await startDaemon('peer-daemon-charlie-2', at);
      assert.match(await metrics(), /mpool_peer_pools_held 3\n/);
      const expiries = await Promise.all(pools.map(async (pool) => (await readPool(api, pool, 'finalized')).expiry));
      const windowEnd = Math.max(...expiries) + grace;
      await waitFor('the end of the window', async () => (await nodeFinalized()) >= windowEnd, 30);
      await Promise.all(pools.map((pool, i) => closePool(api, signer(owners[i]), pool)));
      await waitFor('the reaping', async () => /mpool_peer_pools_forgotten_total 3\n/.test(await metrics()), 20);
      assert.match(await metrics(), /mpool_peer_pools_held 0\n/);
      await caughtUp();
      for (const pool of pools) assert.equal(await paidTo(pool), undefined, `pool ${pool}'s Paid record reaped`);
      // A voucher of a forgotten pool is refused by name.
      const late = tokenHex(new Payer(sessions[0], genesis, pools[0], DEPOSIT, verifier).pay(charlie.publicKey, 2n * PRICE));
      const refused = await fetch(`${at.base}/r/demo/seg0.ts`, { headers: { 'mpool-voucher': late } });
      assert.equal(refused.status, 402);
      assert.equal((await refused.json()).error, 'UnknownPool');

      // From balances: paid three prices, less the batch's fee and the reaps'; every record
      // deposit held at the settlement is back.
      const toBlock = await finalized();
      const { fees, count } = await transactionsPaid(node, api, who, fromBlock, toBlock);
      assert.equal(count, 1 + pools.length, 'one settle_batch, then one reap per pool');
      assert.equal((await total(charlie, toBlock)) - totalBefore, 3n * PRICE - fees);
      assert.equal(await reserved(toBlock), reservedBefore);
    } finally {
      running.child.kill('SIGTERM');
      await running.exit;
    }
  });

  it('speaks the same protocol over HTTPS when given a certificate, and only HTTPS', async () => {
    const cert = join(dir, 'tls-cert.pem');
    const key = join(dir, 'tls-key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'], { stdio: 'ignore' });
    const ca = readFileSync(cert);
    /** GET over HTTPS trusting `trust` (the test's certificate by default). */
    const get = (url, trust = ca) =>
      new Promise((ok, fail) => {
        https
          .get(url, { ca: trust }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => {
              const body = Buffer.concat(chunks);
              ok({ status: res.statusCode, ok: res.statusCode === 200, json: () => JSON.parse(body) });
            });
          })
          .on('error', fail);
      });
    const at = await writeConfig('ferdie', '//Ferdie', join(dir, 'hls'), [], [`tls_cert = "${cert}"`, `tls_key = "${key}"`]);
    at.base = at.base.replace('http://', 'https://');
    at.get = get;
    const running = await startDaemon('peer-daemon-tls', at);
    try {
      const offer = await get(`${at.base}/mpool/v1/offer`);
      assert.equal(offer.status, 200);
      assert.equal(offer.json().payee, ss58(new Keyring({ type: 'sr25519' }).addFromUri('//Ferdie').publicKey));
      const unpaid = await get(`${at.base}/r/demo/seg0.ts`);
      assert.equal(unpaid.status, 402);
      assert.equal(unpaid.json().error, 'PaymentRequired');
      // Not over plain HTTP, and not to a client that does not trust the certificate.
      await assert.rejects(fetch(at.base.replace('https://', 'http://') + '/mpool/v1/offer'));
      await assert.rejects(get(`${at.base}/mpool/v1/offer`, []), /self[- ]signed/i);
      // A client that opens a connection and never starts its handshake does not hold up the
      // shutdown below.
      const { port } = new URL(at.base);
      const stalled = net.connect(Number(port), '127.0.0.1');
      await new Promise((ok, fail) => stalled.once('connect', ok).once('error', fail));
      running.child.kill('SIGTERM');
      assert.equal((await running.exit).code, 0, 'the HTTPS daemon stopped cleanly');
      stalled.destroy();
    } finally {
      running.child.kill('SIGTERM');
      await running.exit;
    }
  });
});
