//! The simulation's accounts: deterministic keys, funding from a dev account, and nonces handed
//! out locally so that one account can have several transactions in flight (a peer settling for
//! many viewers at once) without asking the node for each.

use micropayment_pool_client::{
	api::runtime::tx as calls,
	chain::to_api_account,
	AccountId, Balance, Chain, ChainError, Included, Wait,
};
use sp_core::{sr25519, Pair};
use subxt::{transactions::Payload, utils::MultiAddress};
use std::{collections::HashMap, sync::Arc};
use tokio::sync::Mutex;

/// The runtime's `CompensationShare` (from the client's metadata) as a `Perbill`.
pub fn compensation_share() -> sp_runtime::Perbill {
	sp_runtime::Perbill::from_parts(micropayment_pool_client::compensation_share_ppb())
}

/// The simulator's units: its reports and arguments are in the demo runtime's `UNIT`
/// (10^12 planck, one MPT).
pub fn units() -> micropayment_pool_client::amount::Units {
	micropayment_pool_client::amount::Units::new("UNIT", DECIMALS)
}

/// The demo runtimes' token decimals (`system_properties`; `main` checks the node agrees).
pub const DECIMALS: u8 = 12;
/// One token in planck.
pub const UNIT: Balance = 1_000_000_000_000;

/// What the simulation sets aside per pool a peer may settle in, for the storage deposit its
/// first settlement there holds: the runtime's `PayeeDeposit` constant, 1 mUNIT + 10 µUNIT per
/// byte of the 224 bytes a `Paid` record writes (3.24 mUNIT); this bound is over it, so no peer gets
/// `PayeeDepositUnavailable`. Released to the peer by `reap_paid` after the pool closed.
pub fn payee_record_deposit() -> Balance {
	UNIT / 100
}

/// A key of the simulation: `role` and index give the same key in every run.
pub fn key(role: &str, index: usize) -> sr25519::Pair {
	let seed = sp_crypto_hashing::blake2_256(format!("mpool-sim/{role}/{index}").as_bytes());
	sr25519::Pair::from_seed(&seed)
}

/// The account of a key.
pub fn account_of(pair: &sr25519::Pair) -> AccountId {
	pair.public().into()
}

/// Connects to `url` and checks the chain's token has the decimals the simulator's amounts
/// assume.
pub async fn connect(url: &str) -> anyhow::Result<Arc<Chain>> {
	use anyhow::Context;
	let chain = Chain::connect(url).await.with_context(|| url.to_string())?;
	anyhow::ensure!(
		chain.units.decimals == DECIMALS,
		"{url}: the token has {} decimals; the simulator's UNIT assumes {DECIMALS}",
		chain.units.decimals
	);
	Ok(Arc::new(chain))
}

/// Submits transactions with locally allocated nonces.
pub struct Fleet {
	pub chain: Arc<Chain>,
	url: String,
	nonces: Mutex<HashMap<AccountId, u32>>,
}

impl Fleet {
	pub fn new(chain: Arc<Chain>, url: &str) -> Self {
		Self { chain, url: url.to_string(), nonces: Mutex::new(HashMap::new()) }
	}

	/// A connection of one viewer's or peer's own: in the field each of them talks to its own
	/// node. Sharing the fleet's connection would also queue a handshake's replies behind other
	/// actors' traffic and subscription notifications, which the node's RPC server (no
	/// `TCP_NODELAY` in sc-rpc-server 33) can hold back by a delayed ACK (~40 ms).
	pub async fn own_link(&self) -> Result<Arc<Chain>, ChainError> {
		Ok(Arc::new(Chain::connect(&self.url).await?))
	}

	/// The next nonce of `who`: from the node the first time, then counted here.
	pub async fn next_nonce(&self, who: &AccountId) -> Result<u32, ChainError> {
		let mut nonces = self.nonces.lock().await;
		let nonce = match nonces.get(who) {
			Some(n) => *n,
			None => self.chain.next_nonce(who).await?,
		};
		nonces.insert(who.clone(), nonce.saturating_add(1));
		Ok(nonce)
	}

	/// Forgets `who`'s nonce, so the next one is read from the node again (after a transaction
	/// that never reached a block).
	pub async fn resync(&self, who: &AccountId) {
		self.nonces.lock().await.remove(who);
	}

	/// Signs `call` as `signer` and submits it, waiting as told.
	pub async fn submit<C: Payload>(
		&self,
		signer: &sr25519::Pair,
		call: C,
		wait: Wait,
	) -> Result<Included, ChainError> {
		let who = account_of(signer);
		let nonce = self.next_nonce(&who).await?;
		let at = self.chain.at_finalized().await?;
		let tx = Chain::sign(&at, signer, &call, nonce)?;
		let result = self.chain.submit_signed(&at, &tx, wait).await;
		if matches!(result, Err(ChainError::Rejected(_) | ChainError::Dropped(_) | ChainError::Rpc(_))) {
			self.resync(&who).await;
		}
		result
	}

	/// Transfers to each `(account, amount)` from `from`, all in flight at once; returns when
	/// the last is in a block (nonces are sequential, so the others are too) and every balance
	/// is there.
	pub async fn fund(&self, from: &sr25519::Pair, to: &[(AccountId, Balance)]) -> anyhow::Result<()> {
		let Some((last, rest)) = to.split_last() else { return Ok(()) };
		let transfer = |(dest, value): &(AccountId, Balance)| {
			calls().balances().transfer_keep_alive(MultiAddress::<_, ()>::Id(to_api_account(dest)), *value)
		};
		let who = account_of(from);
		let at = self.chain.at_finalized().await?;
		for item in rest {
			let nonce = self.next_nonce(&who).await?;
			self.chain.submit_only(&Chain::sign(&at, from, &transfer(item), nonce)?).await?;
		}
		self.submit(from, transfer(last), Wait::InBlock).await?;
		for (dest, value) in to {
			let free = self.chain.free_balance(dest).await?;
			anyhow::ensure!(free >= *value, "funding {dest} failed: free balance {free}");
		}
		Ok(())
	}
}

/// A key from a secret URI such as `//Alice`.
pub fn key_from_uri(uri: &str) -> anyhow::Result<sr25519::Pair> {
	sr25519::Pair::from_string(uri, None).map_err(|e| anyhow::anyhow!("bad secret URI {uri:?}: {e:?}"))
}
