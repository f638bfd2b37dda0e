//! A client of a node of either demo chain, on subxt: transactions are built, signed (mortal, with
//! every transaction extension the runtime's metadata lists) and watched by subxt; events, fees
//! and dispatch errors are decoded by name from the connected runtime's metadata, so an event
//! this crate does not know is skipped, not an error. Raw reads that the handshake must prove
//! byte for byte (the pool record, `Paid`) use the node's JSON-RPC directly.

use crate::{
	amount::Units,
	api::{self, runtime},
	constants::PoolConstants,
	handshake::{BundleExt, HandshakeBundle, HandshakeError, BUNDLE_VERSION},
	AccountId, Balance, BlockNumber, Hash, Header, HeaderExt, PoolRecord, View,
};
use codec::Decode;
use micropayment_pool_primitives::{
	keys::{owner_pools_key, paid_key, pool_key, PALLET_PREFIX},
	PoolId,
};
use sp_core::{sr25519, Bytes, Pair};
use std::sync::Arc;
use subxt::{
	backend::LegacyBackend,
	client::{ClientAtBlock, OnlineClientAtBlockImpl},
	config::DefaultExtrinsicParamsBuilder,
	events::{DecodeAsEvent, Events, Phase},
	rpcs::client::{rpc_params, RpcClient},
	transactions::{Payload, Signer, TransactionStatus},
	utils::MultiSignature as SubxtSignature,
	OnlineClient,
};

/// subxt's configuration for both demo chains: 32-byte accounts, `MultiSignature`, BLAKE2-256.
pub type ChainConfig = subxt::SubstrateConfig;
/// The client at one block: signs, reads storage and constants there.
pub type AtBlock = ClientAtBlock<ChainConfig, OnlineClientAtBlockImpl<ChainConfig>>;
/// The events a transaction emitted (all the block's events, filtered to its index).
pub type TxEvents = subxt::extrinsics::ExtrinsicEvents<ChainConfig>;
/// A subscription to new block headers.
pub type HeaderSubscription = subxt::rpcs::client::RpcSubscription<Header>;

/// How many blocks a transaction this client signs stays valid: 256 blocks is about 25 minutes
/// at 6 s blocks, longer than any load run presigns ahead.
pub const MORTALITY: u64 = 256;

/// Why a request to the node failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	#[error("rpc: {0}")]
	Rpc(#[from] subxt::rpcs::Error),
	#[error("{0}")]
	Subxt(Box<subxt::Error>),
	#[error("the node rejected the transaction: {0}")]
	Rejected(String),
	#[error("transaction {0}")]
	Dropped(String),
	#[error("dispatch failed: {error}")]
	Dispatch {
		/// `Pallet.Error` as the runtime's metadata names it, e.g.
		/// `MicropaymentPool.StaleVoucher`, or `Token.FundsUnavailable`.
		error: String,
		block_hash: Hash,
		/// The fee the signer paid all the same.
		fee: Balance,
	},
	#[error("cannot decode {0}")]
	Decode(String),
	#[error("not found: {0}")]
	NotFound(String),
	#[error("the node's runtime is not the one this client was generated for: {0}")]
	IncompatibleRuntime(String),
}

fn subxt_err<E: Into<subxt::Error>>(e: E) -> ChainError {
	let e: subxt::Error = e.into();
	// A transaction the node refuses (bad nonce, no funds for the fee, bad proof) is a rejection.
	match &e {
		subxt::Error::ExtrinsicError(subxt::error::ExtrinsicError::ErrorSubmittingTransaction(
			inner,
		)) => ChainError::Rejected(inner.to_string()),
		_ => ChainError::Subxt(Box::new(e)),
	}
}

impl ChainError {
	/// The pallet error's name if the call was dispatched and failed, e.g. `StaleVoucher`.
	pub fn dispatch_error(&self) -> Option<&str> {
		match self {
			Self::Dispatch { error, .. } => Some(error.rsplit('.').next().unwrap_or(error)),
			_ => None,
		}
	}

	/// The fee a transaction that failed in its block still cost its signer (0 otherwise).
	pub fn fee(&self) -> Balance {
		match self {
			Self::Dispatch { fee, .. } => *fee,
			_ => 0,
		}
	}
}

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
}

impl Included {
	/// The first event of type `E` the transaction emitted, e.g.
	/// [`api::pool_events::PoolCreated`]; `None` if it emitted none or it does not decode.
	pub fn find_first<E: DecodeAsEvent>(&self) -> Option<E> {
		self.events.find::<E>().find_map(Result::ok)
	}

	/// Every event of type `E` the transaction emitted, in order.
	pub fn find<E: DecodeAsEvent>(&self) -> Vec<E> {
		self.events.find::<E>().filter_map(Result::ok).collect()
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

/// The chain's account type as this crate's.
pub fn to_account(id: &subxt::utils::AccountId32) -> AccountId {
	AccountId::new(id.0)
}

/// This crate's account as the generated API's.
pub fn to_api_account(id: &AccountId) -> subxt::utils::AccountId32 {
	subxt::utils::AccountId32(*id.as_ref())
}

/// Balances of an account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountData {
	pub free: Balance,
	/// Held and reserved.
	pub reserved: Balance,
	pub frozen: Balance,
}

/// A connection to a node of either demo chain.
pub struct Chain {
	api: OnlineClient<ChainConfig>,
	rpc: RpcClient,
	/// Hash of block 0.
	pub genesis_hash: Hash,
	/// The token's symbol and decimals, from the node's `system_properties`.
	pub units: Units,
}

impl Chain {
	/// Connects to `url` (e.g. `ws://127.0.0.1:9944`), reads the chain's identity and checks that
	/// its runtime has the pool pallet with the constants this crate's offline checks use.
	pub async fn connect(url: &str) -> Result<Self, ChainError> {
		let rpc = RpcClient::new(crate::transport::WsTransport::connect(url).await?);
		// The node's classic JSON-RPC (author_submitAndWatchExtrinsic, state_*, chain_*): what
		// every polkadot-sdk node serves, with no background driver to run.
		let backend = LegacyBackend::<ChainConfig>::builder().build(rpc.clone());
		let api = OnlineClient::from_backend(Arc::new(backend)).await.map_err(subxt_err)?;
		let properties: serde_json::Value = rpc.request("system_properties", rpc_params![]).await?;
		let genesis_hash = Hash::from(api.genesis_hash().0);
		let chain = Self { units: Units::from_properties(&properties), api, rpc, genesis_hash };
		let at = chain.at_finalized().await?;
		let online = PoolConstants::from_metadata(at.metadata_ref())
			.ok_or_else(|| ChainError::IncompatibleRuntime("no MicropaymentPool pallet".into()))?;
		if online != crate::constants::pool() {
			return Err(ChainError::IncompatibleRuntime(format!(
				"pool constants {online:?}, this client's {:?}",
				crate::constants::pool()
			)));
		}
		Ok(chain)
	}

	/// The subxt client, for what this wrapper does not cover.
	pub fn api(&self) -> &OnlineClient<ChainConfig> {
		&self.api
	}

	/// The genesis hash as the 32 bytes a voucher carries.
	pub fn genesis_bytes(&self) -> [u8; 32] {
		self.genesis_hash.0
	}

	/// The client at the last finalized block: sign there, read constants there.
	pub async fn at_finalized(&self) -> Result<AtBlock, ChainError> {
		self.api.at_current_block().await.map_err(subxt_err)
	}

	/// The client at block `hash`.
	pub async fn at(&self, hash: Hash) -> Result<AtBlock, ChainError> {
		let hash = subxt::utils::H256(hash.0);
		self.api.at_block(hash).await.map_err(subxt_err)
	}

	/// Hash of the last finalized block.
	pub async fn finalized_head(&self) -> Result<Hash, ChainError> {
		Ok(self.rpc.request("chain_getFinalizedHead", rpc_params![]).await?)
	}

	/// Header of `at`, or of the best block.
	pub async fn header(&self, at: Option<Hash>) -> Result<Header, ChainError> {
		let header: Option<Header> = self.rpc.request("chain_getHeader", rpc_params![at]).await?;
		header.ok_or_else(|| ChainError::NotFound(format!("header {at:?}")))
	}

	/// Number of the best block: a transaction submitted now executes in a later block.
	pub async fn best_number(&self) -> Result<BlockNumber, ChainError> {
		Ok(self.header(None).await?.block_number())
	}

	/// Number of block `hash`.
	pub async fn block_number(&self, hash: Hash) -> Result<BlockNumber, ChainError> {
		Ok(self.header(Some(hash)).await?.block_number())
	}

	/// Hash of the canonical block at `number`, if the node has it.
	pub async fn block_hash(&self, number: BlockNumber) -> Result<Option<Hash>, ChainError> {
		Ok(self.rpc.request("chain_getBlockHash", rpc_params![number]).await?)
	}

	/// Raw storage at `key`, at block `at` or the best block.
	pub async fn storage(&self, key: &[u8], at: Option<Hash>) -> Result<Option<Vec<u8>>, ChainError> {
		let value: Option<Bytes> =
			self.rpc.request("state_getStorage", rpc_params![Bytes(key.to_vec()), at]).await?;
		Ok(value.map(|b| b.0))
	}

	async fn decode_storage<T: Decode>(
		&self,
		key: &[u8],
		at: Option<Hash>,
		what: &str,
	) -> Result<Option<T>, ChainError> {
		self.storage(key, at)
			.await?
			.map(|bytes| T::decode(&mut &bytes[..]).map_err(|e| ChainError::Decode(format!("{what}: {e}"))))
			.transpose()
	}

	/// The pool record, if the pool is open. Read at the key the handshake proves.
	pub async fn pool(&self, pool_id: PoolId, at: Option<Hash>) -> Result<Option<PoolRecord>, ChainError> {
		self.decode_storage(&pool_key(PALLET_PREFIX, pool_id), at, "pool").await
	}

	/// The cumulative amount settled to `target` from `pool_id`.
	pub async fn paid(
		&self,
		pool_id: PoolId,
		target: &AccountId,
		at: Option<Hash>,
	) -> Result<Balance, ChainError> {
		let key = paid_key(PALLET_PREFIX, pool_id, target.as_ref());
		Ok(self.decode_storage(&key, at, "paid").await?.unwrap_or(0))
	}

	/// Ids of `owner`'s open pools.
	pub async fn owner_pools(&self, owner: &AccountId, at: Option<Hash>) -> Result<Vec<PoolId>, ChainError> {
		let key = owner_pools_key(PALLET_PREFIX, owner.as_ref());
		Ok(self.decode_storage(&key, at, "owner pools").await?.unwrap_or_default())
	}

	async fn at_or_best(&self, at: Option<Hash>) -> Result<AtBlock, ChainError> {
		match at {
			Some(hash) => self.at(hash).await,
			None => {
				let best: Hash = self.rpc.request("chain_getBlockHash", rpc_params![]).await?;
				self.at(best).await
			},
		}
	}

	/// Balances of `who` at `at` or the best block (`System.Account`, decoded by the metadata).
	pub async fn account_data(&self, who: &AccountId, at: Option<Hash>) -> Result<AccountData, ChainError> {
		let at = self.at_or_best(at).await?;
		let address = runtime::storage().system().account();
		let info = at
			.storage()
			.try_fetch(address, (to_api_account(who),))
			.await
			.map_err(subxt_err)?
			.map(|value| value.decode())
			.transpose()
			.map_err(subxt_err)?;
		Ok(info
			.map(|i| AccountData { free: i.data.free, reserved: i.data.reserved, frozen: i.data.frozen })
			.unwrap_or_default())
	}

	/// Free balance of `who` at the best block.
	pub async fn free_balance(&self, who: &AccountId) -> Result<Balance, ChainError> {
		Ok(self.account_data(who, None).await?.free)
	}

	/// The events of block `at`, decoded on demand with that block's metadata.
	pub async fn events(&self, at: Hash) -> Result<Events<ChainConfig>, ChainError> {
		self.at(at).await?.events().fetch().await.map_err(subxt_err)
	}

	/// The normal-class ref time (picoseconds) and proof size block `at` used.
	pub async fn normal_weight(&self, at: Hash) -> Result<(u64, u64), ChainError> {
		Ok(self.weight_used(at).await?[0])
	}

	/// The ref time in picoseconds block `at` used in all three classes (`System.BlockWeight`:
	/// its transactions, the inherents and the block's own base cost).
	pub async fn block_ref_time(&self, at: Hash) -> Result<u64, ChainError> {
		Ok(self.weight_used(at).await?.iter().fold(0u64, |sum, (ref_time, _)| sum.saturating_add(*ref_time)))
	}

	/// `System.BlockWeight` at `at`: (ref time, proof size) of the normal, operational and
	/// mandatory classes.
	async fn weight_used(&self, at: Hash) -> Result<[(u64, u64); 3], ChainError> {
		let at = self.at(at).await?;
		let weight = at
			.storage()
			.fetch(runtime::storage().system().block_weight(), ())
			.await
			.map_err(subxt_err)?
			.decode()
			.map_err(subxt_err)?;
		Ok([weight.normal, weight.operational, weight.mandatory].map(|w| (w.ref_time, w.proof_size)))
	}

	/// The normal class's share of a block's weight (`System.BlockWeights`): what the block
	/// builder fills normal transactions up to, as (ref time in picoseconds, proof size in bytes).
	pub async fn max_normal_weight(&self) -> Result<(u64, u64), ChainError> {
		let at = self.at_finalized().await?;
		let weights = at
			.constants()
			.entry(runtime::constants().system().block_weights())
			.map_err(subxt_err)?;
		let limit = weights.per_class.normal.max_total.unwrap_or(weights.max_block);
		Ok((limit.ref_time, limit.proof_size))
	}

	/// The encoded extrinsics of block `at`, in order.
	pub async fn block_extrinsics(&self, at: Hash) -> Result<Vec<Vec<u8>>, ChainError> {
		let block: Option<SignedBlock> = self.rpc.request("chain_getBlock", rpc_params![at]).await?;
		let block = block.ok_or_else(|| ChainError::NotFound(format!("block {at:?}")))?;
		Ok(block.block.extrinsics.into_iter().map(|xt| xt.0).collect())
	}

	/// New best blocks' headers as the node imports them.
	pub async fn subscribe_best_heads(&self) -> Result<HeaderSubscription, ChainError> {
		Ok(self
			.rpc
			.subscribe("chain_subscribeNewHeads", rpc_params![], "chain_unsubscribeNewHeads")
			.await?)
	}

	/// The next nonce of `who`, counting its transactions in the node's pool.
	pub async fn next_nonce(&self, who: &AccountId) -> Result<u32, ChainError> {
		use sp_core::crypto::Ss58Codec;
		Ok(self.rpc.request("system_accountNextIndex", rpc_params![who.to_ss58check()]).await?)
	}

	/// `at`, or the last finalized block when no block is named.
	async fn or_finalized(&self, at: Option<Hash>) -> Result<Hash, ChainError> {
		match at {
			Some(at) => Ok(at),
			None => self.finalized_head().await,
		}
	}

	/// The pool and `who`'s `Paid` record at block `at` (default: the last finalized block), as
	/// the peer policy reads them: a view of the peer's own chain, to confirm and follow a pool.
	pub async fn pool_view(
		&self,
		pool_id: PoolId,
		who: &AccountId,
		at: Option<Hash>,
	) -> Result<View, ChainError> {
		let at = self.or_finalized(at).await?;
		let number = self.block_number(at).await?;
		let pool = self.storage(&pool_key(PALLET_PREFIX, pool_id), Some(at)).await?;
		let paid = self.storage(&paid_key(PALLET_PREFIX, pool_id, who.as_ref()), Some(at)).await?;
		View::decode(pool_id, number, pool.as_deref(), paid.as_deref())
			.map_err(|e| ChainError::Decode(e.0.into()))
	}

	/// How many transactions like `tx` fit in a block of this chain — by ref time, proof size and
	/// length, as `TransactionPaymentApi_query_info` weighs it against `System.BlockWeights` and
	/// the normal class's `System.BlockLength` —: the factor the node's pool scales its tip by.
	pub async fn tx_per_block(&self, tx: &SignedTx) -> Result<u64, ChainError> {
		use codec::{Compact, Encode};
		let at = self.at_finalized().await?;
		let weights = at
			.constants()
			.entry(runtime::constants().system().block_weights())
			.map_err(subxt_err)?;
		let length = at
			.constants()
			.entry(runtime::constants().system().block_length())
			.map_err(subxt_err)?;
		let len = u32::try_from(tx.encoded.len()).unwrap_or(u32::MAX);
		let mut input = tx.encoded.clone();
		len.encode_to(&mut input);
		let info: Bytes = self
			.rpc
			.request("state_call", rpc_params!["TransactionPaymentApi_query_info", Bytes(input)])
			.await?;
		// `RuntimeDispatchInfo`: the weight (two compacts) first.
		let (ref_time, proof_size) = <(Compact<u64>, Compact<u64>)>::decode(&mut &info.0[..])
			.map_err(|e| ChainError::Decode(format!("dispatch info: {e}")))?;
		Ok(crate::tip::tx_per_block(
			(weights.max_block.ref_time, weights.max_block.proof_size),
			u64::from(length.max.normal),
			(ref_time.0, proof_size.0),
			u64::from(len),
		))
	}

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
		let keys = [
			Bytes(pool_key(PALLET_PREFIX, pool_id).to_vec()),
			Bytes(paid_key(PALLET_PREFIX, pool_id, target.as_ref()).to_vec()),
		];
		let proof: ReadProof = self.rpc.request("state_getReadProof", rpc_params![keys, at]).await?;
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
		let tx = at
			.tx()
			.create_signable_offline(call, params)
			.map_err(subxt_err)?
			.sign(&PairSigner(signer))
			.map_err(subxt_err)?;
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
		self.rpc
			.request("author_submitExtrinsic", rpc_params![Bytes(tx.encoded.clone())])
			.await
			.map_err(rejected)
	}

	/// Submits a signed extrinsic and waits as told (see [`Chain::submit`]).
	pub async fn submit_signed(
		&self,
		at: &AtBlock,
		tx: &SignedTx,
		wait: Wait,
	) -> Result<Included, ChainError> {
		let mut progress =
			at.tx().from_bytes(tx.encoded.clone()).submit_and_watch().await.map_err(subxt_err)?;
		let in_block = loop {
			let status = progress
				.next()
				.await
				.ok_or_else(|| ChainError::Dropped("watch ended before inclusion".into()))?
				.map_err(subxt_err)?;
			match status {
				TransactionStatus::InBestBlock(in_block) if wait == Wait::InBlock => break in_block,
				TransactionStatus::InFinalizedBlock(in_block) => break in_block,
				TransactionStatus::Invalid { message } => return Err(ChainError::Rejected(message)),
				TransactionStatus::Dropped { message } | TransactionStatus::Error { message } =>
					return Err(ChainError::Dropped(message)),
				_ => {},
			}
		};
		let block_hash = Hash::from(in_block.block_hash().0);
		let events = in_block.fetch_events().await.map_err(subxt_err)?;
		let metadata = in_block.at().await.map_err(subxt_err)?.metadata();
		outcome(block_hash, events, metadata)
	}
}

/// The transaction's fee and, if it failed, its error, from its events.
fn outcome(
	block_hash: Hash,
	events: TxEvents,
	metadata: subxt::metadata::ArcMetadata,
) -> Result<Included, ChainError> {
	use api::runtime::{system::events::ExtrinsicFailed, transaction_payment::events::TransactionFeePaid};
	let fee = events.find_first::<TransactionFeePaid>().and_then(Result::ok).map_or(0, |e| e.actual_fee);
	let extrinsic_index = u32::try_from(events.extrinsic_index())
		.map_err(|_| ChainError::Decode("extrinsic index".into()))?;
	for event in events.iter().filter_map(Result::ok) {
		if event.is::<ExtrinsicFailed>() {
			let error = subxt::error::DispatchError::decode_from(event.field_bytes(), metadata.clone())
				.map_err(|e| ChainError::Decode(format!("dispatch error: {e}")))?;
			return Err(ChainError::Dispatch { error: error_name(&error), block_hash, fee });
		}
	}
	Ok(Included { block_hash, extrinsic_index, events, fee })
}

/// Whether `event` was emitted by the extrinsic at `index`.
pub fn emitted_by(event: &subxt::events::Event<'_, ChainConfig>, index: u32) -> bool {
	event.phase() == Phase::ApplyExtrinsic(index)
}

/// The index of the extrinsic that emitted `event`, if one did (not an initialization or
/// finalization event): to sort a block's events in one pass.
pub fn emitting_extrinsic(event: &subxt::events::Event<'_, ChainConfig>) -> Option<u32> {
	match event.phase() {
		Phase::ApplyExtrinsic(index) => Some(index),
		_ => None,
	}
}

/// `chain_getBlock`'s answer, as far as this client reads it.
#[derive(serde::Deserialize)]
struct SignedBlock {
	block: BlockBody,
}

#[derive(serde::Deserialize)]
struct BlockBody {
	extrinsics: Vec<Bytes>,
}

#[derive(serde::Deserialize)]
struct ReadProof {
	#[allow(dead_code)]
	at: Hash,
	proof: Vec<Bytes>,
}

/// Errors from submitting: the node's "invalid transaction" answers are rejections.
fn rejected(e: subxt::rpcs::Error) -> ChainError {
	match e {
		subxt::rpcs::Error::User(user) => ChainError::Rejected(user.to_string()),
		other => ChainError::Rpc(other),
	}
}

/// `MicropaymentPool.StaleVoucher`, `Balances.InsufficientBalance`, `Token.FundsUnavailable`:
/// any module's error by its name in the runtime's metadata.
pub fn error_name(error: &subxt::error::DispatchError) -> String {
	use subxt::error::DispatchError as E;
	match error {
		E::Module(module) => match module.details() {
			Ok(details) => format!("{}.{}", details.pallet.name(), details.variant.name),
			Err(_) => format!("Module.{}.{}", module.pallet_index(), module.error_index()),
		},
		E::Token(e) => format!("Token.{e:?}"),
		E::Arithmetic(e) => format!("Arithmetic.{e:?}"),
		E::Transactional(e) => format!("Transactional.{e:?}"),
		other => format!("{other:?}"),
	}
}
