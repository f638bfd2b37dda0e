#!/usr/bin/env bash
# Installs everything the build needs. Idempotent and non-interactive: a second
# run checks, finds everything in place and returns in seconds.
#
#   scripts/setup.sh                   # rustup's wasm32v1-none if it can be had, else Debian's
#   MPOOL_FORCE_DEBIAN_WASM=1 scripts/setup.sh   # always take the Debian route
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/env.sh"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
APT_UPDATED=""
apt_install() {
	local missing=()
	for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "apt-get install ${missing[*]}"
	if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# 1. System packages: protoc for sc-network (litep2p); a TrueType font for the simulator's
#    plots; SQLite for the peer's voucher store (linked, not compiled); openssl for the
#    certificate of the peer daemon's HTTPS test.
apt_install protobuf-compiler pkg-config ca-certificates fonts-dejavu-core libsqlite3-dev openssl
# libclang for bindgen: librocksdb-sys (the parachain node's RocksDB) generates its bindings.
apt_install libclang-dev
# Headless Chromium for the browser tests (examples/web, driven by playwright-core), and ffmpeg
# for the HLS stream the player test makes.
apt_install chromium ffmpeg

# 1b. Node.js >= 20.10 and npm for the JS end-to-end tests: the node on PATH if recent enough
#     (env.sh already put an earlier install of this step first if it was not); else the distro's
#     nodejs if recent enough (Debian 12's is 18); else npm's node-linux-<arch> package, pinned
#     to an LTS release, with a pinned npm, installed from the npm registry into
#     $MPOOL_NODE_HOME/<version> and linked as $MPOOL_NODE_HOME/current (see env.sh).
MPOOL_NODE_PIN="24.21.0"
MPOOL_NPM_PIN="11.21.2"
setup_node() {
	mpool_node_ok && command -v npm >/dev/null && return 0
	if ! command -v npm >/dev/null; then
		apt_install nodejs npm
		hash -r
		mpool_node_ok && return 0
	fi
	local arch dir="$MPOOL_NODE_HOME/$MPOOL_NODE_PIN"
	case "$(uname -m)" in
		x86_64 | amd64) arch=x64 ;;
		aarch64 | arm64) arch=arm64 ;;
		*) echo "error: no node-linux package for $(uname -m); install Node.js >= 20.10 yourself" >&2; return 1 ;;
	esac
	if ! mpool_node_ok "$dir/node_modules/.bin/node" || [ ! -e "$dir/node_modules/.bin/npm" ]; then
		log "npm install node-linux-$arch@$MPOOL_NODE_PIN npm@$MPOOL_NPM_PIN into $dir (node on PATH: $(node --version 2>/dev/null || echo none), need >= 20.10)"
		rm -rf "$dir"
		mkdir -p "$dir"
		npm install --prefix "$dir" --no-save --no-audit --no-fund --ignore-scripts --loglevel=error \
			"node-linux-$arch@$MPOOL_NODE_PIN" "npm@$MPOOL_NPM_PIN" >/dev/null
	fi
	ln -sfn "$MPOOL_NODE_PIN" "$MPOOL_NODE_HOME/current"
	mpool_node_path
	if ! mpool_node_ok; then
		echo "error: $dir/node_modules/.bin/node does not run as Node.js >= 20.10" >&2
		return 1
	fi
	log "node $(node --version) from $MPOOL_NODE_HOME/current (scripts/lib/env.sh puts it first on PATH)"
}
setup_node

# 2. Host Rust toolchain.
if ! command -v cargo >/dev/null; then
	echo "error: cargo not found; install Rust with rustup (https://rustup.rs) first" >&2
	exit 1
fi
# The version rust-toolchain.toml pins, before anything below asks rustup inside the workspace.
source "$(dirname "${BASH_SOURCE[0]}")/lib/toolchain.sh"
mpool_ensure_toolchain

# 3. The wasm toolchain.
debian_route() {
	apt_install rustc-web cargo-web rust-web-src lld-22
	if ! ls "$MPOOL_WASM_SYSROOT"/libcore-*.rlib >/dev/null 2>&1 ||
		[ "$(cat "$MPOOL_WASM_SYSROOT/.mpool-rustc" 2>/dev/null)" != "$(/usr/bin/rustc --version)" ]; then
		log "building the wasm32v1-none sysroot (core, alloc, compiler_builtins) with $(/usr/bin/rustc --version)"
		local work
		work="$(mktemp -d)"
		mkdir -p "$work/src"
		cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "mpool-sysroot-seed"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[profile.release]
lto = true
panic = "abort"
TOML
		echo '#![no_std]' >"$work/src/lib.rs"
		(cd "$work" && RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTFLAGS="-Cembed-bitcode=yes" \
			/usr/bin/cargo build -q --release -Zbuild-std=core,alloc --target wasm32v1-none)
		$SUDO mkdir -p "$MPOOL_WASM_SYSROOT"
		$SUDO rm -f "$MPOOL_WASM_SYSROOT"/*.rlib
		find "$work/target/wasm32v1-none/release/deps" -name 'lib*.rlib' ! -name 'libmpool_sysroot_seed*' \
			-exec $SUDO cp {} "$MPOOL_WASM_SYSROOT/" \;
		/usr/bin/rustc --version | $SUDO tee "$MPOOL_WASM_SYSROOT/.mpool-rustc" >/dev/null
		rm -rf "$work"
	fi
	if ! rustup toolchain list | grep -q "^${MPOOL_WASM_TOOLCHAIN_NAME}"; then
		log "rustup toolchain link $MPOOL_WASM_TOOLCHAIN_NAME /usr"
		rustup toolchain link "$MPOOL_WASM_TOOLCHAIN_NAME" /usr
	fi
}

if [ -z "${MPOOL_FORCE_DEBIAN_WASM:-}" ] && ! rustup target list --installed | grep -qx wasm32v1-none; then
	log "rustup target add wasm32v1-none"
	timeout 180 rustup target add wasm32v1-none >/dev/null 2>&1 || log "rustup could not fetch wasm32v1-none; using Debian's toolchain"
fi
if [ -n "${MPOOL_FORCE_DEBIAN_WASM:-}" ] || ! rustup target list --installed | grep -qx wasm32v1-none; then
	debian_route
fi

mpool_export_wasm_env
log "wasm route: $(mpool_wasm_route)${WASM_BUILD_TOOLCHAIN:+ (WASM_BUILD_TOOLCHAIN=$WASM_BUILD_TOOLCHAIN)}"
log "setup done; the scripts in scripts/ export what the build needs themselves"
