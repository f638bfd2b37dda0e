//! Genesis presets: `development` (one collator, Alice) and `local_testnet` (Alice and Bob).
//! Both fund the same dev accounts as the solochain, so the same walkthroughs and tests work.

use crate::{
	AccountId, BalancesConfig, ParachainInfoConfig, RuntimeGenesisConfig, SudoConfig, PARA_ID, UNIT,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::Sr25519Keyring;

/// What each dev account starts with: a million tokens.
pub const ENDOWMENT: u128 = 1_000_000 * UNIT;

fn parachain_genesis(collators: Vec<AuraId>, endowed: Vec<AccountId>, root: AccountId) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		parachain_info: ParachainInfoConfig { parachain_id: PARA_ID.into() },
		aura: pallet_aura::GenesisConfig { authorities: collators },
		sudo: SudoConfig { key: Some(root) },
	})
}

fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.filter(|k| *k != Sr25519Keyring::One && *k != Sr25519Keyring::Two)
		.map(|k| k.to_account_id())
		.collect()
}

/// One collator (Alice), for `--dev`.
pub fn development_config_genesis() -> Value {
	parachain_genesis(
		vec![Sr25519Keyring::Alice.public().into()],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// Two collators (Alice and Bob), for a relay chain such as rococo-local.
pub fn local_config_genesis() -> Value {
	parachain_genesis(
		vec![Sr25519Keyring::Alice.public().into(), Sr25519Keyring::Bob.public().into()],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// The JSON patch of preset `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	Some(serde_json::to_string(&patch).expect("a json Value always serialises; qed").into_bytes())
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
