//! Fixed test vectors of the voucher wire format. The same values are published in
//! `docs/voucher.md`; a change here is a breaking change for every client.

use codec::Encode;
use hex_literal::hex;
use micropayment_pool_primitives::{keys, verify_voucher, Voucher, PAYLOAD_LEN, VOUCHER_DOMAIN};
use sp_core::{sr25519, Pair};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::{traits::IdentifyAccount, AccountId32, MultiSignature};

/// Genesis hash of the vectors: bytes 0x00, 0x01, ..., 0x1f.
const GENESIS: [u8; 32] = hex!("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const BOB: [u8; 32] = hex!("8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48");
const ALICE: [u8; 32] = hex!("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");

/// Vector 1: pool 7 owes //Bob a cumulative 1.5 units (12 decimals).
const V1_PAYLOAD: [u8; PAYLOAD_LEN] = hex!(
	"6d706f6f6c2f766f75636865722f7631"
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"0700000000000000"
	"8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"
	"0098f73e5d0100000000000000000000"
);
/// One sr25519 signature of //Alice over V1_PAYLOAD (sr25519 signing is randomised: any fresh
/// signature differs, but this one must verify forever).
const V1_SR25519_SIG: [u8; 64] = hex!("f85edea412cac00af9d9a5742e63c9790d8c80495a656ac30bc4b93bd4c9832b07e33348ec57845a992777fc6804e5087efacefc1a122f898f939de02dcbea8d");
/// //Alice's ed25519 signature over V1_PAYLOAD (ed25519 is deterministic).
const V1_ED25519_SIG: [u8; 64] = hex!("22cd6b7f7c64618b17b1c12aa7acb9e7e3032c8188ac4528d179d461247c7528b8ea2f88065996664b8b1f7f49be05e0edf2a09f2f74e67722019d37cc20d30b");

fn v1() -> Voucher {
	Voucher { genesis_hash: GENESIS, pool_id: 7, target: BOB, amount: 1_500_000_000_000 }
}

#[test]
fn keyring_accounts_are_the_documented_ones() {
	assert_eq!(Sr25519Keyring::Alice.public().0, ALICE);
	assert_eq!(Sr25519Keyring::Bob.public().0, BOB);
}

#[test]
fn payload_matches_the_vector_byte_for_byte() {
	let payload = v1().payload();
	assert_eq!(payload.len(), 104);
	assert_eq!(payload, V1_PAYLOAD);
	assert_eq!(&payload[..16], b"mpool/voucher/v1");
}

#[test]
fn payload_is_the_scale_encoding_of_domain_and_voucher() {
	assert_eq!((VOUCHER_DOMAIN, v1()).encode(), v1().payload().to_vec());
	assert_eq!(Voucher::from_payload(&V1_PAYLOAD), Some(v1()));
	assert_eq!(Voucher::from_payload(&V1_PAYLOAD[..103]), None);
	let mut other_domain = V1_PAYLOAD;
	other_domain[15] = b'2';
	assert_eq!(Voucher::from_payload(&other_domain), None);
}

#[test]
fn wrapped_payload_is_bytes_tagged() {
	let wrapped = v1().wrapped_payload();
	assert_eq!(&wrapped[..7], b"<Bytes>");
	assert_eq!(&wrapped[7..111], &V1_PAYLOAD[..]);
	assert_eq!(&wrapped[111..], b"</Bytes>");
}

#[test]
fn published_sr25519_signature_verifies() {
	let sig = MultiSignature::Sr25519(sr25519::Signature::from_raw(V1_SR25519_SIG));
	assert!(verify_voucher(&sig, &v1(), &AccountId32::new(ALICE)));
	// The same signature is not //Bob's, and not valid for a different amount.
	assert!(!verify_voucher(&sig, &v1(), &AccountId32::new(BOB)));
	assert!(!verify_voucher(
		&sig,
		&Voucher { amount: 1_500_000_000_001, ..v1() },
		&AccountId32::new(ALICE)
	));
}

#[test]
fn published_ed25519_signature_is_reproduced_and_verifies() {
	let pair = Ed25519Keyring::Alice.pair();
	let sig = pair.sign(&V1_PAYLOAD);
	assert_eq!(sig.0, V1_ED25519_SIG);
	let account = AccountId32::new(Ed25519Keyring::Alice.public().0);
	assert!(verify_voucher(&MultiSignature::Ed25519(sig), &v1(), &account));
}

#[test]
fn fresh_sr25519_signatures_verify_raw_and_wrapped() {
	let alice = Sr25519Keyring::Alice;
	let account = AccountId32::new(ALICE);
	let raw = MultiSignature::Sr25519(alice.pair().sign(&v1().payload()));
	let wrapped = MultiSignature::Sr25519(alice.pair().sign(&v1().wrapped_payload()));
	assert!(verify_voucher(&raw, &v1(), &account));
	assert!(verify_voucher(&wrapped, &v1(), &account));
}

#[test]
fn ecdsa_signatures_bind_to_the_hashed_account() {
	let pair = sp_core::ecdsa::Pair::from_string("//Alice", None).unwrap();
	let account: AccountId32 = sp_runtime::MultiSigner::Ecdsa(pair.public()).into_account();
	let sig = MultiSignature::Ecdsa(pair.sign(&v1().payload()));
	assert!(verify_voucher(&sig, &v1(), &account));
	assert!(!verify_voucher(&sig, &v1(), &AccountId32::new(ALICE)));
}

#[test]
fn any_changed_field_voids_the_signature() {
	let pair = sr25519::Pair::from_string("//Alice", None).unwrap();
	let sig = MultiSignature::Sr25519(pair.sign(&v1().payload()));
	let alice = AccountId32::new(ALICE);
	for tampered in [
		Voucher { genesis_hash: [0u8; 32], ..v1() },
		Voucher { pool_id: 8, ..v1() },
		Voucher { target: ALICE, ..v1() },
		Voucher { amount: u128::MAX, ..v1() },
	] {
		assert!(!verify_voucher(&sig, &tampered, &alice), "{tampered:?}");
	}
}

#[test]
fn storage_keys_match_the_vectors() {
	assert_eq!(
		keys::pool_key(keys::PALLET_PREFIX, 7).to_vec(),
		hex!("27d3938256db80396ed467e8d841e34c4c72016d74b63ae83d79b02efdb5528e55e4fd6a40cd76080700000000000000").to_vec()
	);
	assert_eq!(
		keys::paid_key(keys::PALLET_PREFIX, 7, &BOB).to_vec(),
		hex!("27d3938256db80396ed467e8d841e34c4ba3ae9c1cdc8ed856b83c68ba4405e855e4fd6a40cd760807000000000000004f9aea1afa791265fae359272badc1cf8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48").to_vec()
	);
}

/// Prints the vectors (run with `--ignored --nocapture` to regenerate docs/voucher.md values).
#[test]
#[ignore]
fn print_vectors() {
	let payload = v1().payload();
	println!("payload {}", hex::encode(payload));
	println!("sr25519 {}", hex::encode(Sr25519Keyring::Alice.pair().sign(&payload).0));
	println!("ed25519 {}", hex::encode(Ed25519Keyring::Alice.pair().sign(&payload).0));
	println!("poolkey {}", hex::encode(keys::pool_key(keys::PALLET_PREFIX, 7)));
	println!("paidkey {}", hex::encode(keys::paid_key(keys::PALLET_PREFIX, 7, &BOB)));
}
