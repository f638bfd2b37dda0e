#!/usr/bin/env bash
# Load test on the relay-backed parachain, and its proofs of validity measured.
#
#   scripts/relay-load.sh [RATE] [SECONDS]     # default 1250 vouchers/s for 60 s, `settleBatch`es
#   MPOOL_UPDATE_DOCS=1 scripts/relay-load.sh  # the same, recording the figures in docs/results.md
#
# 1. A parachain chain spec with a realistic state: the `local` preset with Alice its one Aura
#    authority, plus MPOOL_RELAY_POOLS (default 100,000) pools with one paid peer each, written
#    by scripts/bench/bench-state.mjs (the storage benchmark's state), so every settlement's
#    storage proof walks a trie of the depth a busy chain has.
# 2. zombienet/westend-local.toml with that spec (MPOOL_PARA_SPEC) and the collator exporting
#    every PoV it builds (MPOOL_EXPORT_POV): two relay validators back, include and finalize it.
# 3. `mpool-sim load` against the collator's RPC: settled vouchers/s, rejected/failed/lost, and
#    every (pool, peer) total read back from state once its block is relay-finalized; per block
#    the ref time and the proof size used, and which of the two bound it.
# 4. scripts/e2e/relay/pov-report.mjs: the PoVs of the blocks with vouchers, each run through
#    `validate_block` by cumulus-pov-validator (scripts/relay-bins.sh pov-validator): size,
#    compressed size, validation time, PoV per voucher.
#
# Not part of scripts/test.sh (the relay binaries take ~1 h to build once); ~15 min with them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
source scripts/lib/node.sh
source scripts/lib/relay.sh
rate="${1:-1250}"
seconds="${2:-60}"
pools="${MPOOL_RELAY_POOLS:-100000}"
mpool_relay_prepare
validator="$(scripts/relay-bins.sh pov-validator)"
sim="$(mpool_release_dir)/mpool-sim"
work="$(mktemp -d "${TMPDIR:-/tmp}/mpool-relay-load.XXXXXX")"
log "work directory: $work"

log "parachain spec: the local preset with the collator as its one Aura authority, plus $pools pools"
mpool-para-node build-spec --chain local 2>/dev/null >"$work/para-plain.json"
# zombienet puts the key of `//<Name>` into each node's keystore; for a raw spec it cannot set the
# authorities itself. One authority: with a second, every other slot would stay empty.
(
	cd scripts/e2e
	node -e '
		const fs = require("fs");
		const { Keyring } = require("@polkadot/keyring");
		const { cryptoWaitReady } = require("@polkadot/util-crypto");
		cryptoWaitReady().then(() => {
			const spec = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
			const collator = new Keyring({ type: "sr25519" }).addFromUri("//Collator").address;
			spec.genesis.runtimeGenesis.patch.aura.authorities = [collator];
			fs.writeFileSync(process.argv[1], JSON.stringify(spec));
		});
	' "$work/para-plain.json"
)
mpool-para-node build-spec --chain "$work/para-plain.json" --raw 2>/dev/null >"$work/para-raw.json"
# The parachain runtime names the pool pallet `Micropayments` (runtime/parachain/src/lib.rs).
MPOOL_POOL_PREFIX=Micropayments node scripts/bench/bench-state.mjs "$work/para-raw.json" "$work/para-spec.json" "$pools"
rm "$work/para-plain.json" "$work/para-raw.json"
# The validation code validators run: the runtime's compressed wasm, as registered at genesis.
mpool-para-node export-genesis-wasm --chain "$work/para-spec.json" 2>/dev/null \
	| node -e 'let h="";process.stdin.on("data",d=>h+=d).on("end",()=>process.stdout.write(Buffer.from(h.trim().replace(/^0x/,""),"hex")))' \
	>"$work/validation-code.wasm"

para_port="$(mpool_free_port)"
relay_port="$(mpool_free_port)"
export MPOOL_PARA_SPEC="$work/para-spec.json" MPOOL_EXPORT_POV="$work/pov" MPOOL_RELAY_DIR="$work/net"
export MPOOL_PARA_RPC_PORT="$para_port" MPOOL_RELAY_RPC_PORT="$relay_port"
node scripts/e2e/relay/net.js westend >"$work/net.log" 2>&1 &
net=$!
stop() {
	pkill -TERM -P "$net" 2>/dev/null || true
	kill -TERM "$net" 2>/dev/null || true
	wait "$net" 2>/dev/null || true
}
trap stop EXIT
log "relay network starting (log: $work/net.log; nodes' logs in $work/net)"
until grep -q "parachain 2000 RPC" "$work/net.log"; do
	kill -0 "$net" 2>/dev/null || { cat "$work/net.log" >&2; echo "error: the network did not start" >&2; exit 1; }
	sleep 2
done
# The load test's setup (funding, pools) waits for inclusion, which starts once the relay chain
# has onboarded para 2000 (its first session change).
log "network up; para RPC ws://127.0.0.1:$para_port"

if [ -n "${MPOOL_UPDATE_DOCS:-}" ]; then
	out=(--out docs/results/relay)
	mkdir -p docs/results/relay
else
	out=(--out "$work/report")
fi
status=0
log "mpool-sim load --mode batch --rate $rate --duration $seconds (on the relay-backed collator)"
"$sim" --url "ws://127.0.0.1:$para_port" load --mode batch --rate "$rate" \
	--duration "$seconds" --node-log "$work/net/collator.log" "${out[@]}" || status=$?
csv="${out[1]}/load-batch-blocks.csv"
report="$work/pov-report.md"
node scripts/e2e/relay/pov-report.mjs "$work/pov" "$work/validation-code.wasm" "$validator" "$csv" "$report" \
	|| status=$?
if [ -n "${MPOOL_UPDATE_DOCS:-}" ]; then
	log "docs/results.md: sections mpool-relay-load and mpool-relay-pov"
	"$sim" results-md docs/results.md --section mpool-relay-load --from "${out[1]}/load-batch-summary.md"
	"$sim" results-md docs/results.md --section mpool-relay-pov --from "$report"
fi
exit $status
