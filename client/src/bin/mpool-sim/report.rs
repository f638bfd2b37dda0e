//! What a simulation run writes: CSV files, a Markdown summary, and the checks that make a run
//! fail (outcomes only — transaction counts, payments, refunds — never timings).

use crate::{
	adversary::DoubleSpendRecord,
	stream::{ModeOutcome, SessionRecord, SwitchRecord, Workload},
};
use micropayment_pool_client::{amount, Balance};
use std::{collections::BTreeMap, fmt::Write as _, path::Path};

/// The `q`-quantile (nearest rank) of `values`.
pub fn quantile(values: &[f64], q: f64) -> f64 {
	if values.is_empty() {
		return f64::NAN;
	}
	let mut sorted = values.to_vec();
	sorted.sort_by(f64::total_cmp);
	let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
	sorted[rank - 1]
}

fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
	let (sum, n) = values.into_iter().fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
	if n == 0 {
		f64::NAN
	} else {
		sum / n as f64
	}
}

pub fn write_csv<T: serde::Serialize>(path: &Path, rows: &[T]) -> anyhow::Result<()> {
	let mut out = csv::Writer::from_path(path)?;
	for row in rows {
		out.serialize(row)?;
	}
	out.flush()?;
	Ok(())
}

fn switch_ms(outcome: &ModeOutcome) -> Vec<f64> {
	outcome.switches.iter().map(|s| s.switch_ms).collect()
}

fn ms(value: f64) -> String {
	if value >= 100.0 {
		format!("{value:.0}")
	} else if value >= 10.0 {
		format!("{value:.1}")
	} else {
		format!("{value:.2}")
	}
}

fn units(planck: f64) -> String {
	format!("{:.4}", planck / micropayment_pool_runtime::UNIT as f64)
}

/// Checks the outcomes the protocol promises; returns how many checks ran, and every
/// violation.
pub fn violations(
	work: &Workload,
	outcomes: &[ModeOutcome],
	double_spends: &[DoubleSpendRecord],
) -> (usize, Vec<String>) {
	let mut bad = Vec::new();
	let checks = 2 * outcomes.iter().map(|o| o.sessions.len()).sum::<usize>() + 3 * double_spends.len();
	let k_a = work.chunk_value.saturating_mul(work.bad_peers as Balance);
	for outcome in outcomes {
		let mode = outcome.mode.name();
		for s in &outcome.sessions {
			// One settlement per connection that earned something; an idle one (the session ended
			// while switching) has nothing to settle, but a channel was still opened for it.
			let n = s.connections as f64;
			let earning = (s.connections - s.idle_connections) as f64;
			let ok = match mode {
				"pool" => (s.tx_paper - (1.0 + earning)).abs() < 1e-9,
				"pool-batch" => s.tx_paper <= 1.0 + earning + 1e-9,
				_ => (s.tx_paper - (n + earning)).abs() < 1e-9,
			};
			if !ok {
				bad.push(format!(
					"{mode} viewer {}: {} on-chain tx for n = {n} ({} idle)",
					s.viewer, s.tx_paper, s.idle_connections
				));
			}
			if s.bad_peer_loss > k_a {
				bad.push(format!(
					"{mode} viewer {}: lost {} to bad peers, above k·A = {k_a}",
					s.viewer, s.bad_peer_loss
				));
			}
		}
	}
	for d in double_spends {
		if d.net_return != d.predicted {
			bad.push(format!("double spend at ratio {}: net {} ≠ D − C = {}", d.ratio, d.net_return, d.predicted));
		}
		if d.honest_paid != d.honest_owed {
			bad.push(format!("double spend at ratio {}: honest peers paid {} of {}", d.ratio, d.honest_paid, d.honest_owed));
		}
		if d.slashed != d.collateral - d.deposit {
			bad.push(format!("double spend at ratio {}: slashed {} ≠ C − D", d.ratio, d.slashed));
		}
	}
	(checks, bad)
}

/// The Markdown summary of a run.
pub fn summary(
	work: &Workload,
	command: &str,
	outcomes: &[ModeOutcome],
	double_spends: &[DoubleSpendRecord],
) -> String {
	let mut md = String::new();
	let _ = writeln!(md, "Command: `{command}`\n");
	let _ = writeln!(
		md,
		"Workload: {} viewers and {} peers per mode ({} of them bad), sessions of {} s, a chunk of {} every {} s, a new peer every {}–{} s, time scale {} (blocks stay 6 s).\n",
		work.viewers,
		work.peers,
		work.bad_peers,
		work.session_secs,
		amount::format(work.chunk_value),
		work.chunk_secs,
		work.churn_secs.0,
		work.churn_secs.1,
		work.time_scale
	);
	let header: Vec<&str> = outcomes.iter().map(|o| o.mode.name()).collect();
	let _ = writeln!(md, "| per viewer session | {} |", header.join(" | "));
	let _ = writeln!(md, "|---|{}", "---|".repeat(header.len()));
	let row = |md: &mut String, name: &str, f: &dyn Fn(&ModeOutcome) -> String| {
		let cells: Vec<String> = outcomes.iter().map(f).collect();
		let _ = writeln!(md, "| {name} | {} |", cells.join(" | "));
	};
	row(&mut md, "switches measured", &|o| o.switches.len().to_string());
	for (label, q) in [("switching time p50 (ms)", 0.5), ("switching time p90 (ms)", 0.9), ("switching time p99 (ms)", 0.99)] {
		row(&mut md, label, &|o| ms(quantile(&switch_ms(o), q)));
	}
	row(&mut md, "start-up: first peer serving (ms)", &|o| ms(mean(o.sessions.iter().map(|s| s.startup_ms))));
	row(&mut md, "peers connected n (mean)", &|o| format!("{:.2}", mean(o.sessions.iter().map(|s| s.connections as f64))));
	row(&mut md, "idle connections (session ended while switching)", &|o| {
		o.sessions.iter().map(|s| s.idle_connections).sum::<usize>().to_string()
	});
	row(&mut md, "on-chain tx (open + settle; mean)", &|o| format!("{:.2}", mean(o.sessions.iter().map(|s| s.tx_paper))));
	row(&mut md, "… as a multiple of n", &|o| {
		format!("{:.2}·n", mean(o.sessions.iter().map(|s| s.tx_paper / s.connections.max(1) as f64)))
	});
	row(&mut md, "on-chain tx with reclaim after expiry", &|o| format!("{:.2}", mean(o.sessions.iter().map(|s| s.tx_total))));
	row(&mut md, "fees (UNIT, mean)", &|o| units(mean(o.sessions.iter().map(|s| s.fees))));
	row(&mut md, "chunks stalled (from CDN)", &|o| {
		let stalled: usize = o.sessions.iter().map(|s| s.chunks_stalled).sum();
		let all: usize = o.sessions.iter().map(|s| s.chunks_stalled + s.chunks_paid).sum();
		format!("{stalled} of {all} ({:.1}%)", 100.0 * stalled as f64 / all.max(1) as f64)
	});
	row(&mut md, "bad peers met / max loss (k·A bound)", &|o| {
		let met: usize = o.sessions.iter().map(|s| s.bad_peers_met).sum();
		let worst = o.sessions.iter().map(|s| s.bad_peer_loss).max().unwrap_or(0);
		format!(
			"{met} / {} ({})",
			amount::format(worst),
			amount::format(work.chunk_value.saturating_mul(work.bad_peers as Balance))
		)
	});
	let p50 = |name: &str| {
		outcomes.iter().find(|o| o.mode.name() == name).map(|o| quantile(&switch_ms(o), 0.5))
	};
	if let (Some(pool), Some(channel)) = (p50("pool"), p50("channel")) {
		let _ = writeln!(md, "\nSwitching: the pool is **{:.0}×** faster than the channel at the median.", channel / pool);
	}

	let _ = writeln!(md, "\nOn-chain transactions per session by n (mean; the paper: n+1 and 2n):\n");
	let _ = writeln!(md, "| n | sessions | {} | n+1 | 2n |", header.join(" | "));
	let _ = writeln!(md, "|---|---|{}---|---|", "---|".repeat(header.len()));
	let mut by_n: BTreeMap<usize, Vec<&SessionRecord>> = BTreeMap::new();
	for s in outcomes.iter().flat_map(|o| o.sessions.iter()) {
		by_n.entry(s.connections).or_default().push(s);
	}
	for (n, sessions) in &by_n {
		let cells: Vec<String> = outcomes
			.iter()
			.map(|o| {
				let v: Vec<f64> = sessions.iter().filter(|s| s.mode == o.mode.name()).map(|s| s.tx_paper).collect();
				if v.is_empty() { "–".into() } else { format!("{:.2}", mean(v)) }
			})
			.collect();
		let _ = writeln!(md, "| {n} | {} | {} | {} | {} |", sessions.len(), cells.join(" | "), n + 1, 2 * n);
	}

	if !double_spends.is_empty() {
		let _ = writeln!(md, "\nDouble spending with a colluding peer (Theorem IV.1; UNIT, fees excluded):\n");
		let _ = writeln!(md, "| C/D | deposit D | collateral C | net return | D − C | honest peers owed / paid | slashed |");
		let _ = writeln!(md, "|---|---|---|---|---|---|---|");
		for d in double_spends {
			let _ = writeln!(
				md,
				"| {} | {} | {} | {} | {} | {} / {} | {} |",
				d.ratio,
				units(d.deposit as f64),
				units(d.collateral as f64),
				units(d.net_return as f64),
				units(d.predicted as f64),
				units(d.honest_owed as f64),
				units(d.honest_paid as f64),
				units(d.slashed as f64)
			);
		}
	}
	md
}

/// Replaces the text between `<!-- begin -->` and `<!-- end -->` markers of `tag` in `path`.
pub fn splice(path: &Path, tag: &str, text: &str) -> anyhow::Result<()> {
	let doc = std::fs::read_to_string(path)?;
	let (begin, end) = (format!("<!-- {tag}:begin -->"), format!("<!-- {tag}:end -->"));
	let start = doc.find(&begin).ok_or_else(|| anyhow::anyhow!("{} has no {begin}", path.display()))?;
	let stop = doc.find(&end).ok_or_else(|| anyhow::anyhow!("{} has no {end}", path.display()))?;
	anyhow::ensure!(start < stop, "markers out of order in {}", path.display());
	let new = format!("{}{begin}\n{text}\n{}", &doc[..start], &doc[stop..]);
	std::fs::write(path, new)?;
	Ok(())
}

/// Every switch of every mode, for the CSV.
pub fn all_switches(outcomes: &[ModeOutcome]) -> Vec<SwitchRecord> {
	outcomes.iter().flat_map(|o| o.switches.iter().cloned()).collect()
}

/// One on-chain transaction of a run, for the CSV.
#[derive(serde::Serialize)]
pub struct TxRow {
	pub mode: &'static str,
	pub kind: &'static str,
	/// Viewers it served, `viewer:share` separated by spaces.
	pub viewers: String,
	pub fee: Balance,
	pub reclaim: bool,
}

/// Every transaction of every mode, for the CSV.
pub fn all_transactions(outcomes: &[ModeOutcome]) -> Vec<TxRow> {
	outcomes
		.iter()
		.flat_map(|o| {
			o.txs.iter().map(|t| TxRow {
				mode: o.mode.name(),
				kind: t.kind,
				viewers: t.shares.iter().map(|(v, s)| format!("{v}:{s:.4}")).collect::<Vec<_>>().join(" "),
				fee: t.fee,
				reclaim: t.reclaim,
			})
		})
		.collect()
}

/// Every session of every mode, for the CSV.
pub fn all_sessions(outcomes: &[ModeOutcome]) -> Vec<SessionRecord> {
	outcomes.iter().flat_map(|o| o.sessions.iter().cloned()).collect()
}
