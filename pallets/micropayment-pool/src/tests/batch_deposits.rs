//! A batch holds its new records' storage deposits once, at its end. That must change
//! nothing a peer or an owner can observe: for any vouchers, any peer balance around the deposit,
//! any block of the pool's life, `settle_batch` ends in the same balances, holds, issuance,
//! records and per-voucher outcomes as the same vouchers settled one by one with `settle`.
//!
//! The searched inputs: 1–6 pools of four owners with small or large deposits; 1–16 vouchers
//! for any of them or an unknown pool, signed by the pool's owner or by a stranger, for boundary
//! amounts (one planck, the record deposit, the pool's deposit ± 1, its collateral, `u128::MAX`),
//! repeated or not; the peer's balance from nothing to plenty, around multiples of the record
//! deposit; the settlement block from creation to past the window; a record deposit or none.
//! `MPOOL_BATCH_CASES` sets the cases (default 2,000: ~3 s; 20,000 passed in 30 s).

use super::*;
use crate::{BatchOf, PaidTickets, SettlementItem};
use codec::Encode;
use frame_support::traits::fungible::Mutate;
use proptest::prelude::*;
use sp_runtime::DispatchError;

/// The storage deposit of a `Paid` record in these tests.
const RECORD: Balance = 40;
const OWNERS: [&str; 4] = ["Alice", "Charlie", "Dave", "Edward"];
/// Signs vouchers for no pool: a stranger.
const STRANGER: &str = "Mallory";
/// Settles every voucher; funded by each case, not at genesis.
const PEER: &str = "BatchPeer";

#[derive(Clone, Debug)]
struct Case {
	/// Each pool's deposit; its collateral is twice that plus one.
	pools: Vec<Balance>,
	/// (pool index, `pools.len()` for an unknown pool; amount; signed by a stranger).
	vouchers: Vec<(usize, Amount, bool)>,
	peer_balance: Balance,
	/// Blocks after the pools' creation at which everything settles.
	after: u64,
	/// The record deposit: [`RECORD`], or none (a runtime may price records at zero).
	record: Balance,
}

#[derive(Clone, Copy, Debug)]
enum Amount {
	One,
	Record,
	DepositMinusOne,
	Deposit,
	DepositPlusOne,
	Collateral,
	Max,
}

fn case() -> impl Strategy<Value = Case> {
	let deposit = prop_oneof![Just(1 as Balance), Just(RECORD), Just(DEPOSIT), 1..2 * DEPOSIT];
	let amount = prop_oneof![
		Just(Amount::One),
		Just(Amount::Record),
		Just(Amount::DepositMinusOne),
		Just(Amount::Deposit),
		Just(Amount::DepositPlusOne),
		Just(Amount::Collateral),
		Just(Amount::Max),
	];
	let peer_balance = prop_oneof![
		Just(0 as Balance),
		Just(EXISTENTIAL_DEPOSIT),
		(0..4 as Balance, -1i8..=1).prop_map(|(k, d)| (k * RECORD + 1).saturating_add_signed(d.into())),
		Just(INITIAL),
	];
	let after = prop_oneof![
		Just(0u64),
		Just(DURATION - 1),
		Just(DURATION),
		Just(DURATION + GRACE - 1),
		Just(DURATION + GRACE),
		0..DURATION + GRACE + 2,
	];
	prop::collection::vec(deposit, 1..=6).prop_flat_map(move |pools| {
		let n = pools.len();
		(
			Just(pools),
			prop::collection::vec((0..=n, amount.clone(), prop::bool::weighted(0.1)), 1..=16),
			peer_balance.clone(),
			after.clone(),
			prop_oneof![4 => Just(RECORD), 1 => Just(0 as Balance)],
		)
			.prop_map(|(pools, vouchers, peer_balance, after, record)| Case {
				pools,
				vouchers,
				peer_balance,
				after,
				record,
			})
	})
}

/// What each voucher did: paid this much, or failed with this error.
type Outcomes = Vec<Result<Balance, DispatchError>>;

/// Everything a settlement may change, read from balances and storage.
#[derive(Debug, PartialEq)]
struct Snapshot {
	accounts: Vec<(Balance, [Balance; 4])>,
	issuance: Balance,
	/// The pool records, encoded (`Pool` compares only through its bytes).
	pools: Vec<(u64, Vec<u8>)>,
	paid: Vec<(u64, AccountId, Balance)>,
	deposits: Vec<(u64, AccountId, Balance)>,
}

fn snapshot() -> Snapshot {
	let reasons =
		[HoldReason::PoolDeposit, HoldReason::PoolCollateral, HoldReason::PoolStorage, HoldReason::PayeeStorage];
	let accounts = OWNERS
		.iter()
		.chain([STRANGER, PEER].iter())
		.map(|name| account(name))
		.chain([escrow()])
		.map(|who| (free(&who), reasons.map(|reason| held(reason, &who))))
		.collect();
	Snapshot {
		accounts,
		issuance: Balances::total_issuance(),
		pools: Pools::<Test>::iter().map(|(id, pool)| (id, pool.encode())).collect(),
		paid: Paid::<Test>::iter().collect(),
		deposits: PaidTickets::<Test>::iter().collect(),
	}
}

/// Creates the case's pools, funds the peer and moves to the settlement block; returns the
/// signed vouchers.
fn setup(case: &Case) -> Vec<(u64, Balance, MultiSignature)> {
	PayeeBase::set(case.record);
	let peer = account(PEER);
	let pools: Vec<(u64, &str, Balance)> = case
		.pools
		.iter()
		.enumerate()
		.map(|(i, &deposit)| {
			let owner = OWNERS[i % OWNERS.len()];
			(create(&account(owner), deposit, 2 * deposit + 1), owner, deposit)
		})
		.collect();
	if case.peer_balance > 0 {
		Balances::set_balance(&peer, case.peer_balance);
	}
	System::set_block_number(1 + case.after);
	case.vouchers
		.iter()
		.map(|&(index, amount, stranger)| {
			let (pool_id, owner, deposit) =
				pools.get(index).copied().unwrap_or((NextPoolId::<Test>::get(), "Alice", DEPOSIT));
			let amount = match amount {
				Amount::One => 1,
				Amount::Record => RECORD,
				Amount::DepositMinusOne => deposit - 1,
				Amount::Deposit => deposit,
				Amount::DepositPlusOne => deposit + 1,
				Amount::Collateral => 2 * deposit + 1,
				Amount::Max => Balance::MAX,
			};
			let signer = if stranger { STRANGER } else { owner };
			(pool_id, amount, voucher_sig(signer, pool_id, &peer, amount))
		})
		.collect()
}

fn run_batch(case: &Case) -> (Snapshot, Outcomes) {
	new_test_ext().execute_with(|| {
		let vouchers = setup(case);
		let batch: BatchOf<Test> = vouchers
			.into_iter()
			.map(|(pool_id, amount, signature)| SettlementItem { pool_id, amount, signature })
			.collect::<Vec<_>>()
			.try_into()
			.expect("at most MaxBatch vouchers; qed");
		System::reset_events();
		let outcomes = match MicropaymentPool::settle_batch(RuntimeOrigin::signed(account(PEER)), batch) {
			Err(e) => vec![Err(e.error)],
			Ok(_) => pool_events()
				.into_iter()
				.filter_map(|event| match event {
					Event::Settled { paid, .. } => Some(Ok(paid)),
					Event::SettlementFailed { error, .. } => Some(Err(error)),
					_ => None,
				})
				.collect(),
		};
		MicropaymentPool::do_try_state().expect("invariants hold after the batch");
		(snapshot(), outcomes)
	})
}

fn run_singles(case: &Case) -> (Snapshot, Outcomes) {
	new_test_ext().execute_with(|| {
		let outcomes = setup(case)
			.into_iter()
			.map(|(pool_id, amount, signature)| {
				System::reset_events();
				settle(&account(PEER), pool_id, amount, signature).map(|()| {
					pool_events()
						.into_iter()
						.find_map(|event| match event {
							Event::Settled { paid, .. } => Some(paid),
							_ => None,
						})
						.expect("a settled voucher emits Settled; qed")
				})
			})
			.collect();
		MicropaymentPool::do_try_state().expect("invariants hold after the settlements");
		(snapshot(), outcomes)
	})
}

fn cases() -> u32 {
	std::env::var("MPOOL_BATCH_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2_000)
}

proptest! {
	#![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

	#[test]
	fn a_batch_ends_where_its_vouchers_one_by_one_end(case in case()) {
		let (batch, batch_outcomes) = run_batch(&case);
		let (singles, single_outcomes) = run_singles(&case);
		prop_assert_eq!(batch_outcomes, single_outcomes);
		prop_assert_eq!(batch, singles);
	}
}

/// The search reaches the cases that matter: a batch whose later first settlements the peer can
/// no longer pay for, next to ones it can.
#[test]
fn a_poor_peer_pays_the_deposits_it_can_and_no_more() {
	let case = Case {
		pools: vec![DEPOSIT, DEPOSIT, DEPOSIT],
		vouchers: vec![(0, Amount::One, false), (1, Amount::One, false), (2, Amount::Record, false)],
		// Enough for one deposit beside the existential deposit; the first two vouchers pay one
		// planck each, the third pays a deposit's worth.
		peer_balance: RECORD + EXISTENTIAL_DEPOSIT,
		after: 0,
		record: RECORD,
	};
	let (batch, outcomes) = run_batch(&case);
	let unavailable = DispatchError::from(crate::Error::<Test>::PayeeDepositUnavailable);
	assert_eq!(outcomes, vec![Ok(1), Err(unavailable), Ok(RECORD)]);
	let (free, holds) = batch.accounts[OWNERS.len() + 1];
	assert_eq!(holds[3], 2 * RECORD);
	assert_eq!(free, RECORD + EXISTENTIAL_DEPOSIT + 1 + RECORD - 2 * RECORD);
	assert_eq!(run_singles(&case), (batch, outcomes));
}

/// `PaidTickets` held `HoldConsideration` tickets before the pallet held the deposits itself; a
/// ticket encodes as its amount, so records written then read now as the amount they hold.
#[test]
fn tickets_stored_before_decode_as_the_held_amount() {
	use codec::Decode;
	use frame_support::traits::{
		fungible::HoldConsideration, ConstU128, Consideration, Footprint, LinearStoragePrice,
	};
	frame_support::parameter_types! {
		pub const Reason: RuntimeHoldReason = RuntimeHoldReason::MicropaymentPool(HoldReason::PayeeStorage);
	}
	type Ticket =
		HoldConsideration<AccountId, Balances, Reason, LinearStoragePrice<ConstU128<RECORD>, ConstU128<0>, Balance>>;
	new_test_ext().execute_with(|| {
		let ticket = Ticket::new(&bob(), Footprint::from_parts(1, 56)).expect("Bob is funded");
		let bytes = ticket.encode();
		assert_eq!(bytes, RECORD.encode());
		assert_eq!(Balance::decode(&mut &bytes[..]), Ok(RECORD));
		assert_eq!(held(HoldReason::PayeeStorage, &bob()), RECORD);
	});
}
