//! The peer's voucher handling: signature, chain, target, freshness and risk checks, batch
//! verification, and a store that keeps the best voucher across restarts.

use micropayment_pool_client::{
	peer::PoolEntry, verify::SignedVoucher, AccountId, Ledger, Limits, Peer, Refusal as R, Source,
	View, Viewer, VoucherError as E,
};
use micropayment_pool_handshake::PoolRecord;
use sp_core::Pair;
use sp_keyring::Sr25519Keyring;
use tempfile::TempDir;

const GENESIS: [u8; 32] = [0x42; 32];
const POOL: u64 = 3;

fn bob() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

/// A pool of Alice's (or of `signer`) with `deposit` left and collateral `2 × deposit`, read by
/// Bob at his head, block 10, when it had paid him `paid_to_me`.
fn view(deposit: u128, paid_to_me: u128, signer: Option<AccountId>) -> View {
	let owner = Sr25519Keyring::Alice.to_account_id();
	View {
		pool_id: POOL,
		block: 10,
		pool: Some(PoolRecord {
			owner: *owner.as_ref(),
			resource_id: b"stream".to_vec(),
			deposit,
			collateral: deposit * 2,
			expiry: 1_000,
			payees: 0,
			overdrawn: false,
			total_deposit: deposit,
			signer: *signer.unwrap_or(owner).as_ref(),
		}),
		paid_to_me,
	}
}

fn terms(deposit: u128, paid_to_me: u128) -> Ledger {
	ledger(view(deposit, paid_to_me, None))
}

fn ledger(view: View) -> Ledger {
	Ledger::open(&view, Source::Chain, bob().as_ref(), b"stream", 10, &Limits::default()).expect("admitted")
}

fn viewer(genesis: [u8; 32]) -> Viewer {
	Viewer::new(Sr25519Keyring::Alice.pair(), genesis, POOL)
}

fn peer(dir: &TempDir) -> Peer {
	let mut peer = Peer::open(dir.path().join("bob.json"), bob(), GENESIS).expect("opens");
	peer.record_handshake(terms(1_000, 0)).expect("records");
	peer
}

fn best(peer: &Peer) -> Option<u128> {
	peer.pools().get(&POOL).and_then(PoolEntry::best_voucher).map(|v| v.voucher.amount)
}

#[test]
fn accepts_increasing_vouchers_and_refuses_stale_ones() {
	let dir = TempDir::new().expect("tmp");
	let mut peer = peer(&dir);
	let mut alice = viewer(GENESIS);
	let first = alice.pay(&bob(), 10).expect("signs");
	let accepted = peer.accept_voucher(&first).expect("good voucher");
	assert_eq!((accepted.amount, accepted.increment, accepted.unsettled), (10, 10, 10));
	let second = alice.pay(&bob(), 15).expect("signs");
	assert_eq!(peer.accept_voucher(&second).map(|a| a.increment), Ok(15));
	assert_eq!(peer.accept_voucher(&first), Err(E::Refused(R::Stale { amount: 10, best: 25 })));
	assert_eq!(peer.accept_voucher(&second), Err(E::Refused(R::Stale { amount: 25, best: 25 })));
	assert_eq!(best(&peer), Some(25));
}

#[test]
fn tampered_voucher_is_refused_and_not_kept() {
	let dir = TempDir::new().expect("tmp");
	let mut peer = peer(&dir);
	let mut signed = viewer(GENESIS).sign(&bob(), 50);
	signed.voucher.amount = 500;
	assert_eq!(peer.accept_voucher(&signed), Err(E::BadSignature));
	// Signed by someone other than the pool's owner.
	let eve = Viewer::new(Sr25519Keyring::Eve.pair(), GENESIS, POOL).sign(&bob(), 50);
	assert_eq!(peer.accept_voucher(&eve), Err(E::BadSignature));
	// A garbage signature of the right shape.
	let mut junk = viewer(GENESIS).sign(&bob(), 50);
	junk.signature = micropayment_pool_client::MultiSignature::Sr25519([7; 64]);
	assert_eq!(peer.accept_voucher(&junk), Err(E::BadSignature));
	assert_eq!(best(&peer), None);
	let reopened = Peer::open(peer.path(), bob(), GENESIS).expect("reopens");
	assert_eq!(best(&reopened), None);
}

#[test]
fn voucher_from_another_chain_is_refused() {
	let dir = TempDir::new().expect("tmp");
	let mut peer = peer(&dir);
	let foreign = viewer([0x99; 32]).sign(&bob(), 50);
	assert_eq!(peer.accept_voucher(&foreign), Err(E::WrongChain));
	// Relabelled to this chain, its signature no longer matches.
	let mut relabelled = foreign.clone();
	relabelled.voucher.genesis_hash = GENESIS;
	assert_eq!(peer.accept_voucher(&relabelled), Err(E::BadSignature));
}

#[test]
fn voucher_for_another_peer_or_pool_is_refused() {
	let dir = TempDir::new().expect("tmp");
	let mut peer = peer(&dir);
	let charlie = Sr25519Keyring::Charlie.to_account_id();
	assert_eq!(peer.accept_voucher(&viewer(GENESIS).sign(&charlie, 5)), Err(E::WrongTarget));
	let other_pool = Viewer::new(Sr25519Keyring::Alice.pair(), GENESIS, POOL + 1).sign(&bob(), 5);
	assert_eq!(peer.accept_voucher(&other_pool), Err(E::UnknownPool(POOL + 1)));
}

#[test]
fn exposure_is_bounded_by_the_deposit() {
	let dir = TempDir::new().expect("tmp");
	let mut peer = Peer::open(dir.path().join("bob.json"), bob(), GENESIS).expect("opens");
	// 200 already settled on chain, 1,000 deposit left.
	peer.record_handshake(terms(1_000, 200)).expect("records");
	let alice = viewer(GENESIS);
	assert_eq!(
		peer.accept_voucher(&alice.sign(&bob(), 150)),
		Err(E::Refused(R::Stale { amount: 150, best: 200 }))
	);
	assert_eq!(peer.accept_voucher(&alice.sign(&bob(), 1_200)).map(|a| a.unsettled), Ok(1_000));
	assert_eq!(
		peer.accept_voucher(&alice.sign(&bob(), 1_201)),
		Err(E::Refused(R::ExceedsDeposit { unsettled: 1_001, deposit: 1_000 }))
	);
	peer.mark_settled(POOL, 1_200, 1_000).expect("marks");
	assert_eq!(peer.unsettled(POOL), None);
	// The whole deposit was settled to Bob: he relies on nothing more.
	assert_eq!(peer.accept_voucher(&alice.sign(&bob(), 1_201)), Err(E::Refused(R::Exhausted)));
}

#[test]
fn a_newer_view_moves_what_the_peer_relies_on_and_an_older_one_does_not() {
	let dir = TempDir::new().expect("tmp");
	let mut peer = peer(&dir);
	let alice = viewer(GENESIS);
	assert!(peer.accept_voucher(&alice.sign(&bob(), 10)).is_ok());
	// Drained by someone else, as a read at block 20 shows.
	let drained = View { block: 20, ..view(0, 0, None) };
	assert_eq!(peer.observe(&drained, Source::Chain), Ok(micropayment_pool_client::Observed::Taken));
	assert_eq!(peer.head(), 20);
	assert_eq!(peer.accept_voucher(&alice.sign(&bob(), 11)), Err(E::Refused(R::Exhausted)));
	// The old, full view again (a viewer's bundle): ignored, also through a new handshake.
	assert_eq!(peer.observe(&view(1_000, 0, None), Source::Bundle), Ok(micropayment_pool_client::Observed::Older));
	peer.record_handshake(terms(1_000, 0)).expect("records");
	assert_eq!(peer.accept_voucher(&alice.sign(&bob(), 11)), Err(E::Refused(R::Exhausted)));
	assert_eq!(peer.settle_now(POOL), Some(micropayment_pool_client::SettleReason::Exposure));
}

#[test]
fn batch_reports_each_voucher_in_order() {
	let dir = TempDir::new().expect("tmp");
	let mut peer = peer(&dir);
	let alice = viewer(GENESIS);
	let mut tampered = alice.sign(&bob(), 40);
	tampered.voucher.amount = 41;
	let batch = vec![
		alice.sign(&bob(), 10),
		alice.sign(&bob(), 20),
		tampered,
		alice.sign(&bob(), 15),
		viewer([1; 32]).sign(&bob(), 30),
		alice.sign(&bob(), 30),
	];
	let results = peer.accept_vouchers(&batch).expect("store writes");
	assert_eq!(results[0].as_ref().map(|a| a.amount), Ok(10));
	assert_eq!(results[1].as_ref().map(|a| a.increment), Ok(10));
	assert_eq!(results[2], Err(E::BadSignature));
	assert_eq!(results[3], Err(E::Refused(R::Stale { amount: 15, best: 20 })));
	assert_eq!(results[4], Err(E::WrongChain));
	assert_eq!(results[5].as_ref().map(|a| a.amount), Ok(30));
	assert_eq!(best(&peer), Some(30));

	// All good: the batch check passes in one go.
	let good: Vec<SignedVoucher> = (31..=40).map(|a| alice.sign(&bob(), a)).collect();
	assert!(peer.accept_vouchers(&good).expect("writes").iter().all(Result::is_ok));
	assert_eq!(best(&peer), Some(40));
}

#[test]
fn store_survives_restart_and_refuses_foreign_or_corrupt_files() {
	let dir = TempDir::new().expect("tmp");
	let path = dir.path().join("bob.json");
	{
		let mut peer = peer(&dir);
		peer.accept_voucher(&viewer(GENESIS).sign(&bob(), 77)).expect("accepts");
		// Dropped without any shutdown: the write happened before `accept_voucher` returned.
	}
	let peer = Peer::open(&path, bob(), GENESIS).expect("reopens");
	let unsettled = peer.unsettled(POOL).expect("best voucher survived");
	assert_eq!(unsettled.voucher.amount, 77);
	assert!(unsettled.is_signed_by(&Sr25519Keyring::Alice.to_account_id()));

	let charlie = Sr25519Keyring::Charlie.to_account_id();
	assert!(matches!(Peer::open(&path, charlie, GENESIS), Err(E::Store(_))));
	assert!(matches!(Peer::open(&path, bob(), [0; 32]), Err(E::Store(_))));

	for junk in [&b"{ not json"[..], b"\x00\x01 not a database"] {
		std::fs::write(&path, junk).expect("writes");
		assert!(matches!(Peer::open(&path, bob(), GENESIS), Err(E::Store(_))));
		// Refused, not overwritten.
		assert_eq!(std::fs::read(&path).expect("reads"), junk);
	}
}

#[test]
fn two_processes_on_one_store_see_each_others_vouchers() {
	let dir = TempDir::new().expect("tmp");
	let mut first = peer(&dir);
	let mut second = Peer::open(first.path(), bob(), GENESIS).expect("a second handle");
	let alice = viewer(GENESIS);
	first.accept_voucher(&alice.sign(&bob(), 50)).expect("accepts");
	// The second re-reads before its change: 40 is below what the first kept.
	assert_eq!(second.accept_voucher(&alice.sign(&bob(), 40)), Err(E::Refused(R::Stale { amount: 40, best: 50 })));
	assert_eq!(second.accept_voucher(&alice.sign(&bob(), 60)).map(|a| a.unsettled), Ok(60));
	first.reload().expect("reloads");
	assert_eq!(best(&first), Some(60));
}

#[test]
fn a_pool_is_forgotten_only_once_closed_and_paid() {
	let dir = TempDir::new().expect("tmp");
	let mut peer = peer(&dir);
	peer.accept_voucher(&viewer(GENESIS).sign(&bob(), 70)).expect("accepts");
	assert_eq!(peer.forget(POOL), Err(E::NotFinished(POOL)));
	// Closed with the voucher unpaid: still owed.
	let closed = View { block: 20, pool: None, ..view(1_000, 0, None) };
	peer.observe(&closed, Source::Chain).expect("observes");
	assert!(!peer.is_finished(POOL));
	assert_eq!(peer.forget(POOL), Err(E::NotFinished(POOL)));
	peer.mark_settled(POOL, 70, 70).expect("records");
	assert!(peer.is_finished(POOL));
	peer.forget(POOL).expect("forgets");
	assert_eq!(peer.forget(POOL), Err(E::UnknownPool(POOL)));
	let reopened = Peer::open(peer.path(), bob(), GENESIS).expect("reopens");
	assert!(reopened.pools().is_empty());
	assert_eq!(
		reopened.check_voucher(&viewer(GENESIS).sign(&bob(), 80)),
		Err(E::UnknownPool(POOL))
	);
}

#[test]
fn a_version_2_store_moves_into_the_database_and_keeps_a_copy() {
	let dir = TempDir::new().expect("tmp");
	let path = dir.path().join("bob.json");
	let token = viewer(GENESIS).sign(&bob(), 40);
	let mut ledger = terms(1_000, 0);
	ledger.keep(40);
	let v2 = serde_json::json!({
		"version": 2,
		"me": bob(),
		"genesis_hash": format!("0x{}", hex::encode(GENESIS)),
		"pools": { POOL.to_string(): {
			"ledger": format!("0x{}", hex::encode(codec::Encode::encode(&ledger))),
			"best": token.to_hex(),
		}},
	});
	let bytes = serde_json::to_vec(&v2).expect("encodes");
	std::fs::write(&path, &bytes).expect("writes");
	// Another peer's or chain's JSON store is refused and left as it is.
	assert!(matches!(Peer::open(&path, Sr25519Keyring::Charlie.to_account_id(), GENESIS), Err(E::Store(_))));
	assert!(matches!(Peer::open(&path, bob(), [0; 32]), Err(E::Store(_))));
	assert_eq!(std::fs::read(&path).expect("reads"), bytes);
	let mut peer = Peer::open(&path, bob(), GENESIS).expect("moves a version-2 store");
	assert_eq!(peer.unsettled(POOL).map(|v| v.voucher.amount), Some(40));
	assert_eq!(peer.accept_voucher(&viewer(GENESIS).sign(&bob(), 39)), Err(E::Refused(R::Stale { amount: 39, best: 40 })));
	assert_eq!(peer.accept_voucher(&viewer(GENESIS).sign(&bob(), 45)).map(|a| a.unsettled), Ok(45));
	assert!(std::fs::read(&path).expect("reads").starts_with(b"SQLite format 3\0"));
	assert_eq!(std::fs::read(dir.path().join("bob.json.v2.bak")).expect("the copy"), bytes);
}

#[test]
fn honest_viewer_never_promises_beyond_its_deposit() {
	let mut alice = viewer(GENESIS);
	let charlie = Sr25519Keyring::Charlie.to_account_id();
	alice.pay_within(&bob(), 60, 100).expect("within");
	alice.pay_within(&charlie, 40, 100).expect("within");
	assert!(alice.pay_within(&bob(), 1, 100).is_err());
	assert_eq!(alice.promised(), 100);
	assert_eq!(alice.owed().get(&bob()), Some(&60));
	let _ = Sr25519Keyring::Alice.pair().public();
}

#[test]
fn a_version_1_store_settles_its_vouchers_and_serves_on_no_terms_until_a_new_view() {
	let dir = TempDir::new().expect("tmp");
	let path = dir.path().join("bob.json");
	let token = viewer(GENESIS).sign(&bob(), 40);
	let v1 = serde_json::json!({
		"version": 1,
		"me": bob(),
		"genesis_hash": format!("0x{}", hex::encode(GENESIS)),
		"pools": { POOL.to_string(): {
			"terms": {
				"pool_id": POOL,
				"owner": Sr25519Keyring::Alice.to_account_id(),
				"resource_id": "0x73747265616d",
				"deposit": "1000",
				"collateral": "2000",
				"expiry": 1_000,
				"payees": 0,
				"paid_to_me": "10",
				"block_number": 5,
				"block_hash": format!("0x{}", "11".repeat(32)),
			},
			"best": token.to_hex(),
			"settled": "10",
		}},
	});
	std::fs::write(&path, serde_json::to_vec(&v1).expect("encodes")).expect("writes");
	let mut peer = Peer::open(&path, bob(), GENESIS).expect("reads a version-1 store");
	assert_eq!(peer.unsettled(POOL).map(|v| v.voucher.amount), Some(40));
	// No terms to rely on until the pool is read again; the owner (the store had no signer)
	// signs its vouchers.
	assert_eq!(peer.accept_voucher(&viewer(GENESIS).sign(&bob(), 41)), Err(E::Refused(R::Exhausted)));
	peer.observe(&View { block: 30, ..view(1_000, 10, None) }, Source::Chain).expect("a known pool");
	assert_eq!(peer.accept_voucher(&viewer(GENESIS).sign(&bob(), 41)).map(|a| a.unsettled), Ok(31));
	let stranger = Viewer::new(Sr25519Keyring::Ferdie.pair(), GENESIS, POOL);
	assert_eq!(peer.accept_voucher(&stranger.sign(&bob(), 50)), Err(E::BadSignature));
	// Moved into the database; the JSON kept beside it.
	assert!(std::fs::read(&path).expect("reads").starts_with(b"SQLite format 3\0"));
	assert!(dir.path().join("bob.json.v1.bak").exists());
	drop(peer);
	let reopened = Peer::open(&path, bob(), GENESIS).expect("reopens");
	assert_eq!(reopened.unsettled(POOL).map(|v| v.voucher.amount), Some(41));
}

#[test]
fn a_pool_with_a_session_signer_needs_the_session_keys_vouchers() {
	let dir = TempDir::new().expect("tmp");
	let mut peer = Peer::open(dir.path().join("bob.json"), bob(), GENESIS).expect("opens");
	let session = Sr25519Keyring::Ferdie;
	let pool = ledger(view(1_000, 0, Some(session.to_account_id())));
	peer.record_handshake(pool).expect("records");

	// The owner's own key is not the pool's signer.
	assert_eq!(peer.accept_voucher(&viewer(GENESIS).sign(&bob(), 10)), Err(E::BadSignature));
	let mut player = Viewer::new(session.pair(), GENESIS, POOL);
	let vouchers: Vec<SignedVoucher> =
		(1..=3).map(|i| player.pay(&bob(), 10 * i).expect("signs")).collect();
	assert_eq!(peer.accept_voucher(&vouchers[0]).map(|a| a.amount), Ok(10));
	// The batch path checks against the signer too.
	let owner_signed = viewer(GENESIS).sign(&bob(), 500);
	let results =
		peer.accept_vouchers(&[vouchers[1].clone(), owner_signed, vouchers[2].clone()]).expect("writes");
	assert_eq!(results[0].as_ref().map(|a| a.amount), Ok(30));
	assert_eq!(results[1], Err(E::BadSignature));
	assert_eq!(results[2].as_ref().map(|a| a.amount), Ok(60));
	assert_eq!(best(&peer), Some(60));

	// The signer survives a restart of the peer.
	drop(peer);
	let peer = Peer::open(dir.path().join("bob.json"), bob(), GENESIS).expect("reopens");
	let entry = peer.pools().get(&POOL).expect("pool kept");
	assert_eq!(entry.signer(), session.to_account_id());
}
