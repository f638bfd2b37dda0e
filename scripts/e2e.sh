#!/usr/bin/env bash
# End-to-end tests: the release node driven by @polkadot/api (scripts/e2e). Builds the node if
# needed; every node the tests start is stopped when they end, pass or fail.
#
#   scripts/e2e.sh                    # every suite against the solochain (mpool-node)
#   MPOOL_CHAIN=para scripts/e2e.sh   # the same dev, api and fault suites against the dev
#                                     # parachain (mpool-para-node --dev), and the polkadot-api view
#                                     # functions suite; solochain-only cases skip
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
mpool_export_wasm_env
if [ -z "${MPOOL_NODE_BIN:-}" ]; then
	mpool_build
fi
# tests/cli.test.js runs the `mpool` CLI of the same build, tests/peer-daemon.test.js and
# tests/peer-censorship.test.js its `mpool-peer`.
export MPOOL_BIN="${MPOOL_BIN:-$(mpool_release_dir)/mpool}"
export MPOOL_PEER_BIN="${MPOOL_PEER_BIN:-$(mpool_release_dir)/mpool-peer}"
mpool_npm_ci
cd scripts/e2e
# tests/sdk.test.js drives the JS SDK as built: its wasm checker, descriptors and tsc output.
log "JS SDK (sdk/js) for tests/sdk.test.js: wasm handshake checker, PAPI descriptors, tsc"
(
	cd ../../sdk/js
	bash scripts/build-wasm.sh
	npm run --silent build
)
case "${MPOOL_CHAIN:-solo}" in
	solo) suites=(tests/*.test.js) ;;
	# local.test.js (two GRANDPA validators) and attacks.test.js (pallet rules, chain-independent
	# and already run on the solochain) stay solochain-only.
	para) suites=(tests/dev.test.js tests/api.test.js tests/papi.test.js tests/sdk.test.js tests/faults.test.js tests/txpool.test.js tests/peer-safety.test.js tests/cli.test.js tests/censorship.test.js tests/peer-daemon.test.js tests/peer-censorship.test.js) ;;
	*) echo "error: MPOOL_CHAIN is solo or para" >&2; exit 2 ;;
esac
# The suites spend most of their time waiting for blocks, each against its own nodes on free
# ports, so several files run at once (MPOOL_E2E_JOBS, default 3: on 2 cores the nodes stay idle
# most of a 6 s slot).
jobs="${MPOOL_E2E_JOBS:-3}"
log "node --test ${suites[*]} (chain: ${MPOOL_CHAIN:-solo}, ${jobs} files at once)"
node --test --test-concurrency="$jobs" --test-reporter=spec "${suites[@]}"
