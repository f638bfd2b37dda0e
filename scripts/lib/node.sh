# shellcheck shell=bash
# Sourced by scripts that need a running dev node: starts `mpool-node --dev` (or, with
# MPOOL_CHAIN=para, `mpool-para-node --dev`) on free loopback ports, waits until its RPC answers,
# exports MPOOL_URL, and stops it when the script exits (a script with its own EXIT trap calls
# mpool_stop_dev_node from it).
#
#   mpool_start_dev_node LOGFILE [extra node args...]
#
# MPOOL_NODE_BIN and MPOOL_BIN override the release binaries of the target dir.

mpool_free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

mpool_stop_dev_node() {
	if [ -n "${MPOOL_NODE_PID:-}" ]; then
		kill "$MPOOL_NODE_PID" 2>/dev/null || true
		wait "$MPOOL_NODE_PID" 2>/dev/null || true
		MPOOL_NODE_PID=""
	fi
}

mpool_start_dev_node() {
	local log="$1"
	shift
	local node_bin mpool_bin
	node_bin="$(mpool_node_bin)"
	mpool_bin="${MPOOL_BIN:-$(mpool_release_dir)/mpool}"
	local port p2p
	port="$(mpool_free_port)"
	p2p="$(mpool_free_port)"
	"$node_bin" --dev --tmp --rpc-port "$port" --port "$p2p" --no-prometheus \
		--no-telemetry --no-mdns "$@" >"$log" 2>&1 &
	MPOOL_NODE_PID=$!
	trap mpool_stop_dev_node EXIT
	export MPOOL_URL="ws://127.0.0.1:$port"
	# Its p2p port, for a second node to dial.
	export MPOOL_P2P_PORT="$p2p"
	local code
	for _ in $(seq 1 240); do
		code=0
		"$mpool_bin" pool show 18446744073709551615 >/dev/null 2>&1 || code=$?
		# 4: "no such pool", so the node answered.
		if [ "$code" = 4 ]; then
			log "dev node up on $MPOOL_URL (log: $log)"
			return 0
		fi
		kill -0 "$MPOOL_NODE_PID" 2>/dev/null || { echo "error: the node exited; see $log" >&2; return 1; }
		sleep 0.5
	done
	echo "error: the node's RPC did not come up; see $log" >&2
	return 1
}
