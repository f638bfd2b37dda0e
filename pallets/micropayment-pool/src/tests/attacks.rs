//! Named regressions for each attack on the pool's economics. Each asserts the outcome from
//! balances, holds and issuance, not from the pallet's events.
//!
//! The coalition is Alice (owner) and Edward (her sock puppet); Bob and Charlie are honest.

use super::*;
use frame_support::traits::{LockableCurrency, WithdrawReasons};

/// Free plus held: what an account owns.
fn total(who: &AccountId) -> Balance {
	Balances::total_balance(who)
}

fn coalition() -> Balance {
	total(&alice()) + total(&edward())
}

/// Closes Alice's pool after its window and reaps its records, so every hold is returned.
fn close_and_reap(id: u64) {
	System::set_block_number(System::block_number().max(CLOSE_AT));
	assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id));
	assert_ok!(MicropaymentPool::reap_paid(RuntimeOrigin::signed(dave()), id, 100));
}

#[test]
fn self_voucher_is_refused() {
	build_and_execute(|| {
		let id = create(&alice(), 100, 150);
		for amount in [1, 100, 250, u128::MAX] {
			assert_noop!(
				settle(&alice(), id, amount, voucher_sig("Alice", id, &alice(), amount)),
				Error::<Test>::SelfPayment
			);
		}
		// In a batch, the voucher fails alone and changes nothing.
		let item = crate::SettlementItem {
			pool_id: id,
			amount: 250,
			signature: voucher_sig("Alice", id, &alice(), 250),
		};
		let before = total(&alice());
		assert_ok!(MicropaymentPool::settle_batch(
			RuntimeOrigin::signed(alice()),
			vec![item].try_into().unwrap()
		));
		assert_eq!(total(&alice()), before);
		assert_eq!(held(HoldReason::PoolCollateral, &escrow()), 150);
		assert!(!Pools::<Test>::get(id).unwrap().overdrawn);
	});
}

/// The reproduction: deposit 100, collateral 150, Bob served 60. Edward settles
/// `deposit + collateral` before Bob. Bob is underpaid, so the coalition must lose at least
/// `(1 - r)(C - D)` = 25, counting the 60 of service it received.
#[test]
fn sock_puppet_draining_first_loses() {
	build_and_execute(|| {
		let (issuance, start) = (Balances::total_issuance(), coalition());
		let id = create(&alice(), 100, 150);
		assert_ok!(settle(&edward(), id, 250, voucher_sig("Alice", id, &edward(), 250)));
		assert_ok!(settle(&bob(), id, 60, voucher_sig("Alice", id, &bob(), 60)));
		close_and_reap(id);

		// Edward got the deposit and the pot (25); the other 125 was burnt; Bob got nothing.
		assert_eq!(total(&bob()), INITIAL);
		assert_eq!(issuance - Balances::total_issuance(), 125);
		let net = coalition() as i128 - start as i128 + 60;
		assert_eq!(net, -65);
		assert!(net <= -25, "net return {net} above the bound -(1 - r)(C - D) = -25");
	});
}

#[test]
fn u128_max_voucher_forfeits() {
	build_and_execute(|| {
		let start = coalition();
		let id = create(&alice(), 100, 150);
		// Bob settles his 60 first; Edward then claims everything there could be.
		assert_ok!(settle(&bob(), id, 60, voucher_sig("Alice", id, &bob(), 60)));
		assert_ok!(settle(&edward(), id, u128::MAX, voucher_sig("Alice", id, &edward(), u128::MAX)));
		assert_eq!(total(&edward()), INITIAL + 40 + 25);
		assert_noop!(
			settle(&edward(), id, u128::MAX, voucher_sig("Alice", id, &edward(), u128::MAX)),
			Error::<Test>::StaleVoucher
		);
		close_and_reap(id);
		assert_eq!(total(&bob()), INITIAL + 60);
		// Bob was paid in full, yet the double spend still cost the coalition: -250 + 65 + 60.
		assert_eq!(coalition() as i128 - start as i128 + 60, -125);
	});
}

#[test]
fn payee_slots_cannot_block() {
	build_and_execute(|| {
		let id = create(&alice(), DEPOSIT, COLLATERAL);
		// Sock puppets take "slots" with 1-planck vouchers: there are no slots to take.
		for name in peer_names(20) {
			let puppet = account(&name);
			assert_ok!(settle(&puppet, id, 1, voucher_sig("Alice", id, &puppet, 1)));
		}
		assert_ok!(settle(&bob(), id, 300, voucher_sig("Alice", id, &bob(), 300)));
		assert_ok!(settle(&charlie(), id, 600, voucher_sig("Alice", id, &charlie(), 600)));
		close_and_reap(id);
		assert_eq!(total(&bob()), INITIAL + 300);
		assert_eq!(total(&charlie()), INITIAL + 600);
	});
}

#[test]
fn frozen_owner_cannot_block_payouts() {
	build_and_execute(|| {
		let id = create(&alice(), 100, 150);
		// Alice freezes her whole account (a vesting or voting lock would do the same): the
		// pool's funds are in the escrow, out of the freeze's reach.
		Balances::set_lock(*b"vesting_", &alice(), INITIAL, WithdrawReasons::all());
		assert_ok!(settle(&bob(), id, 60, voucher_sig("Alice", id, &bob(), 60)));
		assert_eq!(total(&bob()), INITIAL + 60);
		// An overdraw still pays from the deposit and the pot, and slashes.
		let issuance = Balances::total_issuance();
		assert_ok!(settle(&charlie(), id, 70, voucher_sig("Alice", id, &charlie(), 70)));
		assert_eq!(total(&charlie()), INITIAL + 40 + 25);
		assert_eq!(issuance - Balances::total_issuance(), 125);
		close_and_reap(id);
		assert_eq!(total(&alice()), INITIAL - 250);
	});
}

#[test]
fn frozen_funds_cannot_enter_a_pool() {
	build_and_execute(|| {
		// A lock (vesting, a vote) covers all but 200 of Alice's funds.
		Balances::set_lock(*b"vesting_", &alice(), INITIAL - 200, WithdrawReasons::all());
		let before = total(&alice());
		assert_noop!(
			MicropaymentPool::create_pool(
				RuntimeOrigin::signed(alice()),
				resource(b"stream/42"),
				100,
				150,
				DURATION
			),
			Error::<Test>::InsufficientBalance
		);
		// What the lock leaves her does enter, and nothing beyond it through a top-up.
		let id = create(&alice(), 80, 110);
		assert_noop!(
			MicropaymentPool::top_up(RuntimeOrigin::signed(alice()), id, 10, 10),
			Error::<Test>::InsufficientBalance
		);
		assert_eq!(total(&alice()), before - 190);
		assert!(total(&alice()) >= INITIAL - 200);
		// The pool still pays, and the lock still holds on what is left.
		assert_ok!(settle(&bob(), id, 80, voucher_sig("Alice", id, &bob(), 80)));
		close_and_reap(id);
		assert_eq!(total(&alice()), before - 80);
	});
}

#[test]
fn settles_in_the_grace_window() {
	build_and_execute(|| {
		let id = create(&alice(), DEPOSIT, COLLATERAL);
		// A settlement sent in the last block before expiry lands after it.
		System::set_block_number(1 + DURATION);
		assert_ok!(settle(&bob(), id, 30, voucher_sig("Alice", id, &bob(), 30)));
		System::set_block_number(CLOSE_AT - 1);
		assert_ok!(settle(&charlie(), id, 40, voucher_sig("Alice", id, &charlie(), 40)));
		// But the pool takes no new funds or extensions after expiry.
		assert_noop!(
			MicropaymentPool::top_up(RuntimeOrigin::signed(alice()), id, 10, 20),
			Error::<Test>::PoolExpired
		);
		assert_noop!(
			MicropaymentPool::extend(RuntimeOrigin::signed(alice()), id, 10),
			Error::<Test>::PoolExpired
		);
		close_and_reap(id);
		assert_eq!(total(&bob()), INITIAL + 30);
		assert_eq!(total(&charlie()), INITIAL + 40);
	});
}

#[test]
fn close_refused_inside_the_window() {
	build_and_execute(|| {
		let id = create(&alice(), DEPOSIT, COLLATERAL);
		for block in (1 + DURATION)..CLOSE_AT {
			System::set_block_number(block);
			assert_noop!(
				MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id),
				Error::<Test>::PoolNotExpired
			);
		}
		// Bob, censored until the last block of the window, is still paid.
		assert_ok!(settle(&bob(), id, 500, voucher_sig("Alice", id, &bob(), 500)));
		close_and_reap(id);
		assert_eq!(total(&bob()), INITIAL + 500);
	});
}

#[test]
fn extend_refused_on_an_overdrawn_pool() {
	build_and_execute(|| {
		let id = create(&alice(), 100, 150);
		assert_ok!(settle(&edward(), id, 101, voucher_sig("Alice", id, &edward(), 101)));
		assert!(Pools::<Test>::get(id).unwrap().overdrawn);
		assert_noop!(
			MicropaymentPool::extend(RuntimeOrigin::signed(alice()), id, 10),
			Error::<Test>::Overdrawn
		);
	});
}

#[test]
fn a_peer_that_cannot_pay_its_record_deposit_is_refused_alone() {
	build_and_execute(|| {
		PayeeBase::set(INITIAL * 10);
		let id = create(&alice(), DEPOSIT, COLLATERAL);
		assert_noop!(
			settle(&bob(), id, 10, voucher_sig("Alice", id, &bob(), 10)),
			Error::<Test>::PayeeDepositUnavailable
		);
		// The refusal is the peer's own: it changed nothing, and a funded peer still settles.
		PayeeBase::set(3);
		assert_ok!(settle(&bob(), id, 10, voucher_sig("Alice", id, &bob(), 10)));
		assert_eq!(held(HoldReason::PayeeStorage, &bob()), 3);
	});
}
