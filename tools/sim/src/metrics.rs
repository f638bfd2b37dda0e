//! What the load test reads about blocks and nothing else needs: the weight each class used,
//! the block's extrinsics, new best heads as the node imports them, which extrinsic emitted an
//! event. On the client's [`Chain`] (its subxt client and JSON-RPC), so that the library keeps
//! only what viewers and peers need.

use micropayment_pool_client::{api::runtime, chain::ChainConfig, Chain, ChainError, Hash, Header};
use subxt::{events::Phase, rpcs::client::RpcSubscription};

/// `System.BlockWeight` at `at`: (ref time, proof size) of the normal, operational and
/// mandatory classes.
async fn weight_used(chain: &Chain, at: Hash) -> Result<[(u64, u64); 3], ChainError> {
	let weight = chain
		.at(at)
		.await?
		.storage()
		.fetch(runtime::storage().system().block_weight(), ())
		.await
		.map_err(ChainError::from_subxt)?
		.decode()
		.map_err(ChainError::from_subxt)?;
	Ok([weight.normal, weight.operational, weight.mandatory].map(|w| (w.ref_time, w.proof_size)))
}

/// The normal-class ref time (picoseconds) and proof size block `at` used.
pub async fn normal_weight(chain: &Chain, at: Hash) -> Result<(u64, u64), ChainError> {
	Ok(weight_used(chain, at).await?[0])
}

/// The ref time in picoseconds block `at` used in all three classes (`System.BlockWeight`: its
/// transactions, the inherents and the block's own base cost).
pub async fn block_ref_time(chain: &Chain, at: Hash) -> Result<u64, ChainError> {
	Ok(weight_used(chain, at)
		.await?
		.iter()
		.fold(0u64, |sum, (ref_time, _)| sum.saturating_add(*ref_time)))
}

/// The normal class's share of a block's weight (`System.BlockWeights`): what the block builder
/// fills normal transactions up to, as (ref time in picoseconds, proof size in bytes).
pub async fn max_normal_weight(chain: &Chain) -> Result<(u64, u64), ChainError> {
	let weights = chain
		.at_finalized()
		.await?
		.constants()
		.entry(runtime::constants().system().block_weights())
		.map_err(ChainError::from_subxt)?;
	let limit = weights.per_class.normal.max_total.unwrap_or(weights.max_block);
	Ok((limit.ref_time, limit.proof_size))
}

/// The encoded extrinsics of block `at`, in order.
pub async fn block_extrinsics(chain: &Chain, at: Hash) -> Result<Vec<Vec<u8>>, ChainError> {
	let block = chain.rpc().chain_get_block(Some(at)).await?;
	let block = block.ok_or_else(|| ChainError::NotFound(format!("block {at:?}")))?;
	Ok(block.block.extrinsics.into_iter().map(|xt| xt.0).collect())
}

/// New best blocks' headers as the node imports them.
pub async fn subscribe_best_heads(chain: &Chain) -> Result<RpcSubscription<Header>, ChainError> {
	Ok(chain.rpc().chain_subscribe_new_heads().await?)
}

/// The index of the extrinsic that emitted `event`, if one did (not an initialization or
/// finalization event): to sort a block's events in one pass.
pub fn emitting_extrinsic(event: &subxt::events::Event<'_, ChainConfig>) -> Option<u32> {
	match event.phase() {
		Phase::ApplyExtrinsic(index) => Some(index),
		_ => None,
	}
}
