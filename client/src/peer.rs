//! The peer's side: accept vouchers from viewers it shook hands with, under the peer policy
//! (`micropayment_pool_handshake::policy`), and keep each pool's [`Ledger`] and best voucher in a
//! file that survives a crash until it is settled.
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
	verify::{decode_hex, verify_batch, verify_each, SignedVoucher},
	AccountId, Balance, BlockNumber, PoolId,
};
use codec::{DecodeAll, Encode};
pub use micropayment_pool_handshake::{Accepted, Refusal, SettleReason};
use micropayment_pool_handshake::{abi::Legacy, Ledger, Limits, Observed, Source, View};
use serde::{Deserialize, Serialize};
use crate::durable::{self, FileLock};
use std::{
	collections::BTreeMap,
	path::{Path, PathBuf},
};

/// Version of the store's file format: 2 keeps each pool's policy ledger; 1 (terms, best
/// voucher, settled) is read and rewritten as 2.
const STORE_VERSION: u32 = 2;

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

/// A pool entry as the file keeps it: the ledger as SCALE hex (the same bytes the JS SDK keeps),
/// the best voucher as a token.
#[derive(Clone, Serialize, Deserialize)]
struct StoredEntry {
	ledger: String,
	best: Option<String>,
}

/// A pool entry of a version-1 store: its handshake terms, best voucher and what was settled.
#[derive(Deserialize)]
struct StoredEntryV1 {
	terms: TermsV1,
	best: Option<String>,
	#[serde(with = "crate::handshake::u128_string")]
	settled: Balance,
}

#[derive(Deserialize)]
struct TermsV1 {
	pool_id: PoolId,
	owner: AccountId,
	#[serde(default)]
	signer: Option<AccountId>,
	#[serde(with = "crate::handshake::hex_bytes")]
	resource_id: Vec<u8>,
	expiry: BlockNumber,
}

impl StoredEntry {
	fn of(entry: &PoolEntry) -> Self {
		Self {
			ledger: format!("0x{}", hex::encode(entry.ledger.encode())),
			best: entry.best.as_ref().map(SignedVoucher::to_hex),
		}
	}

	fn entry(&self) -> Result<PoolEntry, String> {
		let bytes = decode_hex(&self.ledger)?;
		let ledger = Ledger::decode_all(&mut &bytes[..]).map_err(|e| format!("ledger: {e}"))?;
		let best = self.best.as_deref().map(SignedVoucher::from_hex).transpose()?;
		Ok(PoolEntry { ledger, best })
	}
}

impl StoredEntryV1 {
	/// A version-1 entry as a ledger that settles its best voucher and serves on no terms until
	/// a new view of the pool ([`Legacy`]).
	fn entry(self) -> Result<PoolEntry, String> {
		let best = self.best.as_deref().map(SignedVoucher::from_hex).transpose()?;
		let t = self.terms;
		let legacy = Legacy {
			pool_id: t.pool_id,
			owner: *t.owner.as_ref(),
			signer: *t.signer.unwrap_or_else(|| t.owner.clone()).as_ref(),
			resource_id: t.resource_id,
			expiry: t.expiry,
			settled: self.settled,
			best: best.as_ref().map_or(self.settled, |v| v.voucher.amount),
		};
		Ok(PoolEntry { ledger: legacy.ledger(), best })
	}
}

#[derive(Serialize, Deserialize)]
struct StoreFile<E> {
	version: u32,
	me: AccountId,
	genesis_hash: String,
	pools: BTreeMap<PoolId, E>,
}

/// The version field alone, read first to pick the layout.
#[derive(Deserialize)]
struct StoreVersion {
	version: u32,
}

/// A peer: its account, the chain it is paid on, its limits, its view of the chain's head, and
/// its durable voucher store.
///
/// [`Peer::pools`], [`Peer::check_voucher`] and [`Peer::unsettled`] answer from the store as
/// last read (at open, at the last change, or at [`Peer::reload`]); every change re-reads it
/// under the lock first. The head is the process's own: set it from the peer's chain view
/// ([`Peer::set_head`], or [`Peer::observe`] with a read at the head).
pub struct Peer {
	me: AccountId,
	genesis_hash: [u8; 32],
	path: PathBuf,
	pools: BTreeMap<PoolId, PoolEntry>,
	limits: Limits,
	head: BlockNumber,
}

impl Peer {
	/// Opens the store at `path`, creating it if missing, with the default [`Limits`]. Fails if
	/// it belongs to another peer or chain, or does not parse: a store is never silently
	/// overwritten.
	pub fn open(
		path: impl AsRef<Path>,
		me: AccountId,
		genesis_hash: [u8; 32],
	) -> Result<Self, VoucherError> {
		let path = path.as_ref().to_path_buf();
		let mut peer = Self {
			me,
			genesis_hash,
			path,
			pools: BTreeMap::new(),
			limits: Limits::default(),
			head: 0,
		};
		let _lock = lock(&peer.path, true)?;
		match peer.read()? {
			Some(pools) => peer.pools = pools,
			None => peer.persist()?,
		}
		peer.head = peer.pools.values().map(|e| e.ledger.block).max().unwrap_or(0);
		Ok(peer)
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
		let _lock = lock(&self.path, false)?;
		self.pools = self.read()?.unwrap_or_default();
		Ok(())
	}

	/// Under the store's exclusive lock: re-reads the store, applies `change` and, if it
	/// succeeds, writes the store. A failed change writes nothing.
	fn update<T>(
		&mut self,
		change: impl FnOnce(&mut Self) -> Result<T, VoucherError>,
	) -> Result<T, VoucherError> {
		let _lock = lock(&self.path, true)?;
		self.pools = self.read()?.unwrap_or_default();
		let out = change(self)?;
		self.persist()?;
		Ok(out)
	}

	/// The store's pools, or `None` if it has no file yet. Fails if it belongs to another peer
	/// or chain, or does not parse. A version-1 store is read as ledgers (written as version 2
	/// at the next change).
	fn read(&self) -> Result<Option<BTreeMap<PoolId, PoolEntry>>, VoucherError> {
		let path = &self.path;
		let Some(bytes) = durable::read(path).map_err(|e| store_err(path, e))? else {
			return Ok(None);
		};
		let parse = |e: serde_json::Error| store_err(path, format!("does not parse: {e}"));
		let version: StoreVersion = serde_json::from_slice(&bytes).map_err(parse)?;
		let (me, genesis, pools) = match version.version {
			1 => {
				let file: StoreFile<StoredEntryV1> = serde_json::from_slice(&bytes).map_err(parse)?;
				let pools = file
					.pools
					.into_iter()
					.map(|(id, e)| e.entry().map(|e| (id, e)))
					.collect::<Result<_, _>>()
					.map_err(|e| store_err(path, e))?;
				(file.me, file.genesis_hash, pools)
			},
			STORE_VERSION => {
				let file: StoreFile<StoredEntry> = serde_json::from_slice(&bytes).map_err(parse)?;
				let pools = file
					.pools
					.iter()
					.map(|(id, e)| e.entry().map(|e| (*id, e)))
					.collect::<Result<_, _>>()
					.map_err(|e| store_err(path, e))?;
				(file.me, file.genesis_hash, pools)
			},
			other => return Err(store_err(path, format!("unknown version {other}"))),
		};
		if me != self.me {
			return Err(store_err(path, format!("belongs to {me}")));
		}
		if genesis != hex_hash(&self.genesis_hash) {
			return Err(store_err(path, "belongs to another chain"));
		}
		Ok(Some(pools))
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
			entry.ledger.observe(view, source).map_err(|e| store_err(&peer.path, e))
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
		}
	}

	/// Writes the store atomically: temporary file, fsync, rename, fsync of the directory.
	/// Called with the store's exclusive lock held.
	fn persist(&self) -> Result<(), VoucherError> {
		let file = StoreFile {
			version: STORE_VERSION,
			me: self.me.clone(),
			genesis_hash: hex_hash(&self.genesis_hash),
			pools: self.pools.iter().map(|(id, e)| (*id, StoredEntry::of(e))).collect(),
		};
		let bytes = serde_json::to_vec_pretty(&file).map_err(|e| store_err(&self.path, e))?;
		durable::write(&self.path, &bytes).map_err(|e| store_err(&self.path, e))
	}
}

fn hex_hash(hash: &[u8; 32]) -> String {
	format!("0x{}", hex::encode(hash))
}

/// Takes the store's lock.
fn lock(store: &Path, exclusive: bool) -> Result<FileLock, VoucherError> {
	FileLock::take(store, exclusive).map_err(|e| store_err(store, format!("lock: {e}")))
}

fn store_err(path: &Path, e: impl std::fmt::Display) -> VoucherError {
	VoucherError::Store(format!("{}: {e}", path.display()))
}
