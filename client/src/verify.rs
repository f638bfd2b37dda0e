//! Signed vouchers and their verification, one at a time or in batches.

use crate::{AccountId, MultiSignature};
use codec::{Decode, DecodeAll, Encode};
use micropayment_pool_primitives::{voucher_form, Voucher};
use sp_core::{ecdsa, ed25519, sr25519, Pair};
use sp_crypto_hashing::{blake2_256, keccak_256};

/// Signing context of sr25519 signatures in Substrate (`sp_core::sr25519`).
const SR25519_CONTEXT: &[u8] = b"substrate";

/// A voucher with its owner's signature: what a viewer hands a peer per chunk.
///
/// Its SCALE encoding, as hex, is the "voucher token" that `mpool voucher sign` prints.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SignedVoucher {
	pub voucher: Voucher,
	pub signature: MultiSignature,
}

impl SignedVoucher {
	/// `0x`-prefixed hex of the SCALE encoding.
	pub fn to_hex(&self) -> String {
		format!("0x{}", hex::encode(self.encode()))
	}

	/// Parses [`SignedVoucher::to_hex`]; rejects trailing bytes.
	pub fn from_hex(text: &str) -> Result<Self, String> {
		let bytes = decode_hex(text)?;
		Self::decode_all(&mut &bytes[..]).map_err(|e| format!("not a signed voucher: {e}"))
	}

	/// Whether `owner` signed this voucher (raw or `<Bytes>`-wrapped payload): the rule of
	/// [`micropayment_pool_primitives::verify_voucher`], which `settle` runs on chain.
	pub fn is_signed_by(&self, owner: &AccountId) -> bool {
		voucher_form(&self.voucher, |message| signature_is_valid(&self.signature, message, owner))
			.is_some()
	}
}

/// Whether `signature` is `signer`'s over `message`, as the runtime's `MultiSignature::verify`
/// decides it (sp-runtime 49), computed with sp-core so that this crate needs no sp-runtime and
/// no sp-io. sr25519 and ed25519 keys are the account itself; an ECDSA key must hash
/// (BLAKE2-256) to it; an Ethereum-style key's address (Keccak-256 of the compressed key, last
/// 20 bytes) padded with `0xEE` must be it. `tests/signature_parity.rs` checks every scheme
/// against sp-runtime's own check.
pub fn signature_is_valid(signature: &MultiSignature, message: &[u8], signer: &AccountId) -> bool {
	let who: &[u8; 32] = signer.as_ref();
	match signature {
		MultiSignature::Sr25519(sig) => sr25519::Pair::verify(
			&sr25519::Signature::from_raw(*sig),
			message,
			&sr25519::Public::from_raw(*who),
		),
		MultiSignature::Ed25519(sig) => ed25519::Pair::verify(
			&ed25519::Signature::from_raw(*sig),
			message,
			&ed25519::Public::from_raw(*who),
		),
		MultiSignature::Ecdsa(sig) => ecdsa::Signature::from_raw(normalised_v(sig))
			.recover_prehashed(&blake2_256(message))
			.is_some_and(|key| blake2_256(key.as_ref()) == *who),
		MultiSignature::Eth(sig) => ecdsa::KeccakSignature::from_raw(normalised_v(sig))
			.recover_prehashed(&keccak_256(message))
			.is_some_and(|key| {
				let mut account = [0xEE; 32];
				account[..20].copy_from_slice(&keccak_256(key.as_ref())[12..]);
				account == *who
			}),
	}
}

/// sp-io's `secp256k1_ecdsa_recover_compressed` reads a recovery byte of 27 or more as
/// Ethereum's `v` (27 + id); sp-core's recovery does not, so the byte is mapped first.
fn normalised_v(sig: &[u8; 65]) -> [u8; 65] {
	let mut sig = *sig;
	if sig[64] > 26 {
		sig[64] -= 27;
	}
	sig
}

/// Decodes `0x`-prefixed (or bare) hex, trimming whitespace.
pub fn decode_hex(text: &str) -> Result<Vec<u8>, String> {
	let text = text.trim();
	hex::decode(text.strip_prefix("0x").unwrap_or(text)).map_err(|e| format!("bad hex: {e}"))
}

/// Whether every voucher was signed by its paired owner.
///
/// sr25519 signatures over the raw payload are checked together with one multi-scalar
/// multiplication (schnorrkel's batch verification, randomised so a forger cannot make bad
/// signatures cancel out); other schemes, and wrapped payloads, one by one. `false` says only
/// that some voucher is bad: use [`verify_each`] to find which.
pub fn verify_batch(items: &[(&SignedVoucher, &AccountId)]) -> bool {
	let mut transcripts = Vec::with_capacity(items.len());
	let mut signatures = Vec::with_capacity(items.len());
	let mut keys = Vec::with_capacity(items.len());
	let mut payloads = Vec::with_capacity(items.len());
	for (signed, owner) in items {
		let batched = match &signed.signature {
			MultiSignature::Sr25519(sig) => {
				let owner: &[u8; 32] = owner.as_ref();
				match (
					schnorrkel::Signature::from_bytes(sig),
					schnorrkel::PublicKey::from_bytes(owner),
				) {
					(Ok(sig), Ok(key)) => Some((sig, key)),
					_ => None,
				}
			},
			_ => None,
		};
		match batched {
			Some((sig, key)) => {
				payloads.push(signed.voucher.payload());
				signatures.push(sig);
				keys.push(key);
			},
			// Not batchable: must verify on its own.
			None =>
				if !signed.is_signed_by(owner) {
					return false;
				},
		}
	}
	let context = schnorrkel::signing_context(SR25519_CONTEXT);
	for payload in &payloads {
		transcripts.push(context.bytes(&payload[..]));
	}
	if signatures.is_empty() {
		return true;
	}
	schnorrkel::verify_batch(transcripts, &signatures, &keys, false).is_ok() ||
		// A wallet may have signed the wrapped payload: the batch fails, the singles decide.
		items.iter().all(|(signed, owner)| signed.is_signed_by(owner))
}

/// Verifies each voucher on its own: `result[i]` says whether `items[i]` is good.
pub fn verify_each(items: &[(&SignedVoucher, &AccountId)]) -> Vec<bool> {
	items.iter().map(|(signed, owner)| signed.is_signed_by(owner)).collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_keyring::Sr25519Keyring;

	fn signed(owner: Sr25519Keyring, amount: u128) -> SignedVoucher {
		let voucher = Voucher {
			genesis_hash: [7; 32],
			pool_id: 1,
			target: *Sr25519Keyring::Bob.to_account_id().as_ref(),
			amount,
		};
		let signature = MultiSignature::Sr25519(owner.pair().sign(&voucher.payload()).0);
		SignedVoucher { voucher, signature }
	}

	#[test]
	fn batch_accepts_good_and_rejects_any_bad() {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let good: Vec<_> = (1..=8).map(|a| signed(Sr25519Keyring::Alice, a)).collect();
		let items: Vec<_> = good.iter().map(|s| (s, &alice)).collect();
		assert!(verify_batch(&items));

		let mut bad = good.clone();
		bad[5].voucher.amount += 1;
		let items: Vec<_> = bad.iter().map(|s| (s, &alice)).collect();
		assert!(!verify_batch(&items));
		assert_eq!(verify_each(&items), [true, true, true, true, true, false, true, true]);

		let forged = signed(Sr25519Keyring::Eve, 3);
		assert!(!verify_batch(&[(&good[0], &alice), (&forged, &alice)]));
	}

	#[test]
	fn batch_accepts_wrapped_payloads() {
		let alice = Sr25519Keyring::Alice.to_account_id();
		let mut wrapped = signed(Sr25519Keyring::Alice, 9);
		wrapped.signature = MultiSignature::Sr25519(
			Sr25519Keyring::Alice.pair().sign(&wrapped.voucher.wrapped_payload()).0,
		);
		let plain = signed(Sr25519Keyring::Alice, 10);
		assert!(verify_batch(&[(&plain, &alice), (&wrapped, &alice)]));
	}

	#[test]
	fn token_round_trips_and_rejects_junk() {
		let s = signed(Sr25519Keyring::Alice, 5);
		assert_eq!(SignedVoucher::from_hex(&s.to_hex()), Ok(s.clone()));
		assert!(SignedVoucher::from_hex(&format!("{}00", s.to_hex())).is_err());
		assert!(SignedVoucher::from_hex("0xzz").is_err());
		assert!(SignedVoucher::from_hex("0x").is_err());
	}
}
