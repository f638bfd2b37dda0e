// `mpool-peer`, the paid peer daemon, for the suites that run it beside a dev node
// (tests/peer-daemon.test.js, tests/peer-censorship.test.js, and the player's in
// examples/web/test): a resource to serve, a
// configuration of its own (key, store, port), a start that waits until it answers, and its
// metrics.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort, track } from './node.js';

export const PEER_BIN =
  process.env.MPOOL_PEER_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'release', 'mpool-peer');
const LOG_DIR = join(ROOT, 'scripts', 'e2e', 'logs');

/**
 * An HLS resource in `dir`/hls: a playlist and `count` random 64 KiB segments `seg<i>.ts`.
 * Returns { hls, segments } (the directory, and each segment's bytes).
 */
export function writeHls(dir, count) {
  const hls = join(dir, 'hls');
  mkdirSync(hls);
  const segments = [];
  let playlist = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n';
  for (let i = 0; i < count; i++) {
    segments.push(randomBytes(64 * 1024));
    writeFileSync(join(hls, `seg${i}.ts`), segments[i]);
    playlist += `#EXTINF:2.0,\nseg${i}.ts\n`;
  }
  writeFileSync(join(hls, 'index.m3u8'), playlist + '#EXT-X-ENDLIST\n');
  return { hls, segments };
}

/**
 * A daemon's configuration in `dir` (its own key `suri`, store and port, following `node`,
 * serving `hls` as `resource` (default `demo`) at `price` per segment, polling every second), with `limits`
 * lines appended and `top` lines among the top-level settings. Returns { config, base }: the
 * file, and the daemon's URL.
 */
export async function writeConfig({ dir, node, name, suri, hls, price, resource = 'demo', limits = [], top = [] }) {
  const keystore = join(dir, `${name}.key`);
  writeFileSync(keystore, `${suri}\n`);
  chmodSync(keystore, 0o600);
  const port = await freePort();
  const file = join(dir, `${name}.toml`);
  writeFileSync(
    file,
    [
      `listen = "127.0.0.1:${port}"`,
      `node = "${node.ws}"`,
      `keystore = "${keystore}"`,
      `store = "${join(dir, `${name}.db`)}"`,
      `price = "${price}"`,
      'poll_secs = 1',
      ...top,
      '[resources]',
      `"${resource}" = "${hls}"`,
      ...(limits.length ? ['[limits]', ...limits] : []),
    ].join('\n'),
  );
  return { config: file, base: `http://127.0.0.1:${port}` };
}

/**
 * Starts the daemon of `at.config` (logging to scripts/e2e/logs/`name`.log) and waits until it
 * answers its offer at `at.base` (fetched with `at.get`, `fetch` if absent). Returns
 * { child, exit }: the process, and a promise of its { code, signal } at exit.
 */
export async function startDaemon(name, at) {
  mkdirSync(LOG_DIR, { recursive: true });
  const probe = at.get ?? fetch;
  const log = openSync(join(LOG_DIR, `${name}.log`), 'w');
  const child = track(spawn(PEER_BIN, ['--config', at.config], { stdio: ['ignore', log, log] }));
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const exit = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  for (let i = 0; ; i++) {
    assert.equal(exited, null, `mpool-peer exited at start; see scripts/e2e/logs/${name}.log`);
    try {
      if ((await probe(`${at.base}/mpool/v1/offer`)).ok) break;
    } catch {
      // not listening yet
    }
    assert.ok(i < 600, `mpool-peer answered nothing in 60 s; see scripts/e2e/logs/${name}.log`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return { child, exit };
}

/** The daemon's metrics at `base` (Prometheus text). */
export async function metricsText(base) {
  return (await fetch(`${base}/metrics`)).text();
}

/** How many settlements the daemon counts as finalized and paid, from its metrics' text. */
export const settledOk = (metrics) => Number(/mpool_peer_settlements_total\{result="ok"\} (\d+)/.exec(metrics)?.[1] ?? 0);
