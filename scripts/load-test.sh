#!/usr/bin/env bash
# Load test: pushes pre-signed settlements into a fresh dev node at a target rate for 60 s,
# first as `settleBatch`es of 256 vouchers, then as single `settle`s.
#
#   scripts/load-test.sh [RATE] [SECONDS]      # default 1250 vouchers/s for 60 s; CSV and plots
#                                              # in a temporary directory
#   MPOOL_UPDATE_DOCS=1 scripts/load-test.sh   # the same, recording the figures in
#                                              # docs/results/ and then, as an explicit last step
#                                              # (`mpool-sim results-md`), in docs/results.md
#   MPOOL_RESULTS_SECTION=NAME                 # ... in that section instead of mpool-load-<mode>
#                                              # (CSV and plots then in a temporary directory)
#   MPOOL_LOAD_MODES=single scripts/load-test.sh   # one mode only
#   MPOOL_LOAD_ARGS="--targets 300" scripts/load-test.sh   # more `mpool-sim load` arguments (here
#                                              # one batch per peer: every voucher a first settlement)
#   MPOOL_LOAD_STATE=0 scripts/load-test.sh    # on the bare dev chain instead of the default state
#                                              # of 100,000 pools (scripts/bench/bench-state.mjs)
#
# The paper's workload: each pool's owner is an account of its own (`--pools-per-owner 1`, the
# simulator's default), and the chain already holds MPOOL_LOAD_STATE (default 100,000) pools, each
# with its owner, a paid peer and their records, so reads and writes go through a trie of a busy
# chain's depth rather than a near-empty one.
#
# The node's transaction pool is raised (--pool-limit, --pool-kbytes) so a backlog queues
# instead of being dropped; its log goes to the report for the block build times. A second node
# (not an authority) follows the author over p2p and imports every block it builds, as any full
# node of the network would: its Prometheus metrics give each block's import time.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
source scripts/lib/node.sh
mpool_export_wasm_env
rate="${1:-1250}"
seconds="${2:-60}"
if [ -z "${MPOOL_SKIP_BUILD:-}" ]; then
	mpool_build
fi
sim="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/mpool-sim"
# docs/results/ holds the CSV and plots of the default sections (mpool-load-<mode>); a run for
# another section (MPOOL_RESULTS_SECTION) keeps its own in a temporary directory.
if [ -n "${MPOOL_UPDATE_DOCS:-}" ] && [ -z "${MPOOL_RESULTS_SECTION:-}" ]; then
	out_dir=docs/results
else
	out_dir="$(mktemp -d)"
fi
out=(--out "$out_dir")
# The author's p2p identity, so the importer can dial it (the key of //Alice's node in the e2e
# suites; a test key, never a real node's).
author_key=0000000000000000000000000000000000000000000000000000000000000001
author_peer=12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp
pool=(--pool-limit 200000 --pool-kbytes 1048576)
state_pools="${MPOOL_LOAD_STATE:-100000}"
chain=(--chain dev)
if [ "$state_pools" != 0 ]; then
	mpool_npm_ci
	work="$(mktemp -d "${TMPDIR:-/tmp}/mpool-load.XXXXXX")"
	log "dev chain spec plus $state_pools pools (scripts/bench/bench-state.mjs) in $work"
	"$(mpool_node_bin)" build-spec --chain dev --raw 2>/dev/null >"$work/dev-raw.json"
	node scripts/bench/bench-state.mjs "$work/dev-raw.json" "$work/state.json" "$state_pools"
	rm "$work/dev-raw.json"
	chain=(--chain "$work/state.json")
fi
# MPOOL_LOAD_LOG adds a log filter to the author (e.g. `txpool=debug`).
author_log=(${MPOOL_LOAD_LOG:+-l "$MPOOL_LOAD_LOG"})
importer_pid=""
stop_importer() {
	if [ -n "$importer_pid" ]; then
		kill "$importer_pid" 2>/dev/null || true
		wait "$importer_pid" 2>/dev/null || true
		importer_pid=""
	fi
}
status=0
for mode in ${MPOOL_LOAD_MODES:-batch single}; do
	logfile="$(mktemp -t mpool-load-node.XXXXXX.log)"
	mpool_start_dev_node "$logfile" "${chain[@]}" "${pool[@]}" --rpc-max-connections 1000 --node-key "$author_key" \
		"${author_log[@]}"
	trap 'stop_importer; mpool_stop_dev_node' EXIT # after mpool_start_dev_node, which sets its own
	importer_log="$(mktemp -t mpool-load-importer.XXXXXX.log)"
	metrics="$(mpool_free_port)"
	"$(mpool_node_bin)" "${chain[@]}" --tmp --port "$(mpool_free_port)" --rpc-port "$(mpool_free_port)" \
		--prometheus-port "$metrics" --no-telemetry --no-mdns "${pool[@]}" \
		--bootnodes "/ip4/127.0.0.1/tcp/$MPOOL_P2P_PORT/p2p/$author_peer" >"$importer_log" 2>&1 &
	importer_pid=$!
	for _ in $(seq 1 120); do
		(exec 3<>"/dev/tcp/127.0.0.1/$metrics") 2>/dev/null && break
		kill -0 "$importer_pid" 2>/dev/null || { echo "error: the importer exited; see $importer_log" >&2; exit 1; }
		sleep 0.5
	done
	log "importer node up (metrics on :$metrics, log: $importer_log)"
	log "mpool-sim load --mode $mode --rate $rate --duration $seconds"
	# shellcheck disable=SC2086 # MPOOL_LOAD_ARGS is a list of arguments
	"$sim" load --mode "$mode" --rate "$rate" --duration "$seconds" --node-log "$logfile" \
		--importer-metrics "http://127.0.0.1:$metrics/metrics" "${out[@]}" ${MPOOL_LOAD_ARGS:-} || status=$?
	stop_importer
	mpool_stop_dev_node
	if [ -n "${MPOOL_UPDATE_DOCS:-}" ]; then
		log "docs/results.md: section ${MPOOL_RESULTS_SECTION:-mpool-load-$mode}"
		"$sim" results-md docs/results.md --section "${MPOOL_RESULTS_SECTION:-mpool-load-$mode}" \
			--from "$out_dir/load-$mode-summary.md"
	fi
done
exit $status
