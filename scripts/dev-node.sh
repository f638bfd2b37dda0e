#!/usr/bin/env bash
# README command 1: a local dev chain (Aura + GRANDPA, one validator: Alice, state in a temporary
# directory) with RPC on ws://127.0.0.1:9944. Builds the node first if needed. Extra arguments go
# to the node, e.g. `scripts/dev-node.sh --rpc-port 9955`. With MPOOL_CHAIN=para (what
# scripts/dev-para.sh sets) it runs `mpool-para-node --dev` instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/lib/env.sh
mpool_export_wasm_env
mpool_build
# 9944 unless the caller names its own port (the node refuses `--rpc-port` twice).
port=9944
default_port=(--rpc-port 9944)
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case "${args[i]}" in
		--rpc-port=*) port="${args[i]#--rpc-port=}" default_port=() ;;
		--rpc-port) port="${args[i + 1]:-9944}" default_port=() ;;
	esac
done
log "polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A${port}#/extrinsics"
exec "$(mpool_node_bin)" --dev "${default_port[@]}" "$@"
