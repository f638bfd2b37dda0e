//! The viewer's side: one cumulative counter per peer, and the signature over each voucher.

use crate::{verify::SignedVoucher, AccountId, Balance, PoolId};
use micropayment_pool_primitives::Voucher;
use crate::MultiSignature;
use sp_core::{sr25519, Pair};
use micropayment_pool_handshake::promise::{check_promise, OverPromise};
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
};

/// A viewer paying peers from one pool.
pub struct Viewer {
	pair: sr25519::Pair,
	genesis_hash: [u8; 32],
	pool_id: PoolId,
	owed: BTreeMap<AccountId, Balance>,
}

/// Why a payment could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewerError {
	#[error("cumulative amount for this peer would overflow")]
	Overflow,
	#[error("a voucher for {amount} would exceed the pool's deposit of {deposit}")]
	OverDeposit { amount: Balance, deposit: Balance },
}

impl Viewer {
	/// A viewer that signs with `pair` (the pool's signer: its owner, or the session key named
	/// at creation) for `pool_id` on the chain with `genesis_hash`.
	pub fn new(pair: sr25519::Pair, genesis_hash: [u8; 32], pool_id: PoolId) -> Self {
		Self { pair, genesis_hash, pool_id, owed: BTreeMap::new() }
	}

	/// The account whose key signs the vouchers (the pool's signer).
	pub fn account(&self) -> AccountId {
		self.pair.public().into()
	}

	/// Total signed over to each peer so far.
	pub fn owed(&self) -> &BTreeMap<AccountId, Balance> {
		&self.owed
	}

	/// Sum of everything promised so far: an honest viewer keeps it within its deposit.
	pub fn promised(&self) -> Balance {
		self.owed.values().fold(0, |sum, v| sum.saturating_add(*v))
	}

	/// Pays `peer` `increment` more: raises its counter and signs the new cumulative voucher.
	pub fn pay(&mut self, peer: &AccountId, increment: Balance) -> Result<SignedVoucher, ViewerError> {
		let owed = self.owed.get(peer).copied().unwrap_or(0);
		let amount = owed.checked_add(increment).ok_or(ViewerError::Overflow)?;
		let signed = self.sign(peer, amount);
		self.owed.insert(peer.clone(), amount);
		Ok(signed)
	}

	/// Like [`Viewer::pay`], but refuses to promise more in total than `deposit`: the honest
	/// viewer's guard against double spending by mistake (the rule of
	/// [`micropayment_pool_handshake::promise`]).
	pub fn pay_within(
		&mut self,
		peer: &AccountId,
		increment: Balance,
		deposit: Balance,
	) -> Result<SignedVoucher, ViewerError> {
		let owed = self.owed.get(peer).copied().unwrap_or(0);
		let amount = owed.checked_add(increment).ok_or(ViewerError::Overflow)?;
		let to_others = self.promised().saturating_sub(owed);
		check_promise(to_others, amount, deposit).map_err(|e| ViewerError::OverDeposit {
			amount: e.promised,
			deposit: e.deposit,
		})?;
		self.pay(peer, increment)
	}

	/// Signs the voucher "pool owes `peer` a total of `amount`" (no counter change).
	pub fn sign(&self, peer: &AccountId, amount: Balance) -> SignedVoucher {
		let voucher = Voucher {
			genesis_hash: self.genesis_hash,
			pool_id: self.pool_id,
			target: *peer.as_ref(),
			amount,
		};
		let signature = MultiSignature::Sr25519(self.pair.sign(&voucher.payload()).0);
		SignedVoucher { voucher, signature }
	}
}

/// What a viewer signed over to each peer of each pool, in a file: separate runs of a signing
/// tool (`mpool voucher sign`) then never promise more than a pool's deposit in total, unless
/// told to. Locked and replaced whole on every change, like the peer's store.
pub struct Promises {
	path: PathBuf,
	genesis_hash: String,
}

/// Chain (genesis hash) → pool id → peer (SS58) → the highest cumulative amount signed to it, as
/// a decimal string.
type PromisesFile = BTreeMap<String, BTreeMap<PoolId, BTreeMap<String, String>>>;

/// Why a promise was not signed.
#[derive(Debug, thiserror::Error)]
pub enum PromiseError {
	#[error("{0}")]
	OverDeposit(OverPromise),
	#[error("promises file {path}: {message}")]
	File { path: String, message: String },
}

impl Promises {
	/// The promises of the chain with `genesis_hash`, kept at `path` (created on first use).
	pub fn at(path: impl AsRef<Path>, genesis_hash: [u8; 32]) -> Self {
		Self {
			path: path.as_ref().to_path_buf(),
			genesis_hash: format!("0x{}", hex::encode(genesis_hash)),
		}
	}

	/// Records that `peer` is owed a cumulative `amount` by `pool_id`, whose deposit is
	/// `deposit`, if everything promised by the pool stays within it (or `allow_over` says to
	/// sign anyway). Returns what the pool's peers are owed in total.
	pub fn promise(
		&self,
		pool_id: PoolId,
		peer: &AccountId,
		amount: Balance,
		deposit: Balance,
		allow_over: bool,
	) -> Result<Balance, PromiseError> {
		use sp_core::crypto::Ss58Codec;
		let err = |message: String| PromiseError::File { path: self.path.display().to_string(), message };
		if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
			std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
		}
		let _lock = crate::durable::FileLock::take(&self.path, true).map_err(|e| err(e.to_string()))?;
		let mut file = match crate::durable::read(&self.path).map_err(|e| err(e.to_string()))? {
			Some(bytes) => serde_json::from_slice::<PromisesFile>(&bytes)
				.map_err(|e| err(format!("does not parse: {e}")))?,
			None => PromisesFile::new(),
		};
		let owed = file.entry(self.genesis_hash.clone()).or_default().entry(pool_id).or_default();
		let parse = |v: &String| v.parse::<Balance>().map_err(|e| err(format!("amount {v}: {e}")));
		let me = peer.to_ss58check();
		let mut to_others: Balance = 0;
		for (who, v) in owed.iter() {
			if *who != me {
				to_others = to_others.saturating_add(parse(v)?);
			}
		}
		let before = owed.get(&me).map(parse).transpose()?.unwrap_or(0);
		let amount = amount.max(before);
		if !allow_over {
			check_promise(to_others, amount, deposit).map_err(PromiseError::OverDeposit)?;
		}
		owed.insert(me, amount.to_string());
		let bytes = serde_json::to_vec_pretty(&file).map_err(|e| err(e.to_string()))?;
		crate::durable::write(&self.path, &bytes).map_err(|e| err(e.to_string()))?;
		Ok(to_others.saturating_add(amount))
	}
}
