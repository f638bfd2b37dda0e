//! Per-block import times of a second node that imports what the author builds, read from its
//! Prometheus endpoint: `substrate_block_verification_and_import_time`, a histogram of every block
//! its import queue verified and imported (execution included). The importer starts at genesis
//! beside a single author, so its n-th import is block #n; that is checked at the end against
//! its best block height (a gauge the node refreshes only every few seconds, hence not used for
//! the timing). Scraped often enough that each import is seen alone; imports that land between
//! the same two scrapes share their mean.

use anyhow::{anyhow, bail, ensure, Context};
use std::{collections::HashMap, time::Duration};
use tokio::{
	io::{AsyncReadExt, AsyncWriteExt},
	net::TcpStream,
};

/// One scrape of the importer's metrics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
	/// Best block number.
	pub best: u32,
	/// Blocks imported so far.
	pub imported: u64,
	/// Seconds spent verifying and importing them.
	pub seconds: f64,
}

/// What the importer spent on one block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Import {
	/// Verification and import time, ms.
	pub ms: f64,
	/// Blocks whose imports fell between the same two scrapes (1: measured alone).
	pub shared_by: u32,
}

/// `http://host:port/path` of a Prometheus endpoint.
#[derive(Clone, Debug)]
pub struct Endpoint {
	addr: String,
	path: String,
}

impl std::str::FromStr for Endpoint {
	type Err = anyhow::Error;
	fn from_str(url: &str) -> anyhow::Result<Self> {
		let rest = url.strip_prefix("http://").ok_or_else(|| anyhow!("{url}: not an http:// URL"))?;
		let (addr, path) = rest.split_once('/').map_or((rest, "metrics"), |(a, p)| (a, p));
		Ok(Self { addr: addr.to_string(), path: format!("/{path}") })
	}
}

impl Endpoint {
	/// Reads the endpoint once.
	pub async fn scrape(&self) -> anyhow::Result<Sample> {
		let mut stream = TcpStream::connect(&self.addr).await.with_context(|| self.addr.clone())?;
		let request = format!("GET {} HTTP/1.0\r\nHost: {}\r\n\r\n", self.path, self.addr);
		stream.write_all(request.as_bytes()).await?;
		let mut response = String::new();
		stream.read_to_string(&mut response).await?;
		let (head, body) =
			response.split_once("\r\n\r\n").ok_or_else(|| anyhow!("{}: no HTTP body", self.addr))?;
		if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.0 200") {
			bail!("{}: {}", self.addr, head.lines().next().unwrap_or(""));
		}
		parse(body)
	}
}

/// The three figures of a Prometheus text exposition.
pub fn parse(body: &str) -> anyhow::Result<Sample> {
	let (mut best, mut imported, mut seconds) = (None, None, None);
	for line in body.lines().filter(|l| !l.starts_with('#')) {
		let Some((name, value)) = line.rsplit_once(' ') else { continue };
		let metric = name.split('{').next().unwrap_or(name);
		match metric {
			"substrate_block_height" if name.contains("status=\"best\"") =>
				best = value.parse::<u32>().ok(),
			"substrate_block_verification_and_import_time_count" => imported = value.parse::<u64>().ok(),
			"substrate_block_verification_and_import_time_sum" => seconds = value.parse::<f64>().ok(),
			_ => {},
		}
	}
	Ok(Sample {
		best: best.ok_or_else(|| anyhow!("no best block height in the metrics"))?,
		// Absent until the first import.
		imported: imported.unwrap_or(0),
		seconds: seconds.unwrap_or(0.0),
	})
}

/// Attributes the imports between two scrapes to the blocks they were: the n-th import is
/// block #n.
pub fn attribute(before: &Sample, after: &Sample, out: &mut HashMap<u32, Import>) {
	let imports = after.imported.saturating_sub(before.imported);
	if imports == 0 {
		return;
	}
	let ms = (after.seconds - before.seconds).max(0.0) * 1e3 / imports as f64;
	let shared_by = u32::try_from(imports).unwrap_or(u32::MAX);
	for n in before.imported + 1..=after.imported {
		if let Ok(n) = u32::try_from(n) {
			out.insert(n, Import { ms, shared_by });
		}
	}
}

/// Scrapes `endpoint` every `every` until `stop` names the author's last block and the importer
/// has imported it (giving up `give_up` after being told), and returns every block's import.
/// Fails if the imports do not number the blocks (the importer's best height differs from its
/// import count): then the times cannot be told apart.
pub async fn follow(
	endpoint: Endpoint,
	every: Duration,
	mut stop: tokio::sync::watch::Receiver<Option<u32>>,
	give_up: Duration,
) -> anyhow::Result<HashMap<u32, Import>> {
	let mut imports = HashMap::new();
	let mut last = endpoint.scrape().await.context("the importer's metrics")?;
	let mut told: Option<tokio::time::Instant> = None;
	loop {
		tokio::time::sleep(every).await;
		let now = endpoint.scrape().await.context("the importer's metrics")?;
		attribute(&last, &now, &mut imports);
		last = now;
		if let Some(target) = *stop.borrow_and_update() {
			let since = *told.get_or_insert_with(tokio::time::Instant::now);
			let target = u64::from(target);
			let caught_up = last.imported >= target && u64::from(last.best) >= target;
			if caught_up || since.elapsed() > give_up {
				ensure!(
					caught_up,
					"the importer reached #{} ({} imports) within {give_up:?} of the author's #{target}",
					last.best,
					last.imported
				);
				ensure!(
					u64::from(last.best) == last.imported,
					"the importer's best block #{} is not its import count {}: imports do not number the blocks",
					last.best,
					last.imported
				);
				return Ok(imports);
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const BODY: &str = "# HELP substrate_block_height Block height info of the chain\n\
		# TYPE substrate_block_height gauge\n\
		substrate_block_height{status=\"best\",chain=\"dev\"} 42\n\
		substrate_block_height{status=\"finalized\",chain=\"dev\"} 40\n\
		substrate_block_verification_and_import_time_bucket{chain=\"dev\",le=\"0.005\"} 3\n\
		substrate_block_verification_and_import_time_sum{chain=\"dev\"} 1.25\n\
		substrate_block_verification_and_import_time_count{chain=\"dev\"} 41\n";

	#[test]
	fn reads_best_height_and_the_import_histogram() {
		assert_eq!(parse(BODY).unwrap(), Sample { best: 42, imported: 41, seconds: 1.25 });
		assert!(parse("substrate_block_height{status=\"finalized\"} 4\n").is_err());
	}

	#[test]
	fn the_nth_import_is_block_n() {
		let mut out = HashMap::new();
		// The best-height gauge lags: only the import count matters.
		let s = |best, imported, seconds| Sample { best, imported, seconds };
		attribute(&s(10, 10, 1.0), &s(11, 10, 1.0), &mut out);
		assert!(out.is_empty());
		attribute(&s(10, 10, 1.0), &s(10, 11, 1.5), &mut out);
		assert_eq!(out[&11], Import { ms: 500.0, shared_by: 1 });
		attribute(&s(10, 11, 1.5), &s(13, 13, 2.1), &mut out);
		assert_eq!(out[&12].shared_by, 2);
		assert!((out[&13].ms - 300.0).abs() < 1e-9);
		assert_eq!(out.len(), 3);
	}

	#[test]
	fn endpoints_parse() {
		let e: Endpoint = "http://127.0.0.1:9615/metrics".parse().unwrap();
		assert_eq!((e.addr.as_str(), e.path.as_str()), ("127.0.0.1:9615", "/metrics"));
		let e: Endpoint = "http://127.0.0.1:9615".parse().unwrap();
		assert_eq!(e.path, "/metrics");
		assert!("ws://x".parse::<Endpoint>().is_err());
	}
}
