#!/usr/bin/env bash
# Regenerates pallets/micropayment-pool/src/weights.rs: builds the node with the
# `runtime-benchmarks` feature and runs the pallet's benchmarks on the dev chain's runtime. Also
# measures FRAME's baseline `sr25519_verification` on the same runtime (the weight of one bare
# signature check, to compare `settle` against); its output goes to docs/results/.
#
# Run it on a quiet machine: the figures are wall-clock timings. STEPS and REPEAT (default 50
# and 20) trade precision for time.
set -euo pipefail
steps="${STEPS:-50}"
repeat="${REPEAT:-20}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash scripts/setup.sh
source scripts/lib/env.sh
mpool_export_wasm_env
# frame-benchmarking-cli carries a test runtime for `benchmark storage` (unused here) that the
# wasm builder cannot place in this workspace's metadata: skip building it.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
log "cargo build --release -p micropayment-pool-node --features runtime-benchmarks"
cargo build --release --locked -p micropayment-pool-node --features runtime-benchmarks
node="${CARGO_TARGET_DIR:-target}/release/mpool-node"
log "benchmark pallet: pallet_micropayment_pool"
"$node" benchmark pallet \
	--chain dev \
	--pallet pallet_micropayment_pool \
	--extrinsic '*' \
	--steps "$steps" \
	--repeat "$repeat" \
	--wasm-execution compiled \
	--template scripts/bench/weight-template.hbs \
	--output pallets/micropayment-pool/src/weights.rs
log "benchmark pallet: frame_benchmarking sr25519_verification (baseline)"
mkdir -p docs/results
"$node" benchmark pallet \
	--chain dev \
	--pallet frame_benchmarking \
	--extrinsic sr25519_verification \
	--steps "$steps" \
	--repeat "$repeat" \
	--wasm-execution compiled \
	--template scripts/bench/weight-template.hbs \
	--output docs/results/baseline-sr25519-weights.rs.txt
grep -E "Weight::from_parts|saturating_mul" docs/results/baseline-sr25519-weights.rs.txt | head -4
