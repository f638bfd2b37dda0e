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

use crate::{verify::decode_hex, AccountId, Balance, BlockNumber, Hash, Header};
use codec::DecodeAll;
pub use micropayment_pool_handshake::{
	BundleError, HandshakeBundle, Ledger, Limits, PolicyError, Proven, Source, View,
	BUNDLE_VERSION, MAX_BUNDLE_LEN,
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

/// What a peer requires of a new pool: every field is required, so no default trusts a stale
/// proof, an expired pool or any resource.
///
/// A peer serves only a pool that has not expired and stops `limits.settle_margin` blocks before
/// its expiry, when it settles. Vouchers still settle for [`crate::settlement_grace`] blocks after
/// expiry (see [`PoolTerms::settle_by`]), so a settlement sent late, or held back by block
/// stuffing against a rising tip (docs/security.md), lands.
#[derive(Clone, Debug)]
pub struct Policy {
	/// The peer: the bundle must be made for it.
	pub me: AccountId,
	/// The resource the peer serves: the pool must pay for it.
	pub resource_id: Vec<u8>,
	/// The peer's head: its node's (or light client's) finalized block, or best block.
	pub now: BlockNumber,
	/// The peer's limits: freshness, margins, exposure ([`Limits::default`] unless set).
	pub limits: Limits,
	/// The pool pallet's storage prefix on the peer's chain ([`crate::PoolPallet::prefix`] of
	/// [`crate::Chain::pallet`]): where the proof must show the pool.
	pub pallet_prefix: Vec<u8>,
}

impl Policy {
	/// The default limits for peer `me` serving `resource_id` at head `now`, on a chain whose
	/// pool pallet has the demo runtimes' storage prefix.
	pub fn new(me: AccountId, resource_id: impl Into<Vec<u8>>, now: BlockNumber) -> Self {
		Self {
			me,
			resource_id: resource_id.into(),
			now,
			limits: Limits::default(),
			pallet_prefix: crate::PoolPallet::demo().prefix().to_vec(),
		}
	}
}

/// The pool's terms as a view shows them: what the peer relies on, for display and JSON.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolTerms {
	pub pool_id: PoolId,
	/// The viewer whose funds the pool holds.
	pub owner: AccountId,
	/// The account whose signatures the pool's vouchers need: the owner, or the session key
	/// named at creation.
	pub signer: AccountId,
	#[serde(with = "hex_bytes")]
	pub resource_id: Vec<u8>,
	/// Deposit left at the view's block.
	#[serde(with = "u128_string")]
	pub deposit: Balance,
	/// The collateral (what is left of it, once overdrawn).
	#[serde(with = "u128_string")]
	pub collateral: Balance,
	/// All deposit ever locked in the pool (creation and top-ups): the `D` of the double-spend
	/// bound `-(1 - r) * (collateral - total_deposit)`.
	#[serde(with = "u128_string")]
	pub total_deposit: Balance,
	/// The first block at which the pool takes no more funds.
	pub expiry: BlockNumber,
	pub payees: u32,
	pub overdrawn: bool,
	/// What the pool had paid this peer at the view's block.
	#[serde(with = "u128_string")]
	pub paid_to_me: Balance,
	/// The view's block.
	pub block_number: BlockNumber,
	/// Its hash, when the view came with one (a bundle).
	pub block_hash: Option<Hash>,
}

impl PoolTerms {
	/// The terms of `ledger`'s newest view.
	pub fn of(ledger: &Ledger, block_hash: Option<Hash>) -> Self {
		let pool = &ledger.pool;
		Self {
			pool_id: ledger.pool_id,
			owner: AccountId::from(pool.owner),
			signer: AccountId::from(pool.signer),
			resource_id: pool.resource_id.clone(),
			deposit: pool.deposit,
			collateral: pool.collateral,
			total_deposit: pool.total_deposit,
			expiry: pool.expiry,
			payees: pool.payees,
			overdrawn: pool.overdrawn,
			paid_to_me: ledger.paid_at_view,
			block_number: ledger.block,
			block_hash,
		}
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

	/// `C − D`: the margin a double spend forfeits beyond the deposit.
	pub fn margin(&self) -> Balance {
		self.collateral.saturating_sub(self.total_deposit.max(self.deposit))
	}
}

/// Why a handshake was refused: the bundle itself, the peer's trust in its block, or one of
/// the policy's rules ([`PolicyError`], with its own name).
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
	#[error("{0}")]
	Policy(PolicyError),
}

impl HandshakeError {
	/// The error's name, as the CLI's JSON and the JS SDK's `MpoolError.code` give it.
	pub fn name(&self) -> &'static str {
		match self {
			Self::Malformed(_) => "MalformedBundle",
			Self::TooLarge { .. } => "TooLarge",
			Self::UnsupportedVersion(_) => "UnsupportedVersion",
			Self::WrongTarget => "WrongTarget",
			Self::HeaderMismatch { .. } => "HeaderMismatch",
			Self::UnfinalizedBlock { .. } => "UnfinalizedBlock",
			Self::UnknownBlock { .. } => "UnknownBlock",
			Self::BadProof(_) => "BadProof",
			Self::Policy(e) => e.name(),
		}
	}
}

impl From<PolicyError> for HandshakeError {
	fn from(e: PolicyError) -> Self {
		Self::Policy(e)
	}
}

/// A bundle that passed: the pool's ledger, ready for the peer's store (unconfirmed until the
/// peer reads the pool at its own head), and its terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
	pub ledger: Ledger,
	pub terms: PoolTerms,
}

/// Checks a bundle against `trusted`, the hash the peer's own node finalized at the bundle's
/// height, and `policy` (the rules of [`micropayment_pool_handshake::policy`]).
///
/// Pure and local: no network, no clock. Each failure is a distinct [`HandshakeError`].
pub fn verify_handshake(
	bundle: &HandshakeBundle,
	trusted: Hash,
	policy: &Policy,
) -> Result<Verified, HandshakeError> {
	// The checks that need no trusted node, in the code the JS SDK runs as wasm.
	let (proven, view) = bundle.view(policy.me.as_ref(), &policy.pallet_prefix)?;
	if proven.block_hash != trusted {
		return Err(HandshakeError::UnknownBlock {
			number: proven.number,
			hash: proven.block_hash,
			trusted: Some(trusted),
		});
	}
	let ledger = Ledger::open(
		&view,
		Source::Bundle,
		policy.me.as_ref(),
		&policy.resource_id,
		policy.now,
		&policy.limits,
	)?;
	let terms = PoolTerms::of(&ledger, Some(proven.block_hash));
	Ok(Verified { ledger, terms })
}

/// The pool read at a block of the peer's own chain (its node's RPC, its light client): a view
/// to confirm and follow a pool with ([`crate::Peer::observe`]).
pub fn chain_view(
	pool_id: PoolId,
	block: BlockNumber,
	pool: Option<&[u8]>,
	paid: Option<&[u8]>,
) -> Result<View, HandshakeError> {
	View::decode(pool_id, block, pool, paid).map_err(|e| HandshakeError::Policy(e.into()))
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
