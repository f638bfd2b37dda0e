#!/usr/bin/env bash
# Regenerates pallets/micropayment-pool/src/weights.rs: builds the node with the
# `runtime-benchmarks` feature and runs the pallet's benchmarks on the dev chain's runtime.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash scripts/setup.sh
source scripts/lib/env.sh
mpool_export_wasm_env
# frame-benchmarking-cli carries a test runtime for `benchmark storage` (unused here) that the
# wasm builder cannot place in this workspace's metadata: skip building it.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
cargo build --release --locked -p micropayment-pool-node --features runtime-benchmarks
"${CARGO_TARGET_DIR:-target}/release/mpool-node" benchmark pallet \
	--chain dev \
	--pallet pallet_micropayment_pool \
	--extrinsic '*' \
	--steps 50 \
	--repeat 20 \
	--wasm-execution compiled \
	--template scripts/bench/weight-template.hbs \
	--output pallets/micropayment-pool/src/weights.rs
