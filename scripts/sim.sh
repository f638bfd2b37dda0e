#!/usr/bin/env bash
# The streaming simulator against a fresh dev node: the pool, pool + batch settlement and
# payment-channel modes side by side, double spending by a viewer and its sock puppets with
# every strategy (drain, self-voucher, sock-puppet-max, slot-filling, last-block) at every
# collateral/deposit ratio, bad peers.
#
#   scripts/sim.sh              # the documented run (about 11 minutes, real time), into a
#                               # temporary directory
#   scripts/sim.sh --update-docs  # the same, writing docs/results/ and the summary in
#                               # docs/results.md
#   scripts/sim.sh --smoke      # a short run of every mode, and of every double-spending
#                               # strategy once at C/D = 1.5, into a temporary directory
#                               # (~3 min), as scripts/test.sh runs it
#   scripts/sim.sh -- ARGS...   # your own `mpool-sim stream` arguments
#
# MPOOL_CHAIN=para runs it on the dev parachain (mpool-para-node --dev) instead; with
# --update-docs it writes docs/results/para/ and the parachain section of docs/results.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
source scripts/lib/node.sh
mpool_export_wasm_env

case "${1:-}" in
	--smoke)
		out="$(mktemp -d)"
		args=(--viewers 3 --peers 6 --bad-peers 2 --session 200 --time-scale 0.1 --double-spend 1.5 --out "$out")
		;;
	--)
		shift
		args=("$@")
		;;
	"")
		args=(--viewers 8 --peers 16 --bad-peers 2 --session 600 --time-scale 1 --out "$(mktemp -d)")
		;;
	--update-docs)
		if [ "${MPOOL_CHAIN:-solo}" = para ]; then
			mkdir -p docs/results/para
			out=docs/results/para section=mpool-sim-para
		else
			out=docs/results section=mpool-sim
		fi
		args=(--viewers 8 --peers 16 --bad-peers 2 --session 600 --time-scale 1 --out "$out")
		;;
	*)
		echo "usage: scripts/sim.sh [--smoke | --update-docs | -- mpool-sim stream args]" >&2
		exit 2
		;;
esac
# Pools are sized in blocks: tell the simulator the chain's block time (omni-node's dev mode
# seals every 3 s).
if [ "${MPOOL_CHAIN:-solo}" = para ]; then
	args=(--block-secs 3 "${args[@]}")
fi
if [ -z "${MPOOL_SKIP_BUILD:-}" ]; then
	mpool_build
fi
bash scripts/setup.sh >/dev/null
logfile="$(mktemp -t mpool-sim-node.XXXXXX.log)"
mpool_start_dev_node "$logfile"
sim="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/mpool-sim"
log "mpool-sim stream ${args[*]}"
"$sim" stream "${args[@]}"
if [ -n "${section:-}" ]; then
	log "docs/results.md: section $section"
	"$sim" results-md docs/results.md --section "$section" --from "$out/stream-summary.md"
fi
