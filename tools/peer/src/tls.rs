//! HTTPS: a player on an `https://` page may only fetch from `https://` peers (browsers block
//! mixed content), so the daemon serves TLS itself when given a certificate — no proxy needed.
//! rustls with the `ring` provider, the TLS stack the workspace's node already builds.

use anyhow::Context;
use axum::Router;
use hyper_util::{rt::TokioIo, service::TowerToHyperService};
use std::{future::Future, path::Path, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::watch, task::JoinSet};
use tokio_rustls::{
	rustls::{
		self,
		pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
	},
	TlsAcceptor,
};

/// Longest a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Pause after a failed `accept`.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// A TLS acceptor for the certificate chain in `cert` and its private key in `key` (PEM files).
pub fn acceptor(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
	let chain = CertificateDer::pem_file_iter(cert)
		.and_then(Iterator::collect::<Result<Vec<_>, _>>)
		.with_context(|| format!("reading the certificate chain {}", cert.display()))?;
	anyhow::ensure!(!chain.is_empty(), "no certificate in {}", cert.display());
	let key = PrivateKeyDer::from_pem_file(key)
		.with_context(|| format!("reading the private key {}", key.display()))?;
	let provider = Arc::new(rustls::crypto::ring::default_provider());
	let mut config = rustls::ServerConfig::builder_with_provider(provider)
		.with_safe_default_protocol_versions()
		.context("TLS protocol versions")?
		.with_no_client_auth()
		.with_single_cert(chain, key)
		.context("the certificate and its key")?;
	config.alpn_protocols = vec![b"http/1.1".to_vec()];
	Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `router` over TLS on `listener` until `shutdown` completes, then lets each open
/// connection finish the request it is answering (idle keep-alive connections close at once).
pub async fn serve(
	listener: TcpListener,
	acceptor: TlsAcceptor,
	router: Router,
	shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
	let (stop, stopping) = watch::channel(false);
	let mut connections = JoinSet::new();
	tokio::pin!(shutdown);
	loop {
		let (tcp, remote) = tokio::select! {
			accepted = listener.accept() => match accepted {
				Ok(accepted) => accepted,
				// A connection that failed before it was accepted (reset, fd limit): the
				// listener itself is fine; a pause keeps an fd limit from spinning this loop.
				Err(e) => {
					tracing::debug!(error = %e, "accept failed");
					tokio::time::sleep(ACCEPT_PAUSE).await;
					continue;
				},
			},
			() = &mut shutdown => break,
		};
		let (acceptor, router, mut stopping) = (acceptor.clone(), router.clone(), stopping.clone());
		connections.spawn(async move {
			// A client that stalls its handshake holds a task: bounded in time, and dropped at
			// shutdown, which would otherwise wait for it.
			let tls = tokio::select! {
				handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)) => match handshake {
					Ok(Ok(tls)) => tls,
					Ok(Err(e)) => {
						tracing::debug!(%remote, error = %e, "TLS handshake failed");
						return;
					},
					Err(_) => {
						tracing::debug!(%remote, "TLS handshake timed out");
						return;
					},
				},
				_ = stopping.changed() => return,
			};
			let connection = hyper::server::conn::http1::Builder::new()
				.serve_connection(TokioIo::new(tls), TowerToHyperService::new(router));
			tokio::pin!(connection);
			let served = tokio::select! {
				served = connection.as_mut() => served,
				_ = stopping.changed() => {
					connection.as_mut().graceful_shutdown();
					connection.await
				},
			};
			if let Err(e) = served {
				tracing::debug!(%remote, error = %e, "connection ended with an error");
			}
		});
		// Reap finished connections as we go, so the set holds only open ones.
		while connections.try_join_next().is_some() {}
	}
	stop.send_replace(true);
	while connections.join_next().await.is_some() {}
	Ok(())
}
