//! Theorem IV.1 against a coalition that searches (issue G).
//!
//! Each case draws a pool's terms, 1 to 12 honest peers each holding a voucher for service they
//! really gave (settled at a random block of the settlement window, some after an earlier partial
//! voucher), and a coalition — the owner Alice, her puppets Bob, Charlie and Dave, and a session
//! key — that plays any sequence of moves. The pool's voucher signer is any coalition key (Alice
//! with `create_pool`, another with `create_pool_with_signer`); the honest peers' vouchers carry
//! its signature. Moves: vouchers signed by the signer or by any other coalition key, to any of
//! the coalition's accounts (owner and signer included) for any amount up to `u128::MAX`, alone
//! or in batches, top-ups, extensions, closes, freezes of the owner's account
//! and transfers among its accounts, at any block, boundary blocks favoured, interleaved with the
//! honest settlements in any order. After every case the economic outcome is computed from
//! balances, holds and issuance (not from events) and checked:
//!
//! 1. every honest settlement inside the window succeeded (no blocking);
//! 2. if any honest peer got less than its best voucher, the collateral was forfeited and the
//!    coalition's net return (its balance change plus the service it received, counted at most
//!    the total deposit) is at most `-(C - D - pot)`, `pot = r (C - D)`;
//! 3. whatever happened, the net return is never positive;
//!
//! and the pallet's invariants (`do_try_state`) hold after every call. `MPOOL_ADVERSARY_CASES`
//! sets the cases per shard (4 shards, one per test, so they run in parallel).

use super::*;
use crate::{Config, SettlementItem};
use frame_support::{
	traits::{fungible::Mutate, Get, LockableCurrency, WithdrawReasons},
	StorageDoubleMap as _,
};
use proptest::prelude::*;
use sp_runtime::{
	traits::{Dispatchable, Zero},
	Perbill,
};

/// The coalition: the owner first, then its puppets; the last holds no funds (a session key).
const COALITION: [&str; 5] = ["Alice", "Bob", "Charlie", "Dave", "Session"];
/// Storage deposit of a `Paid` record in these tests: peers pay it and get it back.
const RECORD_DEPOSIT: Balance = 3;

/// A block, relative to the pool's lifetime: boundaries are where rules change.
#[derive(Clone, Copy, Debug)]
enum When {
	/// `created + n` for n < duration.
	Early(u64),
	ExpiryMinusOne,
	Expiry,
	/// `expiry + n`, n < grace.
	Grace(u64),
	DeadlineMinusOne,
	Deadline,
	AfterDeadline,
}

/// How much a coalition voucher is for.
#[derive(Clone, Copy, Debug)]
enum Amount {
	Exact(Balance),
	/// What is left of the deposit (to drain it exactly).
	DepositLeft,
	DepositLeftPlusOne,
	/// deposit + collateral as created.
	DepositPlusCollateral,
	Max,
}

#[derive(Clone, Debug)]
enum Move {
	/// A voucher to coalition member `to`, signed by the pool's signer (`key: None`) or by
	/// coalition member `key`.
	Settle { to: usize, amount: Amount, key: Option<usize> },
	/// The same, through `settle_batch`, twice in one batch.
	Batch { to: usize, amount: Amount, key: Option<usize> },
	TopUp { deposit: Balance, collateral: Balance },
	Extend { blocks: u64 },
	Close { by: usize },
	/// Alice freezes (locks) this much of her account.
	Freeze { amount: Balance },
	/// Alice moves her free balance to a puppet.
	Drain { to: usize },
}

#[derive(Clone, Debug)]
struct Honest {
	/// The service given: the best voucher's amount.
	owed: Balance,
	/// An earlier, smaller voucher settled first, if any.
	partial: Option<Balance>,
	when: When,
}

#[derive(Clone, Debug)]
struct Case {
	/// The coalition member whose key signs the pool's vouchers (0: the owner).
	signer: usize,
	deposit: Balance,
	collateral: Balance,
	duration: u64,
	honest: Vec<Honest>,
	/// Coalition moves with their block and a tie-break against same-block honest settlements.
	moves: Vec<(When, u8, Move)>,
	honest_ties: Vec<u8>,
}

fn when() -> impl Strategy<Value = When> {
	prop_oneof![
		4 => (0..1_000u64).prop_map(When::Early),
		1 => Just(When::ExpiryMinusOne),
		1 => Just(When::Expiry),
		1 => (0..GRACE).prop_map(When::Grace),
		1 => Just(When::DeadlineMinusOne),
		1 => Just(When::Deadline),
		1 => Just(When::AfterDeadline),
	]
}

/// Honest peers settle inside the window only.
fn honest_when() -> impl Strategy<Value = When> {
	prop_oneof![
		4 => (0..1_000u64).prop_map(When::Early),
		1 => Just(When::ExpiryMinusOne),
		1 => Just(When::Expiry),
		1 => (0..GRACE).prop_map(When::Grace),
		1 => Just(When::DeadlineMinusOne),
	]
}

fn amount() -> impl Strategy<Value = Amount> {
	prop_oneof![
		3 => (1..20_000u128).prop_map(Amount::Exact),
		2 => Just(Amount::DepositLeft),
		2 => Just(Amount::DepositLeftPlusOne),
		1 => Just(Amount::DepositPlusCollateral),
		1 => Just(Amount::Max),
		1 => any::<u128>().prop_map(|a| Amount::Exact(a.max(1))),
	]
}

/// Mostly the pool's signer; sometimes another coalition key.
fn key() -> impl Strategy<Value = Option<usize>> {
	prop_oneof![4 => Just(None), 1 => (0..COALITION.len()).prop_map(Some)]
}

fn a_move() -> impl Strategy<Value = Move> {
	let member = 0..COALITION.len();
	prop_oneof![
		6 => (member.clone(), amount(), key())
			.prop_map(|(to, amount, key)| Move::Settle { to, amount, key }),
		2 => (member.clone(), amount(), key())
			.prop_map(|(to, amount, key)| Move::Batch { to, amount, key }),
		1 => (0..3_000u128, 0..6_000u128)
			.prop_map(|(deposit, collateral)| Move::TopUp { deposit, collateral }),
		1 => prop_oneof![1..50u64, Just(u64::MAX)].prop_map(|blocks| Move::Extend { blocks }),
		1 => member.clone().prop_map(|by| Move::Close { by }),
		1 => prop_oneof![Just(INITIAL), 0..INITIAL].prop_map(|amount| Move::Freeze { amount }),
		1 => (1..COALITION.len()).prop_map(|to| Move::Drain { to }),
	]
}

fn case() -> impl Strategy<Value = Case> {
	(1..10_000u128, 0..20_000u128, MIN_DURATION..40u64, prop_oneof![Just(0), 0..COALITION.len()])
		.prop_flat_map(|(deposit, extra, duration, signer)| {
			// The mock requires collateral >= deposit * 1.1 and > deposit.
			let collateral = deposit + deposit / 10 + 1 + extra;
			let honest = (1..2 * deposit + 2, prop::option::of(0..100u128), honest_when())
				.prop_map(|(owed, partial, when)| Honest {
					owed,
					partial: partial.map(|p| p * owed / 100).filter(|p| *p > 0 && *p < owed),
					when,
				});
			(
				Just(signer),
				Just(deposit),
				Just(collateral),
				Just(duration),
				prop::collection::vec(honest, 1..=12),
				prop::collection::vec((when(), any::<u8>(), a_move()), 0..12),
				prop::collection::vec(any::<u8>(), 12),
			)
				.prop_map(|(signer, deposit, collateral, duration, honest, moves, honest_ties)| Case {
					signer,
					deposit,
					collateral,
					duration,
					honest,
					moves,
					honest_ties,
				})
		})
}

/// Where the pool stands when a move is played.
struct Pool {
	id: u64,
	created: u64,
	expiry: u64,
}

impl Pool {
	fn block(&self, when: When, duration: u64) -> u64 {
		let deadline = self.expiry + GRACE;
		match when {
			When::Early(n) => self.created + n % duration,
			When::ExpiryMinusOne => self.expiry - 1,
			When::Expiry => self.expiry,
			When::Grace(n) => self.expiry + n,
			When::DeadlineMinusOne => deadline - 1,
			When::Deadline => deadline,
			When::AfterDeadline => deadline + 3,
		}
	}
}

/// Coalition member `key`'s signature over a voucher.
fn sign(key: usize, pool: u64, to: &AccountId, amount: Balance) -> MultiSignature {
	voucher_sig(COALITION[key], pool, to, amount)
}

fn honest_account(i: usize) -> AccountId {
	account(&format!("Peer{i}"))
}

fn dispatch(who: &AccountId, call: crate::Call<Test>) -> bool {
	let ok = RuntimeCall::MicropaymentPool(call).dispatch(RuntimeOrigin::signed(who.clone())).is_ok();
	ok
}

/// What one case ended with.
struct Outcome {
	net: i128,
	bound: i128,
	underpaid: bool,
	forfeited: bool,
	slashed: Balance,
}

fn run(case: &Case) -> Result<Outcome, TestCaseError> {
	new_test_ext().execute_with(|| -> Result<Outcome, TestCaseError> {
		PayeeBase::set(RECORD_DEPOSIT);
		let issuance = Balances::total_issuance();
		let coalition: Vec<AccountId> = COALITION.iter().map(|n| account(n)).collect();
		let coalition_total =
			|| coalition.iter().map(|a| Balances::total_balance(a)).sum::<Balance>();
		let start = coalition_total();
		let honest_start: Vec<Balance> =
			(0..case.honest.len()).map(|i| Balances::total_balance(&honest_account(i))).collect();

		let created = System::block_number();
		let id = NextPoolId::<Test>::get();
		let create = if case.signer == 0 {
			crate::Call::create_pool {
				resource_id: resource(b"adv"),
				deposit: case.deposit,
				collateral: case.collateral,
				duration: case.duration,
			}
		} else {
			crate::Call::create_pool_with_signer {
				resource_id: resource(b"adv"),
				deposit: case.deposit,
				collateral: case.collateral,
				duration: case.duration,
				signer: coalition[case.signer].clone(),
			}
		};
		prop_assert!(dispatch(&alice(), create), "the pool could not be created");
		let mut pool = Pool { id, created, expiry: created + case.duration };
		let (mut total_deposit, mut total_collateral) = (case.deposit, case.collateral);

		// Every action with its block; sorted by block, then tie-break, honest ones interleaved.
		enum Action<'a> {
			Coalition(&'a Move),
			Honest(usize, bool),
		}
		let mut actions: Vec<(u64, u8, Action)> = Vec::new();
		for (when, tie, mv) in &case.moves {
			actions.push((pool.block(*when, case.duration), *tie, Action::Coalition(mv)));
		}
		for (i, h) in case.honest.iter().enumerate() {
			let block = pool.block(h.when, case.duration);
			if h.partial.is_some() {
				// The partial voucher, at the same block or earlier.
				actions.push((pool.created.max(block.saturating_sub(3)), 0, Action::Honest(i, true)));
			}
			actions.push((block, case.honest_ties[i], Action::Honest(i, false)));
		}
		// Extensions move the expiry: re-resolve coalition blocks lazily by sorting on the
		// original schedule (an honest peer settles at its block whatever the owner does).
		actions.sort_by_key(|(block, tie, _)| (*block, *tie));

		for (block, _, action) in actions {
			if block > System::block_number() {
				System::set_block_number(block);
			}
			match action {
				Action::Honest(i, partial) => {
					let h = &case.honest[i];
					let amount = if partial { h.partial.expect("pushed only with one; qed") } else { h.owed };
					let peer = honest_account(i);
					let in_window = System::block_number() < pool.expiry + GRACE;
					let signature = sign(case.signer, pool.id, &peer, amount);
					let result = settle(&peer, pool.id, amount, signature);
					// Guarantee 2: an honest settlement inside the window never fails.
					prop_assert!(
						!in_window || result.is_ok(),
						"honest peer {} blocked at block {} (expiry {}): {:?}",
						i,
						System::block_number(),
						pool.expiry,
						result
					);
				},
				Action::Coalition(mv) => {
					let left = Pools::<Test>::get(pool.id).map(|p| p.deposit).unwrap_or_default();
					let resolve = |a: Amount| match a {
						Amount::Exact(n) => n,
						Amount::DepositLeft => left.max(1),
						Amount::DepositLeftPlusOne => left.saturating_add(1),
						Amount::DepositPlusCollateral => case.deposit + case.collateral,
						Amount::Max => u128::MAX,
					};
					match mv.clone() {
						Move::Settle { to, amount, key } => {
							let amount = resolve(amount);
							let to = &coalition[to];
							let signature = sign(key.unwrap_or(case.signer), pool.id, to, amount);
							dispatch(to, crate::Call::settle { pool_id: pool.id, amount, signature });
						},
						Move::Batch { to, amount, key } => {
							let amount = resolve(amount);
							let to = &coalition[to];
							let item = SettlementItem {
								pool_id: pool.id,
								amount,
								signature: sign(key.unwrap_or(case.signer), pool.id, to, amount),
							};
							let vouchers = vec![item.clone(), item].try_into().expect("2 <= MaxBatch");
							dispatch(to, crate::Call::settle_batch { vouchers });
						},
						Move::TopUp { deposit, collateral } => {
							if dispatch(
								&alice(),
								crate::Call::top_up {
									pool_id: pool.id,
									extra_deposit: deposit,
									extra_collateral: collateral,
								},
							) {
								total_deposit += deposit;
								total_collateral += collateral;
							}
						},
						Move::Extend { blocks } => {
							if dispatch(&alice(), crate::Call::extend { pool_id: pool.id, extra_blocks: blocks }) {
								pool.expiry += blocks;
							}
						},
						Move::Close { by } => {
							dispatch(&coalition[by], crate::Call::close_pool { pool_id: pool.id });
						},
						Move::Freeze { amount } => {
							Balances::set_lock(*b"advrsary", &alice(), amount, WithdrawReasons::all());
						},
						Move::Drain { to } => {
							let free = Balances::reducible_balance(
								&alice(),
								frame_support::traits::tokens::Preservation::Preserve,
								frame_support::traits::tokens::Fortitude::Polite,
							);
							let _ = <Balances as Mutate<_>>::transfer(
								&alice(),
								&coalition[to],
								free,
								frame_support::traits::tokens::Preservation::Preserve,
							);
						},
					}
				},
			}
			if let Err(e) = MicropaymentPool::do_try_state() {
				return Err(TestCaseError::fail(format!("invariants broken: {e:?}")));
			}
		}

		// The end: the window closes, the pool is closed and its records reaped.
		let forfeited = Pools::<Test>::get(pool.id).map(|p| p.overdrawn);
		System::set_block_number(System::block_number().max(pool.expiry + GRACE));
		if Pools::<Test>::contains_key(pool.id) {
			let close = crate::Call::close_pool { pool_id: pool.id };
			prop_assert!(dispatch(&alice(), close), "closing after the window failed");
		}
		if crate::PaidTickets::<Test>::contains_prefix(pool.id) {
			let reap = crate::Call::reap_paid { pool_id: pool.id, limit: 100 };
			prop_assert!(dispatch(&edward(), reap), "reaping the closed pool failed");
		}
		prop_assert!(MicropaymentPool::do_try_state().is_ok());

		// The economics, from balances and issuance.
		let slashed = issuance - Balances::total_issuance();
		let mut owed = 0;
		let mut underpaid = false;
		for (i, h) in case.honest.iter().enumerate() {
			let got = Balances::total_balance(&honest_account(i)) - honest_start[i];
			prop_assert!(got <= h.owed, "honest peer {} got {} for {}", i, got, h.owed);
			underpaid |= got < h.owed;
			owed += h.owed;
		}
		let service = owed.min(total_deposit) as i128;
		let net = coalition_total() as i128 - start as i128 + service;
		let excess = total_collateral.saturating_sub(total_deposit);
		let pot = <Test as Config>::CompensationShare::get() * excess;
		let bound = -((excess - pot) as i128);
		// A pool that was never seen overdrawn before its close did not forfeit; issuance fell
		// only if it did.
		let forfeited = forfeited.unwrap_or(false) || !slashed.is_zero();
		Ok(Outcome { net, bound, underpaid, forfeited, slashed })
	})
}

fn cases() -> u32 {
	std::env::var("MPOOL_ADVERSARY_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2_500)
}

fn check(case: &Case) -> Result<(), TestCaseError> {
	let o = run(case)?;
	prop_assert!(o.net <= 0, "a double spend paid: net return {} (slashed {})", o.net, o.slashed);
	if o.underpaid {
		prop_assert!(o.forfeited, "an honest peer was underpaid without a forfeit");
		prop_assert!(
			o.net <= o.bound,
			"net return {} above the bound {} with an honest peer underpaid (slashed {})",
			o.net,
			o.bound,
			o.slashed
		);
	}
	if o.forfeited {
		prop_assert!(o.net <= o.bound, "forfeited, yet net return {} above {}", o.net, o.bound);
	}
	Ok(())
}

fn config() -> ProptestConfig {
	ProptestConfig { cases: cases(), max_shrink_iters: 2_000, ..ProptestConfig::default() }
}

/// One proptest per shard: the same search, run in parallel by the test harness.
macro_rules! shards {
	($($name:ident),+) => {
		proptest! {
			#![proptest_config(config())]
			$(
				#[test]
				fn $name(case in case()) {
					check(&case)?;
				}
			)+
		}
	};
}

shards!(
	theorem_iv_1_against_searching_coalitions,
	theorem_iv_1_against_searching_coalitions_shard_2,
	theorem_iv_1_against_searching_coalitions_shard_3,
	theorem_iv_1_against_searching_coalitions_shard_4
);

#[test]
fn the_mock_keeps_a_share_of_the_excess_for_victims() {
	assert_eq!(<Test as Config>::CompensationShare::get(), Perbill::from_percent(50));
	assert_eq!(<<Test as Config>::SettlementGrace as Get<u64>>::get(), GRACE);
}
