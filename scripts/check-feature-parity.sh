#!/usr/bin/env bash
# The solochain node is built in its own cargo invocation so that it links no RocksDB (see
# mpool_build in scripts/lib/env.sh and the feature-parity lines of node/Cargo.toml). This check
# fails when that stops being true or stops being cheap:
#   1. no RocksDB crate is in the node's build, and every compilation unit of it (crate, target,
#      mode, profile, features) is one the workspace build already made, except sp-database
#      (which loses `rocksdb`) and the units that depend on it; otherwise the node's build would
#      silently compile more of polkadot-sdk a second time. Cargo's unit graph is the exact answer (`cargo tree` merges
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
def load(path):
    return json.load(open(path))['units']
def key(u):
    return (u['pkg_id'].split('#')[-1], u['target']['name'], tuple(u['target']['kind']),
            u['mode'], u['profile']['opt_level'])
def units(graph):
    out = {}
    for u in graph:
        out.setdefault(key(u), set()).add(tuple(sorted(u['features'])))
    return out
ws_graph, node_graph = load(sys.argv[1]), load(sys.argv[2])
rocks = [key(u)[0] for u in node_graph if 'rocksdb' in key(u)[0]]
if rocks:
    sys.exit(f'the solochain node build compiles RocksDB: {sorted(set(rocks))}')
# Units that are sp-database or depend on it (transitively) may differ: they lose `rocksdb`.
above = set()
changed = True
while changed:
    changed = False
    for i, u in enumerate(node_graph):
        if i in above:
            continue
        if key(u)[0].startswith('sp-database@') or any(d['index'] in above for d in u['dependencies']):
            above.add(i)
            changed = True
workspace = units(ws_graph)
node = units(node_graph)
allowed = {key(node_graph[i]) for i in above} | {k for k in units(node_graph) if k[0].startswith('micropayment-pool-node@')}
drift = [(k, v - workspace.get(k, set())) for k, v in sorted(node.items())
         if v - workspace.get(k, set()) and k not in allowed]
for k, features in drift:
    print(f'drift: {k}: node build needs {sorted(map(list, features))}, '
          f'workspace build has {sorted(map(list, workspace.get(k, set())))}')
if drift:
    sys.exit('feature parity: update the feature-parity lines of node/Cargo.toml')
print(f'feature parity: {len(node)} units of the node build, no RocksDB; {len(node) - len(allowed)} '
      f'shared with the workspace build, {len(allowed)} on sp-database rebuilt without rocksdb')
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
