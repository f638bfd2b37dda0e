//! A transaction offered until a block: signed with the account's nonce as the state of the best
//! block has it, and signed again with the same nonce at every new best block where it is still
//! out and its tip should grow. The node's pool keeps one transaction per sender and nonce, and a
//! higher priority replaces a lower one; so a tip raised near a deadline is not stuck behind the
//! untipped first offer (which block stuffing may keep out for its whole mortality), nor behind
//! any other transaction of the account waiting at that nonce.

use super::{submit::finish, Chain, ChainError, Included, Wait};
use crate::{tip, AccountId, Balance, BlockNumber, Hash, HeaderExt, Limits};
use futures::stream::{SelectAll, StreamExt};
use sp_core::{sr25519, Pair};
use std::time::Duration;
use subxt::transactions::{Payload, TransactionStatus};

/// How often the best block is read while a transaction is offered: well under a block time.
const BEST_BLOCK_POLL: Duration = Duration::from_millis(500);

/// The tip an offer carries when `blocks_left` blocks remain before its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TipRule {
	/// The same tip at every block.
	Fixed(Balance),
	/// The peer policy's settlement tip ([`tip::settlement_tip`]) for `stake` (what censoring
	/// the transaction would save the one who censors it) and a transaction of which
	/// `per_block` fit in a block: zero until the last `limits.tip_blocks` blocks.
	Settlement { stake: Balance, per_block: u64, limits: Limits },
}

impl TipRule {
	fn at(&self, blocks_left: BlockNumber) -> Balance {
		match *self {
			Self::Fixed(tip) => tip,
			Self::Settlement { stake, per_block, ref limits } =>
				tip::settlement_tip(stake, blocks_left, per_block, limits),
		}
	}
}

/// What a transaction offered with [`Chain::offer`] did: the one offer that landed, its tip,
/// and every offer made (the best block it was made at, its tip).
#[derive(Debug)]
pub struct Landed {
	pub included: Included,
	pub tip: Balance,
	pub offers: Vec<(BlockNumber, Balance)>,
}

/// Node answers to a submission that a later block may change: another transaction of the
/// account holds the nonce with a priority at least as high, the transaction is there already,
/// or the nonce was used meanwhile.
fn transient(message: &str) -> bool {
	let message = message.to_ascii_lowercase();
	["priority is too low", "already imported", "outdated", "temporarily banned"]
		.iter()
		.any(|m| message.contains(m))
}

impl Chain {
	/// The best block: its hash and number.
	pub async fn best_head(&self) -> Result<(Hash, BlockNumber), ChainError> {
		let header = self.header(None).await?;
		Ok((header.hash(), header.block_number()))
	}

	/// Offers `call`, signed by `signer`, for inclusion in a block before `deadline`, tipping as
	/// `tip` says for the blocks left, and waits as told. At each new best block where no offer
	/// is in a block, the call is signed again with the nonce the best block's state gives the
	/// account, if that nonce moved (another transaction of the account used it) or the tip for
	/// the blocks left grew; the new offer replaces the one in the node's pool. Fails with
	/// [`ChainError::KeptOut`] when the best block reaches `deadline − 1` with no offer in a
	/// block (an offer still in the node's pool may land later), with the node's answer to a
	/// submission it refuses for good, or as [`Chain::submit`] fails.
	pub async fn offer<C: Payload>(
		&self,
		signer: &sr25519::Pair,
		call: &C,
		tip: TipRule,
		deadline: BlockNumber,
		wait: Wait,
	) -> Result<Landed, ChainError> {
		let me: AccountId = signer.public().into();
		let mut watches = SelectAll::new();
		let mut offers: Vec<(BlockNumber, Balance)> = Vec::new();
		// The nonce and tip of the last offer, and the offers (by index) now in a best block.
		let mut last: Option<(u32, Balance)> = None;
		let mut in_block: Vec<usize> = Vec::new();
		let mut seen: Option<Hash> = None;
		let mut poll = tokio::time::interval(BEST_BLOCK_POLL);
		poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		loop {
			tokio::select! {
				Some((index, offered, status)) = watches.next() => {
					let status: Result<TransactionStatus<_, _>, _> = status;
					match status.map_err(ChainError::from_subxt)? {
						TransactionStatus::InBestBlock(block) if wait == Wait::InBlock =>
							return Ok(Landed { included: finish(block).await?, tip: offered, offers }),
						TransactionStatus::InBestBlock(_) => in_block.push(index),
						TransactionStatus::InFinalizedBlock(block) =>
							return Ok(Landed { included: finish(block).await?, tip: offered, offers }),
						// Replaced by a higher tip, made stale by another transaction of the
						// account, or retracted: the next best block decides what to offer.
						TransactionStatus::NoLongerInBestBlock
						| TransactionStatus::Invalid { .. }
						| TransactionStatus::Dropped { .. }
						| TransactionStatus::Error { .. } => in_block.retain(|i| *i != index),
						TransactionStatus::Validated | TransactionStatus::Broadcasted => {},
					}
				},
				_ = poll.tick() => {
					let (best, number) = self.best_head().await?;
					if seen == Some(best) || !in_block.is_empty() {
						continue;
					}
					seen = Some(best);
					let left = deadline.saturating_sub(number.saturating_add(1));
					if left == 0 {
						return Err(ChainError::KeptOut { deadline, offers });
					}
					let nonce = self.account_nonce(&me, Some(best)).await?;
					let want = tip.at(left);
					let moved = last.is_some_and(|(n, _)| n != nonce);
					// A live offer at a nonce that moved is being judged by the node (it is in a
					// block we have not heard of yet, or about to be dropped as stale): wait.
					if moved && !watches.is_empty() {
						continue;
					}
					if last.is_some_and(|(n, t)| n == nonce && want <= t) {
						continue;
					}
					let at = self.at_finalized().await?;
					let tx = Self::sign_with_tip(&at, signer, call, nonce, want)?;
					let submitted = at.tx().from_bytes(tx.encoded).submit_and_watch().await;
					match submitted.map_err(ChainError::from_subxt) {
						Ok(progress) => {
							tracing::debug!(nonce, tip = want, best = number, "offered");
							let index = offers.len();
							watches.push(progress.map(move |status| (index, want, status)));
							offers.push((number, want));
							last = Some((nonce, want));
						},
						Err(ChainError::Rejected(message)) if transient(&message) =>
							tracing::debug!(nonce, tip = want, %message, "offer not taken; next block retries"),
						Err(e) => return Err(e),
					}
				},
			}
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn only_answers_a_later_block_may_change_are_retried() {
		// The node's answers (substrate's transaction pool errors, as subxt renders them).
		assert!(transient("Priority is too low: (4378 vs 4378)"));
		assert!(transient("Transaction Already Imported"));
		assert!(transient("Invalid Transaction: Transaction is outdated"));
		assert!(transient("Transaction is temporarily banned"));
		assert!(!transient("Invalid Transaction: Inability to pay some fees (e.g. account balance too low)"));
		assert!(!transient("Invalid Transaction: Transaction has a bad signature"));
	}

	#[test]
	fn the_settlement_tip_is_zero_until_the_tip_window() {
		let limits = Limits::default();
		let rule = TipRule::Settlement { stake: 1_000_000, per_block: 100, limits };
		assert_eq!(rule.at(limits.tip_blocks + 1), 0, "no tip before the window");
		let first = rule.at(limits.tip_blocks);
		assert_eq!(first, tip::settlement_tip(1_000_000, limits.tip_blocks, 100, &limits));
		assert!(first > 0);
		assert_eq!(TipRule::Fixed(7).at(1), 7);
		assert_eq!(TipRule::Fixed(7).at(1_000), 7);
	}
}
