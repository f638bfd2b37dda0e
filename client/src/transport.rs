//! The WebSocket transport subxt talks through: jsonrpsee's client with this crate's timeout and
//! size limits, adapted to subxt's `RpcClientT`. (subxt's own adapter is its `jsonrpsee` feature:
//! it always brings TLS, and turning it on changes the features subxt is built with across this
//! workspace, where the node's benchmarking CLI builds subxt too, so everything above subxt
//! would rebuild. Here TLS is the crate's opt-in `tls` feature.)

use jsonrpsee_core::{
	client::{ClientT, Error as WsError, SubscriptionClientT, SubscriptionKind},
	traits::ToRpcParams,
};
use jsonrpsee_types::SubscriptionId;
use jsonrpsee_ws_client::{WsClient, WsClientBuilder};
use std::time::Duration;
use subxt::{
	ext::futures::{StreamExt, TryStreamExt},
	rpcs::{
		client::{RawRpcFuture, RawRpcSubscription, RawValue, RpcClientT},
		Error, UserError,
	},
};

/// A WebSocket connection to a node's JSON-RPC server.
pub struct WsTransport(WsClient);

impl WsTransport {
	/// Connects to `url`: `ws://`, or `wss://` with the crate's `tls` feature.
	pub async fn connect(url: &str) -> Result<Self, Error> {
		WsClientBuilder::default()
			.request_timeout(Duration::from_secs(60))
			.max_response_size(64 * 1024 * 1024)
			.max_request_size(64 * 1024 * 1024)
			.build(url)
			.await
			.map(Self)
			.map_err(to_rpc_error)
	}
}

/// Parameters already serialised by subxt.
struct Params(Option<Box<RawValue>>);

impl ToRpcParams for Params {
	fn to_rpc_params(self) -> Result<Option<Box<RawValue>>, serde_json::Error> {
		Ok(self.0)
	}
}

/// A call the node answered with an error is the caller's ("user") error: it carries the code
/// and message that say why (e.g. an invalid transaction); everything else is the connection's.
fn to_rpc_error(e: WsError) -> Error {
	match e {
		WsError::Call(call) => Error::User(UserError {
			code: call.code(),
			message: call.message().to_owned(),
			data: call.data().map(ToOwned::to_owned),
		}),
		other => Error::Client(Box::new(other)),
	}
}

impl RpcClientT for WsTransport {
	fn request_raw<'a>(
		&'a self,
		method: &'a str,
		params: Option<Box<RawValue>>,
	) -> RawRpcFuture<'a, Box<RawValue>> {
		Box::pin(async move { ClientT::request(&self.0, method, Params(params)).await.map_err(to_rpc_error) })
	}

	fn subscribe_raw<'a>(
		&'a self,
		sub: &'a str,
		params: Option<Box<RawValue>>,
		unsub: &'a str,
	) -> RawRpcFuture<'a, RawRpcSubscription> {
		Box::pin(async move {
			let subscription = SubscriptionClientT::subscribe::<Box<RawValue>, _>(&self.0, sub, Params(params), unsub)
				.await
				.map_err(to_rpc_error)?;
			let id = match subscription.kind() {
				SubscriptionKind::Subscription(SubscriptionId::Str(id)) => Some(id.to_string()),
				_ => None,
			};
			let stream = subscription.map_err(|e| Error::Client(Box::new(e))).boxed();
			Ok(RawRpcSubscription { stream, id })
		})
	}
}
