// Starts the shipped zombienet/ network (a local relay chain of two validators with
// mpool-para-node collating para 2000) with zombienet's native provider, from Node: the same
// config that `scripts/relay-net.sh` runs. The binaries must be on PATH (the scripts put them there).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './node.js';

// zombienet's packages are CommonJS.
const require = createRequire(import.meta.url);
const { start } = require('@zombienet/orchestrator');
const { readNetworkConfig } = require('@zombienet/utils');

/** The config files under zombienet/, by relay chain. */
export const CONFIGS = {
  westend: join(ROOT, 'zombienet', 'westend-local.toml'),
  rococo: join(ROOT, 'zombienet', 'rococo-local.toml'),
};

/**
 * Spawns the network described by `config` (a path) into `dir` and resolves once every node
 * answers on its RPC port. The ports come from MPOOL_RELAY_RPC_PORT / MPOOL_PARA_RPC_PORT when
 * set (the config's defaults otherwise). Returns zombienet's Network: `stop()` ends every process.
 */
export async function startRelayNet({ config = CONFIGS.westend, dir } = {}) {
  const launch = readNetworkConfig(config);
  launch.settings = { ...launch.settings, provider: 'native' };
  return start('', launch, { spawnConcurrency: 1, dir, force: true, logType: 'text', inCI: false });
}
