//! The client checks voucher signatures with sp-core alone (no sp-runtime, no sp-io); the chain
//! checks them with sp-runtime's `MultiSignature::verify`. A peer that accepts a voucher the
//! chain would refuse serves for nothing, so the two must agree on every input. The adversary
//! here picks the scheme, the key, the voucher, which payload form is signed, and then tampers:
//! another signer, any recovery byte (ECDSA's `v` 0..=255), one flipped bit anywhere in the
//! signature, another amount, or a signature of random bytes.

use codec::{Decode, Encode};
use micropayment_pool_client::{AccountId, MultiSignature, SignedVoucher, Voucher};
use micropayment_pool_primitives::verify_voucher;
use proptest::prelude::*;
use sp_core::{ecdsa, ed25519, sr25519, Pair};
use sp_runtime::traits::IdentifyAccount;

#[derive(Clone, Copy, Debug)]
enum Scheme {
	Sr25519,
	Ed25519,
	Ecdsa,
	Eth,
}

#[derive(Clone, Debug)]
enum Tamper {
	None,
	OtherSigner,
	RecoveryByte(u8),
	FlipBit(usize),
	Amount(u128),
	Random(Vec<u8>),
}

fn scheme() -> impl Strategy<Value = Scheme> {
	prop_oneof![
		Just(Scheme::Sr25519),
		Just(Scheme::Ed25519),
		Just(Scheme::Ecdsa),
		Just(Scheme::Eth)
	]
}

fn tamper() -> impl Strategy<Value = Tamper> {
	prop_oneof![
		2 => Just(Tamper::None),
		1 => Just(Tamper::OtherSigner),
		// The boundaries of the recovery byte (ids 0..=3, Ethereum's 27 + id) more often than
		// chance would pick them.
		3 => prop_oneof![0u8..4, 25u8..32, any::<u8>()].prop_map(Tamper::RecoveryByte),
		2 => (0usize..65 * 8).prop_map(Tamper::FlipBit),
		1 => any::<u128>().prop_map(Tamper::Amount),
		1 => proptest::collection::vec(any::<u8>(), 65).prop_map(Tamper::Random),
	]
}

/// Signs `message` with the key from `seed` under `scheme`: the signature's raw bytes and the
/// signer's account as sp-runtime derives it.
fn sign(scheme: Scheme, seed: [u8; 32], message: &[u8]) -> (Vec<u8>, AccountId) {
	// Hashed, so that shrinking towards the zero seed (not a secp256k1 key) stays a valid key.
	let seed = sp_crypto_hashing::blake2_256(&seed);
	match scheme {
		Scheme::Sr25519 => {
			let pair = sr25519::Pair::from_seed(&seed);
			(pair.sign(message).0.to_vec(), pair.public().into())
		},
		Scheme::Ed25519 => {
			let pair = ed25519::Pair::from_seed(&seed);
			(pair.sign(message).0.to_vec(), pair.public().into())
		},
		Scheme::Ecdsa => {
			let pair = ecdsa::Pair::from_seed(&seed);
			let account = sp_runtime::MultiSigner::from(pair.public()).into_account();
			(pair.sign(message).0.to_vec(), account)
		},
		Scheme::Eth => {
			let pair = ecdsa::KeccakPair::from_seed(&seed);
			let account = sp_runtime::MultiSigner::Eth(pair.public()).into_account();
			(pair.sign(message).0.to_vec(), account)
		},
	}
}

fn signature(scheme: Scheme, bytes: &[u8]) -> MultiSignature {
	let take = |n: usize| {
		let mut out = bytes.to_vec();
		out.resize(n, 0);
		out
	};
	match scheme {
		Scheme::Sr25519 => {
			MultiSignature::Sr25519(take(64).try_into().expect("resized to 64; qed"))
		},
		Scheme::Ed25519 => {
			MultiSignature::Ed25519(take(64).try_into().expect("resized to 64; qed"))
		},
		Scheme::Ecdsa => MultiSignature::Ecdsa(take(65).try_into().expect("resized to 65; qed")),
		Scheme::Eth => MultiSignature::Eth(take(65).try_into().expect("resized to 65; qed")),
	}
}

proptest! {
	#![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

	#[test]
	fn the_client_accepts_exactly_what_the_chain_accepts(
		scheme in scheme(),
		seed in any::<[u8; 32]>(),
		other_seed in any::<[u8; 32]>(),
		genesis_hash in any::<[u8; 32]>(),
		pool_id in any::<u64>(),
		target in any::<[u8; 32]>(),
		amount in any::<u128>(),
		wrapped in any::<bool>(),
		tamper in tamper(),
	) {
		let mut voucher = Voucher { genesis_hash, pool_id, target, amount };
		let message = if wrapped { voucher.wrapped_payload().to_vec() } else { voucher.payload().to_vec() };
		let (mut bytes, mut owner) = sign(scheme, seed, &message);
		match tamper.clone() {
			Tamper::None => {},
			Tamper::OtherSigner => owner = sign(scheme, other_seed, b"").1,
			Tamper::RecoveryByte(v) => if let Some(last) = bytes.get_mut(64) { *last = v },
			Tamper::FlipBit(bit) => if let Some(byte) = bytes.get_mut(bit / 8) { *byte ^= 1 << (bit % 8) },
			Tamper::Amount(other) => voucher.amount = other,
			Tamper::Random(random) => bytes = random,
		}
		let signed = SignedVoucher { voucher, signature: signature(scheme, &bytes) };
		// The same token bytes, decoded as the runtime decodes them.
		let on_chain = sp_runtime::MultiSignature::decode(&mut &signed.signature.encode()[..])
			.expect("the generated MultiSignature encodes as sp-runtime's; qed");
		prop_assert_eq!(
			signed.is_signed_by(&owner),
			verify_voucher(&on_chain, &signed.voucher, &owner),
			"{:?} {:?}", scheme, tamper
		);
	}
}

/// The untampered cases above are valid, so parity there is acceptance, not two refusals.
#[test]
fn every_scheme_signs_a_voucher_both_accept() {
	let voucher = Voucher { genesis_hash: [1; 32], pool_id: 2, target: [3; 32], amount: 4 };
	for scheme in [Scheme::Sr25519, Scheme::Ed25519, Scheme::Ecdsa, Scheme::Eth] {
		for message in [voucher.payload().to_vec(), voucher.wrapped_payload().to_vec()] {
			let (bytes, owner) = sign(scheme, [9; 32], &message);
			let signed = SignedVoucher { voucher, signature: signature(scheme, &bytes) };
			let on_chain = sp_runtime::MultiSignature::decode(&mut &signed.signature.encode()[..])
				.expect("same encoding; qed");
			assert!(signed.is_signed_by(&owner), "{scheme:?}");
			assert!(verify_voucher(&on_chain, &voucher, &owner), "{scheme:?}");
		}
		// Ethereum's `v` (27 + recovery id) is read as the chain reads it.
		if let Scheme::Ecdsa | Scheme::Eth = scheme {
			let (mut bytes, owner) = sign(scheme, [9; 32], &voucher.payload());
			bytes[64] += 27;
			let signed = SignedVoucher { voucher, signature: signature(scheme, &bytes) };
			assert!(signed.is_signed_by(&owner), "{scheme:?} with v = 27 + id");
		}
	}
}
