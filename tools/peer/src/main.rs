//! `mpool-peer`: a paid peer of the micropayment pool. It serves a resource's HLS rendition over
//! HTTP to players that pay per segment with vouchers (docs/peer-http.md), checks their
//! handshake bundles and vouchers with the one peer policy against its own node, keeps every
//! voucher on disk before sending the segment it pays for, and settles on chain by itself.

mod config;
mod keystore;
mod metrics;
mod server;
mod settler;
mod tls;

use anyhow::Context;
use clap::Parser;
use config::Config;
use micropayment_pool_client::{peer::Peer, AccountId, Balance, Chain, Limits};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};
use std::{collections::BTreeMap, path::PathBuf, sync::Arc, time::Duration};
use tokio::sync::{watch, Mutex, Notify};

#[derive(Parser)]
#[command(
	name = "mpool-peer",
	version,
	about = "A paid peer of the micropayment pool: serves HLS segments for vouchers and settles them on chain",
	after_help = after_help()
)]
struct Args {
	/// The configuration file.
	#[arg(long, env = "MPOOL_PEER_CONFIG")]
	config: PathBuf,
}

fn after_help() -> String {
	format!(
		"The configuration (TOML; each top-level value overridable by MPOOL_PEER_<NAME>):\n\n{}\n\
		 Endpoints: GET /mpool/v1/offer, POST /mpool/v1/session/<resource> (the handshake bundle),\n\
		 GET /r/<resource>/<file> (paid with a voucher in the `mpool-voucher` header; 402 otherwise),\n\
		 GET /metrics (Prometheus). Protocol: docs/peer-http.md.\n\n\
		 Settlements: in batches when the policy says (exposure, `expiry - settle_margin`), alone\n\
		 with the policy's tip in the last `tip_blocks` of a window, re-signed with the same nonce at\n\
		 each block a settlement is still out (block stuffing), until final.\n\n\
		 SIGTERM or Ctrl-C: stops taking requests, settles every voucher held, then exits.\n\
		 Logs: RUST_LOG (e.g. RUST_LOG=debug).",
		config::EXAMPLE
	)
}

/// What the server and the settler share.
pub struct Shared {
	pub chain: Chain,
	pub peer: Mutex<Peer>,
	pub pair: sr25519::Pair,
	pub me: AccountId,
	pub genesis: [u8; 32],
	pub price: Balance,
	pub limits: Limits,
	/// Resource id → its directory, canonical.
	pub resources: BTreeMap<String, PathBuf>,
	pub metrics: metrics::Metrics,
	/// Wakes the settler when a voucher makes a settlement due.
	pub settle_soon: Notify,
}

#[tokio::main]
async fn main() {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
		)
		.with_target(false)
		// Logs go to stderr (journald, a container's log), coloured only on a terminal.
		.with_writer(std::io::stderr)
		.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
		.init();
	if let Err(e) = run(Args::parse()).await {
		tracing::error!("{e:#}");
		std::process::exit(1);
	}
}

async fn run(args: Args) -> anyhow::Result<()> {
	let config = Config::load(&args.config)?;
	let pair = keystore::load(&config.keystore)?;
	let me: AccountId = pair.public().into();
	let chain = Chain::connect(&config.node)
		.await
		.with_context(|| format!("connecting to the node at {}", config.node))?;
	let price = chain.units.parse(&config.price).map_err(anyhow::Error::msg).context("price")?;
	let limits = config.limits(&chain.units)?;
	let mut resources = BTreeMap::new();
	for (id, dir) in &config.resources {
		let dir = std::fs::canonicalize(dir)
			.with_context(|| format!("resource {id}: {}", dir.display()))?;
		resources.insert(id.clone(), dir);
	}
	let genesis = chain.genesis_bytes();
	let mut peer = Peer::open(&config.store, me.clone(), genesis)?;
	peer.set_limits(limits);
	let tls = match (&config.tls_cert, &config.tls_key) {
		(Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
		_ => None,
	};
	let listener = tokio::net::TcpListener::bind(config.listen)
		.await
		.with_context(|| format!("listening on {}", config.listen))?;
	tracing::info!(
		payee = %me.to_ss58check(),
		listen = %listener.local_addr()?,
		https = tls.is_some(),
		node = %config.node,
		price,
		resources = ?resources.keys().collect::<Vec<_>>(),
		pools = peer.pools().len(),
		"serving"
	);
	let shared = Arc::new(Shared {
		chain,
		peer: Mutex::new(peer),
		pair,
		me,
		genesis,
		price,
		limits,
		resources,
		metrics: metrics::Metrics::new(),
		settle_soon: Notify::new(),
	});
	let (stop, stopped) = watch::channel(false);
	let settler =
		tokio::spawn(settler::run(shared.clone(), stopped, Duration::from_secs(config.poll_secs)));
	let router = server::router(shared);
	match tls {
		Some(acceptor) => tls::serve(listener, acceptor, router, shutdown_signal()).await?,
		None => axum::serve(listener, router)
			.with_graceful_shutdown(shutdown_signal())
			.await
			.context("serving")?,
	}
	// Every request answered: settle what is held, then exit.
	stop.send_replace(true);
	settler.await.context("the settler")?;
	tracing::info!("stopped");
	Ok(())
}

/// SIGTERM (systemd, a container runtime) or Ctrl-C.
async fn shutdown_signal() {
	let ctrl_c = async {
		if tokio::signal::ctrl_c().await.is_err() {
			std::future::pending::<()>().await;
		}
	};
	#[cfg(unix)]
	let term = async {
		match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
			Ok(mut signal) => {
				signal.recv().await;
			},
			Err(_) => std::future::pending::<()>().await,
		}
	};
	#[cfg(not(unix))]
	let term = std::future::pending::<()>();
	tokio::select! {
		_ = ctrl_c => {},
		_ = term => {},
	}
	tracing::info!("shutdown requested");
}
