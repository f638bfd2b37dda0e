//! # Micropayment Pool Pallet
//!
//! Pay many peers per chunk without a transaction per peer.
//!
//! ## Overview
//!
//! A viewer pulls chunks of a resource (a video stream, a file) from many nearby peers and pays
//! each of them per chunk. A payment channel needs an on-chain open per peer; a *pool* needs one
//! on-chain transaction per viewer session, whatever the number of peers:
//!
//! 1. [`Pallet::create_pool`]: the viewer moves a *deposit* (the most it will pay) and a
//!    *collateral* (more than the deposit) into the pallet's escrow account until an expiry
//!    block. With
//!    [`Pallet::create_pool_with_signer`] a session key signs the vouchers instead of the
//!    viewer's funding account.
//! 2. Off-chain, the viewer shows a new peer a storage proof of its pool (see
//!    [`micropayment_pool_primitives::keys`]) and pays it per chunk with signed *vouchers*, each
//!    carrying the *cumulative* amount owed to that peer (see [`micropayment_pool_primitives`]).
//! 3. [`Pallet::settle`]: until `expiry + SettlementGrace`, each peer submits its latest
//!    voucher and is paid the difference to what it was already paid. The peer pays the fee and
//!    the storage deposit of its `Paid` record.
//! 4. If a settlement finds the remaining deposit short, the viewer promised more than it locked
//!    (a double spend): the pool is *overdrawn* and its collateral forfeited at once. A
//!    compensation pot of [`Config::CompensationShare`] of the collateral's excess over the
//!    deposit stays for the victims (none in the demo runtimes: the owner's puppets could claim
//!    it first); the rest goes to [`Config::OnSlash`] immediately.
//! 5. [`Pallet::close_pool`]: after the settlement window, the remaining deposit and (unless
//!    forfeited) the collateral go back to the owner. [`Pallet::reap_paid`] then removes the
//!    pool's `Paid` records in bounded steps and returns their storage deposits to the peers.
//!
//! ## Guarantees
//!
//! Double spending never pays (the paper's Theorem IV.1, against every strategy): if an honest
//! peer that settles inside the window is paid less than its voucher, the collateral was
//! forfeited, and the owner's coalition (the owner and any accounts it controls) ends with a net
//! return of at most `-(1 - r) * (collateral - total_deposit)`, `r` = `CompensationShare`. The
//! pool's signer belongs to the coalition by construction: the owner names it. The pool refuses
//! vouchers to its owner and signer, pays any number of peers, and pays them from its escrow
//! account, out of the owner's reach: no owner strategy (a freeze, a lock, a transfer) blocks an
//! honest settlement without forfeiting. The argument is in `docs/security.md`.
//!
//! ## Custody
//!
//! A pool's funds leave its owner when the pool is created or topped up, moved with the owner's
//! freezes respected (frozen or locked funds cannot enter a pool), and are held in one account
//! the pallet controls ([`Pallet::escrow_account`], from [`Config::PalletId`]) under the pool
//! hold reasons: `PoolDeposit` and `PoolCollateral` on that account always equal the sums over
//! the open pools. Payouts, slashes and refunds come from there, so nothing the owner does later
//! can block or unlock them, and a batch pays its caller once, whatever the number of vouchers.
//! One account rather than one per pool: a batch's vouchers span pools, and a single account
//! lets it debit once; accounts per pool would each need an existential deposit and a write
//! per pool. The escrow keeps an existential deposit of its own (minted at genesis, by the v4
//! migration, or paid by the first creator on a chain that had neither), so deposits below it
//! can enter. What a viewer has locked is in its pool records (`Pools`, `OwnerPools`, the
//! `pool` view function and runtime API, the `PoolCreated` and `PoolToppedUp` events).
//!
//! ## Signatures
//!
//! Vouchers are signed with [`Config::Signature`] (`MultiSignature` in the demo runtime) over
//! [`micropayment_pool_primitives::Voucher::payload`], raw or `<Bytes>`-wrapped. The payload
//! binds the chain's genesis hash, the pool, the payee and the cumulative amount.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod signature;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
pub use benchmarking::BenchmarkHelper;
pub use signature::SignatureCost;
pub use micropayment_pool_primitives::{PayloadForm, PoolId, Voucher, PAYLOAD_LEN};
pub use pallet::*;
pub use types::{Claim, Pool, SettlementItem};
pub use weights::WeightInfo;

use frame_support::traits::fungible::{Credit, Inspect};

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// Negative imbalance handed to [`Config::OnSlash`].
pub type CreditOf<T> = Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;
/// The on-chain record of a pool.
pub type PoolOf<T> = Pool<
	<T as frame_system::Config>::AccountId,
	BalanceOf<T>,
	frame_system::pallet_prelude::BlockNumberFor<T>,
	<T as Config>::MaxResourceIdLen,
>;
/// A resource id, bounded by [`Config::MaxResourceIdLen`].
pub type ResourceIdOf<T> = frame_support::BoundedVec<u8, <T as Config>::MaxResourceIdLen>;
/// One voucher of a batch; the target is the caller.
pub type BatchItemOf<T> = SettlementItem<BalanceOf<T>, <T as Config>::Signature>;
/// A batch of vouchers, bounded by [`Config::MaxBatch`].
pub type BatchOf<T> = frame_support::BoundedVec<BatchItemOf<T>, <T as Config>::MaxBatch>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{
		pallet_prelude::*,
		storage::with_storage_layer,
		StorageDoubleMap as _,
		traits::{
			fungible::{self, BalancedHold, InspectHold, Mutate, MutateHold},
			tokens::{Fortitude, Precision, Preservation, Restriction},
			Consideration, Footprint, Imbalance, OnUnbalanced,
		},
		PalletId,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{AccountIdConversion, CheckedAdd, Convert, IdentifyAccount, Saturating, Verify, Zero},
		Perbill, SaturatedConversion,
	};

	/// The in-code storage version: 2 added `Pool::total_deposit` and `PaidTickets`; 3 added
	/// `Pool::signer` (see [`crate::migrations::v3`]); 4 moved pool funds from their owners'
	/// holds into the escrow account's (see [`crate::migrations::v4`]).
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(4);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Defaults for the test and demo runtimes: `#[derive_impl(TestDefaultConfig)]`.
	pub mod config_preludes {
		use super::*;
		use frame_support::derive_impl;

		/// Small limits that let tests reach every bound quickly.
		pub struct TestDefaultConfig;

		#[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
		impl frame_system::DefaultConfig for TestDefaultConfig {}

		#[frame_support::register_default_impl(TestDefaultConfig)]
		impl DefaultConfig for TestDefaultConfig {
			type MaxResourceIdLen = ConstU32<64>;
			type MaxPoolsPerAccount = ConstU32<4>;
			type MaxBatch = ConstU32<16>;
			type PalletId = PoolPalletId;
			type MinCollateralExcess = MinCollateralExcess;
			type CompensationShare = CompensationShare;
			type WeightInfo = ();
		}

		frame_support::parameter_types! {
			/// Collateral must exceed the deposit by at least 10%.
			pub const MinCollateralExcess: Perbill = Perbill::from_percent(10);
			/// Half of the collateral's excess over the deposit compensates victims.
			pub const CompensationShare: Perbill = Perbill::from_percent(50);
			/// The escrow account's id.
			pub const PoolPalletId: PalletId = PalletId(*b"py/mpool");
		}
	}

	#[pallet::config(with_default)]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>, AccountId: AsRef<[u8; 32]>>
	{
		/// The currency whose funds are held in pools.
		#[pallet::no_default]
		type Currency: fungible::Inspect<Self::AccountId>
			+ fungible::Mutate<Self::AccountId>
			+ fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
			+ fungible::BalancedHold<Self::AccountId>;

		/// The overarching hold reason.
		#[pallet::no_default]
		type RuntimeHoldReason: From<HoldReason>;

		/// Signature of a pool's signer (its owner or a session key) over a voucher payload.
		#[pallet::no_default]
		type Signature: Verify<Signer = Self::Signer> + SignatureCost + Parameter;

		/// The key that makes [`Config::Signature`]; identifies an account.
		#[pallet::no_default]
		type Signer: IdentifyAccount<AccountId = Self::AccountId>;

		/// Where forfeited collateral goes (burnt with `()`). It must not pay an account a pool
		/// owner could control, or the double-spend guarantee is void.
		#[pallet::no_default]
		type OnSlash: OnUnbalanced<CreditOf<Self>>;

		/// Longest resource id, in bytes.
		#[pallet::constant]
		type MaxResourceIdLen: Get<u32>;

		/// Shortest pool lifetime, in blocks: peers need time to settle.
		#[pallet::constant]
		#[pallet::no_default]
		type MinDuration: Get<BlockNumberFor<Self>>;

		/// Longest pool lifetime, in blocks.
		#[pallet::constant]
		#[pallet::no_default]
		type MaxDuration: Get<BlockNumberFor<Self>>;

		/// Blocks after a pool's expiry during which its vouchers still settle, so that a
		/// settlement sent in the last block, or censored by a friendly author, still lands.
		/// The pool closes only after this window.
		#[pallet::constant]
		#[pallet::no_default]
		type SettlementGrace: Get<BlockNumberFor<Self>>;

		/// Most pools one account may have open at once.
		#[pallet::constant]
		type MaxPoolsPerAccount: Get<u32>;

		/// How much the collateral must exceed the deposit, as a share of the deposit, on top of
		/// the strict `collateral > deposit` that the protocol needs.
		#[pallet::constant]
		type MinCollateralExcess: Get<Perbill>;

		/// Share `r` of the collateral's excess over the total deposit kept, when a pool is
		/// overdrawn, as a pot that compensates its victims, first come first served; the rest
		/// is slashed at once. A double spend then returns at most
		/// `-(1 - r) * (collateral - total_deposit)`.
		///
		/// On chain a sock puppet of the owner is indistinguishable from a peer, so the owner's
		/// puppets can claim the pot before its victims do: `0` (no pot, the whole collateral
		/// slashed; the demo runtimes) leaves nothing to capture, and honest peers rely on their
		/// own exposure cap instead (docs/security.md).
		#[pallet::constant]
		type CompensationShare: Get<Perbill>;

		/// Most vouchers in one `settle_batch`.
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// The id of the escrow account that holds every pool's deposit and collateral
		/// ([`Pallet::escrow_account`]). Changing it on a live chain strands the funds held there.
		#[pallet::constant]
		type PalletId: Get<PalletId>;

		/// The storage deposit of a pool record: held from the creator while the pool exists,
		/// so state bloat costs whoever causes it. Returned on close.
		#[pallet::no_default]
		type Consideration: Consideration<Self::AccountId, Footprint>;

		/// The price of a `Paid` record's storage deposit (e.g. `LinearStoragePrice`): held from
		/// the peer whose first settlement in a pool creates the record, under
		/// `HoldReason::PayeeStorage`, and returned to the peer by [`Pallet::reap_paid`] after
		/// the pool closed. The peer is who benefits from the record, and who wants it cleaned
		/// up. A price rather than a `Consideration`: a batch holds all its new records' deposits
		/// at once.
		#[pallet::no_default]
		type PayeeDeposit: Convert<Footprint, BalanceOf<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Makes owner keys and signatures for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		#[pallet::no_default]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::Signature>;
	}

	/// Why the pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The pools' deposits, held on the escrow account: they pay the peers.
		#[codec(index = 0)]
		PoolDeposit,
		/// The pools' collateral, held on the escrow account: forfeited if a deposit is
		/// overdrawn.
		#[codec(index = 1)]
		PoolCollateral,
		/// The storage deposit of a pool's record (see [`Config::Consideration`]).
		#[codec(index = 2)]
		PoolStorage,
		/// The storage deposit of a peer's `Paid` record (see [`Config::PayeeDeposit`]).
		#[codec(index = 3)]
		PayeeStorage,
	}

	/// The id the next pool gets.
	#[pallet::storage]
	pub type NextPoolId<T> = StorageValue<_, PoolId, ValueQuery>;

	/// Open pools.
	#[pallet::storage]
	pub type Pools<T: Config> = StorageMap<_, Twox64Concat, PoolId, PoolOf<T>, OptionQuery>;

	/// The highest cumulative voucher amount settled for each (pool, peer). Kept after the pool
	/// closes until [`Pallet::reap_paid`] removes it.
	#[pallet::storage]
	pub type Paid<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		PoolId,
		Blake2_128Concat,
		T::AccountId,
		BalanceOf<T>,
		OptionQuery,
	>;

	/// The storage deposit held from the peer for each `Paid` record (`HoldReason::PayeeStorage`),
	/// released by [`Pallet::reap_paid`]. Encoded as the `HoldConsideration` ticket stored here
	/// before the pallet held these deposits itself: the same bytes.
	#[pallet::storage]
	pub type PaidTickets<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		PoolId,
		Blake2_128Concat,
		T::AccountId,
		BalanceOf<T>,
		OptionQuery,
	>;

	/// The storage deposit ticket of each open pool.
	#[pallet::storage]
	pub type PoolTickets<T: Config> =
		StorageMap<_, Twox64Concat, PoolId, T::Consideration, OptionQuery>;

	/// The open pools of each owner.
	#[pallet::storage]
	pub type OwnerPools<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<PoolId, T::MaxPoolsPerAccount>,
		ValueQuery,
	>;

	/// Endows the escrow account with the existential deposit at genesis (minted), so that pools
	/// of any size can enter it.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			Pallet::<T>::mint_escrow_existence();
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A pool was created: its deposit and collateral moved from the owner into the escrow.
		PoolCreated {
			/// The new pool's id, which vouchers name.
			pool_id: PoolId,
			/// The viewer whose funds the pool holds.
			owner: T::AccountId,
			/// What the pool pays for.
			resource_id: ResourceIdOf<T>,
			/// Locked to pay peers (held on the escrow account).
			deposit: BalanceOf<T>,
			/// Locked against double spending (held on the escrow account).
			collateral: BalanceOf<T>,
			/// First block at which the pool takes no more funds; vouchers settle until
			/// `expiry + SettlementGrace`.
			expiry: BlockNumberFor<T>,
			/// The account whose signatures the pool's vouchers need (the owner, or the
			/// session key named at creation).
			signer: T::AccountId,
		},
		/// A peer settled a voucher.
		Settled {
			/// The paying pool.
			pool_id: PoolId,
			/// The peer paid (the caller).
			target: T::AccountId,
			/// The voucher's cumulative total, now recorded in `Paid`.
			amount: BalanceOf<T>,
			/// What was transferred now: from the deposit and, if overdrawn, from the pot.
			paid: BalanceOf<T>,
		},
		/// A settlement found the deposit short for the first time: the owner double-spent and
		/// its collateral is forfeited.
		CollateralForfeited {
			/// The overdrawn pool.
			pool_id: PoolId,
			/// Its owner, who loses the collateral.
			owner: T::AccountId,
			/// Slashed to `OnSlash` at once.
			slashed: BalanceOf<T>,
			/// Kept held as the pot that compensates the pool's victims.
			pot: BalanceOf<T>,
		},
		/// A settlement of an overdrawn pool was short of deposit; the victim was compensated
		/// from the pot, as far as it goes.
		PoolOverdrawn {
			/// The overdrawn pool.
			pool_id: PoolId,
			/// Its owner.
			owner: T::AccountId,
			/// The settling peer.
			victim: T::AccountId,
			/// What the deposit could not pay of this settlement.
			shortfall: BalanceOf<T>,
			/// What the pot paid of the shortfall.
			compensation: BalanceOf<T>,
		},
		/// The owner added funds to a pool.
		PoolToppedUp {
			/// The pool.
			pool_id: PoolId,
			/// The deposit left to pay peers, after the top-up.
			deposit: BalanceOf<T>,
			/// The collateral, after the top-up.
			collateral: BalanceOf<T>,
		},
		/// The owner moved a pool's expiry.
		PoolExtended {
			/// The pool.
			pool_id: PoolId,
			/// The new expiry block.
			expiry: BlockNumberFor<T>,
		},
		/// A voucher of a batch did not settle; the batch's other vouchers are unaffected.
		SettlementFailed {
			/// The voucher's pool.
			pool_id: PoolId,
			/// The peer (the caller).
			target: T::AccountId,
			/// The voucher's cumulative amount.
			amount: BalanceOf<T>,
			/// Why it did not settle.
			error: DispatchError,
		},
		/// A batch was processed.
		BatchSettled {
			/// The peer (the caller).
			target: T::AccountId,
			/// Vouchers paid.
			settled: u32,
			/// Vouchers refused (see their `SettlementFailed` events).
			failed: u32,
		},
		/// A pool was closed: its funds left the pallet and its record was removed.
		PoolClosed {
			/// The closed pool.
			pool_id: PoolId,
			/// Its owner.
			owner: T::AccountId,
			/// Unpaid deposit released to the owner.
			refunded_deposit: BalanceOf<T>,
			/// Collateral released to the owner (zero if forfeited).
			refunded_collateral: BalanceOf<T>,
			/// What was left of a forfeited pool's compensation pot, slashed to `OnSlash`.
			slashed: BalanceOf<T>,
		},
		/// `Paid` records of a closed pool were removed and their storage deposits returned.
		PaidReaped {
			/// The closed pool.
			pool_id: PoolId,
			/// Records removed by this call.
			removed: u32,
			/// Whether records are left for another call.
			remaining: bool,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No open pool has this id.
		UnknownPool,
		/// Only the pool's owner may do this.
		NotOwner,
		/// The resource id is empty.
		EmptyResourceId,
		/// The deposit is zero.
		ZeroDeposit,
		/// The collateral does not exceed the deposit by `MinCollateralExcess`.
		InsufficientCollateral,
		/// The duration is below `MinDuration`.
		DurationTooShort,
		/// The duration is above `MaxDuration`.
		DurationTooLong,
		/// The free balance cannot cover deposit plus collateral.
		InsufficientBalance,
		/// The owner already has `MaxPoolsPerAccount` open pools.
		TooManyPools,
		/// The pool is past its expiry (for funds and extensions) or its settlement window (for
		/// vouchers).
		PoolExpired,
		/// The pool's settlement window (`expiry + SettlementGrace`) has not ended: it cannot be
		/// closed yet.
		PoolNotExpired,
		/// The voucher's amount does not exceed what was already settled.
		StaleVoucher,
		/// The signature is not the pool signer's over this voucher.
		BadSignature,
		/// An amount, id or block number would overflow.
		Overflow,
		/// The pool is overdrawn: it takes no more funds or extensions.
		Overdrawn,
		/// Nothing to add: the extra amounts or blocks are zero.
		NothingToAdd,
		/// The batch has no vouchers.
		EmptyBatch,
		/// A pool does not pay its own owner or signer.
		SelfPayment,
		/// The pool is still open: its `Paid` records are kept.
		PoolOpen,
		/// The closed pool has no `Paid` records left, or the limit is zero.
		NothingToReap,
		/// The peer cannot pay the storage deposit of its `Paid` record.
		PayeeDepositUnavailable,
		/// A top-up's extra collateral is below its extra deposit: it would narrow the margin
		/// `collateral − total_deposit` that peers rely on.
		MarginWouldShrink,
		/// The escrow holds less than the pools record (an invariant `do_try_state` checks):
		/// nothing is paid rather than forfeit less than the rules say.
		EscrowShort,
	}

	#[pallet::extra_constants]
	impl<T: Config> Pallet<T> {
		/// The storage deposit a peer's first settlement in a pool holds from it (hold reason
		/// `PayeeStorage`), returned by `reap_paid` once the pool is closed.
		#[pallet::constant_name(PayeeDeposit)]
		fn payee_deposit_constant() -> BalanceOf<T> {
			Self::payee_deposit()
		}

		/// The account that holds every pool's deposit and collateral.
		#[pallet::constant_name(EscrowAccount)]
		fn escrow_account_constant() -> T::AccountId {
			Self::escrow_account()
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(!T::MinDuration::get().is_zero(), "MinDuration must be at least one block");
			assert!(T::MinDuration::get() <= T::MaxDuration::get(), "MinDuration > MaxDuration");
			assert!(T::MaxResourceIdLen::get() > 0, "MaxResourceIdLen must be positive");
			assert!(T::MaxPoolsPerAccount::get() > 0, "MaxPoolsPerAccount must be positive");
			assert!(T::MaxBatch::get() > 0, "MaxBatch must be positive");
			assert!(
				T::CompensationShare::get() < Perbill::one(),
				"CompensationShare must be below 100%: a full pot lets a double spend break even"
			);
			// The payload carries a u128 amount and a 32-byte genesis hash.
			assert!(BalanceOf::<T>::max_encoded_len() <= 16, "Balance must fit in a u128");
			assert_eq!(T::Hash::max_encoded_len(), 32, "block hashes must be 32 bytes");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	/// Read-only queries, callable without a transaction through the runtime's
	/// `RuntimeViewFunction` API (polkadot-api: `api.view.MicropaymentPool.*`; metadata v16).
	/// The same answers as the `MicropaymentPoolApi` runtime API.
	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// The open pool `pool_id`, if any.
		pub fn pool(pool_id: PoolId) -> Option<PoolOf<T>> {
			Pools::<T>::get(pool_id)
		}

		/// The cumulative amount settled to `target` from `pool_id` (zero if none).
		pub fn paid(pool_id: PoolId, target: T::AccountId) -> BalanceOf<T> {
			Paid::<T>::get(pool_id, target).unwrap_or_default()
		}

		/// What settling a voucher of `amount` for `target` from `pool_id` would pay at this
		/// block, or the error it would hit (the signature is not checked).
		pub fn claimable(
			pool_id: PoolId,
			target: T::AccountId,
			amount: BalanceOf<T>,
		) -> Result<Claim<BalanceOf<T>>, Error<T>> {
			Self::plan(pool_id, &target, amount).map(|plan| plan.claim)
		}

		/// The exact bytes a pool owner signs to owe `target` a cumulative `amount` from
		/// `pool_id` on this chain: sign them raw or `<Bytes>`-wrapped.
		pub fn voucher_payload(
			pool_id: PoolId,
			target: T::AccountId,
			amount: BalanceOf<T>,
		) -> [u8; PAYLOAD_LEN] {
			Self::voucher(pool_id, &target, amount).payload()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Create a pool: move `deposit` and `collateral` from the caller into the pallet's escrow
		/// account until `duration` blocks from now, to pay peers for `resource_id` with off-chain
		/// vouchers.
		///
		/// The dispatch origin must be Signed; the caller becomes the pool's owner and signer,
		/// the only key whose vouchers the pool honours. To sign vouchers with another key (a
		/// player's session key) use [`Pallet::create_pool_with_signer`].
		///
		/// - `resource_id`: what the pool pays for; 1 to `MaxResourceIdLen` bytes.
		/// - `deposit`: the most the pool pays out to peers; must be positive.
		/// - `collateral`: forfeited if the owner signs vouchers worth more than the deposit; must
		///   exceed `deposit` by `MinCollateralExcess`.
		/// - `duration`: blocks until expiry, within `MinDuration..=MaxDuration`. Vouchers settle
		///   until `SettlementGrace` blocks after expiry; the pool closes after that.
		///
		/// Deposit and collateral leave the caller's free balance as a transfer would: funds that
		/// a freeze or lock covers cannot enter a pool (`InsufficientBalance`), and the caller
		/// stays alive.
		///
		/// Also holds the pool record's storage deposit ([`Config::Consideration`]), returned on
		/// close. Emits `PoolCreated` with the new pool's id.
		///
		/// ## Complexity
		/// - O(1); the owner's pool list is bounded by `MaxPoolsPerAccount`.
		#[pallet::call_index(0)]
		pub fn create_pool(
			origin: OriginFor<T>,
			resource_id: ResourceIdOf<T>,
			#[pallet::compact] deposit: BalanceOf<T>,
			#[pallet::compact] collateral: BalanceOf<T>,
			duration: BlockNumberFor<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_create(owner.clone(), owner, resource_id, deposit, collateral, duration)
		}

		/// Create a pool whose vouchers `signer` signs instead of the caller: the wallet signs
		/// this one transaction, and a player signs every voucher with a session key it holds in
		/// memory, without a wallet prompt per chunk.
		///
		/// The dispatch origin must be Signed; the caller becomes the pool's owner: its funds
		/// enter the escrow, only it tops up, extends and closes the pool, and it answers for what
		/// `signer` signs: vouchers worth more than the deposit forfeit the owner's collateral.
		///
		/// - `resource_id`, `deposit`, `collateral`, `duration`: as for
		///   [`Pallet::create_pool`].
		/// - `signer`: the account whose signatures the pool's vouchers need. Fixed for the
		///   pool's life: no rotation can void the vouchers peers hold. The pool pays neither its
		///   owner nor its signer.
		///
		/// Emits `PoolCreated` naming the signer.
		///
		/// ## Complexity
		/// - O(1), as [`Pallet::create_pool`].
		#[pallet::call_index(7)]
		pub fn create_pool_with_signer(
			origin: OriginFor<T>,
			resource_id: ResourceIdOf<T>,
			#[pallet::compact] deposit: BalanceOf<T>,
			#[pallet::compact] collateral: BalanceOf<T>,
			duration: BlockNumberFor<T>,
			signer: T::AccountId,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::do_create(owner, signer, resource_id, deposit, collateral, duration)
		}

		/// Settle a voucher: pay the caller what pool `pool_id` owes it beyond what it was
		/// already paid.
		///
		/// The dispatch origin must be Signed by the voucher's target (the peer being paid), who
		/// so pays the fee. The pool's owner and signer cannot be the target (`SelfPayment`).
		///
		/// - `pool_id`: the pool that signed the voucher; its settlement window
		///   (`expiry + SettlementGrace`) must not have ended.
		/// - `amount`: the voucher's cumulative total owed to the caller; must exceed what was
		///   already settled (`Paid`), else `StaleVoucher`: replaying a voucher pays nothing.
		/// - `signature`: the pool signer's signature over the voucher payload (genesis hash, pool
		///   id, caller, amount), raw or `<Bytes>`-wrapped.
		///
		/// Pays `amount - Paid[pool_id][caller]` from the deposit. If the deposit is short, the
		/// owner double-spent: the first time, the collateral is forfeited
		/// (`CollateralForfeited`: all but a compensation pot slashed at once), and the shortfall
		/// is paid from the pot as far as it goes (`PoolOverdrawn`). The voucher is recorded
		/// either way. A caller's first settlement in a pool holds the storage deposit of its
		/// `Paid` record from the caller ([`Config::PayeeDeposit`]). Emits `Settled`.
		///
		/// Weight: charged for the signature's scheme over the `<Bytes>`-wrapped payload (two
		/// checks) on the forfeiting path; refunded to one check when the raw payload verifies,
		/// and to the path taken: inside the deposit one transfer and no slash, and for a peer
		/// already paid by the pool no new record.
		///
		/// ## Complexity
		/// - O(1): at most two signature checks, two transfers and one slash.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::settle_weight(signature, PayloadForm::Wrapped))]
		pub fn settle(
			origin: OriginFor<T>,
			pool_id: PoolId,
			#[pallet::compact] amount: BalanceOf<T>,
			signature: T::Signature,
		) -> DispatchResultWithPostInfo {
			let target = ensure_signed(origin)?;
			let plan = Self::plan(pool_id, &target, amount)?;
			let form = Self::check_signature(&plan.pool, pool_id, &target, amount, &signature)?;
			let saving = Self::path_saving(plan.path());
			let mut due = Due::default();
			Self::apply(pool_id, &target, amount, plan, &mut due)?;
			Self::pay_out(&target, due)?;
			Ok(Some(Self::settle_weight(&signature, form).saturating_sub(saving)).into())
		}

		/// Close a pool after its settlement window: return the remaining deposit and collateral
		/// from the escrow to the owner and remove the pool's record.
		///
		/// The dispatch origin must be Signed by the owner. An overdrawn pool may be closed by
		/// anyone, since nothing of it returns to the owner but its unpaid deposit.
		///
		/// - `pool_id`: the pool; block `expiry + SettlementGrace` must have been reached.
		///
		/// What is left of a forfeited pool's compensation pot is slashed to `OnSlash`; the
		/// storage deposit returns to the owner. The pool's `Paid` records stay until
		/// [`Pallet::reap_paid`] removes them. Emits `PoolClosed`.
		///
		/// ## Complexity
		/// - O(1).
		#[pallet::call_index(2)]
		pub fn close_pool(origin: OriginFor<T>, pool_id: PoolId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let pool = Pools::<T>::get(pool_id).ok_or(Error::<T>::UnknownPool)?;
			ensure!(who == pool.owner || pool.overdrawn, Error::<T>::NotOwner);
			ensure!(
				frame_system::Pallet::<T>::block_number() >= Self::settlement_deadline(&pool),
				Error::<T>::PoolNotExpired
			);

			let owner = pool.owner;
			let refund = |reason, amount| Self::release(reason, &owner, amount, Precision::BestEffort);
			let refunded_deposit = refund(HoldReason::PoolDeposit, pool.deposit)?;
			let (refunded_collateral, slashed) = if pool.overdrawn {
				(Zero::zero(), Self::slash(pool.collateral))
			} else {
				(refund(HoldReason::PoolCollateral, pool.collateral)?, Zero::zero())
			};

			if let Some(ticket) = PoolTickets::<T>::take(pool_id) {
				ticket.drop(&owner)?;
			}
			Pools::<T>::remove(pool_id);
			OwnerPools::<T>::mutate_exists(&owner, |ids| {
				if let Some(list) = ids {
					list.retain(|id| *id != pool_id);
					if list.is_empty() {
						*ids = None;
					}
				}
			});

			Self::deposit_event(Event::PoolClosed {
				pool_id,
				owner,
				refunded_deposit,
				refunded_collateral,
				slashed,
			});
			Ok(())
		}

		/// Add funds to a live pool: move `extra_deposit` more to pay peers and
		/// `extra_collateral` more against double spending into the escrow (as at creation, never
		/// frozen or locked funds).
		///
		/// The dispatch origin must be Signed by the pool's owner.
		///
		/// - `pool_id`: an open pool that has not expired and is not overdrawn (an overdrawn
		///   pool's collateral is forfeited: topping it up would only feed the slash).
		/// - `extra_deposit`, `extra_collateral`: added to the pool's totals; not both zero.
		///   `extra_collateral` must be at least `extra_deposit`, so the margin
		///   `collateral − total_deposit` that peers were shown never shrinks
		///   (`MarginWouldShrink`), and the new totals must keep the collateral above the total
		///   deposit by `MinCollateralExcess`.
		///
		/// Emits `PoolToppedUp` with the new totals.
		///
		/// ## Complexity
		/// - O(1).
		#[pallet::call_index(3)]
		pub fn top_up(
			origin: OriginFor<T>,
			pool_id: PoolId,
			#[pallet::compact] extra_deposit: BalanceOf<T>,
			#[pallet::compact] extra_collateral: BalanceOf<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let mut pool = Self::live_pool_of(pool_id, &owner)?;
			ensure!(
				!extra_deposit.is_zero() || !extra_collateral.is_zero(),
				Error::<T>::NothingToAdd
			);
			let deposit = pool.deposit.checked_add(&extra_deposit).ok_or(Error::<T>::Overflow)?;
			let total_deposit =
				pool.total_deposit.checked_add(&extra_deposit).ok_or(Error::<T>::Overflow)?;
			let collateral =
				pool.collateral.checked_add(&extra_collateral).ok_or(Error::<T>::Overflow)?;
			// Peers relied on the margin `C − D` they were shown (it bounds what a double spend
			// costs the owner and sets the pot): a top-up may widen it, never narrow it.
			ensure!(extra_collateral >= extra_deposit, Error::<T>::MarginWouldShrink);
			// Over the totals: the collateral must cover everything the pool was ever trusted with.
			Self::ensure_collateral(total_deposit, collateral)?;
			let extra = extra_deposit.checked_add(&extra_collateral).ok_or(Error::<T>::Overflow)?;
			// Before any write, though `lock` refuses the same: called outside a dispatch (no
			// storage layer), a refused second `lock` would leave the first one's move behind.
			let free =
				T::Currency::reducible_balance(&owner, Preservation::Preserve, Fortitude::Polite);
			ensure!(free >= extra, Error::<T>::InsufficientBalance);

			Self::lock(HoldReason::PoolDeposit, &owner, extra_deposit)?;
			Self::lock(HoldReason::PoolCollateral, &owner, extra_collateral)?;
			pool.deposit = deposit;
			pool.total_deposit = total_deposit;
			pool.collateral = collateral;
			Pools::<T>::insert(pool_id, pool);
			Self::deposit_event(Event::PoolToppedUp { pool_id, deposit, collateral });
			Ok(())
		}

		/// Move a live pool's expiry `extra_blocks` later, so its peers have longer to serve and
		/// settle.
		///
		/// The dispatch origin must be Signed by the pool's owner.
		///
		/// - `pool_id`: an open pool that has not expired and is not overdrawn.
		/// - `extra_blocks`: positive; the new expiry must be at most `MaxDuration` blocks from
		///   now.
		///
		/// Emits `PoolExtended` with the new expiry.
		///
		/// ## Complexity
		/// - O(1).
		#[pallet::call_index(4)]
		pub fn extend(
			origin: OriginFor<T>,
			pool_id: PoolId,
			extra_blocks: BlockNumberFor<T>,
		) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			let mut pool = Self::live_pool_of(pool_id, &owner)?;
			ensure!(!extra_blocks.is_zero(), Error::<T>::NothingToAdd);
			let expiry = pool.expiry.checked_add(&extra_blocks).ok_or(Error::<T>::Overflow)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(expiry.saturating_sub(now) <= T::MaxDuration::get(), Error::<T>::DurationTooLong);
			pool.expiry = expiry;
			Pools::<T>::insert(pool_id, pool);
			Self::deposit_event(Event::PoolExtended { pool_id, expiry });
			Ok(())
		}

		/// Settle many vouchers to the caller at once, from one pool or many: one peer serving
		/// many viewers pays one transaction fee.
		///
		/// The dispatch origin must be Signed by the target of every voucher.
		///
		/// - `vouchers`: 1 to `MaxBatch` items `{ pool_id, amount, signature }`, each as for
		///   [`Pallet::settle`]. They are applied in order, each on its own: a failing voucher
		///   emits `SettlementFailed` with its error and changes nothing, the others still settle
		///   (so a repeated voucher is `StaleVoucher` the second time).
		///
		/// The batch moves funds once, at the end: the caller is paid the sum of its vouchers out
		/// of the escrow (one transfer from the deposits, one from compensation pots), forfeited
		/// collateral is slashed in one go, and the storage deposits of the caller's new `Paid`
		/// records are held at once. Each voucher checks that the caller could hold its deposit
		/// on top of the earlier ones' with what the batch pays it, so one the caller cannot pay
		/// fails alone (`PayeeDepositUnavailable`).
		///
		/// Emits `Settled` (and `CollateralForfeited`, `PoolOverdrawn`) or `SettlementFailed` per
		/// voucher, then `BatchSettled`.
		///
		/// Weight: charged for `n` wrapped, overdrawing first settlements in each voucher's
		/// scheme; refunded to the vouchers that reached the signature check, by one signature
		/// check for each voucher whose raw payload verified, and by its record's write for each
		/// peer already paid by the voucher's pool (the funds move once per batch whatever the
		/// paths, so no path saves a transfer).
		///
		/// ## Complexity
		/// - O(n), n = number of vouchers, at most `MaxBatch`. Signatures are checked one by one:
		///   the runtime has no batch-verification host function (removed from `sp-io`).
		#[pallet::call_index(5)]
		#[pallet::weight(Pallet::<T>::batch_weight(vouchers.iter(), vouchers.len() as u32))]
		pub fn settle_batch(origin: OriginFor<T>, vouchers: BatchOf<T>) -> DispatchResultWithPostInfo {
			let target = ensure_signed(origin)?;
			ensure!(!vouchers.is_empty(), Error::<T>::EmptyBatch);
			let mut settled = 0u32;
			let mut saving = Weight::zero();
			let mut checked = alloc::vec::Vec::with_capacity(vouchers.len());
			// What the batch owes and takes, summed voucher by voucher and moved once below.
			let mut due = Due::default();
			for item in vouchers.iter() {
				let (pool_id, amount) = (item.pool_id, item.amount);
				let outcome = Self::plan(pool_id, &target, amount).map_err(Into::into).and_then(|plan| {
					checked.push(item);
					let form =
						Self::check_signature(&plan.pool, pool_id, &target, amount, &item.signature)?;
					let path = plan.path();
					// A failing voucher leaves neither storage nor the sums changed.
					let mut sums = due;
					with_storage_layer(|| Self::apply(pool_id, &target, amount, plan, &mut sums))?;
					due = sums;
					saving = saving.saturating_add(Self::batch_saving(path, form, &item.signature));
					Ok(())
				});
				match outcome {
					Ok(()) => settled = settled.saturating_add(1),
					Err(error) => Self::deposit_event(Event::SettlementFailed {
						pool_id,
						target: target.clone(),
						amount,
						error,
					}),
				}
			}
			// Every voucher that added a record deposit checked that the caller could hold the
			// sum so far with what the batch pays it, so this succeeds for a caller without
			// freezes; should it fail, the whole batch is refused rather than leave records
			// without their deposits.
			Self::pay_out(&target, due)?;
			let n = vouchers.len() as u32;
			let failed = n.saturating_sub(settled);
			Self::deposit_event(Event::BatchSettled { target, settled, failed });
			// Vouchers refused before their signature check cost two reads.
			let unchecked = u64::from(n.saturating_sub(checked.len() as u32));
			let actual = Self::batch_weight(checked.iter().copied(), checked.len() as u32)
				.saturating_sub(saving)
				.saturating_add(T::DbWeight::get().reads(unchecked.saturating_mul(2)));
			Ok(Some(actual).into())
		}

		/// Remove up to `limit` `Paid` records of a closed pool and return their storage
		/// deposits to their peers.
		///
		/// The dispatch origin must be Signed; anyone may call it (the peers are who get their
		/// deposits back).
		///
		/// - `pool_id`: a pool that existed and was closed (`UnknownPool` if never created,
		///   `PoolOpen` while open).
		/// - `limit`: most records to remove in this call; positive.
		///
		/// Emits `PaidReaped` with the number removed and whether records are left.
		///
		/// ## Complexity
		/// - O(limit); charged for `limit` records, refunded to those removed.
		#[pallet::call_index(6)]
		#[pallet::weight(<T as Config>::WeightInfo::reap_paid(*limit))]
		pub fn reap_paid(
			origin: OriginFor<T>,
			pool_id: PoolId,
			limit: u32,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			ensure!(pool_id < NextPoolId::<T>::get(), Error::<T>::UnknownPool);
			ensure!(!Pools::<T>::contains_key(pool_id), Error::<T>::PoolOpen);
			ensure!(
				limit > 0 && PaidTickets::<T>::contains_prefix(pool_id),
				Error::<T>::NothingToReap
			);
			let mut removed = 0u32;
			for (peer, deposit) in PaidTickets::<T>::drain_prefix(pool_id).take(limit as usize) {
				Paid::<T>::remove(pool_id, &peer);
				// Best effort, as `close_pool` releases: failing the call would keep the pool's
				// records forever.
				let _ = T::Currency::release(
					&HoldReason::PayeeStorage.into(),
					&peer,
					deposit,
					Precision::BestEffort,
				);
				removed = removed.saturating_add(1);
			}
			let remaining = PaidTickets::<T>::contains_prefix(pool_id);
			Self::deposit_event(Event::PaidReaped { pool_id, removed, remaining });
			Ok(Some(<T as Config>::WeightInfo::reap_paid(removed)).into())
		}
	}

	/// What one call's settlements move, summed over its vouchers and moved once by
	/// [`Pallet::pay_out`].
	#[derive(Clone, Copy, Default)]
	pub(crate) struct Due<Balance> {
		/// Paid to the caller out of the pools' deposits.
		from_deposits: Balance,
		/// Paid to the caller out of forfeited pools' compensation pots.
		from_pots: Balance,
		/// Forfeited collateral slashed to `OnSlash`.
		slashed: Balance,
		/// Storage deposits of the caller's new `Paid` records, held from it.
		record_deposits: Balance,
	}

	impl<Balance: Saturating + Copy> Due<Balance> {
		/// What the caller is paid.
		fn payout(&self) -> Balance {
			self.from_deposits.saturating_add(self.from_pots)
		}
	}

	/// What [`Pallet::plan`] found: the pool, and what settling pays.
	pub(crate) struct Plan<T: Config> {
		pool: PoolOf<T>,
		new_payee: bool,
		claim: Claim<BalanceOf<T>>,
	}

	/// The work a settlement does, each path benchmarked on its own.
	#[derive(Clone, Copy, PartialEq, Eq, Debug)]
	pub enum SettlePath {
		/// A peer the pool already paid, inside the deposit: one transfer.
		Repeat,
		/// A peer's first settlement, inside the deposit: one transfer, its record's deposit held.
		NewPayee,
		/// Beyond the deposit: the collateral forfeited (the first time), up to two transfers.
		Overdraw,
	}

	impl<T: Config> Plan<T> {
		/// Which benchmarked path applying this plan takes.
		pub(crate) fn path(&self) -> SettlePath {
			match (self.claim.shortfall.is_zero(), self.new_payee) {
				(false, _) => SettlePath::Overdraw,
				(true, true) => SettlePath::NewPayee,
				(true, false) => SettlePath::Repeat,
			}
		}
	}

	impl<T: Config> Pallet<T> {
		/// The last block before which `pool`'s vouchers settle: `expiry + SettlementGrace`.
		pub fn settlement_deadline(pool: &PoolOf<T>) -> BlockNumberFor<T> {
			pool.expiry.saturating_add(T::SettlementGrace::get())
		}

		/// The compensation pot a forfeiture of `pool` would keep now:
		/// `CompensationShare * (collateral - total_deposit)`.
		pub fn compensation_pot(pool: &PoolOf<T>) -> BalanceOf<T> {
			T::CompensationShare::get() * pool.collateral.saturating_sub(pool.total_deposit)
		}

		/// Checks and creates a pool of `owner` whose vouchers `signer` signs.
		fn do_create(
			owner: T::AccountId,
			signer: T::AccountId,
			resource_id: ResourceIdOf<T>,
			deposit: BalanceOf<T>,
			collateral: BalanceOf<T>,
			duration: BlockNumberFor<T>,
		) -> DispatchResult {
			ensure!(!resource_id.is_empty(), Error::<T>::EmptyResourceId);
			ensure!(!deposit.is_zero(), Error::<T>::ZeroDeposit);
			Self::ensure_collateral(deposit, collateral)?;
			ensure!(duration >= T::MinDuration::get(), Error::<T>::DurationTooShort);
			ensure!(duration <= T::MaxDuration::get(), Error::<T>::DurationTooLong);
			let total = deposit.checked_add(&collateral).ok_or(Error::<T>::Overflow)?;
			// Before any write (see `top_up`).
			let free =
				T::Currency::reducible_balance(&owner, Preservation::Preserve, Fortitude::Polite);
			ensure!(free >= total, Error::<T>::InsufficientBalance);
			let expiry = frame_system::Pallet::<T>::block_number()
				.checked_add(&duration)
				.ok_or(Error::<T>::Overflow)?;

			let pool_id = NextPoolId::<T>::get();
			NextPoolId::<T>::put(pool_id.checked_add(1).ok_or(Error::<T>::Overflow)?);
			OwnerPools::<T>::try_mutate(&owner, |ids| ids.try_push(pool_id))
				.map_err(|_| Error::<T>::TooManyPools)?;
			Self::ensure_escrow_exists(&owner)?;
			Self::lock(HoldReason::PoolDeposit, &owner, deposit)?;
			Self::lock(HoldReason::PoolCollateral, &owner, collateral)?;
			let ticket = T::Consideration::new(&owner, Self::pool_footprint())
				.map_err(|_| Error::<T>::InsufficientBalance)?;
			PoolTickets::<T>::insert(pool_id, ticket);

			Pools::<T>::insert(
				pool_id,
				Pool {
					owner: owner.clone(),
					resource_id: resource_id.clone(),
					deposit,
					collateral,
					expiry,
					payees: 0,
					overdrawn: false,
					total_deposit: deposit,
					signer: signer.clone(),
				},
			);
			Self::deposit_event(Event::PoolCreated {
				pool_id,
				owner,
				resource_id,
				deposit,
				collateral,
				expiry,
				signer,
			});
			Ok(())
		}

		/// The checks of a settlement before its signature, and what it would pay.
		pub(crate) fn plan(
			pool_id: PoolId,
			target: &T::AccountId,
			amount: BalanceOf<T>,
		) -> Result<Plan<T>, Error<T>> {
			let pool = Pools::<T>::get(pool_id).ok_or(Error::<T>::UnknownPool)?;
			ensure!(*target != pool.owner && *target != pool.signer, Error::<T>::SelfPayment);
			ensure!(
				frame_system::Pallet::<T>::block_number() < Self::settlement_deadline(&pool),
				Error::<T>::PoolExpired
			);
			let already = Paid::<T>::get(pool_id, target);
			let settled = already.unwrap_or_else(Zero::zero);
			ensure!(amount > settled, Error::<T>::StaleVoucher);
			let due = amount.saturating_sub(settled);
			let from_deposit = due.min(pool.deposit);
			let shortfall = due.saturating_sub(from_deposit);
			let (pot, slashed) = match (shortfall.is_zero(), pool.overdrawn) {
				(true, _) => (Zero::zero(), Zero::zero()),
				(false, true) => (pool.collateral, Zero::zero()),
				(false, false) => {
					let pot = Self::compensation_pot(&pool);
					(pot, pool.collateral.saturating_sub(pot))
				},
			};
			let from_collateral = shortfall.min(pot);
			let claim = Claim {
				payout: from_deposit.saturating_add(from_collateral),
				from_deposit,
				from_collateral,
				shortfall,
				slashed,
			};
			Ok(Plan { pool, new_payee: already.is_none(), claim })
		}

		/// The pool signer's signature over the voucher, raw or wrapped.
		pub(crate) fn check_signature(
			pool: &PoolOf<T>,
			pool_id: PoolId,
			target: &T::AccountId,
			amount: BalanceOf<T>,
			signature: &T::Signature,
		) -> Result<PayloadForm, DispatchError> {
			micropayment_pool_primitives::verify_voucher_form(
				signature,
				&Self::voucher(pool_id, target, amount),
				&pool.signer,
			)
			.ok_or_else(|| Error::<T>::BadSignature.into())
		}

		/// Records a checked settlement and adds what it moves to `due`: paid by
		/// [`Pallet::pay_out`], once per call. A new record's deposit is checked against what the
		/// caller could hold once paid, and added to `due`.
		fn apply(
			pool_id: PoolId,
			target: &T::AccountId,
			amount: BalanceOf<T>,
			plan: Plan<T>,
			due: &mut Due<BalanceOf<T>>,
		) -> DispatchResult {
			let Plan { mut pool, new_payee, claim } = plan;
			let mut sums = *due;
			sums.from_deposits =
				sums.from_deposits.checked_add(&claim.from_deposit).ok_or(Error::<T>::Overflow)?;
			pool.deposit = pool.deposit.saturating_sub(claim.from_deposit);
			if !claim.shortfall.is_zero() {
				if !pool.overdrawn {
					// The first overdraw forfeits the collateral: all but the pot goes (slashed by
					// `pay_out` in this call), so nothing the owner's accounts claim later can
					// bring it back.
					sums.slashed =
						sums.slashed.checked_add(&claim.slashed).ok_or(Error::<T>::Overflow)?;
					pool.collateral = pool.collateral.saturating_sub(claim.slashed);
					pool.overdrawn = true;
					Self::deposit_event(Event::CollateralForfeited {
						pool_id,
						owner: pool.owner.clone(),
						slashed: claim.slashed,
						pot: pool.collateral,
					});
				}
				sums.from_pots = sums
					.from_pots
					.checked_add(&claim.from_collateral)
					.ok_or(Error::<T>::Overflow)?;
				pool.collateral = pool.collateral.saturating_sub(claim.from_collateral);
				Self::deposit_event(Event::PoolOverdrawn {
					pool_id,
					owner: pool.owner.clone(),
					victim: target.clone(),
					shortfall: claim.shortfall,
					compensation: claim.from_collateral,
				});
			}
			if new_payee {
				// Checked against what the caller will hold once paid, so a peer may pay its
				// record's deposit from what it earned. The last fallible step: what follows
				// only writes.
				let deposit = Self::payee_deposit();
				if !deposit.is_zero() {
					let sum =
						sums.record_deposits.checked_add(&deposit).ok_or(Error::<T>::Overflow)?;
					Self::ensure_can_hold_paid(target, sum, sums.payout())?;
					sums.record_deposits = sum;
				}
				PaidTickets::<T>::insert(pool_id, target, deposit);
				pool.payees = pool.payees.saturating_add(1);
			}
			Paid::<T>::insert(pool_id, target, amount);
			Pools::<T>::insert(pool_id, pool);
			*due = sums;
			Self::deposit_event(Event::Settled {
				pool_id,
				target: target.clone(),
				amount,
				paid: claim.payout,
			});
			Ok(())
		}

		/// Moves what settlements recorded in `due`: pays `target` out of the escrow's deposit
		/// and collateral holds, slashes the forfeited collateral, then holds the new records'
		/// deposits from `target` (after the payout, so earnings can pay them).
		fn pay_out(target: &T::AccountId, due: Due<BalanceOf<T>>) -> DispatchResult {
			Self::release(HoldReason::PoolDeposit, target, due.from_deposits, Precision::Exact)?;
			Self::release(HoldReason::PoolCollateral, target, due.from_pots, Precision::Exact)?;
			let slashed = Self::slash(due.slashed);
			// Exact by the escrow invariant (`do_try_state`); refuse rather than forfeit less.
			ensure!(slashed == due.slashed, Error::<T>::EscrowShort);
			Ok(Self::hold_payee_deposit(target, due.record_deposits)?)
		}

		/// Fails unless `who` could hold `sum` once paid `incoming`: what it will have free,
		/// less the existential deposit (holds may cover frozen funds, as
		/// `MutateHold::ensure_can_hold` allows). Never more than the hold will find, so the hold
		/// after the payout does not fail; settled one by one or in a batch, the same vouchers
		/// pass.
		fn ensure_can_hold_paid(
			who: &T::AccountId,
			sum: BalanceOf<T>,
			incoming: BalanceOf<T>,
		) -> Result<(), Error<T>> {
			let ed = T::Currency::minimum_balance();
			let spare = T::Currency::balance(who).saturating_add(incoming).saturating_sub(ed);
			// A payout of at least the existential deposit brings an account into existence.
			let can_hold = incoming >= ed ||
				T::Currency::hold_available(&HoldReason::PayeeStorage.into(), who);
			ensure!(sum <= spare && can_hold, Error::<T>::PayeeDepositUnavailable);
			Ok(())
		}

		/// An open, unexpired, not overdrawn pool of `owner`.
		fn live_pool_of(pool_id: PoolId, owner: &T::AccountId) -> Result<PoolOf<T>, Error<T>> {
			let pool = Pools::<T>::get(pool_id).ok_or(Error::<T>::UnknownPool)?;
			ensure!(pool.owner == *owner, Error::<T>::NotOwner);
			ensure!(
				frame_system::Pallet::<T>::block_number() < pool.expiry,
				Error::<T>::PoolExpired
			);
			ensure!(!pool.overdrawn, Error::<T>::Overdrawn);
			Ok(pool)
		}

		/// `collateral > deposit`, by at least `MinCollateralExcess` of the deposit.
		fn ensure_collateral(
			deposit: BalanceOf<T>,
			collateral: BalanceOf<T>,
		) -> Result<(), Error<T>> {
			let min_collateral = deposit
				.checked_add(&(T::MinCollateralExcess::get() * deposit))
				.ok_or(Error::<T>::Overflow)?;
			ensure!(
				collateral > deposit && collateral >= min_collateral,
				Error::<T>::InsufficientCollateral
			);
			Ok(())
		}

		/// The storage a pool occupies, as written: its `Pools` entry at its largest and its
		/// `PoolTickets` entry (keys included: two 16-byte prefixes and `Twox64Concat(id)`), and
		/// its id in the owner's `OwnerPools` list. One footprint item of all those bytes:
		/// `LinearStoragePrice` prices `count × size`.
		pub fn pool_footprint() -> Footprint {
			let key = 32usize.saturating_add(8).saturating_add(PoolId::max_encoded_len());
			let record = key.saturating_add(PoolOf::<T>::max_encoded_len());
			let ticket = key.saturating_add(T::Consideration::max_encoded_len());
			let listed = PoolId::max_encoded_len();
			Footprint::from_parts(1, record.saturating_add(ticket).saturating_add(listed))
		}

		/// The storage a peer's record occupies, as written: two entries under the same key
		/// shape, `Paid` and `PaidTickets` (two 16-byte prefixes, `Twox64Concat(pool id)`,
		/// `Blake2_128Concat(peer)`), each holding a balance. One footprint item of all those
		/// bytes, as [`Pallet::pool_footprint`].
		pub fn paid_footprint() -> Footprint {
			let key = 32usize
				.saturating_add(8)
				.saturating_add(PoolId::max_encoded_len())
				.saturating_add(16)
				.saturating_add(T::AccountId::max_encoded_len());
			let entry = key.saturating_add(BalanceOf::<T>::max_encoded_len());
			Footprint::from_parts(1, entry.saturating_mul(2))
		}

		/// The storage deposit a peer's first settlement in a pool holds: the price of
		/// [`Pallet::paid_footprint`].
		pub fn payee_deposit() -> BalanceOf<T> {
			T::PayeeDeposit::convert(Self::paid_footprint())
		}

		/// Holds a `Paid` record's storage `deposit` from `peer`.
		pub(crate) fn hold_payee_deposit(
			peer: &T::AccountId,
			deposit: BalanceOf<T>,
		) -> Result<(), Error<T>> {
			if deposit.is_zero() {
				return Ok(());
			}
			T::Currency::hold(&HoldReason::PayeeStorage.into(), peer, deposit)
				.map_err(|_| Error::<T>::PayeeDepositUnavailable)
		}

		/// The voucher that pays `target` a cumulative `amount` from `pool_id` on this chain.
		pub fn voucher(pool_id: PoolId, target: &T::AccountId, amount: BalanceOf<T>) -> Voucher {
			Voucher {
				genesis_hash: Self::genesis_hash(),
				pool_id,
				target: *target.as_ref(),
				// Exact: `integrity_test` checks that the balance fits in a u128.
				amount: amount.saturated_into::<u128>(),
			}
		}

		/// Hash of block 0, which `frame_system` keeps for the chain's lifetime.
		pub fn genesis_hash() -> [u8; 32] {
			let hash = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
			let mut out = [0u8; 32];
			let bytes = hash.as_ref();
			let len = bytes.len().min(32);
			out[..len].copy_from_slice(&bytes[..len]);
			out
		}

		/// The weight of one settlement with `signature`, checked over the payload `form`.
		pub fn settle_weight(signature: &T::Signature, form: PayloadForm) -> Weight {
			match (signature.needs_recovery(), form) {
				(false, PayloadForm::Raw) => <T as Config>::WeightInfo::settle(),
				(false, PayloadForm::Wrapped) => <T as Config>::WeightInfo::settle_wrapped(),
				(true, PayloadForm::Raw) => <T as Config>::WeightInfo::settle_ecdsa(),
				(true, PayloadForm::Wrapped) => <T as Config>::WeightInfo::settle_ecdsa_wrapped(),
			}
		}

		/// What a settlement on `path` costs less than the forfeiting one every settlement
		/// weight is benchmarked on (measured with sr25519 over the raw payload; the signature
		/// check is the same on every path).
		pub fn path_saving(path: SettlePath) -> Weight {
			let worst = <T as Config>::WeightInfo::settle();
			match path {
				SettlePath::Overdraw => Weight::zero(),
				SettlePath::NewPayee =>
					worst.saturating_sub(<T as Config>::WeightInfo::settle_new_payee()),
				SettlePath::Repeat => worst.saturating_sub(<T as Config>::WeightInfo::settle_repeat()),
			}
		}

		/// What a settled voucher of a batch saves on the benchmarked batch's (wrapped,
		/// overdrawing first settlements). A batch moves funds once, at its end, whatever its
		/// vouchers' paths, so a voucher saves no transfer, slash or hold: only the second
		/// signature check when its raw payload verified, and, for a peer the pool already paid,
		/// the new record's write (its skipped deposit check is not refunded).
		fn batch_saving(path: SettlePath, form: PayloadForm, signature: &T::Signature) -> Weight {
			let check = match form {
				PayloadForm::Raw => Self::settle_weight(signature, PayloadForm::Wrapped)
					.saturating_sub(Self::settle_weight(signature, PayloadForm::Raw)),
				PayloadForm::Wrapped => Weight::zero(),
			};
			let record = match path {
				SettlePath::Repeat => T::DbWeight::get().writes(1),
				SettlePath::NewPayee | SettlePath::Overdraw => Weight::zero(),
			};
			check.saturating_add(record)
		}

		/// The weight of a batch of `n` vouchers: the benchmarked batch (sr25519, wrapped), plus
		/// the extra cost of each voucher signed with a recovering scheme.
		fn batch_weight<'a>(items: impl Iterator<Item = &'a BatchItemOf<T>>, n: u32) -> Weight {
			let costly = items.filter(|item| item.signature.needs_recovery()).count() as u64;
			let extra = <T as Config>::WeightInfo::settle_ecdsa_wrapped()
				.saturating_sub(<T as Config>::WeightInfo::settle_wrapped());
			<T as Config>::WeightInfo::settle_batch(n).saturating_add(extra.saturating_mul(costly))
		}

		/// The account that holds every pool's deposit and collateral, under the hold reasons
		/// `PoolDeposit` and `PoolCollateral`.
		pub fn escrow_account() -> T::AccountId {
			T::PalletId::get().into_account_truncating()
		}

		/// Moves `amount` held on the escrow under `reason` to `to`'s free balance; what moved.
		/// `Precision::Exact` for a payout, owed in full; `BestEffort` for a refund at close, where
		/// a shortfall in the escrow (which `do_try_state` rules out) must not lock the pool
		/// forever. Forced: no freeze of the escrow exists to respect, and funds owed must not
		/// wait on one.
		pub(crate) fn release(
			reason: HoldReason,
			to: &T::AccountId,
			amount: BalanceOf<T>,
			precision: Precision,
		) -> Result<BalanceOf<T>, DispatchError> {
			if amount.is_zero() {
				return Ok(Zero::zero());
			}
			T::Currency::transfer_on_hold(
				&reason.into(),
				&Self::escrow_account(),
				to,
				amount,
				precision,
				Restriction::Free,
				Fortitude::Force,
			)
		}

		/// Moves `amount` of `owner`'s free balance into the escrow, held under `reason`: polite
		/// and preserving, as a transfer, so frozen or locked funds cannot enter a pool and the
		/// owner's account stays alive.
		fn lock(reason: HoldReason, owner: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
			if amount.is_zero() {
				return Ok(());
			}
			T::Currency::transfer_and_hold(
				&reason.into(),
				owner,
				&Self::escrow_account(),
				amount,
				Precision::Exact,
				Preservation::Preserve,
				Fortitude::Polite,
			)
			.map(|_| ())
			.map_err(|_| Error::<T>::InsufficientBalance.into())
		}

		/// What the escrow lacks of its existential deposit (zero once it has it).
		fn escrow_existence_shortfall() -> BalanceOf<T> {
			T::Currency::minimum_balance()
				.saturating_sub(T::Currency::balance(&Self::escrow_account()))
		}

		/// Has `payer` give the escrow its existential deposit if it lacks it: only on a chain
		/// whose genesis or migration did not mint it (see [`Pallet::mint_escrow_existence`]).
		fn ensure_escrow_exists(payer: &T::AccountId) -> DispatchResult {
			let shortfall = Self::escrow_existence_shortfall();
			if shortfall.is_zero() {
				return Ok(());
			}
			T::Currency::transfer(payer, &Self::escrow_account(), shortfall, Preservation::Preserve)
				.map(|_| ())
				.map_err(|_| Error::<T>::InsufficientBalance.into())
		}

		/// Mints the escrow's existential deposit if it lacks it (genesis and the v4 migration),
		/// so that deposits below it can enter the escrow; returns what was minted. A runtime
		/// upgrade that raises the existential deposit must call it too, or the escrow's free
		/// balance is dust once it holds nothing.
		pub fn mint_escrow_existence() -> BalanceOf<T> {
			let shortfall = Self::escrow_existence_shortfall();
			if shortfall.is_zero() {
				return shortfall;
			}
			match T::Currency::mint_into(&Self::escrow_account(), shortfall) {
				Ok(minted) => minted,
				Err(_) => {
					frame_support::defensive!("the escrow's existential deposit could not be minted");
					Zero::zero()
				},
			}
		}

		/// Slashes `amount` of the escrow's collateral hold to `OnSlash`; returns what was
		/// slashed.
		fn slash(amount: BalanceOf<T>) -> BalanceOf<T> {
			if amount.is_zero() {
				return Zero::zero();
			}
			let (credit, _) = T::Currency::slash(
				&HoldReason::PoolCollateral.into(),
				&Self::escrow_account(),
				amount,
			);
			let slashed = credit.peek();
			T::OnSlash::on_unbalanced(credit);
			slashed
		}
	}

	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	impl<T: Config> Pallet<T> {
		/// Checks the pallet's invariants:
		/// - the escrow account holds exactly the deposit and the collateral left in all open
		///   pools, under `PoolDeposit` and `PoolCollateral`, and keeps its existential deposit
		///   while it holds any (its free balance is its own: anyone may send it funds);
		/// - `OwnerPools` lists exactly the open pools, under their owners;
		/// - each open pool has exactly `payees` entries in `Paid`, an id below `NextPoolId`, and
		///   a storage deposit ticket; there are no other pool tickets;
		/// - every `Paid` record, of an open or a closed pool, has a storage deposit ticket and
		///   vice versa, under an id below `NextPoolId`; each peer holds exactly its records'
		///   deposits;
		/// - a pool that is not overdrawn has collateral above all the deposit it ever had; an
		///   overdrawn one has no deposit left; no pool has more deposit left than it ever had.
		///
		/// Run by `try_state` under try-runtime, and by the pallet's and runtime's tests.
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let next = NextPoolId::<T>::get();
			let mut listed = 0usize;
			let (mut deposit, mut collateral) = (BalanceOf::<T>::zero(), BalanceOf::<T>::zero());
			for (owner, ids) in OwnerPools::<T>::iter() {
				ensure!(!ids.is_empty(), "empty OwnerPools entry");
				for id in ids.iter() {
					let pool = Pools::<T>::get(id).ok_or("OwnerPools lists a closed pool")?;
					ensure!(pool.owner == owner, "pool listed under another owner");
					ensure!(*id < next, "pool id not below NextPoolId");
					let entries = Paid::<T>::iter_prefix(id).count();
					ensure!(entries == pool.payees as usize, "payees differs from Paid entries");
					ensure!(PoolTickets::<T>::contains_key(id), "pool without a storage deposit");
					ensure!(pool.deposit <= pool.total_deposit, "more deposit left than ever held");
					ensure!(
						pool.overdrawn || pool.collateral > pool.total_deposit,
						"collateral not above the total deposit"
					);
					ensure!(!pool.overdrawn || pool.deposit.is_zero(), "overdrawn with deposit left");
					deposit = deposit.checked_add(&pool.deposit).ok_or("deposit sum overflows")?;
					collateral = collateral
						.checked_add(&pool.collateral)
						.ok_or("collateral sum overflows")?;
					listed = listed.saturating_add(1);
				}
			}
			let escrow = Self::escrow_account();
			ensure!(
				Self::on_hold(HoldReason::PoolDeposit, &escrow) == deposit,
				"the escrow's deposit hold differs from the open pools' deposits"
			);
			ensure!(
				Self::on_hold(HoldReason::PoolCollateral, &escrow) == collateral,
				"the escrow's collateral hold differs from the open pools' collateral"
			);
			ensure!(
				deposit.is_zero() && collateral.is_zero() ||
					T::Currency::balance(&escrow) >= T::Currency::minimum_balance(),
				"the escrow holds pool funds without its existential deposit"
			);
			ensure!(Pools::<T>::iter().count() == listed, "a pool is missing from OwnerPools");
			ensure!(PoolTickets::<T>::iter().count() == listed, "a storage deposit without a pool");
			for (id, peer, _) in Paid::<T>::iter() {
				ensure!(id < next, "Paid record of a pool never created");
				ensure!(PaidTickets::<T>::contains_key(id, &peer), "Paid record without a ticket");
			}
			let mut held = alloc::collections::BTreeMap::<T::AccountId, BalanceOf<T>>::new();
			for (id, peer, deposit) in PaidTickets::<T>::iter() {
				ensure!(Paid::<T>::contains_key(id, &peer), "ticket without a Paid record");
				let sum = held.entry(peer).or_insert_with(Zero::zero);
				*sum = sum.checked_add(&deposit).ok_or("payee deposit sum overflows")?;
			}
			for (peer, sum) in held {
				ensure!(
					Self::on_hold(HoldReason::PayeeStorage, &peer) == sum,
					"a peer's held record deposits differ from its records'"
				);
			}
			Ok(())
		}

		fn on_hold(reason: HoldReason, who: &T::AccountId) -> BalanceOf<T> {
			T::Currency::balance_on_hold(&reason.into(), who)
		}
	}
}
