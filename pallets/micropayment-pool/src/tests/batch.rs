//! `settle_batch`: one peer settles vouchers from many pools in one transaction; each voucher
//! succeeds or fails on its own.

use super::*;
use crate::{weights::WeightInfo, BatchOf, SettlementItem};
use codec::{Decode, Encode};
use frame_support::{dispatch::GetDispatchInfo, traits::Get};

fn batch(items: Vec<(u64, Balance, MultiSignature)>) -> BatchOf<Test> {
	items
		.into_iter()
		.map(|(pool_id, amount, signature)| SettlementItem { pool_id, amount, signature })
		.collect::<Vec<_>>()
		.try_into()
		.expect("within MaxBatch")
}

fn settle_batch(peer: &AccountId, items: Vec<(u64, Balance, MultiSignature)>) -> Result<
	frame_support::dispatch::PostDispatchInfo,
	sp_runtime::DispatchErrorWithPostInfo<frame_support::dispatch::PostDispatchInfo>,
> {
	MicropaymentPool::settle_batch(RuntimeOrigin::signed(peer.clone()), batch(items))
}

#[test]
fn one_peer_settles_many_viewers_in_one_call() {
	build_and_execute(|| {
		let a = create(&alice(), DEPOSIT, COLLATERAL);
		let c = create(&charlie(), DEPOSIT, COLLATERAL);
		let e = create(&edward(), DEPOSIT, COLLATERAL);
		let post = settle_batch(
			&bob(),
			vec![
				(a, 100, voucher_sig("Alice", a, &bob(), 100)),
				(c, 200, voucher_sig("Charlie", c, &bob(), 200)),
				(e, 300, voucher_sig("Edward", e, &bob(), 300)),
			],
		)
		.unwrap();
		assert_eq!(free(&bob()), INITIAL + 600);
		assert_eq!(Paid::<Test>::get(c, bob()), Some(200));
		assert_eq!(Pools::<Test>::get(e).unwrap().deposit, DEPOSIT - 300);
		assert_eq!(
			pool_events().into_iter().skip(3).collect::<Vec<_>>(),
			vec![
				Event::Settled { pool_id: a, target: bob(), amount: 100, paid: 100 },
				Event::Settled { pool_id: c, target: bob(), amount: 200, paid: 200 },
				Event::Settled { pool_id: e, target: bob(), amount: 300, paid: 300 },
				Event::BatchSettled { target: bob(), settled: 3, failed: 0 },
			]
		);
		// Three first settlements over raw payloads: the funds move once whatever the paths, so
		// each is refunded only the second signature check the wrapped charge assumed.
		let check = <() as WeightInfo>::settle_wrapped().saturating_sub(<() as WeightInfo>::settle());
		assert_eq!(
			post.actual_weight,
			Some(<() as WeightInfo>::settle_batch(3).saturating_sub(check.saturating_mul(3)))
		);
	});
}

#[test]
fn bad_and_duplicate_members_fail_alone() {
	build_and_execute(|| {
		let a = create(&alice(), DEPOSIT, COLLATERAL);
		let c = create(&charlie(), DEPOSIT, COLLATERAL);
		let good = voucher_sig("Alice", a, &bob(), 100);
		settle_batch(
			&bob(),
			vec![
				(a, 100, good.clone()),
				(a, 100, good),                                  // duplicate
				(c, 500, voucher_sig("Alice", c, &bob(), 500)), // not Charlie's key
				(9, 10, voucher_sig("Alice", 9, &bob(), 10)),   // no such pool
				(c, 50, voucher_sig("Charlie", c, &bob(), 50)),
				(a, 0, voucher_sig("Alice", a, &bob(), 0)),     // stale zero
			],
		)
		.unwrap();
		assert_eq!(free(&bob()), INITIAL + 150);
		assert_eq!(Paid::<Test>::get(c, bob()), Some(50));
		let failed = |pool_id, amount, error: Error<Test>| Event::SettlementFailed {
			pool_id,
			target: bob(),
			amount,
			error: error.into(),
		};
		assert_eq!(
			pool_events().into_iter().skip(2).collect::<Vec<_>>(),
			vec![
				Event::Settled { pool_id: a, target: bob(), amount: 100, paid: 100 },
				failed(a, 100, Error::StaleVoucher),
				failed(c, 500, Error::BadSignature),
				failed(9, 10, Error::UnknownPool),
				Event::Settled { pool_id: c, target: bob(), amount: 50, paid: 50 },
				failed(a, 0, Error::StaleVoucher),
				Event::BatchSettled { target: bob(), settled: 2, failed: 4 },
			]
		);
	});
}

#[test]
fn a_batch_that_overdraws_compensates_and_continues() {
	build_and_execute(|| {
		let a = create(&alice(), DEPOSIT, COLLATERAL);
		assert_ok!(settle(&charlie(), a, 900, voucher_sig("Alice", a, &charlie(), 900)));
		let e = create(&edward(), DEPOSIT, COLLATERAL);
		settle_batch(
			&bob(),
			vec![
				(a, 300, voucher_sig("Alice", a, &bob(), 300)),
				(e, 10, voucher_sig("Edward", e, &bob(), 10)),
			],
		)
		.unwrap();
		assert_eq!(free(&bob()), INITIAL + 310);
		assert!(Pools::<Test>::get(a).unwrap().overdrawn);
		assert!(pool_events().contains(&Event::PoolOverdrawn {
			pool_id: a,
			owner: alice(),
			victim: bob(),
			shortfall: 200,
			compensation: 200,
		}));
	});
}

#[test]
fn empty_unsigned_and_oversized_batches_are_refused() {
	build_and_execute(|| {
		assert_noop!(settle_batch(&bob(), vec![]), Error::<Test>::EmptyBatch);
		assert_noop!(
			MicropaymentPool::settle_batch(RuntimeOrigin::none(), batch(vec![])),
			DispatchError::BadOrigin
		);
		// MaxBatch + 1 vouchers cannot even be decoded into a call.
		let max = <<Test as crate::Config>::MaxBatch as Get<u32>>::get() as usize;
		let sig = voucher_sig("Alice", 0, &bob(), 1);
		let items = vec![SettlementItem::<Balance, _> { pool_id: 0, amount: 1, signature: sig }; max + 1];
		let mut encoded = vec![2u8, 5u8]; // pallet index 2, call index 5
		encoded.extend(items.encode());
		assert!(RuntimeCall::decode(&mut &encoded[..]).is_err());
		let mut fits = vec![2u8, 5u8];
		fits.extend(items[..max].to_vec().encode());
		assert!(RuntimeCall::decode(&mut &fits[..]).is_ok());
	});
}

#[test]
fn weight_scales_with_the_batch_and_is_refunded_for_early_failures() {
	build_and_execute(|| {
		let sig = voucher_sig("Alice", 9, &bob(), 1);
		let call = crate::Call::<Test>::settle_batch { vouchers: batch(vec![(9, 1, sig.clone()); 4]) };
		assert_eq!(call.get_dispatch_info().call_weight, <() as WeightInfo>::settle_batch(4));
		// Four unknown pools: none reaches the signature check.
		let post = settle_batch(&bob(), vec![(9, 1, sig); 4]).unwrap();
		let actual = post.actual_weight.unwrap();
		assert!(actual.all_lt(<() as WeightInfo>::settle_batch(1)));
		assert_eq!(
			last_event(),
			Event::BatchSettled { target: bob(), settled: 0, failed: 4 }
		);
	});
}

/// A batch moves funds and holds its new records' deposits once at its end, so a peer's first
/// settlement there costs what a repeat does plus a check and the record's write: a repeat
/// voucher is refunded that write (and, signed over the raw payload, the second check), no more
/// (a single `settle` refunds the whole hold it skips).
#[test]
fn repeat_vouchers_are_refunded_the_record_write_in_a_batch() {
	build_and_execute(|| {
		let a = create(&alice(), DEPOSIT, COLLATERAL);
		settle_batch(&bob(), vec![(a, 100, voucher_sig("Alice", a, &bob(), 100))]).unwrap();
		let post = settle_batch(&bob(), vec![(a, 300, voucher_sig("Alice", a, &bob(), 300))]).unwrap();
		assert_eq!(last_event(), Event::BatchSettled { target: bob(), settled: 1, failed: 0 });
		let check = <() as WeightInfo>::settle_wrapped().saturating_sub(<() as WeightInfo>::settle());
		let record = <Test as frame_system::Config>::DbWeight::get().writes(1);
		assert!(record.ref_time() > 0, "the mock's database costs something");
		assert_eq!(
			post.actual_weight,
			Some(<() as WeightInfo>::settle_batch(1).saturating_sub(check).saturating_sub(record))
		);
	});
}
