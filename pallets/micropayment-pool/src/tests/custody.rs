//! Custody: pool funds live on the escrow account, out of the owner's reach; the escrow's
//! existential deposit; the migration that moved funds there from the owners' holds.

use super::*;
use crate::migrations::v4;
use frame_support::traits::{
	fungible::{Mutate, MutateHold},
	LockableCurrency,
	tokens::{Fortitude, Precision, Restriction},
	GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
};

fn held_on(who: &AccountId) -> (Balance, Balance) {
	(held(HoldReason::PoolDeposit, who), held(HoldReason::PoolCollateral, who))
}

#[test]
fn funds_leave_the_owner_and_return_on_close() {
	build_and_execute(|| {
		let id = create(&alice(), DEPOSIT, COLLATERAL);
		assert_eq!(Balances::total_balance(&alice()), INITIAL - DEPOSIT - COLLATERAL);
		assert_eq!(held_on(&alice()), (0, 0));
		assert_eq!(held_on(&escrow()), (DEPOSIT, COLLATERAL));
		// Whatever Alice does with her own account now, the pool's funds are not on it.
		assert_ok!(<Balances as Mutate<_>>::transfer(
			&alice(),
			&dave(),
			free(&alice()) - 1,
			frame_support::traits::tokens::Preservation::Preserve
		));
		assert_ok!(settle(&bob(), id, 400, voucher_sig("Alice", id, &bob(), 400)));
		assert_eq!(free(&bob()), INITIAL + 400);
		System::set_block_number(CLOSE_AT);
		assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id));
		assert_eq!(free(&alice()), 1 + DEPOSIT - 400 + COLLATERAL);
		assert_eq!(held_on(&escrow()), (0, 0));
		assert_eq!(free(&escrow()), EXISTENTIAL_DEPOSIT);
	});
}

#[test]
fn a_batch_moves_funds_once_and_pays_the_sum() {
	build_and_execute(|| {
		let pools: Vec<u64> =
			[alice(), charlie(), dave(), edward()].iter().map(|o| create(o, DEPOSIT, COLLATERAL)).collect();
		let owners = ["Alice", "Charlie", "Dave", "Edward"];
		// Two inside their deposits, two overdrawing theirs (each forfeits its collateral).
		let amounts = [100, 200, DEPOSIT + 10, DEPOSIT + 20];
		let items: crate::BatchOf<Test> = pools
			.iter()
			.zip(owners)
			.zip(amounts)
			.map(|((&pool_id, owner), amount)| crate::SettlementItem {
				pool_id,
				amount,
				signature: voucher_sig(owner, pool_id, &bob(), amount),
			})
			.collect::<Vec<_>>()
			.try_into()
			.unwrap();
		let issuance = Balances::total_issuance();
		let transfers = || {
			System::events()
				.iter()
				.filter(|r| {
					matches!(r.event, RuntimeEvent::Balances(pallet_balances::Event::TransferOnHold { .. }))
				})
				.count()
		};
		let before = transfers();
		assert_ok!(MicropaymentPool::settle_batch(RuntimeOrigin::signed(bob()), items));
		// 300 + two deposits, and from the two pots (50 % of C − D = 250 each) the 10 and 20 over.
		assert_eq!(free(&bob()), INITIAL + 300 + 2 * DEPOSIT + 30);
		// One transfer out of the deposits, one out of the pots, for the four vouchers.
		assert_eq!(transfers() - before, 2);
		// Each forfeiting pool slashed C − pot = 1,250.
		assert_eq!(issuance - Balances::total_issuance(), 2 * (COLLATERAL - 250));
		assert_eq!(
			held_on(&escrow()),
			(4 * DEPOSIT - 300 - 2 * DEPOSIT, 4 * COLLATERAL - 2 * (COLLATERAL - 250) - 30)
		);
	});
}

#[test]
fn the_first_creator_pays_the_existential_deposit_of_an_escrow_that_lacks_it() {
	build_and_execute(|| {
		// A chain that added the pallet without its genesis or migration.
		assert_eq!(<Balances as Mutate<_>>::set_balance(&escrow(), 0), 0);
		let id = create(&alice(), 1, 2);
		assert_eq!(free(&alice()), INITIAL - 3 - EXISTENTIAL_DEPOSIT);
		assert_eq!(free(&escrow()), EXISTENTIAL_DEPOSIT);
		assert_eq!(held_on(&escrow()), (1, 2));
		assert_ok!(settle(&bob(), id, 1, voucher_sig("Alice", id, &bob(), 1)));
		assert_eq!(free(&bob()), INITIAL + 1);
	});
}

#[test]
fn migration_moves_the_owners_holds_into_the_escrow() {
	new_test_ext().execute_with(|| {
		// Version 3: pools' funds held on their owners, an escrow that never existed.
		let id = create(&alice(), DEPOSIT, COLLATERAL);
		let other = create(&bob(), 10, 20);
		assert_ok!(settle(&charlie(), id, 100, voucher_sig("Alice", id, &charlie(), 100)));
		for (owner, (deposit, collateral)) in [(alice(), (DEPOSIT - 100, COLLATERAL)), (bob(), (10, 20))] {
			for (reason, amount) in
				[(HoldReason::PoolDeposit, deposit), (HoldReason::PoolCollateral, collateral)]
			{
				assert_ok!(<Balances as MutateHold<_>>::transfer_on_hold(
					&reason.into(),
					&escrow(),
					&owner,
					amount,
					Precision::Exact,
					Restriction::OnHold,
					Fortitude::Force,
				));
			}
		}
		assert_eq!(<Balances as Mutate<_>>::set_balance(&escrow(), 0), 0);
		StorageVersion::new(3).put::<MicropaymentPool>();
		// The owner has since locked everything: the pools' funds move all the same.
		Balances::set_lock(*b"vesting_", &alice(), INITIAL, frame_support::traits::WithdrawReasons::all());
		let issuance = Balances::total_issuance();

		v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();
		assert_eq!(MicropaymentPool::on_chain_storage_version(), 4);
		assert_eq!(held_on(&alice()), (0, 0));
		assert_eq!(held_on(&bob()), (0, 0));
		assert_eq!(held_on(&escrow()), (DEPOSIT - 100 + 10, COLLATERAL + 20));
		assert_eq!(free(&escrow()), EXISTENTIAL_DEPOSIT);
		assert_eq!(Balances::total_issuance(), issuance + EXISTENTIAL_DEPOSIT);
		MicropaymentPool::do_try_state().unwrap();
		// Vouchers held before the upgrade settle from the escrow; the pools close as before.
		assert_ok!(settle(&charlie(), id, 300, voucher_sig("Alice", id, &charlie(), 300)));
		assert_eq!(free(&charlie()), INITIAL + 300);
		System::set_block_number(CLOSE_AT);
		assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(bob()), other));
		MicropaymentPool::do_try_state().unwrap();

		// Run again, it changes nothing: the stored version is 4 now.
		let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
		v4::MigrateV3ToV4::<Test>::on_runtime_upgrade();
		assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);
	});
}
