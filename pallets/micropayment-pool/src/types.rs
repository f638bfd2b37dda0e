//! Records kept on chain for each pool.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{pallet_prelude::Get, BoundedVec};
use scale_info::TypeInfo;

/// A pool: funds a viewer locked to pay many peers for one resource.
///
/// `deposit` and `collateral` are what remains; both are held on the pallet's escrow account
/// under its two pool hold reasons, so the escrow's held balances always equal the sums over the
/// open pools.
/// New fields go last: clients decode the record from storage proofs.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
#[scale_info(skip_type_params(MaxResourceIdLen))]
pub struct Pool<AccountId, Balance, BlockNumber, MaxResourceIdLen: Get<u32>> {
	/// The viewer who created the pool, whose funds it locked: they return to it on close.
	pub owner: AccountId,
	/// What the pool pays for (e.g. a stream or file id), as the peers know it.
	pub resource_id: BoundedVec<u8, MaxResourceIdLen>,
	/// Deposit not yet paid out.
	pub deposit: Balance,
	/// Collateral locked: all of it until the pool is overdrawn; after that, what is left of the
	/// compensation pot that the forfeiture kept for victims.
	pub collateral: Balance,
	/// First block at which the pool takes no more funds or extensions. Vouchers still settle
	/// until `expiry + SettlementGrace`; the pool closes after that.
	pub expiry: BlockNumber,
	/// Number of distinct peers paid so far (entries in `Paid` for this pool).
	pub payees: u32,
	/// Set when a settlement found the deposit short: the owner double-spent, the collateral was
	/// forfeited (all but the compensation pot slashed at once) and nothing of it returns.
	pub overdrawn: bool,
	/// All deposit ever locked in the pool (creation and top-ups). The collateral's excess over
	/// it sets the compensation pot: see `Config::CompensationShare`.
	pub total_deposit: Balance,
	/// The account whose signatures the pool's vouchers need: the owner unless the pool was
	/// created with a session key ([`crate::Pallet::create_pool_with_signer`]). Fixed for the
	/// pool's life, so no voucher a peer holds can be voided by a rotation.
	pub signer: AccountId,
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
	/// Paid from the compensation pot, when the deposit is short.
	pub from_collateral: Balance,
	/// What the deposit cannot cover; non-zero means settling overdraws the pool.
	pub shortfall: Balance,
	/// Collateral this settlement would slash at once: non-zero only for the first overdraw.
	pub slashed: Balance,
}

/// One voucher of a batch settlement (see `Pallet::settle_batch`); its target is the caller.
#[derive(
	Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct SettlementItem<Balance: codec::HasCompact + MaxEncodedLen, Signature> {
	/// The pool that signed the voucher.
	pub pool_id: micropayment_pool_primitives::PoolId,
	/// The voucher's cumulative amount.
	#[codec(compact)]
	pub amount: Balance,
	/// The pool's signature over the voucher payload.
	pub signature: Signature,
}
