#!/usr/bin/env bash
# End-to-end tests: the release node driven by @polkadot/api (scripts/e2e). Builds the node if
# needed; every node the tests start is stopped when they end, pass or fail.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
mpool_export_wasm_env
if [ -z "${MPOOL_NODE_BIN:-}" ]; then
	mpool_build
fi
cd scripts/e2e
[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || {
	log "npm ci (versions pinned in scripts/e2e/package-lock.json)"
	npm ci --no-audit --no-fund --loglevel=error
}
log "node --test scripts/e2e/tests"
node --test --test-concurrency=1 --test-reporter=spec tests/*.test.js
