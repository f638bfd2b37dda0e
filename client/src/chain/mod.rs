//! A client of a node of either demo chain, on subxt: transactions are built, signed (mortal, with
//! every transaction extension the runtime's metadata lists) and watched by subxt; events, fees
//! and dispatch errors are decoded by name from the connected runtime's metadata, so an event
//! this crate does not know is skipped, not an error. Raw reads that the handshake must prove
//! byte for byte (the pool record, `Paid`) use the node's legacy JSON-RPC through subxt-rpcs'
//! typed methods.

mod bundle;
mod error;
mod offer;
mod submit;

pub use error::{error_name, error_name_and_docs, ChainError};
pub use offer::{Landed, TipRule};
pub use submit::{Included, PairSigner, SignedTx, Wait, MORTALITY};

use crate::{
	amount::Units, api::runtime, pallet::PoolPallet, AccountId, Balance, BlockNumber, Hash, Header,
	HeaderExt, PoolRecord, View,
};
use codec::Decode;
use micropayment_pool_primitives::{
	keys::{owner_pools_key, paid_key, pool_key},
	PoolId,
};
use std::sync::Arc;
use subxt::{
	backend::LegacyBackend,
	client::{ClientAtBlock, OnlineClientAtBlockImpl},
	events::Events,
	rpcs::{client::RpcClient, LegacyRpcMethods, RpcConfig},
	OnlineClient,
};

/// subxt's configuration for both demo chains: 32-byte accounts, `MultiSignature`, BLAKE2-256.
pub type ChainConfig = subxt::SubstrateConfig;
/// The client at one block: signs, reads storage and constants there.
pub type AtBlock = ClientAtBlock<ChainConfig, OnlineClientAtBlockImpl<ChainConfig>>;
/// The events a transaction emitted (all the block's events, filtered to its index).
pub type TxEvents = subxt::extrinsics::ExtrinsicEvents<ChainConfig>;

/// The types the node's JSON-RPC answers in, as this crate names them.
pub enum RpcTypes {}

impl RpcConfig for RpcTypes {
	type Header = Header;
	type Hash = Hash;
	type AccountId = AccountId;
}

/// The node's legacy JSON-RPC methods, typed.
pub type Rpc = LegacyRpcMethods<RpcTypes>;

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
	rpc: Rpc,
	/// Hash of block 0.
	pub genesis_hash: Hash,
	/// The token's symbol and decimals, from the node's `system_properties`.
	pub units: Units,
	/// The runtime's pool pallet: its name, storage prefix and constants.
	pallet: PoolPallet,
}

impl Chain {
	/// Connects to `url` (e.g. `ws://127.0.0.1:9944`), reads the chain's identity and finds the
	/// pool pallet in its runtime's metadata, whatever the runtime named it
	/// ([`PoolPallet::find`]); its constants are the runtime's own.
	pub async fn connect(url: &str) -> Result<Self, ChainError> {
		let client = RpcClient::new(crate::transport::WsTransport::connect(url).await?);
		// The node's classic JSON-RPC (author_submitAndWatchExtrinsic, state_*, chain_*): what
		// every polkadot-sdk node serves, with no background driver to run.
		let backend = LegacyBackend::<ChainConfig>::builder().build(client.clone());
		let api = OnlineClient::from_backend(Arc::new(backend)).await.map_err(ChainError::from_subxt)?;
		let rpc = Rpc::new(client);
		let properties = serde_json::Value::Object(rpc.system_properties().await?);
		let genesis_hash = Hash::from(api.genesis_hash().0);
		let at = api.at_current_block().await.map_err(ChainError::from_subxt)?;
		let pallet = PoolPallet::find(at.metadata_ref())
			.map_err(|e| ChainError::IncompatibleRuntime(e.to_string()))?;
		Ok(Self { units: Units::from_properties(&properties), api, rpc, genesis_hash, pallet })
	}

	/// The runtime's pool pallet, as found at connect.
	pub fn pallet(&self) -> &PoolPallet {
		&self.pallet
	}

	/// The first block at which a pool that expires at `expiry` no longer settles vouchers on
	/// this chain (`expiry + SettlementGrace`, exclusive).
	pub fn settle_by(&self, expiry: BlockNumber) -> BlockNumber {
		expiry.saturating_add(self.pallet.constants.settlement_grace)
	}

	/// The subxt client, for what this wrapper does not cover.
	pub fn api(&self) -> &OnlineClient<ChainConfig> {
		&self.api
	}

	/// The node's legacy JSON-RPC, typed, for what neither this wrapper nor subxt covers.
	pub fn rpc(&self) -> &Rpc {
		&self.rpc
	}

	/// The genesis hash as the 32 bytes a voucher carries.
	pub fn genesis_bytes(&self) -> [u8; 32] {
		self.genesis_hash.0
	}

	/// The client at the last finalized block: sign there, read constants there.
	pub async fn at_finalized(&self) -> Result<AtBlock, ChainError> {
		self.api.at_current_block().await.map_err(ChainError::from_subxt)
	}

	/// The client at block `hash`.
	pub async fn at(&self, hash: Hash) -> Result<AtBlock, ChainError> {
		let hash = subxt::utils::H256(hash.0);
		self.api.at_block(hash).await.map_err(ChainError::from_subxt)
	}

	/// Hash of the last finalized block.
	pub async fn finalized_head(&self) -> Result<Hash, ChainError> {
		Ok(self.rpc.chain_get_finalized_head().await?)
	}

	/// Header of `at`, or of the best block.
	pub async fn header(&self, at: Option<Hash>) -> Result<Header, ChainError> {
		let header = self.rpc.chain_get_header(at).await?;
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
		Ok(self.rpc.chain_get_block_hash(Some(u64::from(number).into())).await?)
	}

	/// Raw storage at `key`, at block `at` or the best block.
	pub async fn storage(&self, key: &[u8], at: Option<Hash>) -> Result<Option<Vec<u8>>, ChainError> {
		Ok(self.rpc.state_get_storage(key, at).await?)
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
		self.decode_storage(&pool_key(self.pallet.prefix(), pool_id), at, "pool").await
	}

	/// The cumulative amount settled to `target` from `pool_id`.
	pub async fn paid(
		&self,
		pool_id: PoolId,
		target: &AccountId,
		at: Option<Hash>,
	) -> Result<Balance, ChainError> {
		let key = paid_key(self.pallet.prefix(), pool_id, target.as_ref());
		Ok(self.decode_storage(&key, at, "paid").await?.unwrap_or(0))
	}

	/// Ids of `owner`'s open pools.
	pub async fn owner_pools(&self, owner: &AccountId, at: Option<Hash>) -> Result<Vec<PoolId>, ChainError> {
		let key = owner_pools_key(self.pallet.prefix(), owner.as_ref());
		Ok(self.decode_storage(&key, at, "owner pools").await?.unwrap_or_default())
	}

	async fn at_or_best(&self, at: Option<Hash>) -> Result<AtBlock, ChainError> {
		match at {
			Some(hash) => self.at(hash).await,
			None => {
				let best = self.rpc.chain_get_block_hash(None).await?;
				self.at(best.ok_or_else(|| ChainError::NotFound("best block".into()))?).await
			},
		}
	}

	/// `System.Account` of `who` at `at` or the best block, decoded by the metadata: its nonce
	/// and balances (zero for an account the chain does not hold).
	async fn account_info(&self, who: &AccountId, at: Option<Hash>) -> Result<(u32, AccountData), ChainError> {
		let at = self.at_or_best(at).await?;
		let address = runtime::storage().system().account();
		let info = at
			.storage()
			.try_fetch(address, (to_api_account(who),))
			.await
			.map_err(ChainError::from_subxt)?
			.map(|value| value.decode())
			.transpose()
			.map_err(ChainError::from_subxt)?;
		Ok(info
			.map(|i| {
				(i.nonce, AccountData { free: i.data.free, reserved: i.data.reserved, frozen: i.data.frozen })
			})
			.unwrap_or_default())
	}

	/// Balances of `who` at `at` or the best block (`System.Account`, decoded by the metadata).
	pub async fn account_data(&self, who: &AccountId, at: Option<Hash>) -> Result<AccountData, ChainError> {
		Ok(self.account_info(who, at).await?.1)
	}

	/// The nonce of `who` in the state of block `at` (the best block by default): the nonce its
	/// next transaction takes, not counting those waiting in the node's pool
	/// ([`Chain::next_nonce`] counts them).
	pub async fn account_nonce(&self, who: &AccountId, at: Option<Hash>) -> Result<u32, ChainError> {
		Ok(self.account_info(who, at).await?.0)
	}

	/// Free balance of `who` at the best block.
	pub async fn free_balance(&self, who: &AccountId) -> Result<Balance, ChainError> {
		Ok(self.account_data(who, None).await?.free)
	}

	/// The events of block `at`, decoded on demand with that block's metadata.
	pub async fn events(&self, at: Hash) -> Result<Events<ChainConfig>, ChainError> {
		self.at(at).await?.events().fetch().await.map_err(ChainError::from_subxt)
	}

	/// The next nonce of `who`, counting its transactions in the node's pool.
	pub async fn next_nonce(&self, who: &AccountId) -> Result<u32, ChainError> {
		let nonce = self.rpc.system_account_next_index(who).await?;
		u32::try_from(nonce).map_err(|_| ChainError::Decode(format!("nonce {nonce} above u32")))
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
		let pool = self.storage(&pool_key(self.pallet.prefix(), pool_id), Some(at)).await?;
		let paid = self.storage(&paid_key(self.pallet.prefix(), pool_id, who.as_ref()), Some(at)).await?;
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
			.map_err(ChainError::from_subxt)?;
		let length = at
			.constants()
			.entry(runtime::constants().system().block_length())
			.map_err(ChainError::from_subxt)?;
		let len = u32::try_from(tx.encoded.len()).unwrap_or(u32::MAX);
		let mut input = tx.encoded.clone();
		len.encode_to(&mut input);
		let info = self.rpc.state_call("TransactionPaymentApi_query_info", Some(&input), None).await?;
		// `RuntimeDispatchInfo`: the weight (two compacts) first.
		let (ref_time, proof_size) = <(Compact<u64>, Compact<u64>)>::decode(&mut &info[..])
			.map_err(|e| ChainError::Decode(format!("dispatch info: {e}")))?;
		Ok(crate::tip::tx_per_block(
			(weights.max_block.ref_time, weights.max_block.proof_size),
			u64::from(length.max.normal),
			(ref_time.0, proof_size.0),
			u64::from(len),
		))
	}
}
