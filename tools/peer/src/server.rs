//! The peer's HTTP protocol (docs/peer-http.md): the offer, the session a viewer opens with its
//! handshake bundle, and the resource's files, each paid segment for a voucher that the store
//! keeps durably before a byte is sent.

use crate::Shared;
use axum::{
	body::{Body, Bytes},
	extract::{Path, State},
	http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode},
	response::{IntoResponse, Response},
	routing::{get, post},
	Json, Router,
};
use micropayment_pool_client::{
	peering::{self, PeerChainError},
	BundleExt, HandshakeBundle, HandshakeError, PoolId, SignedVoucher, VoucherError,
};
use serde_json::{json, Value};
use sp_core::crypto::Ss58Codec;
use std::{path::Component, sync::Arc};
use tower_http::cors::{Any, CorsLayer};

/// The request header that carries a voucher token (`0x` + hex of its SCALE bytes).
pub const VOUCHER_HEADER: &str = "mpool-voucher";
/// The response header with the cumulative amount the peer accepted from the pool.
pub const ACCEPTED_HEADER: &str = "mpool-accepted";
/// Version of the protocol, in its paths.
pub const PROTOCOL: &str = "v1";

pub fn router(shared: Arc<Shared>) -> Router {
	let cors = CorsLayer::new()
		.allow_origin(Any)
		.allow_methods([Method::GET, Method::POST])
		.allow_headers([header::CONTENT_TYPE, HeaderName::from_static(VOUCHER_HEADER)])
		.expose_headers([HeaderName::from_static(ACCEPTED_HEADER)]);
	Router::new()
		.route("/mpool/v1/offer", get(offer))
		.route("/mpool/v1/session/:resource", post(session))
		.route("/r/:resource/*path", get(file))
		.route("/metrics", get(metrics))
		.layer(cors)
		.with_state(shared)
}

/// A named error as JSON: `{ "error": name, "message": text, ... }`.
fn error(status: StatusCode, name: &str, message: impl ToString, extra: Value) -> Response {
	let mut body = json!({ "error": name, "message": message.to_string() });
	if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
		body.extend(extra);
	}
	(status, Json(body)).into_response()
}

/// What every answer about payment names: who is paid, on which chain, at what price.
fn terms(shared: &Shared) -> Value {
	json!({
		"payee": shared.me.to_ss58check(),
		"payee_hex": format!("0x{}", hex::encode(<[u8; 32]>::from(shared.me.clone()))),
		"genesis_hash": format!("0x{}", hex::encode(shared.genesis)),
		"price": shared.price.to_string(),
	})
}

async fn offer(State(shared): State<Arc<Shared>>) -> Json<Value> {
	let mut body = terms(&shared);
	body["version"] = json!(1);
	body["resources"] = json!(shared.resources.keys().collect::<Vec<_>>());
	Json(body)
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
	let text = shared.metrics.render(&*shared.peer.lock().await);
	([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// Opens a session: the viewer's handshake bundle (raw bytes, or `0x` hex) for `resource`,
/// admitted as the CLI admits one ([`peering::admit`]) and recorded in the store.
async fn session(
	State(shared): State<Arc<Shared>>,
	Path(resource): Path<String>,
	body: Bytes,
) -> Response {
	if !shared.resources.contains_key(&resource) {
		return error(
			StatusCode::NOT_FOUND,
			"UnknownResource",
			format!("no resource {resource}"),
			json!({}),
		);
	}
	let bundle = match body.strip_prefix(b"0x") {
		Some(_) => std::str::from_utf8(&body)
			.map_err(|e| e.to_string())
			.and_then(|text| HandshakeBundle::from_hex(text.trim()).map_err(|e| e.to_string())),
		None => HandshakeBundle::from_bytes(&body).map_err(|e| HandshakeError::from(e).to_string()),
	};
	let bundle = match bundle {
		Ok(bundle) => bundle,
		Err(e) => return error(StatusCode::BAD_REQUEST, "MalformedBundle", e, json!({})),
	};
	let admitted = peering::admit(
		&shared.chain,
		&bundle,
		&shared.me,
		resource.as_bytes(),
		&shared.limits,
		None,
		None,
	)
	.await;
	let admitted = match admitted {
		Ok(admitted) => admitted,
		Err(PeerChainError::Refused(e)) => {
			return error(StatusCode::FORBIDDEN, e.name(), &e, json!({}));
		},
		Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, "ChainUnavailable", e, json!({})),
	};
	let ledger = admitted.ledger;
	let mut peer = shared.peer.lock().await;
	peer.set_head(admitted.now);
	if let Err(e) = peer.record_handshake(ledger.clone()) {
		return error(StatusCode::INTERNAL_SERVER_ERROR, e.name(), e, json!({}));
	}
	let accepted = peer.pools().get(&ledger.pool_id).map_or(0, |entry| entry.best_amount());
	tracing::info!(pool = ledger.pool_id, %resource, accepted, "session opened");
	let mut body = terms(&shared);
	body["pool_id"] = json!(ledger.pool_id.to_string());
	body["resource"] = json!(resource);
	body["accepted"] = json!(accepted.to_string());
	body["relied_on"] = json!(ledger.relied_on().to_string());
	body["exposure_cap"] = json!(ledger.cap(&shared.limits).to_string());
	body["serving_ends"] = json!(ledger.serving_ends(&shared.limits));
	Json(body).into_response()
}

/// A file of `resource`: playlists free, anything else for a voucher that adds at least the price
/// to what the peer accepted from the pool before.
async fn file(
	State(shared): State<Arc<Shared>>,
	Path((resource, path)): Path<(String, String)>,
	headers: HeaderMap,
) -> Response {
	let Some(dir) = shared.resources.get(&resource) else {
		return error(
			StatusCode::NOT_FOUND,
			"UnknownResource",
			format!("no resource {resource}"),
			json!({}),
		);
	};
	// Only plain names below the resource's directory, and no link out of it.
	let relative = std::path::Path::new(&path);
	if path.is_empty() || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
		return error(StatusCode::NOT_FOUND, "NotFound", "no such file", json!({}));
	}
	let Ok(full) = tokio::fs::canonicalize(dir.join(relative)).await else {
		return error(StatusCode::NOT_FOUND, "NotFound", "no such file", json!({}));
	};
	if !full.starts_with(dir) {
		return error(StatusCode::NOT_FOUND, "NotFound", "no such file", json!({}));
	}
	let free = full.extension().is_some_and(|e| e == "m3u8");
	let mut accepted = None;
	if !free {
		match pay(&shared, &resource, &headers).await {
			Ok(amount) => accepted = Some(amount),
			Err(response) => return response,
		}
	}
	let bytes = match tokio::fs::read(&full).await {
		Ok(bytes) => bytes,
		Err(e) => return error(StatusCode::NOT_FOUND, "NotFound", e, json!({})),
	};
	shared.metrics.served.with_label_values(&[if free { "false" } else { "true" }]).inc();
	let mut response = Response::new(Body::from(bytes));
	response
		.headers_mut()
		.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(&full)));
	if let Some(amount) = accepted.and_then(|a| HeaderValue::from_str(&a.to_string()).ok()) {
		response.headers_mut().insert(HeaderName::from_static(ACCEPTED_HEADER), amount);
	}
	response
}

/// Takes the request's voucher for one segment of `resource`: on success the voucher is in the
/// store, on disk, and its cumulative amount is returned; otherwise the 402 to answer.
async fn pay(shared: &Shared, resource: &str, headers: &HeaderMap) -> Result<u128, Response> {
	let refuse = |name: &str, message: String, pool: Option<(PoolId, u128)>| {
		shared.metrics.refused.with_label_values(&[name]).inc();
		let mut extra = terms(shared);
		extra["resource"] = json!(resource);
		if let Some((pool_id, best)) = pool {
			extra["pool_id"] = json!(pool_id.to_string());
			extra["accepted"] = json!(best.to_string());
			extra["required"] = json!(best.saturating_add(shared.price).to_string());
		}
		error(StatusCode::PAYMENT_REQUIRED, name, message, extra)
	};
	let Some(token) = headers.get(VOUCHER_HEADER) else {
		return Err(refuse(
			"PaymentRequired",
			format!("send a voucher in the {VOUCHER_HEADER} header"),
			None,
		));
	};
	let signed =
		token.to_str().map_err(|e| e.to_string()).and_then(|t| SignedVoucher::from_hex(t.trim()));
	let signed = signed.map_err(|e| refuse("MalformedVoucher", e, None))?;
	let pool_id = signed.voucher.pool_id;
	let mut peer = shared.peer.lock().await;
	let Some(entry) = peer.pools().get(&pool_id) else {
		return Err(refuse(
			"UnknownPool",
			format!("no session with pool {pool_id}: POST its handshake bundle to /mpool/{PROTOCOL}/session/{resource}"),
			None,
		));
	};
	let best = entry.best_amount();
	if entry.ledger.pool.resource_id != resource.as_bytes() {
		return Err(refuse(
			"WrongResource",
			format!("pool {pool_id} pays for another resource"),
			Some((pool_id, best)),
		));
	}
	if signed.voucher.amount < best.saturating_add(shared.price) {
		return Err(refuse(
			"Underpaid",
			format!(
				"the voucher's total {} adds less than the price to {best}",
				signed.voucher.amount
			),
			Some((pool_id, best)),
		));
	}
	match peer.accept_voucher(&signed) {
		Ok(accepted) => {
			if accepted.settle_now.is_some() {
				shared.settle_soon.notify_one();
			}
			Ok(accepted.amount)
		},
		Err(e @ VoucherError::Store(_)) => {
			tracing::error!(pool = pool_id, error = %e, "the voucher store failed");
			Err(error(StatusCode::INTERNAL_SERVER_ERROR, e.name(), e, json!({})))
		},
		Err(e) => {
			let best = peer.pools().get(&pool_id).map_or(best, |entry| entry.best_amount());
			Err(refuse(e.name(), e.to_string(), Some((pool_id, best))))
		},
	}
}

fn content_type(path: &std::path::Path) -> &'static str {
	match path.extension().and_then(|e| e.to_str()) {
		Some("m3u8") => "application/vnd.apple.mpegurl",
		Some("ts") => "video/mp2t",
		Some("m4s") => "video/iso.segment",
		Some("mp4") => "video/mp4",
		Some("aac") => "audio/aac",
		_ => "application/octet-stream",
	}
}
