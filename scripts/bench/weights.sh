#!/usr/bin/env bash
# Regenerates every weight of the demo runtimes on this machine:
#
# - the pallets' weights (`frame_system` and its transaction extensions, `pallet_balances`,
#   `pallet_transaction_payment`, `pallet_timestamp`, `pallet_sudo` into runtime/src/weights/ and
#   runtime/parachain/src/weights/; the micropayment pool into its pallet's weights.rs, from the
#   solochain runtime, which both runtimes share);
# - `BlockExecutionWeight` and `ExtrinsicBaseWeight` (`benchmark overhead`) of each runtime;
# - the database weights of each node (`benchmark storage` on the same state, the dev chain's plus
#   POOLS pools with one settled peer each: scripts/bench/bench-state.mjs), ParityDb for both nodes
#   (`mpool-para-node` makes it its default): without the proof recorder for the solochain, with
#   it for the parachain, whose collator records every block's proof;
# - FRAME's baseline `sr25519_verification` (docs/results/baseline-sr25519-weights.rs.txt), the
#   yardstick `settle` is compared with;
# - a profile of `settle`: its stages measured alone (the pallet's extra benchmarks `stage_*`,
#   docs/results/settle-stages-weights.rs.txt).
#
# One binary does it all: `mpool-node` built with `runtime-benchmarks` (the node users run has
# it not). `benchmark storage` needs a node's database, so that build is needed anyway; its `benchmark pallet` and `benchmark
# overhead` take a runtime's wasm (`--runtime`) as frame-omni-bencher does, which is how the
# parachain runtime is measured without building a second benchmarking node.
#
# Run it on a quiet machine: the figures are wall-clock timings. STEPS and REPEAT (default 50 and
# 20) trade precision for time; POOLS (default 100000) sizes the storage benchmark's state; ONLY
# (e.g. `ONLY=storage`) runs one stage: pallets, pool, profile, overhead, storage, para-storage, para.
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

if stage profile; then
	log "benchmark pallet: settle's paths and the stages of settle_repeat (extra benchmarks)"
	mkdir -p docs/results
	"$node" benchmark pallet \
		--chain dev \
		--pallet pallet_micropayment_pool \
		--extra \
		--extrinsic settle_repeat,settle_new_payee,stage_plan,stage_signature,stage_pay,stage_pay_hold_side,stage_pay_credit_side,stage_record,stage_event,stage_payee_ticket \
		--steps "$steps" \
		--repeat "$repeat" \
		--wasm-execution compiled \
		--template scripts/bench/weight-template.hbs \
		--output docs/results/settle-stages-weights.rs.txt
	grep -E "^	fn |Weight::from_parts" docs/results/settle-stages-weights.rs.txt
fi

if stage overhead; then
	log "benchmark overhead (solochain): block and extrinsic base weights"
	mkdir -p runtime/src/weights
	"$node" benchmark overhead --chain dev --weight-path runtime/src/weights
fi

# The storage benchmarks' state, made once for both databases.
bench_spec() {
	[ ! -f "$work/bench-spec.json" ] || return 0
	log "export the dev chain's raw spec; add $pools pools with a settled peer each"
	# bench-state.mjs encodes with @polkadot/types from the e2e suite's pinned packages.
	mpool_npm_ci
	"$node" export-chain-spec --chain dev --raw --output "$work/dev-raw.json"
	node scripts/bench/bench-state.mjs "$work/dev-raw.json" "$work/bench-spec.json" "$pools"
}

# bench_storage <database> <weight dir> [flags...]. Writes are timed per commit of 10,000 keys,
# amortised per key: about what a block full of settlements commits (~2,000 settlements of ~6
# writes each).
bench_storage() {
	bench_spec
	mkdir -p "$2"
	"$node" benchmark storage \
		--chain "$work/bench-spec.json" \
		--base-path "$work/db-$1" \
		--database "$1" \
		--state-version 1 \
		--batch-size 10000 \
		--weight-path "$2" \
		"${@:3}"
}

if stage storage; then
	log "benchmark storage on ParityDb (the solochain node's database)"
	# A solochain records no storage proof while it builds or imports a block, so its costs are
	# measured without the PoV recorder (the CLI's guidance for standalone chains); the parachain's
	# below keep it: its collator records every block's proof for the relay chain.
	bench_storage paritydb runtime/src/weights --disable-pov-recorder
fi

# The same state and database with the proof recorder on, as a collator builds a block: the
# parachain node's costs (`mpool-para-node` defaults to ParityDb), measured with this build: a
# benchmarking build of the collator would compile the relay-chain client again.
if stage para-storage; then
	log "benchmark storage on ParityDb with the proof recorder (the parachain node's)"
	bench_storage paritydb runtime/parachain/src/weights
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
