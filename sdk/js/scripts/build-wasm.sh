#!/usr/bin/env bash
# Builds the handshake check (sdk/js/wasm, the Rust crate micropayment-pool-handshake) for
# wasm32v1-none and embeds it in src/handshake-wasm.generated.ts for `tsc`. Needs the
# workspace's Rust toolchain with the wasm32v1-none target (scripts/setup.sh installs both).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
echo "==> cargo build --release --target wasm32v1-none -p micropayment-pool-handshake-wasm" >&2
(cd "$root" && cargo build --release --locked --target wasm32v1-none \
	-p micropayment-pool-handshake-wasm --no-default-features)
wasm="$target_dir/wasm32v1-none/release/micropayment_pool_handshake_wasm.wasm"
node "$here/scripts/embed-wasm.mjs" "$wasm" "$here/src/handshake-wasm.generated.ts"
