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

/// Version 4: pool funds move from their owners' holds into the escrow account's
/// ([`crate::Pallet::escrow_account`]), under the same hold reasons.
pub mod v4 {
	use crate::{Config, HoldReason, OwnerPools, Pallet, Pools};
	#[cfg(feature = "try-runtime")]
	use crate::BalanceOf;
	#[cfg(feature = "try-runtime")]
	use codec::{Decode, Encode};
	#[cfg(feature = "try-runtime")]
	use frame_support::traits::fungible::{Inspect, InspectHold};
	use frame_support::{
		migrations::VersionedMigration,
		traits::{
			fungible::MutateHold,
			tokens::{Fortitude, Precision, Restriction},
			Get, UncheckedOnRuntimeUpgrade,
		},
		weights::Weight,
	};
	#[cfg(feature = "try-runtime")]
	use sp_runtime::traits::Saturating;
	use sp_runtime::traits::Zero;

	/// Moves each pool's deposit and collateral, held on its owner under `PoolDeposit` and
	/// `PoolCollateral`, onto the escrow's holds of the same reasons (forced: the funds were the
	/// pool's already, whatever freezes the owner added since). The escrow first gets its
	/// existential deposit, minted, so that pools below it can enter.
	///
	/// One step for all pools: `MaxPoolsPerAccount` bounds each owner, not their number, so a
	/// chain with more pools than fit one block's weight needs a multi-block migration instead
	/// (the demo chains hold a handful).
	pub struct InnerMigrateV3ToV4<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV3ToV4<T> {
		fn on_runtime_upgrade() -> Weight {
			Pallet::<T>::mint_escrow_existence();
			let escrow = Pallet::<T>::escrow_account();
			let mut pools = 0u64;
			let ids: alloc::vec::Vec<_> = Pools::<T>::iter_keys().collect();
			for id in ids {
				let Some(mut pool) = Pools::<T>::get(id) else { continue };
				pools = pools.saturating_add(1);
				let mut short = false;
				for (reason, amount) in [
					(HoldReason::PoolDeposit, &mut pool.deposit),
					(HoldReason::PoolCollateral, &mut pool.collateral),
				] {
					if amount.is_zero() {
						continue;
					}
					let moved = T::Currency::transfer_on_hold(
						&reason.into(),
						&pool.owner,
						&escrow,
						*amount,
						Precision::BestEffort,
						Restriction::OnHold,
						Fortitude::Force,
					)
					.unwrap_or_default();
					if moved != *amount {
						// The record may not promise what the escrow lacks: that would fall on
						// whichever pool pays or closes last, another owner's perhaps.
						*amount = moved;
						short = true;
					}
				}
				if short {
					frame_support::defensive!("a pool's held funds did not all move", id);
					Pools::<T>::insert(id, pool);
				}
			}
			// Whatever the owners still hold under the pool reasons belonged to no open pool.
			let owners: alloc::vec::Vec<_> = OwnerPools::<T>::iter_keys().collect();
			for owner in &owners {
				for reason in [HoldReason::PoolDeposit, HoldReason::PoolCollateral] {
					let _ = T::Currency::release_all(&reason.into(), owner, Precision::BestEffort);
				}
			}
			let owners = owners.len() as u64;
			// Per pool: its record, then two transfers of four accounts' balances and holds; per
			// owner its list and a release of each reason.
			T::DbWeight::get().reads_writes(
				pools.saturating_mul(6).saturating_add(owners.saturating_mul(3)).saturating_add(2),
				pools.saturating_mul(5).saturating_add(owners.saturating_mul(2)).saturating_add(2),
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			let (mut deposit, mut collateral) = (BalanceOf::<T>::zero(), BalanceOf::<T>::zero());
			for pool in Pools::<T>::iter_values() {
				deposit = deposit.saturating_add(pool.deposit);
				collateral = collateral.saturating_add(pool.collateral);
			}
			Ok((deposit, collateral, T::Currency::total_issuance()).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let (deposit, collateral, issuance) =
				<(BalanceOf<T>, BalanceOf<T>, BalanceOf<T>)>::decode(&mut &state[..])
					.map_err(|_| "pre_upgrade state")?;
			let escrow = Pallet::<T>::escrow_account();
			let held = |reason: HoldReason| T::Currency::balance_on_hold(&reason.into(), &escrow);
			frame_support::ensure!(held(HoldReason::PoolDeposit) == deposit, "deposits moved");
			frame_support::ensure!(held(HoldReason::PoolCollateral) == collateral, "collateral moved");
			frame_support::ensure!(
				T::Currency::total_issuance() <= issuance.saturating_add(T::Currency::minimum_balance()),
				"the migration minted more than the escrow's existential deposit"
			);
			Pallet::<T>::do_try_state()
		}
	}

	/// [`InnerMigrateV3ToV4`], run only when the stored version is 3; sets it to 4.
	pub type MigrateV3ToV4<T> = VersionedMigration<
		3,
		4,
		InnerMigrateV3ToV4<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
