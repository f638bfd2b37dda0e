#!/usr/bin/env bash
# Regenerates every weight of the demo runtimes on this machine:
#
# - the pallets' weights (`frame_system` and its transaction extensions, `pallet_balances`,
#   `pallet_transaction_payment`, `pallet_timestamp`, `pallet_sudo` into runtime/src/weights/ and
#   runtime/parachain/src/weights/; the micropayment pool into its pallet's weights.rs, from the
#   solochain runtime, which both runtimes share);
# - `BlockExecutionWeight` and `ExtrinsicBaseWeight` (`benchmark overhead`) of each runtime;
# - the solochain's database weights (`benchmark storage` on ParityDb, the node's database, holding
#   the dev chain's state plus POOLS pools with one settled peer each: scripts/bench/bench-state.mjs);
# - FRAME's baseline `sr25519_verification` (docs/results/baseline-sr25519-weights.rs.txt), the
#   yardstick `settle` is compared with.
#
# One binary does it all: `mpool-node` built with `runtime-benchmarks`. `benchmark storage` needs a
# node's database, so that build is needed anyway; its `benchmark pallet` and `benchmark overhead`
# take a runtime's wasm (`--runtime`) as frame-omni-bencher does, which is how the parachain
# runtime is measured without building a second benchmarking node.
#
# Run it on a quiet machine: the figures are wall-clock timings. STEPS and REPEAT (default 50 and
# 20) trade precision for time; POOLS (default 100000) sizes the storage benchmark's state; ONLY
# (e.g. `ONLY=storage`) runs one stage: pallets, pool, overhead, storage, para.
set -euo pipefail
steps="${STEPS:-50}"
repeat="${REPEAT:-20}"
pools="${POOLS:-100000}"
only="${ONLY:-}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
bash scripts/setup.sh
source scripts/lib/env.sh
mpool_export_wasm_env
# frame-benchmarking-cli carries a test runtime for `benchmark storage --mode validate-block`
# (unused here) that the wasm builder cannot place in this workspace's metadata: skip building it.
export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
target="${CARGO_TARGET_DIR:-target}"
node="$target/release/mpool-node"
work="$(mktemp -d "${TMPDIR:-/tmp}/mpool-weights.XXXXXX")"
trap 'rm -rf "$work"' EXIT
stage() { [ -z "$only" ] || [ "$only" = "$1" ]; }

log "cargo build --release -p micropayment-pool-node --features runtime-benchmarks"
cargo build --release --locked -p micropayment-pool-node --features runtime-benchmarks

# The FRAME pallets each runtime configures; the pool pallet is measured once (below).
frame_pallets=(
	frame_system
	frame_system_extensions
	pallet_balances
	pallet_transaction_payment
	pallet_timestamp
	pallet_sudo
)

# bench_pallets <runtime args...> -- <output dir>
bench_pallets() {
	local dir="${*: -1}"
	local args=("${@:1:$#-1}")
	mkdir -p "$dir"
	for pallet in "${frame_pallets[@]}"; do
		log "benchmark pallet $pallet -> $dir/$pallet.rs"
		"$node" benchmark pallet "${args[@]}" \
			--pallet "$pallet" \
			--extrinsic '*' \
			--steps "$steps" \
			--repeat "$repeat" \
			--wasm-execution compiled \
			--output "$dir/$pallet.rs"
	done
}

if stage pallets; then
	bench_pallets --chain dev runtime/src/weights
fi

if stage pool; then
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
fi

if stage overhead; then
	log "benchmark overhead (solochain): block and extrinsic base weights"
	mkdir -p runtime/src/weights
	"$node" benchmark overhead --chain dev --weight-path runtime/src/weights
fi

if stage storage; then
	log "export the dev chain's raw spec; add $pools pools with a settled peer each"
	# bench-state.mjs encodes with @polkadot/types from the e2e suite's pinned packages.
	[ -d scripts/e2e/node_modules ] ||
		(cd scripts/e2e && npm ci --no-audit --no-fund --loglevel=error)
	"$node" export-chain-spec --chain dev --raw --output "$work/dev-raw.json"
	node scripts/bench/bench-state.mjs "$work/dev-raw.json" "$work/bench-spec.json" "$pools"
	# Writes are timed per commit of 10,000 keys, amortised per key: about what a block full of
	# settlements commits (~2,000 settlements of ~6 writes each).
	log "benchmark storage on ParityDb"
	mkdir -p runtime/src/weights
	"$node" benchmark storage \
		--chain "$work/bench-spec.json" \
		--base-path "$work/db" \
		--database paritydb \
		--state-version 1 \
		--batch-size 10000 \
		--weight-path runtime/src/weights
fi

if stage para; then
	log "cargo build --release -p micropayment-pool-para-runtime --features runtime-benchmarks"
	cargo build --release --locked -p micropayment-pool-para-runtime --features runtime-benchmarks
	wasm="$target/release/wbuild/micropayment-pool-para-runtime/micropayment_pool_para_runtime.compact.compressed.wasm"
	frame_pallets+=(cumulus_pallet_parachain_system)
	bench_pallets --runtime "$wasm" --genesis-builder-preset development runtime/parachain/src/weights
	log "benchmark overhead (parachain)"
	mkdir -p runtime/parachain/src/weights
	"$node" benchmark overhead --runtime "$wasm" --genesis-builder-preset development \
		--weight-path runtime/parachain/src/weights
fi
log "weights written; review with: git diff --stat"
