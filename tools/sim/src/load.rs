//! Load test: peers push signed settlements into the node at a target rate of vouchers per
//! second, as single `settle` transactions or `settleBatch`es, for a fixed time. Everything is
//! signed before the clock starts, so the client measures the chain, not its own signing.
//!
//! A second connection watches every new best block: which of our transactions it holds, the
//! `Settled` / `SettlementFailed` / `ExtrinsicFailed` events they emitted, and the block's
//! weight. Reported: vouchers settled per second, inclusion latency (submission → in a best
//! block) p50/p99, rejected and lost vouchers, block fullness, and — with `--node-log` — how
//! long the node took to build each block. With `--importer-metrics`, a second node importing
//! every block the author builds gives each block's import time (execution included): the
//! execution per voucher, the ceiling it sets, and whether the weights charged were optimistic.

use crate::{
	fleet::{account_of, key, key_from_uri, payee_record_deposit, Fleet, UNIT},
	importer::{self, Endpoint, Import},
	metrics,
	report::{quantile, write_csv},
};
use anyhow::{anyhow, ensure, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use micropayment_pool_client::{
	api::{
		pool_events as ev,
		runtime::{system::events::ExtrinsicFailed, tx as calls},
		BoundedVec, MultiSignature, SettlementItem,
	},
	chain::{AtBlock, SignedTx},
	AccountId, Balance, Chain, Hash, HeaderExt, PoolId, Voucher, Wait,
};
use sp_core::{sr25519, Pair};
use std::{
	collections::{HashMap, HashSet},
	fmt::Write as _,
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::sync::{Mutex, Semaphore};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LoadMode {
	/// One `settle` transaction per voucher.
	Single,
	/// `settleBatch` transactions of `--batch-size` vouchers from distinct pools.
	Batch,
}

#[derive(Args, Clone)]
pub struct LoadArgs {
	#[arg(long, value_enum, default_value = "batch")]
	mode: LoadMode,
	/// Vouchers offered per second.
	#[arg(long, default_value_t = 1250.0)]
	rate: f64,
	/// Seconds of offered load.
	#[arg(long, default_value_t = 60.0)]
	duration: f64,
	/// Vouchers per `settleBatch` (at most the runtime's MaxBatch, 256).
	#[arg(long, default_value_t = 256)]
	batch_size: usize,
	/// Pools the vouchers come from.
	#[arg(long, default_value_t = 256)]
	pools: usize,
	/// Pools each owner account opens (at most the runtime's MaxPoolsPerAccount, 32). The
	/// paper's workload is one viewer per pool, so each pool's owner is an account of its own,
	/// read and written apart from the others.
	#[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=32))]
	pools_per_owner: u32,
	/// Peers submitting settlements (each with its own nonce sequence).
	#[arg(long, default_value_t = 64)]
	targets: usize,
	/// Amount each voucher adds to its peer's cumulative total.
	#[arg(long, default_value = "0.001UNIT")]
	voucher_value: String,
	/// Submissions awaiting the node's answer at once.
	#[arg(long, default_value_t = 256)]
	in_flight: usize,
	/// After the last submission, give up on a transaction once no new one was included for this
	/// many seconds.
	#[arg(long, default_value_t = 30.0)]
	stall: f64,
	/// The node's log, to report how long it took to build each block.
	#[arg(long)]
	node_log: Option<PathBuf>,
	/// Prometheus endpoint (`http://host:port/metrics`) of a second node that imports every block
	/// the author builds: its per-block import time is recorded beside the build time.
	#[arg(long)]
	importer_metrics: Option<Endpoint>,
	/// Directory for the per-block CSV, the plot and the summary (`load-<mode>-summary.md`,
	/// which `mpool-sim results-md` puts into docs/results.md).
	#[arg(long)]
	out: Option<PathBuf>,
}

/// How long the load test's pools live: 30 minutes of 6 s blocks.
const POOL_DURATION: u32 = 300;

/// One planned transaction.
struct Planned {
	xt: SignedTx,
	vouchers: u32,
}

/// What the watcher saw of one of our transactions.
#[derive(Clone, Copy)]
struct Seen {
	at: Instant,
	settled: u32,
	failed_vouchers: u32,
	failed: bool,
}

#[derive(Clone, Debug, serde::Serialize)]
struct BlockRow {
	number: u32,
	/// The block's hash (a collator's exported PoV files are named by it).
	hash: String,
	/// Seconds since the first submission.
	seen_s: f64,
	our_extrinsics: u32,
	vouchers_settled: u32,
	/// Normal-class weight used, ms of reference time.
	weight_ms: f64,
	/// `weight_ms` over the normal class's limit.
	fullness: f64,
	/// Normal-class proof size used, kB (on a parachain with StorageWeightReclaim: the proof
	/// its transactions really recorded).
	proof_kb: f64,
	/// `proof_kb` over the normal class's proof-size limit.
	proof_fullness: f64,
	/// The block's encoded extrinsics, kB (the body a PoV carries beside the storage proof).
	extrinsics_kb: f64,
	/// How long the node took to build it, if its log was given.
	proposal_ms: Option<f64>,
	end_reason: Option<String>,
	/// Ref time of all three classes (transactions, inherents, the block's base cost), ms.
	total_weight_ms: f64,
	/// How long the importer took to verify and import it, if its metrics were given.
	import_ms: Option<f64>,
	/// Blocks imported between the same two scrapes of the importer (1: measured alone).
	import_shared_by: Option<u32>,
	/// `import_ms / total_weight_ms`: above 1, the block took longer than its weight says.
	import_over_weight: Option<f64>,
}

/// Runs the load test; `Ok(false)` if a valid voucher was rejected or lost.
pub async fn run(url: &str, funder: &str, args: &LoadArgs) -> anyhow::Result<bool> {
	let value = crate::fleet::units().parse(&args.voucher_value).map_err(anyhow::Error::msg)?;
	let batch = match args.mode {
		LoadMode::Single => 1,
		LoadMode::Batch => args.batch_size,
	};
	ensure!((1..=256).contains(&batch), "batch size must be 1..=256");
	ensure!(args.pools >= batch, "a batch takes vouchers from distinct pools: --pools >= --batch-size");
	ensure!(args.targets > 0 && args.rate > 0.0 && args.duration > 0.0, "bad load shape");
	let vouchers = (args.rate * args.duration).ceil() as usize;
	let extrinsics = vouchers.div_ceil(batch);

	let chain = crate::fleet::connect(url).await?;
	let fleet = Fleet::new(chain.clone(), url);
	let spinner = ProgressBar::new_spinner();
	spinner.enable_steady_tick(Duration::from_millis(120));

	// Accounts: owners of `pools` pools (`pools_per_owner` each), and the peers who settle.
	let per_owner = args.pools_per_owner as usize;
	let owners: Vec<sr25519::Pair> =
		(0..args.pools.div_ceil(per_owner)).map(|i| key("load-owner", i)).collect();
	let targets: Vec<sr25519::Pair> = (0..args.targets).map(|i| key("load-target", i)).collect();
	let per_pool = vouchers.div_ceil(args.pools) as Balance + 2;
	let deposit = value.saturating_mul(per_pool * args.targets as Balance);
	let mut funding: Vec<(AccountId, Balance)> =
		owners.iter().map(|o| (account_of(o), deposit.saturating_mul(per_owner as Balance * 3) + UNIT)).collect();
	// Fees, and the `Paid` storage deposit of a target's first settlement in each pool.
	let target_funds = 10 * UNIT + payee_record_deposit().saturating_mul(args.pools as Balance);
	funding.extend(targets.iter().map(|t| (account_of(t), target_funds)));
	spinner.set_message(format!("funding {} accounts", funding.len()));
	fleet.fund(&key_from_uri(funder)?, &funding).await.context("funding")?;

	spinner.set_message(format!("creating {} pools", args.pools));
	let mut pools: Vec<(PoolId, usize)> = Vec::new();
	let mut creations = Vec::new();
	for (o, owner) in owners.iter().enumerate() {
		let count = (args.pools - o * per_owner).min(per_owner);
		let (chain, owner, url) = (chain.clone(), owner.clone(), url.to_string());
		creations.push(tokio::spawn(async move {
			let who = account_of(&owner);
			let already = chain.owner_pools(&who, None).await?.len();
			let fleet = Fleet::new(chain.clone(), &url);
			for k in already..count {
				let call = calls().micropayment_pool().create_pool(
					BoundedVec(b"load".to_vec()),
					deposit,
					deposit.saturating_add(deposit / 2),
					POOL_DURATION,
				);
				if k + 1 == count {
					fleet.submit(&owner, call, Wait::InBlock).await?;
				} else {
					let nonce = fleet.next_nonce(&who).await?;
					let at = chain.at_finalized().await?;
					chain.submit_only(&Chain::sign(&at, &owner, &call, nonce)?).await?;
				}
			}
			anyhow::Ok(chain.owner_pools(&who, None).await?)
		}));
	}
	for (o, task) in creations.into_iter().enumerate() {
		pools.extend(task.await??.into_iter().map(|id| (id, o)));
	}
	pools.truncate(args.pools);
	ensure!(pools.len() == args.pools, "only {} of {} pools exist", pools.len(), args.pools);

	// Plan every transaction: peer, nonce, and its vouchers' (pool, cumulative amount).
	spinner.set_message(format!("signing {vouchers} vouchers in {extrinsics} transactions"));
	let genesis = chain.genesis_bytes();
	let mut nonces = Vec::new();
	for t in &targets {
		nonces.push(chain.next_nonce(&account_of(t)).await?);
	}
	let mut counters: HashMap<(usize, usize), Balance> = HashMap::new();
	let mut plans: Vec<(usize, u32, Vec<(usize, Balance)>)> = Vec::with_capacity(extrinsics);
	for x in 0..extrinsics {
		let t = x % args.targets;
		let n = batch.min(vouchers - x * batch);
		let items = (0..n)
			.map(|j| {
				let p = match args.mode {
					LoadMode::Single => (x / args.targets) % args.pools,
					LoadMode::Batch => (x * batch + j) % args.pools,
				};
				let total = counters.entry((p, t)).or_default();
				*total += value;
				(p, *total)
			})
			.collect();
		plans.push((t, nonces[t] + (x / args.targets) as u32, items));
	}
	let at = chain.at_finalized().await?;
	let planned = sign_all(&at, &owners, &targets, &pools, genesis, args.mode, plans);
	spinner.finish_with_message(format!(
		"{} pools, {} peers; {vouchers} vouchers signed in {extrinsics} transactions",
		args.pools, args.targets
	));

	// Watch the chain on its own connection, then submit on schedule.
	let watcher_chain = Chain::connect(url).await?;
	let index: HashMap<Hash, usize> = planned.iter().enumerate().map(|(i, p)| (p.xt.hash, i)).collect();
	let seen: Arc<Mutex<Vec<Option<Seen>>>> = Arc::new(Mutex::new(vec![None; planned.len()]));
	let blocks: Arc<Mutex<Vec<(u32, Instant, Hash, u32, u32)>>> = Arc::default();
	let start = Instant::now() + Duration::from_secs(1);
	let submitted: Arc<Mutex<Vec<Option<(Instant, Result<(), String>)>>>> =
		Arc::new(Mutex::new(vec![None; planned.len()]));
	let done_submitting = Arc::new(tokio::sync::Notify::new());
	let (importer_done, importer_stop) = tokio::sync::watch::channel(None);
	let importer = args.importer_metrics.clone().map(|endpoint| {
		tokio::spawn(importer::follow(endpoint, Duration::from_millis(100), importer_stop, Duration::from_secs(60)))
	});
	let watcher = {
		let (seen, blocks, index, done) = (seen.clone(), blocks.clone(), index, done_submitting.clone());
		let submitted = submitted.clone();
		let stall = Duration::from_secs_f64(args.stall);
		tokio::spawn(async move {
			watch(watcher_chain, index, seen, blocks, submitted, done, stall).await
		})
	};

	let bar = ProgressBar::new(planned.len() as u64);
	bar.set_style(
		ProgressStyle::with_template("{prefix:>8} [{elapsed_precise}] {bar:40} {pos}/{len} tx submitted {msg}")
			.expect("static template; qed"),
	);
	bar.set_prefix("load");
	let limiter = Arc::new(Semaphore::new(args.in_flight));
	let interval = Duration::from_secs_f64(batch as f64 / args.rate);
	let planned = Arc::new(planned);
	let mut handles = Vec::with_capacity(planned.len());
	for i in 0..planned.len() {
		tokio::time::sleep_until((start + interval.mul_f64(i as f64)).into()).await;
		let permit = limiter.clone().acquire_owned().await?;
		let (chain, planned, submitted, bar) = (chain.clone(), planned.clone(), submitted.clone(), bar.clone());
		handles.push(tokio::spawn(async move {
			let at = Instant::now();
			let result = chain.submit_only(&planned[i].xt).await.map(|_| ()).map_err(|e| e.to_string());
			submitted.lock().await[i] = Some((at, result));
			bar.inc(1);
			drop(permit);
		}));
	}
	for h in handles {
		h.await?;
	}
	let offered_secs = Instant::now().duration_since(start).as_secs_f64();
	bar.finish_with_message(format!("in {offered_secs:.1} s; waiting for inclusion"));
	done_submitting.notify_one();
	watcher.await??;
	let imports: HashMap<u32, Import> = match importer {
		Some(task) => {
			let last = blocks.lock().await.iter().map(|b| b.0).max().unwrap_or(0);
			importer_done.send_replace(Some(last));
			task.await??
		},
		None => HashMap::new(),
	};

	// Counted from state, not from events: once the last block with our transactions is
	// finalized, every peer's `Paid` total in every pool must be the last cumulative amount it
	// was sent (a block replaced on the best chain, as async backing may do, must not lose one).
	let last_ours = blocks.lock().await.iter().filter(|b| b.3 > 0).map(|b| b.0).max();
	let finalized = match last_ours {
		Some(last) => {
			eprintln!("load: waiting for block #{last} to be finalized, then reading every peer's total");
			Some(wait_finalized(&chain, last, Duration::from_secs_f64(args.stall)).await?)
		},
		None => None,
	};
	let unpaid_at_finality = match finalized {
		Some(finalized) => {
			let mut short = 0u64;
			for ((p, t), total) in &counters {
				let paid = chain.paid(pools[*p].0, &account_of(&targets[*t]), Some(finalized)).await?;
				short += u64::from(paid != *total);
			}
			Some(short)
		},
		None => None,
	};
	// Only the blocks of the finalized chain: a best block that was replaced before finality has
	// no state left to read (its transactions went into the block that replaced it).
	let finalized_number = match finalized {
		Some(hash) => chain.block_number(hash).await?,
		None => u32::MAX,
	};
	let mut replaced = 0usize;

	// Per-block weight and, from the node's log, build times.
	let (limit_ref_time, limit_proof) = metrics::max_normal_weight(&chain).await?;
	let limit_ms = limit_ref_time as f64 / 1e9;
	let limit_proof_kb = limit_proof as f64 / 1e3;
	let proposals = match &args.node_log {
		Some(path) => proposal_times(&std::fs::read_to_string(path).with_context(|| path.display().to_string())?),
		None => HashMap::new(),
	};
	let mut rows = Vec::new();
	for (number, at, hash, ours, settled) in blocks.lock().await.iter() {
		if finalized.is_some()
			&& (*number > finalized_number || chain.block_hash(*number).await? != Some(*hash))
		{
			replaced += usize::from(*number <= finalized_number);
			continue;
		}
		let (ref_time, proof_size) = metrics::normal_weight(&chain, *hash).await?;
		let weight_ms = ref_time as f64 / 1e9;
		let proof_kb = proof_size as f64 / 1e3;
		let extrinsics_kb =
			metrics::block_extrinsics(&chain, *hash).await?.iter().map(|xt| xt.len() as f64).sum::<f64>() / 1e3;
		let total_weight_ms = metrics::block_ref_time(&chain, *hash).await? as f64 / 1e9;
		let proposal = proposals.get(number);
		let import = imports.get(number);
		rows.push(BlockRow {
			number: *number,
			hash: format!("{hash:?}"),
			seen_s: at.saturating_duration_since(start).as_secs_f64(),
			our_extrinsics: *ours,
			vouchers_settled: *settled,
			weight_ms,
			fullness: weight_ms / limit_ms,
			proof_kb,
			proof_fullness: proof_kb / limit_proof_kb,
			extrinsics_kb,
			proposal_ms: proposal.map(|p| p.0),
			end_reason: proposal.map(|p| p.1.clone()),
			total_weight_ms,
			import_ms: import.map(|i| i.ms),
			import_shared_by: import.map(|i| i.shared_by),
			import_over_weight: import.map(|i| i.ms / total_weight_ms.max(1e-9)),
		});
	}

	let seen = seen.lock().await.clone();
	let submitted = submitted.lock().await.clone();
	let mut rejected = Vec::new();
	let (mut lost, mut settled, mut failed_vouchers, mut failed_xts) = (0u64, 0u64, 0u64, 0u64);
	let mut latencies = Vec::new();
	let mut last_inclusion = start;
	for (i, plan) in planned.iter().enumerate() {
		match (&submitted[i], &seen[i]) {
			(Some((_, Err(e))), _) => rejected.push(e.clone()),
			(Some((at, Ok(()))), Some(s)) => {
				settled += u64::from(s.settled);
				failed_vouchers += u64::from(s.failed_vouchers);
				failed_xts += u64::from(s.failed);
				let latency = s.at.saturating_duration_since(*at).as_secs_f64() * 1e3;
				latencies.extend(std::iter::repeat_n(latency, plan.vouchers as usize));
				last_inclusion = last_inclusion.max(s.at);
			},
			_ => lost += u64::from(plan.vouchers),
		}
	}
	let rejected_vouchers: u64 = rejected.len() as u64 * batch as u64;
	let span = last_inclusion.saturating_duration_since(start).as_secs_f64().max(1e-9);
	let in_window: u64 = rows
		.iter()
		.filter(|r| r.seen_s <= args.duration)
		.map(|r| u64::from(r.vouchers_settled))
		.sum();
	let busy: Vec<&BlockRow> = rows.iter().filter(|r| r.our_extrinsics > 0).collect();
	let mean = |f: &dyn Fn(&BlockRow) -> f64| busy.iter().map(|r| f(r)).sum::<f64>() / busy.len().max(1) as f64;
	let settled_in_busy = busy.iter().map(|r| r.vouchers_settled as f64).sum::<f64>().max(1.0);
	let per_voucher_weight_us = busy.iter().map(|r| r.weight_ms).sum::<f64>() * 1e3 / settled_in_busy;

	let mode = match args.mode {
		LoadMode::Single => "single `settle`".to_string(),
		LoadMode::Batch => format!("`settleBatch` of {batch}"),
	};
	let mut md = String::new();
	let _ = writeln!(md, "Command: `mpool-sim {}` ({} cores)\n", std::env::args().skip(1).collect::<Vec<_>>().join(" "), num_cpus());
	let _ = writeln!(md, "| {mode}: {} vouchers/s offered for {} s | value |", args.rate, args.duration);
	let _ = writeln!(md, "|---|---|");
	let _ = writeln!(md, "| vouchers offered / submitted in | {vouchers} / {offered_secs:.1} s |");
	let _ = writeln!(md, "| **settled vouchers/s, sustained** (all settled ÷ first submission → last inclusion) | **{:.0}** ({settled} in {span:.1} s) |", settled as f64 / span);
	let _ = writeln!(md, "| settled vouchers/s within the {} s window | {:.0} |", args.duration, in_window as f64 / args.duration);
	let _ = writeln!(md, "| inclusion latency p50 / p99 (submission → best block) | {:.0} ms / {:.0} ms |", quantile(&latencies, 0.5), quantile(&latencies, 0.99));
	let _ = writeln!(md, "| rejected at submission / failed in block / not included | {rejected_vouchers} / {} / {lost} |", failed_vouchers + failed_xts * batch as u64);
	if let Some(short) = unpaid_at_finality {
		let _ = writeln!(md, "| (pool, peer) totals not as sent, read from state at finality | {short} of {} |", counters.len());
		let _ = writeln!(md, "| best blocks replaced before finality (not counted below) | {replaced} |");
	}
	let _ = writeln!(md, "| blocks with our transactions | {} (max {} vouchers in one) |", busy.len(), busy.iter().map(|r| r.vouchers_settled).max().unwrap_or(0));
	let _ = writeln!(md, "| block weight used (normal class, mean of those blocks) | {:.0} ms of {limit_ms:.0} ms ({:.0}%) |", mean(&|r| r.weight_ms), 100.0 * mean(&|r| r.fullness));
	let _ = writeln!(md, "| weight per settled voucher | {per_voucher_weight_us:.0} µs |");
	let _ = writeln!(md, "| weight-bound ceiling: {limit_ms:.0} ms ÷ weight per voucher ÷ 6 s | {:.0} vouchers/s |", limit_ms * 1e3 / per_voucher_weight_us / 6.0);
	// A block takes whole transactions: as many full ones as fit the normal class's ref time.
	let our_xts = busy.iter().map(|r| f64::from(r.our_extrinsics)).sum::<f64>().max(1.0);
	let per_xt_ms = busy.iter().map(|r| r.weight_ms).sum::<f64>() / our_xts;
	let per_xt_vouchers = settled_in_busy / our_xts;
	let whole = (limit_ms / per_xt_ms.max(1e-9)).floor();
	let _ = writeln!(md, "| weight-bound ceiling, whole transactions: ⌊{limit_ms:.0} ms ÷ {per_xt_ms:.1} ms⌋ = {whole:.0} per block × {per_xt_vouchers:.0} vouchers ÷ 6 s | {:.0} vouchers/s |", whole * per_xt_vouchers / 6.0);
	// A runtime without a proof-size limit (the solochain) reports u64::MAX: no second bound.
	if limit_proof < u64::MAX / 2 {
		let per_voucher_proof_b = busy.iter().map(|r| r.proof_kb).sum::<f64>() * 1e3 / settled_in_busy;
		let per_voucher_body_b = busy.iter().map(|r| r.extrinsics_kb).sum::<f64>() * 1e3 / settled_in_busy;
		let proof_bound = busy.iter().filter(|r| r.proof_fullness > r.fullness).count();
		let _ = writeln!(md, "| block proof size used (normal class, mean of those blocks) | {:.0} kB of {limit_proof_kb:.0} kB ({:.0}%) |", mean(&|r| r.proof_kb), 100.0 * mean(&|r| r.proof_fullness));
		let _ = writeln!(md, "| proof size per settled voucher (normal class) / block body per voucher | {per_voucher_proof_b:.0} B / {per_voucher_body_b:.0} B |");
		let _ = writeln!(md, "| proof-bound ceiling: {limit_proof_kb:.0} kB ÷ proof per voucher ÷ 6 s | {:.0} vouchers/s |", limit_proof as f64 / per_voucher_proof_b / 6.0);
		let _ = writeln!(md, "| **binding limit** (the fuller of the two, per block with our transactions) | ref time in {}, proof size in {proof_bound} |", busy.len() - proof_bound);
	}
	if busy.iter().any(|r| r.proposal_ms.is_some()) {
		let _ = writeln!(md, "| node's block build time (mean of those blocks) | {:.0} ms |", mean(&|r| r.proposal_ms.unwrap_or(0.0)));
		let mut reasons: HashMap<String, usize> = HashMap::new();
		for r in &busy {
			*reasons.entry(r.end_reason.clone().unwrap_or_default()).or_default() += 1;
		}
		let _ = writeln!(md, "| why the node stopped filling the block | {reasons:?} |");
	}
	let imported: Vec<&&BlockRow> = busy.iter().filter(|r| r.import_ms.is_some()).collect();
	if !imported.is_empty() {
		let import_ms: f64 = imported.iter().filter_map(|r| r.import_ms).sum();
		let their_vouchers: f64 = imported.iter().map(|r| r.vouchers_settled as f64).sum();
		let per_voucher_us = import_ms * 1e3 / their_vouchers.max(1.0);
		let ceiling = limit_ms * 1e3 / per_voucher_us / 6.0;
		let sustained = settled as f64 / span;
		let worst = imported
			.iter()
			.max_by(|a, b| a.import_over_weight.partial_cmp(&b.import_over_weight).unwrap_or(std::cmp::Ordering::Equal))
			.expect("imported is not empty; qed");
		let verify_us = sr25519_verify_us();
		let _ = writeln!(md, "| importer's verification + import time per block (mean of those blocks; {} of {} measured alone) | {:.0} ms |", imported.iter().filter(|r| r.import_shared_by == Some(1)).count(), imported.len(), import_ms / imported.len() as f64);
		let _ = writeln!(md, "| execution per settled voucher (importer's time ÷ vouchers, those blocks) | {per_voucher_us:.0} µs |");
		let _ = writeln!(md, "| one sr25519 verification (this process, same run); execution per voucher ÷ it | {verify_us:.1} µs; {:.2} |", per_voucher_us / verify_us);
		let _ = writeln!(md, "| **ceiling**: {limit_ms:.0} ms ÷ execution per voucher ÷ 6 s | **{ceiling:.0} vouchers/s** |");
		let _ = writeln!(md, "| **sustained ÷ ceiling** | **{:.2}** |", sustained / ceiling);
		let _ = writeln!(md, "| weights not optimistic: importer's time ÷ the block's ref-time weight, max | {:.2} (block {}: {:.0} ms for {:.0} ms of weight) |", worst.import_over_weight.unwrap_or(0.0), worst.number, worst.import_ms.unwrap_or(0.0), worst.total_weight_ms);
	}
	if let Some(first) = rejected.first() {
		let _ = writeln!(md, "\nFirst rejection: `{first}`");
	}
	println!("{md}");
	if let Some(out) = &args.out {
		std::fs::create_dir_all(out)?;
		let name = match args.mode {
			LoadMode::Single => "single",
			LoadMode::Batch => "batch",
		};
		write_csv(&out.join(format!("load-{name}-blocks.csv")), &rows)?;
		std::fs::write(out.join(format!("load-{name}-summary.md")), &md)?;
		crate::plot::load_font()?;
		plot_blocks(&out.join(format!("load-{name}.png")), &rows, args.rate, &mode)?;
	}
	Ok(rejected.is_empty()
		&& lost == 0
		&& failed_vouchers == 0
		&& failed_xts == 0
		&& unpaid_at_finality.unwrap_or(0) == 0)
}

/// Waits until block `number` is finalized; returns the finalized head then. Gives up once
/// finality has not advanced for `stall`.
async fn wait_finalized(chain: &Chain, number: u32, stall: Duration) -> anyhow::Result<Hash> {
	let mut last = (0u32, Instant::now());
	loop {
		let head = chain.finalized_head().await?;
		let at = chain.block_number(head).await?;
		if at >= number {
			return Ok(head);
		}
		if at > last.0 {
			last = (at, Instant::now());
		}
		ensure!(last.1.elapsed() <= stall, "finality stalled at #{at} (waiting for #{number})");
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
}

/// One sr25519 verification of a voucher payload in this process, µs (the runtime's check is
/// the same native host function): the mean of 2,000.
fn sr25519_verify_us() -> f64 {
	let pair = key("load-verify", 0);
	let payload = Voucher { genesis_hash: [7; 32], pool_id: 1, target: [9; 32], amount: 1 }.payload();
	let signature = pair.sign(&payload);
	let public = pair.public();
	const N: u32 = 2_000;
	let started = Instant::now();
	let mut ok = 0u32;
	for _ in 0..N {
		ok += u32::from(sr25519::Pair::verify(&signature, payload, &public));
	}
	assert_eq!(ok, N, "a valid signature verifies");
	started.elapsed().as_secs_f64() * 1e6 / f64::from(N)
}

fn num_cpus() -> usize {
	std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Signs every planned transaction, on every core.
fn sign_all(
	at: &AtBlock,
	owners: &[sr25519::Pair],
	targets: &[sr25519::Pair],
	pools: &[(PoolId, usize)],
	genesis: [u8; 32],
	mode: LoadMode,
	plans: Vec<(usize, u32, Vec<(usize, Balance)>)>,
) -> Vec<Planned> {
	let sign = |(t, nonce, items): &(usize, u32, Vec<(usize, Balance)>)| {
		let target = account_of(&targets[*t]);
		let mut signed: Vec<(PoolId, Balance, MultiSignature)> = items
			.iter()
			.map(|(p, amount)| {
				let (pool_id, owner) = pools[*p];
				let voucher = Voucher { genesis_hash: genesis, pool_id, target: *target.as_ref(), amount: *amount };
				(pool_id, *amount, MultiSignature::Sr25519(owners[owner].sign(&voucher.payload()).0))
			})
			.collect();
		let pool_calls = calls().micropayment_pool();
		let xt = if mode == LoadMode::Single && signed.len() == 1 {
			let (pool_id, amount, signature) = signed.remove(0);
			Chain::sign(at, &targets[*t], &pool_calls.settle(pool_id, amount, signature), *nonce)
		} else {
			let items: Vec<_> = signed
				.into_iter()
				.map(|(pool_id, amount, signature)| SettlementItem { pool_id, amount, signature })
				.collect();
			Chain::sign(at, &targets[*t], &pool_calls.settle_batch(BoundedVec(items)), *nonce)
		}
		.expect("the calls are the metadata's and the keys sr25519: signing cannot fail; qed");
		Planned { xt, vouchers: items.len() as u32 }
	};
	let threads = num_cpus();
	let chunk = plans.len().div_ceil(threads).max(1);
	std::thread::scope(|s| {
		let handles: Vec<_> = plans
			.chunks(chunk)
			.map(|part| s.spawn(move || part.iter().map(sign).collect::<Vec<_>>()))
			.collect();
		handles.into_iter().flat_map(|h| h.join().expect("signing does not panic; qed")).collect()
	})
}

/// Follows best blocks until every submitted transaction is seen, or none was for `stall`
/// after submissions ended.
#[allow(clippy::type_complexity)]
async fn watch(
	chain: Chain,
	index: HashMap<Hash, usize>,
	seen: Arc<Mutex<Vec<Option<Seen>>>>,
	blocks: Arc<Mutex<Vec<(u32, Instant, Hash, u32, u32)>>>,
	submitted: Arc<Mutex<Vec<Option<(Instant, Result<(), String>)>>>>,
	done: Arc<tokio::sync::Notify>,
	stall: Duration,
) -> anyhow::Result<()> {
	let mut heads = metrics::subscribe_best_heads(&chain).await?;
	// Every block read, so that a new best block's unread ancestors are read too.
	let mut read: HashSet<Hash> = HashSet::new();
	let mut finished = false;
	let mut last_progress = Instant::now();
	loop {
		let next = tokio::select! {
			h = heads.next() => Some(h.ok_or_else(|| anyhow!("head subscription ended"))?),
			_ = done.notified(), if !finished => {
				finished = true;
				last_progress = Instant::now();
				None
			},
			_ = tokio::time::sleep(Duration::from_secs(1)) => None,
		};
		if let Some(header) = next {
			let header = header.map_err(|e| anyhow!("head subscription: {e}"))?;
			let at = Instant::now();
			// The new best block and its ancestors not read yet: blocks the subscription skipped,
			// and the blocks of a new branch after a reorganisation (asynchronous backing can
			// replace a best block), whose numbers were read already on the old branch.
			let mut hashes = vec![(header.block_number(), header.hash())];
			let mut parent = header.parent_hash;
			while !read.is_empty() && !read.contains(&parent) {
				let Ok(ancestor) = chain.header(Some(parent)).await else { break };
				hashes.push((ancestor.block_number(), parent));
				if ancestor.block_number() == 0 {
					break;
				}
				parent = ancestor.parent_hash;
			}
			hashes.reverse();
			for (n, hash) in hashes {
				read.insert(hash);
				let (ours, settled) = read_block(&chain, hash, at, &index, &seen).await?;
				if ours > 0 {
					last_progress = at;
				}
				blocks.lock().await.push((n, at, hash, ours, settled));
			}
		}
		if finished {
			let submitted = submitted.lock().await;
			let seen = seen.lock().await;
			let pending = submitted
				.iter()
				.zip(seen.iter())
				.filter(|(s, seen)| matches!(s, Some((_, Ok(())))) && seen.is_none())
				.count();
			if pending == 0 || last_progress.elapsed() > stall {
				return Ok(());
			}
		}
	}
}

/// Marks our transactions in block `hash`; returns how many there were and the vouchers they
/// settled.
async fn read_block(
	chain: &Chain,
	hash: Hash,
	at: Instant,
	index: &HashMap<Hash, usize>,
	seen: &Mutex<Vec<Option<Seen>>>,
) -> anyhow::Result<(u32, u32)> {
	let xts = metrics::block_extrinsics(chain, hash).await?;
	let ours: Vec<(u32, usize)> = xts
		.iter()
		.enumerate()
		.filter_map(|(i, xt)| {
			index.get(&Hash::from(sp_crypto_hashing::blake2_256(xt))).map(|x| (i as u32, *x))
		})
		.collect();
	if ours.is_empty() {
		return Ok((0, 0));
	}
	// One pass over the events: a full block holds thousands of our transactions.
	let mut found: HashMap<u32, Seen> =
		ours.iter().map(|(i, _)| (*i, Seen { at, settled: 0, failed_vouchers: 0, failed: false })).collect();
	let events = chain.events(hash).await?;
	for event in events.iter().filter_map(Result::ok) {
		let Some(s) = metrics::emitting_extrinsic(&event).and_then(|i| found.get_mut(&i)) else { continue };
		if chain.pallet().is::<ev::Settled, _>(&event) {
			s.settled += 1;
		} else if chain.pallet().is::<ev::SettlementFailed, _>(&event) {
			s.failed_vouchers += 1;
		} else if event.is::<ExtrinsicFailed>() {
			s.failed = true;
		}
	}
	let mut seen = seen.lock().await;
	let mut total = 0;
	for (i, x) in &ours {
		let s = found[i];
		total += s.settled;
		seen[*x] = Some(s);
	}
	Ok((ours.len() as u32, total))
}

/// `🎁 Prepared block for proposing at N (T ms) …; end: REASON; extrinsics_count: K` lines.
fn proposal_times(log: &str) -> HashMap<u32, (f64, String)> {
	let mut out = HashMap::new();
	for line in log.lines() {
		let Some(rest) = line.split("Prepared block for proposing at ").nth(1) else { continue };
		let mut parts = rest.splitn(2, " (");
		let number = parts.next().and_then(|n| n.trim().parse::<u32>().ok());
		let ms = parts.next().and_then(|r| r.split(" ms)").next()).and_then(|m| m.trim().parse::<f64>().ok());
		let reason = rest.split("end: ").nth(1).and_then(|r| r.split(';').next()).unwrap_or("").to_string();
		if let (Some(number), Some(ms)) = (number, ms) {
			out.insert(number, (ms, reason));
		}
	}
	out
}

/// Vouchers settled per block over time, against the offered rate.
fn plot_blocks(path: &std::path::Path, rows: &[BlockRow], rate: f64, mode: &str) -> anyhow::Result<()> {
	use plotters::prelude::*;
	let e = |e: &dyn std::fmt::Debug| anyhow!("plot: {e:?}");
	let root = BitMapBackend::new(path, (900, 540)).into_drawing_area();
	root.fill(&WHITE).map_err(|x| e(&x))?;
	let max_t = rows.iter().map(|r| r.seen_s).fold(10.0, f64::max) * 1.05;
	let max_v = rows.iter().map(|r| r.vouchers_settled as f64 / 6.0).fold(rate, f64::max) * 1.2;
	let mut chart = ChartBuilder::on(&root)
		.caption(format!("Load test ({mode}): vouchers settled per second, per block"), ("sans-serif", 20))
		.margin(16)
		.x_label_area_size(48)
		.y_label_area_size(70)
		.build_cartesian_2d(0.0..max_t, 0.0..max_v)
		.map_err(|x| e(&x))?;
	chart
		.configure_mesh()
		.x_desc("seconds since the first submission")
		.y_desc("vouchers/s (block's vouchers ÷ 6 s)")
		.draw()
		.map_err(|x| e(&x))?;
	let grey = RGBColor(120, 120, 120);
	chart
		.draw_series(LineSeries::new(vec![(0.0, rate), (max_t, rate)], grey.stroke_width(2)))
		.map_err(|x| e(&x))?
		.label(format!("offered: {rate} vouchers/s"))
		.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], grey.stroke_width(2)));
	let blue = RGBColor(31, 119, 180);
	chart
		.draw_series(rows.iter().map(|r| {
			Rectangle::new([(r.seen_s - 2.5, 0.0), (r.seen_s + 2.5, r.vouchers_settled as f64 / 6.0)], blue.filled())
		}))
		.map_err(|x| e(&x))?
		.label("settled (per block)")
		.legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], blue.filled()));
	chart
		.configure_series_labels()
		.position(SeriesLabelPosition::UpperRight)
		.background_style(WHITE.mix(0.8))
		.border_style(BLACK)
		.draw()
		.map_err(|x| e(&x))?;
	root.present().map_err(|x| e(&x))
}
