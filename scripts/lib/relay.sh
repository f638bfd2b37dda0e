# shellcheck shell=bash
# Sourced by relay-net.sh and relay-test.sh: builds (or finds) mpool-para-node and the relay
# binaries, installs scripts/e2e's npm packages (zombienet among them), and puts the binaries on
# PATH for zombienet's native provider.
mpool_relay_prepare() {
	mpool_export_wasm_env
	local para="${MPOOL_PARA_NODE_BIN:-}"
	if [ -z "$para" ]; then
		# The workspace build (a no-op when CI's target dir is warm): `-p` alone would resolve
		# other features and rebuild shared crates.
		mpool_build
		para="$(mpool_release_dir)/mpool-para-node"
	fi
	local relay
	relay="$(scripts/relay-bins.sh)"
	mpool_npm_ci
	# zombienet runs `polkadot` and `mpool-para-node` by name.
	local bin
	bin="$(mktemp -d)"
	ln -s "$para" "$bin/mpool-para-node"
	export PATH="$bin:$relay:$PATH"
	log "relay: $(polkadot --version); para: $(mpool-para-node --version)"
}
