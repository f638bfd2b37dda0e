//! Call sequences on a mock runtime (system, balances, the pallet): the fuzzer picks callers,
//! calls and arguments, and vouchers signed by the owner, by strangers, or junk. After every
//! call: the pallet's `do_try_state` holds, a failed call changed no storage, and total
//! issuance only falls by what `close_pool` slashed.

#![no_main]

use arbitrary::Arbitrary;
use frame_support::{
	derive_impl, parameter_types,
	traits::{fungible::HoldConsideration, ConstU32, ConstU64, LinearStoragePrice},
};
use libfuzzer_sys::fuzz_target;
use pallet_micropayment_pool::{Call as PoolCall, Event as PoolEvent};
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{
	traits::{Dispatchable, IdentityLookup},
	AccountId32, BuildStorage, MultiSignature, MultiSigner, StateVersion,
};

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

parameter_types! {
	pub const ExistentialDeposit: Balance = 1;
	pub const StorageReason: RuntimeHoldReason =
		RuntimeHoldReason::MicropaymentPool(pallet_micropayment_pool::HoldReason::PoolStorage);
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
	type Consideration = HoldConsideration<
		AccountId32,
		Balances,
		StorageReason,
		LinearStoragePrice<ConstU128<3>, ConstU128<1>, Balance>,
	>;
}

use frame_support::traits::ConstU128;

const USERS: usize = 5;
const INITIAL: Balance = 1_000_000;

fn pair(i: usize) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[i as u8 + 1; 32])
}

fn user(i: usize) -> AccountId32 {
	pair(i % USERS).public().into()
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Signer {
	Owner,
	OwnerWrapped,
	Stranger(u8),
	Junk(u8),
}

#[derive(Arbitrary, Debug)]
enum Op {
	Create { who: u8, deposit: u16, collateral: u16, duration: u16, resource_len: u8 },
	TopUp { who: u8, pool: u8, deposit: u128, collateral: u128 },
	Extend { who: u8, pool: u8, blocks: u64 },
	Settle { peer: u8, pool: u8, amount: u128, signer: Signer },
	Batch { peer: u8, items: Vec<(u8, u16, Signer)> },
	Close { who: u8, pool: u8 },
	Advance { blocks: u8 },
}

fn sign(signer: Signer, pool: u64, peer: &AccountId32, amount: Balance) -> MultiSignature {
	let owner = pallet_micropayment_pool::Pools::<Test>::get(pool).map(|p| p.owner);
	let owner_index = (0..USERS).find(|i| Some(user(*i)) == owner).unwrap_or(0);
	let voucher = MicropaymentPool::voucher(pool, peer, amount);
	match signer {
		Signer::Owner => MultiSignature::Sr25519(pair(owner_index).sign(&voucher.payload())),
		Signer::OwnerWrapped =>
			MultiSignature::Sr25519(pair(owner_index).sign(&voucher.wrapped_payload())),
		Signer::Stranger(i) =>
			MultiSignature::Sr25519(pair(usize::from(i) % USERS).sign(&voucher.payload())),
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
				.map(|&(pool, amount, signer)| {
					(u64::from(pool), Balance::from(amount), sign(signer, pool.into(), &peer, amount.into()))
				})
				.collect();
			(peer, PoolCall::settle_batch { vouchers: vouchers.try_into().ok()? })
		},
		Op::Close { who, pool } => (user(who.into()), PoolCall::close_pool { pool_id: pool.into() }),
		Op::Advance { .. } => return None,
	})
}

fuzz_target!(|ops: Vec<Op>| {
	let mut storage = frame_system::GenesisConfig::<Test>::default()
		.build_storage()
		.expect("genesis builds; qed");
	pallet_balances::GenesisConfig::<Test> {
		balances: (0..USERS).map(|i| (user(i), INITIAL)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.expect("balances genesis; qed");
	sp_io::TestExternalities::new(storage).execute_with(|| {
		frame_system::BlockHash::<Test>::insert(0, H256([0x42; 32]));
		System::set_block_number(1);
		let issuance = pallet_balances::TotalIssuance::<Test>::get();
		let mut slashed: Balance = 0;
		for op in ops.iter().take(64) {
			if let Op::Advance { blocks } = op {
				System::set_block_number(System::block_number() + u64::from(*blocks));
				continue;
			}
			let Some((who, call)) = call(op) else { continue };
			// Events of the previous call are cleared before the snapshot, or clearing them
			// would count as this call's write.
			System::reset_events();
			let before = sp_io::storage::root(StateVersion::V1);
			let result = RuntimeCall::MicropaymentPool(call).dispatch(RuntimeOrigin::signed(who));
			if result.is_err() {
				assert_eq!(before, sp_io::storage::root(StateVersion::V1), "{op:?} failed but wrote");
			}
			for record in System::events() {
				if let RuntimeEvent::MicropaymentPool(PoolEvent::PoolClosed { slashed: s, .. }) =
					record.event
				{
					slashed += s;
				}
			}
			MicropaymentPool::do_try_state().expect("invariants hold after every call");
			assert_eq!(pallet_balances::TotalIssuance::<Test>::get(), issuance - slashed);
		}
	});
});
