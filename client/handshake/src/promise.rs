//! The honest viewer's rule: everything it signs over to all its peers together stays within
//! its pool's deposit, so it never double-spends (and forfeits its collateral) by mistake.

/// A payment that would promise more than the deposit in total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverPromise {
	/// What all peers would be owed in total.
	pub promised: u128,
	/// The pool's deposit.
	pub deposit: u128,
}

impl core::fmt::Display for OverPromise {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		write!(
			f,
			"promising {} in total would exceed the pool's deposit of {}: a double spend forfeits the collateral",
			self.promised, self.deposit
		)
	}
}

/// Checks a new cumulative `amount` for one peer, given `to_others`, what all the other peers of
/// the pool are owed, against the pool's `deposit` (all the deposit it ever locked).
/// A sum beyond `u128` is refused too: no deposit covers it.
pub fn check_promise(to_others: u128, amount: u128, deposit: u128) -> Result<(), OverPromise> {
	match to_others.checked_add(amount) {
		Some(promised) if promised <= deposit => Ok(()),
		promised => Err(OverPromise { promised: promised.unwrap_or(u128::MAX), deposit }),
	}
}
