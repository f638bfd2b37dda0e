#!/usr/bin/env bash
# Runs each cargo-fuzz target for a bounded time (default 60 s each) and prints the executions.
# Needs a nightly toolchain (installed with rustup if missing) and cargo-fuzz (installed if
# missing). Findings (crashing inputs) land in fuzz/artifacts/<target>/ and fail the script.
#
# Usage: scripts/fuzz.sh [seconds per target] [target...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(voucher calls)

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

cd fuzz
status=0
for target in "${targets[@]}"; do
	log "cargo +nightly fuzz run $target (${seconds}s)"
	mkdir -p "corpus/$target"
	# -s none: no sanitizer (the code under test is safe Rust; the fuzzer hunts panics and
	# broken invariants, which abort with or without ASan), so the build is quicker.
	if ! cargo +nightly fuzz run -s none --release "$target" "corpus/$target" -- \
		-max_total_time="$seconds" -print_final_stats=1 2>&1 | tee "/tmp/mpool-fuzz-$target.log" |
		grep -E '^(stat::number_of_executed_units|stat::new_units_added|Done|==|thread|panicked)'; then
		status=1
	fi
	grep -q 'stat::number_of_executed_units' "/tmp/mpool-fuzz-$target.log" || status=1
done
exit $status
