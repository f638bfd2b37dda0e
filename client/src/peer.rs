//! The peer's side: accept vouchers from viewers it shook hands with, and keep the best voucher
//! of each pool in a file that survives a crash until it is settled.
//!
//! Every accepted voucher is written (to a temporary file, fsynced, renamed over the store)
//! before [`Peer::accept_voucher`] returns, so a peer that served a chunk only after `Ok` can
//! lose no payment it earned.
//!
//! Several processes may use one store at once (a long-running `mpool peer run` beside
//! `mpool handshake verify --store` and `mpool settle --store`): every change takes an exclusive
//! lock on `<store>.lock`, re-reads the file, applies itself and writes the file before
//! unlocking, so no process overwrites what another one recorded, and a pool recorded by one
//! is known to the others at their next change.

use crate::{
	handshake::{u128_string, PoolTerms},
	verify::{verify_batch, verify_each, SignedVoucher},
	AccountId, Balance, PoolId,
};
use serde::{Deserialize, Serialize};
use std::{
	collections::BTreeMap,
	fs::{self, File, OpenOptions},
	io::Write,
	path::{Path, PathBuf},
};

/// Version of the store's file format.
const STORE_VERSION: u32 = 1;

/// Why a voucher was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
	#[error("no handshake with pool {0}: verify its bundle first")]
	UnknownPool(PoolId),
	#[error("voucher is for another chain")]
	WrongChain,
	#[error("voucher pays another peer")]
	WrongTarget,
	#[error("signature is not the pool signer's")]
	BadSignature,
	#[error("voucher for {amount} does not exceed the best one held ({best})")]
	Stale { amount: Balance, best: Balance },
	#[error("unsettled {unsettled} would exceed the pool's remaining deposit {deposit}")]
	ExceedsDeposit { unsettled: Balance, deposit: Balance },
	#[error("voucher store: {0}")]
	Store(String),
}

/// A voucher the peer accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
	pub pool_id: PoolId,
	/// The voucher's cumulative amount.
	pub amount: Balance,
	/// What this voucher adds to the best one held before.
	pub increment: Balance,
	/// Owed to the peer but not settled on chain: the peer's exposure to this pool.
	pub unsettled: Balance,
	/// The pool's remaining deposit at the handshake, which covers `unsettled`.
	pub deposit: Balance,
}

/// What the store keeps per pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolEntry {
	/// The pool as the handshake proved it.
	pub terms: PoolTerms,
	/// The best (highest) voucher accepted, as a token (`SignedVoucher` hex).
	pub best: Option<String>,
	/// Cumulative amount the chain has paid this peer (from the handshake, then settlements).
	#[serde(with = "u128_string")]
	pub settled: Balance,
}

impl PoolEntry {
	/// The best voucher held, decoded.
	pub fn best_voucher(&self) -> Option<SignedVoucher> {
		self.best.as_deref().and_then(|hex| SignedVoucher::from_hex(hex).ok())
	}

	/// Amount of the best voucher held, or what was settled if none is held.
	pub fn best_amount(&self) -> Balance {
		self.best_voucher().map_or(self.settled, |v| v.voucher.amount)
	}
}

#[derive(Serialize, Deserialize)]
struct StoreFile {
	version: u32,
	me: AccountId,
	genesis_hash: String,
	pools: BTreeMap<PoolId, PoolEntry>,
}

/// A peer: its account, the chain it is paid on, and its durable voucher store.
///
/// [`Peer::pools`], [`Peer::check_voucher`] and [`Peer::unsettled`] answer from the store as
/// last read (at open, at the last change, or at [`Peer::reload`]); every change re-reads it
/// under the lock first.
pub struct Peer {
	me: AccountId,
	genesis_hash: [u8; 32],
	path: PathBuf,
	pools: BTreeMap<PoolId, PoolEntry>,
}

/// An advisory lock on `<store>.lock`, released when dropped (the file is closed). The lock is
/// on a file of its own because the store itself is replaced by rename on every write.
struct StoreLock(#[allow(dead_code)] File);

impl StoreLock {
	fn take(store: &Path, exclusive: bool) -> Result<Self, VoucherError> {
		let mut name = store.as_os_str().to_owned();
		name.push(".lock");
		let file = OpenOptions::new()
			.create(true)
			.truncate(false)
			.write(true)
			.open(&name)
			.map_err(|e| store_err(store, format!("lock file: {e}")))?;
		if exclusive { file.lock() } else { file.lock_shared() }
			.map_err(|e| store_err(store, format!("lock: {e}")))?;
		Ok(Self(file))
	}
}

impl Peer {
	/// Opens the store at `path`, creating it if missing. Fails if it belongs to another peer
	/// or chain, or does not parse: a store is never silently overwritten.
	pub fn open(
		path: impl AsRef<Path>,
		me: AccountId,
		genesis_hash: [u8; 32],
	) -> Result<Self, VoucherError> {
		let path = path.as_ref().to_path_buf();
		let mut peer = Self { me, genesis_hash, path, pools: BTreeMap::new() };
		let _lock = StoreLock::take(&peer.path, true)?;
		match peer.read()? {
			Some(pools) => peer.pools = pools,
			None => peer.persist()?,
		}
		Ok(peer)
	}

	/// Re-reads the store, to see what other processes recorded since this one last did.
	pub fn reload(&mut self) -> Result<(), VoucherError> {
		let _lock = StoreLock::take(&self.path, false)?;
		self.pools = self.read()?.unwrap_or_default();
		Ok(())
	}

	/// Under the store's exclusive lock: re-reads the store, applies `change` and, if it
	/// succeeds, writes the store. A failed change writes nothing.
	fn update<T>(
		&mut self,
		change: impl FnOnce(&mut Self) -> Result<T, VoucherError>,
	) -> Result<T, VoucherError> {
		let _lock = StoreLock::take(&self.path, true)?;
		self.pools = self.read()?.unwrap_or_default();
		let out = change(self)?;
		self.persist()?;
		Ok(out)
	}

	/// The store's pools, or `None` if it has no file yet. Fails if it belongs to another peer
	/// or chain, or does not parse.
	fn read(&self) -> Result<Option<BTreeMap<PoolId, PoolEntry>>, VoucherError> {
		let path = &self.path;
		let bytes = match fs::read(path) {
			Ok(bytes) => bytes,
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
			Err(e) => return Err(store_err(path, e)),
		};
		let file: StoreFile = serde_json::from_slice(&bytes)
			.map_err(|e| store_err(path, format!("does not parse: {e}")))?;
		if file.version != STORE_VERSION {
			return Err(store_err(path, format!("unknown version {}", file.version)));
		}
		if file.me != self.me {
			return Err(store_err(path, format!("belongs to {}", file.me)));
		}
		if file.genesis_hash != hex_hash(&self.genesis_hash) {
			return Err(store_err(path, "belongs to another chain"));
		}
		Ok(Some(file.pools))
	}

	/// The peer's account.
	pub fn me(&self) -> &AccountId {
		&self.me
	}

	/// The store's path.
	pub fn path(&self) -> &Path {
		&self.path
	}

	/// Every pool the peer shook hands with.
	pub fn pools(&self) -> &BTreeMap<PoolId, PoolEntry> {
		&self.pools
	}

	/// Records a verified handshake (see [`crate::verify_handshake`]). A newer proof of a known
	/// pool refreshes its terms and never lowers what was settled or the best voucher.
	pub fn record_handshake(&mut self, terms: PoolTerms) -> Result<(), VoucherError> {
		self.update(|peer| {
			let settled = terms.paid_to_me;
			match peer.pools.get_mut(&terms.pool_id) {
				Some(entry) => {
					entry.settled = entry.settled.max(settled);
					entry.terms = terms;
				},
				None => {
					peer.pools.insert(terms.pool_id, PoolEntry { terms, best: None, settled });
				},
			}
			Ok(())
		})
	}

	/// Checks a voucher without keeping it: right chain, right peer, the pool signer's
	/// signature, more than the best held, unsettled total within the pool's deposit.
	pub fn check_voucher(&self, signed: &SignedVoucher) -> Result<Accepted, VoucherError> {
		let entry = self.precheck(signed)?;
		if !signed.is_signed_by(entry.terms.voucher_signer()) {
			return Err(VoucherError::BadSignature);
		}
		self.assess(entry, signed)
	}

	/// Checks a voucher and, if good, keeps it as the pool's best, durably.
	pub fn accept_voucher(&mut self, signed: &SignedVoucher) -> Result<Accepted, VoucherError> {
		self.update(|peer| {
			let accepted = peer.check_voucher(signed)?;
			peer.keep(signed);
			Ok(accepted)
		})
	}

	/// Accepts many vouchers with one batch signature check (falling back to single checks to
	/// name the bad ones) and one write. Results are in input order; for one pool, vouchers are
	/// applied in order, so a lower one after a higher one is `Stale`.
	pub fn accept_vouchers(
		&mut self,
		batch: &[SignedVoucher],
	) -> Result<Vec<Result<Accepted, VoucherError>>, VoucherError> {
		self.update(|peer| Ok(peer.accept_batch(batch)))
	}

	fn accept_batch(&mut self, batch: &[SignedVoucher]) -> Vec<Result<Accepted, VoucherError>> {
		let mut signers = Vec::with_capacity(batch.len());
		for signed in batch {
			signers.push(self.precheck(signed).map(|entry| entry.terms.voucher_signer().clone()));
		}
		let candidates: Vec<_> = batch
			.iter()
			.zip(&signers)
			.filter_map(|(signed, signer)| signer.as_ref().ok().map(|s| (signed, s)))
			.collect();
		let all_good = verify_batch(&candidates);
		let mut good = if all_good { vec![true; candidates.len()] } else { verify_each(&candidates) }
			.into_iter();

		let mut results = Vec::with_capacity(batch.len());
		for (signed, signer) in batch.iter().zip(signers) {
			let result = signer.and_then(|_| {
				if !good.next().unwrap_or(false) {
					return Err(VoucherError::BadSignature);
				}
				let entry = self.precheck(signed)?;
				let accepted = self.assess(entry, signed)?;
				self.keep(signed);
				Ok(accepted)
			});
			results.push(result);
		}
		results
	}

	/// The best voucher held for `pool_id` that the chain has not paid yet.
	pub fn unsettled(&self, pool_id: PoolId) -> Option<SignedVoucher> {
		let entry = self.pools.get(&pool_id)?;
		entry.best_voucher().filter(|v| v.voucher.amount > entry.settled)
	}

	/// Records that the chain paid this peer `amount` (cumulative) from `pool_id`.
	pub fn mark_settled(&mut self, pool_id: PoolId, amount: Balance) -> Result<(), VoucherError> {
		self.update(|peer| {
			let entry = peer.pools.get_mut(&pool_id).ok_or(VoucherError::UnknownPool(pool_id))?;
			entry.settled = entry.settled.max(amount);
			Ok(())
		})
	}

	fn precheck(&self, signed: &SignedVoucher) -> Result<&PoolEntry, VoucherError> {
		let voucher = &signed.voucher;
		if voucher.genesis_hash != self.genesis_hash {
			return Err(VoucherError::WrongChain);
		}
		let me: &[u8; 32] = self.me.as_ref();
		if &voucher.target != me {
			return Err(VoucherError::WrongTarget);
		}
		self.pools.get(&voucher.pool_id).ok_or(VoucherError::UnknownPool(voucher.pool_id))
	}

	fn assess(&self, entry: &PoolEntry, signed: &SignedVoucher) -> Result<Accepted, VoucherError> {
		let amount = signed.voucher.amount;
		let best = entry.best_amount().max(entry.settled);
		if amount <= best {
			return Err(VoucherError::Stale { amount, best });
		}
		let unsettled = amount.saturating_sub(entry.settled);
		let deposit = entry.terms.deposit;
		if unsettled > deposit {
			return Err(VoucherError::ExceedsDeposit { unsettled, deposit });
		}
		Ok(Accepted {
			pool_id: signed.voucher.pool_id,
			amount,
			increment: amount.saturating_sub(best),
			unsettled,
			deposit,
		})
	}

	fn keep(&mut self, signed: &SignedVoucher) {
		if let Some(entry) = self.pools.get_mut(&signed.voucher.pool_id) {
			entry.best = Some(signed.to_hex());
		}
	}

	/// Writes the store atomically: temporary file, fsync, rename, fsync of the directory.
	/// Called with the store's exclusive lock held.
	fn persist(&self) -> Result<(), VoucherError> {
		let file = StoreFile {
			version: STORE_VERSION,
			me: self.me.clone(),
			genesis_hash: hex_hash(&self.genesis_hash),
			pools: self.pools.clone(),
		};
		let bytes = serde_json::to_vec_pretty(&file).map_err(|e| store_err(&self.path, e))?;
		let tmp = self.path.with_extension("tmp");
		let write = || -> std::io::Result<()> {
			let mut out = fs::File::create(&tmp)?;
			out.write_all(&bytes)?;
			out.sync_all()?;
			fs::rename(&tmp, &self.path)?;
			if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
				fs::File::open(dir)?.sync_all()?;
			}
			Ok(())
		};
		write().map_err(|e| store_err(&self.path, e))
	}
}

fn hex_hash(hash: &[u8; 32]) -> String {
	format!("0x{}", hex::encode(hash))
}

fn store_err(path: &Path, e: impl std::fmt::Display) -> VoucherError {
	VoucherError::Store(format!("{}: {e}", path.display()))
}
