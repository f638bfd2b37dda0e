//! Writes the handshake bundle the JS SDK's benchmark checks (`sdk/js/bench/bench.mjs`): a pool
//! and its peer's `Paid` record proven in a state of 100,000 pools, each with a `Paid` record,
//! as a node would prove them. Not a test: run by `scripts/bench/sdk.sh` with
//! `MPOOL_BENCH_BUNDLE=<file>`; ignored otherwise.

mod common;

use codec::Encode;
use micropayment_pool_client::{
	handshake::BUNDLE_VERSION, verify_handshake, BundleExt, HandshakeBundle, Hash, Policy,
};
use micropayment_pool_primitives::keys::{paid_key, pool_key, PALLET_PREFIX};
use sp_runtime::{
	traits::{BlakeTwo256, Hash as _, Header as _},
	Digest,
};
use sp_state_machine::{prove_read, InMemoryBackend};

/// A header as the node makes it (sp-runtime's), which the client decodes as subxt's.
type Header = sp_runtime::generic::Header<u32, BlakeTwo256>;

const POOLS: u64 = 100_000;

#[test]
#[ignore = "writes a benchmark input; run by scripts/bench/sdk.sh"]
fn write_the_100k_pool_bundle() {
	let Some(path) = std::env::var_os("MPOOL_BENCH_BUNDLE") else { return };
	let bob = common::bob();
	let mut state = Vec::with_capacity(2 * POOLS as usize);
	for id in 0..POOLS {
		let mut pool = common::pool(1_000 + u128::from(id), 3_000 + u128::from(id), 10_000);
		pool.payees = 1;
		state.push((pool_key(PALLET_PREFIX, id).to_vec(), pool.encode()));
		// Each pool paid one peer; the proven pool paid Bob.
		let mut payee = [0u8; 32];
		payee[..8].copy_from_slice(&id.to_le_bytes());
		let payee = if id == common::POOL { *AsRef::<[u8; 32]>::as_ref(&bob) } else { payee };
		state.push((paid_key(PALLET_PREFIX, id, &payee).to_vec(), 5u128.encode()));
	}
	let backend = InMemoryBackend::<BlakeTwo256>::from((
		state.into_iter().collect::<std::collections::BTreeMap<_, _>>(),
		sp_core::storage::StateVersion::V1,
	));
	let root = *backend.root();
	let pool_key = pool_key(PALLET_PREFIX, common::POOL).to_vec();
	let paid_key = paid_key(PALLET_PREFIX, common::POOL, bob.as_ref()).to_vec();
	let proof = prove_read(backend, [&pool_key, &paid_key]).expect("readable; qed");
	let header = Header::new(7, Hash::zero(), root, Hash::zero(), Digest::default());
	let block_hash = BlakeTwo256::hash(&header.encode());
	let bundle = HandshakeBundle {
		version: BUNDLE_VERSION,
		pool_id: common::POOL,
		target: *bob.as_ref(),
		block_hash,
		header: header.encode(),
		proof: proof.into_iter_nodes().collect(),
	};
	let terms = verify_handshake(&bundle, block_hash, &Policy::new(bob, b"stream-1".to_vec(), 7))
		.expect("the bundle verifies")
		.terms;
	assert_eq!(terms.paid_to_me, 5);
	let out = serde_json::json!({
		"pools": POOLS,
		"bundle": bundle.to_hex(),
		"block_hash": format!("{block_hash:?}"),
		"target": format!("0x{}", hex::encode(bundle.target)),
		"proof_nodes": bundle.proof.len(),
		"proof_bytes": bundle.proof_size(),
	});
	std::fs::write(path, out.to_string()).expect("writes the bundle");
}
