//! `mpool-sim`: the paper's results, measured on a running chain.
//!
//! - `mpool-sim stream`: viewers streaming from churning peers, paid through a pool, a pool
//!   with batch settlement, and the payment-channel baseline; double spending by a viewer and
//!   its sock puppets with every strategy of [`adversary::Strategy`] at every collateral/deposit
//!   ratio; peers returning bad chunks. Writes CSV, PNG plots and a Markdown summary.
//! - `mpool-sim load`: signed settlements pushed into the node at a target rate; settled
//!   vouchers per second, inclusion latency, lost or rejected vouchers.
//!
//! Exit codes: 0 success, 1 error, 2 usage, 3 a protocol check failed (a payment lost, a wrong
//! refund, more transactions than the protocol needs, a double spend that paid or returned more
//! than `−(1 − r)·(C − D)`).

mod adversary;
mod fleet;
mod importer;
mod load;
mod metrics;
mod plot;
mod report;
mod stream;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use adversary::Strategy;
use fleet::{account_of, Fleet};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use micropayment_pool_client::Balance;
use std::{path::PathBuf, sync::Arc};
use stream::{Mode, Workload};

#[derive(Parser)]
#[command(name = "mpool-sim", version, about)]
struct Cli {
	/// WebSocket RPC endpoint of a node of the demo runtime.
	#[arg(long, global = true, env = "MPOOL_URL", default_value = "ws://127.0.0.1:9944")]
	url: String,
	/// Dev account that funds the simulation's accounts.
	#[arg(long, global = true, default_value = "//Alice")]
	funder: String,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// The streaming workload in each payment mode, and the adversaries.
	Stream(StreamArgs),
	/// Load test: settlements at a target rate.
	Load(load::LoadArgs),
	/// Replace one section of a Markdown document (`<!-- SECTION:begin -->` … `<!-- SECTION:end
	/// -->`) with a run's summary: the one step that rewrites docs/results.md, kept apart from the
	/// runs, which write their summaries to their `--out` directory only.
	ResultsMd(ResultsMdArgs),
}

#[derive(Args)]
struct ResultsMdArgs {
	/// The Markdown document (e.g. docs/results.md).
	doc: PathBuf,
	/// The section to replace.
	#[arg(long)]
	section: String,
	/// The text to put there (a run's summary, e.g. `<out>/load-batch-summary.md`).
	#[arg(long)]
	from: PathBuf,
}

#[derive(Args)]
struct StreamArgs {
	/// Viewers per mode (each streams one session).
	#[arg(long, default_value_t = 8)]
	viewers: usize,
	/// Peers per mode.
	#[arg(long, default_value_t = 16)]
	peers: usize,
	/// Peers that take payment and return bad chunks (k of Theorem IV.2).
	#[arg(long, default_value_t = 2)]
	bad_peers: usize,
	/// Session length, seconds.
	#[arg(long, default_value_t = 600.0)]
	session: f64,
	/// Seconds between chunks.
	#[arg(long, default_value_t = 2.0)]
	chunk_interval: f64,
	/// Value A of one chunk: planck, or e.g. `0.01UNIT`.
	#[arg(long, default_value = "0.01UNIT")]
	chunk_value: String,
	/// A peer leaves after between MIN and MAX seconds (the paper's testnet: 60–100).
	#[arg(long, num_args = 2, value_names = ["MIN", "MAX"], default_values_t = [60.0, 100.0])]
	churn: Vec<f64>,
	/// Wall seconds per simulated second: 0.1 runs 10× faster (blocks stay 6 s, so channel
	/// waits weigh 10× more against the session).
	#[arg(long, default_value_t = 1.0)]
	time_scale: f64,
	/// Payment modes to run, side by side on disjoint accounts.
	#[arg(long, value_enum, value_delimiter = ',', default_values_t = [Mode::Pool, Mode::PoolBatch, Mode::Channel])]
	modes: Vec<Mode>,
	/// Collateral/deposit ratios of the double-spending scenarios (none: `--double-spend=`).
	#[arg(long, value_delimiter = ',', default_values_t = [1.1, 1.5, 2.0])]
	double_spend: Vec<f64>,
	/// Double-spending strategies, each played at every ratio of `--double-spend`.
	#[arg(long, value_enum, value_delimiter = ',', default_values_t = Strategy::ALL)]
	strategies: Vec<Strategy>,
	/// Blocks a peer requires the pool to stay open after the handshake.
	#[arg(long, default_value_t = 2)]
	margin: u32,
	/// The chain's block time in seconds, to size pools in blocks (3 for `mpool-para-node --dev`).
	#[arg(long, default_value_t = 6.0)]
	block_secs: f64,
	#[arg(long, default_value_t = 42)]
	seed: u64,
	/// Directory for the CSV files, plots and summary (default: a new temporary directory;
	/// `docs/results` updates the documented figures).
	#[arg(long)]
	out: Option<PathBuf>,
}

#[tokio::main]
async fn main() {
	let cli = Cli::parse();
	let result = match &cli.command {
		Command::Stream(args) => stream_cmd(&cli, args).await,
		Command::Load(args) => load::run(&cli.url, &cli.funder, args).await,
		Command::ResultsMd(args) => std::fs::read_to_string(&args.from)
			.map_err(anyhow::Error::from)
			.and_then(|text| report::splice(&args.doc, &args.section, &text))
			.map(|()| true),
	};
	match result {
		Ok(true) => std::process::exit(0),
		Ok(false) => std::process::exit(3),
		Err(e) => {
			eprintln!("error: {e:#}");
			std::process::exit(1);
		},
	}
}

fn bar(multi: &MultiProgress, len: u64, prefix: &str) -> ProgressBar {
	let bar = multi.add(ProgressBar::new(len));
	bar.set_style(
		ProgressStyle::with_template("{prefix:>12} [{elapsed_precise}] {bar:40} {pos}/{len} chunks {msg}")
			.expect("static template; qed"),
	);
	bar.set_prefix(prefix.to_string());
	bar
}

/// Runs `stream`; `Ok(false)` if a protocol check failed.
async fn stream_cmd(cli: &Cli, args: &StreamArgs) -> anyhow::Result<bool> {
	let work = Workload {
		viewers: args.viewers,
		peers: args.peers,
		bad_peers: args.bad_peers,
		session_secs: args.session,
		chunk_secs: args.chunk_interval,
		churn_secs: (args.churn[0], args.churn[1]),
		time_scale: args.time_scale,
		chunk_value: fleet::units().parse(&args.chunk_value).map_err(anyhow::Error::msg)?,
		seed: args.seed,
		margin_blocks: args.margin,
		block_secs: args.block_secs,
	};
	work.check()?;
	plot::load_font()?;
	let out = match &args.out {
		Some(out) => out.clone(),
		None => tempdir("mpool-sim-results")?,
	};
	std::fs::create_dir_all(&out).with_context(|| out.display().to_string())?;
	let stores = tempdir("mpool-sim")?;

	let chain = fleet::connect(&cli.url).await?;
	let fleet = Arc::new(Fleet::new(chain.clone(), &cli.url));
	let multi = MultiProgress::new();
	let setup = multi.add(ProgressBar::new_spinner());
	setup.enable_steady_tick(std::time::Duration::from_millis(120));

	// Fund every account in one round of transfers.
	let a = work.chunk_value;
	let total = work.total_chunks() as Balance;
	let unit = crate::fleet::UNIT;
	// Deposit + 1.5× collateral of the whole resource, or of up to 32 channels, plus fees.
	let viewer_funds = a.saturating_mul(total.max(32 * (args.churn[1] / args.chunk_interval + 2.0) as Balance)) * 3 + unit;
	// A peer pays fees and, at its first settlement in each pool, the storage deposit of its
	// `Paid` record (held until the record is reaped): fund it for every pool it may settle in.
	let peer_funds = unit.saturating_add(fleet::payee_record_deposit().saturating_mul(work.max_pools_per_peer() as Balance));
	let mut funding = Vec::new();
	for mode in &args.modes {
		let (viewers, peers) = stream::accounts(*mode, &work);
		funding.extend(viewers.into_iter().map(|v| (v, viewer_funds)));
		funding.extend(peers.into_iter().map(|p| (p, peer_funds)));
	}
	const DS_CHUNKS: usize = 5;
	let scenarios_planned: Vec<(Strategy, usize, f64)> = args
		.strategies
		.iter()
		.flat_map(|s| args.double_spend.iter().enumerate().map(move |(i, r)| (*s, i, *r)))
		.collect();
	for (strategy, i, ratio) in &scenarios_planned {
		// Each account settles in one pool at most: fees and one storage deposit.
		funding.extend(adversary::funding(*strategy, *i, *ratio, a, DS_CHUNKS, unit));
	}
	setup.set_message(format!("funding {} accounts from {}", funding.len(), cli.funder));
	let funder = fleet::key_from_uri(&cli.funder)?;
	fleet.fund(&funder, &funding).await.context("funding")?;
	setup.finish_with_message(format!("funded {} accounts from {}", funding.len(), account_of(&funder)));

	let mut modes = Vec::new();
	for mode in args.modes.clone() {
		let progress = bar(&multi, (work.viewers * work.total_chunks()) as u64, mode.name());
		let (work, fleet, dir) = (work.clone(), fleet.clone(), stores.clone());
		modes.push(tokio::spawn(async move { stream::run(mode, work, fleet, dir, progress).await }));
	}
	let ds_bar = multi.add(ProgressBar::new(scenarios_planned.len() as u64));
	ds_bar.set_style(ProgressStyle::with_template("{prefix:>12} [{elapsed_precise}] {bar:40} {pos}/{len} scenarios").expect("static template; qed"));
	ds_bar.set_prefix("double spend");
	let mut scenarios = Vec::new();
	for (strategy, i, ratio) in scenarios_planned.iter().copied() {
		let (fleet, dir, bar) = (fleet.clone(), stores.clone(), ds_bar.clone());
		scenarios.push(tokio::spawn(async move {
			let r = adversary::double_spend(fleet, strategy, i, ratio, a, DS_CHUNKS, &dir).await;
			bar.inc(1);
			r.map_err(|e| e.context(format!("{} at C/D = {ratio}", strategy.name())))
		}));
	}
	let mut outcomes = Vec::new();
	for m in modes {
		outcomes.push(m.await??);
	}
	let mut double_spends = Vec::new();
	for s in scenarios {
		double_spends.push(s.await?.context("double spend")?);
	}
	ds_bar.finish();
	let _ = std::fs::remove_dir_all(&stores);

	let out = &out;
	report::write_csv(&out.join("stream-switches.csv"), &report::all_switches(&outcomes))?;
	report::write_csv(&out.join("stream-sessions.csv"), &report::all_sessions(&outcomes))?;
	report::write_csv(&out.join("stream-transactions.csv"), &report::all_transactions(&outcomes))?;
	report::write_csv(&out.join("double-spend.csv"), &double_spends)?;
	plot::switching_cdf(&out.join("switching-time.png"), &outcomes)?;
	plot::tx_per_session(&out.join("tx-per-session.png"), &outcomes)?;
	if !double_spends.is_empty() {
		plot::double_spend(&out.join("double-spend.png"), &double_spends)?;
	}
	let command = format!("mpool-sim {}", std::env::args().skip(1).collect::<Vec<_>>().join(" "));
	let md = report::summary(&work, &command, &outcomes, &double_spends);
	std::fs::write(out.join("stream-summary.md"), &md)?;
	println!("{md}");
	println!("CSV, plots and summary in {}", out.display());

	// Also checked while running (a failure there is an error): every voucher a peer accepted
	// was paid in full, every refund was exactly the unpaid deposit and the collateral.
	let (checks, violations) = report::violations(&work, &outcomes, &double_spends);
	for v in &violations {
		eprintln!("CHECK FAILED: {v}");
	}
	println!(
		"mpool-sim checks (transactions per session, bad-peer loss ≤ k·A, double spending: net return < 0 when an honest peer is underpaid and ≤ −(1 − r)(C − D), forfeiture, no honest settlement blocked, balances conserved, refusals): test result: {}. {} passed; {} failed;",
		if violations.is_empty() { "ok" } else { "FAILED" },
		checks - violations.len().min(checks),
		violations.len()
	);
	Ok(violations.is_empty())
}

/// A fresh directory under the system's temporary directory.
fn tempdir(prefix: &str) -> anyhow::Result<PathBuf> {
	let dir = std::env::temp_dir().join(format!("{prefix}-{}-{}", std::process::id(), rand::random::<u32>()));
	std::fs::create_dir_all(&dir)?;
	Ok(dir)
}
