//! Configuration of each pallet of the runtime.

use crate::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
	DAYS, EXISTENTIAL_DEPOSIT, MICRO_UNIT, MILLI_UNIT, SLOT_DURATION, VERSION,
};
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{
		fungible::HoldConsideration, ConstBool, ConstU128, ConstU32, ConstU64, ConstU8,
		LinearStoragePrice, VariantCountOf,
	},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, MultiSignature, MultiSigner, Perbill};
use sp_version::RuntimeVersion;

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// 2 s of compute in a 6 s block.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: BlockLength =
		BlockLength::builder()
			.max_length(5 * 1024 * 1024)
			.modify_max_length_for_class(DispatchClass::Normal, |m| *m = NORMAL_DISPATCH_RATIO * *m)
			.build();
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDb.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = frame_system::Pallet<Runtime>;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The paper's rule is strictly `collateral > deposit`; the demo chain adds nothing to it.
	pub const MinCollateralExcess: Perbill = Perbill::zero();
	pub const PoolStorageReason: RuntimeHoldReason =
		RuntimeHoldReason::MicropaymentPool(pallet_micropayment_pool::HoldReason::PoolStorage);
	/// Storage deposit of a pool record: 10 mUNIT plus 10 µUNIT per byte (~12 mUNIT a pool).
	pub const PoolStorageBase: Balance = 10 * MILLI_UNIT;
	pub const PoolStorageByte: Balance = 10 * MICRO_UNIT;
	pub const PayeeStorageReason: RuntimeHoldReason =
		RuntimeHoldReason::MicropaymentPool(pallet_micropayment_pool::HoldReason::PayeeStorage);
	/// Storage deposit of a peer's `Paid` record: 1 mUNIT plus 10 µUNIT per byte (1.56 mUNIT).
	pub const PayeeStorageBase: Balance = MILLI_UNIT;
	pub const PayeeStorageByte: Balance = 10 * MICRO_UNIT;
	/// Half of the collateral's excess over the deposit compensates a double spend's victims;
	/// the other half is burnt at once, so a double spend returns at most -(C - D) / 2.
	pub const CompensationShare: Perbill = Perbill::from_percent(50);
}

impl pallet_micropayment_pool::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Signature = MultiSignature;
	type Signer = MultiSigner;
	/// Forfeited collateral left at close is burnt.
	type OnSlash = ();
	type MaxResourceIdLen = ConstU32<128>;
	/// 5 blocks (30 s): short enough to watch a pool expire on the dev chain.
	type MinDuration = ConstU32<5>;
	type MaxDuration = ConstU32<{ 30 * DAYS }>;
	/// 5 blocks (30 s) after expiry: a settlement sent in the last block still lands.
	type SettlementGrace = ConstU32<5>;
	type MaxPoolsPerAccount = ConstU32<32>;
	type MinCollateralExcess = MinCollateralExcess;
	type CompensationShare = CompensationShare;
	/// 256 vouchers of ~0.2 ms each: a batch stays far below a block's weight.
	type MaxBatch = ConstU32<256>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PoolStorageReason,
		LinearStoragePrice<PoolStorageBase, PoolStorageByte, Balance>,
	>;
	type PayeeConsideration = HoldConsideration<
		AccountId,
		Balances,
		PayeeStorageReason,
		LinearStoragePrice<PayeeStorageBase, PayeeStorageByte, Balance>,
	>;
	type WeightInfo = pallet_micropayment_pool::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}
