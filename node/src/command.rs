//! Dispatch of the command line to the service and the chain-ops subcommands.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};
use micropayment_pool_runtime::opaque::Block;
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"Micropayment Pool Node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
	}

	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}

	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}

	fn support_url() -> String {
		"https://github.com/micropayment-pool/pallet-micropayment-pool/issues".into()
	}

	fn copyright_start_year() -> i32 {
		2026
	}

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" => Box::new(chain_spec::development_chain_spec()?),
			"" | "local" => Box::new(chain_spec::local_chain_spec()?),
			path => {
				Box::new(chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path))?)
			},
		})
	}
}

/// Runs the partial service's parts through a chain-ops command.
macro_rules! with_partial {
	($cli:expr, $cmd:expr, |$parts:ident, $config:ident| $body:expr) => {{
		let runner = $cli.create_runner($cmd)?;
		runner.async_run(|$config| {
			let $parts = service::new_partial(&$config)?;
			$body
		})
	}};
}

/// Parses the command line and runs the node or the subcommand.
pub fn run() -> sc_cli::Result<()> {
	let cli = Cli::parse_with_defaults();

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::ExportChainSpec(cmd)) => {
			let spec = cli.load_spec(&cmd.chain)?;
			cmd.run(spec)
		},
		Some(Subcommand::CheckBlock(cmd)) => with_partial!(cli, cmd, |parts, config| {
			let PartialComponents { client, task_manager, import_queue, .. } = parts;
			Ok((cmd.run(client, import_queue), task_manager))
		}),
		Some(Subcommand::ExportBlocks(cmd)) => with_partial!(cli, cmd, |parts, config| {
			let PartialComponents { client, task_manager, .. } = parts;
			Ok((cmd.run(client, config.database), task_manager))
		}),
		Some(Subcommand::ExportState(cmd)) => with_partial!(cli, cmd, |parts, config| {
			let PartialComponents { client, task_manager, .. } = parts;
			Ok((cmd.run(client, config.chain_spec), task_manager))
		}),
		Some(Subcommand::ImportBlocks(cmd)) => with_partial!(cli, cmd, |parts, config| {
			let PartialComponents { client, task_manager, import_queue, .. } = parts;
			Ok((cmd.run(client, import_queue), task_manager))
		}),
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => with_partial!(cli, cmd, |parts, config| {
			let PartialComponents { client, task_manager, backend, .. } = parts;
			let aux_revert = Box::new(|client, _, blocks| {
				sc_consensus_grandpa::revert(client, blocks)?;
				Ok(())
			});
			Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
		}),
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => {
			use frame_benchmarking_cli::{BenchmarkCmd, SUBSTRATE_REFERENCE_HARDWARE};
			// The parachain runtime imports cumulus' proof-size host function: with it, `pallet`
			// and `overhead` run either runtime's wasm (`--runtime`), as frame-omni-bencher does.
			type ExtraHostFunctions =
				cumulus_primitives_proof_size_hostfunction::storage_proof_size::HostFunctions;
			// `--chain` or `--runtime`: a spec handed over here would take precedence over
			// `--runtime`, so one is loaded only when `--chain` names it.
			let spec = |chain: &Option<String>| chain.as_deref().map(|id| cli.load_spec(id)).transpose();
			match cmd {
				BenchmarkCmd::Pallet(cmd) => cmd
					.run_with_spec::<sp_runtime::traits::HashingFor<Block>, ExtraHostFunctions>(
						spec(&cmd.shared_params.chain)?,
					),
				BenchmarkCmd::Overhead(cmd) => cmd
					.run_with_default_builder_and_spec::<Block, ExtraHostFunctions>(spec(
						&cmd.shared_params.chain,
					)?),
				// Read and write costs measured on this node's database (ParityDb) holding the
				// state of the chain under `--base-path`.
				BenchmarkCmd::Storage(cmd) => {
					let runner = cli.create_runner(cmd)?;
					runner.sync_run(|config| {
						let PartialComponents { client, backend, .. } =
							service::new_partial(&config)?;
						let db = backend.expose_db();
						let storage = backend.expose_storage();
						let shared_trie_cache = backend.expose_shared_trie_cache();
						cmd.run(config, client, db, storage, shared_trie_cache)
					})
				},
				BenchmarkCmd::Machine(cmd) => {
					let runner = cli.create_runner(cmd)?;
					runner.sync_run(|config| cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone()))
				},
				BenchmarkCmd::Block(_) | BenchmarkCmd::Extrinsic(_) => Err(
					"`benchmark block` and `benchmark extrinsic` are not wired in this node".into(),
				),
			}
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		},
		None => {
			let runner = cli.create_runner(&cli.run)?;
			runner.run_node_until_exit(|config| async move {
				match config.network.network_backend {
					sc_network::config::NetworkBackendType::Libp2p => service::new_full::<
						sc_network::NetworkWorker<
							Block,
							<Block as sp_runtime::traits::Block>::Hash,
						>,
					>(config)
					.map_err(sc_cli::Error::Service),
					sc_network::config::NetworkBackendType::Litep2p => {
						service::new_full::<sc_network::Litep2pNetworkBackend>(config)
							.map_err(sc_cli::Error::Service)
					},
				}
			})
		},
	}
}
