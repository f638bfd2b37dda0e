//! `mpool-para-node`: the micropayment-pool parachain's node.
//!
//! A thin binary over `polkadot-omni-node-lib`, which brings the collator, the relay-chain
//! client and omni-node's dev mode; this crate only adds the parachain's chain specs
//! (`--dev`, `--chain local`, or a JSON file), so `mpool-para-node --dev` runs with no relay
//! chain and no files: blocks sealed and finalized every 3 s by omni-node's manual seal.

mod chain_spec;

use polkadot_omni_node_lib::{run, runtime::DefaultRuntimeResolver, CliConfig, RunConfig};

/// What `--help` and `--version` say about this binary.
struct ParaNodeCli;

impl CliConfig for ParaNodeCli {
	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description(executable_name: String) -> String {
		format!(
			"The micropayment-pool parachain node (polkadot-omni-node-lib).\n\n\
			 `{executable_name} --dev` runs a local dev parachain without a relay chain.\n\
			 As a collator: {executable_name} [parachain-args] -- [relay-chain-args]"
		)
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/micropayment-pool/pallet-micropayment-pool/issues".into()
	}

	fn copyright_start_year() -> u16 {
		2026
	}
}

fn main() {
	let config =
		RunConfig::new(Box::new(DefaultRuntimeResolver), Box::new(chain_spec::EmbeddedSpecs));
	if let Err(error) = run::<ParaNodeCli>(config) {
		eprintln!("Error: {error}");
		std::process::exit(1);
	}
}
