//! The runtime APIs the node and clients call: the ones both chains share
//! ([`micropayment_pool_runtime_common::impl_shared_runtime_apis`]) plus GRANDPA's.

#[cfg(feature = "runtime-benchmarks")]
use crate::benchmarks;
#[cfg(feature = "try-runtime")]
use crate::configs;
use crate::{
	genesis_config_presets, AccountId, Aura, Balance, Block, Executive, Grandpa,
	Nonce, Runtime, RuntimeCall, RuntimeGenesisConfig, SessionKeys, System, TransactionPayment,
	VERSION,
};
use sp_runtime::traits::{Block as BlockT, NumberFor};

micropayment_pool_runtime_common::impl_shared_runtime_apis! {
	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			None
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			_authority_id: pallet_grandpa::AuthorityId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			// `KeyOwnerProof` is the empty type: there is no proof to make.
			None
		}
	}
}
