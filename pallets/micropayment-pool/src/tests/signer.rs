//! Pools whose vouchers a session key signs (`create_pool_with_signer`), and the migration that
//! gave every existing pool its owner as signer.

use super::*;
use crate::{migrations::v3, SettlementItem};
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

/// The player's in-memory key in these tests.
const SESSION: &str = "Session";

fn session() -> AccountId {
	account(SESSION)
}

fn create_with_signer(owner: &AccountId, signer: &AccountId) -> u64 {
	let id = NextPoolId::<Test>::get();
	assert_ok!(MicropaymentPool::create_pool_with_signer(
		RuntimeOrigin::signed(owner.clone()),
		resource(b"stream/42"),
		DEPOSIT,
		COLLATERAL,
		DURATION,
		signer.clone(),
	));
	id
}

#[test]
fn records_the_signer_and_names_it_in_the_event() {
	build_and_execute(|| {
		let id = create_with_signer(&alice(), &session());
		let pool = Pools::<Test>::get(id).unwrap();
		assert_eq!((pool.owner, pool.signer), (alice(), session()));
		// The funds are the owner's, as with `create_pool`.
		assert_eq!(held(HoldReason::PoolDeposit, &escrow()), DEPOSIT);
		assert_eq!(held(HoldReason::PoolCollateral, &escrow()), COLLATERAL);
		assert_eq!(Balances::total_balance(&session()), 0);
		assert_eq!(
			last_event(),
			Event::PoolCreated {
				pool_id: id,
				owner: alice(),
				resource_id: resource(b"stream/42"),
				deposit: DEPOSIT,
				collateral: COLLATERAL,
				expiry: 1 + DURATION,
				signer: session(),
			}
		);
		// The view function and runtime API read the same record.
		assert_eq!(MicropaymentPool::pool(id).map(|p| p.signer), Some(session()));
	});
}

#[test]
fn checks_terms_like_create_pool_without_changing_state() {
	build_and_execute(|| {
		let o = || RuntimeOrigin::signed(alice());
		assert_noop!(
			MicropaymentPool::create_pool_with_signer(
				o(),
				resource(b""),
				DEPOSIT,
				COLLATERAL,
				DURATION,
				session()
			),
			Error::<Test>::EmptyResourceId
		);
		assert_noop!(
			MicropaymentPool::create_pool_with_signer(
				o(),
				resource(b"r"),
				DEPOSIT,
				DEPOSIT,
				DURATION,
				session()
			),
			Error::<Test>::InsufficientCollateral
		);
		assert_noop!(
			MicropaymentPool::create_pool_with_signer(
				o(),
				resource(b"r"),
				INITIAL,
				2 * INITIAL,
				DURATION,
				session()
			),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			MicropaymentPool::create_pool_with_signer(
				RuntimeOrigin::root(),
				resource(b"r"),
				DEPOSIT,
				COLLATERAL,
				DURATION,
				session()
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn vouchers_need_the_signer_and_not_the_owner() {
	build_and_execute(|| {
		let id = create_with_signer(&alice(), &session());
		let before = free(&bob());
		// The owner's own signature is not the pool's any more.
		assert_noop!(
			settle(&bob(), id, 100, voucher_sig("Alice", id, &bob(), 100)),
			Error::<Test>::BadSignature
		);
		assert_ok!(settle(&bob(), id, 100, voucher_sig(SESSION, id, &bob(), 100)));
		assert_eq!(free(&bob()), before + 100);
		assert_eq!(held(HoldReason::PoolDeposit, &escrow()), DEPOSIT - 100);
		// The session key signs over the `<Bytes>` wrapping too (what `signRaw` produces).
		let voucher =
			Voucher { genesis_hash: GENESIS_HASH, pool_id: id, target: *bob().as_ref(), amount: 250 };
		let wrapped = MultiSignature::Sr25519(pair(SESSION).sign(&voucher.wrapped_payload()));
		assert_ok!(settle(&bob(), id, 250, wrapped));
		assert_eq!(free(&bob()), before + 250);
	});
}

#[test]
fn a_pool_pays_neither_its_owner_nor_its_signer() {
	build_and_execute(|| {
		let id = create_with_signer(&alice(), &bob());
		assert_noop!(
			settle(&bob(), id, 10, voucher_sig("Bob", id, &bob(), 10)),
			Error::<Test>::SelfPayment
		);
		assert_noop!(
			settle(&alice(), id, 10, voucher_sig("Bob", id, &alice(), 10)),
			Error::<Test>::SelfPayment
		);
	});
}

#[test]
fn batches_check_each_voucher_against_the_signer() {
	build_and_execute(|| {
		let session_pool = create_with_signer(&alice(), &session());
		let own_pool = create(&bob(), DEPOSIT, COLLATERAL);
		let item = |pool_id, signer: &str, amount| SettlementItem {
			pool_id,
			amount,
			signature: voucher_sig(signer, pool_id, &charlie(), amount),
		};
		let before = free(&charlie());
		let vouchers = vec![
			item(session_pool, SESSION, 30),
			item(session_pool, "Alice", 40),
			item(own_pool, "Bob", 50),
			item(own_pool, SESSION, 60),
		];
		assert_ok!(MicropaymentPool::settle_batch(
			RuntimeOrigin::signed(charlie()),
			vouchers.try_into().unwrap()
		));
		assert_eq!(free(&charlie()), before + 30 + 50);
		assert_eq!(
			last_event(),
			Event::BatchSettled { target: charlie(), settled: 2, failed: 2 }
		);
	});
}

#[test]
fn the_signer_is_fixed_for_the_pools_life() {
	build_and_execute(|| {
		let id = create_with_signer(&alice(), &session());
		// Every call the owner has on a live pool keeps the signer.
		assert_ok!(MicropaymentPool::top_up(RuntimeOrigin::signed(alice()), id, 10, 100));
		assert_ok!(MicropaymentPool::extend(RuntimeOrigin::signed(alice()), id, 5));
		assert_ok!(settle(&bob(), id, 100, voucher_sig(SESSION, id, &bob(), 100)));
		assert_eq!(Pools::<Test>::get(id).map(|p| p.signer), Some(session()));
		// A voucher signed before the top-up still settles the difference.
		assert_ok!(settle(&charlie(), id, 7, voucher_sig(SESSION, id, &charlie(), 7)));
	});
}

#[test]
fn migration_gives_every_pool_its_owner_as_signer() {
	new_test_ext().execute_with(|| {
		// Two pools as storage version 2 wrote them.
		let id = create(&alice(), DEPOSIT, COLLATERAL);
		let other = create(&bob(), 10, 20);
		for pool_id in [id, other] {
			let pool = Pools::<Test>::get(pool_id).unwrap();
			let old: v3::PoolV2Of<Test> = v3::PoolV2 {
				owner: pool.owner,
				resource_id: pool.resource_id,
				deposit: pool.deposit,
				collateral: pool.collateral,
				expiry: pool.expiry,
				payees: pool.payees,
				overdrawn: pool.overdrawn,
				total_deposit: pool.total_deposit,
			};
			frame_support::storage::unhashed::put(&Pools::<Test>::hashed_key_for(pool_id), &old);
		}
		StorageVersion::new(2).put::<MicropaymentPool>();
		// A version 2 record does not decode as version 3.
		assert!(Pools::<Test>::get(id).is_none());

		v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(MicropaymentPool::on_chain_storage_version(), 3);
		let pool = Pools::<Test>::get(id).unwrap();
		assert_eq!((pool.owner.clone(), pool.signer.clone()), (alice(), alice()));
		assert_eq!((pool.deposit, pool.collateral, pool.total_deposit), (DEPOSIT, COLLATERAL, DEPOSIT));
		assert_eq!(Pools::<Test>::get(other).map(|p| p.signer), Some(bob()));
		MicropaymentPool::do_try_state().unwrap();
		// Vouchers peers held before the upgrade still settle.
		assert_ok!(settle(&charlie(), id, 5, voucher_sig("Alice", id, &charlie(), 5)));

		// Run again, it changes nothing: the stored version is 3 now.
		let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
		v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);
	});
}
