//! The voucher and its signing payload.

use crate::{Bytes32, PoolId};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
#[cfg(feature = "verify")]
use sp_runtime::traits::{IdentifyAccount, Verify};

/// Domain tag that starts every payload, so a voucher signature can never be taken for a
/// signature over anything else (a transaction, another protocol's message).
pub const VOUCHER_DOMAIN: [u8; 16] = *b"mpool/voucher/v1";

/// Length of [`Voucher::payload`]: domain 16 + genesis hash 32 + pool id 8 + target 32 + amount 16.
pub const PAYLOAD_LEN: usize = 104;

/// What browser wallets put around the bytes they are asked to `signRaw`.
pub const WRAP_PREFIX: &[u8; 7] = b"<Bytes>";
/// See [`WRAP_PREFIX`].
pub const WRAP_SUFFIX: &[u8; 8] = b"</Bytes>";

/// Length of [`Voucher::wrapped_payload`].
pub const WRAPPED_PAYLOAD_LEN: usize = WRAP_PREFIX.len() + PAYLOAD_LEN + WRAP_SUFFIX.len();

/// A promise by a pool's owner: "pool `pool_id` on chain `genesis_hash` owes `target` a total of
/// `amount`". Amounts are cumulative, so only the latest voucher per (pool, target) matters.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
)]
pub struct Voucher {
	/// Hash of block 0 of the chain the pool lives on: a voucher for one chain is void on another.
	pub genesis_hash: Bytes32,
	/// The pool that pays.
	pub pool_id: PoolId,
	/// The `AccountId32` of the peer being paid.
	pub target: Bytes32,
	/// Cumulative total owed to `target` by this pool (not the increment).
	pub amount: u128,
}

impl Voucher {
	/// The exact bytes the pool owner signs:
	/// `"mpool/voucher/v1" ++ genesis_hash ++ pool_id (u64 LE) ++ target ++ amount (u128 LE)`.
	///
	/// This equals the SCALE encoding of `(VOUCHER_DOMAIN, self)` and never allocates.
	pub fn payload(&self) -> [u8; PAYLOAD_LEN] {
		let mut out = [0u8; PAYLOAD_LEN];
		let (domain, rest) = out.split_at_mut(16);
		let (genesis, rest) = rest.split_at_mut(32);
		let (pool, rest) = rest.split_at_mut(8);
		let (target, amount) = rest.split_at_mut(32);
		domain.copy_from_slice(&VOUCHER_DOMAIN);
		genesis.copy_from_slice(&self.genesis_hash);
		pool.copy_from_slice(&self.pool_id.to_le_bytes());
		target.copy_from_slice(&self.target);
		amount.copy_from_slice(&self.amount.to_le_bytes());
		out
	}

	/// The payload as a browser wallet's `signRaw` signs it: `<Bytes>` ++ payload ++ `</Bytes>`.
	pub fn wrapped_payload(&self) -> [u8; WRAPPED_PAYLOAD_LEN] {
		let mut out = [0u8; WRAPPED_PAYLOAD_LEN];
		let (prefix, rest) = out.split_at_mut(WRAP_PREFIX.len());
		let (body, suffix) = rest.split_at_mut(PAYLOAD_LEN);
		prefix.copy_from_slice(WRAP_PREFIX);
		body.copy_from_slice(&self.payload());
		suffix.copy_from_slice(WRAP_SUFFIX);
		out
	}

	/// Parses a payload produced by [`Voucher::payload`]; `None` unless it is exactly that.
	pub fn from_payload(bytes: &[u8]) -> Option<Self> {
		let body = bytes.strip_prefix(&VOUCHER_DOMAIN)?;
		if body.len() != PAYLOAD_LEN - VOUCHER_DOMAIN.len() {
			return None;
		}
		Self::decode(&mut &body[..]).ok()
	}
}

/// Whether `signature` is `signer`'s signature over `voucher`, either over the raw payload or
/// over the `<Bytes>`-wrapped payload. This is the only voucher signature check in the workspace.
///
/// With `sp_runtime::MultiSignature` every scheme is bound to the signer's `AccountId32`: sr25519
/// and ed25519 keys are the account itself, an ECDSA key must hash (blake2-256) to it.
#[cfg(feature = "verify")]
pub fn verify_voucher<S: Verify>(
	signature: &S,
	voucher: &Voucher,
	signer: &<S::Signer as IdentifyAccount>::AccountId,
) -> bool {
	verify_voucher_form(signature, voucher, signer).is_some()
}

/// Which bytes a valid voucher signature covers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PayloadForm {
	/// [`Voucher::payload`]: one signature check.
	Raw,
	/// [`Voucher::wrapped_payload`]: found after the raw check failed, so two checks.
	Wrapped,
}

/// Like [`verify_voucher`], and says which payload the signature covers (the chain charges
/// less weight for [`PayloadForm::Raw`], which needs one check instead of two).
#[cfg(feature = "verify")]
pub fn verify_voucher_form<S: Verify>(
	signature: &S,
	voucher: &Voucher,
	signer: &<S::Signer as IdentifyAccount>::AccountId,
) -> Option<PayloadForm> {
	voucher_form(voucher, |message| signature.verify(message, signer))
}

/// The rule every voucher check applies, for a signature scheme given as `check` (whether the
/// signature is valid over the bytes it is handed): the raw payload first, then the
/// `<Bytes>`-wrapped one. [`verify_voucher_form`] runs it with sp-runtime's `Verify`; a client
/// without sp-runtime runs it with its own check of the same scheme.
pub fn voucher_form(
	voucher: &Voucher,
	mut check: impl FnMut(&[u8]) -> bool,
) -> Option<PayloadForm> {
	if check(&voucher.payload()[..]) {
		Some(PayloadForm::Raw)
	} else if check(&voucher.wrapped_payload()[..]) {
		Some(PayloadForm::Wrapped)
	} else {
		None
	}
}
