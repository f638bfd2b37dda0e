//! Randomised property test: long sequences of calls by many accounts over many pools, honest
//! and hostile, with the invariants checked after every single step:
//!
//! - `do_try_state` (held funds equal the pools' records, bookkeeping consistent);
//! - a failed call changes no state (pallet storage, balances, holds, issuance);
//! - total issuance only falls, and only by what closes slashed;
//! - each owner's storage-deposit hold is exactly one price per open pool;
//! - no pool ever pays out more than was put into it (deposit + collateral, top-ups included);
//! - each account's record-deposit hold is exactly one price per `Paid` record it has.
//!
//! 64 cases x 1,600 steps = 102,400 calls per run (`MPOOL_PROPTEST_CASES` overrides the cases).

use super::*;
use crate::{Config, OwnerPools, PoolTickets};
use codec::Encode;
use frame_support::traits::Get;
use proptest::prelude::*;
use sp_runtime::traits::Dispatchable;
use std::collections::BTreeMap;

const STEPS: usize = 1_600;
const NAMES: [&str; 8] = ["Alice", "Bob", "Charlie", "Dave", "Edward", "Peer0", "Peer1", "Peer2"];

/// Who signs a voucher in a `Settle` step.
#[derive(Clone, Copy, Debug)]
enum Signer {
	/// The pool's owner, over the raw payload.
	Owner,
	/// The pool's owner, over the `<Bytes>`-wrapped payload.
	OwnerWrapped,
	/// The owner, but over a different amount (a malleated voucher).
	OwnerOtherAmount,
	/// Someone else.
	Stranger(usize),
	/// 64 bytes of junk.
	Junk(u8),
}

#[derive(Clone, Debug)]
enum Op {
	Create { who: usize, deposit: Balance, collateral: Balance, duration: u64 },
	TopUp { who: usize, pool: u64, deposit: Balance, collateral: Balance },
	Extend { who: usize, pool: u64, blocks: u64 },
	Settle { peer: usize, pool: u64, amount: Balance, signer: Signer },
	Batch { peer: usize, items: Vec<(u64, Balance, Signer)> },
	Close { who: usize, pool: u64 },
	Reap { who: usize, pool: u64, limit: u32 },
	Advance { blocks: u64 },
}

fn amount() -> impl Strategy<Value = Balance> {
	prop_oneof![8 => 0..3_000u128, 1 => Just(u128::MAX), 1 => 0..=INITIAL * 2]
}

fn signer() -> impl Strategy<Value = Signer> {
	prop_oneof![
		10 => Just(Signer::Owner),
		2 => Just(Signer::OwnerWrapped),
		1 => Just(Signer::OwnerOtherAmount),
		1 => (0..NAMES.len()).prop_map(Signer::Stranger),
		1 => any::<u8>().prop_map(Signer::Junk),
	]
}

fn op() -> impl Strategy<Value = Op> {
	let who = 0..NAMES.len();
	let pool = 0..12u64;
	prop_oneof![
		3 => (who.clone(), 0..2_000u128, 0..4_000u128, 0..1_200u64).prop_map(
			|(who, deposit, collateral, duration)| Op::Create { who, deposit, collateral, duration }
		),
		1 => (who.clone(), pool.clone(), amount(), amount()).prop_map(
			|(who, pool, deposit, collateral)| Op::TopUp { who, pool, deposit, collateral }
		),
		1 => (who.clone(), pool.clone(), prop_oneof![0..200u64, Just(u64::MAX)])
			.prop_map(|(who, pool, blocks)| Op::Extend { who, pool, blocks }),
		8 => (who.clone(), pool.clone(), amount(), signer())
			.prop_map(|(peer, pool, amount, signer)| Op::Settle { peer, pool, amount, signer }),
		2 => (who.clone(), prop::collection::vec((pool.clone(), amount(), signer()), 0..6))
			.prop_map(|(peer, items)| Op::Batch { peer, items }),
		2 => (who.clone(), pool.clone()).prop_map(|(who, pool)| Op::Close { who, pool }),
		1 => (who, pool, 0..4u32).prop_map(|(who, pool, limit)| Op::Reap { who, pool, limit }),
		2 => (1..80u64).prop_map(|blocks| Op::Advance { blocks }),
	]
}

fn sign(signer: Signer, pool: u64, peer: &AccountId, amount: Balance) -> MultiSignature {
	let owner = Pools::<Test>::get(pool).map(|p| p.owner).unwrap_or_else(alice);
	let owner_name = NAMES.iter().find(|n| account(n) == owner).copied().unwrap_or("Alice");
	let voucher = MicropaymentPool::voucher(pool, peer, amount);
	match signer {
		Signer::Owner => MultiSignature::Sr25519(pair(owner_name).sign(&voucher.payload())),
		Signer::OwnerWrapped =>
			MultiSignature::Sr25519(pair(owner_name).sign(&voucher.wrapped_payload())),
		Signer::OwnerOtherAmount => voucher_sig(owner_name, pool, peer, amount.wrapping_add(1)),
		Signer::Stranger(i) => MultiSignature::Sr25519(pair(NAMES[i]).sign(&voucher.payload())),
		Signer::Junk(b) => MultiSignature::Sr25519(sp_core::sr25519::Signature::from_raw([b; 64])),
	}
}

/// Everything a call could touch, hashed: the pallet's storage, every account and hold, and
/// the issuance.
fn state_digest() -> [u8; 32] {
	let mut bytes = Vec::new();
	bytes.extend(NextPoolId::<Test>::get().encode());
	bytes.extend(Pools::<Test>::iter().collect::<Vec<_>>().encode());
	bytes.extend(Paid::<Test>::iter().collect::<Vec<_>>().encode());
	bytes.extend(OwnerPools::<Test>::iter().collect::<Vec<_>>().encode());
	bytes.extend(PoolTickets::<Test>::iter().collect::<Vec<_>>().encode());
	bytes.extend(crate::PaidTickets::<Test>::iter().collect::<Vec<_>>().encode());
	for name in NAMES {
		bytes.extend(System::account(account(name)).encode());
		bytes.extend(pallet_balances::Holds::<Test>::get(account(name)).encode());
	}
	bytes.extend(Balances::total_issuance().encode());
	sp_io::hashing::blake2_256(&bytes)
}

fn call(op: &Op) -> Option<(AccountId, RuntimeCall)> {
	use crate::Call;
	let pool_call = |c: Call<Test>| RuntimeCall::MicropaymentPool(c);
	Some(match op.clone() {
		Op::Create { who, deposit, collateral, duration } => (
			account(NAMES[who]),
			pool_call(Call::create_pool {
				resource_id: resource(b"prop"),
				deposit,
				collateral,
				duration,
			}),
		),
		Op::TopUp { who, pool, deposit, collateral } => (
			account(NAMES[who]),
			pool_call(Call::top_up { pool_id: pool, extra_deposit: deposit, extra_collateral: collateral }),
		),
		Op::Extend { who, pool, blocks } =>
			(account(NAMES[who]), pool_call(Call::extend { pool_id: pool, extra_blocks: blocks })),
		Op::Settle { peer, pool, amount, signer } => {
			let peer = account(NAMES[peer]);
			let signature = sign(signer, pool, &peer, amount);
			(peer, pool_call(Call::settle { pool_id: pool, amount, signature }))
		},
		Op::Batch { peer, items } => {
			let peer = account(NAMES[peer]);
			let vouchers: Vec<_> = items
				.into_iter()
				.map(|(pool_id, amount, signer)| crate::SettlementItem {
					pool_id,
					amount,
					signature: sign(signer, pool_id, &peer, amount),
				})
				.collect();
			(peer, pool_call(Call::settle_batch { vouchers: vouchers.try_into().ok()? }))
		},
		Op::Close { who, pool } =>
			(account(NAMES[who]), pool_call(Call::close_pool { pool_id: pool })),
		Op::Reap { who, pool, limit } =>
			(account(NAMES[who]), pool_call(Call::reap_paid { pool_id: pool, limit })),
		Op::Advance { .. } => return None,
	})
}

/// Runs `ops`, checking every invariant after each; returns how many calls succeeded.
fn run(ops: &[Op]) -> Result<usize, TestCaseError> {
	let mut ok = 0;
	new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
		StorageBase::set(3);
		StorageByte::set(1);
		PayeeBase::set(2);
		let price = 3 + MicropaymentPool::pool_footprint().size as Balance;
		let initial_issuance = Balances::total_issuance();
		let mut slashed_total: Balance = 0;
		// Per pool: everything ever put in, everything ever paid out.
		let mut funded: BTreeMap<u64, Balance> = BTreeMap::new();
		let mut paid_out: BTreeMap<u64, Balance> = BTreeMap::new();

		for (step, op) in ops.iter().enumerate() {
			if let Op::Advance { blocks } = op {
				System::set_block_number(System::block_number() + blocks);
				continue;
			}
			let Some((who, call)) = call(op) else { continue };
			let before = state_digest();
			let pools_before: BTreeMap<_, _> = Pools::<Test>::iter().collect();
			System::reset_events();
			let result = call.dispatch(RuntimeOrigin::signed(who));
			if result.is_err() {
				prop_assert_eq!(before, state_digest(), "step {}: failed {:?} changed state", step, op);
			} else {
				ok += 1;
			}
			for event in pool_events() {
				match event {
					Event::PoolCreated { pool_id, deposit, collateral, .. } => {
						funded.insert(pool_id, deposit + collateral);
					},
					Event::PoolToppedUp { pool_id, deposit, collateral } => {
						let old = &pools_before[&pool_id];
						*funded.entry(pool_id).or_default() +=
							deposit + collateral - old.deposit - old.collateral;
					},
					Event::Settled { pool_id, paid, .. } =>
						*paid_out.entry(pool_id).or_default() += paid,
					Event::CollateralForfeited { slashed, .. } => slashed_total += slashed,
					Event::PoolClosed { slashed, .. } => slashed_total += slashed,
					_ => {},
				}
			}
			if let Err(e) = MicropaymentPool::do_try_state() {
				return Err(TestCaseError::fail(format!("step {step}: {op:?}: {e:?}")));
			}
			prop_assert_eq!(Balances::total_issuance(), initial_issuance - slashed_total);
			for (pool_id, paid) in &paid_out {
				prop_assert!(paid <= &funded[pool_id], "pool {} paid {} > funded", pool_id, paid);
			}
			for name in NAMES {
				let owner = account(name);
				let open = OwnerPools::<Test>::get(&owner).len() as Balance;
				prop_assert_eq!(held(HoldReason::PoolStorage, &owner), open * price);
				let records = crate::PaidTickets::<Test>::iter().filter(|(_, p, _)| *p == owner).count();
				prop_assert_eq!(held(HoldReason::PayeeStorage, &owner), records as Balance * 2);
			}
		}
		Ok(())
	})?;
	Ok(ok)
}

fn cases() -> u32 {
	std::env::var("MPOOL_PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)
}

proptest! {
	#![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

	#[test]
	fn invariants_hold_after_every_call(ops in prop::collection::vec(op(), STEPS)) {
		let ok = run(&ops)?;
		// The generator is meant to exercise success paths too, not only errors.
		prop_assert!(ok > STEPS / 20, "only {} of {} calls succeeded", ok, STEPS);
	}
}

#[test]
fn max_batch_is_the_mock_bound() {
	assert_eq!(<<Test as Config>::MaxBatch as Get<u32>>::get(), 16);
}
