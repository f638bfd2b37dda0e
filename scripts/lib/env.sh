# shellcheck shell=bash
# Sourced by the other scripts: finds the toolchain that builds the wasm runtime.
#
# Two routes, both prepared by scripts/setup.sh:
#   rustup  - the default toolchain has the `wasm32v1-none` target installed;
#   debian  - Debian's rustc-web 1.96 linked into rustup as `mpool-wasm`, with a
#             `wasm32v1-none` sysroot built by setup.sh from rust-web-src.
MPOOL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MPOOL_WASM_TOOLCHAIN_NAME="mpool-wasm"
MPOOL_WASM_SYSROOT="/usr/lib/rustlib/wasm32v1-none/lib"
export PATH="$HOME/.cargo/bin:$PATH"

# Node.js for the JS end-to-end tests (scripts/e2e) and the scripts' port picker: >= 20.10
# (`node --test --test-concurrency`). If the node on PATH is missing or older, scripts/setup.sh
# installs npm's `node-linux-<arch>` package (and npm) into $MPOOL_NODE_HOME/<version>, links
# $MPOOL_NODE_HOME/current to it, and sourcing this file puts that node first on PATH.
MPOOL_NODE_HOME="${MPOOL_NODE_HOME:-$HOME/.cache/mpool-node}"

# True if `node` (or the node binary $1) is Node.js >= 20.10.
mpool_node_ok() {
	local v major minor
	v="$("${1:-node}" --version 2>/dev/null)" || return 1
	v="${v#v}"
	major="${v%%.*}"
	minor="${v#*.}"
	minor="${minor%%.*}"
	[[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
	[ "$major" -gt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -ge 10 ]; }
}

# Puts setup.sh's node (and its npm) first on PATH, unless the node already there will do.
mpool_node_path() {
	local bin="$MPOOL_NODE_HOME/current/node_modules/.bin"
	if [ -x "$bin/node" ] && ! mpool_node_ok; then
		export PATH="$bin:$PATH"
		hash -r
	fi
	return 0
}
mpool_node_path

# Installs the repository's one npm workspace (sdk/js, scripts/e2e, examples/web; versions pinned
# in the root package-lock.json) unless it is installed and newer than the lock file. npm runs
# the SDK's `prepare` (its polkadot-api descriptors) as part of it.
mpool_npm_ci() {
	(
		cd "$MPOOL_ROOT"
		[ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || {
			log "npm ci (the workspace of package.json; versions pinned in package-lock.json)"
			npm ci --no-audit --no-fund --loglevel=error
		}
	)
}

mpool_wasm_route() {
	if [ -z "${MPOOL_FORCE_DEBIAN_WASM:-}" ] && rustup target list --installed 2>/dev/null | grep -qx wasm32v1-none; then
		echo rustup
	elif rustup toolchain list 2>/dev/null | grep -q "^${MPOOL_WASM_TOOLCHAIN_NAME}" &&
		ls "$MPOOL_WASM_SYSROOT"/libcore-*.rlib >/dev/null 2>&1; then
		echo debian
	else
		echo none
	fi
}

mpool_export_wasm_env() {
	# With CARGO_TARGET_DIR outside the clone, the wasm builder must still find our Cargo.lock.
	# (Not otherwise: the hint also applies to dependencies' runtimes, which it cannot find.)
	if [ -n "${CARGO_TARGET_DIR:-}" ]; then export WASM_BUILD_WORKSPACE_HINT="$MPOOL_ROOT"; fi
	# frame-benchmarking-cli (in omni-node-lib) carries a test runtime whose wasm build would
	# track that hint, i.e. the clone's path: every fresh clone would rebuild it and, after it,
	# frame-benchmarking-cli, polkadot-cli and omni-node-lib (~15 min on 2 cores). Only
	# `benchmark storage`'s in-runtime validation mode uses that wasm.
	export SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1
	case "$(mpool_wasm_route)" in
		rustup) unset WASM_BUILD_TOOLCHAIN ;;
		debian) export WASM_BUILD_TOOLCHAIN="$MPOOL_WASM_TOOLCHAIN_NAME" ;;
		*) echo "error: no wasm toolchain; run scripts/setup.sh first" >&2; return 1 ;;
	esac
}

# Progress lines carry the minutes and seconds since the first script of the run started.
: "${MPOOL_T0:=$(date +%s)}"
export MPOOL_T0
log() {
	local t=$(($(date +%s) - MPOOL_T0))
	printf '\033[1;34m==>\033[0m [%d:%02d] %s\n' $((t / 60)) $((t % 60)) "$*"
}

# The release dir of the cargo target dir.
mpool_release_dir() {
	echo "$(cd "${CARGO_TARGET_DIR:-$MPOOL_ROOT/target}" && pwd)/release"
}

# The node binary of the chain a script runs against: MPOOL_CHAIN=solo (the default:
# `mpool-node`) or MPOOL_CHAIN=para (`mpool-para-node`, omni-node's dev mode). MPOOL_NODE_BIN
# overrides either.
mpool_node_bin() {
	case "${MPOOL_CHAIN:-solo}" in
		solo) echo "${MPOOL_NODE_BIN:-$(mpool_release_dir)/mpool-node}" ;;
		para) echo "${MPOOL_NODE_BIN:-$(mpool_release_dir)/mpool-para-node}" ;;
		*) echo "error: MPOOL_CHAIN is solo or para, not '${MPOOL_CHAIN}'" >&2; return 1 ;;
	esac
}

# Builds every binary (both nodes, mpool, mpool-sim) and every test in release, in two cargo
# invocations. The first (everything but the solochain node) is one feature resolution, so the
# parachain node, the tests and the tools share one build of polkadot-sdk. The solochain node is
# built alone so that it neither compiles nor links RocksDB, which the parachain node's
# relay-chain client enables on sp-database/sc-client-db: its `feature-parity` dependencies
# (node/Cargo.toml) give every other crate the first invocation's features, so only sp-database,
# the client crates above it and the node compile again.
mpool_build() {
	log "cargo build --release --workspace --exclude micropayment-pool-node --bins --tests"
	cargo build --release --locked --workspace --exclude micropayment-pool-node --bins --tests
	log "cargo build --release -p micropayment-pool-node (ParityDb only, no RocksDB)"
	cargo build --release --locked -p micropayment-pool-node
}
