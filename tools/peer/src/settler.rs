//! The peer settles by itself: every round it reads its node's finalized head, follows each pool
//! it holds vouchers of (drained, overdrawn, closed), and settles the pools the policy says to —
//! exposure reached, deadline near, pool ended — in `settle_batch`es (one fee for many pools),
//! or alone with the policy's tip near the deadline. On shutdown it settles everything it holds.
//! Settlements wait for finality before the store records them as paid, so a reorganisation
//! cannot make the peer forget a voucher. A wait is bounded in blocks: a settlement kept out
//! (block stuffing) is signed again with the same nonce and the policy's tip in the last blocks of
//! its window, so the tipped offer replaces the untipped one in the node's pool instead of
//! queueing behind it (`Chain::offer`). A pool closed on chain and fully paid is reaped (the
//! peer's record deposit comes back) and, once the reap is final, forgotten by the store.
//!
//! The store's lock is never held across a call to the node: the server keeps taking vouchers
//! while a settlement is in flight.

use crate::Shared;
use micropayment_pool_client::{
	peering::Settlement, BlockNumber, ChainError, Hash, PoolId,
	SignedVoucher, Source, Wait,
};
use std::{collections::BTreeMap, sync::Arc, time::Duration};
use tokio::sync::watch;

/// Runs rounds until `stop` turns true, then one last round that settles everything held.
pub async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>, poll: Duration) {
	let mut reaping = BTreeMap::new();
	let mut interval = tokio::time::interval(poll);
	interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		tokio::select! {
			_ = interval.tick() => {},
			_ = shared.settle_soon.notified() => {},
			_ = stop.changed() => break,
		}
		if let Err(e) = round(&shared, false, &mut reaping).await {
			tracing::warn!(error = %e, "round failed; the next one retries");
		}
	}
	tracing::info!("shutting down: settling every voucher held");
	for attempt in 1..=3 {
		match round(&shared, true, &mut reaping).await {
			Ok(0) => break,
			Ok(left) => tracing::warn!(left, attempt, "some settlements failed"),
			Err(e) => tracing::warn!(error = %e, attempt, "final round failed"),
		}
	}
}

/// One round; with `all`, settles every unsettled voucher, not only those the policy says to.
/// Returns how many settlements were due and failed.
async fn round(
	shared: &Shared,
	all: bool,
	reaping: &mut BTreeMap<PoolId, BlockNumber>,
) -> Result<usize, ChainError> {
	let chain = &shared.chain;
	let head = chain.finalized_head().await?;
	let now = chain.block_number(head).await?;
	shared.peer.lock().await.set_head(now);

	// Follow the pools the peer may still be paid by.
	let open: Vec<PoolId> = {
		let peer = shared.peer.lock().await;
		peer.pools()
			.iter()
			.filter(|(_, e)| !e.ledger.closed || e.best_amount() > e.ledger.settled)
			.map(|(id, _)| *id)
			.collect()
	};
	for pool_id in open {
		let view = chain.pool_view(pool_id, &shared.me, Some(head)).await?;
		if let Err(e) = shared.peer.lock().await.observe(&view, Source::Chain) {
			tracing::warn!(pool = pool_id, error = %e, "the pool's view was refused");
		}
	}

	// What is due, taken under the lock, settled without it.
	let due: Vec<(SignedVoucher, BlockNumber)> = {
		let peer = shared.peer.lock().await;
		peer.pools()
			.iter()
			.filter(|(id, e)| {
				now < chain.settle_by(e.ledger.pool.expiry) && (all || peer.settle_now(**id).is_some())
			})
			.filter_map(|(id, e)| Some((peer.unsettled(*id)?, chain.settle_by(e.ledger.pool.expiry))))
			.collect()
	};
	// Near its deadline a voucher goes alone, with the policy's tip sized for its own pool
	// (censoring it must cost more than its stake); the others share untipped batches.
	let best = if due.is_empty() { now } else { chain.best_number().await? };
	let (alone, together): (Vec<_>, Vec<_>) = due
		.into_iter()
		.partition(|(_, deadline)| deadline.saturating_sub(best.saturating_add(1)) <= shared.limits.tip_blocks);
	let mut failed: usize = 0;
	for (voucher, _) in alone {
		failed = failed.saturating_add(settle_alone(shared, &voucher).await);
	}
	for part in together.chunks(shared.chain.pallet().constants.max_batch.max(1) as usize) {
		let failures = match part {
			// One voucher: `settle` is the cheaper call (its tip is zero here).
			[(voucher, _)] => settle_alone(shared, voucher).await,
			_ => settle_together(shared, part).await,
		};
		failed = failed.saturating_add(failures);
	}
	reap_finished(shared, head, now, reaping).await?;
	Ok(failed)
}

/// Settles one voucher with the policy's tip; returns 1 if it failed.
async fn settle_alone(shared: &Shared, voucher: &SignedVoucher) -> usize {
	let pool_id = voucher.voucher.pool_id;
	let settled =
		shared.chain.settle_voucher(&shared.pair, voucher, None, &shared.limits, Wait::Finalized).await;
	match settled {
		Ok(s) => {
			let offers = s.offers.len();
			tracing::info!(pool = pool_id, amount = s.amount, paid = s.paid, fee = s.fee, tip = s.tip, offers, "settled");
			record(shared, &s).await;
			0
		},
		Err(e) => {
			shared.metrics.settlements.with_label_values(&["failed"]).inc();
			tracing::warn!(pool = pool_id, error = %e, "settlement failed");
			1
		},
	}
}

/// Settles `part` (one voucher per pool, with its deadline) in one `settle_batch`, offered until
/// the first of them enters its tip window: if block stuffing keeps the batch out until then, a
/// later round settles that voucher alone with its tip, which replaces the batch in the node's
/// pool. Returns how many failed.
async fn settle_together(shared: &Shared, part: &[(SignedVoucher, BlockNumber)]) -> usize {
	let until = part
		.iter()
		.map(|(_, deadline)| deadline.saturating_sub(shared.limits.tip_blocks))
		.min()
		.unwrap_or_default();
	let part: Vec<SignedVoucher> = part.iter().map(|(v, _)| v.clone()).collect();
	match shared.chain.settle_vouchers(&shared.pair, &part, until, Wait::Finalized).await {
		Ok(batch) => {
			tracing::info!(
				vouchers = part.len(),
				settled = batch.settled.len(),
				failed = batch.failed.len(),
				fee = batch.fee,
				"settled a batch"
			);
			for s in &batch.settled {
				record(shared, s).await;
			}
			for (pool, amount, error) in &batch.failed {
				shared.metrics.settlements.with_label_values(&["failed"]).inc();
				tracing::warn!(pool, amount, error, "a voucher of the batch was refused");
			}
			batch.failed.len()
		},
		Err(e) => {
			shared.metrics.settlements.with_label_values(&["failed"]).inc_by(part.len() as u64);
			tracing::warn!(vouchers = part.len(), error = %e, "batch settlement failed");
			part.len()
		},
	}
}

/// Counts a settlement the chain finalized and records it in the store.
async fn record(shared: &Shared, s: &Settlement) {
	shared.metrics.settlements.with_label_values(&["ok"]).inc();
	shared.metrics.settled_planck.inc_by(u64::try_from(s.paid).unwrap_or(u64::MAX));
	if s.overdrawn.is_some() {
		tracing::warn!(pool = s.pool_id, "the pool was overdrawn: its collateral is forfeited");
	}
	if let Err(e) = shared.peer.lock().await.mark_settled(s.pool_id, s.amount, s.paid) {
		tracing::error!(pool = s.pool_id, error = %e, "settled on chain but not recorded");
	}
}

/// Most `Paid` records one reap removes: a pool's other payees are reaped by later rounds.
const REAP_LIMIT: u32 = 64;

/// Blocks to wait for a reap submitted before submitting it again.
const REAP_RETRY_BLOCKS: BlockNumber = 10;

/// Most reaps submitted per round: settlements come first, and the node's pool is not flooded.
const REAPS_PER_ROUND: usize = 16;

/// For each pool closed on chain and fully paid: once the finalized state shows the peer's
/// `Paid` record gone (reaped, by this peer or anyone), forgets the pool, so the store holds only
/// pools the peer may still be paid by; until then submits `reap_paid` (the peer's record deposit
/// comes back), without waiting for it, so a round is never held up by reaping. `reaping`
/// remembers when each reap was submitted.
async fn reap_finished(
	shared: &Shared,
	head: Hash,
	now: BlockNumber,
	reaping: &mut BTreeMap<PoolId, BlockNumber>,
) -> Result<(), ChainError> {
	let finished: Vec<PoolId> = {
		let peer = shared.peer.lock().await;
		peer.pools().keys().copied().filter(|id| peer.is_finished(*id)).collect()
	};
	let mut submitted = 0;
	for pool_id in finished {
		if shared.chain.paid(pool_id, &shared.me, Some(head)).await? == 0 {
			reaping.remove(&pool_id);
			match shared.peer.lock().await.forget(pool_id) {
				Ok(()) => {
					shared.metrics.forgotten.inc();
					tracing::info!(pool = pool_id, "forgot the finished pool: its record is reaped");
				},
				Err(e) => tracing::warn!(pool = pool_id, error = %e, "could not forget the pool"),
			}
			continue;
		}
		let due = reaping.get(&pool_id).is_none_or(|at| now >= at.saturating_add(REAP_RETRY_BLOCKS));
		if !due || submitted == REAPS_PER_ROUND {
			continue;
		}
		match shared.chain.submit_reap(&shared.pair, pool_id, REAP_LIMIT).await {
			Ok(tx) => tracing::info!(pool = pool_id, ?tx, "reap submitted"),
			Err(e) => tracing::warn!(pool = pool_id, error = %e, "reap refused; retried later"),
		}
		reaping.insert(pool_id, now);
		submitted = submitted.saturating_add(1);
	}
	Ok(())
}
