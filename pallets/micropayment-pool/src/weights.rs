//! Weights for `pallet_micropayment_pool`.
//!
//! INITIAL ESTIMATES, not yet generated: the figures below are derived from the storage accesses
//! each call makes (listed per function) plus one sr25519 verification (~50 µs) for `settle`.
//! Issue D replaces this file with the output of the `benchmarking.rs` benchmarks run through
//! `frame-omni-bencher` on the demo runtime; the command will be recorded in `docs/results.md`.

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_micropayment_pool`.
pub trait WeightInfo {
	fn create_pool() -> Weight;
	fn settle() -> Weight;
	fn close_pool(p: u32) -> Weight;
}

/// Weights for `pallet_micropayment_pool` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	/// Storage: `MicropaymentPool::NextPoolId` (r:1 w:1), `MicropaymentPool::OwnerPools` (r:1 w:1),
	/// `Balances::Holds` (r:1 w:1), `System::Account` (r:1 w:1), `MicropaymentPool::Pools` (r:0 w:1)
	fn create_pool() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `MicropaymentPool::Pools` (r:1 w:1), `MicropaymentPool::Paid` (r:1 w:1),
	/// `System::BlockHash` (r:1 w:0), `Balances::Holds` (r:1 w:1), `System::Account` (r:2 w:2)
	fn settle() -> Weight {
		Weight::from_parts(120_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(6_u64))
			.saturating_add(T::DbWeight::get().writes(5_u64))
	}
	/// Storage: `MicropaymentPool::Pools` (r:1 w:1), `Balances::Holds` (r:1 w:1),
	/// `System::Account` (r:1 w:1), `MicropaymentPool::OwnerPools` (r:1 w:1),
	/// `MicropaymentPool::Paid` (r:0 w:p)
	fn close_pool(p: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64))
			.saturating_add(T::DbWeight::get().writes(4_u64))
			.saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(p.into())))
	}
}

// For backwards compatibility and tests.
impl WeightInfo for () {
	fn create_pool() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(5_u64))
	}
	fn settle() -> Weight {
		Weight::from_parts(120_000_000, 6_000)
			.saturating_add(RocksDbWeight::get().reads(6_u64))
			.saturating_add(RocksDbWeight::get().writes(5_u64))
	}
	fn close_pool(p: u32) -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(p.into()))
			.saturating_add(RocksDbWeight::get().reads(4_u64))
			.saturating_add(RocksDbWeight::get().writes(4_u64))
			.saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(p.into())))
	}
}
