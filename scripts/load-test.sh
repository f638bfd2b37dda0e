#!/usr/bin/env bash
# Load test (issue E): pushes pre-signed settlements into a fresh dev node at a target rate for
# 60 s, first as `settleBatch`es of 256 vouchers, then as single `settle`s.
#
#   scripts/load-test.sh [RATE] [SECONDS]      # default 1250 vouchers/s for 60 s; CSV and plots
#                                              # in a temporary directory
#   MPOOL_UPDATE_DOCS=1 scripts/load-test.sh   # the same, recording the figures in
#                                              # docs/results.md and docs/results/
#
# The node's transaction pool is raised (--pool-limit, --pool-kbytes) so a backlog queues
# instead of being dropped; its log goes to the report for the block build times.
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
if [ -n "${MPOOL_UPDATE_DOCS:-}" ]; then
	out=(--out docs/results --results-md docs/results.md)
else
	out=(--out "$(mktemp -d)")
fi
status=0
for mode in batch single; do
	logfile="$(mktemp -t mpool-load-node.XXXXXX.log)"
	mpool_start_dev_node "$logfile" --pool-limit 200000 --pool-kbytes 1048576 --rpc-max-connections 1000
	log "mpool-sim load --mode $mode --rate $rate --duration $seconds"
	"$sim" load --mode "$mode" --rate "$rate" --duration "$seconds" --node-log "$logfile" \
		"${out[@]}" || status=$?
	kill "$MPOOL_NODE_PID"
	wait "$MPOOL_NODE_PID" 2>/dev/null || true
done
exit $status
