//! Storage migrations of the pallet.

/// Version 3: every pool names the account that signs its vouchers (`Pool::signer`).
pub mod v3 {
	use crate::{BalanceOf, Config, Pallet, Pools};
	use codec::{Decode, Encode};
	use frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
		BoundedVec,
	};
	use frame_system::pallet_prelude::BlockNumberFor;

	/// A pool record as storage version 2 wrote it: the same fields, without `signer`.
	#[derive(Encode, Decode)]
	pub struct PoolV2<AccountId, Balance, BlockNumber, ResourceId> {
		pub owner: AccountId,
		pub resource_id: ResourceId,
		pub deposit: Balance,
		pub collateral: Balance,
		pub expiry: BlockNumber,
		pub payees: u32,
		pub overdrawn: bool,
		pub total_deposit: Balance,
	}

	/// A version 2 record of the runtime `T`.
	pub type PoolV2Of<T> = PoolV2<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		BoundedVec<u8, <T as Config>::MaxResourceIdLen>,
	>;

	/// Rewrites each pool with its owner as signer: before version 3 the owner signed every
	/// voucher, so the vouchers peers already hold stay valid.
	pub struct InnerMigrateV2ToV3<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV2ToV3<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut count = 0u64;
			Pools::<T>::translate::<PoolV2Of<T>, _>(|_, old| {
				count = count.saturating_add(1);
				Some(crate::Pool {
					signer: old.owner.clone(),
					owner: old.owner,
					resource_id: old.resource_id,
					deposit: old.deposit,
					collateral: old.collateral,
					expiry: old.expiry,
					payees: old.payees,
					overdrawn: old.overdrawn,
					total_deposit: old.total_deposit,
				})
			});
			T::DbWeight::get().reads_writes(count, count)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((Pools::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
			let mut after = 0u64;
			for pool in Pools::<T>::iter_values() {
				frame_support::ensure!(pool.signer == pool.owner, "a migrated pool's signer");
				after = after.saturating_add(1);
			}
			frame_support::ensure!(before == after, "pools lost in the migration");
			Ok(())
		}
	}

	/// [`InnerMigrateV2ToV3`], run only when the stored version is 2; sets it to 3.
	pub type MigrateV2ToV3<T> = VersionedMigration<
		2,
		3,
		InnerMigrateV2ToV3<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
