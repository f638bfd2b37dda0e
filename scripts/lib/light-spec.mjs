// A chain spec a light client (smoldot, in a browser or Node) can start from: the node's own
// `export-chain-spec --raw` output with, as boot nodes, the running node's WebSocket p2p
// addresses on loopback (from its `system_localListenAddresses`). The embedded dev and local specs
// name no boot nodes on purpose: independent dev chains share one genesis, and a boot node in the
// embedded spec would join them (every e2e suite's node would dial the README's dev node).
//
//   node scripts/lib/light-spec.mjs [--chain dev] [--rpc-port 9944] [--node PATH] > spec.json
import { execFileSync } from 'node:child_process';

/** The chain spec JSON text; throws if the node listens on no loopback `/ws` address. */
export async function lightChainSpec({ nodeBin, chain = 'dev', rpcPort = 9944 }) {
  const spec = JSON.parse(
    execFileSync(nodeBin, ['export-chain-spec', '--chain', chain, '--raw'], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  const response = await fetch(`http://127.0.0.1:${rpcPort}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_localListenAddresses', params: [] }),
  });
  const { result } = await response.json();
  const ws = (result ?? []).filter((a) => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//.test(a));
  if (ws.length === 0) {
    throw new Error(
      `the node on RPC port ${rpcPort} listens on no loopback WebSocket address (${JSON.stringify(result)}); ` +
        'start it with --listen-addr /ip4/127.0.0.1/tcp/<port>/ws (scripts/dev-node.sh does)',
    );
  }
  spec.bootNodes = ws;
  return JSON.stringify(spec);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const nodeBin = arg('--node', process.env.MPOOL_NODE_BIN ?? 'mpool-node');
  process.stdout.write(
    `${await lightChainSpec({ nodeBin, chain: arg('--chain', 'dev'), rpcPort: Number(arg('--rpc-port', 9944)) })}\n`,
  );
}
