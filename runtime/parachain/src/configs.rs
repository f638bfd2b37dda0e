//! Configuration of each pallet of the parachain runtime. Balances, fees, sudo and the pool come
//! from `micropayment-pool-runtime-common`, shared with the solochain.

use crate::{
	weights::{self, BlockExecutionWeight, ExtrinsicBaseWeight},
	AccountId, Aura, Balance, Balances, Block, BlockNumber, ConsensusHook, Hash, Nonce, PalletInfo,
	ParachainInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason,
	RuntimeOrigin, RuntimeTask, SLOT_DURATION, VERSION,
};
use cumulus_pallet_parachain_system::RelayNumberMonotonicallyIncreases;
use cumulus_primitives_core::AggregateMessageOrigin;
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU32, ConstU64},
	weights::{
		constants::WEIGHT_REF_TIME_PER_SECOND,
		Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::Perbill;
use sp_version::RuntimeVersion;

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// 2 s of compute in a 6 s block, and the relay chain's limit on a block's proof of validity.
const MAXIMUM_BLOCK_WEIGHT: Weight = Weight::from_parts(
	2u64 * WEIGHT_REF_TIME_PER_SECOND,
	cumulus_primitives_core::relay_chain::MAX_POV_SIZE as u64,
);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// The base costs of a block and of a transaction as measured on this runtime
	/// (`benchmark overhead`).
	pub RuntimeBlockWeights: BlockWeights = micropayment_pool_runtime_common::block_weights(
		MAXIMUM_BLOCK_WEIGHT,
		NORMAL_DISPATCH_RATIO,
		BlockExecutionWeight::get(),
		ExtrinsicBaseWeight::get(),
	);
	pub RuntimeBlockLength: BlockLength =
		BlockLength::builder()
			.max_length(5 * 1024 * 1024)
			.modify_max_length_for_class(DispatchClass::Normal, |m| *m = NORMAL_DISPATCH_RATIO * *m)
			.build();
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::ParaChainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// `mpool-para-node` stores state in ParityDb (its default `--database`): its costs measured
	/// by `benchmark storage` with the proof recorder on, as a collator builds a block
	/// (`scripts/bench/weights.sh`, stage `para-storage`). A node on RocksDB would spend longer on
	/// a block than its weight says (read 23.7 µs, write 52.6 µs measured on the same state).
	type DbWeight = weights::ParityDbWeight;
	type SystemWeightInfo = weights::frame_system::WeightInfo<Runtime>;
	type ExtensionsWeightInfo = weights::frame_system_extensions::WeightInfo<Runtime>;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	/// Runtime upgrades go through the relay chain's validation-code upgrade.
	type OnSetCode = cumulus_pallet_parachain_system::ParachainSetCode<Self>;
	type MaxConsumers = ConstU32<16>;
}

parameter_types! {
	/// No XCM: downward messages are dropped, so reserve nothing for them.
	pub const ReservedDmpWeight: Weight = Weight::zero();
	pub const ReservedXcmpWeight: Weight = Weight::zero();
	pub const RelayOrigin: AggregateMessageOrigin = AggregateMessageOrigin::Parent;
}

impl cumulus_pallet_parachain_system::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnSystemEvent = ();
	type SelfParaId = ParachainInfo;
	/// No XCM: nothing is sent, and downward or horizontal messages are not handled.
	type OutboundXcmpMessageSource = ();
	type DmpQueue = frame_support::traits::EnqueueWithOrigin<(), RelayOrigin>;
	type ReservedDmpWeight = ReservedDmpWeight;
	type XcmpMessageHandler = ();
	type ReservedXcmpWeight = ReservedXcmpWeight;
	type CheckAssociatedRelayNumber = RelayNumberMonotonicallyIncreases;
	type WeightInfo = weights::cumulus_pallet_parachain_system::WeightInfo<Runtime>;
	type ConsensusHook = ConsensusHook;
	type RelayParentOffset = ConstU32<0>;
	type SchedulingSignatureVerifier = ();
}

impl staging_parachain_info::Config for Runtime {}

impl cumulus_pallet_aura_ext::Config for Runtime {}

impl cumulus_pallet_weight_reclaim::Config for Runtime {
	/// The extension's own cost (two proof-size host calls and a storage write) as measured
	/// upstream: the pallet's single benchmark is not part of `scripts/bench/weights.sh`.
	type WeightInfo = ();
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = ConstU64<SLOT_DURATION>;
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<0>;
	type WeightInfo = weights::pallet_timestamp::WeightInfo<Runtime>;
}

micropayment_pool_runtime_common::impl_balances_and_fees_config!();

// The same pool on both chains: deposits, durations, grace, compensation share and weights.
micropayment_pool_runtime_common::impl_micropayment_pool_config!(Micropayments);
