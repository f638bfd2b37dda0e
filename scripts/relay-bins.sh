#!/usr/bin/env bash
# Builds (or finds already built) the relay-chain binaries that match this workspace's
# polkadot-sdk release: `polkadot`, `polkadot-prepare-worker` and `polkadot-execute-worker` from
# the crate registry's `polkadot` crate, whose `polkadot-cli` is the one in our Cargo.lock.
#
#   scripts/relay-bins.sh                  # prints the directory holding the three binaries
#   scripts/relay-bins.sh pov-validator    # prints the path of `cumulus-pov-validator` (0.15.0,
#                                          # the one built on this release's sc-executor), which
#                                          # runs a collator's exported PoV through validate_block
#
# They go to a cache directory outside the repository,
#   ${MPOOL_RELAY_HOME:-${XDG_CACHE_HOME:-~/.cache}/mpool-relay}/polkadot-<version>/bin,
# and a second run finds them there and builds nothing. It uses CARGO_TARGET_DIR when set, but
# with the release's own lock file and features little of the workspace's graph is reused (58 min
# on CI's warm target dir). It is a separate cargo invocation on purpose: built together with
# mpool-para-node, feature unification would put the native relay runtimes into the collator.
#
# `fast-runtime`: short relay epochs (what zombienet tests use), so para 2000 is onboarded and
# its blocks finalized within minutes of genesis.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh

# The `polkadot` crate released with the polkadot-cli in our lock file.
polkadot_version="41.0.0"
polkadot_cli="42.0.0"
if ! grep -A1 '^name = "polkadot-cli"$' Cargo.lock | grep -qx "version = \"$polkadot_cli\""; then
	echo "error: Cargo.lock's polkadot-cli is not $polkadot_cli; update polkadot_version here" >&2
	exit 1
fi

home="${MPOOL_RELAY_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/mpool-relay}"
if [ "${1:-}" = pov-validator ]; then
	# 4 min on CI's warm target dir (its sc-executor and wasmtime are the workspace's).
	version="0.15.0"
	tool="$home/cumulus-pov-validator-$version/bin/cumulus-pov-validator"
	if [ ! -x "$tool" ]; then
		log "building cumulus-pov-validator $version into $home" >&2
		cargo install --locked --quiet "cumulus-pov-validator@$version" \
			--root "$home/cumulus-pov-validator-$version" >&2
	fi
	"$tool" --help >/dev/null
	echo "$tool"
	exit 0
fi
root="$home/polkadot-$polkadot_version"
bins=(polkadot polkadot-prepare-worker polkadot-execute-worker)

built() {
	local b
	for b in "${bins[@]}"; do
		[ -x "$root/bin/$b" ] || return 1
	done
	"$root/bin/polkadot" --version >/dev/null 2>&1
}

if built; then
	log "relay binaries found in $root/bin ($("$root/bin/polkadot" --version))" >&2
	echo "$root/bin"
	exit 0
fi

mpool_export_wasm_env
# The hint names our workspace for our runtimes; the relay runtime's wasm builds from the
# registry's crate with its own lock file.
unset WASM_BUILD_WORKSPACE_HINT
log "building polkadot $polkadot_version (fast-runtime) into $root; ~1 h on 2 cores (58 min measured on a warm target dir)" >&2
start=$(date +%s)
# --locked: the versions the release was tested with (its published Cargo.lock).
cargo install --locked --quiet "polkadot@$polkadot_version" --features fast-runtime \
	--root "$root" --bins >&2
log "relay binaries built in $(($(date +%s) - start)) s" >&2
built || {
	echo "error: cargo install finished but $root/bin lacks a working polkadot" >&2
	exit 1
}
echo "$root/bin"
