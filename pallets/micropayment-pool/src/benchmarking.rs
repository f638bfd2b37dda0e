//! Benchmarks of the pallet's calls, each on its most expensive path.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{traits::Saturating, AccountId32, KeyTypeId, MultiSignature};

/// Makes pool owners whose keys can sign inside the benchmark.
pub trait BenchmarkHelper<AccountId, Signature> {
	/// A fresh owner account whose signing key the benchmark can use.
	fn new_owner() -> AccountId;
	/// `owner`'s signature over `message`.
	fn sign(owner: &AccountId, message: &[u8]) -> Signature;
}

const KEY_TYPE: KeyTypeId = KeyTypeId(*b"mpbn");

/// sr25519 keys from the host keystore: the scheme the pallet's users sign with.
impl BenchmarkHelper<AccountId32, MultiSignature> for () {
	fn new_owner() -> AccountId32 {
		AccountId32::new(sp_io::crypto::sr25519_generate(KEY_TYPE, None).0)
	}
	fn sign(owner: &AccountId32, message: &[u8]) -> MultiSignature {
		let public = sp_core::sr25519::Public::from_raw(*owner.as_ref());
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

/// A pool of a fresh owner and a voucher to a funded peer that overdraws it by one, signed
/// over the raw or the `<Bytes>`-wrapped payload.
fn overdrawing_voucher<T: Config>(
	wrapped: bool,
) -> (PoolId, T::AccountId, BalanceOf<T>, T::Signature) {
	let owner = T::BenchmarkHelper::new_owner();
	let (pool_id, deposit) = create::<T>(&owner);
	let target: T::AccountId = whitelisted_caller();
	funded::<T>(&target);
	let amount = deposit.saturating_add(1u32.into());
	let voucher = Pallet::<T>::voucher(pool_id, &target, amount);
	let signature = if wrapped {
		T::BenchmarkHelper::sign(&owner, &voucher.wrapped_payload())
	} else {
		T::BenchmarkHelper::sign(&owner, &voucher.payload())
	};
	(pool_id, target, amount, signature)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn create_pool() {
		let owner = T::BenchmarkHelper::new_owner();
		funded::<T>(&owner);
		let deposit = T::Currency::minimum_balance().saturating_mul(1_000u32.into());
		let collateral = deposit.saturating_mul(3u32.into());
		let resource: ResourceIdOf<T> = alloc::vec![7u8; T::MaxResourceIdLen::get() as usize]
			.try_into()
			.expect("exactly MaxResourceIdLen bytes; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(owner.clone()), resource, deposit, collateral, T::MinDuration::get());

		assert_eq!(Pools::<T>::get(0).map(|p| p.owner), Some(owner));
	}

	/// A first settlement by a new peer that overdraws the deposit: two transfers, both events.
	/// Signed over the raw payload: one signature check (the refunded weight).
	#[benchmark]
	fn settle() {
		let (pool_id, target, amount, signature) = overdrawing_voucher::<T>(false);

		#[extrinsic_call]
		_(RawOrigin::Signed(target.clone()), pool_id, amount, signature);

		assert_eq!(Paid::<T>::get(pool_id, &target), Some(amount));
		assert!(Pools::<T>::get(pool_id).is_some_and(|p| p.overdrawn));
	}

	/// As `settle`, signed over the `<Bytes>`-wrapped payload: two signature checks, the
	/// worst case and the weight charged up front.
	#[benchmark]
	fn settle_wrapped() {
		let (pool_id, target, amount, signature) = overdrawing_voucher::<T>(true);

		#[extrinsic_call]
		settle(RawOrigin::Signed(target.clone()), pool_id, amount, signature);

		assert_eq!(Paid::<T>::get(pool_id, &target), Some(amount));
	}

	/// Adding both deposit and collateral to a live pool.
	#[benchmark]
	fn top_up() {
		let owner = T::BenchmarkHelper::new_owner();
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
		let owner = T::BenchmarkHelper::new_owner();
		let (pool_id, _) = create::<T>(&owner);
		let before = Pools::<T>::get(pool_id).expect("just created; qed").expiry;

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), pool_id, 1u32.into());

		assert!(Pools::<T>::get(pool_id).is_some_and(|p| p.expiry > before));
	}

	/// `n` vouchers to one peer from `n` pools, each on the `settle_wrapped` path.
	#[benchmark]
	fn settle_batch(n: Linear<1, { T::MaxBatch::get() }>) {
		let target: T::AccountId = whitelisted_caller();
		funded::<T>(&target);
		let mut vouchers = alloc::vec::Vec::new();
		for _ in 0..n {
			let owner = T::BenchmarkHelper::new_owner();
			let (pool_id, deposit) = create::<T>(&owner);
			let amount = deposit.saturating_add(1u32.into());
			let payload = Pallet::<T>::voucher(pool_id, &target, amount).wrapped_payload();
			vouchers.push((pool_id, amount, T::BenchmarkHelper::sign(&owner, &payload)));
		}
		let vouchers: BatchOf<T> = vouchers.try_into().expect("n <= MaxBatch; qed");

		#[extrinsic_call]
		_(RawOrigin::Signed(target.clone()), vouchers);

		assert_eq!(Paid::<T>::iter().filter(|(_, who, _)| *who == target).count(), n as usize);
	}

	/// Closing an overdrawn pool (slash path) with `p` paid records to remove.
	#[benchmark]
	fn close_pool(p: Linear<0, { T::MaxPayeesPerPool::get() }>) {
		let owner = T::BenchmarkHelper::new_owner();
		let (pool_id, _) = create::<T>(&owner);
		for i in 0..p {
			let payee: T::AccountId = account("payee", i, 0);
			Paid::<T>::insert(pool_id, payee, BalanceOf::<T>::from(1u32));
		}
		let mut pool = Pools::<T>::get(pool_id).expect("just created; qed");
		pool.payees = p;
		pool.overdrawn = true;
		let expiry: BlockNumberFor<T> = pool.expiry;
		Pools::<T>::insert(pool_id, pool);
		frame_system::Pallet::<T>::set_block_number(expiry);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), pool_id);

		assert!(Pools::<T>::get(pool_id).is_none());
		assert_eq!(Paid::<T>::iter_prefix(pool_id).count(), 0);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
