//! PNG plots of a run (plotters; text drawn with a TrueType font from the system, no C
//! libraries).

use crate::{adversary::DoubleSpendRecord, stream::ModeOutcome};
use anyhow::{anyhow, Context};
use micropayment_pool_runtime::UNIT;
use plotters::prelude::*;
use std::path::Path;

/// Where Debian's fonts-dejavu-core (installed by scripts/setup.sh) puts its sans font.
const FONT_PATHS: [&str; 3] = [
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/dejavu/DejaVuSans.ttf",
	"/usr/local/share/fonts/DejaVuSans.ttf",
];

/// Registers a sans-serif font for the plots' text (`MPOOL_FONT` overrides the search).
pub fn load_font() -> anyhow::Result<()> {
	let path = std::env::var("MPOOL_FONT")
		.ok()
		.or_else(|| FONT_PATHS.iter().find(|p| Path::new(p).exists()).map(|p| p.to_string()))
		.ok_or_else(|| anyhow!("no TrueType font for the plots: install fonts-dejavu-core or set MPOOL_FONT"))?;
	let bytes: &'static [u8] = Box::leak(std::fs::read(&path).with_context(|| path.clone())?.into_boxed_slice());
	plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
		.map_err(|_| anyhow!("{path} is not a usable font"))
}

fn color(mode: &str) -> RGBColor {
	match mode {
		"pool" => RGBColor(31, 119, 180),
		"pool-batch" => RGBColor(44, 160, 44),
		_ => RGBColor(214, 39, 40),
	}
}

type Plot = anyhow::Result<()>;

fn boxed<E: std::fmt::Debug>(e: E) -> anyhow::Error {
	anyhow!("plot: {e:?}")
}

/// Switching time (decision → new peer serving), cumulative distribution on a log axis.
pub fn switching_cdf(path: &Path, outcomes: &[ModeOutcome]) -> Plot {
	let root = BitMapBackend::new(path, (900, 540)).into_drawing_area();
	root.fill(&WHITE).map_err(boxed)?;
	let all: Vec<f64> = outcomes.iter().flat_map(|o| o.switches.iter().map(|s| s.switch_ms)).collect();
	let lo = all.iter().copied().fold(f64::INFINITY, f64::min).max(0.01) / 2.0;
	let hi = all.iter().copied().fold(1.0, f64::max) * 2.0;
	let mut chart = ChartBuilder::on(&root)
		.caption("Switching to a new peer: decision → peer serving", ("sans-serif", 22))
		.margin(16)
		.x_label_area_size(48)
		.y_label_area_size(60)
		.build_cartesian_2d((lo..hi).log_scale(), 0.0..1.0)
		.map_err(boxed)?;
	chart
		.configure_mesh()
		.x_desc("switching time (ms, log scale)")
		.y_desc("fraction of switches")
		.x_label_formatter(&|v| if *v >= 1.0 { format!("{v:.0}") } else { format!("{v:.2}") })
		.draw()
		.map_err(boxed)?;
	for outcome in outcomes {
		let mut times: Vec<f64> = outcome.switches.iter().map(|s| s.switch_ms).collect();
		times.sort_by(f64::total_cmp);
		let n = times.len() as f64;
		let points: Vec<(f64, f64)> =
			times.iter().enumerate().map(|(i, t)| (*t, (i + 1) as f64 / n)).collect();
		let c = color(outcome.mode.name());
		chart
			.draw_series(LineSeries::new(points, c.stroke_width(3)))
			.map_err(boxed)?
			.label(format!("{} ({} switches)", outcome.mode.name(), times.len()))
			.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3)));
	}
	chart
		.configure_series_labels()
		.position(SeriesLabelPosition::LowerRight)
		.background_style(WHITE.mix(0.8))
		.border_style(BLACK)
		.draw()
		.map_err(boxed)?;
	root.present().map_err(boxed)
}

/// On-chain transactions per viewer session against the number of peers n, with n+1 and 2n.
pub fn tx_per_session(path: &Path, outcomes: &[ModeOutcome]) -> Plot {
	let root = BitMapBackend::new(path, (900, 540)).into_drawing_area();
	root.fill(&WHITE).map_err(boxed)?;
	let max_n = outcomes.iter().flat_map(|o| o.sessions.iter().map(|s| s.connections)).max().unwrap_or(1) + 1;
	let mut chart = ChartBuilder::on(&root)
		.caption("On-chain transactions per viewer session", ("sans-serif", 22))
		.margin(16)
		.x_label_area_size(48)
		.y_label_area_size(60)
		.build_cartesian_2d(0.0..max_n as f64, 0.0..(2 * max_n + 1) as f64)
		.map_err(boxed)?;
	chart
		.configure_mesh()
		.x_desc("peers connected in the session (n)")
		.y_desc("open + settle transactions")
		.draw()
		.map_err(boxed)?;
	let grey = RGBColor(120, 120, 120);
	for (label, f, dash) in [("n+1 (paper: pool)", 1.0, false), ("2n (paper: channels)", 2.0, true)] {
		let line: Vec<(f64, f64)> = (0..=max_n)
			.map(|n| (n as f64, if f > 1.0 { 2.0 * n as f64 } else { n as f64 + 1.0 }))
			.collect();
		let style = grey.stroke_width(if dash { 1 } else { 2 });
		chart
			.draw_series(LineSeries::new(line, style))
			.map_err(boxed)?
			.label(label)
			.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
	}
	for (offset, outcome) in outcomes.iter().enumerate() {
		let c = color(outcome.mode.name());
		// Small horizontal offsets keep modes with equal n apart.
		let dx = (offset as f64 - 1.0) * 0.12;
		chart
			.draw_series(outcome.sessions.iter().map(|s| {
				Circle::new((s.connections as f64 + dx, s.tx_paper), 5, c.filled())
			}))
			.map_err(boxed)?
			.label(outcome.mode.name())
			.legend(move |(x, y)| Circle::new((x + 10, y), 5, c.filled()));
	}
	chart
		.configure_series_labels()
		.position(SeriesLabelPosition::UpperLeft)
		.background_style(WHITE.mix(0.8))
		.border_style(BLACK)
		.draw()
		.map_err(boxed)?;
	root.present().map_err(boxed)
}

/// Net return of double spending against collateral − deposit, with the paper's D − C.
pub fn double_spend(path: &Path, records: &[DoubleSpendRecord]) -> Plot {
	let root = BitMapBackend::new(path, (900, 540)).into_drawing_area();
	root.fill(&WHITE).map_err(boxed)?;
	let unit = |v: f64| v / UNIT as f64;
	let xs: Vec<f64> = records.iter().map(|r| unit((r.collateral - r.deposit) as f64)).collect();
	let max_x = xs.iter().copied().fold(0.1, f64::max) * 1.15;
	let min_y = records.iter().map(|r| unit(r.net_return as f64)).fold(-0.1, f64::min) * 1.15;
	let mut chart = ChartBuilder::on(&root)
		.caption("Double spending with a colluding peer (Theorem IV.1)", ("sans-serif", 22))
		.margin(16)
		.x_label_area_size(48)
		.y_label_area_size(70)
		.build_cartesian_2d(0.0..max_x, min_y..(-min_y * 0.15))
		.map_err(boxed)?;
	chart
		.configure_mesh()
		.x_desc("collateral − deposit (UNIT)")
		.y_desc("viewer + colluder net return (UNIT)")
		.draw()
		.map_err(boxed)?;
	let grey = RGBColor(120, 120, 120);
	chart
		.draw_series(LineSeries::new(vec![(0.0, 0.0), (max_x, -max_x)], grey.stroke_width(2)))
		.map_err(boxed)?
		.label("paper: deposit − collateral")
		.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], grey.stroke_width(2)));
	let red = color("channel");
	chart
		.draw_series(records.iter().map(|r| {
			Circle::new((unit((r.collateral - r.deposit) as f64), unit(r.net_return as f64)), 7, red.filled())
		}))
		.map_err(boxed)?
		.label("measured on the dev chain")
		.legend(move |(x, y)| Circle::new((x + 10, y), 6, red.filled()));
	chart
		.configure_series_labels()
		.position(SeriesLabelPosition::UpperRight)
		.background_style(WHITE.mix(0.8))
		.border_style(BLACK)
		.draw()
		.map_err(boxed)?;
	root.present().map_err(boxed)
}
