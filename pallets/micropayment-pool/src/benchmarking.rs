//! Benchmarks of the pallet's calls, each on its most expensive path; `settle` also on its
//! cheaper paths, which it refunds to.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{
	fungible::{self, InspectHold, Mutate},
	tokens::Precision,
	Get,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{
	traits::{IdentifyAccount, Saturating},
	AccountId32, KeyTypeId, MultiSignature, MultiSigner,
};

/// Makes pool owners whose keys can sign inside the benchmark.
pub trait BenchmarkHelper<AccountId, Signature> {
	/// A fresh owner account and its public key: sr25519, or ECDSA (which recovers the key from
	/// the signature, at a cost of its own) when `ecdsa`.
	fn new_owner(ecdsa: bool) -> (AccountId, alloc::vec::Vec<u8>);
	/// The signature of the key `public` (from [`BenchmarkHelper::new_owner`]) over `message`.
	fn sign(public: &[u8], message: &[u8]) -> Signature;
}

const KEY_TYPE: KeyTypeId = KeyTypeId(*b"mpbn");

/// Keys from the host keystore: sr25519, the scheme the pallet's users sign with, and ECDSA.
impl BenchmarkHelper<AccountId32, MultiSignature> for () {
	fn new_owner(ecdsa: bool) -> (AccountId32, alloc::vec::Vec<u8>) {
		if ecdsa {
			let public = sp_io::crypto::ecdsa_generate(KEY_TYPE, None);
			(MultiSigner::from(public).into_account(), public.0.to_vec())
		} else {
			let public = sp_io::crypto::sr25519_generate(KEY_TYPE, None);
			(MultiSigner::from(public).into_account(), public.0.to_vec())
		}
	}
	fn sign(public: &[u8], message: &[u8]) -> MultiSignature {
		if let Ok(raw) = <[u8; 33]>::try_from(public) {
			let public = sp_core::ecdsa::Public::from_raw(raw);
			let signature = sp_io::crypto::ecdsa_sign(KEY_TYPE, &public, message)
				.expect("new_owner put this key in the keystore; qed");
			return MultiSignature::Ecdsa(signature);
		}
		let raw = <[u8; 32]>::try_from(public).expect("new_owner made a 32 or 33 byte key; qed");
		let public = sp_core::sr25519::Public::from_raw(raw);
		let signature = sp_io::crypto::sr25519_sign(KEY_TYPE, &public, message)
			.expect("new_owner put this key in the keystore; qed");
		MultiSignature::Sr25519(signature)
	}
}

fn funded<T: Config>(who: &T::AccountId) {
	let plenty = T::Currency::minimum_balance().saturating_mul(1_000_000u32.into());
	T::Currency::set_balance(who, plenty);
}

/// A pool of `owner` with the longest resource id, returned with its deposit.
fn create<T: Config>(owner: &T::AccountId) -> (PoolId, BalanceOf<T>) {
	funded::<T>(owner);
	let deposit = T::Currency::minimum_balance().saturating_mul(1_000u32.into());
	let collateral =
		deposit.saturating_add(T::MinCollateralExcess::get() * deposit).saturating_add(1u32.into());
	let resource = alloc::vec![7u8; T::MaxResourceIdLen::get() as usize];
	let pool_id = NextPoolId::<T>::get();
	Pallet::<T>::create_pool(
		RawOrigin::Signed(owner.clone()).into(),
		resource.try_into().expect("exactly MaxResourceIdLen bytes; qed"),
		deposit,
		collateral,
		T::MinDuration::get(),
	)
	.expect("funded owner, valid terms; qed");
	(pool_id, deposit)
}

/// A funded fresh owner and the terms of a new pool: the longest resource id, collateral three
/// times the deposit.
fn new_pool_terms<T: Config>() -> (T::AccountId, ResourceIdOf<T>, BalanceOf<T>, BalanceOf<T>) {
	let (owner, _) = T::BenchmarkHelper::new_owner(false);
	funded::<T>(&owner);
	let deposit = T::Currency::minimum_balance().saturating_mul(1_000u32.into());
	let collateral = deposit.saturating_mul(3u32.into());
	let resource = alloc::vec![7u8; T::MaxResourceIdLen::get() as usize]
		.try_into()
		.expect("exactly MaxResourceIdLen bytes; qed");
	(owner, resource, deposit, collateral)
}

/// A pool of a fresh owner and a voucher to a funded new peer that overdraws it by one, so that
/// settling it forfeits the collateral, pays from deposit and pot and holds the peer's record
/// deposit: the most work a settlement does. Signed by an sr25519 or ECDSA key, over the raw or
/// the `<Bytes>`-wrapped payload.
fn overdrawing_voucher<T: Config>(
	ecdsa: bool,
	wrapped: bool,
) -> (PoolId, T::AccountId, BalanceOf<T>, T::Signature) {
	let (owner, key) = T::BenchmarkHelper::new_owner(ecdsa);
	let (pool_id, deposit) = create::<T>(&owner);
	let target: T::AccountId = whitelisted_caller();
	funded::<T>(&target);
	let amount = deposit.saturating_add(1u32.into());
	let voucher = Pallet::<T>::voucher(pool_id, &target, amount);
	let signature = if wrapped {
		T::BenchmarkHelper::sign(&key, &voucher.wrapped_payload())
	} else {
		T::BenchmarkHelper::sign(&key, &voucher.payload())
	};
	(pool_id, target, amount, signature)
}

/// A pool of a fresh sr25519 owner, a funded peer and its raw-signed voucher for `amount` (inside
/// the deposit); with `repeat`, the peer was already paid half of it, so its `Paid` record exists.
fn voucher_inside_deposit<T: Config>(
	repeat: bool,
) -> (PoolId, T::AccountId, BalanceOf<T>, T::Signature) {
	let (owner, key) = T::BenchmarkHelper::new_owner(false);
	let (pool_id, deposit) = create::<T>(&owner);
	let target: T::AccountId = whitelisted_caller();
	funded::<T>(&target);
	let amount = deposit.saturating_sub(1u32.into());
	let sign = |amount| T::BenchmarkHelper::sign(&key, &Pallet::<T>::voucher(pool_id, &target, amount).payload());
	if repeat {
		let half = amount / 2u32.into();
		Pallet::<T>::settle(RawOrigin::Signed(target.clone()).into(), pool_id, half, sign(half))
			.expect("a voucher inside the deposit from a funded peer; qed");
	}
	(pool_id, target.clone(), amount, sign(amount))
}

/// The known-peer voucher of `voucher_inside_deposit` as `stage_pay` sees it: the escrow, the
/// peer, and what the voucher adds to what the peer was already paid.
fn repeat_payout<T: Config>() -> (T::AccountId, T::AccountId, BalanceOf<T>) {
	let (pool_id, target, amount, _) = voucher_inside_deposit::<T>(true);
	let due = amount.saturating_sub(Paid::<T>::get(pool_id, &target).unwrap_or_default());
	(Pallet::<T>::escrow_account(), target, due)
}

/// Checks that a benchmarked settlement took the forfeiting path.
fn assert_forfeited<T: Config>(pool_id: PoolId, target: &T::AccountId, amount: BalanceOf<T>) {
	assert_eq!(Paid::<T>::get(pool_id, target), Some(amount));
	assert!(PaidTickets::<T>::contains_key(pool_id, target));
	assert!(Pools::<T>::get(pool_id).is_some_and(|p| p.overdrawn));
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_pool() {
		let (owner, resource, deposit, collateral) = new_pool_terms::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), resource, deposit, collateral, T::MinDuration::get());

		assert_eq!(Pools::<T>::get(0).map(|p| p.owner), Some(owner));
	}

	/// As `create_pool`, naming a session key as the pool's signer.
	#[benchmark]
	fn create_pool_with_signer() {
		let (owner, resource, deposit, collateral) = new_pool_terms::<T>();
		let (signer, _) = T::BenchmarkHelper::new_owner(false);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(owner.clone()),
			resource,
			deposit,
			collateral,
			T::MinDuration::get(),
			signer.clone(),
		);

		assert_eq!(Pools::<T>::get(0).map(|p| (p.owner, p.signer)), Some((owner, signer)));
	}

	/// A first settlement by a new peer that overdraws the deposit: the collateral forfeited
	/// (slash), two transfers, the peer's record deposit held, every event. sr25519 over the raw
	/// payload: one signature check (the refunded weight).
	#[benchmark]
	fn settle() {
		let (pool_id, target, amount, signature) = overdrawing_voucher::<T>(false, false);

		#[extrinsic_call]
		_(RawOrigin::Signed(target.clone()), pool_id, amount, signature);

		assert_forfeited::<T>(pool_id, &target, amount);
	}

	/// A new peer's first settlement inside the deposit: one transfer, the peer's record
	/// deposit held, no slash. sr25519 over the raw payload.
	#[benchmark]
	fn settle_new_payee() {
		let (pool_id, target, amount, signature) = voucher_inside_deposit::<T>(false);

		#[extrinsic_call]
		settle(RawOrigin::Signed(target.clone()), pool_id, amount, signature);

		assert_eq!(Paid::<T>::get(pool_id, &target), Some(amount));
		assert!(Pools::<T>::get(pool_id).is_some_and(|p| !p.overdrawn && p.payees == 1));
	}

	/// A later settlement of a peer the pool already paid, inside the deposit: one transfer, no
	/// new record. sr25519 over the raw payload.
	#[benchmark]
	fn settle_repeat() {
		let (pool_id, target, amount, signature) = voucher_inside_deposit::<T>(true);

		#[extrinsic_call]
		settle(RawOrigin::Signed(target.clone()), pool_id, amount, signature);

		assert_eq!(Paid::<T>::get(pool_id, &target), Some(amount));
		assert!(Pools::<T>::get(pool_id).is_some_and(|p| !p.overdrawn && p.payees == 1));
	}

	/// As `settle`, signed over the `<Bytes>`-wrapped payload: two sr25519 checks, the weight
	/// charged up front for sr25519 and ed25519 signatures.
	#[benchmark]
	fn settle_wrapped() {
		let (pool_id, target, amount, signature) = overdrawing_voucher::<T>(false, true);

		#[extrinsic_call]
		settle(RawOrigin::Signed(target.clone()), pool_id, amount, signature);

		assert_forfeited::<T>(pool_id, &target, amount);
	}

	/// As `settle`, with an ECDSA signature over the raw payload: one key recovery.
	#[benchmark]
	fn settle_ecdsa() {
		let (pool_id, target, amount, signature) = overdrawing_voucher::<T>(true, false);

		#[extrinsic_call]
		settle(RawOrigin::Signed(target.clone()), pool_id, amount, signature);

		assert_forfeited::<T>(pool_id, &target, amount);
	}

	/// ECDSA over the wrapped payload: two key recoveries, the weight charged up front for
	/// ECDSA signatures.
	#[benchmark]
	fn settle_ecdsa_wrapped() {
		let (pool_id, target, amount, signature) = overdrawing_voucher::<T>(true, true);

		#[extrinsic_call]
		settle(RawOrigin::Signed(target.clone()), pool_id, amount, signature);

		assert_forfeited::<T>(pool_id, &target, amount);
	}

	/// Adding both deposit and collateral to a live pool.
	#[benchmark]
	fn top_up() {
		let (owner, _) = T::BenchmarkHelper::new_owner(false);
		let (pool_id, deposit) = create::<T>(&owner);
		let extra_collateral = deposit.saturating_mul(2u32.into());

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), pool_id, deposit, extra_collateral);

		let pool = Pools::<T>::get(pool_id).expect("still open; qed");
		assert_eq!(pool.deposit, deposit.saturating_mul(2u32.into()));
	}

	/// Moving a live pool's expiry.
	#[benchmark]
	fn extend() {
		let (owner, _) = T::BenchmarkHelper::new_owner(false);
		let (pool_id, _) = create::<T>(&owner);
		let before = Pools::<T>::get(pool_id).expect("just created; qed").expiry;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), pool_id, 1u32.into());

		assert!(Pools::<T>::get(pool_id).is_some_and(|p| p.expiry > before));
	}

	/// `n` vouchers to one peer from `n` pools, each on the `settle_wrapped` path: each
	/// forfeits its pool's collateral; the batch pays, slashes and holds once.
	#[benchmark]
	fn settle_batch(n: Linear<1, { T::MaxBatch::get() }>) {
		let target: T::AccountId = whitelisted_caller();
		funded::<T>(&target);
		let mut vouchers = alloc::vec::Vec::new();
		for _ in 0..n {
			let (owner, key) = T::BenchmarkHelper::new_owner(false);
			let (pool_id, deposit) = create::<T>(&owner);
			let amount = deposit.saturating_add(1u32.into());
			let payload = Pallet::<T>::voucher(pool_id, &target, amount).wrapped_payload();
			let signature = T::BenchmarkHelper::sign(&key, &payload);
			vouchers.push(SettlementItem { pool_id, amount, signature });
		}
		let vouchers: BatchOf<T> = vouchers.try_into().expect("n <= MaxBatch; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(target.clone()), vouchers);

		assert_eq!(Paid::<T>::iter().filter(|(_, who, _)| *who == target).count(), n as usize);
	}

	/// Closing an overdrawn pool: the deposit released, what is left of the pot slashed.
	#[benchmark]
	fn close_pool() {
		let (pool_id, target, amount, signature) = overdrawing_voucher::<T>(false, false);
		Pallet::<T>::settle(RawOrigin::Signed(target).into(), pool_id, amount, signature)
			.expect("a valid overdrawing voucher; qed");
		let pool = Pools::<T>::get(pool_id).expect("still open; qed");
		frame_system::Pallet::<T>::set_block_number(Pallet::<T>::settlement_deadline(&pool));
		let owner = pool.owner;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), pool_id);

		assert!(Pools::<T>::get(pool_id).is_none());
	}

	/// Removing `n` `Paid` records of a closed pool, each releasing its peer's deposit.
	#[benchmark]
	fn reap_paid(n: Linear<1, 1_000>) {
		let (owner, _) = T::BenchmarkHelper::new_owner(false);
		let (pool_id, _) = create::<T>(&owner);
		for i in 0..n {
			let payee: T::AccountId = account("payee", i, 0);
			funded::<T>(&payee);
			let deposit = Pallet::<T>::payee_deposit();
			Pallet::<T>::hold_payee_deposit(&payee, deposit).expect("funded payee; qed");
			PaidTickets::<T>::insert(pool_id, &payee, deposit);
			Paid::<T>::insert(pool_id, payee, BalanceOf::<T>::from(1u32));
		}
		let mut pool = Pools::<T>::get(pool_id).expect("just created; qed");
		pool.payees = n;
		let deadline: BlockNumberFor<T> = Pallet::<T>::settlement_deadline(&pool);
		Pools::<T>::insert(pool_id, pool);
		frame_system::Pallet::<T>::set_block_number(deadline);
		Pallet::<T>::close_pool(RawOrigin::Signed(owner).into(), pool_id)
			.expect("the window is over; qed");
		let caller: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), pool_id, n);

		assert_eq!(Paid::<T>::iter_prefix(pool_id).count(), 0);
		assert_eq!(PaidTickets::<T>::iter_prefix(pool_id).count(), 0);
	}

	// A profile of `settle_repeat`: each stage measured alone, on the same state (extra
	// benchmarks: not weights; `ONLY=profile scripts/bench/weights.sh`). What the stages do not
	// cover is the call's dispatch.

	/// Reading and decoding the pool and the peer's `Paid` record; what the voucher pays.
	#[benchmark(extra)]
	fn stage_plan() {
		let (pool_id, target, amount, _) = voucher_inside_deposit::<T>(true);
		let planned;

		#[block]
		{
			planned = Pallet::<T>::plan(pool_id, &target, amount).is_ok();
		}

		assert!(planned);
	}

	/// The voucher's payload (the genesis hash read) and one sr25519 check.
	#[benchmark(extra)]
	fn stage_signature() {
		let (pool_id, target, amount, signature) = voucher_inside_deposit::<T>(true);
		let pool = Pools::<T>::get(pool_id).expect("just created; qed");
		let checked;

		#[block]
		{
			checked = Pallet::<T>::check_signature(&pool, pool_id, &target, amount, &signature);
		}

		assert_eq!(checked, Ok(PayloadForm::Raw));
	}

	/// The transfer out of the escrow's deposit hold to the peer (`pallet_balances`).
	#[benchmark(extra)]
	fn stage_pay() {
		let (_, target, due) = repeat_payout::<T>();
		let before = T::Currency::balance(&target);
		let paid;

		#[block]
		{
			paid = Pallet::<T>::release(HoldReason::PoolDeposit, &target, due, Precision::Exact);
		}

		assert_eq!(paid, Ok(due));
		assert_eq!(T::Currency::balance(&target), before.saturating_add(due));
	}

	/// `stage_pay`'s hold side alone: the escrow's deposit hold and account lowered
	/// (`UnbalancedHold::decrease_balance_on_hold`, what `transfer_on_hold` does first).
	#[benchmark(extra)]
	fn stage_pay_hold_side() {
		let (escrow, _, due) = repeat_payout::<T>();
		let reason = HoldReason::PoolDeposit.into();
		let before = <T::Currency as InspectHold<_>>::balance_on_hold(&reason, &escrow);
		let lowered;

		#[block]
		{
			lowered = <T::Currency as fungible::UnbalancedHold<_>>::decrease_balance_on_hold(
				&reason,
				&escrow,
				due,
				Precision::Exact,
			);
		}

		assert_eq!(lowered, Ok(due));
		assert_eq!(
			<T::Currency as InspectHold<_>>::balance_on_hold(&reason, &escrow),
			before.saturating_sub(due)
		);
	}

	/// `stage_pay`'s credit side alone: the peer's account raised
	/// (`Unbalanced::increase_balance`): what a batch now does once for all its vouchers.
	#[benchmark(extra)]
	fn stage_pay_credit_side() {
		let (_, target, due) = repeat_payout::<T>();
		let before = T::Currency::balance(&target);
		let raised;

		#[block]
		{
			raised = <T::Currency as fungible::Unbalanced<_>>::increase_balance(
				&target,
				due,
				Precision::Exact,
			);
		}

		assert_eq!(raised, Ok(due));
		assert_eq!(T::Currency::balance(&target), before.saturating_add(due));
	}

	/// Writing the `Paid` record and the pool record (both already read, as in `settle`).
	#[benchmark(extra)]
	fn stage_record() {
		let (pool_id, target, amount, _) = voucher_inside_deposit::<T>(true);
		let pool = Pools::<T>::get(pool_id).expect("just created; qed");
		let _ = Paid::<T>::get(pool_id, &target);

		#[block]
		{
			Paid::<T>::insert(pool_id, &target, amount);
			Pools::<T>::insert(pool_id, pool);
		}

		assert_eq!(Paid::<T>::get(pool_id, &target), Some(amount));
	}

	/// Depositing the `Settled` event.
	#[benchmark(extra)]
	fn stage_event() {
		let (pool_id, target, amount, _) = voucher_inside_deposit::<T>(true);

		#[block]
		{
			Pallet::<T>::deposit_event(Event::Settled {
				pool_id,
				target: target.clone(),
				amount,
				paid: amount,
			});
		}

		frame_system::Pallet::<T>::assert_last_event(
			Event::<T>::Settled { pool_id, target, amount, paid: amount }.into(),
		);
	}

	/// A first settlement's extra stage: the peer's record deposit held and its ticket stored.
	#[benchmark(extra)]
	fn stage_payee_ticket() {
		let (pool_id, target, _, _) = voucher_inside_deposit::<T>(false);
		let stored;

		#[block]
		{
			let deposit = Pallet::<T>::payee_deposit();
			stored = Pallet::<T>::hold_payee_deposit(&target, deposit)
				.map(|()| PaidTickets::<T>::insert(pool_id, &target, deposit))
				.is_ok();
		}

		assert!(stored);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
