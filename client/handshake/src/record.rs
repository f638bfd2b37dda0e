//! The pallet's records as a peer reads them from a proof, decoded without the runtime's types.

use alloc::vec::Vec;
use codec::{Decode, DecodeAll, Encode};
use micropayment_pool_primitives::PoolId;

/// `Pools[pool_id]`: the same SCALE bytes as `pallet_micropayment_pool::Pool<AccountId32, u128,
/// u32, _>` (docs/handshake.md; the pallet's tests decode the records it stores with it). New fields of the pallet's record go last, so this decoder refuses (rather than
/// misreads) a record of a newer layout.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct PoolRecord {
	/// The viewer whose funds the pool holds.
	pub owner: [u8; 32],
	/// What the pool pays for.
	pub resource_id: Vec<u8>,
	/// Deposit left to pay peers.
	pub deposit: u128,
	/// Collateral held (what is left of it once overdrawn).
	pub collateral: u128,
	/// First block at which the pool takes no more funds.
	pub expiry: u32,
	/// Peers paid so far.
	pub payees: u32,
	/// Set once a settlement found the deposit short: the collateral is forfeited.
	pub overdrawn: bool,
	/// All deposit ever locked in the pool (creation and top-ups): the `D` of the guarantees.
	pub total_deposit: u128,
	/// The account whose signatures the pool's vouchers need.
	pub signer: [u8; 32],
}

impl PoolRecord {
	/// Decodes a record exactly (no trailing bytes).
	pub fn decode_exact(bytes: &[u8]) -> Result<Self, codec::Error> {
		Self::decode_all(&mut &bytes[..])
	}

	/// `C − D`: what the collateral adds beyond all the deposit the pool ever held. A double
	/// spend forfeits the collateral; this is what it costs beyond the deposit itself.
	pub fn margin(&self) -> u128 {
		self.collateral.saturating_sub(self.total_deposit.max(self.deposit))
	}
}

/// The pool and the peer's `Paid` record as proven at one block the peer trusts: from a viewer's
/// bundle ([`crate::HandshakeBundle::check`]) or from the peer's own node or light client.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct View {
	/// The pool read.
	pub pool_id: PoolId,
	/// The block the values were proven at.
	pub block: u32,
	/// `Pools[pool_id]` at that block; `None` if it did not exist (never created, or closed).
	pub pool: Option<PoolRecord>,
	/// `Paid[pool_id][peer]` at that block (zero if absent): what the pool had paid the peer.
	pub paid_to_me: u128,
}

/// A proven value that does not decode as the pallet's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MalformedRecord(pub &'static str);

impl View {
	/// Decodes the raw values a proof or a storage read returned.
	pub fn decode(
		pool_id: PoolId,
		block: u32,
		pool: Option<&[u8]>,
		paid: Option<&[u8]>,
	) -> Result<Self, MalformedRecord> {
		let pool = pool
			.map(PoolRecord::decode_exact)
			.transpose()
			.map_err(|_| MalformedRecord("pool record"))?;
		let paid_to_me = paid
			.map(|bytes| u128::decode_all(&mut &bytes[..]))
			.transpose()
			.map_err(|_| MalformedRecord("paid record"))?
			.unwrap_or(0);
		Ok(Self { pool_id, block, pool, paid_to_me })
	}
}
