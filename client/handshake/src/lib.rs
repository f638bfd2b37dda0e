//! Every rule a peer of the micropayment pool applies, written once:
//!
//! - the handshake bundle (docs/handshake.md) and the checks of it that need no trusted node:
//!   made for this peer, header hashing to the claimed block, storage proof of the pool and the
//!   peer's `Paid` record checked against the header's state root ([`HandshakeBundle::check`]);
//! - the pool's records as the proof carries them ([`record`]);
//! - the peer's policy on a pool and on every voucher: fresh terms, exposure, time
//!   ([`policy`]);
//! - the tip that keeps a settlement from being censored cheaply ([`tip`]);
//! - the viewer's own rule: never promise more than the deposit ([`promise`]).
//!
//! `no_std` and free of host functions: the Rust client ([`micropayment_pool_client`]) and the
//! JS SDK (this crate compiled to wasm, `sdk/js/wasm`) run this same code. What needs a trusted
//! node (is the block finalized? what is the head?) is left to the caller.
//!
//! [`micropayment_pool_client`]: https://docs.rs/micropayment-pool-client

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod abi;
pub mod policy;
pub mod promise;
pub mod record;
pub mod tip;

pub use policy::{Accepted, Ledger, Limits, Observed, PolicyError, Refusal, SettleReason, Source};
pub use record::{PoolRecord, View};

use alloc::vec::Vec;
use codec::{Compact, Decode, DecodeAll, Encode};
use micropayment_pool_primitives::{
	keys::{paid_key, pool_key},
	PoolId,
};
use sp_core::{Blake2Hasher, H256};
use sp_crypto_hashing::blake2_256;
use sp_trie::{LayoutV1, StorageProof};

/// Version of the bundle's encoding.
pub const BUNDLE_VERSION: u8 = 1;
/// Largest bundle a peer decodes. A pool proof is ~1-3 KiB; this leaves room for deep tries.
pub const MAX_BUNDLE_LEN: usize = 256 * 1024;

/// What a viewer hands a new peer: a finalized header and the storage proof of its pool.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct HandshakeBundle {
	/// [`BUNDLE_VERSION`].
	pub version: u8,
	/// The viewer's pool.
	pub pool_id: PoolId,
	/// The peer the bundle was made for (its `Paid` record is in the proof).
	pub target: [u8; 32],
	/// Hash of `header`.
	pub block_hash: H256,
	/// The SCALE-encoded header of a finalized block.
	pub header: Vec<u8>,
	/// Trie nodes proving `Pools[pool_id]` and `Paid[pool_id][target]` at that block.
	pub proof: Vec<Vec<u8>>,
}

/// Why a bundle was refused before any policy or trust decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BundleError {
	/// The bytes are not a bundle (or a header, inside it).
	Malformed(&'static str),
	/// More than [`MAX_BUNDLE_LEN`] bytes.
	TooLarge { size: usize },
	/// A version this code does not read.
	UnsupportedVersion(u8),
	/// Made for another peer.
	WrongTarget,
	/// The header does not hash to the bundle's block hash.
	HeaderMismatch { claimed: H256, actual: H256 },
	/// The proof does not check against the header's state root.
	BadProof,
}

impl core::fmt::Display for BundleError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Malformed(what) => write!(f, "malformed bundle: {what} does not decode"),
			Self::TooLarge { size } =>
				write!(f, "bundle of {size} bytes exceeds the {MAX_BUNDLE_LEN}-byte limit"),
			Self::UnsupportedVersion(v) => write!(f, "unsupported bundle version {v}"),
			Self::WrongTarget => write!(f, "bundle was made for another peer"),
			Self::HeaderMismatch { claimed, actual } =>
				write!(f, "header hashes to {actual:?}, not the bundle's block hash {claimed:?}"),
			Self::BadProof => write!(f, "storage proof does not check against the state root"),
		}
	}
}

#[cfg(feature = "std")]
impl std::error::Error for BundleError {}

/// A SCALE-encoded Substrate header, as far as a peer needs it: read exactly, digest included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderPrefix {
	pub parent_hash: H256,
	pub number: u32,
	pub state_root: H256,
}

impl HeaderPrefix {
	/// Reads `parent_hash ++ compact(number) ++ state_root ++ extrinsics_root ++ digest` and
	/// refuses anything else, trailing bytes included. The digest's items are walked by their
	/// encoding (`PreRuntime`, `Consensus`, `Seal`: engine id and bytes; `Other`: bytes;
	/// `RuntimeEnvironmentUpdated`: nothing) without the runtime's types.
	pub fn decode(header: &[u8]) -> Result<Self, BundleError> {
		let malformed = |_| BundleError::Malformed("header");
		let input = &mut &header[..];
		let parent_hash = H256::decode(input).map_err(malformed)?;
		let number = Compact::<u32>::decode(input).map_err(malformed)?.0;
		let state_root = H256::decode(input).map_err(malformed)?;
		let _extrinsics_root = H256::decode(input).map_err(malformed)?;
		let items = Compact::<u32>::decode(input).map_err(malformed)?.0;
		for _ in 0..items {
			match u8::decode(input).map_err(malformed)? {
				4 | 5 | 6 => {
					<[u8; 4]>::decode(input).map_err(malformed)?;
					skip_bytes(input)?;
				},
				0 => skip_bytes(input)?,
				8 => {},
				_ => return Err(BundleError::Malformed("header digest")),
			}
		}
		if !input.is_empty() {
			return Err(BundleError::Malformed("header"));
		}
		Ok(Self { parent_hash, number, state_root })
	}
}

/// Skips a `Vec<u8>` without copying it.
fn skip_bytes(input: &mut &[u8]) -> Result<(), BundleError> {
	let len = Compact::<u32>::decode(input).map_err(|_| BundleError::Malformed("header"))?.0;
	let len = usize::try_from(len).map_err(|_| BundleError::Malformed("header"))?;
	if len > input.len() {
		return Err(BundleError::Malformed("header"));
	}
	*input = &input[len..];
	Ok(())
}

/// What a bundle proves at its block: the raw storage values, to be decoded by the caller.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Proven {
	pub block_hash: H256,
	pub number: u32,
	pub state_root: H256,
	/// `Pools[pool_id]`, SCALE-encoded, if the pool exists at the block.
	pub pool: Option<Vec<u8>>,
	/// `Paid[pool_id][target]`, SCALE-encoded, if the peer was ever paid by the pool.
	pub paid: Option<Vec<u8>>,
}

impl Proven {
	/// The proven values decoded as the pallet's records.
	pub fn view(&self, pool_id: PoolId) -> Result<View, BundleError> {
		View::decode(pool_id, self.number, self.pool.as_deref(), self.paid.as_deref())
			.map_err(|e| BundleError::Malformed(e.0))
	}
}

impl HandshakeBundle {
	/// Checks the bundle as [`HandshakeBundle::check`] does and decodes what it proves.
	pub fn view(&self, me: &[u8; 32], pallet_prefix: &[u8]) -> Result<(Proven, View), BundleError> {
		let proven = self.check(me, pallet_prefix)?;
		let view = proven.view(self.pool_id)?;
		Ok((proven, view))
	}

	/// Total size of the proof's trie nodes, in bytes.
	pub fn proof_size(&self) -> usize {
		self.proof.iter().map(Vec::len).sum()
	}

	/// The bundle as bytes, to send to a peer.
	pub fn to_bytes(&self) -> Vec<u8> {
		self.encode()
	}

	/// Parses bytes from a stranger: bounded in size, exact (no trailing bytes), known version.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self, BundleError> {
		if bytes.len() > MAX_BUNDLE_LEN {
			return Err(BundleError::TooLarge { size: bytes.len() });
		}
		let bundle =
			Self::decode_all(&mut &bytes[..]).map_err(|_| BundleError::Malformed("bundle"))?;
		if bundle.version != BUNDLE_VERSION {
			return Err(BundleError::UnsupportedVersion(bundle.version));
		}
		Ok(bundle)
	}

	/// Checks what needs no trusted node and reads the two proven values: the bundle is for
	/// `me`, its header hashes to its block hash, and its proof checks against the header's
	/// state root. The caller must still compare `block_hash` with the hash it trusts as
	/// finalized at `number`, and decode and judge the pool.
	///
	/// `pallet_prefix` is the pool pallet's storage prefix in the peer's own chain's metadata
	/// ([`micropayment_pool_primitives::keys::PALLET_PREFIX`] on the demo solochain): the peer
	/// takes it from its chain, never from the viewer, so a bundle cannot point it at other
	/// storage.
	pub fn check(&self, me: &[u8; 32], pallet_prefix: &[u8]) -> Result<Proven, BundleError> {
		if self.version != BUNDLE_VERSION {
			return Err(BundleError::UnsupportedVersion(self.version));
		}
		if &self.target != me {
			return Err(BundleError::WrongTarget);
		}
		let actual = H256(blake2_256(&self.header));
		if actual != self.block_hash {
			return Err(BundleError::HeaderMismatch { claimed: self.block_hash, actual });
		}
		let header = HeaderPrefix::decode(&self.header)?;
		let pool_key = pool_key(pallet_prefix, self.pool_id);
		let paid_key = paid_key(pallet_prefix, self.pool_id, me);
		let [pool, paid] = read_proof(header.state_root, self.proof.iter().cloned(), [&pool_key[..], &paid_key[..]])?;
		Ok(Proven { block_hash: actual, number: header.number, state_root: header.state_root, pool, paid })
	}
}

/// The values of `keys` in the trie of `state_root`, read from the proof's nodes only; absent
/// keys are `None` (the proof proves the absence). Fails if a node on a key's path is missing,
/// or the root itself is not among the nodes.
pub fn read_proof<const N: usize>(
	state_root: H256,
	nodes: impl IntoIterator<Item = Vec<u8>>,
	keys: [&[u8]; N],
) -> Result<[Option<Vec<u8>>; N], BundleError> {
	let db = StorageProof::new(nodes).into_memory_db::<Blake2Hasher>();
	if !sp_trie::HashDBT::contains(&db, &state_root, sp_trie::EMPTY_PREFIX) {
		return Err(BundleError::BadProof);
	}
	let mut values: [Option<Vec<u8>>; N] = core::array::from_fn(|_| None);
	for (value, key) in values.iter_mut().zip(keys) {
		*value = sp_trie::read_trie_value::<LayoutV1<Blake2Hasher>, _>(&db, &state_root, key, None, None)
			.map_err(|_| BundleError::BadProof)?;
	}
	Ok(values)
}
