#!/usr/bin/env bash
# The README's test command: setup, then every test — unit and runtime tests (both wasm runtimes
# built), the pallet's benchmarks as tests, the JS SDK's unit tests, the end-to-end and fault
# suites against the real solochain node and the dev parachain with @polkadot/api, polkadot-api
# and smoldot, the streaming demo in headless Chromium, the `mpool` CLI round on both chains and
# a short run of the streaming simulator. Everything builds in the release profile, so the
# nodes and the tests share one build of polkadot-sdk.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/lib/env.sh
mpool_export_wasm_env
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

output="$(mktemp)"
trap 'rm -f "$output"' EXIT
# Runs a test command, keeping its output for the total at the end.
run_tests() {
	"$@" 2>&1 | tee -a "$output"
}

mpool_build
release="$(mpool_release_dir)"

log "feature parity of the solochain node's own build; no RocksDB in mpool-node"
bash scripts/check-feature-parity.sh

log "the client library (micropayment-pool-client) compiles no runtime, no FRAME, no wasm builder, no sp-runtime/sp-io, no TLS by default and none of the tools' dependencies"
if cargo tree --locked -p micropayment-pool-client -e normal,build |
	grep -E " (micropayment-pool-runtime|micropayment-pool-para-runtime|substrate-wasm-builder|frame-support|frame-system|pallet-[a-z-]+|sp-runtime|sp-io|sp-state-machine|rustls|ring|clap|plotters|indicatif|csv) v"; then
	echo "error: the client library depends on the crates above" >&2
	exit 1
fi

# Packaged as crates.io would receive them, together (each one's dependencies on the others
# resolve to the packages made in the same run). Not rebuilt from the tarballs (`--no-verify`):
# the workspace build above compiles these same sources in release; a verifying build would
# compile the FRAME graph a second time, in the debug profile, on top of a cold CI path measured
# at 71-82 of its 90 minutes.
libraries=(micropayment-pool-primitives micropayment-pool-handshake pallet-micropayment-pool
	pallet-micropayment-pool-runtime-api micropayment-pool-client)
log "cargo package: the library crates ${libraries[*]} (manifests, versions, files, licences)"
cargo package --locked --no-verify --allow-dirty --quiet "${libraries[@]/#/-p}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)" # [workspace.package]
for crate in "${libraries[@]}"; do
	tarball="${CARGO_TARGET_DIR:-target}/package/$crate-$version.crate"
	files="$(tar -tzf "$tarball")"
	for file in LICENSE README.md Cargo.toml src/lib.rs; do
		grep -qx "$crate-$version/$file" <<<"$files" || { echo "error: $tarball lacks $file" >&2; exit 1; }
	done
	echo "packaged $crate: $(wc -l <<<"$files") files, $(du -k "$tarball" | cut -f1) KiB"
done

# (The solochain node has no tests; leaving it out keeps this invocation's features the build's.)
# The adversary runs once, below, at full count.
log "cargo test --release --workspace (primitives, pallet, runtimes, client, the peer policy and its vectors)"
run_tests cargo test --release --locked --workspace --exclude micropayment-pool-node -- --skip adversary::theorem

# The adversary searches 4 x 25,000 = 100,000 cases: coalitions against honest peers that run
# the peer policy; each shard prints how often its cases forfeited, did not, and tried a stale
# bundle, and fails if a branch is below 20 %.
log "pallet tests with runtime-benchmarks and try-runtime (benchmarks run as tests; the adversary at 100,000 cases)"
MPOOL_ADVERSARY_CASES="${MPOOL_ADVERSARY_CASES:-25000}" run_tests cargo test --release --locked \
	-p pallet-micropayment-pool --features runtime-benchmarks,try-runtime -- --show-output

log "JS SDK (sdk/js): wasm handshake checker, unit tests, the packed tarball installed alone"
(
	mpool_npm_ci
	cd sdk/js
	# Its descriptors from client/metadata (which runtime/tests/metadata.rs checked above); npm
	# ci made them, this remakes them if the metadata changed since.
	npx papi generate >/dev/null
	bash scripts/build-wasm.sh
	run_tests npm test
	bash scripts/pack-check.sh
)

log "end-to-end: the dev node and the two-validator local chain, driven by @polkadot/api, PAPI, smoldot and the mpool CLI"
MPOOL_NODE_BIN="$release/mpool-node" run_tests bash scripts/e2e.sh

log "headless Chromium (examples/web): the demo's peers on smoldot light clients, one bad; hls.js paying three mpool-peer daemons, one corrupting, one killed"
MPOOL_NODE_BIN="$release/mpool-node" MPOOL_PEER_BIN="$release/mpool-peer" run_tests bash scripts/web-demo.sh --test

log "end-to-end on the dev parachain (mpool-para-node --dev): dev, api, restart suites and the mpool CLI round"
MPOOL_CHAIN=para MPOOL_NODE_BIN="$release/mpool-para-node" run_tests bash scripts/e2e.sh

log "streaming simulator smoke run: pool, pool + batch, channel; double spend; bad peers"
MPOOL_SKIP_BUILD=1 run_tests bash scripts/sim.sh --smoke

# cargo prints `test result: ... N passed; M failed`, node's runner `# pass N` / `# fail M`.
sum() { grep -oE "$1" "$output" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}'; }
passed=$(($(sum '[0-9]+ passed;') + $(sum '^ℹ pass [0-9]+')))
failed=$(($(sum '[0-9]+ failed;') + $(sum '^ℹ fail [0-9]+')))
log "all tests passed"
echo "total: ${passed} passed, ${failed} failed"
