//! `top_up`, `extend`, the storage deposit and the settlement weight refund.

use super::*;
use crate::{weights::WeightInfo, Claim, PoolTickets};
use frame_support::dispatch::{GetDispatchInfo, Pays, PostDispatchInfo};

fn top_up(who: &AccountId, id: u64, deposit: Balance, collateral: Balance) -> DispatchResultLike {
	MicropaymentPool::top_up(RuntimeOrigin::signed(who.clone()), id, deposit, collateral)
}

type DispatchResultLike = sp_runtime::DispatchResult;

mod top_up {
	use super::*;

	#[test]
	fn adds_funds_and_holds_them() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_ok!(top_up(&alice(), id, 500, 800));
			let pool = Pools::<Test>::get(id).unwrap();
			assert_eq!((pool.deposit, pool.collateral), (DEPOSIT + 500, COLLATERAL + 800));
			assert_eq!(held(HoldReason::PoolDeposit, &escrow()), DEPOSIT + 500);
			assert_eq!(held(HoldReason::PoolCollateral, &escrow()), COLLATERAL + 800);
			assert_eq!(free(&alice()), INITIAL - DEPOSIT - COLLATERAL - 1_300);
			assert_eq!(
				last_event(),
				Event::PoolToppedUp { pool_id: id, deposit: 1_500, collateral: 2_300 }
			);
			// Collateral alone is fine too; the deposit then pays peers as usual.
			assert_ok!(top_up(&alice(), id, 0, 1));
			assert_ok!(settle(&bob(), id, 1_400, voucher_sig("Alice", id, &bob(), 1_400)));
			assert_eq!(free(&bob()), INITIAL + 1_400);
		});
	}

	#[test]
	fn hostile_top_ups_change_nothing() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_noop!(top_up(&bob(), id, 10, 20), Error::<Test>::NotOwner);
			assert_noop!(top_up(&alice(), 99, 10, 20), Error::<Test>::UnknownPool);
			assert_noop!(top_up(&alice(), id, 0, 0), Error::<Test>::NothingToAdd);
			// More deposit than collateral would narrow the margin C − D peers were shown.
			assert_noop!(top_up(&alice(), id, 1_000, 0), Error::<Test>::MarginWouldShrink);
			assert_noop!(top_up(&alice(), id, 500, 499), Error::<Test>::MarginWouldShrink);
			assert_ok!(top_up(&alice(), id, 500, 500));
			assert_noop!(top_up(&alice(), id, u128::MAX, 0), Error::<Test>::Overflow);
			assert_noop!(top_up(&alice(), id, 0, u128::MAX), Error::<Test>::Overflow);
			assert_noop!(
				top_up(&alice(), id, INITIAL, 2 * INITIAL),
				Error::<Test>::InsufficientBalance
			);
			assert_noop!(
				MicropaymentPool::top_up(RuntimeOrigin::none(), id, 1, 2),
				DispatchError::BadOrigin
			);
			System::set_block_number(1 + DURATION);
			assert_noop!(top_up(&alice(), id, 10, 20), Error::<Test>::PoolExpired);
		});
	}

	#[test]
	fn an_overdrawn_pool_takes_no_more_funds() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_ok!(settle(&bob(), id, 1_200, voucher_sig("Alice", id, &bob(), 1_200)));
			assert!(Pools::<Test>::get(id).unwrap().overdrawn);
			assert_noop!(top_up(&alice(), id, 100, 200), Error::<Test>::Overdrawn);
		});
	}

	#[test]
	fn the_margin_peers_were_shown_never_shrinks() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			let margin = |id| Pools::<Test>::get(id).map(|p| p.collateral - p.total_deposit);
			assert_eq!(margin(id), Some(500));
			// The shown pot of r · (C − D) cannot be emptied by a deposit-only top-up either.
			let pot = MicropaymentPool::compensation_pot(&Pools::<Test>::get(id).unwrap());
			assert_noop!(top_up(&alice(), id, 499, 0), Error::<Test>::MarginWouldShrink);
			assert_noop!(top_up(&alice(), id, 2, 1), Error::<Test>::MarginWouldShrink);
			assert_ok!(top_up(&alice(), id, 2, 2));
			assert_eq!(margin(id), Some(500));
			assert_ok!(top_up(&alice(), id, 0, 7));
			assert_eq!(margin(id), Some(507));
			assert!(MicropaymentPool::compensation_pot(&Pools::<Test>::get(id).unwrap()) >= pot);
		});
	}

	#[test]
	fn the_collateral_must_stay_above_the_total_deposit() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			// Half the deposit paid out: remaining 500, but 1_000 was ever trusted to the pool.
			assert_ok!(settle(&bob(), id, 500, voucher_sig("Alice", id, &bob(), 500)));
			// 1_000 + 5_000 deposit ever would need 6_600 collateral (10% excess); 6_500 is
			// short, although the top-up keeps the margin.
			assert_noop!(top_up(&alice(), id, 5_000, 5_000), Error::<Test>::InsufficientCollateral);
			assert_ok!(top_up(&alice(), id, 5_000, 5_100));
			let pool = Pools::<Test>::get(id).unwrap();
			assert_eq!((pool.deposit, pool.total_deposit, pool.collateral), (5_500, 6_000, 6_600));
		});
	}
}

mod extend {
	use super::*;

	fn extend(who: &AccountId, id: u64, blocks: u64) -> DispatchResultLike {
		MicropaymentPool::extend(RuntimeOrigin::signed(who.clone()), id, blocks)
	}

	#[test]
	fn moves_the_expiry_and_peers_settle_later() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_ok!(extend(&alice(), id, 50));
			assert_eq!(Pools::<Test>::get(id).unwrap().expiry, 1 + DURATION + 50);
			assert_eq!(last_event(), Event::PoolExtended { pool_id: id, expiry: 151 });
			System::set_block_number(CLOSE_AT);
			assert_ok!(settle(&bob(), id, 10, voucher_sig("Alice", id, &bob(), 10)));
			assert_noop!(
				MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id),
				Error::<Test>::PoolNotExpired
			);
		});
	}

	#[test]
	fn hostile_extensions_change_nothing() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_noop!(extend(&bob(), id, 10), Error::<Test>::NotOwner);
			assert_noop!(extend(&alice(), 99, 10), Error::<Test>::UnknownPool);
			assert_noop!(extend(&alice(), id, 0), Error::<Test>::NothingToAdd);
			// Expiry is block 101; MaxDuration is 1,000 blocks from now (block 1).
			assert_noop!(extend(&alice(), id, 901), Error::<Test>::DurationTooLong);
			assert_ok!(extend(&alice(), id, 900));
			assert_noop!(extend(&alice(), id, u64::MAX), Error::<Test>::Overflow);
			System::set_block_number(1_001);
			assert_noop!(extend(&alice(), id, 1), Error::<Test>::PoolExpired);
		});
	}
}

mod storage_deposit {
	use super::*;

	/// Base 5 + 1 per byte of the pool's largest record.
	fn with_price(test: impl FnOnce(Balance)) {
		build_and_execute(|| {
			StorageBase::set(5);
			StorageByte::set(1);
			let price = 5 + MicropaymentPool::pool_footprint().size as Balance;
			test(price);
		});
	}

	#[test]
	fn held_while_open_and_returned_on_close() {
		with_price(|price| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert!(PoolTickets::<Test>::contains_key(id));
			assert_eq!(held(HoldReason::PoolStorage, &alice()), price);
			assert_eq!(free(&alice()), INITIAL - DEPOSIT - COLLATERAL - price);
			System::set_block_number(CLOSE_AT);
			assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(alice()), id));
			assert!(!PoolTickets::<Test>::contains_key(id));
			assert_eq!(held(HoldReason::PoolStorage, &alice()), 0);
			assert_eq!(free(&alice()), INITIAL);
		});
	}

	#[test]
	fn returned_to_the_owner_even_when_a_stranger_closes_an_overdrawn_pool() {
		with_price(|price| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_ok!(settle(&bob(), id, 1_100, voucher_sig("Alice", id, &bob(), 1_100)));
			System::set_block_number(CLOSE_AT);
			let before = free(&alice());
			assert_ok!(MicropaymentPool::close_pool(RuntimeOrigin::signed(charlie()), id));
			assert_eq!(free(&alice()), before + price);
		});
	}

	#[test]
	fn a_creator_who_cannot_pay_it_creates_nothing() {
		with_price(|_| {
			// Everything but the storage deposit fits.
			let deposit = 400_000;
			let collateral = INITIAL - EXISTENTIAL_DEPOSIT - deposit;
			assert_noop!(
				MicropaymentPool::create_pool(
					RuntimeOrigin::signed(alice()),
					resource(b"x"),
					deposit,
					collateral,
					DURATION
				),
				Error::<Test>::InsufficientBalance
			);
		});
	}
}

mod weights_and_claims {
	use super::*;

	fn claimable(id: u64, who: &AccountId, amount: Balance) -> Result<Claim<Balance>, DispatchError> {
		MicropaymentPool::claimable(id, who.clone(), amount).map_err(Into::into)
	}

	#[test]
	fn raw_signatures_are_refunded_to_one_check() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			let call = crate::Call::<Test>::settle {
				pool_id: id,
				amount: 10,
				signature: voucher_sig("Alice", id, &bob(), 10),
			};
			let charged = call.get_dispatch_info().call_weight;
			assert_eq!(charged, <() as WeightInfo>::settle_wrapped());
			let post = MicropaymentPool::settle(
				RuntimeOrigin::signed(bob()),
				id,
				10,
				voucher_sig("Alice", id, &bob(), 10),
			)
			.unwrap();
			// Raw, Bob's first settlement inside the deposit: one check on that path.
			assert_eq!(
				post,
				PostDispatchInfo {
					actual_weight: Some(<() as WeightInfo>::settle_new_payee()),
					pays_fee: Pays::Yes
				}
			);
			assert!(<() as WeightInfo>::settle().ref_time() < charged.ref_time());
			// Wrapped: the second check stands, refunded to the path of a peer already paid.
			let voucher = MicropaymentPool::voucher(id, &bob(), 20);
			let wrapped = MultiSignature::Sr25519(pair("Alice").sign(&voucher.wrapped_payload()));
			let post =
				MicropaymentPool::settle(RuntimeOrigin::signed(bob()), id, 20, wrapped).unwrap();
			let path = <() as WeightInfo>::settle().saturating_sub(<() as WeightInfo>::settle_repeat());
			assert_eq!(
				post.actual_weight,
				Some(<() as WeightInfo>::settle_wrapped().saturating_sub(path))
			);
		});
	}

	/// The generated weights keep the order of the work each path does (benchmarks on this kind
	/// of machine are noisy: a regenerated file that breaks it would over- or under-refund).
	#[test]
	fn each_settlement_path_is_charged_its_own_benchmark() {
		let w = |f: fn() -> frame_support::weights::Weight| f();
		let (repeat, new_payee, worst) = (
			w(<() as WeightInfo>::settle_repeat),
			w(<() as WeightInfo>::settle_new_payee),
			w(<() as WeightInfo>::settle),
		);
		assert!(repeat.ref_time() < new_payee.ref_time(), "a new record costs more");
		assert!(new_payee.ref_time() < worst.ref_time(), "a slash and a second transfer cost more");
		assert!(repeat.all_lte(new_payee) && new_payee.all_lte(worst));
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			let post = |peer: &AccountId, amount| {
				MicropaymentPool::settle(
					RuntimeOrigin::signed(peer.clone()),
					id,
					amount,
					voucher_sig("Alice", id, peer, amount),
				)
				.unwrap()
				.actual_weight
			};
			assert_eq!(post(&bob(), 100), Some(new_payee));
			assert_eq!(post(&bob(), 200), Some(repeat));
			// Charlie overdraws the pool: the forfeiting path, charged in full.
			assert_eq!(post(&charlie(), DEPOSIT), Some(worst));
			assert!(Pools::<Test>::get(id).unwrap().overdrawn);
		});
	}

	#[test]
	fn ecdsa_signatures_are_charged_for_key_recovery() {
		use sp_core::ecdsa;
		use sp_runtime::traits::IdentifyAccount;
		build_and_execute(|| {
			let key = ecdsa::Pair::from_string("//Ferdie", None).unwrap();
			let owner = sp_runtime::MultiSigner::from(key.public()).into_account();
			<Balances as frame_support::traits::fungible::Mutate<_>>::set_balance(&owner, INITIAL);
			let id = create(&owner, DEPOSIT, COLLATERAL);
			let voucher = MicropaymentPool::voucher(id, &bob(), 10);
			let signature = MultiSignature::Ecdsa(key.sign(&voucher.payload()));
			let call = crate::Call::<Test>::settle { pool_id: id, amount: 10, signature: signature.clone() };
			assert_eq!(call.get_dispatch_info().call_weight, <() as WeightInfo>::settle_ecdsa_wrapped());
			let post =
				MicropaymentPool::settle(RuntimeOrigin::signed(bob()), id, 10, signature).unwrap();
			let path =
				<() as WeightInfo>::settle().saturating_sub(<() as WeightInfo>::settle_new_payee());
			assert_eq!(
				post.actual_weight,
				Some(<() as WeightInfo>::settle_ecdsa().saturating_sub(path))
			);
			assert_eq!(free(&bob()), INITIAL + 10);
			// A batch charges each ECDSA voucher its extra cost.
			let voucher = MicropaymentPool::voucher(id, &bob(), 20);
			let item = crate::SettlementItem {
				pool_id: id,
				amount: 20,
				signature: MultiSignature::Ecdsa(key.sign(&voucher.payload())),
			};
			let batch = crate::Call::<Test>::settle_batch { vouchers: vec![item].try_into().unwrap() };
			let extra = <() as WeightInfo>::settle_ecdsa_wrapped()
				.saturating_sub(<() as WeightInfo>::settle_wrapped());
			assert_eq!(
				batch.get_dispatch_info().call_weight,
				<() as WeightInfo>::settle_batch(1).saturating_add(extra)
			);
		});
	}

	#[test]
	fn claimable_predicts_the_settlement() {
		build_and_execute(|| {
			let id = create(&alice(), DEPOSIT, COLLATERAL);
			assert_ok!(settle(&bob(), id, 300, voucher_sig("Alice", id, &bob(), 300)));
			assert_eq!(
				claimable(id, &bob(), 500),
				Ok(Claim { payout: 200, from_deposit: 200, from_collateral: 0, shortfall: 0, slashed: 0 })
			);
			// Charlie's 900 finds 700 of deposit: 200 short, paid from the pot of 250; the other
			// 1_250 of the collateral is slashed.
			let claim = claimable(id, &charlie(), 900).expect("claimable");
			assert_eq!(
				claim,
				Claim {
					payout: 900,
					from_deposit: 700,
					from_collateral: 200,
					shortfall: 200,
					slashed: 1_250
				}
			);
			assert_ok!(settle(&charlie(), id, 900, voucher_sig("Alice", id, &charlie(), 900)));
			assert_eq!(free(&charlie()), INITIAL + claim.payout);
			assert_eq!(claimable(id, &bob(), 300), Err(Error::<Test>::StaleVoucher.into()));
			assert_eq!(claimable(9, &bob(), 300), Err(Error::<Test>::UnknownPool.into()));
			System::set_block_number(CLOSE_AT);
			assert_eq!(claimable(id, &bob(), 400), Err(Error::<Test>::PoolExpired.into()));
		});
	}
}
