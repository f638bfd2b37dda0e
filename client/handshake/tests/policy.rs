//! Every rule of the peer's policy, one case each, and the tip's arithmetic.

use micropayment_pool_handshake::{
	policy::mul_ppm,
	promise::check_promise,
	tip::{censor_cost_per_block, settlement_tip, tx_per_block},
	Ledger, Limits, Observed, PolicyError as E, PoolRecord, Refusal as R, SettleReason, Source, View,
};

mod common;
use common::{record, ME};

fn view(block: u32, pool: Option<PoolRecord>, paid: u128) -> View {
	View { pool_id: 7, block, pool, paid_to_me: paid }
}

fn open(v: &View, source: Source, now: u32) -> Result<Ledger, E> {
	Ledger::open(v, source, &ME, b"movie", now, &Limits::default())
}

fn with(f: impl FnOnce(&mut PoolRecord)) -> View {
	let mut r = record();
	f(&mut r);
	view(100, Some(r), 0)
}

#[test]
fn a_fresh_sound_pool_is_admitted() {
	let l = open(&view(100, Some(record()), 0), Source::Bundle, 105).unwrap();
	assert_eq!((l.block, l.settled, l.best, l.confirmed, l.closed), (100, 0, 0, false, false));
	assert_eq!(l.relied_on(), 100);
	// The cap is the margin C − D by default.
	assert_eq!(l.cap(&Limits::default()), 50);
	assert!(open(&view(100, Some(record()), 0), Source::Chain, 100).unwrap().confirmed);
}

#[test]
fn each_admission_rule_refuses_with_its_name() {
	let limits = Limits::default();
	let cases: Vec<(View, u32, &str)> = vec![
		(view(100, Some(record()), 0), 111, "StaleBundle"),
		(view(100, None, 0), 100, "UnknownPool"),
		(with(|r| r.owner = ME), 100, "SelfPayment"),
		(with(|r| r.signer = ME), 100, "SelfPayment"),
		(with(|r| r.resource_id = b"other".to_vec()), 100, "WrongResource"),
		(with(|r| r.overdrawn = true), 100, "Overdrawn"),
		(with(|r| r.deposit = 0), 100, "Exhausted"),
		(with(|r| r.collateral = 100), 100, "CollateralNotAboveDeposit"),
		(with(|r| r.total_deposit = 140), 100, "MarginTooSmall"),
		(view(200, Some(record()), 0), 200, "Expired"),
		(view(181, Some(record()), 0), 181, "ExpiresTooSoon"),
	];
	for (v, now, name) in cases {
		let err = Ledger::open(&v, Source::Bundle, &ME, b"movie", now, &limits).unwrap_err();
		assert_eq!(err.name(), name, "{err}");
	}
	// The boundaries themselves pass: exactly max_age old, exactly the margin, exactly 20 left.
	assert!(open(&view(100, Some(record()), 0), Source::Bundle, 110).is_ok());
	assert!(open(&with(|r| r.collateral = 110), Source::Bundle, 100).is_ok());
	assert!(open(&view(180, Some(record()), 0), Source::Bundle, 180).is_ok());
	// A view "from the future" of the peer's head counts as now.
	assert!(open(&view(100, Some(record()), 0), Source::Bundle, 90).is_ok());
}

#[test]
fn an_older_view_never_replaces_newer_terms() {
	let mut l = open(&view(100, Some(record()), 0), Source::Bundle, 100).unwrap();
	// Drained at 104, seen by the peer's own read.
	let drained = with(|r| r.deposit = 0);
	assert_eq!(l.observe(&View { block: 104, ..drained }, Source::Chain), Ok(Observed::Taken));
	assert_eq!(l.relied_on(), 0);
	// The viewer shows the old, full bundle again: ignored.
	assert_eq!(l.observe(&view(100, Some(record()), 0), Source::Bundle), Ok(Observed::Older));
	assert_eq!(l.relied_on(), 0);
	assert_eq!(l.accept(1, 105, &Limits::default()), Err(R::Exhausted));
	assert_eq!(
		l.observe(&View { pool_id: 8, ..view(110, None, 0) }, Source::Chain),
		Err(E::OtherPool { expected: 7, actual: 8 })
	);
}

#[test]
fn a_peer_relies_on_the_deposit_left_less_its_own_settlements() {
	let limits = Limits { exposure_cap: Some(1_000), ..Limits::default() };
	let mut l = open(&view(100, Some(record()), 0), Source::Chain, 100).unwrap();
	assert_eq!(l.accept(100, 101, &limits).map(|a| a.unsettled), Ok(100));
	l.keep(100);
	l.settled(100, 100);
	// The whole deposit was settled to it: nothing left to rely on, the next increment refused.
	assert_eq!(l.relied_on(), 0);
	assert_eq!(l.accept(120, 102, &limits), Err(R::Exhausted));
	// A newer view confirms it (deposit 0, Paid 100): still refused.
	l.observe(&view(103, Some(PoolRecord { deposit: 0, ..record() }), 100), Source::Chain).unwrap();
	assert_eq!(l.accept(101, 103, &limits), Err(R::Exhausted));
}

#[test]
fn exposure_stays_within_the_cap_and_the_allowance_until_confirmed() {
	let limits = Limits::default();
	let mut l = open(&view(100, Some(record()), 0), Source::Bundle, 100).unwrap();
	// Cap 50 (C − D), allowance 10 % of it on the bundle alone.
	assert_eq!(l.accept(5, 100, &limits).map(|a| a.cap), Ok(50));
	assert_eq!(l.accept(6, 100, &limits), Err(R::Unconfirmed { unsettled: 6, allowance: 5 }));
	l.observe(&view(101, Some(record()), 0), Source::Chain).unwrap();
	assert_eq!(l.accept(50, 101, &limits).map(|a| a.settle_now), Ok(Some(SettleReason::Exposure)));
	assert_eq!(l.accept(24, 101, &limits).map(|a| a.settle_now), Ok(None));
	assert_eq!(l.accept(51, 101, &limits), Err(R::ExposureCap { unsettled: 51, cap: 50 }));
	l.keep(50);
	assert_eq!(l.accept(50, 101, &limits), Err(R::Stale { amount: 50, best: 50 }));
	// Settled 50 of it: 50 left to rely on, the cap is 50 again above what was settled.
	l.settled(50, 50);
	assert_eq!(l.accept(100, 102, &limits).map(|a| (a.unsettled, a.relied_on)), Ok((50, 50)));
	assert_eq!(l.accept(101, 102, &limits), Err(R::ExceedsDeposit { unsettled: 51, deposit: 50 }));
}

#[test]
fn serving_ends_before_expiry_and_the_peer_settles_then() {
	let limits = Limits::default();
	let mut l = open(&view(100, Some(record()), 0), Source::Chain, 100).unwrap();
	assert!(l.accept(10, 189, &limits).is_ok());
	assert_eq!(l.accept(10, 190, &limits), Err(R::ServingEnded { expiry: 200, now: 190, margin: 10 }));
	l.keep(10);
	assert_eq!(l.settle_now(189, &limits), None);
	assert_eq!(l.settle_now(190, &limits), Some(SettleReason::Deadline));
}

#[test]
fn an_overdrawn_or_closed_pool_takes_no_more() {
	let limits = Limits::default();
	let mut l = open(&view(100, Some(record()), 0), Source::Chain, 100).unwrap();
	assert!(l.accept(30, 101, &limits).is_ok());
	l.keep(30);
	// Its own settlement paid 10 of 30: the deposit was short.
	l.settled(30, 10);
	assert_eq!(l.accept(31, 102, &limits), Err(R::Overdrawn));
	// Its next read is of a block before that settlement landed: the pool stays overdrawn.
	l.observe(&view(101, Some(record()), 0), Source::Chain).unwrap();
	assert_eq!(l.accept(31, 102, &limits), Err(R::Overdrawn));
	assert_eq!(l.relied_on(), 0);
	let mut m = open(&view(100, Some(record()), 0), Source::Chain, 100).unwrap();
	m.keep(20);
	m.observe(&view(105, None, 0), Source::Chain).unwrap();
	assert_eq!(m.accept(21, 105, &limits), Err(R::Closed));
	assert_eq!(m.settle_now(105, &limits), Some(SettleReason::PoolEnded));
	let mut o = open(&view(100, Some(record()), 0), Source::Chain, 100).unwrap();
	o.observe(&view(105, Some(PoolRecord { overdrawn: true, deposit: 0, ..record() }), 0), Source::Chain)
		.unwrap();
	assert_eq!(o.accept(1, 105, &limits), Err(R::Overdrawn));
}

#[test]
fn tips_make_censoring_the_last_blocks_cost_more_than_the_stake() {
	let limits = Limits::default();
	// A settle of 0.45 ms and 150 bytes in a 2 s / 5 MiB block: weight binds.
	let n = tx_per_block((2_000_000_000_000, u64::MAX), 5 * 1024 * 1024, (450_000_000, 5_000), 150);
	assert_eq!(n, 4_444);
	let stake = 210_000_000_000_000u128; // 150 collateral + 60 owed, 12 decimals
	assert_eq!(settlement_tip(stake, limits.tip_blocks + 1, n, &limits), 0);
	let tip = settlement_tip(stake, limits.tip_blocks, n, &limits);
	assert_eq!(tip, settlement_tip(stake, 1, n, &limits));
	// The censor outbids it in each of the last tip_blocks blocks, over ¾ of each block.
	let cost = censor_cost_per_block(tip, n, 750_000) * u128::from(limits.tip_blocks);
	assert!(cost > stake, "censoring costs {cost}, the stake is {stake}");
	assert!(cost >= mul_ppm(stake, 1_500_000));
	// While the peer pays one tip, a small fraction of the stake.
	assert!(tip * 10_000 < stake);
}

#[test]
fn tx_per_block_is_the_tightest_dimension_and_never_zero() {
	assert_eq!(tx_per_block((100, 100), 100, (10, 50), 5), 2);
	assert_eq!(tx_per_block((100, 100), 100, (10, 5), 50), 2);
	assert_eq!(tx_per_block((100, 100), 100, (0, 0), 0), 100);
	assert_eq!(tx_per_block((100, 100), 100, (1_000, 1_000), 1_000), 1);
}

#[test]
fn a_viewer_never_promises_more_than_the_deposit() {
	assert!(check_promise(60, 40, 100).is_ok());
	assert_eq!(check_promise(60, 41, 100).map_err(|e| e.promised), Err(101));
	assert!(check_promise(u128::MAX, 1, u128::MAX).is_err());
}

#[test]
fn mul_ppm_is_exact_and_never_overflows() {
	assert_eq!(mul_ppm(50, 100_000), 5);
	assert_eq!(mul_ppm(u128::MAX, 1_000_000), u128::MAX);
	assert_eq!(mul_ppm(u128::MAX, 2_000_000), u128::MAX);
	assert_eq!(mul_ppm(999_999, 1), 0);
}
