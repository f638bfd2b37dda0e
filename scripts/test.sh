#!/usr/bin/env bash
# The README's test command: every test of the workspace, the wasm runtime build included.
# Runs scripts/setup.sh first (seconds when everything is installed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/lib/env.sh
mpool_export_wasm_env
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

output="$(mktemp)"
trap 'rm -f "$output"' EXIT
# Runs a cargo test command, keeping its output for the total at the end.
run_tests() {
	cargo test --locked "$@" 2>&1 | tee -a "$output"
}

log "cargo test --workspace (primitives, pallet, runtime; builds the wasm runtime)"
run_tests --workspace

log "pallet tests with runtime-benchmarks and try-runtime (benchmarks run as tests)"
run_tests -p pallet-micropayment-pool --features runtime-benchmarks,try-runtime

summary() { grep -E '^test result:' "$output" | grep -oE "[0-9]+ $1" | awk '{s+=$1} END {print s+0}'; }
passed=$(summary passed)
failed=$(summary failed)
log "all tests passed"
echo "total: ${passed} passed, ${failed} failed"
