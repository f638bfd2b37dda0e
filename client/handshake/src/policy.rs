//! The peer's policy: every rule a peer applies before it serves a viewer and at every voucher,
//! written once. The Rust client and CLI call it directly; the JS SDK runs it compiled to wasm
//! (`sdk/js/wasm`). docs/security.md states what it promises; `docs/vectors/policy-v1.json`
//! holds vectors both languages check.
//!
//! A peer keeps one [`Ledger`] per pool: the newest [`View`] of the pool it has (from a viewer's
//! bundle, or read at its own head), what the chain has recorded paying it, and the best voucher
//! it accepted. The rules, in short:
//!
//! - **fresh terms**: a pool is admitted ([`Ledger::open`]) only on a view at most
//!   [`Limits::max_age`] blocks behind the peer's head; a view never replaces a newer one
//!   ([`Ledger::observe`]);
//! - **what the peer relies on** is the deposit left at its newest view, less what its own
//!   settlements took since ([`Ledger::relied_on`]);
//! - **exposure**: the unsettled amount stays within a cap ([`Ledger::cap`]: by default the
//!   pool's margin `C − D`, never more than the deposit relied on), and within a small share of
//!   it until the peer has read the pool itself ([`Limits::unconfirmed_ppm`]);
//! - **time**: no increment from `expiry − settle_margin` on, when the peer settles; a new pool
//!   must leave [`Limits::min_serving_blocks`] of serving before that;
//! - **soundness**: the pool exists, is not overdrawn, has deposit left, pays for the resource
//!   asked, never pays the peer itself (the chain would refuse), and has a margin `C − D` of at
//!   least [`Limits::min_margin_ppm`] of `D`.

use crate::record::{MalformedRecord, PoolRecord, View};
use codec::{Decode, Encode};
use micropayment_pool_primitives::PoolId;

/// Parts per million.
pub const PPM: u32 = 1_000_000;

/// `x · ppm / 10⁶`, rounded down, without overflow.
pub fn mul_ppm(x: u128, ppm: u32) -> u128 {
	let (whole, rest) = (x / u128::from(PPM), x % u128::from(PPM));
	whole.saturating_mul(u128::from(ppm)).saturating_add(rest * u128::from(ppm) / u128::from(PPM))
}

/// What a peer requires. [`Limits::default`] is what the CLI, the SDK and the demos use unless
/// told otherwise; every value is documented with its reason in docs/security.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Limits {
	/// Most blocks a view may lag behind the peer's head when a pool is admitted: a viewer cannot
	/// show an old proof from before its deposit was drained. Default 10.
	pub max_age: u32,
	/// The peer takes no increment from `expiry − settle_margin` on and settles then, leaving
	/// these blocks plus the chain's grace to land its settlement. Default 10.
	pub settle_margin: u32,
	/// A new pool must leave at least this many blocks of serving before
	/// `expiry − settle_margin`. Default 10.
	pub min_serving_blocks: u32,
	/// Least margin `C − D` (collateral over all the deposit ever locked) a pool must have, in
	/// parts per million of `D`: what a double spend costs its viewer beyond the deposit.
	/// Default 100,000 (10 %).
	pub min_margin_ppm: u32,
	/// The most the peer leaves unsettled in one pool. `None`: the pool's margin `C − D`, so
	/// that cheating this one peer costs the viewer more than it gains. Never more than the
	/// deposit relied on.
	pub exposure_cap: Option<u128>,
	/// Share of the cap, in parts per million, the peer accepts on a viewer's bundle alone,
	/// before it read the pool at its own head. Default 100,000 (10 %).
	pub unconfirmed_ppm: u32,
	/// Share of the cap, in parts per million, at which the peer settles, so that serving goes
	/// on while the settlement lands. Default 500,000 (50 %).
	pub settle_at_ppm: u32,
	/// Blocks before the settlement deadline from which a settlement tips (see
	/// [`crate::tip::settlement_tip`]). Default 5.
	pub tip_blocks: u32,
}

impl Default for Limits {
	fn default() -> Self {
		Self {
			max_age: 10,
			settle_margin: 10,
			min_serving_blocks: 10,
			min_margin_ppm: 100_000,
			exposure_cap: None,
			unconfirmed_ppm: 100_000,
			settle_at_ppm: 500_000,
			tip_blocks: 5,
		}
	}
}

/// Where a view came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Source {
	/// A viewer's handshake bundle, proven against a header the peer finalized.
	Bundle,
	/// The peer's own read at its head (its node's RPC, or its light client).
	Chain,
}

/// Why a pool or a view was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
	/// A value in the view does not decode as the pallet's record.
	MalformedPool(&'static str),
	/// The view is of another pool than the ledger's.
	OtherPool { expected: PoolId, actual: PoolId },
	/// The view is more than `max_age` blocks behind the peer's head.
	TooOld { block: u32, now: u32, max_age: u32 },
	/// The pool does not exist at the view's block.
	UnknownPool(PoolId),
	/// The peer is the pool's owner or signer, whom the chain never pays.
	SelfPayment,
	/// The pool pays for another resource.
	WrongResource,
	/// The pool was overdrawn: its owner double-spent.
	Overdrawn,
	/// The pool has no deposit left.
	Exhausted,
	/// `collateral ≤ max(total_deposit, deposit)`.
	CollateralNotAboveDeposit { deposit: u128, collateral: u128 },
	/// `C − D` is below `min_margin_ppm` of `D`.
	MarginTooSmall { margin: u128, required: u128 },
	/// The pool expired.
	Expired { expiry: u32, now: u32 },
	/// The pool leaves fewer than `settle_margin + min_serving_blocks` blocks.
	ExpiresTooSoon { expiry: u32, now: u32, required: u32 },
}

impl PolicyError {
	/// The error's name, as the CLI's JSON and the JS SDK's `MpoolError.code` give it.
	pub fn name(&self) -> &'static str {
		match self {
			Self::MalformedPool(_) => "MalformedPool",
			Self::OtherPool { .. } => "OtherPool",
			Self::TooOld { .. } => "StaleBundle",
			Self::UnknownPool(_) => "UnknownPool",
			Self::SelfPayment => "SelfPayment",
			Self::WrongResource => "WrongResource",
			Self::Overdrawn => "Overdrawn",
			Self::Exhausted => "Exhausted",
			Self::CollateralNotAboveDeposit { .. } => "CollateralNotAboveDeposit",
			Self::MarginTooSmall { .. } => "MarginTooSmall",
			Self::Expired { .. } => "Expired",
			Self::ExpiresTooSoon { .. } => "ExpiresTooSoon",
		}
	}
}

impl From<MalformedRecord> for PolicyError {
	fn from(e: MalformedRecord) -> Self {
		Self::MalformedPool(e.0)
	}
}

impl core::fmt::Display for PolicyError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::MalformedPool(what) => write!(f, "the {what} does not decode"),
			Self::OtherPool { expected, actual } =>
				write!(f, "a view of pool {actual} offered for pool {expected}"),
			Self::TooOld { block, now, max_age } => write!(
				f,
				"proof of block {block} is more than {max_age} blocks behind the peer's head {now}: ask for a fresh bundle"
			),
			Self::UnknownPool(id) => write!(f, "pool {id} does not exist at the proven block"),
			Self::SelfPayment =>
				write!(f, "the peer is the pool's owner or signer, whom the pool never pays"),
			Self::WrongResource => write!(f, "the pool pays for another resource"),
			Self::Overdrawn =>
				write!(f, "the pool is overdrawn: its owner double-spent and its collateral is forfeited"),
			Self::Exhausted => write!(f, "the pool has no deposit left"),
			Self::CollateralNotAboveDeposit { deposit, collateral } =>
				write!(f, "collateral {collateral} does not exceed the total deposit {deposit}"),
			Self::MarginTooSmall { margin, required } =>
				write!(f, "the collateral exceeds the deposit by {margin}, below the {required} required"),
			Self::Expired { expiry, now } => write!(f, "pool expired at block {expiry} (now {now})"),
			Self::ExpiresTooSoon { expiry, now, required } => write!(
				f,
				"pool expires at block {expiry}: fewer than {required} blocks after {now} to serve and settle"
			),
		}
	}
}

/// Why a voucher was refused. The signature, chain and target are checked before (by the
/// caller, with `micropayment_pool_primitives`); these are the amounts and the pool's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
	/// Not above the best voucher held (or what the chain already paid).
	Stale { amount: u128, best: u128 },
	/// The pool was closed (it no longer exists at the peer's newest view).
	Closed,
	/// The pool was overdrawn (its newest view, or the peer's own settlement, showed it).
	Overdrawn,
	/// No deposit left to rely on.
	Exhausted,
	/// From `expiry − settle_margin` on, the peer settles and takes no increment.
	ServingEnded { expiry: u32, now: u32, margin: u32 },
	/// The unsettled amount would exceed the deposit relied on.
	ExceedsDeposit { unsettled: u128, deposit: u128 },
	/// The unsettled amount would exceed the peer's exposure cap: settle first.
	ExposureCap { unsettled: u128, cap: u128 },
	/// The peer has not read the pool at its own head yet and already holds its allowance.
	Unconfirmed { unsettled: u128, allowance: u128 },
}

impl Refusal {
	/// The refusal's name, as the CLI's JSON and the JS SDK's `MpoolError.code` give it.
	pub fn name(&self) -> &'static str {
		match self {
			Self::Stale { .. } => "StaleVoucher",
			Self::Closed => "PoolClosed",
			Self::Overdrawn => "Overdrawn",
			Self::Exhausted => "Exhausted",
			Self::ServingEnded { .. } => "ServingEnded",
			Self::ExceedsDeposit { .. } => "ExceedsDeposit",
			Self::ExposureCap { .. } => "ExposureCap",
			Self::Unconfirmed { .. } => "Unconfirmed",
		}
	}
}

impl core::fmt::Display for Refusal {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Stale { amount, best } =>
				write!(f, "voucher for {amount} does not exceed the best one held ({best})"),
			Self::Closed => write!(f, "the pool was closed"),
			Self::Overdrawn => write!(f, "the pool is overdrawn: its owner double-spent"),
			Self::Exhausted => write!(f, "the pool has no deposit left to rely on"),
			Self::ServingEnded { expiry, now, margin } => write!(
				f,
				"serving ended at block {} ({margin} blocks before expiry {expiry}; now {now}): settle",
				expiry.saturating_sub(*margin)
			),
			Self::ExceedsDeposit { unsettled, deposit } =>
				write!(f, "unsettled {unsettled} would exceed the deposit relied on ({deposit})"),
			Self::ExposureCap { unsettled, cap } =>
				write!(f, "unsettled {unsettled} would exceed the exposure cap {cap}: settle first"),
			Self::Unconfirmed { unsettled, allowance } => write!(
				f,
				"unsettled {unsettled} exceeds the {allowance} allowed on a bundle alone: read the pool at the peer's own head first"
			),
		}
	}
}

/// Why the peer should settle now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum SettleReason {
	/// The unsettled amount reached the settle threshold (`settle_at_ppm` of the cap).
	Exposure,
	/// `expiry − settle_margin` was reached.
	Deadline,
	/// The pool is overdrawn or closed: settle what can still be had.
	PoolEnded,
}

/// A voucher the policy accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Accepted {
	pub pool_id: PoolId,
	/// The voucher's cumulative amount.
	pub amount: u128,
	/// What it adds to the best voucher held (or what the chain paid).
	pub increment: u128,
	/// Owed to the peer and not settled: its exposure to the pool.
	pub unsettled: u128,
	/// The deposit the peer relies on (see [`Ledger::relied_on`]).
	pub relied_on: u128,
	/// The peer's exposure cap for the pool (see [`Ledger::cap`]).
	pub cap: u128,
	/// Set when the peer should settle now.
	pub settle_now: Option<SettleReason>,
}

/// What [`Ledger::observe`] did with a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Observed {
	/// The view is at least as new as the ledger's: taken.
	Taken,
	/// The view is older than the ledger's: ignored.
	Older,
}

/// What a peer knows of one pool and what it is owed.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Ledger {
	pub pool_id: PoolId,
	/// The block of the newest view.
	pub block: u32,
	/// The pool at that block (the last one seen, if it is closed since).
	pub pool: PoolRecord,
	/// The pool no longer exists at the newest view.
	pub closed: bool,
	/// What the pool had paid the peer at the newest view.
	pub paid_at_view: u128,
	/// The peer has read the pool at its own head (not only on a viewer's bundle).
	pub confirmed: bool,
	/// The highest cumulative amount the chain recorded for the peer (its `Paid`), from views
	/// and its own settlements.
	pub settled: u128,
	/// The best voucher accepted.
	pub best: u128,
}

impl Ledger {
	/// Admits a pool on `view` (from `source`) for the peer `me`, who serves `resource_id` and
	/// whose head is block `now`; refuses it with the first rule it breaks.
	pub fn open(
		view: &View,
		source: Source,
		me: &[u8; 32],
		resource_id: &[u8],
		now: u32,
		limits: &Limits,
	) -> Result<Self, PolicyError> {
		let now = now.max(view.block);
		if now - view.block > limits.max_age {
			return Err(PolicyError::TooOld { block: view.block, now, max_age: limits.max_age });
		}
		let pool = view.pool.as_ref().ok_or(PolicyError::UnknownPool(view.pool_id))?;
		if pool.owner == *me || pool.signer == *me {
			return Err(PolicyError::SelfPayment);
		}
		if pool.resource_id[..] != resource_id[..] {
			return Err(PolicyError::WrongResource);
		}
		if pool.overdrawn {
			return Err(PolicyError::Overdrawn);
		}
		if pool.deposit == 0 {
			return Err(PolicyError::Exhausted);
		}
		let total_deposit = pool.total_deposit.max(pool.deposit);
		if pool.collateral <= total_deposit {
			return Err(PolicyError::CollateralNotAboveDeposit {
				deposit: total_deposit,
				collateral: pool.collateral,
			});
		}
		let required = mul_ppm(total_deposit, limits.min_margin_ppm);
		if pool.margin() < required {
			return Err(PolicyError::MarginTooSmall { margin: pool.margin(), required });
		}
		if now >= pool.expiry {
			return Err(PolicyError::Expired { expiry: pool.expiry, now });
		}
		let required = limits.settle_margin.saturating_add(limits.min_serving_blocks);
		if pool.expiry - now < required {
			return Err(PolicyError::ExpiresTooSoon { expiry: pool.expiry, now, required });
		}
		Ok(Self {
			pool_id: view.pool_id,
			block: view.block,
			pool: pool.clone(),
			closed: false,
			paid_at_view: view.paid_to_me,
			confirmed: source == Source::Chain,
			settled: view.paid_to_me,
			best: view.paid_to_me,
		})
	}

	/// Takes a newer view of the pool (a later bundle, or the peer's own read as it follows the
	/// chain); an older one changes nothing. What the chain paid never goes down, and a pool
	/// known to be overdrawn or closed stays so.
	pub fn observe(&mut self, view: &View, source: Source) -> Result<Observed, PolicyError> {
		if view.pool_id != self.pool_id {
			return Err(PolicyError::OtherPool { expected: self.pool_id, actual: view.pool_id });
		}
		if view.block < self.block {
			return Ok(Observed::Older);
		}
		self.block = view.block;
		match &view.pool {
			Some(pool) => {
				// Overdrawn is for good: what the peer learnt from its own settlement (paid short)
				// stays, even under a view of a block before that settlement.
				let overdrawn = self.pool.overdrawn;
				self.pool = pool.clone();
				if overdrawn {
					self.pool.overdrawn = true;
					self.pool.deposit = 0;
				}
				self.paid_at_view = view.paid_to_me;
				self.settled = self.settled.max(view.paid_to_me);
				self.best = self.best.max(self.settled);
			},
			// Closed (ids are never reused): nothing more to serve; what was paid stays.
			None => self.closed = true,
		}
		if source == Source::Chain {
			self.confirmed = true;
		}
		Ok(Observed::Taken)
	}

	/// The newest view this ledger holds: to merge a newly verified ledger of a pool into an
	/// older one with [`Ledger::observe`].
	pub fn view(&self) -> View {
		View {
			pool_id: self.pool_id,
			block: self.block,
			pool: (!self.closed).then(|| self.pool.clone()),
			paid_to_me: self.paid_at_view,
		}
	}

	/// The deposit the peer relies on: what was left at its newest view, less what its own
	/// settlements recorded since (each took exactly its increase of `Paid` from the deposit).
	pub fn relied_on(&self) -> u128 {
		if self.closed || self.pool.overdrawn {
			return 0;
		}
		let since = self.settled.saturating_sub(self.paid_at_view);
		self.pool.deposit.saturating_sub(since)
	}

	/// The most the peer leaves unsettled: [`Limits::exposure_cap`] or the pool's margin
	/// `C − D`, and never more than the deposit relied on.
	pub fn cap(&self, limits: &Limits) -> u128 {
		limits.exposure_cap.unwrap_or_else(|| self.pool.margin()).min(self.relied_on())
	}

	/// What the peer is owed and the chain has not recorded.
	pub fn unsettled(&self) -> u128 {
		self.best.saturating_sub(self.settled)
	}

	/// The last block at which the peer takes increments is the one before this.
	pub fn serving_ends(&self, limits: &Limits) -> u32 {
		self.pool.expiry.saturating_sub(limits.settle_margin)
	}

	/// Checks a voucher of cumulative `amount` at the peer's head `now` (its signature, chain and
	/// target already checked); the ledger is unchanged: [`Ledger::keep`] it once it is stored.
	pub fn accept(&self, amount: u128, now: u32, limits: &Limits) -> Result<Accepted, Refusal> {
		let best = self.best.max(self.settled);
		if amount <= best {
			return Err(Refusal::Stale { amount, best });
		}
		if self.closed {
			return Err(Refusal::Closed);
		}
		if self.pool.overdrawn {
			return Err(Refusal::Overdrawn);
		}
		if now >= self.serving_ends(limits) {
			return Err(Refusal::ServingEnded {
				expiry: self.pool.expiry,
				now,
				margin: limits.settle_margin,
			});
		}
		let unsettled = amount - self.settled;
		let relied_on = self.relied_on();
		if relied_on == 0 {
			return Err(Refusal::Exhausted);
		}
		if unsettled > relied_on {
			return Err(Refusal::ExceedsDeposit { unsettled, deposit: relied_on });
		}
		let cap = self.cap(limits);
		if unsettled > cap {
			return Err(Refusal::ExposureCap { unsettled, cap });
		}
		if !self.confirmed {
			let allowance = mul_ppm(cap, limits.unconfirmed_ppm);
			if unsettled > allowance {
				return Err(Refusal::Unconfirmed { unsettled, allowance });
			}
		}
		let settle_now = self.reason(unsettled, now, limits);
		Ok(Accepted {
			pool_id: self.pool_id,
			amount,
			increment: amount - best,
			unsettled,
			relied_on,
			cap,
			settle_now,
		})
	}

	/// Keeps `amount` as the best voucher (after [`Ledger::accept`] and the store's write).
	pub fn keep(&mut self, amount: u128) {
		self.best = self.best.max(amount);
	}

	/// The peer's settlement landed: the chain recorded `amount` as its `Paid` and paid out
	/// `paid` for it. Paid less than due means the deposit was short: the pool is overdrawn.
	pub fn settled(&mut self, amount: u128, paid: u128) {
		let due = amount.saturating_sub(self.settled);
		if paid < due {
			self.pool.overdrawn = true;
			self.pool.deposit = 0;
		}
		self.settled = self.settled.max(amount);
		self.best = self.best.max(self.settled);
	}

	/// Whether the peer should settle now, at its head `now`.
	pub fn settle_now(&self, now: u32, limits: &Limits) -> Option<SettleReason> {
		self.reason(self.unsettled(), now, limits)
	}

	fn reason(&self, unsettled: u128, now: u32, limits: &Limits) -> Option<SettleReason> {
		if unsettled == 0 {
			return None;
		}
		if self.closed || self.pool.overdrawn {
			return Some(SettleReason::PoolEnded);
		}
		if now >= self.serving_ends(limits) {
			return Some(SettleReason::Deadline);
		}
		// At least one unit: a cap of zero would otherwise never signal.
		let threshold = mul_ppm(self.cap(limits), limits.settle_at_ppm).max(1);
		(unsettled >= threshold).then_some(SettleReason::Exposure)
	}
}
