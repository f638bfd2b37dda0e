# The toolchain rust-toolchain.toml pins, made available to rustup before anything runs cargo in
# the workspace. Sourced by scripts/setup.sh (needs `log` from env.sh).
mpool_ensure_toolchain() {
	local root want home host stable
	root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
	want="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$root/rust-toolchain.toml")"
	[ -n "$want" ] || return 0
	# Outside the workspace, so that rustup does not resolve the pin while we look for it.
	if (cd / && rustup toolchain list) | grep -q "^$want-"; then
		return 0
	fi
	home="${RUSTUP_HOME:-$HOME/.rustup}"
	host="$(cd / && rustc +stable -vV | sed -n 's/^host: //p')"
	stable="$(cd / && rustc +stable -V | awk '{print $2}')"
	if [ "$stable" = "$want" ] && [ -d "$home/toolchains/stable-$host" ]; then
		log "rust-toolchain.toml pins $want: rustup's stable is $want, linked under that name"
		ln -sfn "$home/toolchains/stable-$host" "$home/toolchains/$want-$host"
	else
		log "rustup toolchain install $want (pinned by rust-toolchain.toml)"
		(cd / && rustup toolchain install "$want" --profile minimal)
	fi
}
