#!/usr/bin/env bash
# README command: the parachain on a real relay chain. Starts zombienet/westend-local.toml (or
# zombienet/rococo-local.toml with `rococo`) with zombienet's native provider: two relay
# validators (Alice, Bob) and mpool-para-node collating para 2000, registered at genesis. The
# para is onboarded at the first session change; its blocks are then backed, included and
# finalized by the relay chain. Ctrl-C stops every node.
#
#   scripts/relay-net.sh [westend|rococo]
#
# The parachain's RPC: ws://127.0.0.1:9944 (MPOOL_PARA_RPC_PORT); the relay's: ws://127.0.0.1:9900
# (MPOOL_RELAY_RPC_PORT; Bob one more). Nodes' logs and the chain specs go to a temporary
# directory (MPOOL_RELAY_DIR to choose it). Builds mpool-para-node if needed and the relay
# binaries with scripts/relay-bins.sh (~1 h once; cached outside the repository).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
source scripts/lib/relay.sh
mpool_relay_prepare
# zombienet's processes are children of the Node.js process: on Ctrl-C (or a TERM to this
# script) they are stopped first, then it.
node scripts/e2e/relay/net.js "${1:-westend}" &
net=$!
stop() {
	trap - INT TERM
	log "stopping the network"
	pkill -TERM -P "$net" 2>/dev/null || true
	kill -TERM "$net" 2>/dev/null || true
	wait "$net" 2>/dev/null || true
	exit 0
}
trap stop INT TERM
wait "$net"
