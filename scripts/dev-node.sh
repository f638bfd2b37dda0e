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
# 9944 unless the caller names its own port (the node refuses `--rpc-port` twice). On the
# solochain, p2p on 30333 and, for light clients (smoldot in a browser; docs/light-client.md),
# WebSocket p2p on 127.0.0.1:30343, unless the caller names its own p2p addresses.
port=9944
default_port=(--rpc-port 9944)
default_p2p=()
[ "${MPOOL_CHAIN:-solo}" = solo ] && default_p2p=(--listen-addr /ip4/0.0.0.0/tcp/30333 --listen-addr /ip4/127.0.0.1/tcp/30343/ws)
# mpool-node sizes its transaction pool for a minute of the paper's load itself
# (node/src/cli.rs); omni-node-lib offers no such hook, so the parachain gets the same as flags.
default_pool=()
[ "${MPOOL_CHAIN:-solo}" = para ] && default_pool=(--pool-limit 75000 --pool-kbytes 65536)
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case "${args[i]}" in
		--rpc-port=*) port="${args[i]#--rpc-port=}" default_port=() ;;
		--rpc-port) port="${args[i + 1]:-9944}" default_port=() ;;
		--port | --port=* | --listen-addr | --listen-addr=*) default_p2p=() ;;
		--pool-limit | --pool-limit=* | --pool-kbytes | --pool-kbytes=*) default_pool=() ;;
	esac
done
log "polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A${port}#/extrinsics"
if [ ${#default_p2p[@]} -gt 0 ]; then
	log "light-client chain spec: node scripts/lib/light-spec.mjs --node $(mpool_node_bin) --rpc-port ${port} > spec.json"
fi
exec "$(mpool_node_bin)" --dev "${default_port[@]}" "${default_p2p[@]}" "${default_pool[@]}" "$@"
