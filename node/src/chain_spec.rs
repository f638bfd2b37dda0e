//! Chain specs, built from the runtime's genesis presets.

use micropayment_pool_runtime::WASM_BINARY;
use sc_service::ChainType;

/// A chain spec with no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

fn properties() -> sc_service::Properties {
	let mut p = sc_service::Properties::new();
	p.insert("tokenSymbol".into(), "MPT".into());
	p.insert("tokenDecimals".into(), 12.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| "the wasm runtime was not built (SKIP_WASM_BUILD?)".to_string())
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--dev`: one validator (Alice), dev accounts funded.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"Micropayment Pool Development",
		"mpool_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `--chain local`: two validators (Alice, Bob) that finalize together.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"Micropayment Pool Local Testnet",
		"mpool_local",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}
