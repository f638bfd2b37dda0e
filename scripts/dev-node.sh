#!/usr/bin/env bash
# README command 1: a local dev chain (Aura + GRANDPA, one validator: Alice, state in a temporary
# directory) with RPC on ws://127.0.0.1:9944. Builds the node first if needed. Extra arguments go
# to the node, e.g. `scripts/dev-node.sh --rpc-port 9955`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/lib/env.sh
mpool_export_wasm_env
mpool_build
log "polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944#/extrinsics"
exec "${CARGO_TARGET_DIR:-target}/release/mpool-node" --dev --rpc-port 9944 "$@"
