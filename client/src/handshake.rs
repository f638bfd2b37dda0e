//! The handshake: a viewer proves to a new peer, off-chain, that its pool exists and what it
//! holds, and the peer checks the proof locally against a block it already trusts.
//!
//! The proof is the node's own `state_getReadProof` for two keys at a finalized block: the pool
//! record and the peer's `Paid` record. The peer hashes the header, compares it with the hash its
//! own node finalized at that height, checks the proof against the header's state root and reads
//! the pool from it. Nothing the viewer sends is believed unless it hashes to that trusted block.
//!
//! The bundle's format and the checks that need no trusted node are in the `no_std` crate
//! [`micropayment_pool_handshake`], which the JS SDK runs compiled to wasm: one implementation.

use crate::{verify::decode_hex, AccountId, Balance, BlockNumber, Hash, Header, PoolRecord};
use codec::DecodeAll;
pub use micropayment_pool_handshake::{
	BundleError, HandshakeBundle, Proven, BUNDLE_VERSION, MAX_BUNDLE_LEN,
};
use micropayment_pool_primitives::PoolId;

/// The bundle as text and its header as the runtime's type: what the CLI and the RPC client use
/// on top of the `no_std` bundle of [`micropayment_pool_handshake`].
pub trait BundleExt: Sized {
	/// `0x`-prefixed hex of the bundle's bytes.
	fn to_hex(&self) -> String;
	/// Parses [`BundleExt::to_hex`] (with or without `0x`).
	fn from_hex(text: &str) -> Result<Self, HandshakeError>;
	/// The header, decoded exactly.
	fn decode_header(&self) -> Result<Header, HandshakeError>;
}

impl BundleExt for HandshakeBundle {
	fn to_hex(&self) -> String {
		format!("0x{}", hex::encode(self.to_bytes()))
	}

	fn from_hex(text: &str) -> Result<Self, HandshakeError> {
		if text.len() > 2 * MAX_BUNDLE_LEN + 2 {
			return Err(HandshakeError::TooLarge { size: text.len() / 2, max: MAX_BUNDLE_LEN });
		}
		Ok(Self::from_bytes(&decode_hex(text).map_err(HandshakeError::Malformed)?)?)
	}

	fn decode_header(&self) -> Result<Header, HandshakeError> {
		Header::decode_all(&mut &self.header[..])
			.map_err(|e| HandshakeError::Malformed(format!("header: {e}")))
	}
}

impl From<BundleError> for HandshakeError {
	fn from(e: BundleError) -> Self {
		match e {
			BundleError::Malformed(what) => Self::Malformed(format!("{what} does not decode")),
			BundleError::TooLarge { size } => Self::TooLarge { size, max: MAX_BUNDLE_LEN },
			BundleError::UnsupportedVersion(v) => Self::UnsupportedVersion(v),
			BundleError::WrongTarget => Self::WrongTarget,
			BundleError::HeaderMismatch { claimed, actual } => Self::HeaderMismatch { claimed, actual },
			BundleError::BadProof => Self::BadProof(
				"a node on the path to the pool or the Paid record is missing or altered".into(),
			),
		}
	}
}

/// What a peer requires of a pool before serving its owner.
///
/// A peer serves only a pool that has not expired: at expiry the pool takes no more funds and a
/// voucher signed after it is worth nothing new. Settling is different: vouchers still settle
/// for [`crate::settlement_grace`] blocks after expiry (see [`PoolTerms::settle_by`]), so a
/// settlement sent in the last block, or censored by an author friendly to the viewer, lands.
#[derive(Clone, Debug)]
pub struct Policy {
	/// The peer: the bundle must be made for it.
	pub me: AccountId,
	/// The peer's view of the current block; the bundle's block if `None`.
	pub now: Option<BlockNumber>,
	/// The pool must stay live (before expiry) at least this many blocks after `now`, so the
	/// peer can serve; it then has the grace window on top to settle.
	pub min_remaining_blocks: BlockNumber,
	/// The resource the viewer asked for; any if `None`.
	pub resource_id: Option<Vec<u8>>,
}

impl Policy {
	/// Requires nothing beyond a valid proof of a live, sound pool for `me`.
	pub fn new(me: AccountId) -> Self {
		Self { me, now: None, min_remaining_blocks: 0, resource_id: None }
	}
}

/// The pool's terms as the proof shows them: what the peer can rely on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolTerms {
	pub pool_id: PoolId,
	/// The viewer whose funds the pool holds.
	pub owner: AccountId,
	/// The account whose signatures the pool's vouchers need: the owner, or the session key
	/// named at creation. `None` only in stores written before pools had signers, when the
	/// owner signed every voucher: see [`PoolTerms::voucher_signer`].
	#[serde(default)]
	pub signer: Option<AccountId>,
	#[serde(with = "hex_bytes")]
	pub resource_id: Vec<u8>,
	/// Deposit left at the proven block.
	#[serde(with = "u128_string")]
	pub deposit: Balance,
	/// The whole collateral (the pool is not overdrawn, or the handshake is refused).
	#[serde(with = "u128_string")]
	pub collateral: Balance,
	/// The first block at which the pool takes no more funds: a peer serves only before it.
	pub expiry: BlockNumber,
	pub payees: u32,
	/// What the pool had already paid this peer at the proven block.
	#[serde(with = "u128_string")]
	pub paid_to_me: Balance,
	pub block_number: BlockNumber,
	pub block_hash: Hash,
	/// All deposit ever locked in the pool (creation and top-ups): the `D` of the double-spend
	/// bound `-(1 - r) * (collateral - total_deposit)`. Zero in stores written before it existed.
	#[serde(default, with = "u128_string")]
	pub total_deposit: Balance,
}

impl PoolTerms {
	/// The account a voucher of this pool must be signed by.
	pub fn voucher_signer(&self) -> &AccountId {
		self.signer.as_ref().unwrap_or(&self.owner)
	}

	/// The first block at which the pool's vouchers no longer settle: `expiry + SettlementGrace`
	/// ([`crate::settle_by`]). The peer's settlement must be in a block before it; the owner
	/// can close the pool from it on.
	pub fn settle_by(&self) -> BlockNumber {
		crate::settle_by(self.expiry)
	}

	/// Whether a settlement executed in block `block` is still inside the window.
	pub fn can_settle_at(&self, block: BlockNumber) -> bool {
		block < self.settle_by()
	}
}

/// Why a handshake was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
	#[error("malformed bundle: {0}")]
	Malformed(String),
	#[error("bundle of {size} bytes exceeds the {max}-byte limit")]
	TooLarge { size: usize, max: usize },
	#[error("unsupported bundle version {0}")]
	UnsupportedVersion(u8),
	#[error("bundle was made for another peer")]
	WrongTarget,
	#[error("header hashes to {actual:?}, not the bundle's block hash {claimed:?}")]
	HeaderMismatch { claimed: Hash, actual: Hash },
	#[error("block {number} is not finalized yet (finalized: {finalized})")]
	UnfinalizedBlock { number: BlockNumber, finalized: BlockNumber },
	#[error("block {hash:?} is unknown to the trusted node (its block {number} is {trusted:?})")]
	UnknownBlock { number: BlockNumber, hash: Hash, trusted: Option<Hash> },
	#[error("storage proof does not check against the state root: {0}")]
	BadProof(String),
	#[error("pool {0} does not exist at the proven block")]
	UnknownPool(PoolId),
	#[error("pool record does not decode: {0}")]
	MalformedPool(String),
	#[error("pool expired at block {expiry} (now {now})")]
	Expired { expiry: BlockNumber, now: BlockNumber },
	#[error("pool expires at block {expiry}: fewer than {margin} blocks after {now}")]
	ExpiresTooSoon { expiry: BlockNumber, now: BlockNumber, margin: BlockNumber },
	#[error("pool pays for resource {actual:?}, not {expected:?}")]
	WrongResource { expected: String, actual: String },
	#[error("collateral {collateral} does not exceed the total deposit {deposit}")]
	CollateralNotAboveDeposit { deposit: Balance, collateral: Balance },
	#[error("pool is overdrawn: its owner double-spent and its collateral is forfeited")]
	Overdrawn,
	#[error("pool has no deposit left")]
	Exhausted,
	#[error("the peer is the pool's owner or signer, whom the pool never pays")]
	SelfPayment,
}

/// Checks a bundle against `trusted`, the hash the peer's own node finalized at the bundle's
/// height, and `policy`; returns the pool's terms.
///
/// Pure and local: no network, no clock. Each failure is a distinct [`HandshakeError`].
pub fn verify_handshake(
	bundle: &HandshakeBundle,
	trusted: Hash,
	policy: &Policy,
) -> Result<PoolTerms, HandshakeError> {
	// The checks that need no trusted node, in the code the JS SDK runs as wasm.
	let proven = bundle.check(policy.me.as_ref())?;
	if proven.block_hash != trusted {
		return Err(HandshakeError::UnknownBlock {
			number: proven.number,
			hash: proven.block_hash,
			trusted: Some(trusted),
		});
	}
	let pool = proven.pool.ok_or(HandshakeError::UnknownPool(bundle.pool_id))?;
	let pool = PoolRecord::decode_all(&mut &pool[..])
		.map_err(|e| HandshakeError::MalformedPool(e.to_string()))?;
	let paid_to_me = match proven.paid {
		Some(paid) => Balance::decode_all(&mut &paid[..])
			.map_err(|e| HandshakeError::MalformedPool(format!("paid record: {e}")))?,
		None => 0,
	};
	let now = policy.now.unwrap_or(proven.number).max(proven.number);
	// Serving stops at expiry, even though settling goes on through the grace window: what a
	// peer earns after expiry it could not settle with certainty.
	if now >= pool.expiry {
		return Err(HandshakeError::Expired { expiry: pool.expiry, now });
	}
	if pool.expiry - now < policy.min_remaining_blocks {
		return Err(HandshakeError::ExpiresTooSoon {
			expiry: pool.expiry,
			now,
			margin: policy.min_remaining_blocks,
		});
	}
	if let Some(expected) = &policy.resource_id {
		if expected[..] != pool.resource_id.0[..] {
			return Err(HandshakeError::WrongResource {
				expected: String::from_utf8_lossy(expected).into_owned(),
				actual: String::from_utf8_lossy(&pool.resource_id.0).into_owned(),
			});
		}
	}
	if pool.overdrawn {
		return Err(HandshakeError::Overdrawn);
	}
	// The guarantee compares the collateral with all deposit ever locked (top-ups included).
	let total_deposit = pool.total_deposit.max(pool.deposit);
	if pool.collateral <= total_deposit {
		return Err(HandshakeError::CollateralNotAboveDeposit {
			deposit: total_deposit,
			collateral: pool.collateral,
		});
	}
	if pool.deposit == 0 {
		return Err(HandshakeError::Exhausted);
	}
	let me: &[u8; 32] = policy.me.as_ref();
	if pool.owner.0 == *me || pool.signer.0 == *me {
		return Err(HandshakeError::SelfPayment);
	}
	Ok(PoolTerms {
		pool_id: bundle.pool_id,
		owner: crate::chain::to_account(&pool.owner),
		signer: Some(crate::chain::to_account(&pool.signer)),
		resource_id: pool.resource_id.0,
		deposit: pool.deposit,
		collateral: pool.collateral,
		expiry: pool.expiry,
		payees: pool.payees,
		paid_to_me,
		block_number: proven.number,
		block_hash: proven.block_hash,
		total_deposit,
	})
}

/// Serde helpers: u128 as a decimal string (JSON numbers lose precision beyond 2^53).
pub(crate) mod u128_string {
	use serde::{Deserialize, Deserializer, Serializer};

	pub fn serialize<S: Serializer>(value: &u128, s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&value.to_string())
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
		String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
	}
}

/// Serde helpers: bytes as `0x` hex.
pub(crate) mod hex_bytes {
	use serde::{Deserialize, Deserializer, Serializer};

	pub fn serialize<S: Serializer>(value: &[u8], s: S) -> Result<S::Ok, S::Error> {
		s.serialize_str(&format!("0x{}", hex::encode(value)))
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
		crate::verify::decode_hex(&String::deserialize(d)?).map_err(serde::de::Error::custom)
	}
}
