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
	case "$(mpool_wasm_route)" in
		rustup) unset WASM_BUILD_TOOLCHAIN ;;
		debian) export WASM_BUILD_TOOLCHAIN="$MPOOL_WASM_TOOLCHAIN_NAME" ;;
		*) echo "error: no wasm toolchain; run scripts/setup.sh first" >&2; return 1 ;;
	esac
}

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

# Builds every binary (node, mpool, mpool-sim) and every test of the workspace in release, in one
# cargo invocation: one feature resolution, so the node, the tests and the tools share one build
# of polkadot-sdk (building them separately would compile the SDK twice). The first build takes
# about 20 minutes on 2 cores; after that, seconds.
mpool_build() {
	log "cargo build --release --workspace --bins --tests"
	cargo build --release --locked --workspace --bins --tests
}
