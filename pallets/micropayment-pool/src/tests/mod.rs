//! Tests of every rule of the protocol on the mock runtime: balances, holds, events, errors and
//! storage are asserted; every failing call is checked to leave the storage root unchanged.

use crate::{mock::*, Error, Event, HoldReason, NextPoolId, OwnerPools, Paid, Pools};
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{Inspect, InspectHold},
		Hooks,
	},
	BoundedVec,
};
use micropayment_pool_primitives::{keys, Voucher};
use sp_core::{ed25519, Pair};
use sp_runtime::{DispatchError, MultiSignature, TokenError};

const DEPOSIT: Balance = 1_000;
const COLLATERAL: Balance = 1_500;
const DURATION: u64 = 100;
/// The first block at which a pool created at block 1 may close: expiry + grace.
const CLOSE_AT: u64 = 1 + DURATION + GRACE;

fn resource(id: &[u8]) -> BoundedVec<u8, <Test as crate::Config>::MaxResourceIdLen> {
	id.to_vec().try_into().expect("test resource ids are short")
}

/// `owner`'s sr25519 signature over the voucher paying `target` a cumulative `amount`, built from
/// the wire format directly (not through the pallet) so the tests pin the contract.
fn voucher_sig(owner: &str, pool_id: u64, target: &AccountId, amount: Balance) -> MultiSignature {
	let voucher = Voucher { genesis_hash: GENESIS_HASH, pool_id, target: *target.as_ref(), amount };
	MultiSignature::Sr25519(pair(owner).sign(&voucher.payload()))
}

fn create(owner: &AccountId, deposit: Balance, collateral: Balance) -> u64 {
	let id = NextPoolId::<Test>::get();
	assert_ok!(MicropaymentPool::create_pool(
		RuntimeOrigin::signed(owner.clone()),
		resource(b"stream/42"),
		deposit,
		collateral,
		DURATION
	));
	id
}

fn settle(
	peer: &AccountId,
	pool_id: u64,
	amount: Balance,
	sig: MultiSignature,
) -> sp_runtime::DispatchResult {
	MicropaymentPool::settle(RuntimeOrigin::signed(peer.clone()), pool_id, amount, sig)
		.map(|_| ())
		.map_err(|e| e.error)
}

fn free(who: &AccountId) -> Balance {
	Balances::free_balance(who)
}

fn held(reason: HoldReason, who: &AccountId) -> Balance {
	Balances::balance_on_hold(&reason.into(), who)
}

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::MicropaymentPool(e) => Some(e),
			_ => None,
		})
		.expect("the pallet emitted an event")
}

/// The `PoolClosed` event of a pool of Alice's.
fn closed(
	pool_id: u64,
	refunded_deposit: Balance,
	refunded_collateral: Balance,
	slashed: Balance,
) -> Event<Test> {
	Event::PoolClosed { pool_id, owner: alice(), refunded_deposit, refunded_collateral, slashed }
}

fn pool_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::MicropaymentPool(e) => Some(e),
			_ => None,
		})
		.collect()
}

mod create_pool {
	use super::*;

	#[test]
	fn holds_funds_records_the_pool_and_emits() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_eq!(id, 0);
			assert_eq!(NextPoolId::<Test>::get(), 1);
			let pool = Pools::<Test>::get(0).unwrap();
			assert_eq!(pool.owner, alice());
			assert_eq!(pool.resource_id.to_vec(), b"stream/42".to_vec());
			assert_eq!(
				(pool.deposit, pool.collateral, pool.expiry),
				(DEPOSIT, COLLATERAL, 1 + DURATION)
			);
			assert_eq!((pool.payees, pool.overdrawn), (0, false));
			assert_eq!(OwnerPools::<Test>::get(alice()).to_vec(), vec![0]);
			assert_eq!(held(HoldReason::PoolDeposit, &escrow()), DEPOSIT);
			assert_eq!(held(HoldReason::PoolCollateral, &escrow()), COLLATERAL);
			assert_eq!(free(&alice()), INITIAL - DEPOSIT - COLLATERAL);
			assert_eq!(
				last_event(),
				Event::PoolCreated {
					pool_id: 0,
					owner: alice(),
					resource_id: resource(b"stream/42"),
					deposit: DEPOSIT,
					collateral: COLLATERAL,
					expiry: 1 + DURATION,
					signer: alice(),
				}
			);
			assert_eq!(pool.signer, alice());
		});
	}

	#[test]
	fn ids_are_sequential_across_owners() {
		build_and_execute(|| {
			assert_eq!(create(&alice(), DEPOSIT, COLLATERAL), 0);
			assert_eq!(create(&bob(), DEPOSIT, COLLATERAL), 1);
			assert_eq!(create(&alice(), 10, 20), 2);
			assert_eq!(OwnerPools::<Test>::get(alice()).to_vec(), vec![0, 2]);
			// All pools' deposits are on the escrow: Alice's two and Bob's.
			assert_eq!(held(HoldReason::PoolDeposit, &escrow()), 2 * DEPOSIT + 10);
		});
	}

	#[test]
	fn rejects_bad_terms_without_changing_state() {
		build_and_execute(|| {
			let o = || RuntimeOrigin::signed(alice());
			let r = || resource(b"r");
			assert_noop!(
				MicropaymentPool::create_pool(o(), resource(b""), DEPOSIT, COLLATERAL, DURATION),
				Error::<Test>::EmptyResourceId
			);
			assert_noop!(
				MicropaymentPool::create_pool(o(), r(), 0, COLLATERAL, DURATION),
				Error::<Test>::ZeroDeposit
			);
			// collateral == deposit: the paper needs collateral > deposit.
			assert_noop!(
				MicropaymentPool::create_pool(o(), r(), DEPOSIT, DEPOSIT, DURATION),
				Error::<Test>::InsufficientCollateral
			);
			assert_noop!(
				MicropaymentPool::create_pool(o(), r(), DEPOSIT, DEPOSIT - 1, DURATION),
				Error::<Test>::InsufficientCollateral
			);
			// MinCollateralExcess is 10%: 1_099 is short of 1_100, 1_100 is enough.
			assert_noop!(
				MicropaymentPool::create_pool(o(), r(), DEPOSIT, 1_099, DURATION),
				Error::<Test>::InsufficientCollateral
			);
			assert_noop!(
				MicropaymentPool::create_pool(o(), r(), DEPOSIT, COLLATERAL, MIN_DURATION - 1),
				Error::<Test>::DurationTooShort
			);
			assert_noop!(
				MicropaymentPool::create_pool(o(), r(), DEPOSIT, COLLATERAL, MAX_DURATION + 1),
				Error::<Test>::DurationTooLong
			);
			assert_noop!(
				MicropaymentPool::create_pool(o(), r(), 400_000, 600_001, DURATION),
				Error::<Test>::InsufficientBalance
			);
			assert_noop!(
				MicropaymentPool::create_pool(
					RuntimeOrigin::none(),
					r(),
					DEPOSIT,
					COLLATERAL,
					DURATION
				),
				DispatchError::BadOrigin
			);
			// The edges that are accepted.
			assert_ok!(MicropaymentPool::create_pool(o(), r(), DEPOSIT, 1_100, MIN_DURATION));
			assert_ok!(MicropaymentPool::create_pool(o(), r(), 1, 2, MAX_DURATION));
		});
	}

	#[test]
	fn the_whole_free_balance_cannot_be_locked_away() {
		build_and_execute(|| {
			// Deposit + collateral == INITIAL would leave less than the existential deposit.
			assert_noop!(
				MicropaymentPool::create_pool(
					RuntimeOrigin::signed(bob()),
					resource(b"r"),
					400_000,
					600_000,
					DURATION
				),
				Error::<Test>::InsufficientBalance
			);
			assert_ok!(MicropaymentPool::create_pool(
				RuntimeOrigin::signed(bob()),
				resource(b"r"),
				400_000,
				599_999,
				DURATION
			));
			assert_eq!(free(&bob()), 1);
		});
	}

	#[test]
	fn u128_overflow_edges_are_named_errors() {
		build_and_execute(|| {
			let o = || RuntimeOrigin::signed(alice());
			// deposit + 10% of it overflows.
			assert_noop!(
				MicropaymentPool::create_pool(o(), resource(b"r"), u128::MAX, u128::MAX, DURATION),
				Error::<Test>::Overflow
			);
			// deposit + collateral overflows.
			assert_noop!(
				MicropaymentPool::create_pool(
					o(),
					resource(b"r"),
					u128::MAX / 4,
					u128::MAX,
					DURATION
				),
				Error::<Test>::Overflow
			);
			// Representable but unaffordable.
			assert_noop!(
				MicropaymentPool::create_pool(
					o(),
					resource(b"r"),
					u128::MAX / 4,
					u128::MAX / 2,
					DURATION
				),
				Error::<Test>::InsufficientBalance
			);
		});
	}

	#[test]
	fn expiry_overflow_is_a_named_error() {
		build_and_execute(|| {
			System::set_block_number(u64::MAX - 10);
			assert_noop!(
				MicropaymentPool::create_pool(
					RuntimeOrigin::signed(alice()),
					resource(b"r"),
					DEPOSIT,
					COLLATERAL,
					DURATION
				),
				Error::<Test>::Overflow
			);
		});
	}

	#[test]
	fn per_account_pool_limit() {
		build_and_execute(|| {
			for _ in 0..4 {
				create(&alice(), 10, 20);
			}
			assert_noop!(
				MicropaymentPool::create_pool(
					RuntimeOrigin::signed(alice()),
					resource(b"r"),
					10,
					20,
					DURATION
				),
				Error::<Test>::TooManyPools
			);
			// Others are not affected, and closing one frees a slot.
			create(&bob(), 10, 20);
			System::set_block_number(CLOSE_AT);
			assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), 1));
			assert_eq!(OwnerPools::<Test>::get(alice()).to_vec(), vec![0, 2, 3]);
			create(&alice(), 10, 20);
		});
	}

	#[test]
	fn oversized_resource_id_cannot_be_decoded_into_a_call() {
		use codec::{Decode, Encode};
		let too_long = vec![1u8; 65];
		let encoded = (too_long, 1u128, 2u128, 10u64).encode();
		type Args =
			(BoundedVec<u8, <Test as crate::Config>::MaxResourceIdLen>, Balance, Balance, u64);
		assert!(Args::decode(&mut &encoded[..]).is_err());
	}
}

mod settle {
	use super::*;

	#[test]
	fn pays_the_increment_of_cumulative_vouchers() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			// Bob settles after 3 chunks of 10, then after 7 chunks.
			assert_ok!(settle(&bob(), id, 30, voucher_sig("Alice", id, &bob(), 30)));
			assert_eq!(free(&bob()), INITIAL + 30);
			assert_eq!(Paid::<Test>::get(id, bob()), Some(30));
			assert_eq!(
				last_event(),
				Event::Settled { pool_id: id, target: bob(), amount: 30, paid: 30 }
			);

			assert_ok!(settle(&bob(), id, 70, voucher_sig("Alice", id, &bob(), 70)));
			assert_eq!(free(&bob()), INITIAL + 70);
			assert_eq!(Paid::<Test>::get(id, bob()), Some(70));
			assert_eq!(
				last_event(),
				Event::Settled { pool_id: id, target: bob(), amount: 70, paid: 40 }
			);

			let pool = Pools::<Test>::get(id).unwrap();
			assert_eq!((pool.deposit, pool.collateral, pool.payees), (DEPOSIT - 70, COLLATERAL, 1));
			assert_eq!(held(HoldReason::PoolDeposit, &escrow()), DEPOSIT - 70);
			assert_eq!(free(&alice()), INITIAL - DEPOSIT - COLLATERAL);
		});
	}

	#[test]
	fn a_viewer_pays_twelve_peers_in_parallel() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			let peers = peer_names(12);
			// Round-robin chunks of value 5: peer i serves i + 1 chunks. Each peer keeps only its
			// latest (cumulative) voucher.
			let mut latest: Vec<(Balance, MultiSignature)> = Vec::new();
			for (i, name) in peers.iter().enumerate() {
				let mut best = None;
				for chunk in 1..=(i as Balance + 1) {
					best = Some((chunk * 5, voucher_sig("Alice", id, &account(name), chunk * 5)));
				}
				latest.push(best.unwrap());
			}
			for (name, (amount, sig)) in peers.iter().zip(latest) {
				assert_ok!(settle(&account(name), id, amount, sig));
			}
			let mut total = 0;
			for (i, name) in peers.iter().enumerate() {
				let owed = (i as Balance + 1) * 5;
				total += owed;
				assert_eq!(free(&account(name)), INITIAL + owed);
				assert_eq!(Paid::<Test>::get(id, account(name)), Some(owed));
			}
			assert_eq!(total, 390);
			let pool = Pools::<Test>::get(id).unwrap();
			assert_eq!((pool.deposit, pool.payees, pool.overdrawn), (DEPOSIT - total, 12, false));
			assert_eq!(held(HoldReason::PoolDeposit, &escrow()), DEPOSIT - total);
		});
	}

	#[test]
	fn replayed_and_stale_vouchers_pay_nothing() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			let v50 = voucher_sig("Alice", id, &bob(), 50);
			let v20 = voucher_sig("Alice", id, &bob(), 20);
			assert_ok!(settle(&bob(), id, 50, v50.clone()));
			assert_noop!(settle(&bob(), id, 50, v50), Error::<Test>::StaleVoucher);
			assert_noop!(settle(&bob(), id, 20, v20), Error::<Test>::StaleVoucher);
			assert_noop!(
				settle(&charlie(), id, 0, voucher_sig("Alice", id, &charlie(), 0)),
				Error::<Test>::StaleVoucher
			);
			assert_eq!(free(&bob()), INITIAL + 50);
		});
	}

	#[test]
	fn forged_and_misdirected_vouchers_are_rejected() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			let other = create(&alice(), DEPOSIT, COLLATERAL);
			// Signed by Bob himself, not the owner.
			assert_noop!(
				settle(&bob(), id, 10, voucher_sig("Bob", id, &bob(), 10)),
				Error::<Test>::BadSignature
			);
			// A voucher for Charlie, submitted by Bob.
			assert_noop!(
				settle(&bob(), id, 10, voucher_sig("Alice", id, &charlie(), 10)),
				Error::<Test>::BadSignature
			);
			// A voucher of another pool of the same owner.
			assert_noop!(
				settle(&bob(), id, 10, voucher_sig("Alice", other, &bob(), 10)),
				Error::<Test>::BadSignature
			);
			// A voucher for 10 claimed as 11.
			assert_noop!(
				settle(&bob(), id, 11, voucher_sig("Alice", id, &bob(), 10)),
				Error::<Test>::BadSignature
			);
			// A voucher for another chain.
			let foreign =
				Voucher { genesis_hash: [7; 32], pool_id: id, target: *bob().as_ref(), amount: 10 };
			let sig = MultiSignature::Sr25519(pair("Alice").sign(&foreign.payload()));
			assert_noop!(settle(&bob(), id, 10, sig), Error::<Test>::BadSignature);
			// A malleated signature (one bit flipped).
			let MultiSignature::Sr25519(mut raw) = voucher_sig("Alice", id, &bob(), 10) else {
				unreachable!()
			};
			raw.0[10] ^= 1;
			assert_noop!(
				settle(&bob(), id, 10, MultiSignature::Sr25519(raw)),
				Error::<Test>::BadSignature
			);
			// A signature of the right bytes under another scheme.
			let ed = ed25519::Pair::from_string("//Alice", None).unwrap();
			let voucher = Voucher {
				genesis_hash: GENESIS_HASH,
				pool_id: id,
				target: *bob().as_ref(),
				amount: 10,
			};
			assert_noop!(
				settle(&bob(), id, 10, MultiSignature::Ed25519(ed.sign(&voucher.payload()))),
				Error::<Test>::BadSignature
			);
		});
	}

	#[test]
	fn wallet_wrapped_signatures_are_accepted() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			let voucher = Voucher {
				genesis_hash: GENESIS_HASH,
				pool_id: id,
				target: *bob().as_ref(),
				amount: 25,
			};
			let sig = MultiSignature::Sr25519(pair("Alice").sign(&voucher.wrapped_payload()));
			assert_ok!(settle(&bob(), id, 25, sig));
			assert_eq!(free(&bob()), INITIAL + 25);
		});
	}

	#[test]
	fn the_pallet_builds_the_documented_voucher() {
		build_and_execute(|| {
			let expected = Voucher {
				genesis_hash: GENESIS_HASH,
				pool_id: 3,
				target: *bob().as_ref(),
				amount: 9,
			};
			assert_eq!(MicropaymentPool::voucher(3, &bob(), 9), expected);
			assert_eq!(MicropaymentPool::genesis_hash(), GENESIS_HASH);
		});
	}

	#[test]
	fn unknown_and_expired_pools_do_not_settle() {
		build_and_execute(|| {
			assert_noop!(
				settle(&bob(), 9, 10, voucher_sig("Alice", 9, &bob(), 10)),
				Error::<Test>::UnknownPool
			);
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			System::set_block_number(DURATION); // expiry - 1: still open
			assert_ok!(settle(&bob(), id, 10, voucher_sig("Alice", id, &bob(), 10)));
			System::set_block_number(CLOSE_AT - 1); // the last block of the grace window
			assert_ok!(settle(&bob(), id, 15, voucher_sig("Alice", id, &bob(), 15)));
			System::set_block_number(CLOSE_AT); // the window is over
			assert_noop!(
				settle(&bob(), id, 20, voucher_sig("Alice", id, &bob(), 20)),
				Error::<Test>::PoolExpired
			);
		});
	}

	#[test]
	fn any_number_of_peers_settle() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			for name in peer_names(20) {
				let peer = account(&name);
				assert_ok!(settle(&peer, id, 1, voucher_sig("Alice", id, &peer, 1)));
			}
			assert_eq!(Pools::<Test>::get(id).unwrap().payees, 20);
			assert_ok!(settle(&bob(), id, 2, voucher_sig("Alice", id, &bob(), 2)));
			assert_eq!(Pools::<Test>::get(id).unwrap().payees, 21);
		});
	}

	#[test]
	fn unsigned_origin_is_rejected() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_noop!(
				MicropaymentPool::settle(
					RuntimeOrigin::none(),
					id,
					10,
					voucher_sig("Alice", id, &bob(), 10)
				),
				DispatchError::BadOrigin
			);
		});
	}
}

mod double_spend {
	use super::*;

	/// The pot a forfeiture keeps: 50% of the collateral's excess over the total deposit.
	const POT: Balance = (COLLATERAL - DEPOSIT) / 2;

	#[test]
	fn the_first_overdraw_slashes_all_but_the_pot_at_once() {
		build_and_execute(|| {
			let issuance = Balances::total_issuance();
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			// Edward (a sock puppet) drains the deposit; the pool is not overdrawn yet.
			assert_ok!(settle(&edward(), id, DEPOSIT, voucher_sig("Alice", id, &edward(), DEPOSIT)));
			assert!(!Pools::<Test>::get(id).unwrap().overdrawn);
			assert_eq!(Balances::total_issuance(), issuance);

			// Bob, honest, is owed 300: the pool is overdrawn, the collateral forfeited.
			assert_ok!(settle(&bob(), id, 300, voucher_sig("Alice", id, &bob(), 300)));
			let events = pool_events();
			assert_eq!(
				events[events.len() - 3..],
				[
					Event::CollateralForfeited {
						pool_id: id,
						owner: alice(),
						slashed: COLLATERAL - POT,
						pot: POT
					},
					Event::PoolOverdrawn {
						pool_id: id,
						owner: alice(),
						victim: bob(),
						shortfall: 300,
						compensation: POT
					},
					Event::Settled { pool_id: id, target: bob(), amount: 300, paid: POT },
				]
			);
			assert_eq!(free(&bob()), INITIAL + POT);
			assert_eq!(Balances::total_issuance(), issuance - (COLLATERAL - POT));
			let pool = Pools::<Test>::get(id).unwrap();
			assert_eq!((pool.deposit, pool.collateral, pool.overdrawn), (0, 0, true));

			// Charlie finds the pot empty; his voucher is still recorded.
			assert_ok!(settle(&charlie(), id, 200, voucher_sig("Alice", id, &charlie(), 200)));
			assert_eq!(free(&charlie()), INITIAL);
			assert_eq!(Paid::<Test>::get(id, charlie()), Some(200));

			System::set_block_number(CLOSE_AT);
			assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id));
			assert_eq!(last_event(), closed(id, 0, 0, 0));
			assert_eq!(Balances::total_balance(&alice()), INITIAL - DEPOSIT - COLLATERAL);
		});
	}

	#[test]
	fn later_victims_share_what_is_left_of_the_pot() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_ok!(settle(&edward(), id, 900, voucher_sig("Alice", id, &edward(), 900)));
			// Bob: 100 from the deposit, 100 of the pot (250).
			assert_ok!(settle(&bob(), id, 200, voucher_sig("Alice", id, &bob(), 200)));
			assert_eq!(free(&bob()), INITIAL + 200);
			// Charlie: the 150 left of the pot for his 400.
			assert_ok!(settle(&charlie(), id, 400, voucher_sig("Alice", id, &charlie(), 400)));
			assert_eq!(free(&charlie()), INITIAL + 150);
			let pool = Pools::<Test>::get(id).unwrap();
			assert_eq!((pool.deposit, pool.collateral), (0, 0));
			assert_eq!(held(HoldReason::PoolCollateral, &escrow()), 0);
		});
	}

	#[test]
	fn partial_deposit_then_pot_in_one_settlement() {
		build_and_execute(|| {
			let id = create(&alice(), 100, 150);
			assert_ok!(settle(&bob(), id, 60, voucher_sig("Alice", id, &bob(), 60)));
			// Charlie's 70: 40 from the deposit, 25 (the whole pot) of the 30 short.
			assert_ok!(settle(&charlie(), id, 70, voucher_sig("Alice", id, &charlie(), 70)));
			assert_eq!(free(&charlie()), INITIAL + 65);
			let events = pool_events();
			assert_eq!(
				events[events.len() - 2],
				Event::PoolOverdrawn {
					pool_id: id,
					owner: alice(),
					victim: charlie(),
					shortfall: 30,
					compensation: 25
				}
			);
			let pool = Pools::<Test>::get(id).unwrap();
			assert_eq!((pool.deposit, pool.collateral, pool.overdrawn), (0, 0, true));
		});
	}

	#[test]
	fn claimable_reports_the_forfeiture() {
		build_and_execute(|| {
			let id = create(&alice(), 100, 150);
			let claim = MicropaymentPool::claimable(id, bob(), 130).unwrap();
			assert_eq!(
				claim,
				crate::Claim {
					payout: 125,
					from_deposit: 100,
					from_collateral: 25,
					shortfall: 30,
					slashed: 125
				}
			);
			assert!(matches!(
				MicropaymentPool::claimable(id, alice(), 1),
				Err(Error::<Test>::SelfPayment)
			));
		});
	}
}

mod close_pool {
	use super::*;

	#[test]
	fn refunds_exactly_what_was_not_paid_and_removes_storage() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_ok!(settle(&bob(), id, 120, voucher_sig("Alice", id, &bob(), 120)));
			assert_ok!(settle(&charlie(), id, 80, voucher_sig("Alice", id, &charlie(), 80)));
			System::set_block_number(CLOSE_AT);
			assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id));
			assert_eq!(last_event(), closed(id, DEPOSIT - 200, COLLATERAL, 0));
			assert_eq!(free(&alice()), INITIAL - 200);
			assert_eq!(held(HoldReason::PoolDeposit, &escrow()), 0);
			assert_eq!(held(HoldReason::PoolCollateral, &escrow()), 0);
			assert!(Pools::<Test>::get(id).is_none());
			assert!(!OwnerPools::<Test>::contains_key(alice()));
			// The records stay until reaped.
			assert_eq!(Paid::<Test>::iter_prefix(id).count(), 2);
			// A voucher for a closed pool is void.
			assert_noop!(
				settle(&bob(), id, 130, voucher_sig("Alice", id, &bob(), 130)),
				Error::<Test>::UnknownPool
			);
		});
	}

	#[test]
	fn early_close_and_strangers_are_refused() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			for block in [DURATION, 1 + DURATION, CLOSE_AT - 1] {
				System::set_block_number(block);
				assert_noop!(
					MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id),
					Error::<Test>::PoolNotExpired
				);
			}
			System::set_block_number(CLOSE_AT);
			assert_noop!(
				MicropaymentPool::close_pool(RuntimeOrigin::signed(bob()), id),
				Error::<Test>::NotOwner
			);
			assert_noop!(
				MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), 7),
				Error::<Test>::UnknownPool
			);
			assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id));
			assert_noop!(
				MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id),
				Error::<Test>::UnknownPool
			);
			assert_eq!(free(&alice()), INITIAL);
		});
	}

	#[test]
	fn anyone_may_close_an_overdrawn_pool_and_the_owner_gets_no_collateral() {
		build_and_execute(|| {
			let id = create(&alice(), 100, 150);
			// 130 owed: 100 from the deposit, 25 (the pot is 25) of the 30 short; 125 slashed.
			assert_ok!(settle(&bob(), id, 130, voucher_sig("Alice", id, &bob(), 130)));
			assert_eq!(free(&bob()), INITIAL + 125);
			System::set_block_number(CLOSE_AT);
			assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(charlie()), id));
			assert_eq!(last_event(), closed(id, 0, 0, 0));
			assert_eq!(Balances::total_balance(&alice()), INITIAL - 250);
			assert_eq!(free(&charlie()), INITIAL);
		});
	}

	#[test]
	fn a_hold_reduced_elsewhere_does_not_lock_the_pool() {
		use frame_support::traits::{
			fungible::MutateHold,
			tokens::{Fortitude, Precision},
		};
		// Not `build_and_execute`: the invariants are broken on purpose.
		new_test_ext().execute_with(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			// Something outside the pallet (governance, another pallet) burns held funds.
			assert_ok!(<Balances as MutateHold<_>>::burn_held(
				&HoldReason::PoolDeposit.into(),
				&escrow(),
				100,
				Precision::Exact,
				Fortitude::Force
			));
			System::set_block_number(CLOSE_AT);
			assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id));
			assert_eq!(last_event(), closed(id, DEPOSIT - 100, COLLATERAL, 0));
			assert_eq!(held(HoldReason::PoolDeposit, &escrow()), 0);
			assert_eq!(free(&alice()), INITIAL - 100);
		});
	}

	#[test]
	fn reap_removes_records_in_steps_and_returns_the_peers_deposits() {
		use crate::weights::WeightInfo;
		build_and_execute(|| {
			PayeeBase::set(7);
			let price = 7;
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			let peers: Vec<AccountId> = peer_names(5).iter().map(|n| account(n)).collect();
			for peer in &peers {
				assert_ok!(settle(peer, id, 10, voucher_sig("Alice", id, peer, 10)));
				assert_eq!(held(HoldReason::PayeeStorage, peer), price);
				assert_eq!(free(peer), INITIAL + 10 - price);
			}
			let reap = |limit| MicropaymentPool::reap_paid(RuntimeOrigin::signed(dave()), id, limit);
			assert_noop!(reap(10), Error::<Test>::PoolOpen);
			assert_noop!(
				MicropaymentPool::reap_paid(RuntimeOrigin::signed(dave()), 99, 10),
				Error::<Test>::UnknownPool
			);
			System::set_block_number(CLOSE_AT);
			assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id));
			assert_noop!(reap(0), Error::<Test>::NothingToReap);

			let post = reap(3).unwrap();
			assert_eq!(post.actual_weight, Some(<() as WeightInfo>::reap_paid(3)));
			assert_eq!(last_event(), Event::PaidReaped { pool_id: id, removed: 3, remaining: true });
			let post = reap(10).unwrap();
			assert_eq!(post.actual_weight, Some(<() as WeightInfo>::reap_paid(2)));
			assert_eq!(last_event(), Event::PaidReaped { pool_id: id, removed: 2, remaining: false });
			assert_noop!(reap(10), Error::<Test>::NothingToReap);
			for peer in &peers {
				assert_eq!(held(HoldReason::PayeeStorage, peer), 0);
				assert_eq!(free(peer), INITIAL + 10);
			}
			assert_eq!(Paid::<Test>::iter_prefix(id).count(), 0);
		});
	}
}

mod runtime_checks {
	use super::*;

	#[test]
	fn integrity_test_passes() {
		new_test_ext().execute_with(|| {
			<MicropaymentPool as Hooks<u64>>::integrity_test();
		});
	}

	#[test]
	fn storage_key_helpers_equal_frames_keys() {
		build_and_execute(|| {
			assert_eq!(
				Pools::<Test>::hashed_key_for(7),
				keys::pool_key(keys::PALLET_PREFIX, 7).to_vec()
			);
			assert_eq!(
				Paid::<Test>::hashed_key_for(7, bob()),
				keys::paid_key(keys::PALLET_PREFIX, 7, bob().as_ref()).to_vec()
			);
			assert_eq!(
				crate::OwnerPools::<Test>::hashed_key_for(alice()),
				keys::owner_pools_key(keys::PALLET_PREFIX, alice().as_ref()).to_vec()
			);
		});
	}

	#[test]
	fn try_state_detects_a_hold_mismatch() {
		new_test_ext().execute_with(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_ok!(MicropaymentPool::do_try_state());
			Pools::<Test>::mutate(id, |p| p.as_mut().unwrap().deposit = DEPOSIT - 1);
			assert!(MicropaymentPool::do_try_state().is_err());
		});
	}

	#[test]
	fn holds_are_not_spendable() {
		build_and_execute(|| {
			create(&alice(), DEPOSIT, COLLATERAL);
			let spendable = INITIAL - DEPOSIT - COLLATERAL;
			assert_noop!(
				<Balances as frame_support::traits::fungible::Mutate<_>>::transfer(
					&alice(),
					&bob(),
					spendable + 1,
					frame_support::traits::tokens::Preservation::Expendable
				),
				TokenError::FundsUnavailable
			);
		});
	}
}

mod adversary;
mod attacks;
mod batch;
mod batch_deposits;
mod custody;
mod funds;
mod invariants;
mod signer;
