// The demo's web server: the page, its bundles, the resource (manifest + chunks, which the peers
// in the page serve from their copy) and /config.json: the light client's chain spec (exported by
// the node, with its loopback WebSocket boot node), the viewer's RPC URL and the dev accounts'
// seeds the demo plays with (dev chain only: these keys are public).
//
//   node examples/web/serve.mjs [--rpc-port 9944] [--port 8080] [--node PATH]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lightChainSpec } from '../../scripts/lib/light-spec.mjs';
import { resource } from './media.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.map': 'application/json' };

function devAccount(nodeBin, name) {
  const out = JSON.parse(execFileSync(nodeBin, ['key', 'inspect', '--output-type', 'json', `//${name}`], { encoding: 'utf8' }));
  return { name, seed: out.secretSeed, address: out.ss58Address };
}

/** Starts the server; resolves to `{ url, close() }`. */
export async function startDemoServer({ nodeBin, rpcPort = 9944, port = 8080 }) {
  const { chunks, manifest } = resource();
  const chainSpec = await lightChainSpec({ nodeBin, chain: 'dev', rpcPort });
  const config = JSON.stringify({
    rpc: `ws://127.0.0.1:${rpcPort}`,
    rpcHttp: `http://127.0.0.1:${rpcPort}`,
    chainSpec,
    manifest,
    viewer: devAccount(nodeBin, 'Eve'),
    // Ferdie serves corrupted chunks: the viewer must catch it by the hash list.
    peers: ['Bob', 'Charlie', 'Dave', 'Ferdie'].map((n) => ({ ...devAccount(nodeBin, n), bad: n === 'Ferdie' })),
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/config.json') return send(200, TYPES['.json'], config);
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    const chunk = /^\/media\/chunk\/(\d+)$/.exec(url.pathname);
    if (chunk) {
      const bytes = chunks[Number(chunk[1])];
      return bytes ? send(200, 'application/octet-stream', bytes) : send(404, 'text/plain', 'no such chunk');
    }
    const file = url.pathname === '/' ? 'index.html' : normalize(url.pathname).replace(/^\/+/, '');
    if (!/^(index\.html|dist\/[\w.-]+)$/.test(file)) return send(404, 'text/plain', 'not found');
    try {
      send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(join(here, file)));
    } catch {
      send(404, 'text/plain', 'not found');
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const root = join(here, '../..');
  const nodeBin = arg('--node', process.env.MPOOL_NODE_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'release/mpool-node'));
  const { url } = await startDemoServer({ nodeBin, rpcPort: Number(arg('--rpc-port', 9944)), port: Number(arg('--port', 8080)) });
  console.log(`demo: ${url}  (the dev node: scripts/dev-node.sh)`);
}
