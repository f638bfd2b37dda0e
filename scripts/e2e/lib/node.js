// Starts and stops node processes on free loopback ports: `mpool-node` (the solochain), or with
// MPOOL_CHAIN=para `mpool-para-node` (the parachain in omni-node's dev mode). The suites are the
// same on both chains; a case that needs the solochain (GRANDPA, two validators) skips on para.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { closeSync, mkdirSync, openSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../../..');
/** Which chain the suites run against: 'solo' (default) or 'para'. */
export const CHAIN = process.env.MPOOL_CHAIN ?? 'solo';
const BINARIES = { solo: 'mpool-node', para: 'mpool-para-node' };
if (!BINARIES[CHAIN]) throw new Error(`MPOOL_CHAIN is 'solo' or 'para', not '${CHAIN}'`);
export const NODE_BIN =
  process.env.MPOOL_NODE_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'release', BINARIES[CHAIN]);
/** `skip` option of a case that runs on the solochain only: false there, `why` on the parachain. */
export const soloOnly = (why) => (CHAIN === 'solo' ? false : why);
const LOG_DIR = join(here, '..', 'logs');

const running = new Set();
/** Kills `child` if this process exits first (a suite that fails must leave no process behind). */
export function track(child) {
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}
function killAll() {
  for (const child of running) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** POSTs `body` (a string) to the node's RPC port: { status, json } (json null if none). */
export async function post(port, body) {
  const response = await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (e.g. an HTTP error page)
  }
  return { status: response.status, json };
}

/** A JSON-RPC call's whole response: { result } or { error: { code, message } }. */
export async function rpcRaw(port, method, params = []) {
  const { status, json } = await post(port, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  return json ?? { error: { code: status, message: `HTTP ${status}` } };
}

async function rpc(port, method, params = []) {
  return (await rpcRaw(port, method, params)).result;
}

/**
 * Starts a node with `args` (plus free --rpc-port and --port) and waits until its RPC answers.
 * With `wsP2p`, it also listens for light clients on a free loopback WebSocket p2p port
 * (`wsP2pPort`). Returns { ws, rpcPort, p2pPort, wsP2pPort, stop, ... }.
 */
export async function startNode(name, args, options = {}) {
  // A port found free can be taken by another process (a suite running beside this one) before
  // the node binds it: then the node exits at once (p2p) or moves its RPC server to a random port,
  // and it is started again on other ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNodeOnce(name, args, options);
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt === 3) throw error;
    }
  }
}

class PortTaken extends Error {}

async function startNodeOnce(name, args, { timeoutMs = 120_000, basePath, wsP2p = false } = {}) {
  mkdirSync(LOG_DIR, { recursive: true });
  if (CHAIN !== 'solo') name = `${CHAIN}-${name}`;
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const wsP2pPort = wsP2p ? await freePort() : undefined;
  // The node takes either --port or --listen-addr.
  const p2p = wsP2p
    ? ['--listen-addr', `/ip4/127.0.0.1/tcp/${p2pPort}`, '--listen-addr', `/ip4/127.0.0.1/tcp/${wsP2pPort}/ws`]
    : ['--port', String(p2pPort)];
  const base = basePath ?? mkdtempSync(join(tmpdir(), `mpool-${name}-`));
  const log = openSync(join(LOG_DIR, `${name}.log`), 'w');
  const child = spawn(
    NODE_BIN,
    [
      ...args,
      '--base-path', base,
      '--rpc-port', String(rpcPort),
      ...p2p,
      '--no-prometheus',
      '--no-telemetry',
      '--no-mdns',
      '--rpc-methods', 'unsafe',
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log); // the child has its own copy
  track(child);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  // SIGKILL, as a power cut would: no shutdown, the base path stays for a restart.
  const kill = async () => {
    if (!exited) {
      const done = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGKILL');
      await done;
    }
  };
  const stop = async () => {
    if (!exited) {
      const done = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    }
    if (!basePath) rmSync(base, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      if (/address already in use|os error 98/i.test(readFileSync(join(LOG_DIR, `${name}.log`), 'utf8'))) {
        if (!basePath) rmSync(base, { recursive: true, force: true });
        throw new PortTaken(`${name}: a port was taken before the node bound it`);
      }
      throw new Error(`${name} exited early (${JSON.stringify(exited)}); see scripts/e2e/logs/${name}.log`);
    }
    // Given --rpc-port, a node whose port was taken does not exit: sc-cli moves its RPC server to a
    // random port and logs it. Then it is started again on other ports, as above.
    const bound = /Running JSON-RPC server: addr=127\.0\.0\.1:(\d+)/.exec(
      readFileSync(join(LOG_DIR, `${name}.log`), 'utf8'),
    );
    if (bound && Number(bound[1]) !== rpcPort) {
      await stop();
      throw new PortTaken(`${name}: RPC port ${rpcPort} was taken; the node moved to ${bound[1]}`);
    }
    try {
      if (await rpc(rpcPort, 'system_health')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name}: RPC not up after ${timeoutMs} ms`);
    }
    await new Promise((ok) => setTimeout(ok, 250));
  }
  return {
    ws: `ws://127.0.0.1:${rpcPort}`,
    rpcPort,
    p2pPort,
    wsP2pPort,
    base,
    stop,
    kill,
    rpc: (m, p) => rpc(rpcPort, m, p),
    rpcRaw: (m, p) => rpcRaw(rpcPort, m, p),
    post: (body) => post(rpcPort, body),
  };
}
