#!/usr/bin/env bash
# The relay-chain test: zombienet/westend-local.toml started by zombienet (native provider), ≥ 10
# para blocks backed, included and finalized by the relay chain, the user path through the
# collator's RPC with the handshake checked against the relay-finalized para header, and a
# collator SIGKILL + restart (scripts/e2e/relay/relay.test.js). ~15 min once built.
#
# Not part of scripts/test.sh: the relay binaries (scripts/relay-bins.sh) take ~1 h to build on
# 2 cores, more than CI's 90 minutes leave. Builds what is missing first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
source scripts/lib/relay.sh
mpool_relay_prepare
log "JS SDK (sdk/js): wasm handshake checker, PAPI descriptors, tsc"
(
	cd sdk/js
	bash scripts/build-wasm.sh
	npm run --silent build
)
cd scripts/e2e
log "node --test relay/relay.test.js"
node --test --test-reporter=spec relay/relay.test.js
