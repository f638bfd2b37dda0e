//! The viewer's handshake bundle from its node's read proof, and the hash a peer's node
//! finalized at a bundle's height.

use super::{Chain, ChainError};
use crate::{
	handshake::{BundleExt, HandshakeBundle, HandshakeError, BUNDLE_VERSION},
	AccountId, Hash, HeaderExt,
};
use micropayment_pool_primitives::{
	keys::{paid_key, pool_key},
	PoolId,
};

impl Chain {
	/// Builds the viewer's handshake bundle for peer `target`: the header of `at` (default: the
	/// last finalized block) and the node's read proof of the pool and of `target`'s paid record.
	pub async fn handshake_bundle(
		&self,
		pool_id: PoolId,
		target: &AccountId,
		at: Option<Hash>,
	) -> Result<HandshakeBundle, ChainError> {
		use codec::Encode;
		let at = self.or_finalized(at).await?;
		let header = self.header(Some(at)).await?;
		let prefix = self.pallet.prefix();
		let (pool, paid) = (pool_key(prefix, pool_id), paid_key(prefix, pool_id, target.as_ref()));
		let proof = self.rpc.state_get_read_proof([&pool[..], &paid[..]], Some(at)).await?;
		Ok(HandshakeBundle {
			version: BUNDLE_VERSION,
			pool_id,
			target: *target.as_ref(),
			block_hash: at,
			header: header.encode(),
			proof: proof.proof.into_iter().map(|b| b.0).collect(),
		})
	}

	/// The hash this node finalized at the bundle's height: what a peer trusts. Refuses blocks
	/// above the node's finalized head, and heights where the node has no block.
	pub async fn trusted_hash(
		&self,
		bundle: &HandshakeBundle,
	) -> Result<Result<Hash, HandshakeError>, ChainError> {
		let header = match bundle.decode_header() {
			Ok(header) => header,
			Err(e) => return Ok(Err(e)),
		};
		let number = header.block_number();
		let finalized = self.header(Some(self.finalized_head().await?)).await?.block_number();
		if number > finalized {
			return Ok(Err(HandshakeError::UnfinalizedBlock { number, finalized }));
		}
		Ok(match self.block_hash(number).await? {
			Some(hash) => Ok(hash),
			None => Err(HandshakeError::UnknownBlock {
				number,
				hash: bundle.block_hash,
				trusted: None,
			}),
		})
	}
}
