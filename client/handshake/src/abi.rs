//! The policy behind one byte-level entry point, [`call`]: what the JS SDK's wasm module exports
//! (`sdk/js/wasm`), and what `docs/vectors/policy-v1.json` pins down. Each operation takes the
//! SCALE encoding of its arguments and returns the SCALE encoding of its result, so JS keeps a
//! [`Ledger`] as opaque bytes and never re-implements a rule.

use crate::{
	policy::{Ledger, Limits, Source},
	promise::check_promise,
	record::{PoolRecord, View},
	tip::{settlement_tip, tx_per_block},
};
use alloc::{string::String, string::ToString, vec::Vec};
use codec::{Decode, DecodeAll, Encode};
use micropayment_pool_primitives::PoolId;

/// The operations, by number.
pub mod op {
	/// `(RawView, Source, me: [u8; 32], resource_id: Vec<u8>, now: u32, Limits)` → `Ledger`
	pub const OPEN: u32 = 1;
	/// `(Ledger, RawView, Source)` → `(Observed, Ledger)`
	pub const OBSERVE: u32 = 2;
	/// `(Ledger, amount: u128, now: u32, Limits)` → `(Accepted, Ledger)`: the ledger with the
	/// voucher kept, to store before the peer serves. (Results lead with their fixed-size part,
	/// so a caller that keeps the ledger opaque takes the rest as it is.)
	pub const ACCEPT: u32 = 3;
	/// `(Ledger, amount: u128, paid: u128)` → `Ledger`
	pub const SETTLED: u32 = 4;
	/// `(Ledger, now: u32, Limits)` → `Option<SettleReason>`
	pub const SETTLE_NOW: u32 = 5;
	/// `(Ledger, Limits)` → `Status`
	pub const STATUS: u32 = 6;
	/// `(stake: u128, blocks_left: u32, per_block: u64, Limits)` → `u128`
	pub const TIP: u32 = 7;
	/// `(max_block: (u64, u64), max_len: u64, weight: (u64, u64), len: u64)` → `u64`
	pub const TX_PER_BLOCK: u32 = 8;
	/// `(to_others: u128, amount: u128, deposit: u128)` → `()`
	pub const PROMISE: u32 = 9;
	/// `()` → `Limits`: the defaults.
	pub const DEFAULT_LIMITS: u32 = 10;
	/// `Legacy` → `Ledger`: a pool a store kept before ledgers existed.
	pub const LEGACY: u32 = 11;
}

/// A view as raw proven values: what a bundle check or a storage read returns.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct RawView {
	pub pool_id: PoolId,
	pub block: u32,
	pub pool: Option<Vec<u8>>,
	pub paid: Option<Vec<u8>>,
}

impl RawView {
	fn decode_view(&self) -> Result<View, CallError> {
		View::decode(self.pool_id, self.block, self.pool.as_deref(), self.paid.as_deref())
			.map_err(|e| CallError::refused("MalformedPool", alloc::format!("the {} does not decode", e.0)))
	}
}

/// A ledger's figures, for display.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Status {
	pub pool_id: PoolId,
	pub block: u32,
	pub signer: [u8; 32],
	pub owner: [u8; 32],
	pub expiry: u32,
	pub serving_ends: u32,
	pub relied_on: u128,
	pub cap: u128,
	pub settled: u128,
	pub best: u128,
	pub unsettled: u128,
	pub confirmed: bool,
	pub overdrawn: bool,
	pub closed: bool,
}

/// What a store kept of a pool before ledgers existed: enough to settle its best voucher and to
/// take a fresh view, nothing to serve on.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Legacy {
	pub pool_id: PoolId,
	pub owner: [u8; 32],
	pub signer: [u8; 32],
	pub resource_id: Vec<u8>,
	pub expiry: u32,
	pub settled: u128,
	pub best: u128,
}

impl Legacy {
	/// A ledger at block 0 with no deposit relied on and unconfirmed: any view replaces its
	/// terms, and until one does the peer only settles.
	pub fn ledger(&self) -> Ledger {
		Ledger {
			pool_id: self.pool_id,
			block: 0,
			pool: PoolRecord {
				owner: self.owner,
				resource_id: self.resource_id.clone(),
				deposit: 0,
				collateral: 0,
				expiry: self.expiry,
				payees: 0,
				overdrawn: false,
				total_deposit: 0,
				signer: self.signer,
			},
			closed: false,
			paid_at_view: self.settled,
			confirmed: false,
			settled: self.settled,
			best: self.best.max(self.settled),
		}
	}
}

/// A refused call: the rule's name and its message, or `Malformed` input.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct CallError {
	pub name: String,
	pub message: String,
}

impl CallError {
	fn refused(name: &str, message: String) -> Self {
		Self { name: name.into(), message }
	}
}

/// Status of [`call`] when the arguments do not decode (or the operation is unknown).
pub const MALFORMED: &str = "Malformed";

fn args<T: Decode>(input: &[u8]) -> Result<T, CallError> {
	T::decode_all(&mut &input[..])
		.map_err(|_| CallError::refused(MALFORMED, "the operation's arguments do not decode".to_string()))
}

/// Runs operation `op` (see [`op`]) on its SCALE-encoded arguments.
pub fn call(op: u32, input: &[u8]) -> Result<Vec<u8>, CallError> {
	let refused = |name: &str, message: String| CallError::refused(name, message);
	Ok(match op {
		op::OPEN => {
			let (raw, source, me, resource_id, now, limits): (RawView, Source, [u8; 32], Vec<u8>, u32, Limits) =
				args(input)?;
			let view = raw.decode_view()?;
			Ledger::open(&view, source, &me, &resource_id, now, &limits)
				.map_err(|e| refused(e.name(), e.to_string()))?
				.encode()
		},
		op::OBSERVE => {
			let (mut ledger, raw, source): (Ledger, RawView, Source) = args(input)?;
			let view = raw.decode_view()?;
			let observed = ledger.observe(&view, source).map_err(|e| refused(e.name(), e.to_string()))?;
			(observed, ledger).encode()
		},
		op::ACCEPT => {
			let (mut ledger, amount, now, limits): (Ledger, u128, u32, Limits) = args(input)?;
			let accepted =
				ledger.accept(amount, now, &limits).map_err(|e| refused(e.name(), e.to_string()))?;
			ledger.keep(amount);
			(accepted, ledger).encode()
		},
		op::SETTLED => {
			let (mut ledger, amount, paid): (Ledger, u128, u128) = args(input)?;
			ledger.settled(amount, paid);
			ledger.encode()
		},
		op::SETTLE_NOW => {
			let (ledger, now, limits): (Ledger, u32, Limits) = args(input)?;
			ledger.settle_now(now, &limits).encode()
		},
		op::STATUS => {
			let (ledger, limits): (Ledger, Limits) = args(input)?;
			Status {
				pool_id: ledger.pool_id,
				block: ledger.block,
				signer: ledger.pool.signer,
				owner: ledger.pool.owner,
				expiry: ledger.pool.expiry,
				serving_ends: ledger.serving_ends(&limits),
				relied_on: ledger.relied_on(),
				cap: ledger.cap(&limits),
				settled: ledger.settled,
				best: ledger.best,
				unsettled: ledger.unsettled(),
				confirmed: ledger.confirmed,
				overdrawn: ledger.pool.overdrawn,
				closed: ledger.closed,
			}
			.encode()
		},
		op::TIP => {
			let (stake, blocks_left, per_block, limits): (u128, u32, u64, Limits) = args(input)?;
			settlement_tip(stake, blocks_left, per_block, &limits).encode()
		},
		op::TX_PER_BLOCK => {
			let (max_block, max_len, weight, len): ((u64, u64), u64, (u64, u64), u64) = args(input)?;
			tx_per_block(max_block, max_len, weight, len).encode()
		},
		op::PROMISE => {
			let (to_others, amount, deposit): (u128, u128, u128) = args(input)?;
			check_promise(to_others, amount, deposit)
				.map_err(|e| refused("ExceedsDeposit", e.to_string()))?;
			Vec::new()
		},
		op::DEFAULT_LIMITS => {
			let () = args(input)?;
			Limits::default().encode()
		},
		op::LEGACY => {
			let legacy: Legacy = args(input)?;
			legacy.ledger().encode()
		},
		other => return Err(refused(MALFORMED, alloc::format!("unknown operation {other}"))),
	})
}
