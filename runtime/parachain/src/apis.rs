//! The runtime APIs: the ones both chains share
//! ([`micropayment_pool_runtime_common::impl_shared_runtime_apis`]) plus those a Cumulus
//! collator (polkadot-omni-node) calls.

#[cfg(feature = "runtime-benchmarks")]
use crate::benchmarks;
#[cfg(feature = "try-runtime")]
use crate::configs;
use crate::{
	genesis_config_presets, AccountId, Aura, Balance, Block, ConsensusHook, Executive,
	Nonce, ParachainInfo, ParachainSystem, Runtime, RuntimeCall,
	RuntimeGenesisConfig, SessionKeys, System, TransactionPayment, VERSION,
};
use sp_runtime::traits::Block as BlockT;

micropayment_pool_runtime_common::impl_shared_runtime_apis! {
	impl cumulus_primitives_aura::AuraUnincludedSegmentApi<Block> for Runtime {
		fn can_build_upon(
			included_hash: <Block as BlockT>::Hash,
			slot: cumulus_primitives_aura::Slot,
		) -> bool {
			ConsensusHook::can_build_upon(included_hash, slot)
		}
	}

	impl cumulus_primitives_core::CollectCollationInfo<Block> for Runtime {
		fn collect_collation_info(
			header: &<Block as BlockT>::Header,
		) -> cumulus_primitives_core::CollationInfo {
			ParachainSystem::collect_collation_info(header)
		}
	}

	impl cumulus_primitives_core::GetParachainInfo<Block> for Runtime {
		fn parachain_id() -> cumulus_primitives_core::ParaId {
			ParachainInfo::parachain_id()
		}
	}

	impl cumulus_primitives_core::RelayParentOffsetApi<Block> for Runtime {
		fn relay_parent_offset() -> u32 {
			0
		}

		/// Asynchronous backing: a candidate may target the next relay block or the one after.
		fn max_claim_queue_offset() -> u8 {
			1
		}
	}

	impl cumulus_primitives_core::SchedulingV3EnabledApi<Block> for Runtime {
		fn scheduling_v3_enabled() -> bool {
			false
		}
	}

	impl cumulus_primitives_core::TargetBlockRate<Block> for Runtime {
		fn target_block_rate() -> u32 {
			crate::BLOCK_PROCESSING_VELOCITY
		}
	}

	impl cumulus_primitives_core::KeyToIncludeInRelayProof<Block> for Runtime {
		fn keys_to_prove() -> cumulus_primitives_core::RelayProofRequest {
			Default::default()
		}
	}
}
