//! The peer's side: accept vouchers from viewers it shook hands with, under the peer policy
//! (`micropayment_pool_handshake::policy`), and keep each pool's [`Ledger`] and best voucher in a
//! store that survives a crash until it is settled, then forget the pool once it is closed.
//!
//! Every accepted voucher is committed to the store (a SQLite database, `store.rs`) before
//! [`Peer::accept_voucher`] returns, so a peer that served a chunk only after `Ok` can lose no
//! payment it earned.
//!
//! Several processes may use one store at once (a long-running `mpool peer run` beside
//! `mpool handshake verify --store` and `mpool settle --store`): every change is a transaction
//! that holds the store's write lock while it reads what other processes committed, applies
//! itself and writes the pools it changed, so no process overwrites what another one recorded,
//! and a pool recorded by one is known to the others at their next change.

mod legacy;
mod store;

use crate::{
	verify::{verify_batch, verify_each, SignedVoucher},
	AccountId, Balance, BlockNumber, PoolId,
};
pub use micropayment_pool_handshake::{Accepted, Refusal, SettleReason};
use micropayment_pool_handshake::{Ledger, Limits, Observed, Source, View};
use std::{
	collections::{BTreeMap, BTreeSet},
	path::{Path, PathBuf},
};
use store::Store;

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
	/// One of the policy's rules on amounts and the pool's state.
	#[error("{0}")]
	Refused(Refusal),
	/// [`Peer::forget`] of a pool that is still open or still owes the peer.
	#[error("pool {0} is open or holds an unsettled voucher: it cannot be forgotten yet")]
	NotFinished(PoolId),
	#[error("voucher store: {0}")]
	Store(String),
}

impl VoucherError {
	/// The error's name, as the CLI's JSON and the JS SDK's `MpoolError.code` give it.
	pub fn name(&self) -> &'static str {
		match self {
			Self::UnknownPool(_) => "UnknownPool",
			Self::WrongChain => "WrongChain",
			Self::WrongTarget => "WrongTarget",
			Self::BadSignature => "BadSignature",
			Self::Refused(r) => r.name(),
			Self::NotFinished(_) => "NotFinished",
			Self::Store(_) => "Store",
		}
	}
}

/// What the store keeps per pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolEntry {
	/// What the peer knows of the pool and is owed: the policy's state.
	pub ledger: Ledger,
	/// The best (highest) voucher accepted.
	pub best: Option<SignedVoucher>,
}

impl PoolEntry {
	/// The best voucher held.
	pub fn best_voucher(&self) -> Option<SignedVoucher> {
		self.best.clone()
	}

	/// Amount of the best voucher held, or what was settled if none is held.
	pub fn best_amount(&self) -> Balance {
		self.best.as_ref().map_or(self.ledger.settled, |v| v.voucher.amount)
	}

	/// The pool's owner.
	pub fn owner(&self) -> AccountId {
		AccountId::from(self.ledger.pool.owner)
	}

	/// The account whose signature the pool's vouchers need.
	pub fn signer(&self) -> AccountId {
		AccountId::from(self.ledger.pool.signer)
	}
}

/// A peer: its account, the chain it is paid on, its limits, its view of the chain's head, and
/// its durable voucher store.
///
/// [`Peer::pools`], [`Peer::check_voucher`] and [`Peer::unsettled`] answer from the store as
/// last read (at open, at the last change, or at [`Peer::reload`]); every change first re-reads
/// it if another process committed since. The head is the process's own: set it from the
/// peer's chain view ([`Peer::set_head`], or [`Peer::observe`] with a read at the head).
pub struct Peer {
	me: AccountId,
	genesis_hash: [u8; 32],
	path: PathBuf,
	store: Store,
	pools: BTreeMap<PoolId, PoolEntry>,
	/// Pools the change under way touched: the rows it writes.
	dirty: BTreeSet<PoolId>,
	/// The pools in memory may differ from the store's (a change failed midway): re-read them
	/// before the next change.
	stale: bool,
	limits: Limits,
	head: BlockNumber,
}

impl Peer {
	/// Opens the store at `path`, creating it if missing, with the default [`Limits`]. Fails if
	/// it belongs to another peer or chain, or is not a store: a store is never silently
	/// overwritten. A JSON store of an earlier version is moved into the database (and kept
	/// beside it as `<path>.v<version>.bak`).
	pub fn open(
		path: impl AsRef<Path>,
		me: AccountId,
		genesis_hash: [u8; 32],
	) -> Result<Self, VoucherError> {
		let path = path.as_ref().to_path_buf();
		let mut store = Store::open(&path, &me, &genesis_hash).map_err(|e| store_err(&path, e))?;
		let pools = store.load().map_err(|e| store_err(&path, e))?;
		let head = pools.values().map(|e| e.ledger.block).max().unwrap_or(0);
		Ok(Self {
			me,
			genesis_hash,
			path,
			store,
			pools,
			dirty: BTreeSet::new(),
			stale: false,
			limits: Limits::default(),
			head,
		})
	}

	/// The limits the peer applies (`Limits::default()` unless set).
	pub fn limits(&self) -> &Limits {
		&self.limits
	}

	/// Sets the limits the peer applies from now on.
	pub fn set_limits(&mut self, limits: Limits) {
		self.limits = limits;
	}

	/// The peer's head as it last learnt it.
	pub fn head(&self) -> BlockNumber {
		self.head
	}

	/// Moves the peer's head forward (never back).
	pub fn set_head(&mut self, head: BlockNumber) {
		self.head = self.head.max(head);
	}

	/// Re-reads the store, to see what other processes recorded since this one last did.
	pub fn reload(&mut self) -> Result<(), VoucherError> {
		self.pools = self.store.load().map_err(|e| store_err(&self.path, e))?;
		self.stale = false;
		Ok(())
	}

	/// In one transaction of the store: re-reads it if another process committed since (or a
	/// change of this one failed midway), applies `change` and writes the pools it touched. A
	/// failed change writes nothing.
	fn update<T>(
		&mut self,
		change: impl FnOnce(&mut Self) -> Result<T, VoucherError>,
	) -> Result<T, VoucherError> {
		self.store.begin().map_err(|e| store_err(&self.path, e))?;
		let applied = self.apply(change);
		let committed = applied.and_then(|out| {
			self.store.commit().map_err(|e| store_err(&self.path, e))?;
			Ok(out)
		});
		if committed.is_err() {
			self.store.rollback();
			// Memory may hold what the store does not: read it again before the next change.
			self.stale |= !self.dirty.is_empty();
		}
		self.dirty.clear();
		committed
	}

	fn apply<T>(
		&mut self,
		change: impl FnOnce(&mut Self) -> Result<T, VoucherError>,
	) -> Result<T, VoucherError> {
		let path = self.path.clone();
		if self.stale || self.store.changed().map_err(|e| store_err(&path, e))? {
			self.reload()?;
		}
		let out = change(self)?;
		for id in &self.dirty {
			self.store.put(*id, self.pools.get(id)).map_err(|e| store_err(&path, e))?;
		}
		Ok(out)
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

	/// Records a pool admitted by [`crate::verify_handshake`]. For a pool already known, the new
	/// ledger's view is observed like any other: an older one changes nothing, and what was
	/// settled or accepted never goes down.
	pub fn record_handshake(&mut self, ledger: Ledger) -> Result<(), VoucherError> {
		self.set_head(ledger.block);
		self.update(|peer| {
			peer.dirty.insert(ledger.pool_id);
			match peer.pools.get_mut(&ledger.pool_id) {
				Some(entry) => {
					let source = if ledger.confirmed { Source::Chain } else { Source::Bundle };
					let view = ledger.view();
					entry.ledger.observe(&view, source).map_err(|e| store_err(&peer.path, e))?;
				},
				None => {
					peer.pools.insert(ledger.pool_id, PoolEntry { ledger, best: None });
				},
			}
			Ok(())
		})
	}

	/// Takes a view of a known pool: a read at the peer's own head confirms and follows it
	/// ([`crate::handshake::chain_view`]); a view's block also moves the peer's head.
	pub fn observe(&mut self, view: &View, source: Source) -> Result<Observed, VoucherError> {
		if source == Source::Chain {
			self.set_head(view.block);
		}
		self.update(|peer| {
			let entry =
				peer.pools.get_mut(&view.pool_id).ok_or(VoucherError::UnknownPool(view.pool_id))?;
			let observed = entry.ledger.observe(view, source).map_err(|e| store_err(&peer.path, e))?;
			peer.dirty.insert(view.pool_id);
			Ok(observed)
		})
	}

	/// Checks a voucher without keeping it: right chain, right peer, the pool signer's
	/// signature, then the policy at the peer's head ([`Ledger::accept`]).
	pub fn check_voucher(&self, signed: &SignedVoucher) -> Result<Accepted, VoucherError> {
		let entry = self.precheck(signed)?;
		if !signed.is_signed_by(&entry.signer()) {
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
	/// applied in order, so a lower one after a higher one is `StaleVoucher`.
	pub fn accept_vouchers(
		&mut self,
		batch: &[SignedVoucher],
	) -> Result<Vec<Result<Accepted, VoucherError>>, VoucherError> {
		self.update(|peer| Ok(peer.accept_batch(batch)))
	}

	fn accept_batch(&mut self, batch: &[SignedVoucher]) -> Vec<Result<Accepted, VoucherError>> {
		let mut signers = Vec::with_capacity(batch.len());
		for signed in batch {
			signers.push(self.precheck(signed).map(PoolEntry::signer));
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
		entry.best_voucher().filter(|v| v.voucher.amount > entry.ledger.settled)
	}

	/// Whether the policy says to settle `pool_id` now, at the peer's head.
	pub fn settle_now(&self, pool_id: PoolId) -> Option<SettleReason> {
		self.pools.get(&pool_id)?.ledger.settle_now(self.head, &self.limits)
	}

	/// Records that the chain recorded `amount` (cumulative) as paid to this peer by `pool_id`
	/// and paid out `paid` for it: paid short means the pool is overdrawn, and the peer takes no
	/// more of its vouchers.
	pub fn mark_settled(
		&mut self,
		pool_id: PoolId,
		amount: Balance,
		paid: Balance,
	) -> Result<(), VoucherError> {
		self.update(|peer| {
			let entry = peer.pools.get_mut(&pool_id).ok_or(VoucherError::UnknownPool(pool_id))?;
			entry.ledger.settled(amount, paid);
			peer.dirty.insert(pool_id);
			Ok(())
		})
	}

	/// Whether `pool_id` is done with: closed on chain as the peer last saw it, and nothing held
	/// that the chain has not paid.
	pub fn is_finished(&self, pool_id: PoolId) -> bool {
		self.pools
			.get(&pool_id)
			.is_some_and(|e| e.ledger.closed && self.unsettled(pool_id).is_none())
	}

	/// Removes a finished pool ([`Peer::is_finished`]) from the store: a peer's store holds the
	/// pools it may still be paid by, not every pool it ever served. Its vouchers are refused
	/// afterwards as from a pool the peer never shook hands with (ids are never reused).
	pub fn forget(&mut self, pool_id: PoolId) -> Result<(), VoucherError> {
		self.update(|peer| {
			if !peer.pools.contains_key(&pool_id) {
				return Err(VoucherError::UnknownPool(pool_id));
			}
			if !peer.is_finished(pool_id) {
				return Err(VoucherError::NotFinished(pool_id));
			}
			peer.pools.remove(&pool_id);
			peer.dirty.insert(pool_id);
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
		entry
			.ledger
			.accept(signed.voucher.amount, self.head, &self.limits)
			.map_err(VoucherError::Refused)
	}

	fn keep(&mut self, signed: &SignedVoucher) {
		if let Some(entry) = self.pools.get_mut(&signed.voucher.pool_id) {
			entry.ledger.keep(signed.voucher.amount);
			entry.best = Some(signed.clone());
			self.dirty.insert(signed.voucher.pool_id);
		}
	}
}

fn store_err(path: &Path, e: impl std::fmt::Display) -> VoucherError {
	VoucherError::Store(format!("{}: {e}", path.display()))
}
