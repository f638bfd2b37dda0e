//! Pool state in an in-memory trie, proven exactly as a node proves it.

#![allow(dead_code)]

use codec::Encode;
use micropayment_pool_client::{
	api::BoundedVec, chain::to_api_account, handshake::BUNDLE_VERSION, AccountId, HandshakeBundle,
	Hash, PoolRecord,
};
use micropayment_pool_primitives::keys::{paid_key, pool_key, PALLET_PREFIX};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	traits::{BlakeTwo256, Hash as _, Header as _},
	Digest,
};
use sp_state_machine::{prove_read, InMemoryBackend};

/// A header as the node makes it (sp-runtime's), which the client decodes as subxt's.
type Header = sp_runtime::generic::Header<u32, BlakeTwo256>;
use std::collections::BTreeMap;

pub const POOL: u64 = 7;
pub const BLOCK: u32 = 100;

pub fn alice() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}

pub fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

pub fn pool(deposit: u128, collateral: u128, expiry: u32) -> PoolRecord {
	PoolRecord {
		owner: to_api_account(&alice()),
		resource_id: BoundedVec(b"stream-1".to_vec()),
		deposit,
		collateral,
		expiry,
		payees: 1,
		overdrawn: false,
		total_deposit: deposit,
		signer: to_api_account(&alice()),
	}
}

/// A state with `pool` (if any), Bob's paid record (if any) and 2,000 unrelated entries, and a
/// bundle proving both keys for Bob; returns the bundle and its (trusted) block hash.
pub fn bundle(pool: Option<&PoolRecord>, paid: Option<u128>) -> (HandshakeBundle, Hash) {
	bundle_under(PALLET_PREFIX, pool, paid)
}

/// [`bundle`] on a runtime whose pool pallet has storage prefix `prefix`.
pub fn bundle_under(prefix: &[u8], pool: Option<&PoolRecord>, paid: Option<u128>) -> (HandshakeBundle, Hash) {
	let mut state = BTreeMap::new();
	for i in 0u32..2_000 {
		let key = sp_crypto_hashing::blake2_256(&i.to_le_bytes()).to_vec();
		state.insert(key, vec![i as u8; 40]);
	}
	let pool_key = pool_key(prefix, POOL).to_vec();
	let paid_key = paid_key(prefix, POOL, bob().as_ref()).to_vec();
	if let Some(pool) = pool {
		state.insert(pool_key.clone(), pool.encode());
	}
	if let Some(paid) = paid {
		state.insert(paid_key.clone(), paid.encode());
	}
	let backend = InMemoryBackend::<BlakeTwo256>::from((state, sp_core::storage::StateVersion::V1));
	let root = *backend.root();
	let proof = prove_read(backend, [&pool_key, &paid_key]).expect("keys are readable; qed");
	let header = Header::new(BLOCK, Hash::repeat_byte(1), root, Hash::repeat_byte(2), Digest::default());
	let block_hash = BlakeTwo256::hash(&header.encode());
	let bundle = HandshakeBundle {
		version: BUNDLE_VERSION,
		pool_id: POOL,
		target: *bob().as_ref(),
		block_hash,
		header: header.encode(),
		proof: proof.into_iter_nodes().collect(),
	};
	(bundle, block_hash)
}
