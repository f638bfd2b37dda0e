// Loopback load on `mpool-peer`: SESSIONS players (one pool each, on a fresh dev node) fetch
// paid segments from one daemon at once, each request carrying the next voucher, for SECONDS.
// Tokens are signed before the timed part, so what is timed is the daemon: the request, the
// voucher's check under the policy, its durable write, and the segment's bytes. Prints a JSON
// summary (rate, latency percentiles); run by scripts/bench/peer-load.sh.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { WebSocket } from 'ws';
import { HandshakeVerifier, Payer, SessionKey, fromHex, ss58, toHex, tokenHex } from '../../../sdk/js/dist/index.js';
import { connect, handshakeBundle } from '../../../sdk/js/dist/chain.js';
import { ROOT, freePort, startNode, track } from '../lib/node.js';

const SESSIONS = Number(process.env.MPOOL_PEER_LOAD_SESSIONS ?? 100);
const SECONDS = Number(process.env.MPOOL_PEER_LOAD_SECONDS ?? 30);
const SEGMENT_BYTES = Number(process.env.MPOOL_PEER_LOAD_SEGMENT_BYTES ?? 16 * 1024);
const PEER_BIN =
  process.env.MPOOL_PEER_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'release', 'mpool-peer');
const UNIT = 1_000_000_000_000n;
const PRICE = UNIT / 1_000_000n; // small: no pool reaches its settle threshold during the run
const OWNERS = ['//Alice', '//Charlie', '//Dave', '//Eve', '//Ferdie'];
const progress = (text) => process.stderr.write(`[peer-load] ${text}\n`);

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519' });
const bob = keyring.addFromUri('//Bob');
const signer = (pair) => getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));
const node = await startNode('peer-load', ['--dev']);
const { client, api } = await connect(node.ws, { websocketClass: WebSocket });
const genesis = fromHex((await client.getChainSpecData()).genesisHash);
const verifier = await HandshakeVerifier.load();
const dir = mkdtempSync(join(tmpdir(), 'mpool-peer-load-'));
let daemon;
try {
  // One pool per session, spread over the owners (an account holds at most 32 pools), signed
  // with explicit nonces and submitted unwatched (a client watching a hundred transactions has
  // its chainHead subscription stopped by the node); the pools are then found by their signer.
  progress(`creating ${SESSIONS} pools`);
  const owners = OWNERS.map((uri) => keyring.addFromUri(uri));
  const nonces = await Promise.all(owners.map((o) => api.apis.AccountNonceApi.account_nonce(ss58(o.publicKey))));
  const sessions = [];
  for (let i = 0; i < SESSIONS; i++) {
    const owner = owners[i % owners.length];
    const key = SessionKey.generate();
    const tx = await api.tx.MicropaymentPool.create_pool_with_signer({
      resource_id: new TextEncoder().encode('demo'),
      deposit: 10n * UNIT,
      collateral: 20n * UNIT,
      duration: 1_000,
      signer: ss58(key.publicKey),
    }).sign(signer(owner), { nonce: nonces[i % owners.length] + Math.floor(i / owners.length) });
    const { error } = await node.rpcRaw('author_submitExtrinsic', [toHex(tx)]);
    assert.equal(error, undefined, `pool ${i}: ${error?.message}`);
    sessions.push({ key });
  }
  const bySigner = new Map(sessions.map((s) => [ss58(s.key.publicKey), s]));
  const from = (await client.getFinalizedBlock()).number;
  let found = 0;
  while (found < SESSIONS) {
    assert.ok((await client.getFinalizedBlock()).number < from + 30, `only ${found} of ${SESSIONS} pools in 30 blocks`);
    await new Promise((ok) => setTimeout(ok, 1_000));
    found = 0;
    for (const { keyArgs, value } of await api.query.MicropaymentPool.Pools.getEntries({ at: 'finalized' })) {
      const s = bySigner.get(value.signer);
      if (s) {
        s.poolId = keyArgs[0];
        found++;
      }
    }
  }

  // The resource and the daemon.
  const hls = join(dir, 'hls');
  mkdirSync(hls);
  writeFileSync(join(hls, 'seg.ts'), randomBytes(SEGMENT_BYTES));
  const keystore = join(dir, 'key');
  writeFileSync(keystore, '//Bob\n');
  chmodSync(keystore, 0o600);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const store = join(dir, 'vouchers.db');
  writeFileSync(
    join(dir, 'peer.toml'),
    [`listen = "127.0.0.1:${port}"`, `node = "${node.ws}"`, `keystore = "${keystore}"`, `store = "${store}"`, `price = "${PRICE}"`, '[resources]', `demo = "${hls}"`].join('\n'),
  );
  const log = openSync(join(ROOT, 'scripts', 'e2e', 'logs', 'peer-load-daemon.log'), 'w');
  daemon = track(spawn(PEER_BIN, ['--config', join(dir, 'peer.toml')], { stdio: ['ignore', log, log] }));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/mpool/v1/offer`)).ok) break;
    } catch {
      // not listening yet
    }
    assert.ok(i < 600, 'mpool-peer did not start in 60 s (scripts/e2e/logs/peer-load-daemon.log)');
    await new Promise((ok) => setTimeout(ok, 100));
  }

  progress(`opening ${SESSIONS} sessions`);
  for (const s of sessions) {
    const bundle = await handshakeBundle(client, api, s.poolId, bob.publicKey);
    const opened = await fetch(`${base}/mpool/v1/session/demo`, { method: 'POST', body: bundle });
    assert.equal(opened.status, 200, await opened.text());
  }

  // Enough tokens that no session runs out: a generous upper bound of the rate it may reach.
  const perSession = Math.ceil((SECONDS * 5_000) / SESSIONS);
  progress(`signing ${perSession * SESSIONS} vouchers`);
  for (const s of sessions) {
    const payer = new Payer(s.key, genesis, s.poolId, 10n * UNIT, verifier);
    s.tokens = Array.from({ length: perSession }, () => tokenHex(payer.pay(bob.publicKey, PRICE)));
  }

  progress(`${SESSIONS} sessions fetching paid segments for ${SECONDS} s`);
  const latencies = [];
  let refused = 0;
  const started = performance.now();
  const end = started + SECONDS * 1_000;
  await Promise.all(
    sessions.map(async (s) => {
      for (const token of s.tokens) {
        if (performance.now() >= end) return;
        const t0 = performance.now();
        const response = await fetch(`${base}/r/demo/seg.ts`, { headers: { 'mpool-voucher': token } });
        const body = await response.arrayBuffer();
        if (response.status !== 200 || body.byteLength !== SEGMENT_BYTES) refused++;
        else latencies.push(performance.now() - t0);
      }
      throw new Error('a session ran out of tokens: raise the bound');
    }),
  );
  const elapsed = (performance.now() - started) / 1_000;
  latencies.sort((a, b) => a - b);
  const at = (q) => Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2));
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const served = Number(/mpool_peer_segments_served_total\{paid="true"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  assert.equal(served, latencies.length, 'the daemon counts what the players received');
  console.log(
    JSON.stringify(
      {
        sessions: SESSIONS,
        seconds: Number(elapsed.toFixed(1)),
        segment_bytes: SEGMENT_BYTES,
        paid_segments: latencies.length,
        refused,
        paid_segments_per_s: Math.round(latencies.length / elapsed),
        latency_ms: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) },
        store_bytes: statSync(store).size + (existsSync(`${store}-wal`) ? statSync(`${store}-wal`).size : 0),
      },
      null,
      1,
    ),
  );
} finally {
  // The vouchers stay unsettled: this measures serving, not settlement.
  daemon?.kill('SIGKILL');
  client.destroy();
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
}
