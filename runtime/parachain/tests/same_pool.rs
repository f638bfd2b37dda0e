//! The parachain runs the solochain's pool: the same configuration, and the same encoding of
//! every call, event and error a client sends or reads (the pallet keeps index 10 under its
//! other name, `Micropayments`), so one client (the `mpool` CLI, the SDK, the e2e suites,
//! polkadot.js apps steps) works on both chains, finding the pallet's name in the metadata.

use codec::{Decode, Encode};
use frame_support::traits::Get;
use micropayment_pool_para_runtime as para;
use micropayment_pool_runtime as solo;
use pallet_micropayment_pool::Config;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{BuildStorage, MultiSignature};

#[test]
fn the_pool_is_configured_alike() {
	macro_rules! same {
		($ty:ty: $($item:ident),* $(,)?) => {$(
			assert_eq!(
				<<para::Runtime as Config>::$item as Get<$ty>>::get(),
				<<solo::Runtime as Config>::$item as Get<$ty>>::get(),
				stringify!($item),
			);
		)*};
	}
	same!(u32: MaxResourceIdLen, MinDuration, MaxDuration, SettlementGrace, MaxPoolsPerAccount, MaxBatch);
	same!(sp_runtime::Perbill: MinCollateralExcess, CompensationShare);
	assert_eq!(
		<<para::Runtime as pallet_balances::Config>::ExistentialDeposit as Get<u128>>::get(),
		<<solo::Runtime as pallet_balances::Config>::ExistentialDeposit as Get<u128>>::get(),
	);
	assert_eq!(para::UNIT, solo::UNIT);
	assert_eq!(para::SLOT_DURATION, solo::SLOT_DURATION);
}

#[test]
fn a_pool_call_encodes_the_same_on_both_chains() {
	let signature = MultiSignature::Sr25519(sp_core::sr25519::Signature::from_raw([7; 64]));
	let para_calls = [
		para::RuntimeCall::Micropayments(pallet_micropayment_pool::Call::create_pool {
			resource_id: b"movie/42".to_vec().try_into().expect("short; qed"),
			deposit: 100,
			collateral: 150,
			duration: 20,
		}),
		para::RuntimeCall::Micropayments(pallet_micropayment_pool::Call::settle {
			pool_id: 3,
			amount: 30,
			signature: signature.clone(),
		}),
		para::RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
			dest: Sr25519Keyring::Bob.to_account_id().into(),
			value: 5,
		}),
	];
	for call in para_calls {
		let bytes = call.encode();
		let solo_call = solo::RuntimeCall::decode(&mut &bytes[..]).expect("solochain decodes it");
		assert_eq!(solo_call.encode(), bytes, "{call:?}");
	}
}

#[test]
fn pool_balance_and_fee_events_decode_as_the_solochain_s() {
	let who = Sr25519Keyring::Alice.to_account_id();
	let events = [
		para::RuntimeEvent::Micropayments(pallet_micropayment_pool::Event::PoolClosed {
			pool_id: 1,
			owner: who.clone(),
			refunded_deposit: 10,
			refunded_collateral: 15,
			slashed: 0,
		}),
		para::RuntimeEvent::Balances(pallet_balances::Event::Transfer {
			from: who.clone(),
			to: Sr25519Keyring::Bob.to_account_id(),
			amount: 3,
		}),
		para::RuntimeEvent::TransactionPayment(
			pallet_transaction_payment::Event::TransactionFeePaid { who, actual_fee: 2, tip: 0 },
		),
	];
	for event in events {
		let bytes = event.encode();
		let solo_event = solo::RuntimeEvent::decode(&mut &bytes[..]).expect("solochain decodes it");
		assert_eq!(solo_event.encode(), bytes, "{event:?}");
	}
	// A pallet's error is (pallet index, error index): the same module error on both chains.
	let para_error = para::RuntimeError::Micropayments(
		pallet_micropayment_pool::Error::<para::Runtime>::StaleVoucher,
	);
	let solo_error = solo::RuntimeError::MicropaymentPool(
		pallet_micropayment_pool::Error::<solo::Runtime>::StaleVoucher,
	);
	assert_eq!(para_error.encode(), solo_error.encode());
}

#[test]
fn both_presets_build_with_the_embedded_para_id() {
	for preset in ["development", "local_testnet"] {
		let patch: serde_json::Value = serde_json::from_slice(
			&para::genesis_config_presets::get_preset(&preset.into()).expect("preset exists"),
		)
		.expect("presets are JSON");
		let mut config =
			serde_json::to_value(para::RuntimeGenesisConfig::default()).expect("serialisable");
		json_patch(&mut config, patch);
		let config: para::RuntimeGenesisConfig =
			serde_json::from_value(config).expect("the patched preset is a genesis config");
		let mut ext = sp_io::TestExternalities::new(config.build_storage().expect("builds"));
		ext.execute_with(|| {
			assert_eq!(u32::from(para::ParachainInfo::parachain_id()), para::PARA_ID, "{preset}");
			assert!(!pallet_aura::Authorities::<para::Runtime>::get().is_empty(), "{preset}");
			assert_eq!(
				pallet_balances::Pallet::<para::Runtime>::free_balance(
					Sr25519Keyring::Bob.to_account_id()
				),
				para::genesis_config_presets::ENDOWMENT,
			);
		});
	}
}

/// Merges a preset's JSON patch into the default config, as the node's genesis builder does.
fn json_patch(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				json_patch(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}
