#!/usr/bin/env bash
# The solochain node is built in its own cargo invocation so that it links no RocksDB (see
# mpool_build in scripts/lib/env.sh and the feature-parity lines of node/Cargo.toml). This check
# fails when that stops being true or stops being cheap:
#   1. every compilation unit of the node's build (crate, target, mode, profile, features) is one
#      the workspace build already made, except sc-client-db, sc-service, sc-cli (which lose
#      `rocksdb`) and the node itself; otherwise the node's build would silently compile much of
#      polkadot-sdk a second time. Cargo's unit graph is the exact answer (`cargo tree` merges
#      host and target features); RUSTC_BOOTSTRAP only lets stable cargo print it.
#   2. the built `mpool-node` binary (if present) contains no RocksDB symbol.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
mpool_export_wasm_env
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
units() { RUSTC_BOOTSTRAP=1 cargo build --release --locked "$@" --unit-graph -Z unstable-options; }
units --workspace --exclude micropayment-pool-node --bins --tests >"$work/workspace.json"
units -p micropayment-pool-node >"$work/node.json"
python3 - "$work/workspace.json" "$work/node.json" <<'PY'
import json, sys
def units(path):
    out = {}
    for u in json.load(open(path))['units']:
        name = u['pkg_id'].split('#')[-1]
        key = (name, u['target']['name'], tuple(u['target']['kind']), u['mode'], u['profile']['opt_level'])
        out.setdefault(key, set()).add(tuple(sorted(u['features'])))
    return out
workspace, node = units(sys.argv[1]), units(sys.argv[2])
allowed = ('sc-client-db@', 'sc-service@', 'sc-cli@', 'micropayment-pool-node@')
drift = [(k, v - workspace.get(k, set())) for k, v in sorted(node.items())
         if v - workspace.get(k, set()) and not k[0].startswith(allowed)]
for key, features in drift:
    print(f'drift: {key}: node build needs {sorted(map(list, features))}, '
          f'workspace build has {sorted(map(list, workspace.get(key, set())))}')
if drift:
    sys.exit('feature parity: update the feature-parity lines of node/Cargo.toml')
print(f'feature parity: {len(node)} units of the node build, all but sc-client-db/sc-service/sc-cli and the node shared with the workspace build')
PY
bin="$(mpool_release_dir)/mpool-node"
if [ -x "$bin" ]; then
	count="$(nm -C "$bin" 2>/dev/null | grep -ci rocksdb || true)"
	if [ "$count" != 0 ]; then
		echo "error: $bin has $count RocksDB symbols" >&2
		exit 1
	fi
	echo "mpool-node: no RocksDB symbol ($(nm "$bin" | wc -l) symbols)"
fi
