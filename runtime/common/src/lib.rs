//! What both demo runtimes share, defined once: units, block time, and the
//! `MicropaymentPool` configuration ([`impl_micropayment_pool_config!`]).
//!
//! The solochain (`micropayment-pool-runtime`) and the parachain
//! (`micropayment-pool-para-runtime`) expand the same macro, so a pool behaves identically on
//! both: same deposits, durations, settlement grace, compensation share and weights.

#![cfg_attr(not(feature = "std"), no_std)]

mod apis;

use sp_runtime::traits::{IdentifyAccount, Verify};

/// Balance of an account.
pub type Balance = u128;
/// Block number.
pub type BlockNumber = u32;
/// Transaction and voucher signatures.
pub type Signature = sp_runtime::MultiSignature;
/// An account: the public key (or its hash, for ECDSA) of a `Signature` signer.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Transaction counter of an account.
pub type Nonce = u32;
/// Block and state hash.
pub type Hash = sp_core::H256;
/// Address format of extrinsics.
pub type Address = sp_runtime::MultiAddress<AccountId, ()>;

/// The block's weight limits from its measured base costs: `BlockWeights::with_sensible_defaults`
/// (`normal_ratio` of `block` for normal transactions, the rest reserved for operational ones,
/// 10 % expected for initialization), but with this chain's `BlockExecutionWeight` and
/// `ExtrinsicBaseWeight` from `benchmark overhead` instead of Substrate's reference-machine
/// constants.
pub fn block_weights(
	block: frame_support::weights::Weight,
	normal_ratio: sp_runtime::Perbill,
	base_block: frame_support::weights::Weight,
	base_extrinsic: frame_support::weights::Weight,
) -> frame_system::limits::BlockWeights {
	use frame_support::dispatch::DispatchClass;
	let normal = normal_ratio * block;
	frame_system::limits::BlockWeights::builder()
		.base_block(base_block)
		.for_class(DispatchClass::all(), |class| class.base_extrinsic = base_extrinsic)
		.for_class(DispatchClass::Normal, |class| class.max_total = Some(normal))
		.for_class(DispatchClass::Operational, |class| {
			class.max_total = Some(block);
			class.reserved = Some(block.saturating_sub(normal));
		})
		.avg_block_initialization(sp_runtime::Perbill::from_percent(10))
		.build()
		.expect(
			"the measured base costs are microseconds against a block of seconds, and \
			 `frame_system`'s integrity test checks these limits at every build; qed",
		)
}

/// The checks every signed transaction goes through, the same on both chains and in the same
/// order, so a client signs for either alike. Each runtime appends how it reclaims the weight a
/// transaction did not use ([`TxExtension`] on the solochain; the parachain wraps these checks
/// in `cumulus_pallet_weight_reclaim::StorageWeightReclaim`, which also reclaims unused proof
/// size).
pub type TxChecks<Runtime> = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	// Signs the metadata's hash (when the signer asks to), so metadata-verifying signers such
	// as Ledger's generic app can show what they sign; the runtimes' build embeds the hash.
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
);

/// The solochain's transaction extensions: [`TxChecks`], then the ref-time reclaim. A nested
/// tuple encodes, and lists in the metadata, exactly as the flat one.
pub type TxExtension<Runtime> = (TxChecks<Runtime>, frame_system::WeightReclaim<Runtime>);

/// One token: 12 decimals.
pub const UNIT: Balance = 1_000_000_000_000;
/// A thousandth of a token.
pub const MILLI_UNIT: Balance = 1_000_000_000;
/// A millionth of a token.
pub const MICRO_UNIT: Balance = 1_000_000;
/// Smallest balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// 6 s blocks on both chains: the paper's switching-time comparison assumes a realistic wait for
/// inclusion, and pool durations in blocks then mean the same time everywhere.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
/// Aura slot length; cannot change once a chain runs.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// Token symbol, as `system_properties` reports it.
pub const TOKEN_SYMBOL: &str = "MPT";
/// Token decimals, as `system_properties` reports it.
pub const TOKEN_DECIMALS: u32 = 12;

/// The pool's parameters on the demo chains.
pub mod pool {
	use super::{Balance, MICRO_UNIT, MILLI_UNIT};
	use sp_runtime::Perbill;

	/// The paper's rule is strictly `collateral > deposit`; the demo chains add nothing to it.
	pub const MIN_COLLATERAL_EXCESS: Perbill = Perbill::zero();
	/// Storage deposit of a pool record: 10 mUNIT plus 10 µUNIT per byte written (its record and
	/// ticket with their keys, and its id in the owner's list: 371 bytes, 13.71 mUNIT a pool).
	pub const POOL_STORAGE_BASE: Balance = 10 * MILLI_UNIT;
	/// Per byte of a pool record.
	pub const POOL_STORAGE_BYTE: Balance = 10 * MICRO_UNIT;
	/// Storage deposit of a peer's `Paid` record: 1 mUNIT plus 10 µUNIT per byte of the two
	/// entries written, 224 bytes with their keys (3.24 mUNIT).
	pub const PAYEE_STORAGE_BASE: Balance = MILLI_UNIT;
	/// Per byte of a `Paid` record.
	pub const PAYEE_STORAGE_BYTE: Balance = 10 * MICRO_UNIT;
	/// No compensation pot: a forfeited collateral is burnt whole, so a double spend returns at
	/// most -(C - D). On chain a sock puppet of the viewer looks like any peer, so whatever pot
	/// there were, the viewer's puppets could claim it first (docs/security.md); honest peers
	/// are protected by their own exposure cap instead.
	pub const COMPENSATION_SHARE: Perbill = Perbill::zero();
	/// 5 blocks (30 s): short enough to watch a pool expire on a dev chain.
	pub const MIN_DURATION: u32 = 5;
	/// 5 blocks (30 s) after expiry: a settlement sent in the last block still lands.
	pub const SETTLEMENT_GRACE: u32 = 5;
	/// Pools one account may have open at once.
	pub const MAX_POOLS_PER_ACCOUNT: u32 = 32;
	/// 256 vouchers of ~0.25 ms each: a batch stays far below a block's weight.
	pub const MAX_BATCH: u32 = 256;
	/// Longest resource id, in bytes.
	pub const MAX_RESOURCE_ID_LEN: u32 = 128;
	/// The id of the escrow account that holds every pool's funds.
	pub const PALLET_ID: frame_support::PalletId = frame_support::PalletId(*b"py/mpool");
}

/// Implements `pallet_micropayment_pool::Config` for `Runtime` in the calling runtime crate, with
/// the parameters of [`pool`]. The argument is the pallet's name in the runtime's
/// `construct_runtime!` (its `RuntimeHoldReason` variant). The caller must have `Runtime`,
/// `Balances`, `RuntimeHoldReason`, `AccountId` and `Balance` in scope (every FRAME runtime
/// does) and depend on `frame-support`, `sp-runtime` and `pallet-micropayment-pool`.
#[macro_export]
macro_rules! impl_micropayment_pool_config {
	($pallet:ident) => {
		frame_support::parameter_types! {
			pub const MinCollateralExcess: sp_runtime::Perbill =
				$crate::pool::MIN_COLLATERAL_EXCESS;
			pub const PoolStorageReason: RuntimeHoldReason = RuntimeHoldReason::$pallet(
				pallet_micropayment_pool::HoldReason::PoolStorage,
			);
			pub const PoolStorageBase: Balance = $crate::pool::POOL_STORAGE_BASE;
			pub const PoolStorageByte: Balance = $crate::pool::POOL_STORAGE_BYTE;
			pub const PayeeStorageBase: Balance = $crate::pool::PAYEE_STORAGE_BASE;
			pub const PayeeStorageByte: Balance = $crate::pool::PAYEE_STORAGE_BYTE;
			pub const CompensationShare: sp_runtime::Perbill = $crate::pool::COMPENSATION_SHARE;
			pub const PoolPalletId: frame_support::PalletId = $crate::pool::PALLET_ID;
		}

		impl pallet_micropayment_pool::Config for Runtime {
			type Currency = Balances;
			type RuntimeHoldReason = RuntimeHoldReason;
			type Signature = sp_runtime::MultiSignature;
			type Signer = sp_runtime::MultiSigner;
			/// Forfeited collateral left at close is burnt.
			type OnSlash = ();
			type MaxResourceIdLen =
				frame_support::traits::ConstU32<{ $crate::pool::MAX_RESOURCE_ID_LEN }>;
			type MinDuration = frame_support::traits::ConstU32<{ $crate::pool::MIN_DURATION }>;
			type MaxDuration = frame_support::traits::ConstU32<{ 30 * $crate::DAYS }>;
			type SettlementGrace =
				frame_support::traits::ConstU32<{ $crate::pool::SETTLEMENT_GRACE }>;
			type MaxPoolsPerAccount =
				frame_support::traits::ConstU32<{ $crate::pool::MAX_POOLS_PER_ACCOUNT }>;
			type MinCollateralExcess = MinCollateralExcess;
			type CompensationShare = CompensationShare;
			type MaxBatch = frame_support::traits::ConstU32<{ $crate::pool::MAX_BATCH }>;
			type PalletId = PoolPalletId;
			type Consideration = frame_support::traits::fungible::HoldConsideration<
				AccountId,
				Balances,
				PoolStorageReason,
				frame_support::traits::LinearStoragePrice<
					PoolStorageBase,
					PoolStorageByte,
					Balance,
				>,
			>;
			type PayeeDeposit = frame_support::traits::LinearStoragePrice<
				PayeeStorageBase,
				PayeeStorageByte,
				Balance,
			>;
			type WeightInfo = pallet_micropayment_pool::weights::SubstrateWeight<Runtime>;
			#[cfg(feature = "runtime-benchmarks")]
			type BenchmarkHelper = ();
		}
	};
}

/// Implements `pallet_balances`, `pallet_transaction_payment` and `pallet_sudo` for `Runtime`
/// alike on both chains: the same fee rules, so the simulator's figures compare. The weights are
/// each runtime's own, measured on its wasm by `scripts/bench/weights.sh` (`crate::weights`).
/// Needs `Runtime`, `RuntimeEvent`, `RuntimeCall`, `RuntimeHoldReason`, `RuntimeFreezeReason`,
/// `Balances`, `Balance` and a `weights` module with those pallets' files in scope.
#[macro_export]
macro_rules! impl_balances_and_fees_config {
	() => {
		impl pallet_balances::Config for Runtime {
			type MaxLocks = frame_support::traits::ConstU32<50>;
			type MaxReserves = ();
			type ReserveIdentifier = [u8; 8];
			type Balance = Balance;
			type RuntimeEvent = RuntimeEvent;
			type DustRemoval = ();
			type ExistentialDeposit =
				frame_support::traits::ConstU128<{ $crate::EXISTENTIAL_DEPOSIT }>;
			type AccountStore = frame_system::Pallet<Runtime>;
			type WeightInfo = crate::weights::pallet_balances::WeightInfo<Runtime>;
			type FreezeIdentifier = RuntimeFreezeReason;
			type MaxFreezes = frame_support::traits::VariantCountOf<RuntimeFreezeReason>;
			type RuntimeHoldReason = RuntimeHoldReason;
			type RuntimeFreezeReason = RuntimeFreezeReason;
			type DoneSlashHandler = ();
		}

		frame_support::parameter_types! {
			pub FeeMultiplier: pallet_transaction_payment::Multiplier =
				<pallet_transaction_payment::Multiplier as sp_runtime::traits::One>::one();
		}

		/// One planck per unit of weight and per byte, with a constant multiplier: fees a demo
		/// user can predict from the weights in docs/results.md.
		impl pallet_transaction_payment::Config for Runtime {
			type RuntimeEvent = RuntimeEvent;
			type OnChargeTransaction = pallet_transaction_payment::FungibleAdapter<Balances, ()>;
			type OperationalFeeMultiplier = frame_support::traits::ConstU8<5>;
			type WeightToFee = frame_support::weights::IdentityFee<Balance>;
			type LengthToFee = frame_support::weights::IdentityFee<Balance>;
			type FeeMultiplierUpdate =
				pallet_transaction_payment::ConstFeeMultiplier<FeeMultiplier>;
			type WeightInfo = crate::weights::pallet_transaction_payment::WeightInfo<Runtime>;
		}

		impl pallet_sudo::Config for Runtime {
			type RuntimeEvent = RuntimeEvent;
			type RuntimeCall = RuntimeCall;
			type WeightInfo = crate::weights::pallet_sudo::WeightInfo<Runtime>;
		}
	};
}
