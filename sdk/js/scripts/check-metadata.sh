#!/usr/bin/env bash
# Checks that the committed metadata the PAPI descriptors are generated from
# (.papi/metadata/mpool.scale) is the built runtime's: extracts it again from the runtime wasm
# and compares byte for byte. With --update, keeps the new metadata (and regenerates the
# descriptors) instead: commit the result.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
wasm="${MPOOL_RUNTIME_WASM:-${CARGO_TARGET_DIR:-$root/target}/release/wbuild/micropayment-pool-runtime/micropayment_pool_runtime.compact.compressed.wasm}"
[ -f "$wasm" ] || { echo "error: no runtime wasm at $wasm: build the workspace first" >&2; exit 1; }
cd "$here"
committed="$(mktemp)"
trap 'rm -f "$committed"' EXIT
cp .papi/metadata/mpool.scale "$committed"
npx papi add mpool --wasm "$wasm" --skip-codegen >/dev/null
if [ "${1:-}" = "--update" ]; then
	npx papi generate >/dev/null
	echo "metadata and descriptors regenerated from $wasm"
elif cmp -s "$committed" .papi/metadata/mpool.scale; then
	echo "PAPI metadata: the committed .papi/metadata/mpool.scale is the built runtime's"
else
	cp "$committed" .papi/metadata/mpool.scale
	echo "error: .papi/metadata/mpool.scale differs from the built runtime's metadata;" >&2
	echo "       run 'npm run check:metadata -- --update' in sdk/js and commit .papi" >&2
	exit 1
fi
