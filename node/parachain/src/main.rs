//! `mpool-para-node`: the micropayment-pool parachain's node.
//!
//! A thin binary over `polkadot-omni-node-lib`, which brings the collator, the relay-chain
//! client and omni-node's dev mode; this crate only adds the parachain's chain specs
//! (`--dev`, `--chain local`, or a JSON file), so `mpool-para-node --dev` runs with no relay
//! chain and no files: blocks sealed and finalized every 3 s by omni-node's manual seal — and
//! makes ParityDb the node's default database, the one the runtime's weights are measured on.

mod chain_spec;

use clap::{ArgMatches, Command, FromArgMatches, Subcommand};
use polkadot_omni_node_lib::{
	extra_subcommand::{DefaultExtraSubcommands, ExtraSubcommand},
	run_with_custom_cli,
	runtime::DefaultRuntimeResolver,
	CliConfig, RunConfig,
};

/// The node's database unless `--database` says otherwise: the parachain runtime's `DbWeight` is
/// measured on ParityDb with the proof recorder on (runtime/parachain/src/weights/
/// paritydb_weights.rs), so a collator on RocksDB, omni-node's default, would spend longer on a
/// block than its weight says.
const DEFAULT_DATABASE: &str = "paritydb";

/// omni-node's extra subcommands (`export-chain-spec`), and the command line's one change:
/// [`DEFAULT_DATABASE`] for the node and for `purge-chain`.
#[derive(Debug)]
struct ParaSubcommands(DefaultExtraSubcommands);

impl FromArgMatches for ParaSubcommands {
	fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
		DefaultExtraSubcommands::from_arg_matches(matches).map(Self)
	}

	fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
		self.0.update_from_arg_matches(matches)
	}
}

impl Subcommand for ParaSubcommands {
	fn augment_subcommands(cmd: Command) -> Command {
		let database = |arg: clap::Arg| arg.default_value(DEFAULT_DATABASE);
		DefaultExtraSubcommands::augment_subcommands(cmd)
			.mut_arg("database", database)
			.mut_subcommand("purge-chain", |purge| purge.mut_arg("database", database))
	}

	fn augment_subcommands_for_update(cmd: Command) -> Command {
		DefaultExtraSubcommands::augment_subcommands_for_update(cmd)
	}

	fn has_subcommand(name: &str) -> bool {
		DefaultExtraSubcommands::has_subcommand(name)
	}
}

impl ExtraSubcommand for ParaSubcommands {
	fn handle(self, cfg: &RunConfig) -> sc_cli::Result<()> {
		self.0.handle(cfg)
	}
}

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
	if let Err(error) = run_with_custom_cli::<ParaNodeCli, ParaSubcommands>(config) {
		eprintln!("Error: {error}");
		std::process::exit(1);
	}
}
