//! A test runtime: frame-system, pallet-balances and the pallet, with real sr25519 accounts.

use crate as pallet_micropayment_pool;
use frame_support::{
	derive_impl, parameter_types,
	traits::{fungible::HoldConsideration, ConstU64, LinearStoragePrice},
};
use sp_core::{sr25519, Pair, H256};
use sp_keystore::{testing::MemoryKeystore, KeystoreExt};
use sp_runtime::{traits::IdentityLookup, AccountId32, BuildStorage, MultiSignature, MultiSigner};
use std::{cell::RefCell, collections::BTreeMap};

pub type AccountId = AccountId32;
pub type Balance = u128;
type Block = frame_system::mocking::MockBlock<Test>;

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
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<Balance>;
	/// Non-zero, so that tests see the weights the pallet computes from database costs.
	type DbWeight = frame_support::weights::constants::RocksDbWeight;
}

parameter_types! {
	pub const ExistentialDeposit: Balance = EXISTENTIAL_DEPOSIT;
	pub const PoolStorageReason: RuntimeHoldReason =
		RuntimeHoldReason::MicropaymentPool(pallet_micropayment_pool::HoldReason::PoolStorage);
	/// Storage deposit of a pool record: base + per byte. Zero unless a test sets it, so the
	/// balance arithmetic of the other tests stays about deposit and collateral.
	pub static StorageBase: Balance = 0;
	pub static StorageByte: Balance = 0;
	/// Storage deposit of a `Paid` record, held from the peer: zero unless a test sets it.
	pub static PayeeBase: Balance = 0;
	pub static PayeeByte: Balance = 0;
	/// The compensation pot's share of `C − D`: 50 % unless a test sets it (the demo chains
	/// keep none).
	pub static PotShare: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(50);
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
	type MinDuration = ConstU64<MIN_DURATION>;
	type MaxDuration = ConstU64<MAX_DURATION>;
	type SettlementGrace = ConstU64<GRACE>;
	type PayeeDeposit = LinearStoragePrice<PayeeBase, PayeeByte, Balance>;
	type CompensationShare = PotShare;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PoolStorageReason,
		LinearStoragePrice<StorageBase, StorageByte, Balance>,
	>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

pub const EXISTENTIAL_DEPOSIT: Balance = 1;
pub const MIN_DURATION: u64 = 5;
pub const MAX_DURATION: u64 = 1_000;
/// Blocks after expiry in which vouchers still settle.
pub const GRACE: u64 = 5;
/// What every funded account starts with.
pub const INITIAL: Balance = 1_000_000;
/// Hash of block 0 in the test chain.
pub const GENESIS_HASH: [u8; 32] = [0x42; 32];

/// The sr25519 key of a test account: `//Alice`, `//Bob`, ... or `//Peer3`.
/// Derivation from a URI is slow (PBKDF2), so each thread keeps the pairs it made.
pub fn pair(name: &str) -> sr25519::Pair {
	thread_local! {
		static PAIRS: RefCell<BTreeMap<String, sr25519::Pair>> = RefCell::new(BTreeMap::new());
	}
	PAIRS.with(|pairs| {
		pairs
			.borrow_mut()
			.entry(name.to_string())
			.or_insert_with(|| {
				sr25519::Pair::from_string(&format!("//{name}"), None)
					.expect("static test seed; qed")
			})
			.clone()
	})
}

/// The account of [`pair`]`(name)`.
pub fn account(name: &str) -> AccountId {
	AccountId::new(pair(name).public().0)
}

pub fn alice() -> AccountId {
	account("Alice")
}
pub fn bob() -> AccountId {
	account("Bob")
}
pub fn charlie() -> AccountId {
	account("Charlie")
}
pub fn dave() -> AccountId {
	account("Dave")
}
pub fn edward() -> AccountId {
	account("Edward")
}

/// The account that holds every pool's funds.
pub fn escrow() -> AccountId {
	MicropaymentPool::escrow_account()
}

/// The peers of the many-peers tests.
pub fn peer_names(n: usize) -> Vec<String> {
	(0..n).map(|i| format!("Peer{i}")).collect()
}

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut funded: Vec<(AccountId, Balance)> = ["Alice", "Bob", "Charlie", "Dave", "Edward"]
		.iter()
		.map(|n| (account(n), INITIAL))
		.collect();
	funded.extend(peer_names(20).iter().map(|n| (account(n), INITIAL)));
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> { balances: funded, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	// The escrow's existential deposit, minted as on the demo chains.
	pallet_micropayment_pool::GenesisConfig::<Test>::default()
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| {
		frame_system::BlockHash::<Test>::insert(0, H256(GENESIS_HASH));
		System::set_block_number(1);
	});
	ext
}

/// Runs `test` in a fresh chain, then checks the pallet's invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		MicropaymentPool::do_try_state().expect("invariants hold after the test");
	});
}
