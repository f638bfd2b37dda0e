//! The peer's handshake check: proof verification alone (an in-memory trie of 100,000 entries,
//! proven like a node proves it), and — with `MPOOL_BENCH_URL` and `MPOOL_BENCH_POOL` set —
//! fetching a bundle from a local node and checking it.
//!
//! `cargo bench -p micropayment-pool-client --bench handshake`
//! (`scripts/bench/client.sh` runs both against a dev node.)

use codec::Encode;
use criterion::{criterion_group, criterion_main, Criterion};
use micropayment_pool_client::{
	api::BoundedVec,
	chain::to_api_account,
	handshake::BUNDLE_VERSION, verify_handshake, Chain, HandshakeBundle, Hash, Policy,
	PoolRecord,
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

fn in_memory_bundle(entries: u32) -> (HandshakeBundle, Hash) {
	let bob = Sr25519Keyring::Bob.to_account_id();
	let mut state = BTreeMap::new();
	for i in 0..entries {
		state.insert(sp_crypto_hashing::blake2_256(&i.to_le_bytes()).to_vec(), vec![0u8; 80]);
	}
	let pool = PoolRecord {
		owner: to_api_account(&Sr25519Keyring::Alice.to_account_id()),
		resource_id: BoundedVec(b"stream".to_vec()),
		deposit: 1_000,
		collateral: 2_000,
		expiry: 10_000,
		payees: 3,
		overdrawn: false,
		total_deposit: 1_000,
		signer: to_api_account(&Sr25519Keyring::Alice.to_account_id()),
	};
	let pool_key = pool_key(PALLET_PREFIX, 1).to_vec();
	let paid_key = paid_key(PALLET_PREFIX, 1, bob.as_ref()).to_vec();
	state.insert(pool_key.clone(), pool.encode());
	state.insert(paid_key.clone(), 5u128.encode());
	let backend = InMemoryBackend::<BlakeTwo256>::from((state, sp_core::storage::StateVersion::V1));
	let root = *backend.root();
	let proof = prove_read(backend, [&pool_key, &paid_key]).expect("readable; qed");
	let header = Header::new(1, Hash::zero(), root, Hash::zero(), Digest::default());
	let hash = BlakeTwo256::hash(&header.encode());
	let bundle = HandshakeBundle {
		version: BUNDLE_VERSION,
		pool_id: 1,
		target: *bob.as_ref(),
		block_hash: hash,
		header: header.encode(),
		proof: proof.into_iter_nodes().collect(),
	};
	(bundle, hash)
}

fn proof_check(c: &mut Criterion) {
	let (bundle, trusted) = in_memory_bundle(100_000);
	let policy = Policy::new(Sr25519Keyring::Bob.to_account_id(), b"stream".to_vec(), 1);
	println!(
		"in-memory trie of 100,000 entries: proof {} nodes, {} bytes; bundle {} bytes",
		bundle.proof.len(),
		bundle.proof_size(),
		bundle.to_bytes().len()
	);
	c.bench_function("handshake_proof_check", |b| {
		b.iter(|| assert!(verify_handshake(&bundle, trusted, &policy).is_ok()))
	});
}

fn fetch_and_check(c: &mut Criterion) {
	let (Ok(url), Ok(pool)) = (std::env::var("MPOOL_BENCH_URL"), std::env::var("MPOOL_BENCH_POOL"))
	else {
		println!("handshake_fetch_and_check: skipped (set MPOOL_BENCH_URL and MPOOL_BENCH_POOL)");
		return;
	};
	let pool: u64 = pool.parse().expect("MPOOL_BENCH_POOL is a pool id");
	let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
	let chain = rt.block_on(Chain::connect(&url)).expect("node reachable");
	let bob = Sr25519Keyring::Bob.to_account_id();
	let sample = rt.block_on(chain.handshake_bundle(pool, &bob, None)).expect("bundle");
	let record = rt.block_on(chain.pool(pool, Some(sample.block_hash))).expect("rpc").expect("the pool exists");
	let head = micropayment_pool_client::HeaderExt::block_number(
		&rt.block_on(chain.header(Some(sample.block_hash))).expect("header"),
	);
	// Later bundles are of later blocks: each is as fresh as the head it is checked at.
	let policy = Policy::new(bob.clone(), record.resource_id.0.clone(), head);
	println!(
		"dev node pool {pool}: proof {} nodes, {} bytes; bundle {} bytes",
		sample.proof.len(),
		sample.proof_size(),
		sample.to_bytes().len()
	);
	// Viewer fetches the bundle from its node; peer asks its node for the trusted hash and
	// checks the proof: the whole handshake, both sides on one local node.
	c.bench_function("handshake_fetch_and_check", |b| {
		b.iter(|| {
			rt.block_on(async {
				let bundle = chain.handshake_bundle(pool, &bob, None).await.expect("bundle");
				let trusted = chain.trusted_hash(&bundle).await.expect("rpc").expect("finalized");
				assert!(verify_handshake(&bundle, trusted, &policy).is_ok());
			})
		})
	});
}

criterion_group!(benches, proof_check, fetch_and_check);
criterion_main!(benches);
