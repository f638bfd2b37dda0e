#!/usr/bin/env bash
# The streaming demo (examples/web): a viewer page paying peers that run in web workers, each
# with its own smoldot light client; and player.html, hls.js paying `mpool-peer` daemons per
# segment (its test starts the daemons). Builds the JS SDK and the pages first.
#
#   scripts/web-demo.sh [--rpc-port 9944] [--port 8080]   # serve it; the dev node must run
#                                                         # (scripts/dev-node.sh, WebSocket p2p on)
#   scripts/web-demo.sh --test    # headless Chromium against a dev node of its own (test.sh);
#                                 # artifacts: examples/web/artifacts/{session.png,measure.json,
#                                 # player-paid.png,player.json}
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
mpool_export_wasm_env
[ -n "${MPOOL_NODE_BIN:-}" ] || [ -n "${MPOOL_SKIP_BUILD:-}" ] || mpool_build
export MPOOL_NODE_BIN="${MPOOL_NODE_BIN:-$(mpool_release_dir)/mpool-node}"
export MPOOL_PEER_BIN="${MPOOL_PEER_BIN:-$(mpool_release_dir)/mpool-peer}"
mpool_npm_ci
log "JS SDK (sdk/js): wasm handshake checker, tsc"
(
	cd sdk/js
	bash scripts/build-wasm.sh
	npm run --silent build
)
cd examples/web
log "examples/web: bundle"
node build.mjs
if [ "${1:-}" = --test ]; then
	log "the demo in headless Chromium ($(/usr/bin/chromium --version 2>/dev/null || echo 'chromium missing'))"
	exec node --test --test-reporter=spec test/*.test.js
fi
exec node serve.mjs --node "$MPOOL_NODE_BIN" "$@"
