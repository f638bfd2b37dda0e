//! `mpool-node`: a dev node for the micropayment-pool runtime.

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
