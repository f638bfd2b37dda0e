#!/usr/bin/env bash
# The JS SDK's bars, measured side by side in one run on this machine:
# - voucher verifications per second: JS (@mpool/sdk, @scure/sr25519) and Rust (`verify_voucher`,
#   the criterion bench `voucher_verify/verify_voucher`), and their ratio;
# - the wasm handshake check of a bundle proving one pool among 100,000 (median, p99);
# - the browser entry's size (esbuild, minified, gzip -9, wasm included); the chain entry's;
# - the voucher token's size.
# Prints a JSON summary; figures go in docs/results.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source scripts/lib/env.sh
mpool_export_wasm_env
target="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)"
work="$(mktemp -d)"
trap 'rm -f "$work"/*; rmdir "$work"' EXIT

log "JS SDK build (wasm checker, tsc)"
mpool_npm_ci
(cd sdk/js && bash scripts/build-wasm.sh && npm run --silent build)

log "a bundle proving one pool among 100,000 (client/tests/bench_bundle.rs)"
MPOOL_BENCH_BUNDLE="$work/bundle.json" cargo test --release --locked --workspace \
	--exclude micropayment-pool-node --test bench_bundle -- --ignored --quiet

log "Rust: cargo bench --bench verify -- voucher_verify/verify_voucher"
cargo bench --locked --workspace --bench verify -- 'voucher_verify/verify_voucher' >&2
rust_ns="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).median.point_estimate)' \
	"$target/criterion/voucher_verify/verify_voucher/new/estimates.json")"

log "JS: sdk/js/bench/bench.mjs"
MPOOL_BENCH_BUNDLE="$work/bundle.json" node sdk/js/bench/bench.mjs >"$work/js.json"
node -e '
const js = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const rust = 1e9 / Number(process.argv[2]);
js.rust_verify_per_s = Math.round(rust);
js.js_to_rust_verify_ratio = Number((js.js_verify_per_s / rust).toFixed(3));
js.js_pure_to_rust_verify_ratio = Number((js.js_pure_verify_per_s / rust).toFixed(3));
console.log(JSON.stringify(js, null, 1));
' "$work/js.json" "$rust_ns"
