//! The viewer's side: one cumulative counter per peer, and the signature over each voucher.

use crate::{verify::SignedVoucher, AccountId, Balance, PoolId};
use micropayment_pool_primitives::Voucher;
use crate::MultiSignature;
use sp_core::{sr25519, Pair};
use std::collections::BTreeMap;

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
	/// viewer's guard against double spending by mistake.
	pub fn pay_within(
		&mut self,
		peer: &AccountId,
		increment: Balance,
		deposit: Balance,
	) -> Result<SignedVoucher, ViewerError> {
		let amount = self.promised().checked_add(increment).ok_or(ViewerError::Overflow)?;
		if amount > deposit {
			return Err(ViewerError::OverDeposit { amount, deposit });
		}
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
