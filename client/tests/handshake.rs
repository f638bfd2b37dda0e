//! The peer's check of a handshake bundle: every way a stranger's bundle can be wrong is
//! refused with its own error, and nothing panics.

mod common;

use codec::Encode;
use common::*;
use micropayment_pool_client::{
	chain::to_api_account,
	handshake::{PolicyError as P, MAX_BUNDLE_LEN},
	settle_by, settlement_grace, verify_handshake, BundleExt, HandshakeBundle, HandshakeError as E,
	Hash, Policy,
};

/// Parses as the client does: the `no_std` crate's decoding, with the client's errors.
fn parse(bytes: &[u8]) -> Result<HandshakeBundle, E> {
	HandshakeBundle::from_bytes(bytes).map_err(E::from)
}

/// Bob serves "stream-1"; his head is the bundle's block.
fn policy() -> Policy {
	Policy::new(bob(), b"stream-1".to_vec(), BLOCK)
}

/// The name of the rule a bundle broke, if any.
fn refused(bundle: &HandshakeBundle, trusted: Hash, policy: &Policy) -> Result<(), &'static str> {
	verify_handshake(bundle, trusted, policy).map(|_| ()).map_err(|e| e.name())
}

#[test]
fn valid_bundle_yields_the_pool_terms() {
	let (bundle, trusted) = bundle(Some(&pool(100, 150, 500)), Some(30));
	let verified = verify_handshake(&bundle, trusted, &policy()).expect("valid bundle");
	let terms = &verified.terms;
	assert_eq!(terms.owner, alice());
	assert_eq!(terms.signer, alice());
	assert_eq!(terms.resource_id, b"stream-1");
	assert_eq!((terms.deposit, terms.collateral, terms.expiry), (100, 150, 500));
	assert_eq!(terms.paid_to_me, 30);
	assert_eq!((terms.block_number, terms.block_hash), (BLOCK, Some(trusted)));
	// The ledger: admitted on the bundle alone, not yet confirmed by the peer's own read.
	assert_eq!((verified.ledger.settled, verified.ledger.confirmed), (30, false));
	// Round trip through bytes, as it travels.
	let again = parse(&bundle.to_bytes()).expect("decodes");
	assert_eq!(verify_handshake(&again, trusted, &policy()), Ok(verified));
}

#[test]
fn the_pallet_prefix_is_the_peers_chains() {
	// A runtime that names the pool pallet `Micropayments` keeps its records under that prefix:
	// a peer of that chain checks the proof there, and a peer reading under another prefix
	// finds no proof of the pool (it never takes the prefix from the viewer).
	let (bundle, trusted) = bundle_under(b"Micropayments", Some(&pool(100, 150, 500)), Some(30));
	let theirs = Policy { pallet_prefix: b"Micropayments".to_vec(), ..policy() };
	let verified = verify_handshake(&bundle, trusted, &theirs).expect("valid under its prefix");
	assert_eq!((verified.terms.deposit, verified.terms.paid_to_me), (100, 30));
	assert_eq!(refused(&bundle, trusted, &policy()), Err("BadProof"));
}

#[test]
fn absent_paid_record_is_proven_zero() {
	let (bundle, trusted) = bundle(Some(&pool(100, 150, 500)), None);
	assert_eq!(verify_handshake(&bundle, trusted, &policy()).map(|v| v.terms.paid_to_me), Ok(0));
}

#[test]
fn tampered_proof_node_is_refused() {
	let (mut bundle, trusted) = bundle(Some(&pool(100, 150, 500)), None);
	let last = bundle.proof.len() - 1;
	let node = &mut bundle.proof[last];
	let at = node.len() / 2;
	node[at] ^= 0x01;
	assert!(matches!(verify_handshake(&bundle, trusted, &policy()), Err(E::BadProof(_))));
}

#[test]
fn missing_proof_node_is_refused() {
	let (good, trusted) = bundle(Some(&pool(100, 150, 500)), None);
	for i in 0..good.proof.len() {
		let mut bundle = good.clone();
		bundle.proof.remove(i);
		assert!(
			matches!(verify_handshake(&bundle, trusted, &policy()), Err(E::BadProof(_))),
			"node {i} removed"
		);
	}
}

#[test]
fn proof_against_another_root_is_refused() {
	// The header (trusted) commits to a state where the pool has a smaller deposit; the proof
	// is of a richer pool. The proof's nodes do not hash to the header's root.
	let (real, trusted) = bundle(Some(&pool(10, 15, 500)), None);
	let (forged, _) = bundle(Some(&pool(1_000, 1_500, 500)), None);
	let bundle = HandshakeBundle { proof: forged.proof, ..real };
	assert!(matches!(verify_handshake(&bundle, trusted, &policy()), Err(E::BadProof(_))));
}

#[test]
fn header_must_hash_to_the_claimed_and_trusted_block() {
	let (mut bundle, trusted) = bundle(Some(&pool(100, 150, 500)), None);
	let mut other = bundle.clone();
	other.block_hash = Hash::repeat_byte(9);
	assert!(matches!(verify_handshake(&other, trusted, &policy()), Err(E::HeaderMismatch { .. })));
	// A consistent bundle for a block the peer does not trust.
	assert!(matches!(
		verify_handshake(&bundle, Hash::repeat_byte(3), &policy()),
		Err(E::UnknownBlock { number: BLOCK, .. })
	));
	bundle.header.push(0);
	bundle.block_hash = sp_crypto_hashing::blake2_256(&bundle.header).into();
	assert!(matches!(verify_handshake(&bundle, bundle.block_hash, &policy()), Err(E::Malformed(_))));
}

#[test]
fn missing_pool_is_refused() {
	let (bundle, trusted) = bundle(None, None);
	assert_eq!(verify_handshake(&bundle, trusted, &policy()), Err(E::Policy(P::UnknownPool(POOL))));
}

#[test]
fn expired_or_soon_expiring_pool_is_refused() {
	let (bundle_, trusted) = bundle(Some(&pool(100, 150, BLOCK)), None);
	assert_eq!(
		verify_handshake(&bundle_, trusted, &policy()),
		Err(E::Policy(P::Expired { expiry: BLOCK, now: BLOCK }))
	);
	// The default: 10 blocks to settle before expiry, and 10 of serving before that.
	let (bundle_, trusted) = bundle(Some(&pool(100, 150, BLOCK + 19)), None);
	assert_eq!(
		verify_handshake(&bundle_, trusted, &policy()),
		Err(E::Policy(P::ExpiresTooSoon { expiry: BLOCK + 19, now: BLOCK, required: 20 }))
	);
	let (bundle_, trusted) = bundle(Some(&pool(100, 150, BLOCK + 20)), None);
	assert!(verify_handshake(&bundle_, trusted, &policy()).is_ok());
	// The peer's own head counts when it is ahead of the proven block.
	let mut later = policy();
	later.now = BLOCK + 5;
	assert_eq!(refused(&bundle_, trusted, &later), Err("ExpiresTooSoon"));
}

#[test]
fn a_stale_bundle_is_refused() {
	let (bundle, trusted) = bundle(Some(&pool(100, 150, 500)), None);
	let mut p = policy();
	p.now = BLOCK + p.limits.max_age;
	assert!(verify_handshake(&bundle, trusted, &p).is_ok());
	p.now += 1;
	assert_eq!(
		verify_handshake(&bundle, trusted, &p),
		Err(E::Policy(P::TooOld { block: BLOCK, now: BLOCK + 11, max_age: 10 }))
	);
	assert_eq!(refused(&bundle, trusted, &p), Err("StaleBundle"));
}

#[test]
fn wrong_resource_is_refused() {
	let (bundle, trusted) = bundle(Some(&pool(100, 150, 500)), None);
	let mut p = policy();
	p.resource_id = b"stream-2".to_vec();
	assert_eq!(refused(&bundle, trusted, &p), Err("WrongResource"));
	p.resource_id = b"stream-1".to_vec();
	assert!(verify_handshake(&bundle, trusted, &p).is_ok());
}

#[test]
fn unsound_pools_are_refused() {
	let (b, t) = bundle(Some(&pool(100, 100, 500)), None);
	assert_eq!(
		verify_handshake(&b, t, &policy()),
		Err(E::Policy(P::CollateralNotAboveDeposit { deposit: 100, collateral: 100 }))
	);
	let mut overdrawn = pool(0, 50, 500);
	overdrawn.overdrawn = true;
	let (b, t) = bundle(Some(&overdrawn), None);
	assert_eq!(refused(&b, t, &policy()), Err("Overdrawn"));
	let (b, t) = bundle(Some(&pool(0, 50, 500)), None);
	assert_eq!(refused(&b, t, &policy()), Err("Exhausted"));
	// A margin C − D of 9 % of D: below the default 10 %.
	let (b, t) = bundle(Some(&pool(100, 109, 500)), None);
	assert_eq!(refused(&b, t, &policy()), Err("MarginTooSmall"));
}

#[test]
fn bundle_for_another_peer_is_refused() {
	let (bundle, trusted) = bundle(Some(&pool(100, 150, 500)), None);
	let charlie =
		Policy::new(sp_keyring::Sr25519Keyring::Charlie.to_account_id(), b"stream-1".to_vec(), BLOCK);
	assert_eq!(verify_handshake(&bundle, trusted, &charlie), Err(E::WrongTarget));
	// Relabelled for Charlie, the proof must still tell the truth about Charlie: the proof of
	// Bob's absent record also proves that no peer of this pool was paid, Charlie included.
	let relabelled = HandshakeBundle { target: *charlie.me.as_ref(), ..bundle };
	assert_eq!(verify_handshake(&relabelled, trusted, &charlie).map(|v| v.terms.paid_to_me), Ok(0));
}

#[test]
fn malformed_bytes_are_refused() {
	let (bundle, _) = bundle(Some(&pool(100, 150, 500)), None);
	let bytes = bundle.to_bytes();
	assert!(matches!(parse(&bytes[..bytes.len() - 1]), Err(E::Malformed(_))));
	let mut trailing = bytes.clone();
	trailing.push(0);
	assert!(matches!(parse(&trailing), Err(E::Malformed(_))));
	let mut v2 = bytes.clone();
	v2[0] = 2;
	assert_eq!(parse(&v2), Err(E::UnsupportedVersion(2)));
	let huge = vec![0u8; MAX_BUNDLE_LEN + 1];
	assert!(matches!(parse(&huge), Err(E::TooLarge { .. })));
	assert!(matches!(HandshakeBundle::from_hex("0xnothex"), Err(E::Malformed(_))));
	// A length prefix claiming 2^30 proof nodes must not allocate them.
	let mut lying = vec![1u8];
	lying.extend(7u64.encode());
	lying.extend([0u8; 64]);
	lying.extend([0xfe, 0xff, 0xff, 0xff]);
	assert!(matches!(parse(&lying), Err(E::Malformed(_))));
}

#[test]
fn every_single_byte_tamper_is_refused() {
	let (bundle, trusted) = bundle(Some(&pool(100, 150, 500)), Some(30));
	let bytes = bundle.to_bytes();
	let mut checked = 0;
	for at in 0..bytes.len() {
		for flip in [0x01u8, 0x80] {
			let mut tampered = bytes.clone();
			tampered[at] ^= flip;
			if let Ok(b) = HandshakeBundle::from_bytes(&tampered) {
				assert!(
					verify_handshake(&b, trusted, &policy()).is_err(),
					"byte {at} ^ {flip:#x} was accepted"
				);
			}
			checked += 1;
		}
	}
	assert_eq!(checked, 2 * bytes.len());
}

#[test]
fn terms_carry_the_total_deposit_and_the_settlement_window() {
	let mut topped_up = pool(100, 300, 500);
	topped_up.total_deposit = 250;
	let (b, t) = bundle(Some(&topped_up), None);
	let terms = verify_handshake(&b, t, &policy()).expect("valid bundle").terms;
	assert_eq!((terms.deposit, terms.total_deposit, terms.collateral), (100, 250, 300));
	// The runtime's window: the dev chain settles for 5 blocks after expiry.
	assert_eq!(settlement_grace(), 5);
	assert_eq!(terms.settle_by(), 505);
	assert_eq!(settle_by(500), 505);
	assert!(terms.can_settle_at(500) && terms.can_settle_at(504));
	assert!(!terms.can_settle_at(505));
}

#[test]
fn serving_stops_before_expiry_although_settling_goes_on() {
	// 20 blocks left: admitted; the peer serves until expiry − 10 and settles until the grace ends.
	let (b, t) = bundle(Some(&pool(100, 150, BLOCK + 20)), None);
	let verified = verify_handshake(&b, t, &policy()).expect("live pool");
	assert_eq!(verified.ledger.serving_ends(&policy().limits), BLOCK + 10);
	assert_eq!(verified.terms.settle_by(), BLOCK + 20 + settlement_grace());
	// At and after expiry the pool is refused for serving, inside the grace window too.
	let mut late = policy();
	late.now = BLOCK + 2;
	let (b, t) = bundle(Some(&pool(100, 150, BLOCK + 1)), None);
	assert_eq!(
		verify_handshake(&b, t, &late),
		Err(E::Policy(P::Expired { expiry: BLOCK + 1, now: BLOCK + 2 }))
	);
	assert!(verified.terms.can_settle_at(BLOCK + 20));
}

#[test]
fn collateral_must_exceed_the_total_deposit() {
	// 100 left of 200 locked in all: a collateral of 150 covers the remaining deposit but not
	// the total, so the double-spend bound would not be negative.
	let mut pool = pool(100, 150, 500);
	pool.total_deposit = 200;
	let (b, t) = bundle(Some(&pool), None);
	assert_eq!(
		verify_handshake(&b, t, &policy()),
		Err(E::Policy(P::CollateralNotAboveDeposit { deposit: 200, collateral: 150 }))
	);
}

#[test]
fn terms_name_a_session_signer() {
	let session = sp_keyring::Sr25519Keyring::Ferdie.to_account_id();
	let mut record = pool(100, 150, 500);
	record.signer = to_api_account(&session);
	let (bundle, trusted) = bundle(Some(&record), None);
	let terms = verify_handshake(&bundle, trusted, &policy()).expect("valid bundle").terms;
	assert_eq!((terms.owner.clone(), terms.signer.clone()), (alice(), session));
}

#[test]
fn a_pool_never_pays_its_own_owner_or_signer() {
	// Bob, the peer, is the pool's signer: the chain would refuse his settlements.
	let mut record = pool(100, 150, 500);
	record.signer = to_api_account(&bob());
	let (signed_by_me, trusted) = bundle(Some(&record), None);
	assert_eq!(refused(&signed_by_me, trusted, &policy()), Err("SelfPayment"));
	// Bob owns the pool.
	let mut record = pool(100, 150, 500);
	record.owner = to_api_account(&bob());
	let (owned_by_me, trusted) = bundle(Some(&record), None);
	assert_eq!(refused(&owned_by_me, trusted, &policy()), Err("SelfPayment"));
}
