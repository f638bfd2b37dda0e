//! What a simulation run writes: CSV files, a Markdown summary, and the checks that make a run
//! fail (outcomes only — transaction counts, payments, refunds — never timings).

use crate::{
	adversary::{DoubleSpendRecord, Strategy},
	stream::{ModeOutcome, SessionRecord, SwitchRecord, Workload},
};
use micropayment_pool_client::Balance;
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
	format!("{:.4}", planck / crate::fleet::UNIT as f64)
}

/// Checks the outcomes the protocol promises; returns how many checks ran, and every
/// violation.
pub fn violations(
	work: &Workload,
	outcomes: &[ModeOutcome],
	double_spends: &[DoubleSpendRecord],
) -> (usize, Vec<String>) {
	let mut bad = Vec::new();
	let checks = 2 * outcomes.iter().map(|o| o.sessions.len()).sum::<usize>() + 6 * double_spends.len();
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
		let at = format!("double spend {} at C/D = {}", d.strategy.name(), d.ratio);
		// Theorem IV.1: an underpaid honest peer means the double spend lost money...
		if d.honest_paid < d.honest_owed && d.net_return >= 0 {
			bad.push(format!(
				"{at}: honest peers paid {} of {}, yet the coalition's net return is {} ≥ 0",
				d.honest_paid, d.honest_owed, d.net_return
			));
		}
		// ...at least (1 − r)(C − D). Every strategy promises more than D in all, so the bound
		// applies to each scenario.
		if d.net_return > d.bound {
			bad.push(format!("{at}: net return {} above the bound −(1 − r)(C − D) = {}", d.net_return, d.bound));
		}
		// Promising more than D and having it settled inside the window forfeits the collateral.
		if !d.forfeited {
			bad.push(format!("{at}: the pool paid more than its deposit was promised, but nothing was forfeited"));
		}
		// No blocking: every honest settlement inside the window goes through.
		if d.honest_failed > 0 {
			bad.push(format!("{at}: {} honest settlements failed inside the window", d.honest_failed));
		}
		// What the coalition lost went to the honest peers or was slashed, to the planck.
		let accounted = d.coalition_change + d.honest_paid as i128 + d.slashed as i128;
		if accounted != 0 {
			bad.push(format!(
				"{at}: coalition {} + honest paid {} + slashed {} = {accounted}, not 0",
				d.coalition_change, d.honest_paid, d.slashed
			));
		}
		if !d.expectations_met {
			bad.push(format!("{at}: {}", d.expectations));
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
		"Workload: {} viewers and {} peers per mode ({} of them bad), sessions of {} s, a chunk of {} every {} s, a new peer every {}–{} s, time scale {} (the chain's block time is not scaled).\n",
		work.viewers,
		work.peers,
		work.bad_peers,
		work.session_secs,
		crate::fleet::units().format(work.chunk_value),
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
			crate::fleet::units().format(worst),
			crate::fleet::units().format(work.chunk_value.saturating_mul(work.bad_peers as Balance))
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
		double_spend_table(&mut md, double_spends);
	}
	md
}

/// The double-spending scenarios in order: by strategy, then by ratio.
pub fn sorted(double_spends: &[DoubleSpendRecord]) -> Vec<&DoubleSpendRecord> {
	let mut all: Vec<&DoubleSpendRecord> = double_spends.iter().collect();
	all.sort_by(|a, b| a.strategy.cmp(&b.strategy).then(a.ratio.total_cmp(&b.ratio)));
	all
}

/// One row per strategy × ratio: what the coalition got, what the bound allows, what the
/// honest peers were owed and paid, what was slashed.
fn double_spend_table(md: &mut String, double_spends: &[DoubleSpendRecord]) {
	let r = crate::fleet::compensation_share();
	let _ = writeln!(
		md,
		"\nDouble spending (Theorem IV.1): a viewer buys the whole resource, worth its deposit D, from {} honest peers and promises more than D to itself or to sock puppets it controls; the coalition plays each strategy at each collateral/deposit ratio. Compensation share r = {}%, settlement grace {} blocks. Amounts in UNIT; the coalition's change is from on-chain balances (free + reserved of all its accounts) with fees added back; net return = service received (the honest vouchers, at most D) + that change; the bound is −(1 − r)(C − D).\n",
		crate::adversary::HONEST,
		r.deconstruct() as f64 / 1e7,
		micropayment_pool_client::settlement_grace()
	);
	for s in Strategy::ALL {
		if double_spends.iter().any(|d| d.strategy == s) {
			let _ = writeln!(md, "- `{}`: {}", s.name(), s.describe());
		}
	}
	let _ = writeln!(md);
	let _ = writeln!(
		md,
		"| strategy | C/D | deposit D | collateral C | service | coalition change | **net return** | bound | honest owed / paid | slashed (pot) | coalition fees |"
	);
	let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|---|");
	for d in sorted(double_spends) {
		let _ = writeln!(
			md,
			"| {} | {} | {} | {} | {} | {} | **{}** | {} | {} / {} | {} ({}) | {} |",
			d.strategy.name(),
			d.ratio,
			units(d.deposit as f64),
			units(d.collateral as f64),
			units(d.value_received as f64),
			units(d.coalition_change as f64),
			units(d.net_return as f64),
			units(d.bound as f64),
			units(d.honest_owed as f64),
			units(d.honest_paid as f64),
			units(d.slashed as f64),
			units(d.pot as f64),
			units(d.fees as f64)
		);
	}
	let refusals: Vec<String> = sorted(double_spends)
		.into_iter()
		.filter(|d| !d.expectations.is_empty())
		.map(|d| format!("- {} at C/D = {}: {}", d.strategy.name(), d.ratio, d.expectations))
		.collect();
	if !refusals.is_empty() {
		let _ = writeln!(md, "\nOn the way (refusals, windows, clean-up):\n\n{}", refusals.join("\n"));
	}
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

#[cfg(test)]
mod tests {
	use super::*;
	use crate::adversary::{collateral_of, deposit_of};

	#[test]
	fn splice_replaces_one_section_and_leaves_the_rest() {
		let path = std::env::temp_dir().join(format!("mpool-splice-{}.md", std::process::id()));
		let doc = "# R\n<!-- a:begin -->\nold a\n<!-- a:end -->\n<!-- b:begin -->\nold b\n<!-- b:end -->\n";
		std::fs::write(&path, doc).expect("writes");
		splice(&path, "b", "new b\n").expect("splices");
		let after = std::fs::read_to_string(&path).expect("reads");
		assert_eq!(after, "# R\n<!-- a:begin -->\nold a\n<!-- a:end -->\n<!-- b:begin -->\nnew b\n\n<!-- b:end -->\n");
		// A section the document lacks is an error, and the document is left as it was.
		assert!(splice(&path, "c", "x").is_err());
		assert_eq!(std::fs::read_to_string(&path).expect("reads"), after);
		let _ = std::fs::remove_file(&path);
	}

	const D: Balance = 150_000_000_000;

	fn work() -> Workload {
		Workload {
			viewers: 1,
			peers: 2,
			bad_peers: 0,
			session_secs: 10.0,
			chunk_secs: 2.0,
			churn_secs: (60.0, 100.0),
			time_scale: 1.0,
			chunk_value: 10_000_000_000,
			seed: 1,
			margin_blocks: 2,
			block_secs: 6.0,
		}
	}

	/// A scenario as the chain would settle it: the coalition's change, what honest peers got
	/// and what was slashed, with the bound of the runtime's r.
	fn record(strategy: Strategy, ratio: f64, coalition_change: i128, honest_paid: Balance, slashed: Balance) -> DoubleSpendRecord {
		let collateral = collateral_of(D, ratio);
		let excess = collateral - D;
		let pot = crate::fleet::compensation_share().mul_floor(excess);
		DoubleSpendRecord {
			strategy,
			ratio,
			deposit: D,
			collateral,
			value_received: D,
			coalition_change,
			net_return: D as i128 + coalition_change,
			bound: -((excess - pot) as i128),
			honest_owed: D,
			honest_paid,
			honest_failed: 0,
			slashed,
			pot,
			forfeited: true,
			fees: 0,
			payees: 4,
			reaped: 4,
			expectations: String::new(),
			expectations_met: true,
		}
	}

	/// What the new rules give: drain (honest peers get the pot), u128::MAX puppet (the puppet
	/// takes the pot), slot filling (20 puppets take 20 planck of the deposit; the honest peers'
	/// shortfall of 20 comes from the pot, the rest of D + C is gone).
	fn honest_outcomes() -> Vec<DoubleSpendRecord> {
		let c = collateral_of(D, 1.5);
		let pot = crate::fleet::compensation_share().mul_floor(c - D);
		vec![
			record(Strategy::Drain, 1.5, -(c as i128), pot, c - pot),
			record(Strategy::SockPuppetMax, 1.5, -((c - pot) as i128), 0, c - pot),
			record(Strategy::SlotFilling, 1.5, -((D + c) as i128) + 20, D, c - 20),
		]
	}

	#[test]
	fn scenario_amounts_are_exact() {
		assert_eq!(deposit_of(10_000_000_000, 5), D);
		assert_eq!(collateral_of(D, 1.1), 165_000_000_000);
		assert_eq!(collateral_of(D, 1.5), 225_000_000_000);
		assert_eq!(collateral_of(D, 2.0), 300_000_000_000);
		let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
		assert_eq!(names, ["drain", "self-voucher", "sock-puppet-max", "slot-filling", "last-block"]);
	}

	#[test]
	fn outcomes_of_the_new_rules_pass_the_checks() {
		let records = honest_outcomes();
		// The u128::MAX puppet meets the bound exactly.
		assert_eq!(records[1].net_return, records[1].bound);
		let (checks, bad) = violations(&work(), &[], &records);
		assert_eq!(checks, 6 * records.len());
		assert!(bad.is_empty(), "{bad:?}");
	}

	#[test]
	fn a_double_spend_that_pays_is_caught() {
		// The old runtime: the puppet took the deposit and, as "compensation", the collateral
		// back; the honest peers got nothing and the coalition kept the service.
		let c = collateral_of(D, 1.5);
		let mut old = record(Strategy::SockPuppetMax, 1.5, 0, 0, 0);
		old.forfeited = false;
		let (_, bad) = violations(&work(), &[], &[old]);
		assert!(bad.iter().any(|v| v.contains("≥ 0")), "{bad:?}");
		assert!(bad.iter().any(|v| v.contains("above the bound")), "{bad:?}");
		assert!(bad.iter().any(|v| v.contains("nothing was forfeited")), "{bad:?}");
		// Forfeited, but the sum does not add up, a refusal was missed, a peer was blocked.
		let mut off = record(Strategy::SelfVoucher, 1.5, -(c as i128), 0, c - 1);
		off.expectations = "Mallory's voucher to herself refused with SelfPayment: FAILED, it succeeded".into();
		off.expectations_met = false;
		off.honest_failed = 1;
		let (_, bad) = violations(&work(), &[], &[off]);
		assert!(bad.iter().any(|v| v.contains("not 0")), "{bad:?}");
		assert!(bad.iter().any(|v| v.contains("SelfPayment")), "{bad:?}");
		assert!(bad.iter().any(|v| v.contains("honest settlements failed")), "{bad:?}");
	}

	#[test]
	fn table_and_plot_cover_every_strategy_and_ratio() {
		let mut records = Vec::new();
		for s in Strategy::ALL {
			for ratio in [1.1, 1.5, 2.0] {
				let c = collateral_of(D, ratio);
				let pot = crate::fleet::compensation_share().mul_floor(c - D);
				records.push(record(s, ratio, -(c as i128), pot, c - pot));
			}
		}
		let md = summary(&work(), "mpool-sim stream", &[], &records);
		assert_eq!(md.matches("\n| sock-puppet-max |").count(), 3, "{md}");
		assert!(md.contains("| last-block | 2 |"), "{md}");
		let r = crate::fleet::compensation_share().deconstruct() as f64 / 1e7;
		assert!(md.contains(&format!("r = {r}%")), "{md}");
		if crate::plot::load_font().is_ok() {
			let dir = std::env::temp_dir().join(format!("mpool-sim-plot-{}", std::process::id()));
			std::fs::create_dir_all(&dir).expect("tmp dir");
			let png = dir.join("double-spend.png");
			crate::plot::double_spend(&png, &records).expect("plots");
			assert!(std::fs::metadata(&png).expect("written").len() > 1_000);
			// `MPOOL_KEEP_PLOT=1` keeps it to look at.
			if std::env::var_os("MPOOL_KEEP_PLOT").is_none() {
				let _ = std::fs::remove_dir_all(&dir);
			} else {
				eprintln!("plot kept in {}", png.display());
			}
		}
	}
}
