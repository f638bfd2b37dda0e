#!/usr/bin/env bash
# The `mpool` CLI against a real dev node: the viewer creates a pool and proves it, the peer
# verifies the proof against its node, the viewer signs vouchers, the peer verifies, accepts
# and settles them. Tampered, replayed and foreign inputs must be refused with exit code 3.
# A short pool then runs through its settlement window: a voucher still settles after expiry,
# the pool closes only from `settle_by` (expiry + the runtime's SettlementGrace), and the peers'
# Paid records are reaped after the close. `peer run` shares its store with `handshake verify`
# and `settle` running at the same time, and nothing is lost. Every verb is held to the exit
# code table of `mpool --help`.
#
# Usage: scripts/cli-round.sh   (MPOOL_CHAIN=para: against mpool-para-node --dev;
#                                MPOOL_NODE_BIN / MPOOL_BIN override the release binaries)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh
node_bin="$(mpool_node_bin)"
mpool_bin="${MPOOL_BIN:-$(mpool_release_dir)/mpool}"
[ -x "$node_bin" ] && [ -x "$mpool_bin" ] || {
	mpool_export_wasm_env
	mpool_build
}

source scripts/lib/node.sh
work="$(mktemp -d)"
# The viewer's record of what it promised each peer: `voucher sign` checks the deposit against it.
export MPOOL_PROMISES="$work/promises.json"
mpool_start_dev_node "$work/node.log"
cleanup() {
	mpool_stop_dev_node
	rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
check() { # check NAME EXPECTED_EXIT -- COMMAND...: runs it, keeps stdout in $out
	local name="$1" want="$2"
	shift 3
	set +e
	out="$("$@" 2>"$work/stderr")"
	local got=$?
	set -e
	# "3:BadProof" also requires that error in the JSON output.
	local want_error="${want#*:}"
	want="${want%%:*}"
	if [ "$want_error" != "$want" ] && [ "$got" = "$want" ]; then
		got_error="$(node -e 'try{console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).error)}catch(e){console.log("?")}' <<<"$out")"
		[ "$got_error" = "$want_error" ] || got="$got ($got_error, want $want_error)"
	fi
	if [ "$got" = "$want" ]; then
		passed=$((passed + 1))
		echo "ok   $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name: exit $got, want $want"
		sed 's/^/     /' "$work/stderr"
		echo "$out" | sed 's/^/     /'
	fi
}
field() { node -e 'const d=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log(d[process.argv[1]])' "$1" <<<"$out"; }
# The best block number, from the node's JSON-RPC (its WebSocket port also serves HTTP).
head_block() {
	node -e 'fetch(process.argv[1].replace(/^ws/, "http"), {
		method: "POST", headers: { "content-type": "application/json" },
		body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "chain_getHeader", params: [] }),
	}).then((r) => r.json()).then((j) => console.log(parseInt(j.result.number, 16)))' "$MPOOL_URL"
}
wait_block() { # wait_block N: until the best block is at least N
	local n=0
	for _ in $(seq 1 600); do
		n="$(head_block)"
		[ "$n" -ge "$1" ] && return 0
		sleep 1
	done
	echo "timed out waiting for block $1 (at $n)"
	exit 1
}
equals() { # equals NAME ACTUAL EXPECTED
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
		echo "ok   $1"
	else
		failed=$((failed + 1))
		echo "FAIL $1: got $2, want $3"
	fi
}

log "waiting for the dev node on $MPOOL_URL"
for _ in $(seq 1 120); do
	set +e
	"$mpool_bin" pool show 999999 >/dev/null 2>&1
	code=$?
	set -e
	[ "$code" = 4 ] && break
	sleep 0.5
done
[ "$code" = 4 ] || { echo "node did not start"; tail -20 "$work/node.log"; exit 1; }

m() { "$mpool_bin" --json "$@"; }
UNIT=1000000000000

log "the node exports its chain spec (export-chain-spec, not the deprecated build-spec)"
check "export-chain-spec --chain dev" 0 -- "$node_bin" export-chain-spec --chain dev
equals "chain spec properties" "$(node -e 'const p=JSON.parse(require("fs").readFileSync(0,"utf8")).properties;console.log(p.tokenSymbol+"/"+p.tokenDecimals)' <<<"$out")" MPT/12

log "units come from the chain's system_properties (MPT, 12 decimals)"
check "an amount in another chain's token" 1 -- m pool create --suri //Alice --resource r --deposit 10DOT \
	--collateral 20DOT --duration 100
check "a malformed amount is a usage error" 2:Usage -- m pool create --suri //Alice --resource r \
	--deposit 1.2.3MPT --collateral 20MPT --duration 100

log "viewer: create a pool (finalized), prove it to Bob"
check "pool create" 0 -- m pool create --suri //Alice --resource stream-1 --deposit 10MPT \
	--collateral 20MPT --duration 100 --finalized
pool="$(field pool_id)"
check "pool show" 0 -- m pool show "$pool"
equals "pool deposit" "$(field deposit)" "$((10 * UNIT))"
equals "text output in the chain's units" "$("$mpool_bin" pool show --pool "$pool" | grep -c ' 10 MPT left')" 1
check "unknown pool is not found" 4 -- m pool show 424242
check "handshake prove" 0 -- m handshake prove --pool "$pool" --target //Bob --out "$work/bundle.hex"
echo "     proof $(field proof_nodes) nodes, $(field proof_bytes) bytes"

log "peer: verify the bundle against its node"
check "handshake verify" 0 -- m handshake verify "$work/bundle.hex" --me //Bob --resource stream-1 \
	--store "$work/bob.json"
equals "verified owner" "$(field owner)" 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
echo "     checked in $(field verify_ms) ms"
check "bundle for another peer" 3:WrongTarget -- m handshake verify "$work/bundle.hex" --me //Charlie --resource stream-1
check "wrong resource" 3:WrongResource -- m handshake verify "$work/bundle.hex" --me //Bob --resource other
bundle="$(cat "$work/bundle.hex")"
# Flip one hex digit in the last proof node.
tampered="${bundle:0:${#bundle}-10}$( [ "${bundle: -10:1}" = 0 ] && echo 1 || echo 0)${bundle: -9}"
check "tampered bundle" 3:BadProof -- m handshake verify "$tampered" --me //Bob --resource stream-1
check "untrusted block" 3:UnknownBlock -- m handshake verify "$work/bundle.hex" --me //Bob --resource stream-1 \
	--trusted 0x$(printf '1%.0s' $(seq 64))
check "handshake verify: no resource" 2:Usage -- m handshake verify "$work/bundle.hex" --me //Bob

log "viewer signs vouchers; peer verifies and accepts them"
check "voucher sign 1 MPT" 0 -- m voucher sign --suri //Alice --pool "$pool" --target //Bob --amount 1MPT
v1="$(field token)"
check "voucher verify" 0 -- m voucher verify "$v1"
check "voucher verify, hex without 0x" 0 -- m voucher verify "${v1#0x}"
check "voucher accept 1 UNIT" 0 -- m voucher accept "$v1" --store "$work/bob.json" --me //Bob
check "voucher sign 2.5 UNIT" 0 -- m voucher sign --suri //Alice --pool "$pool" --target //Bob --amount 2.5UNIT
v2="$(field token)"
check "voucher accept 2.5 UNIT" 0 -- m voucher accept "$v2" --store "$work/bob.json" --me //Bob
equals "increment" "$(field increment)" "$((3 * UNIT / 2))"
check "replayed voucher" 3:StaleVoucher -- m voucher accept "$v1" --store "$work/bob.json" --me //Bob
# The amount is the 16 bytes before the 65-byte signature: bump its lowest byte.
tv="${v1:0:${#v1}-162}$( [ "${v1: -162:1}" = f ] && echo e || echo f)${v1: -161}"
check "tampered voucher" 3:BadSignature -- m voucher verify "$tv"
check "voucher by a non-owner" 0 -- m voucher sign --suri //Eve --pool "$pool" --target //Bob --amount 9UNIT \
	--promises "$work/eve.json"
check "non-owner voucher refused" 3:BadSignature -- m voucher accept "$(field token)" --store "$work/bob.json" --me //Bob
check "voucher for another chain" 0 -- m voucher sign --suri //Alice --pool "$pool" --target //Bob \
	--amount 9UNIT --genesis 0x$(printf 'ab%.0s' $(seq 32))
check "other chain's voucher refused" 3:WrongChain -- m voucher verify "$(field token)"

log "peer settles its best voucher"
check "settle from store" 0 -- m settle --suri //Bob --pool "$pool" --store "$work/bob.json"
equals "settled paid" "$(field paid)" "$((5 * UNIT / 2))"
check "nothing left to settle" 3:NothingToSettle -- m settle --suri //Bob --pool "$pool" --store "$work/bob.json"
check "chain refuses a stale voucher" 3:StaleVoucher -- m settle --suri //Bob --voucher "$v1"
check "pool after settlement" 0 -- m pool show "$pool"
equals "deposit left" "$(field deposit)" "$((10 * UNIT - 5 * UNIT / 2))"
check "close before expiry" 3:PoolNotExpired -- m pool close "$pool" --suri //Alice

log "a short pool: settle in the grace window, close after it, reap the Paid records"
check "short pool create" 0 -- m pool create --suri //Alice --resource stream-2 --deposit 2UNIT \
	--collateral 3UNIT --duration 5
short="$(field pool_id)"
check "short pool show" 0 -- m pool show "$short"
expiry="$(field expiry)"
settle_by="$(field settle_by)"
echo "     expiry #$expiry, settle by #$settle_by"
[ "$settle_by" -gt "$expiry" ] 2>/dev/null || equals "settle_by after expiry" "$settle_by" "> $expiry"
check "short voucher 1 UNIT" 0 -- m voucher sign --suri //Alice --pool "$short" --target //Bob --amount 1UNIT
check "settle before expiry" 0 -- m settle --suri //Bob --voucher "$(field token)"
check "short voucher 2 UNIT" 0 -- m voucher sign --suri //Alice --pool "$short" --target //Bob --amount 2UNIT
late="$(field token)"
wait_block "$expiry"
check "settle in the grace window" 0 -- m settle --suri //Bob --voucher "$late"
equals "grace settlement paid" "$(field paid)" "$UNIT"
if [ $((settle_by - expiry)) -ge 3 ]; then
	check "close inside the settlement window" 3:PoolNotExpired -- m pool close "$short" --suri //Alice
fi
check "reap an open pool" 3:PoolOpen -- m pool reap "$short" --suri //Bob
wait_block "$settle_by"
check "close after the settlement window" 0 -- m pool close "$short" --suri //Alice
check "short pool is gone" 4 -- m pool show "$short"
check "reap the closed pool" 0 -- m pool reap "$short" --suri //Bob
equals "records reaped" "$(field removed)" 1
equals "records left" "$(field remaining)" false
check "nothing left to reap" 3:NothingToReap -- m pool reap "$short" --suri //Bob

log "a session key signs the vouchers: //Eve funds the pool, //Ferdie's key signs, //Charlie is paid"
ferdie=5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL
check "pool create --voucher-signer" 0 -- m pool create --suri //Eve --resource stream-s --deposit 5MPT \
	--collateral 10MPT --duration 100 --voucher-signer "$ferdie" --finalized
spool="$(field pool_id)"
equals "created with the session signer" "$(field signer)" "$ferdie"
check "session pool show" 0 -- m pool show "$spool"
equals "pool signer" "$(field signer)" "$ferdie"
equals "pool owner" "$(field owner)" 5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw
check "session pool prove" 0 -- m handshake prove "$spool" --target //Charlie --out "$work/bundle-s.hex"
check "session pool verify" 0 -- m handshake verify "$work/bundle-s.hex" --me //Charlie --resource stream-s \
	--store "$work/charlie.json"
equals "verified signer" "$(field signer)" "$ferdie"
check "owner-signed voucher" 0 -- m voucher sign --suri //Eve --pool "$spool" --target //Charlie --amount 1MPT
check "owner's key refused for a session pool" 3:BadSignature -- m voucher accept "$(field token)" \
	--store "$work/charlie.json" --me //Charlie
check "session-signed voucher" 0 -- m voucher sign --suri //Ferdie --pool "$spool" --target //Charlie --amount 2MPT
check "session voucher accepted" 0 -- m voucher accept "$(field token)" --store "$work/charlie.json" --me //Charlie
check "settle the session voucher" 0 -- m settle --suri //Charlie --pool "$spool" --store "$work/charlie.json"
check "signer's own handshake prove" 0 -- m handshake prove "$spool" --target //Ferdie --out "$work/bundle-f.hex"
check "the signer is never paid" 3:SelfPayment -- m handshake verify "$work/bundle-f.hex" --me //Ferdie --resource stream-s
check "pool create: bad --voucher-signer" 1 -- m pool create --suri //Eve --resource r --deposit 1MPT \
	--collateral 2MPT --duration 100 --voucher-signer nonsense

log "one store, three processes: peer run beside handshake verify and settle"
# Bob's long-running peer reads tokens from a FIFO. While it runs, a new pool is verified into
# the same store (its vouchers must be accepted without a restart) and the first pool is
# settled from the store; afterwards every voucher and every settlement must be in the store.
check "second pool create" 0 -- m pool create --suri //Alice --resource stream-3 --deposit 5MPT \
	--collateral 10MPT --duration 100 --finalized
pool3="$(field pool_id)"
check "second pool prove" 0 -- m handshake prove "$pool3" --target //Bob --out "$work/bundle3.hex"
check "voucher 3 MPT" 0 -- m voucher sign --suri //Alice --pool "$pool" --target //Bob --amount 3MPT
a3="$(field token)"
check "voucher 4 MPT" 0 -- m voucher sign --suri //Alice --pool "$pool" --target //Bob --amount 4MPT
a4="$(field token)"
check "second pool voucher 1 MPT" 0 -- m voucher sign --suri //Alice --pool "$pool3" --target //Bob --amount 1MPT
b1="$(field token)"
mkfifo "$work/tokens"
"$mpool_bin" --json peer run --store "$work/bob.json" --me //Bob <"$work/tokens" >"$work/run.out" 2>&1 &
run_pid=$!
exec 7>"$work/tokens"
lines_of_run() { # lines_of_run N: until peer run printed N result lines
	for _ in $(seq 1 600); do
		[ "$(wc -l <"$work/run.out")" -ge "$1" ] && return 0
		kill -0 "$run_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "peer run printed $(wc -l <"$work/run.out") lines, want $1:"
	cat "$work/run.out"
	exit 1
}
echo "$a3" >&7
lines_of_run 1
check "handshake verify into the running peer's store" 0 -- m handshake verify "$work/bundle3.hex" \
	--me //Bob --resource stream-3 --store "$work/bob.json"
echo "$b1" >&7
lines_of_run 2
check "settle from the running peer's store" 0 -- m settle --suri //Bob --pool "$pool" --store "$work/bob.json"
equals "settled while peer run is up" "$(field paid)" "$((UNIT / 2))"
echo "$a4" >&7
lines_of_run 3
exec 7>&-
set +e
wait "$run_pid"
run_code=$?
set -e
equals "peer run accepted every token" \
	"$(grep -c '"unsettled"' "$work/run.out") $(grep -o '"accepted":[0-9]*' "$work/run.out") exit $run_code" \
	'3 "accepted":3 exit 0'
check "the new pool's voucher was kept" 0 -- m settle --suri //Bob --pool "$pool3" --store "$work/bob.json"
equals "second pool settled" "$(field paid)" "$UNIT"
check "the last voucher was kept beside the settlement" 0 -- m settle --suri //Bob --pool "$pool" \
	--store "$work/bob.json"
equals "first pool settled up to 4 MPT" "$(field paid)" "$UNIT"

log "the viewer never promises more than the deposit across its peers, unless told to"
check "promise pool create" 0 -- m pool create --suri //Alice --resource stream-p --deposit 2MPT \
	--collateral 4MPT --duration 100
ppool="$(field pool_id)"
check "1.5 MPT to Bob" 0 -- m voucher sign --suri //Alice --pool "$ppool" --target //Bob --amount 1.5MPT
check "0.5 MPT to Charlie: 2 MPT in all" 0 -- m voucher sign --suri //Alice --pool "$ppool" --target //Charlie \
	--amount 0.5MPT
equals "promised in all" "$(field promised)" "$((2 * UNIT))"
check "one planck more to Charlie exceeds the deposit" 3:ExceedsDeposit -- m voucher sign --suri //Alice \
	--pool "$ppool" --target //Charlie --amount 500000000001
check "--allow-over-deposit signs it anyway" 0 -- m voucher sign --suri //Alice --pool "$ppool" --target //Charlie \
	--amount 500000000001 --allow-over-deposit

log "the peer's policy against what the chain shows at its head"
# A pool is drained by a puppet after Bob was shown a bundle: the old bundle no longer passes
# once the drain is final (Bob's node reads the pool at its finalized head), nor, later, because
# it grew too old; and a peer that settled the whole deposit takes no further increment.
check "drained pool create" 0 -- m pool create --suri //Alice --resource stream-d --deposit 2MPT \
	--collateral 4MPT --duration 100 --finalized
dpool="$(field pool_id)"
check "bundle before the drain" 0 -- m handshake prove "$dpool" --target //Bob --out "$work/bundle-d.hex"
check "the bundle verifies before the drain" 0 -- m handshake verify "$work/bundle-d.hex" --me //Bob --resource stream-d
check "a puppet's voucher for the whole deposit" 0 -- m voucher sign --suri //Alice --pool "$dpool" --target //Dave \
	--amount 2MPT
check "the puppet drains the deposit (finalized)" 0 -- m settle --suri //Dave --voucher "$(field token)" --finalized
drained_at="$(head_block)"
check "the pre-drain bundle against the head: refused" 3:Exhausted -- m handshake verify "$work/bundle-d.hex" \
	--me //Bob --resource stream-d
wait_block "$((drained_at + 3))"
check "the pre-drain bundle, older than the peer accepts: refused" 3:StaleBundle -- m handshake verify \
	"$work/bundle-d.hex" --me //Bob --resource stream-d --max-age 2
check "whole-deposit pool create" 0 -- m pool create --suri //Alice --resource stream-w --deposit 2MPT \
	--collateral 4MPT --duration 100 --finalized
wpool="$(field pool_id)"
check "whole-deposit prove" 0 -- m handshake prove "$wpool" --target //Bob --out "$work/bundle-w.hex"
check "whole-deposit verify" 0 -- m handshake verify "$work/bundle-w.hex" --me //Bob --resource stream-w \
	--store "$work/bob.json"
check "a voucher for the whole deposit" 0 -- m voucher sign --suri //Alice --pool "$wpool" --target //Bob --amount 2MPT
check "accepted: settle now" 0 -- m voucher accept "$(field token)" --store "$work/bob.json" --me //Bob
equals "the policy says to settle" "$(field settle_now)" Exposure
check "settle the whole deposit" 0 -- m settle --suri //Bob --pool "$wpool" --store "$work/bob.json" --finalized
check "a double-spending voucher above it" 0 -- m voucher sign --suri //Alice --pool "$wpool" --target //Bob \
	--amount 3MPT --allow-over-deposit
check "the next increment is refused" 3:Exhausted -- m voucher accept "$(field token)" --store "$work/bob.json" \
	--me //Bob

log "exit codes, verb by verb, against the table in mpool --help"
help="$("$mpool_bin" --help)"
for code in 0 1 2 3 4 5; do
	equals "exit code $code is in the --help table" "$(grep -cE "^  $code  " <<<"$help")" 1
done
check "no verb" 2 -- "$mpool_bin" --json
check "mpool --help" 0 -- "$mpool_bin" --help
check "no node at the URL" 1 -- m --url ws://127.0.0.1:1 pool show 1
# pool create
check "pool create: missing --deposit" 2:Usage -- m pool create --suri //Alice --resource r --collateral 2MPT --duration 100
check "pool create: bad --suri" 1 -- m pool create --suri 'not a key' --resource r --deposit 1MPT --collateral 2MPT --duration 100
check "pool create: collateral not above deposit" 3:InsufficientCollateral -- m pool create --suri //Alice \
	--resource r --deposit 2MPT --collateral 1MPT --duration 100
# pool show
check "pool show: no pool id" 2:Usage -- m pool show
check "pool show: both POOL and --pool" 2:Usage -- m pool show 1 --pool 1
check "pool show: bad --at" 1 -- m pool show "$pool" --at 0x12
check "pool show --pool: not found" 4:UnknownPool -- m pool show --pool 424242
# pool close / reap
check "pool close: not found" 4:UnknownPool -- m pool close 424242 --suri //Alice
check "pool close: not the owner" 3:NotOwner -- m pool close "$pool" --suri //Bob
check "pool reap: limit 0" 2:Usage -- m pool reap "$pool" --limit 0 --suri //Bob
# voucher sign / verify / accept
check "voucher sign: missing --amount" 2:Usage -- m voucher sign --suri //Alice --pool "$pool" --target //Bob
check "voucher sign: bad --target" 1 -- m voucher sign --suri //Alice --pool "$pool" --target nobody --amount 1
check "voucher sign offline (--genesis, --deposit, planck)" 0 -- m --url ws://127.0.0.1:1 voucher sign --suri //Alice \
	--pool 424242 --target //Bob --amount 1000 --deposit 1000 --genesis 0x$(printf '42%.0s' $(seq 32))
check "voucher sign: offline without --deposit needs the node" 1 -- m --url ws://127.0.0.1:1 voucher sign \
	--suri //Alice --pool 424242 --target //Bob --amount 1000 --genesis 0x$(printf '42%.0s' $(seq 32))
check "voucher sign: the pool's deposit is read from the chain" 4:UnknownPool -- m voucher sign --suri //Alice \
	--pool 424242 --target //Bob --amount 1MPT
check "voucher sign for a pool that does not exist (--deposit)" 0 -- m voucher sign --suri //Alice --pool 424242 \
	--target //Bob --amount 1MPT --deposit 1MPT
ghost="$(field token)"
check "voucher verify: pool not found" 4:UnknownPool -- m voucher verify "$ghost"
check "voucher verify: no such file" 1 -- m voucher verify "$work/missing.hex"
check "voucher verify: malformed token" 3:MalformedVoucher -- m voucher verify 0x1234
check "voucher accept: pool not in the store" 4:UnknownPool -- m voucher accept "$ghost" --store "$work/bob.json" --me //Bob
check "voucher accept: missing --store" 2:Usage -- m voucher accept "$ghost" --me //Bob
# handshake prove / verify
check "handshake prove: not found" 4:UnknownPool -- m handshake prove 424242 --target //Bob
check "handshake prove: missing --target" 2:Usage -- m handshake prove "$pool"
check "handshake verify: missing --me" 2:Usage -- m handshake verify "$work/bundle.hex"
check "handshake verify: no such file" 1 -- m handshake verify "$work/missing.hex" --me //Bob --resource r
# settle
check "settle: neither --voucher nor --pool" 2:Usage -- m settle --suri //Bob
check "settle: --pool without --store" 2:Usage -- m settle --suri //Bob --pool "$pool"
check "settle: pool not found" 4:UnknownPool -- m settle --suri //Bob --voucher "$ghost"
# peer run
check "peer run: missing --store" 2:Usage -- m peer run --me //Bob
check "peer run: a refused token" 3 -- m peer run --store "$work/bob.json" --me //Bob <<<"$ghost"

echo "cli round: test result: $([ $failed = 0 ] && echo ok || echo FAILED). $passed passed; $failed failed;"
[ "$failed" = 0 ]
