//! Command line of the node.

/// Node subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management (generate, inspect, insert).
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated upstream: use `export-chain-spec`).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Runtime benchmarks (only with `--features runtime-benchmarks`).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),
}

/// The node's command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,
}

/// Ready transactions the pool keeps by default: a minute of the paper's load (100,000 viewers
/// switching peers every 60-100 s settle about 1,250 vouchers a second). Substrate's is 8,192.
pub const POOL_LIMIT: &str = "75000";
/// Their total size in KiB: 64 MiB, room for 75,000 single settlements (~200 bytes each) or
/// ~1,900 `settle_batch`es of 256 vouchers. Substrate's default is 20 MiB.
pub const POOL_KBYTES: &str = "65536";

impl Cli {
	/// Parses the command line as `SubstrateCli::from_args` does, with this node's defaults for
	/// `--pool-limit` and `--pool-kbytes` (shown by `--help`).
	pub fn parse_with_defaults() -> Self {
		use clap::{CommandFactory, FromArgMatches};
		use sc_cli::SubstrateCli;
		let command = Self::setup_command(Self::command())
			.mut_arg("pool_limit", |a| a.default_value(POOL_LIMIT))
			.mut_arg("pool_kbytes", |a| a.default_value(POOL_KBYTES));
		let matches = command.get_matches();
		Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
	}
}
