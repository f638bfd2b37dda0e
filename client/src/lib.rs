//! # Micropayment pool client
//!
//! The off-chain half of the micropayment pool, for any runtime that includes the pallet (the
//! demo runtimes of this workspace or a chain builder's; see [`pallet`]):
//!
//! - [`viewer`]: keep a cumulative counter per peer and sign [`SignedVoucher`]s, never
//!   promising more than the deposit in total unless told to;
//! - [`handshake`]: the viewer's proof that its pool exists ([`HandshakeBundle`]: a finalized
//!   header and the storage proof of the pool), and the peer's local check of it
//!   ([`verify_handshake`]), with no transaction and no trust in the viewer;
//! - [`peer`]: accept vouchers (single or batch-verified) under the peer policy (fresh terms,
//!   an exposure cap, serving that ends before expiry: `micropayment_pool_handshake::policy`),
//!   and keep each pool's ledger and best voucher in a file that survives crashes;
//! - [`peering`]: a peer with its own node: admitting a viewer's bundle, following its pools
//!   and settling its best vouchers, with the policy's tip near the deadline;
//! - [`chain`]: a client of the node on subxt: sign and submit calls (mortal, with the
//!   node's nonce), read pools, fetch proofs, and report events, fees and errors by their names
//!   in the runtime's metadata;
//! - [`api`]: the runtime's calls, events and types, generated from its metadata;
//! - [`pallet`]: where a runtime keeps the pool pallet, found in its metadata by what it holds;
//! - [`verify`]: single and batch signature verification of vouchers.
//!
//! The voucher's bytes come from [`micropayment_pool_primitives`]; nothing here re-encodes them.
//! The crate depends on neither the runtime nor FRAME, nor on sp-runtime and sp-io: what it knows
//! of the chain comes from the runtime's metadata: the types of the one checked in at
//! `client/metadata/` (compared with the built runtime by `runtime/tests/metadata.rs`), and the
//! pool pallet's name, storage prefix and constants of the connected runtime's; signatures are checked with sp-core as
//! the runtime checks them (`tests/signature_parity.rs`). `wss://` endpoints need the `tls`
//! feature (the `mpool` CLI has it on).

pub mod amount;
pub mod api;
pub mod chain;
mod durable;
pub mod handshake;
pub mod pallet;
pub mod peer;
pub mod peering;
pub mod transport;
pub mod verify;
pub mod viewer;

pub use chain::{Chain, ChainError, Included, Wait};
pub use pallet::{PoolCall, PoolPallet};
pub use handshake::{
	chain_view, verify_handshake, BundleExt, HandshakeBundle, HandshakeError, Policy, PoolTerms,
	Verified,
};
pub use micropayment_pool_handshake::{tip, Ledger, Limits, Observed, Source, View};
pub use micropayment_pool_primitives::{PoolId, Voucher};
pub use peer::{Accepted, Peer, Refusal, SettleReason, VoucherError};
pub use api::MultiSignature;
pub use verify::SignedVoucher;
pub use viewer::Viewer;

/// Account id of the demo runtime (the type `sp_runtime` re-exports).
pub type AccountId = sp_core::crypto::AccountId32;
/// Balance of the demo runtime.
pub type Balance = u128;
/// Block number of the demo runtime.
pub type BlockNumber = u32;
/// Block hash of the demo runtime.
pub type Hash = sp_core::H256;
/// Header of the demo runtime, as subxt decodes it (SCALE and the node's JSON alike).
pub type Header = subxt::config::substrate::SubstrateHeader<Hash>;
pub use subxt::config::substrate::{Digest, DigestItem};

/// What the client reads from a [`Header`] beyond its fields.
pub trait HeaderExt {
	/// The block's hash: BLAKE2-256 of the SCALE-encoded header.
	fn hash(&self) -> Hash;
	/// The block's number as the runtime's [`BlockNumber`]. subxt decodes numbers as `u64`;
	/// both demo chains number blocks with `u32`, so a larger one cannot be a block of theirs
	/// (saturates to `u32::MAX`, which no finalized block of theirs reaches).
	fn block_number(&self) -> BlockNumber;
}

impl HeaderExt for Header {
	fn hash(&self) -> Hash {
		Hash::from(sp_crypto_hashing::blake2_256(&codec::Encode::encode(self)))
	}

	fn block_number(&self) -> BlockNumber {
		BlockNumber::try_from(self.number).unwrap_or(BlockNumber::MAX)
	}
}
/// The pallet's pool record, as the runtime stores it (generated from its metadata).
pub type PoolRecord = api::Pool<subxt::utils::AccountId32, Balance, BlockNumber>;

/// The demo runtimes' pool constants (the checked-in metadata's), for offline use; a connected
/// [`Chain`] reads its runtime's own ([`Chain::pallet`]).
pub mod constants {
	pub use crate::pallet::PoolConstants;

	/// The constants of the metadata this crate was generated from.
	pub fn pool() -> PoolConstants {
		crate::pallet::PoolPallet::demo().constants
	}
}

/// Blocks after a pool's expiry during which its vouchers still settle: the demo runtimes'
/// `SettlementGrace` (a connected chain's: [`PoolPallet::constants`] of [`Chain::pallet`]). A peer serves only before expiry, but may settle until
/// [`settle_by`]`(expiry)`; the pool closes only from then on.
pub fn settlement_grace() -> BlockNumber {
	constants::pool().settlement_grace
}

/// The first block at which a pool that expires at `expiry` no longer settles vouchers
/// (`expiry + SettlementGrace`, exclusive) and may be closed, on the demo runtimes (a connected
/// chain's: [`Chain::settle_by`]).
pub fn settle_by(expiry: BlockNumber) -> BlockNumber {
	expiry.saturating_add(settlement_grace())
}

/// Share `r` of the collateral's excess over the total deposit that a forfeited pool keeps as a
/// compensation pot for its victims: the runtime's `CompensationShare`, in parts per billion. A
/// double spend returns at most `-(1 - r) * (collateral - total_deposit)` to its coalition.
pub fn compensation_share_ppb() -> u32 {
	constants::pool().compensation_share
}
