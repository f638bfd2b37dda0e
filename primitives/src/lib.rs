//! # Micropayment pool primitives
//!
//! The wire contract shared by the pallet, its runtime API and every client (Rust or JS):
//!
//! - [`Voucher`]: what a viewer signs for a peer, and [`Voucher::payload`], the exact 104 bytes it
//!   signs (see `docs/voucher.md`);
//! - [`verify_voucher`]: the one signature check, used on-chain by `settle` and off-chain by peers;
//! - [`keys`]: the storage keys of a pool and of a paid record, for storage proofs.
//!
//! Nothing else in the workspace may encode a voucher.
//!
//! The signature checks need `sp-runtime` (feature `verify`, on by default); without it the
//! crate is codec and hashing only, so the handshake check compiles to wasm with no host
//! functions (`micropayment-pool-handshake`).

#![cfg_attr(not(feature = "std"), no_std)]

pub mod keys;

/// The README's example, compiled and run as a doctest so that it cannot drift from the code.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
mod voucher;

pub use voucher::{
	voucher_form, PayloadForm, Voucher, PAYLOAD_LEN, VOUCHER_DOMAIN, WRAPPED_PAYLOAD_LEN, WRAP_PREFIX, WRAP_SUFFIX,
};
#[cfg(feature = "verify")]
pub use voucher::{verify_voucher, verify_voucher_form};

/// Identifier of a pool: sequential, assigned by the chain at creation.
pub type PoolId = u64;

/// The 32 raw bytes of an `AccountId32` (also of a 32-byte block hash).
pub type Bytes32 = [u8; 32];
