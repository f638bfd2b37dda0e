//! Call sequences on a mock runtime of its own (system, balances, the pallet): the fuzzer picks
//! callers, calls and arguments, vouchers signed by the owner (to peers or to itself), by
//! strangers, or junk, time jumps across expiry and the settlement window, and locks on any
//! account (a viewer's own locks must not block its payouts). After every call it checks:
//!
//! - the pallet's `do_try_state`;
//! - a failed call changed no storage (storage root);
//! - total issuance fell by exactly what forfeitures and closes slashed, and the accounts' total
//!   balances (free + reserved) fell by exactly that too: the pallet only moves or slashes funds;
//! - per pool, from its events and records: the record's `total_deposit` is all deposit
//!   ever locked; a pool that is not overdrawn keeps `collateral > total_deposit` (the bound of
//!   Theorem IV.1 needs it); at the first overdraw `slashed + pot` is the whole collateral and the
//!   pot is `CompensationShare` of `collateral − total_deposit`; what peers and the owner ever get
//!   out of the pool is at most `total_deposit + pot` (no "compensation" beyond the cap); at close
//!   everything locked is accounted for (paid + refunded + slashed);
//! - windows: `settle` succeeds only before `expiry + SettlementGrace`, `close_pool` only after
//!   it, `top_up` / `extend` only before `expiry` and never on an overdrawn pool; `reap_paid`
//!   only on a closed pool, releasing storage deposits without moving any other funds;
//! - no blocking (guarantee 2): a voucher the owner signed to another account, settled inside
//!   the window and above what that account was already paid, settles — the only error allowed
//!   is the peer's own `PayeeDepositUnavailable` on its first settlement in the pool; and a peer
//!   paid less than its voucher leaves the pool overdrawn (forfeited).

#![no_main]

use arbitrary::Arbitrary;
use frame_support::{
	derive_impl, parameter_types,
	traits::{
		fungible::{HoldConsideration, Inspect},
		ConstU128, ConstU32, ConstU64, LinearStoragePrice, LockableCurrency, WithdrawReasons,
	},
};
use libfuzzer_sys::fuzz_target;
use pallet_micropayment_pool::{
	Call as PoolCall, Error as PoolError, Event as PoolEvent, Paid, Pools, SettlementItem,
};
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{
	traits::{Dispatchable, IdentityLookup},
	AccountId32, BuildStorage, DispatchError, MultiSignature, MultiSigner, Perbill,
	StateVersion,
};
use std::collections::BTreeMap;

type Balance = u128;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeHoldReason,
		RuntimeFreezeReason,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type MicropaymentPool = pallet_micropayment_pool;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = frame_system::mocking::MockBlock<Test>;
	type AccountId = AccountId32;
	type Lookup = IdentityLookup<AccountId32>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

/// Blocks after expiry during which vouchers still settle (the mock's and dev chain's 5).
const GRACE: u64 = 5;

parameter_types! {
	pub const ExistentialDeposit: Balance = 1;
	pub const StorageReason: RuntimeHoldReason =
		RuntimeHoldReason::MicropaymentPool(pallet_micropayment_pool::HoldReason::PoolStorage);
	/// r: the share of `collateral − total_deposit` kept as a compensation pot.
	pub const CompensationShare: Perbill = Perbill::from_percent(50);
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type ExistentialDeposit = ExistentialDeposit;
	type AccountStore = System;
}

#[derive_impl(pallet_micropayment_pool::config_preludes::TestDefaultConfig)]
impl pallet_micropayment_pool::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Signature = MultiSignature;
	type Signer = MultiSigner;
	type OnSlash = ();
	type MinDuration = ConstU64<2>;
	type MaxDuration = ConstU64<500>;
	type MaxBatch = ConstU32<8>;
	type SettlementGrace = ConstU64<GRACE>;
	type CompensationShare = CompensationShare;
	/// Pool record: 3 + 1 per byte.
	type Consideration = HoldConsideration<
		AccountId32,
		Balances,
		StorageReason,
		LinearStoragePrice<ConstU128<3>, ConstU128<1>, Balance>,
	>;
	/// `Paid` record (56 bytes): 2 + 1 per byte = 58, held from the peer.
	type PayeeDeposit = LinearStoragePrice<ConstU128<2>, ConstU128<1>, Balance>;
}

/// Five funded accounts and a poor one (index 5) that can pay one `Paid` storage deposit, not two.
const ACCOUNTS: usize = 6;
const INITIAL: Balance = 1_000_000;
const POOR: Balance = 100;
const LOCK: [u8; 8] = *b"fuzzlock";

fn pair(i: usize) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[i as u8 + 1; 32])
}

fn user(i: usize) -> AccountId32 {
	pair(i % ACCOUNTS).public().into()
}

fn total(who: &AccountId32) -> Balance {
	<Balances as Inspect<AccountId32>>::total_balance(who)
}

fn all_totals() -> Balance {
	(0..ACCOUNTS).map(|i| total(&user(i))).sum()
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Signer {
	Owner,
	OwnerWrapped,
	Stranger(u8),
	Junk(u8),
}

impl Signer {
	fn is_owner(self) -> bool {
		matches!(self, Signer::Owner | Signer::OwnerWrapped)
	}
}

#[derive(Arbitrary, Debug)]
enum Op {
	Create { who: u8, deposit: u16, collateral: u16, duration: u16, resource_len: u8 },
	TopUp { who: u8, pool: u8, deposit: u128, collateral: u128 },
	Extend { who: u8, pool: u8, blocks: u64 },
	Settle { peer: u8, pool: u8, amount: u128, signer: Signer },
	Batch { peer: u8, items: Vec<(u8, u16, Signer)> },
	Close { who: u8, pool: u8 },
	Reap { who: u8, pool: u8, limit: u8 },
	/// Not a call: sets (0 removes) a balance lock on an account, e.g. a viewer's vesting.
	Lock { who: u8, amount: u32 },
	Advance { blocks: u8 },
}

fn sign(signer: Signer, pool: u64, peer: &AccountId32, amount: Balance) -> MultiSignature {
	let owner = Pools::<Test>::get(pool).map(|p| p.owner);
	let owner_index = (0..ACCOUNTS).find(|i| Some(user(*i)) == owner).unwrap_or(0);
	let voucher = MicropaymentPool::voucher(pool, peer, amount);
	match signer {
		Signer::Owner => MultiSignature::Sr25519(pair(owner_index).sign(&voucher.payload())),
		Signer::OwnerWrapped =>
			MultiSignature::Sr25519(pair(owner_index).sign(&voucher.wrapped_payload())),
		Signer::Stranger(i) =>
			MultiSignature::Sr25519(pair(usize::from(i) % ACCOUNTS).sign(&voucher.payload())),
		Signer::Junk(b) => MultiSignature::Sr25519(sr25519::Signature::from_raw([b; 64])),
	}
}

fn call(op: &Op) -> Option<(AccountId32, PoolCall<Test>)> {
	Some(match *op {
		Op::Create { who, deposit, collateral, duration, resource_len } => (
			user(who.into()),
			PoolCall::create_pool {
				resource_id: vec![7u8; usize::from(resource_len % 80)].try_into().ok()?,
				deposit: deposit.into(),
				collateral: collateral.into(),
				duration: duration.into(),
			},
		),
		Op::TopUp { who, pool, deposit, collateral } => (
			user(who.into()),
			PoolCall::top_up {
				pool_id: pool.into(),
				extra_deposit: deposit,
				extra_collateral: collateral,
			},
		),
		Op::Extend { who, pool, blocks } =>
			(user(who.into()), PoolCall::extend { pool_id: pool.into(), extra_blocks: blocks }),
		Op::Settle { peer, pool, amount, signer } => {
			let peer = user(peer.into());
			let signature = sign(signer, pool.into(), &peer, amount);
			(peer, PoolCall::settle { pool_id: pool.into(), amount, signature })
		},
		Op::Batch { peer, ref items } => {
			let peer = user(peer.into());
			let vouchers: Vec<_> = items
				.iter()
				.map(|&(pool, amount, signer)| SettlementItem {
					pool_id: u64::from(pool),
					amount: Balance::from(amount),
					signature: sign(signer, pool.into(), &peer, amount.into()),
				})
				.collect();
			(peer, PoolCall::settle_batch { vouchers: vouchers.try_into().ok()? })
		},
		Op::Close { who, pool } => (user(who.into()), PoolCall::close_pool { pool_id: pool.into() }),
		Op::Reap { who, pool, limit } =>
			(user(who.into()), PoolCall::reap_paid { pool_id: pool.into(), limit: limit.into() }),
		Op::Lock { .. } | Op::Advance { .. } => return None,
	})
}

/// What went into and out of one pool, from its events and records.
#[derive(Default, Debug)]
struct Flow {
	/// All deposit ever locked (creation and top-ups).
	deposit_in: Balance,
	/// All collateral ever locked.
	collateral_in: Balance,
	/// Paid to settling peers (`Settled.paid`).
	paid: Balance,
	/// Returned to the owner at close.
	refunded: Balance,
	/// Slashed at forfeiture and at close.
	slashed: Balance,
	/// The compensation pot kept at forfeiture.
	pot: Option<Balance>,
	closed: bool,
}

fn is(error: DispatchError, expected: PoolError<Test>) -> bool {
	error == DispatchError::from(expected)
}

fuzz_target!(|ops: Vec<Op>| {
	let mut storage = frame_system::GenesisConfig::<Test>::default()
		.build_storage()
		.expect("genesis builds; qed");
	pallet_balances::GenesisConfig::<Test> {
		balances: (0..ACCOUNTS)
			.map(|i| (user(i), if i == ACCOUNTS - 1 { POOR } else { INITIAL }))
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.expect("balances genesis; qed");
	sp_io::TestExternalities::new(storage).execute_with(|| {
		frame_system::BlockHash::<Test>::insert(0, H256([0x42; 32]));
		System::set_block_number(1);
		let issuance = pallet_balances::TotalIssuance::<Test>::get();
		let r = CompensationShare::get();
		let mut slashed: Balance = 0;
		let mut flows: BTreeMap<u64, Flow> = BTreeMap::new();
		for op in ops.iter().take(64) {
			match *op {
				Op::Advance { blocks } => {
					System::set_block_number(System::block_number() + u64::from(blocks));
					continue;
				},
				Op::Lock { who, amount } => {
					let who = user(who.into());
					if amount == 0 {
						<Balances as LockableCurrency<_>>::remove_lock(LOCK, &who);
					} else {
						<Balances as LockableCurrency<_>>::set_lock(
							LOCK,
							&who,
							amount.into(),
							WithdrawReasons::all(),
						);
					}
					continue;
				},
				_ => {},
			}
			let Some((who, call)) = call(op) else { continue };
			let now = System::block_number();
			let pools_before: BTreeMap<_, _> = Pools::<Test>::iter().collect();
			let next_before = pallet_micropayment_pool::NextPoolId::<Test>::get();
			let who_before = total(&who);
			let totals_before = all_totals();
			let (paid_before, paid_count_before) = match *op {
				Op::Settle { pool, .. } | Op::Reap { pool, .. } => (
					Paid::<Test>::contains_key(u64::from(pool), &who),
					Paid::<Test>::iter_prefix(u64::from(pool)).count(),
				),
				_ => (false, 0),
			};
			let settled_before = match *op {
				Op::Settle { pool, .. } => Paid::<Test>::get(u64::from(pool), &who).unwrap_or(0),
				_ => 0,
			};
			// Events of the previous call are cleared before the snapshot, or clearing them
			// would count as this call's write.
			System::reset_events();
			let before = sp_io::storage::root(StateVersion::V1);
			let result = RuntimeCall::MicropaymentPool(call).dispatch(RuntimeOrigin::signed(who.clone()));
			if result.is_err() {
				assert_eq!(before, sp_io::storage::root(StateVersion::V1), "{op:?} failed but wrote");
			}

			// Flows per pool, from this call's events.
			let (mut slashed_now, mut paid_to_caller, mut reaped) = (0, 0, None);
			for record in System::events() {
				let RuntimeEvent::MicropaymentPool(event) = record.event else { continue };
				match event {
					PoolEvent::PoolCreated { pool_id, deposit, collateral, .. } => {
						let flow = flows.entry(pool_id).or_default();
						assert!(flow.deposit_in == 0 && !flow.closed, "pool id {pool_id} reused");
						flow.deposit_in = deposit;
						flow.collateral_in = collateral;
					},
					PoolEvent::PoolToppedUp { pool_id, .. } => {
						let old = &pools_before[&pool_id];
						let new = Pools::<Test>::get(pool_id).expect("topped-up pool is open");
						let flow = flows.get_mut(&pool_id).expect("known pool");
						flow.deposit_in += new.deposit - old.deposit;
						flow.collateral_in += new.collateral - old.collateral;
					},
					PoolEvent::CollateralForfeited { pool_id, slashed: s, pot, .. } => {
						assert!(!pools_before[&pool_id].overdrawn, "forfeited twice");
						let flow = flows.get_mut(&pool_id).expect("known pool");
						assert!(flow.pot.is_none(), "a second forfeiture of pool {pool_id}");
						assert_eq!(s + pot, flow.collateral_in, "forfeiture: slashed + pot ≠ collateral");
						let excess = flow.collateral_in - flow.deposit_in;
						assert!(r.mul_floor(excess) <= pot && pot <= r.mul_ceil(excess), "pot ≠ r·(C − D)");
						flow.pot = Some(pot);
						flow.slashed += s;
						slashed_now += s;
					},
					PoolEvent::Settled { pool_id, target, paid, .. } => {
						assert_eq!(target, who, "settled to someone other than the caller");
						flows.get_mut(&pool_id).expect("known pool").paid += paid;
						paid_to_caller += paid;
					},
					PoolEvent::SettlementFailed { error, .. } => {
						// Failing items are the batch's own: bad vouchers, the window, the
						// caller's own funds. Never the owner's locks or a lack of pool funds.
						assert!(
							[
								PoolError::<Test>::UnknownPool,
								PoolError::<Test>::PoolExpired,
								PoolError::<Test>::StaleVoucher,
								PoolError::<Test>::BadSignature,
								PoolError::<Test>::SelfPayment,
								PoolError::<Test>::PayeeDepositUnavailable,
							]
							.into_iter()
							.any(|e| is(error, e)),
							"batch item failed with {error:?}"
						);
					},
					PoolEvent::PoolClosed {
						pool_id,
						refunded_deposit,
						refunded_collateral,
						slashed: s,
						..
					} => {
						let flow = flows.get_mut(&pool_id).expect("known pool");
						flow.refunded += refunded_deposit + refunded_collateral;
						flow.slashed += s;
						flow.closed = true;
						slashed_now += s;
						assert_eq!(
							flow.paid + flow.refunded + flow.slashed,
							flow.deposit_in + flow.collateral_in,
							"pool {pool_id} closed with funds unaccounted for"
						);
					},
					PoolEvent::PaidReaped { pool_id, removed, remaining } =>
						reaped = Some((pool_id, removed as usize, remaining)),
					_ => {},
				}
			}
			slashed += slashed_now;

			// The pallet only moves funds between accounts or slashes them.
			assert_eq!(all_totals(), totals_before - slashed_now, "{op:?} created or lost funds");
			assert_eq!(pallet_balances::TotalIssuance::<Test>::get(), issuance - slashed);

			// Per pool: records against flows, and no way out beyond the deposit and the pot.
			for (id, flow) in &flows {
				let record = Pools::<Test>::get(id);
				assert_eq!(record.is_none(), flow.closed, "pool {id}: record vs. close");
				match flow.pot {
					None => {
						assert_eq!(flow.slashed, 0, "pool {id}: slashed without forfeiture");
						assert!(flow.paid <= flow.deposit_in, "pool {id}: paid beyond its deposit");
					},
					Some(pot) => assert!(
						flow.paid + flow.refunded <= flow.deposit_in + pot,
						"pool {id}: more than deposit + pot came out of a forfeited pool"
					),
				}
				let Some(pool) = record else { continue };
				assert_eq!(pool.total_deposit, flow.deposit_in, "pool {id}: total_deposit");
				match flow.pot {
					None => {
						assert!(!pool.overdrawn);
						assert_eq!(pool.deposit + flow.paid, flow.deposit_in, "pool {id}: deposit");
						assert_eq!(pool.collateral, flow.collateral_in, "pool {id}: collateral");
						// Theorem IV.1's margin (1 − r)·(C − D) is positive only if C > D.
						assert!(pool.collateral > pool.total_deposit, "pool {id}: C ≤ D");
					},
					Some(pot) => {
						assert!(pool.overdrawn);
						assert_eq!(pool.deposit, 0, "pool {id}: deposit left after an overdraw");
						assert_eq!(
							pool.collateral + flow.paid,
							flow.deposit_in + pot,
							"pool {id}: pot left ≠ pot − compensation paid"
						);
					},
				}
			}

			// Windows, blocking, and what a call may do to the caller's balance.
			let old = |pool: u8| pools_before.get(&u64::from(pool));
			let error = result.as_ref().err().map(|e| e.error);
			match *op {
				Op::Settle { pool, amount, signer, .. } => {
					if let Some(p) = old(pool) {
						if p.owner == who {
							// Checked first: the owner's own voucher never pays.
							assert!(
								error.is_some_and(|e| is(e, PoolError::<Test>::SelfPayment)),
								"the owner settled to itself: {result:?}"
							);
						} else if signer.is_owner() &&
							now < p.expiry + GRACE && amount > settled_before
						{
							// No blocking: the owner's voucher to another account, inside the
							// window, above what was settled, settles, unless the peer cannot
							// pay its own record's storage deposit (first settlement only).
							if let Some(e) = error {
								assert!(
									!paid_before &&
										is(e, PoolError::<Test>::PayeeDepositUnavailable),
									"an honest settlement failed: {e:?}"
								);
							}
						}
					}
					if result.is_ok() {
						let p = old(pool).expect("settled an open pool");
						assert!(now < p.expiry + GRACE, "settled after the window");
						assert_eq!(total(&who), who_before + paid_to_caller, "peer's balance");
						// Underpaid ⇒ forfeited.
						if paid_to_caller < amount - settled_before {
							let after = Pools::<Test>::get(u64::from(pool)).expect("still open");
							assert!(after.overdrawn, "a peer was underpaid without a forfeiture");
						}
					}
				},
				Op::Batch { .. } if result.is_ok() =>
					assert_eq!(total(&who), who_before + paid_to_caller, "peer's balance"),
				Op::Close { pool, .. } if result.is_ok() => {
					let p = old(pool).expect("closed an open pool");
					assert!(now >= p.expiry + GRACE, "closed inside the settlement window");
					assert!(p.owner == who || p.overdrawn, "a stranger closed a sound pool");
				},
				Op::TopUp { pool, .. } | Op::Extend { pool, .. } if result.is_ok() => {
					let p = old(pool).expect("changed an open pool");
					assert!(now < p.expiry && !p.overdrawn, "funds or time added too late");
				},
				Op::Reap { pool, limit, .. } => {
					let id = u64::from(pool);
					let left = Paid::<Test>::iter_prefix(id).count();
					if result.is_ok() {
						assert!(id < next_before && old(pool).is_none(), "reaped an open pool");
						let (rid, removed, remaining) = reaped.expect("PaidReaped emitted");
						assert_eq!(rid, id);
						assert!(removed > 0 && removed <= usize::from(limit), "removed {removed}");
						assert_eq!(paid_count_before - left, removed, "records removed");
						assert_eq!(left > 0, remaining, "records remaining");
						assert_eq!(all_totals(), totals_before, "reaping moved funds");
					} else {
						assert_eq!(left, paid_count_before);
						// A closed pool with records left always reaps.
						assert!(
							!(id < next_before &&
								old(pool).is_none() && paid_count_before > 0 &&
								limit > 0),
							"reap of a closed pool with records failed: {result:?}"
						);
					}
				},
				_ => {},
			}

			MicropaymentPool::do_try_state().expect("invariants hold after every call");
		}
	});
});
