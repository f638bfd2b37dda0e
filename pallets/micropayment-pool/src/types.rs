//! Records kept on chain for each pool.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::Get, BoundedVec};
use scale_info::TypeInfo;

/// A pool: funds a viewer locked to pay many peers for one resource.
///
/// `deposit` and `collateral` are what remains; both are held on `owner`'s account under the
/// pallet's two hold reasons, so the held balances always equal the sums over the owner's pools.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxResourceIdLen))]
pub struct Pool<AccountId, Balance, BlockNumber, MaxResourceIdLen: Get<u32>> {
	/// The viewer who created the pool and signs its vouchers.
	pub owner: AccountId,
	/// What the pool pays for (e.g. a stream or file id), as the peers know it.
	pub resource_id: BoundedVec<u8, MaxResourceIdLen>,
	/// Deposit not yet paid out.
	pub deposit: Balance,
	/// Collateral not yet paid out as compensation.
	pub collateral: Balance,
	/// First block at which the pool no longer settles and may be closed.
	pub expiry: BlockNumber,
	/// Number of distinct peers paid so far (entries in `Paid` for this pool).
	pub payees: u32,
	/// Set when a settlement found the deposit short: the owner double-spent, the collateral is
	/// forfeited and whatever of it is left at close is slashed.
	pub overdrawn: bool,
}

/// What settling a voucher would pay right now (see `Pallet::claimable`).
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Claim<Balance> {
	/// Total paid to the peer: `from_deposit + from_collateral`.
	pub payout: Balance,
	/// Paid from the pool's deposit.
	pub from_deposit: Balance,
	/// Paid from the forfeited collateral, when the deposit is short.
	pub from_collateral: Balance,
	/// What the deposit cannot cover; non-zero means settling overdraws the pool.
	pub shortfall: Balance,
}
