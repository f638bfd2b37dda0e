//! Signing (mortal, with every extension the runtime's metadata lists), submitting and watching
//! transactions; their fees and dispatch errors from their events.

use super::{
	error::{error_name_and_docs, rejected},
	AtBlock, Chain, ChainConfig, ChainError, TxEvents,
};
use crate::{
	api,
	pallet::{PoolCall, PoolPallet, GENERATED_NAME},
	Balance, Hash,
};
use sp_core::{sr25519, Pair};
use subxt::{
	client::OnlineClientAtBlockT,
	config::DefaultExtrinsicParamsBuilder,
	events::DecodeAsEvent,
	transactions::{Payload, Signer, TransactionInBlock, TransactionStatus},
	utils::MultiSignature as SubxtSignature,
};

/// How many blocks a transaction this client signs stays valid: 256 blocks is about 25 minutes
/// at 6 s blocks, longer than any load run presigns ahead.
pub const MORTALITY: u64 = 256;

/// How long [`Chain::submit`] waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
	/// Until the transaction is in a block of the best chain.
	InBlock,
	/// Until that block is finalized.
	Finalized,
}

/// A transaction that made it into a block and succeeded.
#[derive(Debug)]
pub struct Included {
	pub block_hash: Hash,
	pub extrinsic_index: u32,
	/// The events the transaction emitted, decoded on demand with the runtime's metadata.
	pub events: TxEvents,
	/// The fee its signer paid.
	pub fee: Balance,
	/// The runtime's pool pallet, whose events [`Included::find`] decodes as the generated ones.
	pub pallet: PoolPallet,
}

impl Included {
	/// The first event of type `E` the transaction emitted, e.g.
	/// [`api::pool_events::PoolCreated`] (from the pool pallet, whatever the runtime named it);
	/// `None` if it emitted none or it does not decode.
	pub fn find_first<E: DecodeAsEvent>(&self) -> Option<E> {
		self.events.iter().filter_map(Result::ok).find_map(|e| self.pallet.decode::<E, _>(&e))
	}

	/// Every event of type `E` the transaction emitted, in order.
	pub fn find<E: DecodeAsEvent>(&self) -> Vec<E> {
		self.events.iter().filter_map(Result::ok).filter_map(|e| self.pallet.decode::<E, _>(&e)).collect()
	}
}

/// A signed transaction, ready to submit.
#[derive(Clone, Debug)]
pub struct SignedTx {
	/// The extrinsic's SCALE bytes.
	pub encoded: Vec<u8>,
	/// Its hash in the transaction pool.
	pub hash: Hash,
}

/// An sr25519 key as subxt's signer.
pub struct PairSigner<'a>(pub &'a sr25519::Pair);

impl Signer<ChainConfig> for PairSigner<'_> {
	fn account_id(&self) -> subxt::utils::AccountId32 {
		subxt::utils::AccountId32(self.0.public().0)
	}

	fn sign(&self, payload: &[u8]) -> SubxtSignature {
		SubxtSignature::Sr25519(self.0.sign(payload).0)
	}
}

impl Chain {
	/// Signs `call` as `signer` with `nonce` at block `at` ([`Chain::at_finalized`]): mortal for
	/// [`MORTALITY`] blocks from `at`, with every extension the metadata lists. Offline: sign
	/// thousands against one `at`.
	pub fn sign<C: Payload>(
		at: &AtBlock,
		signer: &sr25519::Pair,
		call: &C,
		nonce: u32,
	) -> Result<SignedTx, ChainError> {
		Self::sign_with_tip(at, signer, call, nonce, 0)
	}

	/// [`Chain::sign`] with a tip: what raises a transaction's priority in the node's pool.
	pub fn sign_with_tip<C: Payload>(
		at: &AtBlock,
		signer: &sr25519::Pair,
		call: &C,
		nonce: u32,
		tip: Balance,
	) -> Result<SignedTx, ChainError> {
		let params = DefaultExtrinsicParamsBuilder::<ChainConfig>::new()
			.nonce(u64::from(nonce))
			.tip(tip)
			.mortal_from_unchecked(MORTALITY, at.block_number(), at.block_hash())
			.build();
		// A generated pool call carries the demo runtimes' pallet name: address it to this
		// runtime's.
		let name = if call.pallet_name() == GENERATED_NAME {
			PoolPallet::name_in(at.metadata_ref()).map_err(|e| ChainError::IncompatibleRuntime(e.to_string()))?
		} else {
			call.pallet_name()
		};
		let tx = at
			.tx()
			.create_signable_offline(&PoolCall::new(call, name), params)
			.map_err(ChainError::from_subxt)?
			.sign(&PairSigner(signer))
			.map_err(ChainError::from_subxt)?;
		Ok(SignedTx { hash: Hash::from(tx.hash().0), encoded: tx.into_encoded() })
	}

	/// Signs `call` as `signer` with its next nonce, submits it and waits as told; fails with
	/// [`ChainError::Dispatch`] (naming the pallet error) if the call failed in its block.
	pub async fn submit<C: Payload>(
		&self,
		signer: &sr25519::Pair,
		call: &C,
		wait: Wait,
	) -> Result<Included, ChainError> {
		let nonce = self.next_nonce(&signer.public().into()).await?;
		let at = self.at_finalized().await?;
		let tx = Self::sign(&at, signer, call, nonce)?;
		self.submit_signed(&at, &tx, wait).await
	}

	/// Submits a signed extrinsic without waiting; returns its hash.
	pub async fn submit_only(&self, tx: &SignedTx) -> Result<Hash, ChainError> {
		self.rpc.author_submit_extrinsic(&tx.encoded).await.map_err(rejected)
	}

	/// Submits a signed extrinsic and waits as told (see [`Chain::submit`]).
	pub async fn submit_signed(
		&self,
		at: &AtBlock,
		tx: &SignedTx,
		wait: Wait,
	) -> Result<Included, ChainError> {
		let mut progress =
			at.tx().from_bytes(tx.encoded.clone()).submit_and_watch().await.map_err(ChainError::from_subxt)?;
		let in_block = loop {
			let status = progress
				.next()
				.await
				.ok_or_else(|| ChainError::Dropped("watch ended before inclusion".into()))?
				.map_err(ChainError::from_subxt)?;
			match status {
				TransactionStatus::InBestBlock(in_block) if wait == Wait::InBlock => break in_block,
				TransactionStatus::InFinalizedBlock(in_block) => break in_block,
				TransactionStatus::Invalid { message } => return Err(ChainError::Rejected(message)),
				TransactionStatus::Dropped { message } | TransactionStatus::Error { message } =>
					return Err(ChainError::Dropped(message)),
				_ => {},
			}
		};
		finish(in_block).await
	}
}

/// A transaction in a block: its events, fee and, if it failed, its error.
pub(super) async fn finish<C: OnlineClientAtBlockT<ChainConfig>>(
	in_block: TransactionInBlock<ChainConfig, C>,
) -> Result<Included, ChainError> {
	let block_hash = Hash::from(in_block.block_hash().0);
	let events = in_block.fetch_events().await.map_err(ChainError::from_subxt)?;
	let metadata = in_block.at().await.map_err(ChainError::from_subxt)?.metadata();
	outcome(block_hash, events, metadata)
}

/// The transaction's fee and, if it failed, its error, from its events.
fn outcome(
	block_hash: Hash,
	events: TxEvents,
	metadata: subxt::metadata::ArcMetadata,
) -> Result<Included, ChainError> {
	use api::runtime::{system::events::ExtrinsicFailed, transaction_payment::events::TransactionFeePaid};
	let pallet = PoolPallet::find(&metadata).map_err(|e| ChainError::IncompatibleRuntime(e.to_string()))?;
	let fee = events.find_first::<TransactionFeePaid>().and_then(Result::ok).map_or(0, |e| e.actual_fee);
	let extrinsic_index = u32::try_from(events.extrinsic_index())
		.map_err(|_| ChainError::Decode("extrinsic index".into()))?;
	for event in events.iter().filter_map(Result::ok) {
		if event.is::<ExtrinsicFailed>() {
			let error = subxt::error::DispatchError::decode_from(event.field_bytes(), metadata.clone())
				.map_err(|e| ChainError::Decode(format!("dispatch error: {e}")))?;
			let (error, docs) = error_name_and_docs(&error);
			return Err(ChainError::Dispatch { error, docs, block_hash, fee });
		}
	}
	Ok(Included { block_hash, extrinsic_index, events, fee, pallet })
}
