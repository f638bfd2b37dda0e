//! The wire formats' test vectors (`docs/vectors/wire-v1.json`), which the JS SDK's tests check
//! too: this test rebuilds every vector from the Rust types and compares it with the file byte
//! for byte. `MPOOL_UPDATE_VECTORS=1` rewrites the file instead (then review the diff: a changed
//! vector is a changed wire format).

use codec::Encode;
use micropayment_pool_client::{
	api::BoundedVec,
	chain::to_api_account,
	handshake::BUNDLE_VERSION, verify_handshake, AccountId, BundleExt, HandshakeBundle, Hash, Policy,
	MultiSignature, PoolRecord, SignedVoucher, Voucher,
};
use micropayment_pool_primitives::keys::{paid_key, pool_key, PALLET_PREFIX};
use serde_json::{json, Value};
use sp_core::{ed25519, Pair};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::{
	traits::{BlakeTwo256, Hash as _, Header as _},
	Digest,
};
use sp_state_machine::{prove_read, InMemoryBackend};

/// A header as the node makes it (sp-runtime's), which the client decodes as subxt's.
type Header = sp_runtime::generic::Header<u32, BlakeTwo256>;
use std::{collections::BTreeMap, path::PathBuf};

/// An sr25519 signature by //Alice over the payload of [`voucher`]: randomised when made, so it
/// is fixed here (the same one as docs/voucher.md) and only its verification is checked.
const ALICE_SR25519_RAW: &str = "f85edea412cac00af9d9a5742e63c9790d8c80495a656ac30bc4b93bd4c9832b07e33348ec57845a992777fc6804e5087efacefc1a122f898f939de02dcbea8d";

fn hex(bytes: impl AsRef<[u8]>) -> String {
	format!("0x{}", hex::encode(bytes))
}

fn path() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/vectors/wire-v1.json")
}

/// The voucher of docs/voucher.md: pool 7 owes //Bob 1.5 tokens on the chain with genesis hash
/// 0x00..1f.
fn voucher() -> Voucher {
	let mut genesis_hash = [0u8; 32];
	genesis_hash.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
	Voucher {
		genesis_hash,
		pool_id: 7,
		target: Sr25519Keyring::Bob.public().0,
		amount: 1_500_000_000_000,
	}
}

/// A pool of //Alice, signed for by //Ferdie (a session key), as a state holds it.
fn pool_record() -> PoolRecord {
	PoolRecord {
		owner: to_api_account(&Sr25519Keyring::Alice.to_account_id()),
		resource_id: BoundedVec(b"stream/42".to_vec()),
		deposit: 10_000_000_000_000,
		collateral: 20_000_000_000_000,
		expiry: 1_000,
		payees: 1,
		overdrawn: false,
		total_deposit: 12_000_000_000_000,
		signer: to_api_account(&Sr25519Keyring::Ferdie.to_account_id()),
	}
}

/// A bundle for //Bob proving [`pool_record`] as pool 7 and a `Paid` record of 0.25 tokens in
/// a state of 64 other entries, at block 100.
fn bundle() -> HandshakeBundle {
	let mut state = BTreeMap::new();
	for i in 0u32..64 {
		state.insert(sp_crypto_hashing::blake2_256(&i.to_le_bytes()).to_vec(), vec![i as u8; 40]);
	}
	let bob: AccountId = Sr25519Keyring::Bob.to_account_id();
	let pool_key = pool_key(PALLET_PREFIX, 7).to_vec();
	let paid_key = paid_key(PALLET_PREFIX, 7, bob.as_ref()).to_vec();
	state.insert(pool_key.clone(), pool_record().encode());
	state.insert(paid_key.clone(), 250_000_000_000u128.encode());
	let backend =
		InMemoryBackend::<BlakeTwo256>::from((state, sp_core::storage::StateVersion::V1));
	let root = *backend.root();
	let proof = prove_read(backend, [&pool_key, &paid_key]).expect("keys are readable; qed");
	let mut nodes: Vec<Vec<u8>> = proof.into_iter_nodes().collect();
	// A fixed order: the proof is a set, and the vector must not depend on hashing order.
	nodes.sort();
	let header =
		Header::new(100, Hash::repeat_byte(1), root, Hash::repeat_byte(2), Digest::default());
	HandshakeBundle {
		version: BUNDLE_VERSION,
		pool_id: 7,
		target: *bob.as_ref(),
		block_hash: BlakeTwo256::hash(&header.encode()),
		header: header.encode(),
		proof: nodes,
	}
}

fn vectors() -> Value {
	let v = voucher();
	let sr_raw: [u8; 64] = hex::decode(ALICE_SR25519_RAW).expect("hex").try_into().expect("64");
	let sr_signed = SignedVoucher {
		voucher: v,
		signature: MultiSignature::Sr25519(sr_raw),
	};
	assert!(sr_signed.is_signed_by(&Sr25519Keyring::Alice.to_account_id()));
	let ed_pair: ed25519::Pair = Ed25519Keyring::Alice.pair();
	let ed_signed = SignedVoucher {
		voucher: v,
		signature: MultiSignature::Ed25519(ed_pair.sign(&v.payload()).0),
	};
	assert!(ed_signed.is_signed_by(&AccountId::from(ed_pair.public().0)));

	let bundle = bundle();
	let header = bundle.decode_header().expect("encoded above");
	let terms = verify_handshake(&bundle, bundle.block_hash, &bob_policy())
		.expect("the vector bundle verifies")
		.terms;
	let record = pool_record();
	json!({
		"description": "Test vectors of the wire formats of docs/voucher.md and docs/handshake.md. Generated and checked by client/tests/wire_vectors.rs; checked by sdk/js/test/vectors.test.js. Amounts and ids are decimal strings (they exceed 2^53).",
		"voucher": {
			"genesis_hash": hex(v.genesis_hash),
			"pool_id": v.pool_id.to_string(),
			"target": hex(v.target),
			"amount": v.amount.to_string(),
			"payload": hex(v.payload()),
			"wrapped_payload": hex(v.wrapped_payload()),
		},
		"signatures": {
			"sr25519_signer": hex(Sr25519Keyring::Alice.public().0),
			"sr25519_over_payload": hex(sr_raw),
			"ed25519_signer": hex(ed_pair.public().0),
			"ed25519_over_payload": hex(match &ed_signed.signature {
				MultiSignature::Ed25519(s) => *s,
				_ => unreachable!("made as Ed25519 above"),
			}),
		},
		"tokens": {
			"sr25519": hex(sr_signed.encode()),
			"ed25519": hex(ed_signed.encode()),
		},
		"bundle": {
			"hex": bundle.to_hex(),
			"version": bundle.version,
			"pool_id": bundle.pool_id.to_string(),
			"target": hex(bundle.target),
			"block_hash": hex(bundle.block_hash),
			"block_number": header.number,
			"state_root": hex(header.state_root),
			"proof_nodes": bundle.proof.len(),
			"pool_key": hex(pool_key(PALLET_PREFIX, 7)),
			"paid_key": hex(paid_key(PALLET_PREFIX, 7, &bundle.target)),
			"pool_record": hex(record.encode()),
			"paid_record": hex(terms.paid_to_me.encode()),
			"pool": {
				"owner": hex(record.owner.0),
				"resource_id": hex(&record.resource_id.0[..]),
				"deposit": record.deposit.to_string(),
				"collateral": record.collateral.to_string(),
				"expiry": record.expiry,
				"payees": record.payees,
				"overdrawn": record.overdrawn,
				"total_deposit": record.total_deposit.to_string(),
				"signer": hex(record.signer.0),
			},
			"paid_to_me": terms.paid_to_me.to_string(),
		},
	})
}

#[test]
fn wire_vectors_match_the_committed_file() {
	let want = vectors();
	let text = serde_json::to_string_pretty(&want).expect("serialises") + "\n";
	if std::env::var_os("MPOOL_UPDATE_VECTORS").is_some() {
		std::fs::create_dir_all(path().parent().expect("docs/vectors")).expect("mkdir");
		std::fs::write(path(), &text).expect("writes the vectors");
		return;
	}
	let committed = std::fs::read_to_string(path()).expect("docs/vectors/wire-v1.json exists");
	let have: Value = serde_json::from_str(&committed).expect("the committed file is JSON");
	assert_eq!(have, want, "a wire vector changed: rerun with MPOOL_UPDATE_VECTORS=1 and review");
}

#[test]
fn vector_token_and_bundle_parse_back() {
	let want = vectors();
	let token = want["tokens"]["sr25519"].as_str().expect("string");
	let signed = SignedVoucher::from_hex(token).expect("token decodes");
	assert_eq!(signed.voucher, voucher());
	assert_eq!(hex::decode(&token[2..]).expect("hex").len(), 153, "a token is 153 bytes");
	let bundle =
		HandshakeBundle::from_hex(want["bundle"]["hex"].as_str().expect("string")).expect("decodes");
	assert_eq!(bundle, self::bundle());
	let terms = verify_handshake(&bundle, bundle.block_hash, &bob_policy()).expect("verifies").terms;
	assert_eq!(terms.signer, Sr25519Keyring::Ferdie.to_account_id());
	assert_eq!(terms.paid_to_me, 250_000_000_000);
}

/// Bob, serving the vector pool's resource, with his head at the vector bundle's block.
fn bob_policy() -> Policy {
	Policy::new(Sr25519Keyring::Bob.into(), b"stream/42".to_vec(), 100)
}
