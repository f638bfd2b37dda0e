#!/usr/bin/env bash
# Loopback load on the paid peer daemon: MPOOL_PEER_LOAD_SESSIONS players (default 100, one pool
# each) fetch paid segments from one `mpool-peer` at once for MPOOL_PEER_LOAD_SECONDS (default
# 30) on a fresh dev node; prints a JSON summary (paid segments/s, latency percentiles). Figures
# go in docs/results.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/lib/env.sh
mpool_export_wasm_env
[ -n "${MPOOL_SKIP_BUILD:-}" ] || mpool_build
export MPOOL_PEER_BIN="${MPOOL_PEER_BIN:-$(mpool_release_dir)/mpool-peer}"
mpool_npm_ci
log "JS SDK build (wasm checker, tsc)"
(cd sdk/js && bash scripts/build-wasm.sh && npm run --silent build)
log "peer load: ${MPOOL_PEER_LOAD_SESSIONS:-100} sessions, ${MPOOL_PEER_LOAD_SECONDS:-30} s"
node scripts/e2e/bench/peer-load.mjs
