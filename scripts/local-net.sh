#!/usr/bin/env bash
# A two-validator `local` chain on loopback: Alice (RPC ws://127.0.0.1:9944, p2p 30333) and Bob
# (RPC ws://127.0.0.1:9945, p2p 30334). Both must run to finalize. Ctrl-C stops both. Light
# clients reach them over WebSocket p2p on 127.0.0.1:30343 and :30344
# (`node scripts/lib/light-spec.mjs --chain local --node ... --rpc-port 9944`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/lib/env.sh
mpool_export_wasm_env
mpool_build
bin="${CARGO_TARGET_DIR:-target}/release/mpool-node"
base="$(mktemp -d -t mpool-local-XXXX)"
pids=()
stop() {
	trap - INT TERM EXIT
	log "stopping validators"
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait || true
	rm -rf "$base"
}
trap stop INT TERM EXIT
# Alice's node key is fixed so that Bob can find her at a known peer id.
"$bin" --chain local --alice --base-path "$base/alice" --rpc-port 9944 \
	--listen-addr /ip4/0.0.0.0/tcp/30333 --listen-addr /ip4/127.0.0.1/tcp/30343/ws \
	--node-key 0000000000000000000000000000000000000000000000000000000000000001 \
	--no-mdns --no-prometheus > >(sed -u 's/^/[alice] /') 2>&1 &
pids+=($!)
"$bin" --chain local --bob --base-path "$base/bob" --rpc-port 9945 \
	--listen-addr /ip4/0.0.0.0/tcp/30334 --listen-addr /ip4/127.0.0.1/tcp/30344/ws \
	--node-key 0000000000000000000000000000000000000000000000000000000000000002 \
	--bootnodes /ip4/127.0.0.1/tcp/30333/p2p/12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp \
	--no-mdns --no-prometheus > >(sed -u 's/^/[bob]   /') 2>&1 &
pids+=($!)
log "alice: ws://127.0.0.1:9944  bob: ws://127.0.0.1:9945  (Ctrl-C stops both)"
wait -n "${pids[@]}" # a validator that dies takes the network down with it
