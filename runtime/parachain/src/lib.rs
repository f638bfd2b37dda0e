//! Demo parachain runtime: the pool pallet on Cumulus, run by `mpool-para-node`
//! (polkadot-omni-node-lib). Aura with collators fixed at genesis, balances, fees and sudo; no
//! XCM. The pool, balances and fees are configured exactly as on the solochain
//! (`micropayment-pool-runtime-common`), and the pallets a client talks to keep the solochain's
//! indices (Balances 4, TransactionPayment 5, Sudo 6, the pool 10), so a call or event encodes
//! the same on both chains. The pool pallet is named `Micropayments` here (`MicropaymentPool` on
//! the solochain), as a chain builder may name it: its storage lives under that prefix, and the
//! off-chain tools find it in the metadata by what it holds, not by its name.

#![cfg_attr(not(feature = "std"), no_std)]
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
pub mod weights;

use alloc::{borrow::Cow, vec::Vec};
use sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256};
use sp_version::RuntimeVersion;

pub use micropayment_pool_runtime_common::{
	AccountId, Address, Balance, BlockNumber, Hash, Nonce, Signature, DAYS, EXISTENTIAL_DEPOSIT,
	HOURS, MICRO_UNIT, MILLI_SECS_PER_BLOCK, MILLI_UNIT, MINUTES, SLOT_DURATION, UNIT,
};
pub use pallet_micropayment_pool::Call as MicropaymentPoolCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// The parachain id of the embedded chain specs (the first id rococo-local hands out).
pub const PARA_ID: u32 = 2000;

/// Types the node needs without knowing the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

impl_opaque_keys! {
	/// Session keys of a collator: Aura only.
	pub struct SessionKeys {
		pub aura: Aura,
	}
}

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("micropayment-pool-para"),
	impl_name: Cow::Borrowed("micropayment-pool-para"),
	authoring_version: 1,
	spec_version: 101,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The checks every signed transaction goes through: the solochain's, in the same order, so a
/// client signs for either chain alike, wrapped in `StorageWeightReclaim`: after each
/// transaction it reclaims the ref time and the proof size the benchmarks charged but the
/// transaction did not use (the proof size measured by the collator's proof recorder), so a
/// block is filled up to the proof of validity it really carries.
pub type TxExtension = cumulus_pallet_weight_reclaim::StorageWeightReclaim<
	Runtime,
	micropayment_pool_runtime_common::TxChecks<Runtime>,
>;
/// Extrinsic as the runtime decodes it.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// Storage migrations of the runtime, beyond the pallets' own.
type Migrations = (
	pallet_micropayment_pool::migrations::v3::MigrateV2ToV3<Runtime>,
	pallet_micropayment_pool::migrations::v4::MigrateV3ToV4<Runtime>,
);
/// Dispatches blocks and extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// Parachain blocks of 6 s, one per relay-chain block (velocity 1), with up to 3 blocks built
/// ahead of inclusion (asynchronous backing).
pub const RELAY_CHAIN_SLOT_DURATION_MILLIS: u32 = 6000;
/// Parachain blocks per relay-chain block.
pub const BLOCK_PROCESSING_VELOCITY: u32 = 1;
/// Blocks that may be built before the relay chain includes their parent.
pub const UNINCLUDED_SEGMENT_CAPACITY: u32 = 3;

/// Checks that blocks keep to the relay chain's pace and the unincluded segment's bound.
pub type ConsensusHook = cumulus_pallet_aura_ext::FixedVelocityConsensusHook<
	Runtime,
	RELAY_CHAIN_SLOT_DURATION_MILLIS,
	BLOCK_PROCESSING_VELOCITY,
	UNINCLUDED_SEGMENT_CAPACITY,
>;

// Declaration order is execution order (ParachainSystem's inherent first, Aura before AuraExt);
// indices are the solochain's where a pallet exists on both, 20+ for parachain-only pallets.
#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(20)]
	pub type ParachainSystem = cumulus_pallet_parachain_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(21)]
	pub type ParachainInfo = staging_parachain_info;
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(22)]
	pub type AuraExt = cumulus_pallet_aura_ext;
	#[runtime::pallet_index(23)]
	pub type WeightReclaim = cumulus_pallet_weight_reclaim;
	/// The pool pallet under another name than the solochain's: off-chain tools find it by what
	/// it holds (`micropayment_pool_client::PoolPallet::find`), and the e2e suites prove it.
	#[runtime::pallet_index(10)]
	pub type Micropayments = pallet_micropayment_pool;
}

cumulus_pallet_parachain_system::register_validate_block! {
	Runtime = Runtime,
	BlockExecutor = cumulus_pallet_aura_ext::BlockExecutor::<Runtime, Executive>,
}
