//! The daemon's configuration: a TOML file, each top-level value overridable by an environment
//! variable (`MPOOL_PEER_<NAME>`), so a container or a systemd unit can change one setting
//! without a file of its own. Secrets are never here: the key is read from a keystore file.

use anyhow::{bail, Context};
use micropayment_pool_client::Limits;
use serde::Deserialize;
use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf};

/// An example configuration, shown by `mpool-peer --help` and shipped beside the crate.
pub const EXAMPLE: &str = include_str!("../mpool-peer.example.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
	/// Address the HTTP server listens on.
	#[serde(default = "default_listen")]
	pub listen: SocketAddr,
	/// PEM certificate chain: with `tls_key`, the server speaks HTTPS only.
	#[serde(default)]
	pub tls_cert: Option<PathBuf>,
	/// PEM private key of `tls_cert`.
	#[serde(default)]
	pub tls_key: Option<PathBuf>,
	/// WebSocket RPC endpoint of the peer's own node: the chain view it trusts.
	#[serde(default = "default_node")]
	pub node: String,
	/// File holding the peer's secret key (a secret URI on one line), readable by its owner only.
	pub keystore: PathBuf,
	/// The voucher store (a SQLite database; created if missing).
	pub store: PathBuf,
	/// Price of one segment: planck, or tokens with the chain's symbol (e.g. `0.01MPT`).
	pub price: String,
	/// Seconds between two rounds of following the pools and settling what is due.
	#[serde(default = "default_poll_secs")]
	pub poll_secs: u64,
	/// Resources served: resource id → directory of its HLS rendition.
	pub resources: BTreeMap<String, PathBuf>,
	/// The peer policy's limits; each defaults to `Limits::default()` (docs/security.md).
	#[serde(default)]
	pub limits: LimitsConfig,
}

/// The peer policy's limits, as the configuration gives them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
	pub max_age: Option<u32>,
	pub settle_margin: Option<u32>,
	pub min_serving_blocks: Option<u32>,
	pub min_margin_percent: Option<u32>,
	/// Most left unsettled per pool: planck or tokens (default: the pool's margin C − D, never
	/// more than the deposit left).
	pub exposure_cap: Option<String>,
}

fn default_listen() -> SocketAddr {
	SocketAddr::from(([127, 0, 0, 1], 8787))
}

fn default_node() -> String {
	"ws://127.0.0.1:9944".into()
}

fn default_poll_secs() -> u64 {
	6
}

impl Config {
	/// Reads `path`, then applies the environment's overrides.
	pub fn load(path: &std::path::Path) -> anyhow::Result<Self> {
		let text = std::fs::read_to_string(path)
			.with_context(|| format!("reading the configuration {}", path.display()))?;
		let mut config: Config = toml::from_str(&text)
			.with_context(|| format!("parsing the configuration {}", path.display()))?;
		config.apply_env(|name| std::env::var(name).ok())?;
		if config.resources.is_empty() {
			bail!("the configuration serves no resource: add a [resources] table");
		}
		if config.poll_secs == 0 {
			bail!("poll_secs must be at least 1");
		}
		if config.tls_cert.is_some() != config.tls_key.is_some() {
			bail!("tls_cert and tls_key go together: set both for HTTPS, or neither");
		}
		Ok(config)
	}

	fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
		if let Some(v) = var("MPOOL_PEER_LISTEN") {
			self.listen = v.parse().with_context(|| format!("MPOOL_PEER_LISTEN={v}"))?;
		}
		if let Some(v) = var("MPOOL_PEER_TLS_CERT") {
			self.tls_cert = Some(v.into());
		}
		if let Some(v) = var("MPOOL_PEER_TLS_KEY") {
			self.tls_key = Some(v.into());
		}
		if let Some(v) = var("MPOOL_PEER_NODE") {
			self.node = v;
		}
		if let Some(v) = var("MPOOL_PEER_KEYSTORE") {
			self.keystore = v.into();
		}
		if let Some(v) = var("MPOOL_PEER_STORE") {
			self.store = v.into();
		}
		if let Some(v) = var("MPOOL_PEER_PRICE") {
			self.price = v;
		}
		if let Some(v) = var("MPOOL_PEER_POLL_SECS") {
			self.poll_secs = v.parse().with_context(|| format!("MPOOL_PEER_POLL_SECS={v}"))?;
		}
		Ok(())
	}

	/// The policy's limits, amounts in the chain's units.
	pub fn limits(
		&self,
		units: &micropayment_pool_client::amount::Units,
	) -> anyhow::Result<Limits> {
		let d = Limits::default();
		let l = &self.limits;
		let exposure_cap = l
			.exposure_cap
			.as_deref()
			.map(|a| units.parse(a).map_err(anyhow::Error::msg))
			.transpose()
			.context("limits.exposure_cap")?;
		Ok(Limits {
			max_age: l.max_age.unwrap_or(d.max_age),
			settle_margin: l.settle_margin.unwrap_or(d.settle_margin),
			min_serving_blocks: l.min_serving_blocks.unwrap_or(d.min_serving_blocks),
			min_margin_ppm: l
				.min_margin_percent
				.map_or(d.min_margin_ppm, |p| p.saturating_mul(10_000)),
			exposure_cap: exposure_cap.or(d.exposure_cap),
			..d
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_example_parses_and_the_environment_overrides_it() {
		let mut config: Config = toml::from_str(EXAMPLE).expect("the shipped example parses");
		assert_eq!(config.listen, default_listen());
		let env = BTreeMap::from([
			("MPOOL_PEER_LISTEN", "0.0.0.0:9000"),
			("MPOOL_PEER_PRICE", "7"),
			("MPOOL_PEER_POLL_SECS", "2"),
		]);
		config.apply_env(|name| env.get(name).map(|v| v.to_string())).expect("valid overrides");
		assert_eq!(config.listen, SocketAddr::from(([0, 0, 0, 0], 9000)));
		assert_eq!(config.price, "7");
		assert_eq!(config.poll_secs, 2);
		let bad = BTreeMap::from([("MPOOL_PEER_LISTEN", "nowhere")]);
		assert!(config.apply_env(|name| bad.get(name).map(|v| v.to_string())).is_err());
	}

	#[test]
	fn unknown_settings_are_refused() {
		let text = format!("{EXAMPLE}\nprize = \"1\"\n");
		assert!(
			toml::from_str::<Config>(&text).is_err(),
			"a misspelt setting is an error, not ignored"
		);
	}
}
