//! A create → settle → close round through the runtime's own types: real signed extrinsics
//! (fees, nonces, genesis checks) applied by `Executive` block by block, on the genesis of the
//! `development` preset.

use codec::Encode;
use frame_support::{assert_ok, traits::fungible::InspectHold};
use micropayment_pool_primitives::Voucher;
use micropayment_pool_runtime::{
	genesis_config_presets, AccountId, Balance, Balances, Executive, Header, MicropaymentPool,
	MicropaymentPoolCall, Runtime, RuntimeCall, RuntimeEvent, RuntimeGenesisConfig,
	RuntimeHoldReason, SignedPayload, System, TimestampCall, TxExtension, UncheckedExtrinsic,
	MICRO_UNIT, SLOT_DURATION, UNIT, WASM_BINARY,
};
use pallet_micropayment_pool::{Event as PoolEvent, HoldReason};
use sp_core::H256;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{
	generic::{Digest, DigestItem, Era},
	traits::Header as _,
	DispatchError, MultiAddress, MultiSignature,
};

/// Hash of block 0 in this test chain: the parent hash of block 1.
const GENESIS_HASH: [u8; 32] = [0x99; 32];

struct Chain {
	ext: sp_io::TestExternalities,
	parent: H256,
	number: u32,
}

impl Chain {
	fn development() -> Self {
		// As the node does: the preset is a patch over the default genesis config.
		let patch: serde_json::Value = serde_json::from_slice(
			&genesis_config_presets::get_preset(&"development".into()).expect("preset exists"),
		)
		.expect("presets are JSON");
		let mut config =
			serde_json::to_value(RuntimeGenesisConfig::default()).expect("serialisable");
		merge(&mut config, patch);
		let mut ext = sp_io::TestExternalities::default();
		ext.execute_with(|| {
			frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(
				config.to_string().into_bytes(),
			)
			.expect("the development preset builds")
		});
		Chain { ext, parent: H256(GENESIS_HASH), number: 0 }
	}

	/// Starts the next block (Aura slot = block number) and sets its timestamp inherent.
	fn next_block(&mut self) {
		let number = self.number + 1;
		let mut parent = self.parent;
		self.ext.execute_with(|| {
			if number > 1 {
				let header = Executive::finalize_block();
				assert_eq!(*header.number(), number - 1);
				parent = header.hash();
			}
			let slot = sp_consensus_aura::Slot::from(number as u64);
			let digest = Digest {
				logs: vec![DigestItem::PreRuntime(
					sp_consensus_aura::AURA_ENGINE_ID,
					slot.encode(),
				)],
			};
			let header =
				Header::new(number, Default::default(), Default::default(), parent, digest);
			Executive::initialize_block(&header);
			let now = number as u64 * SLOT_DURATION;
			let inherent =
				UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(TimestampCall::set { now }));
			assert_ok!(Executive::apply_extrinsic(inherent).expect("valid inherent"));
		});
		self.number = number;
		self.parent = parent;
	}

	/// Signs `call` as `who` with every transaction extension of the runtime and applies it.
	fn submit(
		&mut self,
		who: Sr25519Keyring,
		call: MicropaymentPoolCall<Runtime>,
	) -> Result<(), DispatchError> {
		self.ext.execute_with(|| {
			let call = RuntimeCall::MicropaymentPool(call);
			let nonce = System::account_nonce(who.to_account_id());
			let tx_ext: TxExtension = (
				(
					frame_system::CheckNonZeroSender::new(),
					frame_system::CheckSpecVersion::new(),
					frame_system::CheckTxVersion::new(),
					frame_system::CheckGenesis::new(),
					frame_system::CheckEra::from(Era::Immortal),
					frame_system::CheckNonce::from(nonce),
					frame_system::CheckWeight::new(),
					pallet_transaction_payment::ChargeTransactionPayment::from(0),
					frame_metadata_hash_extension::CheckMetadataHash::new(false),
				),
				frame_system::WeightReclaim::new(),
			);
			let payload =
				SignedPayload::new(call.clone(), tx_ext.clone()).expect("implicit data available");
			let signature = payload.using_encoded(|bytes| who.sign(bytes));
			let xt = UncheckedExtrinsic::new_signed(
				call,
				MultiAddress::Id(who.to_account_id()),
				MultiSignature::Sr25519(signature),
				tx_ext,
			);
			Executive::apply_extrinsic(xt).expect("the transaction is valid")
		})
	}

	fn with<R>(&mut self, f: impl FnOnce() -> R) -> R {
		self.ext.execute_with(f)
	}
}

/// RFC 7386 merge of `patch` into `base`.
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

fn pool_events() -> Vec<PoolEvent<Runtime>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::MicropaymentPool(e) => Some(e),
			_ => None,
		})
		.collect()
}

/// Fees charged in the current block to `who`.
fn fees_of(who: &AccountId) -> Balance {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::TransactionPayment(
				pallet_transaction_payment::Event::TransactionFeePaid {
					who: payer,
					actual_fee,
					..
				},
			) if &payer == who => Some(actual_fee),
			_ => None,
		})
		.sum()
}

fn free(who: &AccountId) -> Balance {
	Balances::free_balance(who)
}

fn voucher_sig(
	owner: Sr25519Keyring,
	pool_id: u64,
	target: &AccountId,
	amount: Balance,
) -> MultiSignature {
	let voucher = Voucher { genesis_hash: GENESIS_HASH, pool_id, target: *target.as_ref(), amount };
	MultiSignature::Sr25519(owner.sign(&voucher.payload()))
}

#[test]
fn create_settle_close_round_with_signed_extrinsics() {
	let (alice, bob) = (Sr25519Keyring::Alice, Sr25519Keyring::Bob);
	let (alice_id, bob_id) = (alice.to_account_id(), bob.to_account_id());
	let mut chain = Chain::development();
	chain.next_block();
	let alice_start = chain.with(|| free(&alice_id));
	let bob_start = chain.with(|| free(&bob_id));
	assert_eq!(alice_start, genesis_config_presets::ENDOWMENT);

	// Block 1: Alice opens a pool for 5 blocks.
	let (deposit, collateral) = (10 * UNIT, 15 * UNIT);
	let resource_id = b"movie/1".to_vec().try_into().unwrap();
	assert_ok!(chain.submit(
		alice,
		MicropaymentPoolCall::create_pool { resource_id, deposit, collateral, duration: 5 }
	));
	let alice_fees = chain.with(|| {
		assert!(matches!(
			pool_events().last(),
			Some(PoolEvent::PoolCreated { pool_id: 0, deposit: d, collateral: c, expiry: 6, .. })
				if *d == deposit && *c == collateral
		));
		// The pool's funds are held on the escrow account, none on Alice.
		let deposit_reason: RuntimeHoldReason = HoldReason::PoolDeposit.into();
		let escrow = MicropaymentPool::escrow_account();
		assert_eq!(Balances::balance_on_hold(&deposit_reason, &escrow), deposit);
		assert_eq!(Balances::balance_on_hold(&deposit_reason, &alice_id), 0);
		// The stored bytes, as a storage proof carries them, are what the peers' policy decodes.
		let key = micropayment_pool_primitives::keys::pool_key(
			micropayment_pool_primitives::keys::PALLET_PREFIX,
			0,
		);
		let raw = sp_io::storage::get(&key).expect("the pool is stored under the key peers prove");
		let record = micropayment_pool_handshake::PoolRecord::decode_exact(&raw).expect("decodes");
		assert_eq!(record.owner, *AsRef::<[u8; 32]>::as_ref(&alice_id));
		assert_eq!(record.signer, record.owner);
		assert_eq!(record.resource_id, b"movie/1".to_vec());
		assert_eq!((record.deposit, record.collateral, record.total_deposit), (deposit, collateral, deposit));
		assert_eq!((record.expiry, record.payees, record.overdrawn), (6, 0, false));
		assert_eq!(
			MicropaymentPool::genesis_hash(),
			GENESIS_HASH,
			"BlockHash(0) is the parent of block 1"
		);
		fees_of(&alice_id)
	});
	assert!(alice_fees > 0);

	// Block 2: Bob settles a voucher Alice signed off-chain; he pays the fee.
	chain.next_block();
	let amount = 3 * UNIT;
	let sig = voucher_sig(alice, 0, &bob_id, amount);
	assert_ok!(chain
		.submit(bob, MicropaymentPoolCall::settle { pool_id: 0, amount, signature: sig.clone() }));
	chain.with(|| {
		assert_eq!(
			pool_events().last(),
			Some(&PoolEvent::Settled { pool_id: 0, target: bob_id.clone(), amount, paid: amount })
		);
		// Bob's first settlement in the pool holds his `Paid` record's storage deposit.
		let record_deposit = Balances::balance_on_hold(&HoldReason::PayeeStorage.into(), &bob_id);
		assert_eq!(record_deposit, 3_240 * MICRO_UNIT);
		assert_eq!(free(&bob_id), bob_start + amount - fees_of(&bob_id) - record_deposit);
	});
	let bob_after_settle = chain.with(|| free(&bob_id));

	// A replay is included (Bob pays its fee) but pays nothing.
	let replay =
		chain.submit(bob, MicropaymentPoolCall::settle { pool_id: 0, amount, signature: sig });
	assert_eq!(replay, Err(pallet_micropayment_pool::Error::<Runtime>::StaleVoucher.into()));
	chain.with(|| {
		let record_deposit = 3_240 * MICRO_UNIT;
		let replay_fee = fees_of(&bob_id) - (bob_start + amount - record_deposit - bob_after_settle);
		assert!(replay_fee > 0);
		assert_eq!(free(&bob_id), bob_after_settle - replay_fee);
	});

	// Closing before the settlement window ends (expiry 6 + grace 5 = block 11) fails; at
	// block 11 it refunds the unpaid deposit.
	let early = chain.submit(alice, MicropaymentPoolCall::close_pool { pool_id: 0 });
	assert_eq!(early, Err(pallet_micropayment_pool::Error::<Runtime>::PoolNotExpired.into()));
	let mut alice_total_fees = alice_fees + chain.with(|| fees_of(&alice_id));
	for _ in 3..=10 {
		chain.next_block();
	}
	let in_grace = chain.submit(alice, MicropaymentPoolCall::close_pool { pool_id: 0 });
	assert_eq!(in_grace, Err(pallet_micropayment_pool::Error::<Runtime>::PoolNotExpired.into()));
	alice_total_fees += chain.with(|| fees_of(&alice_id));
	chain.next_block();
	assert_ok!(chain.submit(alice, MicropaymentPoolCall::close_pool { pool_id: 0 }));
	alice_total_fees += chain.with(|| fees_of(&alice_id));
	chain.with(|| {
		assert_eq!(
			pool_events().last(),
			Some(&PoolEvent::PoolClosed {
				pool_id: 0,
				owner: alice_id.clone(),
				refunded_deposit: deposit - amount,
				refunded_collateral: collateral,
				slashed: 0,
			})
		);
		assert_eq!(free(&alice_id), alice_start - amount - alice_total_fees);
		assert!(pallet_micropayment_pool::Pools::<Runtime>::get(0).is_none());
		MicropaymentPool::do_try_state().expect("pool invariants hold");
	});
}

#[test]
fn wasm_runtime_was_built() {
	let wasm = WASM_BINARY.expect("the wasm runtime is built (do not set SKIP_WASM_BUILD)");
	// Either a raw wasm module or zstd-compressed by the wasm builder.
	let raw_magic = wasm.starts_with(b"\0asm");
	let compressed = wasm.starts_with(&[0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e, 0x05]);
	assert!(raw_magic || compressed, "unexpected wasm header {:02x?}", &wasm[..8]);
	assert!(wasm.len() > 100_000, "a runtime is not {} bytes", wasm.len());
}

#[test]
fn a_new_chain_is_at_the_pools_storage_version_and_its_migration_is_a_no_op() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade};
	let mut chain = Chain::development();
	chain.ext.execute_with(|| {
		// Genesis stores the in-code version, so no migration runs on a new chain; genesis gave
		// the escrow its existential deposit.
		assert_eq!(MicropaymentPool::on_chain_storage_version(), 4);
		assert_eq!(MicropaymentPool::in_code_storage_version(), 4);
		let escrow = MicropaymentPool::escrow_account();
		assert_eq!(Balances::free_balance(&escrow), micropayment_pool_runtime_common::EXISTENTIAL_DEPOSIT);
		let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
		pallet_micropayment_pool::migrations::v3::MigrateV2ToV3::<Runtime>::on_runtime_upgrade();
		pallet_micropayment_pool::migrations::v4::MigrateV3ToV4::<Runtime>::on_runtime_upgrade();
		assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);
	});
}
