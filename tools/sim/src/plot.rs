//! PNG plots of a run (plotters; text drawn with a TrueType font from the system, no C
//! libraries).

use crate::{
	adversary::{DoubleSpendRecord, Strategy},
	stream::ModeOutcome,
};
use anyhow::{anyhow, Context};
use crate::fleet::UNIT;
use plotters::{
	prelude::*,
	style::text_anchor::{HPos, Pos, VPos},
};
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

/// Colours of the collateral/deposit ratios' bars.
const RATIO_COLORS: [RGBColor; 6] = [
	RGBColor(214, 39, 40),
	RGBColor(255, 127, 14),
	RGBColor(148, 103, 189),
	RGBColor(140, 86, 75),
	RGBColor(227, 119, 194),
	RGBColor(23, 190, 207),
];

/// Net return of double spending per strategy (a group of bars, one per collateral/deposit
/// ratio), with the zero line and the stated bound −(1 − r)(C − D) marked on each bar.
pub fn double_spend(path: &Path, records: &[DoubleSpendRecord]) -> Plot {
	let root = BitMapBackend::new(path, (1100, 600)).into_drawing_area();
	root.fill(&WHITE).map_err(boxed)?;
	let unit = |v: i128| v as f64 / UNIT as f64;
	let mut strategies: Vec<Strategy> = records.iter().map(|r| r.strategy).collect();
	strategies.sort();
	strategies.dedup();
	let mut ratios: Vec<f64> = records.iter().map(|r| r.ratio).collect();
	ratios.sort_by(f64::total_cmp);
	ratios.dedup();
	// Group g spans [g·slot, (g+1)·slot): one bar per ratio, a gap of one bar.
	let slot = ratios.len() as f64 + 1.0;
	let bar_x = |r: &DoubleSpendRecord| {
		let g = strategies.iter().position(|s| *s == r.strategy).unwrap_or(0) as f64;
		let k = ratios.iter().position(|x| *x == r.ratio).unwrap_or(0) as f64;
		g * slot + 0.5 + k
	};
	let lowest = records.iter().map(|r| unit(r.net_return.min(r.bound))).fold(-0.01, f64::min);
	let highest = records.iter().map(|r| unit(r.net_return)).fold(0.0, f64::max);
	// Room below the deepest bar for the legend, above zero for the strategies' names.
	let (y_min, y_max) = (lowest * 1.4, highest.max(-lowest * 0.22));
	let x_max = strategies.len() as f64 * slot;
	let mut chart = ChartBuilder::on(&root)
		.caption("Double spending: the coalition's net return per strategy (Theorem IV.1)", ("sans-serif", 22))
		.margin(16)
		.x_label_area_size(30)
		.y_label_area_size(70)
		.build_cartesian_2d(0.0..x_max, y_min..y_max)
		.map_err(boxed)?;
	chart
		.configure_mesh()
		.disable_x_mesh()
		.light_line_style(WHITE)
		.x_labels(0)
		.x_desc("strategy (one bar per collateral/deposit ratio C/D)")
		.y_desc("owner + puppets: net return (UNIT)")
		.draw()
		.map_err(boxed)?;
	for (k, ratio) in ratios.iter().enumerate() {
		let c = RATIO_COLORS[k % RATIO_COLORS.len()];
		chart
			.draw_series(records.iter().filter(|r| r.ratio == *ratio).map(|r| {
				let x = bar_x(r);
				Rectangle::new([(x + 0.08, 0.0), (x + 0.92, unit(r.net_return))], c.filled())
			}))
			.map_err(boxed)?
			.label(format!("C/D = {ratio}"))
			.legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 16, y + 6)], c.filled()));
	}
	let black = RGBColor(0, 0, 0);
	chart
		.draw_series(records.iter().map(|r| {
			let x = bar_x(r);
			PathElement::new(vec![(x, unit(r.bound)), (x + 1.0, unit(r.bound))], black.stroke_width(3))
		}))
		.map_err(boxed)?
		.label("bound −(1 − r)(C − D)")
		.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], black.stroke_width(3)));
	let grey = RGBColor(90, 90, 90);
	chart
		.draw_series(LineSeries::new(vec![(0.0, 0.0), (x_max, 0.0)], grey.stroke_width(2)))
		.map_err(boxed)?
		.label("zero: double spending breaks even")
		.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], grey.stroke_width(2)));
	// Strategy names above the zero line, over their groups.
	let label_y = y_max * 0.45;
	chart
		.draw_series(strategies.iter().enumerate().map(|(g, s)| {
			let center = g as f64 * slot + 0.5 + ratios.len() as f64 / 2.0;
			Text::new(
				s.name().to_string(),
				(center, label_y),
				TextStyle::from(("sans-serif", 16).into_font()).pos(Pos::new(HPos::Center, VPos::Center)),
			)
		}))
		.map_err(boxed)?;
	chart
		.configure_series_labels()
		.position(SeriesLabelPosition::LowerRight)
		.background_style(WHITE.mix(0.85))
		.border_style(BLACK)
		.draw()
		.map_err(boxed)?;
	root.present().map_err(boxed)
}
