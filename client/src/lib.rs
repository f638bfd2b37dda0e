//! # Micropayment pool client
//!
//! The off-chain half of the micropayment pool, for the demo runtime of this workspace:
//!
//! - [`viewer`]: keep a cumulative counter per peer and sign [`SignedVoucher`]s;
//! - [`handshake`]: the viewer's proof that its pool exists ([`HandshakeBundle`]: a finalized
//!   header and the storage proof of the pool), and the peer's local check of it
//!   ([`verify_handshake`]), with no transaction and no trust in the viewer;
//! - [`peer`]: accept vouchers (single or batch-verified), track the risk, and keep the best
//!   voucher per pool in a file that survives crashes, until it is settled;
//! - [`chain`]: a JSON-RPC client of the node: submit calls, read pools, fetch proofs;
//! - [`verify`]: single and batch signature verification of vouchers.
//!
//! The voucher's bytes come from [`micropayment_pool_primitives`]; nothing here re-encodes them.

pub mod amount;
pub mod chain;
pub mod handshake;
pub mod peer;
pub mod verify;
pub mod viewer;

pub use chain::{Chain, ChainError, Included, Wait};
pub use handshake::{
	verify_handshake, BundleExt, HandshakeBundle, HandshakeError, Policy, PoolTerms,
};
pub use micropayment_pool_primitives::{PoolId, Voucher};
pub use peer::{Accepted, Peer, VoucherError};
pub use verify::SignedVoucher;
pub use viewer::Viewer;

/// Account id of the demo runtime.
pub type AccountId = sp_runtime::AccountId32;
/// Balance of the demo runtime.
pub type Balance = u128;
/// Block number of the demo runtime.
pub type BlockNumber = u32;
/// Block hash of the demo runtime.
pub type Hash = sp_core::H256;
/// Header of the demo runtime.
pub type Header = micropayment_pool_runtime::Header;
/// The pallet's pool record, as the demo runtime stores it.
pub type PoolRecord = pallet_micropayment_pool::Pool<
	AccountId,
	Balance,
	BlockNumber,
	<micropayment_pool_runtime::Runtime as pallet_micropayment_pool::Config>::MaxResourceIdLen,
>;

/// Blocks after a pool's expiry during which its vouchers still settle: the runtime's
/// `SettlementGrace`. A peer serves only before expiry, but may settle until
/// [`settle_by`]`(expiry)`; the pool closes only from then on.
pub fn settlement_grace() -> BlockNumber {
	use frame_support::traits::Get;
	<<micropayment_pool_runtime::Runtime as pallet_micropayment_pool::Config>::SettlementGrace as Get<
		BlockNumber,
	>>::get()
}

/// The first block at which a pool that expires at `expiry` no longer settles vouchers
/// (`expiry + SettlementGrace`, exclusive) and may be closed.
pub fn settle_by(expiry: BlockNumber) -> BlockNumber {
	expiry.saturating_add(settlement_grace())
}

/// Share `r` of the collateral's excess over the total deposit that a forfeited pool keeps as a
/// compensation pot for its victims: the runtime's `CompensationShare`. A double spend returns
/// at most `-(1 - r) * (collateral - total_deposit)` to its coalition.
pub fn compensation_share() -> sp_runtime::Perbill {
	use frame_support::traits::Get;
	<<micropayment_pool_runtime::Runtime as pallet_micropayment_pool::Config>::CompensationShare as Get<
		sp_runtime::Perbill,
	>>::get()
}
