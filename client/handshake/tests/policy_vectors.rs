//! `docs/vectors/policy-v1.json`: every rule of the peer's policy as a call of the byte-level
//! entry point [`abi::call`] the JS SDK's wasm exports, with its SCALE input and the output or
//! refusal it must give. This test checks the file against the Rust code (and rewrites it with
//! `MPOOL_UPDATE_VECTORS=1`); `sdk/js/test/policy.test.js` runs the same calls through the wasm.

use codec::Encode;
use micropayment_pool_handshake::{
	abi::{self, op, Legacy, RawView},
	Ledger, Limits, PoolRecord, Source, View,
};
use serde_json::{json, Value};

mod common;
use common::{record, ME, OWNER, SIGNER};

fn raw(block: u32, pool: Option<&PoolRecord>, paid: Option<u128>) -> RawView {
	RawView { pool_id: 7, block, pool: pool.map(Encode::encode), paid: paid.map(|p| p.encode()) }
}

fn ledger(block: u32, pool: PoolRecord, source: Source) -> Ledger {
	let view = View { pool_id: 7, block, pool: Some(pool), paid_to_me: 0 };
	Ledger::open(&view, source, &ME, b"movie", block, &Limits::default()).expect("a sound pool; qed")
}

fn with(f: impl FnOnce(&mut PoolRecord)) -> PoolRecord {
	let mut r = record();
	f(&mut r);
	r
}

/// (name, what it shows, operation, SCALE arguments)
fn cases() -> Vec<(&'static str, &'static str, u32, Vec<u8>)> {
	let d = Limits::default();
	let open = |r: RawView, source: Source, now: u32| (r, source, ME, b"movie".to_vec(), now, d).encode();
	let confirmed = ledger(100, record(), Source::Chain);
	let unconfirmed = ledger(100, record(), Source::Bundle);
	let mut kept = confirmed.clone();
	kept.keep(50);
	let mut settled_all = ledger(100, record(), Source::Chain);
	settled_all.keep(100);
	settled_all.settled(100, 100);
	let mut overdrawn = confirmed.clone();
	overdrawn.keep(30);
	overdrawn.settled(30, 10);
	let mut drained = confirmed.clone();
	drained
		.observe(&View { pool_id: 7, block: 104, pool: Some(with(|r| r.deposit = 0)), paid_to_me: 0 }, Source::Chain)
		.expect("same pool; qed");
	let mut closed = kept.clone();
	closed.observe(&View { pool_id: 7, block: 110, pool: None, paid_to_me: 0 }, Source::Chain).expect("same pool; qed");
	let custom = Limits { exposure_cap: Some(1_000), ..d };
	vec![
		("open/fresh-bundle", "a sound pool on a bundle 5 blocks behind the head: admitted, unconfirmed", op::OPEN, open(raw(100, Some(&record()), None), Source::Bundle, 105)),
		("open/own-read", "the same pool read at the peer's head: admitted, confirmed", op::OPEN, open(raw(100, Some(&record()), Some(0)), Source::Chain, 100)),
		("open/stale-bundle", "a bundle 11 blocks behind the head (max_age 10)", op::OPEN, open(raw(100, Some(&record()), None), Source::Bundle, 111)),
		("open/unknown-pool", "the proof shows no pool", op::OPEN, open(raw(100, None, None), Source::Bundle, 100)),
		("open/malformed", "the pool value does not decode", op::OPEN, open(RawView { pool: Some(vec![1, 2, 3]), ..raw(100, None, None) }, Source::Bundle, 100)),
		("open/self-owner", "the peer owns the pool", op::OPEN, open(raw(100, Some(&with(|r| r.owner = ME)), None), Source::Bundle, 100)),
		("open/self-signer", "the peer signs the pool's vouchers", op::OPEN, open(raw(100, Some(&with(|r| r.signer = ME)), None), Source::Bundle, 100)),
		("open/wrong-resource", "the pool pays for another resource", op::OPEN, open(raw(100, Some(&with(|r| r.resource_id = b"other".to_vec())), None), Source::Bundle, 100)),
		("open/overdrawn", "the pool was overdrawn", op::OPEN, open(raw(100, Some(&with(|r| r.overdrawn = true)), None), Source::Bundle, 100)),
		("open/exhausted", "no deposit left", op::OPEN, open(raw(100, Some(&with(|r| r.deposit = 0)), None), Source::Bundle, 100)),
		("open/collateral-not-above", "collateral = deposit", op::OPEN, open(raw(100, Some(&with(|r| r.collateral = 100)), None), Source::Bundle, 100)),
		("open/margin-too-small", "C − D = 10 < 10 % of D = 14", op::OPEN, open(raw(100, Some(&with(|r| r.total_deposit = 140)), None), Source::Bundle, 100)),
		("open/expired", "now = expiry", op::OPEN, open(raw(200, Some(&record()), None), Source::Bundle, 200)),
		("open/expires-too-soon", "19 blocks left (settle_margin 10 + min_serving_blocks 10)", op::OPEN, open(raw(181, Some(&record()), None), Source::Bundle, 181)),
		("observe/older", "an older bundle of a known pool is ignored", op::OBSERVE, (drained.clone(), raw(100, Some(&record()), None), Source::Bundle).encode()),
		("observe/newer", "a newer read replaces the terms (the deposit drained)", op::OBSERVE, (confirmed.clone(), raw(104, Some(&with(|r| r.deposit = 0)), None), Source::Chain).encode()),
		("observe/closed", "the pool is gone at a newer block", op::OBSERVE, (kept.clone(), raw(110, None, None), Source::Chain).encode()),
		("observe/other-pool", "a view of another pool", op::OBSERVE, (confirmed.clone(), RawView { pool_id: 8, ..raw(104, None, None) }, Source::Chain).encode()),
		("accept/within-allowance", "5 on a bundle alone (10 % of the cap 50)", op::ACCEPT, (unconfirmed.clone(), 5u128, 101u32, d).encode()),
		("accept/unconfirmed", "6 before the peer read the pool itself", op::ACCEPT, (unconfirmed, 6u128, 101u32, d).encode()),
		("accept/settle-now", "50 = the cap: accepted, settle now", op::ACCEPT, (confirmed.clone(), 50u128, 101u32, d).encode()),
		("accept/exposure-cap", "51 above the cap 50", op::ACCEPT, (confirmed.clone(), 51u128, 101u32, d).encode()),
		("accept/stale", "not above the best voucher held", op::ACCEPT, (kept.clone(), 50u128, 101u32, d).encode()),
		("accept/exceeds-deposit", "a cap of 1000 but 101 above a deposit of 100", op::ACCEPT, (confirmed.clone(), 101u128, 101u32, custom).encode()),
		("accept/after-settling-the-deposit", "the peer settled the whole deposit: no next increment", op::ACCEPT, (settled_all, 120u128, 102u32, custom).encode()),
		("accept/drained", "a newer read shows the deposit drained", op::ACCEPT, (drained, 1u128, 105u32, d).encode()),
		("accept/overdrawn", "its own settlement was paid short", op::ACCEPT, (overdrawn.clone(), 31u128, 102u32, d).encode()),
		("accept/closed", "the pool is gone", op::ACCEPT, (closed.clone(), 51u128, 111u32, d).encode()),
		("accept/serving-ended", "at expiry − settle_margin", op::ACCEPT, (confirmed.clone(), 10u128, 190u32, d).encode()),
		("settled/short", "a settlement paid 10 of 30 marks the pool overdrawn", op::SETTLED, (confirmed.clone(), 30u128, 10u128).encode()),
		("settle-now/exposure", "50 unsettled: at least half the cap of 50", op::SETTLE_NOW, (kept.clone(), 101u32, d).encode()),
		("settle-now/deadline", "at expiry − settle_margin", op::SETTLE_NOW, (kept.clone(), 190u32, d).encode()),
		("settle-now/pool-ended", "the pool is closed", op::SETTLE_NOW, (closed, 111u32, d).encode()),
		("settle-now/nothing", "nothing unsettled", op::SETTLE_NOW, (confirmed.clone(), 190u32, d).encode()),
		("status", "a ledger's figures", op::STATUS, (kept, d).encode()),
		("tip/early", "6 blocks before the deadline: no tip", op::TIP, (210u128 * 10u128.pow(12), 6u32, 4_444u64, d).encode()),
		("tip/last-blocks", "5 blocks before the deadline", op::TIP, (210u128 * 10u128.pow(12), 5u32, 4_444u64, d).encode()),
		("tx-per-block", "a 0.45 ms, 150-byte settle in a 2 s, 5 MiB block", op::TX_PER_BLOCK, ((2_000_000_000_000u64, u64::MAX), 5u64 * 1024 * 1024, (450_000_000u64, 5_000u64), 150u64).encode()),
		("promise/within", "60 to others + 40 = the deposit", op::PROMISE, (60u128, 40u128, 100u128).encode()),
		("promise/over", "60 to others + 41 > the deposit", op::PROMISE, (60u128, 41u128, 100u128).encode()),
		("default-limits", "the defaults", op::DEFAULT_LIMITS, ().encode()),
		("legacy", "a pool stored before ledgers: settles, serves on no terms until a new view", op::LEGACY, Legacy { pool_id: 7, owner: OWNER, signer: SIGNER, resource_id: b"movie".to_vec(), expiry: 200, settled: 10, best: 30 }.encode()),
		("malformed", "arguments that do not decode", op::ACCEPT, vec![1, 2, 3]),
	]
}

fn hex(bytes: &[u8]) -> String {
	format!("0x{}", hex::encode(bytes))
}

fn vectors() -> Value {
	let cases: Vec<Value> = cases()
		.into_iter()
		.map(|(name, note, op, input)| {
			let mut case = json!({ "name": name, "note": note, "op": op, "input": hex(&input) });
			match abi::call(op, &input) {
				Ok(out) => {
					case["ok"] = json!(true);
					case["output"] = json!(hex(&out));
				},
				Err(e) => {
					case["ok"] = json!(false);
					case["error"] = json!(e.name);
				},
			}
			case
		})
		.collect();
	json!({
		"description": "The peer's policy (micropayment-pool-handshake::policy) through its byte-level entry point abi::call, which the JS SDK's wasm exports as mpool_policy(op, input). Inputs and outputs are SCALE, as client/handshake/src/abi.rs documents per operation; a refusal gives the rule's name. Generated by client/handshake/tests/policy_vectors.rs (MPOOL_UPDATE_VECTORS=1).",
		"version": 1,
		"cases": cases,
	})
}

#[test]
fn the_shared_vectors_are_the_policy() {
	let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/vectors/policy-v1.json");
	let fresh = serde_json::to_string_pretty(&vectors()).expect("JSON values serialise; qed") + "\n";
	if std::env::var_os("MPOOL_UPDATE_VECTORS").is_some() {
		std::fs::write(path, &fresh).expect("the docs folder is writable");
	}
	let stored = std::fs::read_to_string(path).expect("docs/vectors/policy-v1.json exists");
	assert!(stored == fresh, "docs/vectors/policy-v1.json differs from the policy: run with MPOOL_UPDATE_VECTORS=1 and review the diff");
}

#[test]
fn the_vectors_cover_every_rule() {
	let names: std::collections::BTreeSet<String> = cases()
		.into_iter()
		.filter_map(|(_, _, op, input)| abi::call(op, &input).err().map(|e| e.name))
		.collect();
	for rule in [
		"StaleBundle", "UnknownPool", "MalformedPool", "SelfPayment", "WrongResource", "Overdrawn",
		"Exhausted", "CollateralNotAboveDeposit", "MarginTooSmall", "Expired", "ExpiresTooSoon",
		"OtherPool", "Unconfirmed", "ExposureCap", "StaleVoucher", "ExceedsDeposit", "PoolClosed",
		"ServingEnded", "Malformed",
	] {
		assert!(names.contains(rule), "no vector refuses with {rule}");
	}
}
