// `scripts/relay-net.sh`'s body: starts the relay-chain network and keeps it up until Ctrl-C.
import { CONFIGS, startRelayNet } from '../lib/relay.js';

const which = process.argv[2] ?? 'westend';
if (!CONFIGS[which]) {
  console.error(`usage: relay-net.sh [${Object.keys(CONFIGS).join('|')}]`);
  process.exit(2);
}
const network = await startRelayNet({ config: CONFIGS[which], dir: process.env.MPOOL_RELAY_DIR });
network.showNetworkInfo('native');
const collator = network.paras[2000].nodes[0];
console.log(`\nparachain 2000 RPC: ${collator.wsUri}   relay RPC: ${network.relay[0].wsUri}`);
console.log(`logs: ${network.tmpDir}/<node>.log   Ctrl-C stops every node\n`);
// Runs until scripts/relay-net.sh stops it and zombienet's processes (its children).
setInterval(() => {}, 1 << 30);
