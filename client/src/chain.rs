//! A JSON-RPC client of the node (jsonrpsee over WebSocket): read pools, fetch proofs, sign and
//! submit calls with the runtime's own extrinsic types, and report their events.

use crate::{
	amount::Units,
	handshake::{BundleExt, HandshakeBundle, HandshakeError, BUNDLE_VERSION},
	AccountId, Balance, BlockNumber, Hash, Header, PoolRecord,
};
use codec::{Decode, Encode};
use frame_support::traits::PalletInfoAccess;
use jsonrpsee::{
	core::client::{ClientT, SubscriptionClientT},
	rpc_params,
	ws_client::{WsClient, WsClientBuilder},
};
use micropayment_pool_primitives::{
	keys::{owner_pools_key, paid_key, pool_key, PALLET_PREFIX},
	PoolId,
};
use micropayment_pool_runtime::{
	Runtime, RuntimeCall, RuntimeEvent, SignedPayload, TxExtension, UncheckedExtrinsic,
};
use sp_core::{crypto::Ss58Codec, sr25519, Bytes, Pair};
use sp_crypto_hashing::{blake2_128, twox_128};
use sp_runtime::{
	generic::Era,
	traits::{BlakeTwo256, Hash as _},
	DispatchError, MultiAddress, MultiSignature,
};
use std::time::Duration;

/// Event records as `frame_system` stores them.
pub type EventRecords = Vec<frame_system::EventRecord<RuntimeEvent, Hash>>;
/// A subscription to new block headers.
pub type HeaderSubscription = jsonrpsee::core::client::Subscription<Header>;

/// Why a request to the node failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	#[error("rpc: {0}")]
	Rpc(#[from] jsonrpsee::core::ClientError),
	#[error("the node rejected the transaction: {0}")]
	Rejected(String),
	#[error("transaction {0}")]
	Dropped(String),
	#[error("dispatch failed: {error}")]
	Dispatch {
		error: String,
		block_hash: Hash,
		/// The fee the signer paid all the same.
		fee: Balance,
	},
	#[error("cannot decode {0}")]
	Decode(String),
	#[error("not found: {0}")]
	NotFound(String),
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
#[derive(Debug, Clone)]
pub struct Included {
	pub block_hash: Hash,
	pub extrinsic_index: u32,
	/// The events the transaction emitted, in order.
	pub events: Vec<RuntimeEvent>,
	/// The fee its signer paid.
	pub fee: Balance,
}

impl Included {
	/// The pallet's events among [`Included::events`].
	pub fn pool_events(&self) -> impl Iterator<Item = &pallet_micropayment_pool::Event<Runtime>> {
		self.events.iter().filter_map(|e| match e {
			RuntimeEvent::MicropaymentPool(e) => Some(e),
			_ => None,
		})
	}
}

/// A connection to a node of the demo runtime.
pub struct Chain {
	client: WsClient,
	/// Hash of block 0.
	pub genesis_hash: Hash,
	/// The runtime's `spec_version`, signed into every transaction.
	pub spec_version: u32,
	/// The runtime's `transaction_version`, signed into every transaction.
	pub transaction_version: u32,
	/// The token's symbol and decimals, from the node's `system_properties`.
	pub units: Units,
}

impl Chain {
	/// Connects to `url` (e.g. `ws://127.0.0.1:9944`) and reads the chain's identity.
	pub async fn connect(url: &str) -> Result<Self, ChainError> {
		let client = WsClientBuilder::default()
			.request_timeout(Duration::from_secs(60))
			.max_response_size(64 * 1024 * 1024)
			.build(url)
			.await?;
		let genesis_hash: Option<Hash> =
			client.request("chain_getBlockHash", rpc_params![0]).await?;
		let genesis_hash = genesis_hash.ok_or_else(|| ChainError::NotFound("block 0".into()))?;
		let version: serde_json::Value =
			client.request("state_getRuntimeVersion", rpc_params![]).await?;
		let properties: serde_json::Value =
			client.request("system_properties", rpc_params![]).await?;
		let field = |name: &str| {
			version
				.get(name)
				.and_then(serde_json::Value::as_u64)
				.and_then(|v| u32::try_from(v).ok())
				.ok_or_else(|| ChainError::Decode(format!("runtime version: {name}")))
		};
		Ok(Self {
			spec_version: field("specVersion")?,
			transaction_version: field("transactionVersion")?,
			units: Units::from_properties(&properties),
			client,
			genesis_hash,
		})
	}

	/// The genesis hash as the 32 bytes a voucher carries.
	pub fn genesis_bytes(&self) -> [u8; 32] {
		self.genesis_hash.0
	}

	/// Hash of the last finalized block.
	pub async fn finalized_head(&self) -> Result<Hash, ChainError> {
		Ok(self.client.request("chain_getFinalizedHead", rpc_params![]).await?)
	}

	/// Header of `at`, or of the best block.
	pub async fn header(&self, at: Option<Hash>) -> Result<Header, ChainError> {
		let header: Option<Header> = self.client.request("chain_getHeader", rpc_params![at]).await?;
		header.ok_or_else(|| ChainError::NotFound(format!("header {at:?}")))
	}

	/// Number of the best block: a transaction submitted now executes in a later block.
	pub async fn best_number(&self) -> Result<BlockNumber, ChainError> {
		Ok(self.header(None).await?.number)
	}

	/// Number of block `hash`.
	pub async fn block_number(&self, hash: Hash) -> Result<BlockNumber, ChainError> {
		Ok(self.header(Some(hash)).await?.number)
	}

	/// Hash of the canonical block at `number`, if the node has it.
	pub async fn block_hash(&self, number: BlockNumber) -> Result<Option<Hash>, ChainError> {
		Ok(self.client.request("chain_getBlockHash", rpc_params![number]).await?)
	}

	/// Raw storage at `key`, at block `at` or the best block.
	pub async fn storage(&self, key: &[u8], at: Option<Hash>) -> Result<Option<Vec<u8>>, ChainError> {
		let value: Option<Bytes> =
			self.client.request("state_getStorage", rpc_params![Bytes(key.to_vec()), at]).await?;
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

	/// The pool record, if the pool is open.
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

	/// Balances of `who` (free, reserved = held, frozen) at `at` or the best block.
	pub async fn account_data(
		&self,
		who: &AccountId,
		at: Option<Hash>,
	) -> Result<pallet_balances::AccountData<Balance>, ChainError> {
		let mut key = [twox_128(b"System"), twox_128(b"Account")].concat();
		key.extend(blake2_128(who.as_ref()));
		key.extend_from_slice(who.as_ref());
		let info: Option<frame_system::AccountInfo<u32, pallet_balances::AccountData<Balance>>> =
			self.decode_storage(&key, at, "account").await?;
		Ok(info.map(|i| i.data).unwrap_or_default())
	}

	/// Free balance of `who` at the best block.
	pub async fn free_balance(&self, who: &AccountId) -> Result<Balance, ChainError> {
		Ok(self.account_data(who, None).await?.free)
	}

	/// Ids of `owner`'s open pools.
	pub async fn owner_pools(&self, owner: &AccountId, at: Option<Hash>) -> Result<Vec<PoolId>, ChainError> {
		let key = owner_pools_key(PALLET_PREFIX, owner.as_ref());
		Ok(self.decode_storage(&key, at, "owner pools").await?.unwrap_or_default())
	}

	/// The events of block `at`.
	pub async fn events(&self, at: Hash) -> Result<EventRecords, ChainError> {
		let key = [twox_128(b"System"), twox_128(b"Events")].concat();
		Ok(self.decode_storage(&key, Some(at), "events").await?.unwrap_or_default())
	}

	/// The weight block `at` used, per dispatch class.
	pub async fn block_weight(
		&self,
		at: Hash,
	) -> Result<frame_support::dispatch::PerDispatchClass<frame_support::weights::Weight>, ChainError> {
		let key = [twox_128(b"System"), twox_128(b"BlockWeight")].concat();
		Ok(self.decode_storage(&key, Some(at), "block weight").await?.unwrap_or_default())
	}

	/// The encoded extrinsics of block `at`, in order.
	pub async fn block_extrinsics(&self, at: Hash) -> Result<Vec<Vec<u8>>, ChainError> {
		let block: serde_json::Value = self.client.request("chain_getBlock", rpc_params![at]).await?;
		let xts = block["block"]["extrinsics"]
			.as_array()
			.ok_or_else(|| ChainError::NotFound(format!("block {at:?}")))?;
		xts.iter()
			.map(|x| {
				x.as_str()
					.and_then(|h| hex::decode(h.trim_start_matches("0x")).ok())
					.ok_or_else(|| ChainError::Decode("extrinsic hex".into()))
			})
			.collect()
	}

	/// New best blocks' headers as the node imports them.
	pub async fn subscribe_best_heads(&self) -> Result<HeaderSubscription, ChainError> {
		Ok(self
			.client
			.subscribe("chain_subscribeNewHeads", rpc_params![], "chain_unsubscribeNewHeads")
			.await?)
	}

	/// The next nonce of `who`, counting its transactions in the node's pool.
	pub async fn next_nonce(&self, who: &AccountId) -> Result<u32, ChainError> {
		Ok(self.client.request("system_accountNextIndex", rpc_params![who.to_ss58check()]).await?)
	}

	/// Builds the viewer's handshake bundle for peer `target`: the header of `at` (default: the
	/// last finalized block) and the node's read proof of the pool and of `target`'s paid record.
	pub async fn handshake_bundle(
		&self,
		pool_id: PoolId,
		target: &AccountId,
		at: Option<Hash>,
	) -> Result<HandshakeBundle, ChainError> {
		let at = match at {
			Some(at) => at,
			None => self.finalized_head().await?,
		};
		let header = self.header(Some(at)).await?;
		let keys = [
			Bytes(pool_key(PALLET_PREFIX, pool_id).to_vec()),
			Bytes(paid_key(PALLET_PREFIX, pool_id, target.as_ref()).to_vec()),
		];
		let proof: ReadProof = self.client.request("state_getReadProof", rpc_params![keys, at]).await?;
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
		let finalized = self.header(Some(self.finalized_head().await?)).await?.number;
		if header.number > finalized {
			return Ok(Err(HandshakeError::UnfinalizedBlock { number: header.number, finalized }));
		}
		Ok(match self.block_hash(header.number).await? {
			Some(hash) => Ok(hash),
			None => Err(HandshakeError::UnknownBlock {
				number: header.number,
				hash: bundle.block_hash,
				trusted: None,
			}),
		})
	}

	/// Signs `call` as `signer` with `nonce`: an immortal transaction with every extension of
	/// the runtime, built with the runtime's own types.
	pub fn sign(&self, signer: &sr25519::Pair, call: RuntimeCall, nonce: u32) -> UncheckedExtrinsic {
		let account: AccountId = signer.public().into();
		let extensions: TxExtension = (
			frame_system::CheckNonZeroSender::new(),
			frame_system::CheckSpecVersion::new(),
			frame_system::CheckTxVersion::new(),
			frame_system::CheckGenesis::new(),
			frame_system::CheckEra::from(Era::Immortal),
			frame_system::CheckNonce::from(nonce),
			frame_system::CheckWeight::new(),
			pallet_transaction_payment::ChargeTransactionPayment::from(0),
			frame_system::WeightReclaim::new(),
		);
		let implicit = (
			(),
			self.spec_version,
			self.transaction_version,
			self.genesis_hash,
			self.genesis_hash,
			(),
			(),
			(),
			(),
		);
		let payload = SignedPayload::from_raw(call.clone(), extensions.clone(), implicit);
		let signature = payload.using_encoded(|bytes| signer.sign(bytes));
		UncheckedExtrinsic::new_signed(
			call,
			MultiAddress::Id(account),
			MultiSignature::Sr25519(signature),
			extensions,
		)
	}

	/// Signs `call` as `signer` with its next nonce, submits it and waits as told; fails with
	/// [`ChainError::Dispatch`] (naming the pallet error) if the call failed in its block.
	pub async fn submit(
		&self,
		signer: &sr25519::Pair,
		call: RuntimeCall,
		wait: Wait,
	) -> Result<Included, ChainError> {
		let nonce = self.next_nonce(&signer.public().into()).await?;
		self.submit_extrinsic(&self.sign(signer, call, nonce), wait).await
	}

	/// Submits a signed extrinsic without waiting; returns its hash.
	pub async fn submit_only(&self, xt: &UncheckedExtrinsic) -> Result<Hash, ChainError> {
		self.client
			.request("author_submitExtrinsic", rpc_params![Bytes(xt.encode())])
			.await
			.map_err(rejected)
	}

	/// Submits a signed extrinsic and waits as told (see [`Chain::submit`]).
	pub async fn submit_extrinsic(
		&self,
		xt: &UncheckedExtrinsic,
		wait: Wait,
	) -> Result<Included, ChainError> {
		let encoded = xt.encode();
		let mut sub = self
			.client
			.subscribe::<serde_json::Value, _>(
				"author_submitAndWatchExtrinsic",
				rpc_params![Bytes(encoded.clone())],
				"author_unwatchExtrinsic",
			)
			.await
			.map_err(rejected)?;
		let block_hash = loop {
			let status = sub
				.next()
				.await
				.ok_or_else(|| ChainError::Dropped("watch ended before inclusion".into()))?
				.map_err(|e| ChainError::Decode(format!("status: {e}")))?;
			match &status {
				serde_json::Value::String(s) if s == "dropped" || s == "invalid" =>
					return Err(ChainError::Dropped(s.clone())),
				serde_json::Value::Object(map) => {
					let hash = |key: &str| {
						map.get(key).and_then(|h| serde_json::from_value::<Hash>(h.clone()).ok())
					};
					if let (Wait::InBlock, Some(hash)) = (wait, hash("inBlock")) {
						break hash;
					}
					if let Some(hash) = hash("finalized") {
						break hash;
					}
					for fatal in ["usurped", "finalityTimeout"] {
						if map.contains_key(fatal) {
							return Err(ChainError::Dropped(fatal.into()));
						}
					}
				},
				_ => {},
			}
		};
		self.outcome(block_hash, &encoded).await
	}

	/// Finds the extrinsic in its block and collects its events.
	async fn outcome(&self, block_hash: Hash, encoded: &[u8]) -> Result<Included, ChainError> {
		let block: serde_json::Value =
			self.client.request("chain_getBlock", rpc_params![block_hash]).await?;
		let wanted = format!("0x{}", hex::encode(encoded));
		let index = block["block"]["extrinsics"]
			.as_array()
			.and_then(|xts| xts.iter().position(|x| x.as_str() == Some(wanted.as_str())))
			.and_then(|i| u32::try_from(i).ok())
			.ok_or_else(|| ChainError::NotFound(format!("extrinsic in block {block_hash:?}")))?;
		let records = self.events(block_hash).await?;
		let mut events = Vec::new();
		let mut fee = 0;
		let mut failed = None;
		for record in records {
			if record.phase != frame_system::Phase::ApplyExtrinsic(index) {
				continue;
			}
			match &record.event {
				RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
					dispatch_error, ..
				}) => failed = Some(error_name(dispatch_error)),
				RuntimeEvent::TransactionPayment(
					pallet_transaction_payment::Event::TransactionFeePaid { actual_fee, .. },
				) => fee = *actual_fee,
				_ => {},
			}
			events.push(record.event);
		}
		match failed {
			Some(error) => Err(ChainError::Dispatch { error, block_hash, fee }),
			None => Ok(Included { block_hash, extrinsic_index: index, events, fee }),
		}
	}
}

#[derive(serde::Deserialize)]
struct ReadProof {
	#[allow(dead_code)]
	at: Hash,
	proof: Vec<Bytes>,
}

/// Errors from submitting: the node's "invalid transaction" answers are rejections.
fn rejected(e: jsonrpsee::core::ClientError) -> ChainError {
	match e {
		jsonrpsee::core::ClientError::Call(call) => ChainError::Rejected(match call.data() {
			Some(data) => format!("{}: {}", call.message(), data.get()),
			None => call.message().to_string(),
		}),
		other => ChainError::Rpc(other),
	}
}

/// `MicropaymentPool.StaleVoucher`, `Balances.InsufficientBalance`, or the error's debug form.
pub fn error_name(error: &DispatchError) -> String {
	use micropayment_pool_runtime::{Balances, MicropaymentPool};
	if let DispatchError::Module(module) = error {
		let bytes = &module.error[..];
		if module.index == MicropaymentPool::index() as u8 {
			if let Ok(e) = pallet_micropayment_pool::Error::<Runtime>::decode(&mut &bytes[..]) {
				return format!("MicropaymentPool.{}", <&'static str>::from(e));
			}
		}
		if module.index == Balances::index() as u8 {
			if let Ok(e) = pallet_balances::Error::<Runtime>::decode(&mut &bytes[..]) {
				return format!("Balances.{}", <&'static str>::from(e));
			}
		}
	}
	// `Token(FundsUnavailable)` reads as `Token.FundsUnavailable`, like a module error.
	format!("{error:?}").replace('(', ".").replace(')', "")
}

/// Blake2-256 of an extrinsic: its hash in the transaction pool.
pub fn extrinsic_hash(xt: &UncheckedExtrinsic) -> Hash {
	BlakeTwo256::hash(&xt.encode())
}
