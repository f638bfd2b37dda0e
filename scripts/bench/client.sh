#!/usr/bin/env bash
# Criterion benchmarks of the off-chain toolkit: voucher verification (raw sr25519, ours, batch)
# and the handshake (proof check alone; fetch from a local dev node + check). Starts its own dev
# node for the second. Reports land in target/criterion; figures go in docs/results.md.
# (`--workspace`: the same feature resolution as the release build, so no SDK crate is rebuilt.)
#
# Usage: scripts/bench/client.sh [criterion args, e.g. --quick]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/lib/env.sh
mpool_export_wasm_env
target="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)"
mpool_build

source scripts/lib/node.sh
mpool_start_dev_node "$(mktemp -t mpool-bench-node.XXXXXX.log)"

log "a finalized pool to prove"
pool="$("$target/release/mpool" --json pool create --suri //Alice --resource bench --deposit 10UNIT \
	--collateral 20UNIT --duration 1000 --finalized | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).pool_id)')"

log "cargo bench --bench verify"
cargo bench --locked --workspace --bench verify -- "$@"
log "cargo bench --bench handshake (pool $pool on the dev node)"
MPOOL_BENCH_URL="$MPOOL_URL" MPOOL_BENCH_POOL="$pool" \
	cargo bench --locked --workspace --bench handshake -- "$@"
