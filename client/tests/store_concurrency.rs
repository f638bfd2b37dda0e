//! One voucher store used by several processes at once, as `mpool peer run` (a long-lived
//! [`Peer`] accepting vouchers), `mpool handshake verify --store` (recording new pools) and
//! `mpool settle --store` (marking settlements) use it. Each role here holds its own [`Peer`]
//! on the same file, from its own thread: the file lock is per open file, so threads contend
//! for it exactly as processes do. Nothing any of them recorded may be lost, and the long-lived
//! peer must accept vouchers of pools recorded after it opened the store.

use micropayment_pool_client::{
	AccountId, Balance, Ledger, Limits, Peer, PoolId, SignedVoucher, Source, View, Viewer,
	VoucherError,
};
use micropayment_pool_handshake::PoolRecord;
use sp_keyring::Sr25519Keyring;
use std::{
	path::Path,
	sync::{
		atomic::{AtomicBool, Ordering},
		Arc, Barrier,
	},
	thread,
};
use tempfile::TempDir;

const GENESIS: [u8; 32] = [0x42; 32];
const POOLS: PoolId = 12;
/// Vouchers per pool; the last one's cumulative amount is `VOUCHERS`.
const VOUCHERS: Balance = 40;

fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

/// Pool `pool_id` of Alice's as Bob's node shows it at block 10: deposit 1,000, collateral 2,000.
fn terms(pool_id: PoolId) -> Ledger {
	let alice = Sr25519Keyring::Alice.to_account_id();
	let record = PoolRecord {
		owner: *alice.as_ref(),
		resource_id: b"stream".to_vec(),
		deposit: 1_000,
		collateral: 2_000,
		expiry: 1_000,
		payees: 0,
		overdrawn: false,
		total_deposit: 1_000,
		signer: *alice.as_ref(),
	};
	let view = View { pool_id, block: 10, pool: Some(record), paid_to_me: 0 };
	Ledger::open(&view, Source::Chain, bob().as_ref(), b"stream", 10, &Limits::default()).expect("admitted")
}

fn voucher(pool_id: PoolId, amount: Balance) -> SignedVoucher {
	Viewer::new(Sr25519Keyring::Alice.pair(), GENESIS, pool_id).sign(&bob(), amount)
}

fn open(path: &Path) -> Peer {
	Peer::open(path, bob(), GENESIS).expect("the store opens")
}

/// Runs the three roles at once; `batched` makes the long-lived peer accept through
/// `accept_vouchers` (one voucher per call, as `peer run` would with a batch of one).
fn run_roles(batched: bool) {
	let dir = TempDir::new().expect("tmp dir");
	let path = Arc::new(dir.path().join("bob.json"));
	let start = Arc::new(Barrier::new(3));
	let verify_ended = Arc::new(AtomicBool::new(false));

	// `peer run`: opened before any pool is known, accepts 1, 2, ... VOUCHERS for every pool,
	// retrying a voucher whose pool is not recorded yet: once the verify role has ended, the
	// next attempt must see it.
	let runner = {
		let (path, start, verify_ended) = (path.clone(), start.clone(), verify_ended.clone());
		thread::spawn(move || {
			let mut peer = open(&path);
			start.wait();
			let mut unknown = 0u64;
			for amount in 1..=VOUCHERS {
				for pool in 0..POOLS {
					let signed = voucher(pool, amount);
					loop {
						let ended_before = verify_ended.load(Ordering::SeqCst);
						let result = if batched {
							peer.accept_vouchers(std::slice::from_ref(&signed))
								.expect("the store is readable")
								.remove(0)
						} else {
							peer.accept_voucher(&signed)
						};
						match result {
							Ok(accepted) => {
								assert_eq!(accepted.amount, amount);
								break;
							},
							Err(VoucherError::UnknownPool(p)) if p == pool => {
								assert!(!ended_before, "pool {pool} unknown after the verify role ended");
								unknown += 1;
								thread::yield_now();
							},
							Err(e) => panic!("pool {pool}, voucher {amount}: {e}"),
						}
					}
				}
			}
			unknown
		})
	};

	// `handshake verify --store`: records the pools one by one, each from a fresh open.
	let verifier = {
		let (path, start, verify_ended) = (path.clone(), start.clone(), verify_ended.clone());
		thread::spawn(move || {
			// Set when this role ends, by returning or by panicking, so the peer stops waiting.
			struct Ended(Arc<AtomicBool>);
			impl Drop for Ended {
				fn drop(&mut self) {
					self.0.store(true, Ordering::SeqCst);
				}
			}
			let _ended = Ended(verify_ended);
			start.wait();
			for pool in 0..POOLS {
				open(&path).record_handshake(terms(pool)).expect("records the handshake");
			}
		})
	};

	// `settle --store`: repeatedly settles the best unsettled voucher of a pool it reads from
	// the store, then marks it settled; returns the highest amount it settled per pool.
	let settler = {
		let (path, start) = (path.clone(), start.clone());
		thread::spawn(move || {
			start.wait();
			let mut settled = vec![0; POOLS as usize];
			for round in 0..(POOLS * 8) {
				let pool = round % POOLS;
				let mut peer = open(&path);
				if let Some(best) = peer.unsettled(pool) {
					let due = best.voucher.amount - peer.pools()[&pool].ledger.settled;
					peer.mark_settled(pool, best.voucher.amount, due).expect("marks the settlement");
					settled[pool as usize] = best.voucher.amount;
				}
				thread::yield_now();
			}
			settled
		})
	};

	let retries = runner.join().expect("the peer run role ends");
	verifier.join().expect("the verify role ends");
	let settled = settler.join().expect("the settle role ends");

	let store = open(&path);
	assert_eq!(store.pools().len(), POOLS as usize, "every recorded pool is kept");
	for pool in 0..POOLS {
		let entry = &store.pools()[&pool];
		assert_eq!(entry.ledger.pool, terms(pool).pool, "pool {pool}: its handshake is kept");
		assert_eq!(entry.best_amount(), VOUCHERS, "pool {pool}: the best voucher is kept");
		assert_eq!(entry.ledger.settled, settled[pool as usize], "pool {pool}: its settlement is kept");
		assert!(!entry.ledger.pool.overdrawn, "pool {pool}: every settlement was paid in full");
	}
	eprintln!("batched {batched}: the peer retried {retries} vouchers of not yet recorded pools");
}

#[test]
fn peer_run_verify_and_settle_on_one_store_lose_nothing() {
	for _ in 0..3 {
		run_roles(false);
	}
}

#[test]
fn batched_accepts_beside_verify_and_settle_lose_nothing() {
	for _ in 0..3 {
		run_roles(true);
	}
}

#[test]
fn reload_sees_another_handle_s_changes() {
	let dir = TempDir::new().expect("tmp dir");
	let path = dir.path().join("bob.json");
	let mut reader = open(&path);
	open(&path).record_handshake(terms(7)).expect("records");
	assert!(reader.pools().is_empty(), "answers from the store as last read");
	reader.reload().expect("reloads");
	assert_eq!(reader.pools().len(), 1);
}
