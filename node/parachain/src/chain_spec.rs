//! The chain specs embedded in the binary, built from the runtime's genesis presets.

use micropayment_pool_para_runtime::{PARA_ID, WASM_BINARY};
use micropayment_pool_runtime_common::{TOKEN_DECIMALS, TOKEN_SYMBOL};
use polkadot_omni_node_lib::chain_spec::{Extensions, GenericChainSpec, LoadSpec};
use sc_chain_spec::{ChainSpec, ChainType, Properties};

/// Resolves `--chain`: `dev` (also `--dev`), `local`, or a chain spec JSON file.
pub struct EmbeddedSpecs;

impl LoadSpec for EmbeddedSpecs {
	fn load_spec(&self, id: &str) -> Result<Box<dyn ChainSpec>, String> {
		Ok(Box::new(match id {
			"" | "dev" => development()?,
			"local" => local_testnet()?,
			path => GenericChainSpec::from_json_file(path.into())?,
		}))
	}
}

/// Token symbol and decimals, which wallets and `mpool` read from `system_properties`.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

fn spec(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
	relay_chain: &str,
) -> Result<GenericChainSpec, String> {
	let wasm = WASM_BINARY.ok_or("this binary was built without the runtime's wasm")?;
	Ok(GenericChainSpec::builder(wasm, Extensions::new(relay_chain.into(), PARA_ID))
		.with_name(name)
		.with_id(id)
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_protocol_id("mpool-para")
		.with_properties(properties())
		.build())
}

/// One collator (Alice); omni-node's `--dev` seals without a relay chain.
fn development() -> Result<GenericChainSpec, String> {
	spec(
		"Micropayment Pool Parachain Dev",
		"mpool_para_dev",
		ChainType::Development,
		"development",
		"rococo-local",
	)
}

/// Two collators (Alice and Bob) for a relay chain such as `rococo-local` (see `zombienet/`).
fn local_testnet() -> Result<GenericChainSpec, String> {
	spec(
		"Micropayment Pool Parachain Local",
		"mpool_para_local",
		ChainType::Local,
		"local_testnet",
		"rococo-local",
	)
}
