//! The peer settles by itself: every round it reads its node's finalized head, follows each pool
//! it holds vouchers of (drained, overdrawn, closed), and settles the pools the policy says to —
//! exposure reached, deadline near, pool ended — with the policy's tip near the deadline. On
//! shutdown it settles everything it holds. Settlements wait for finality before the store
//! records them as paid, so a reorganisation cannot make the peer forget a voucher.
//!
//! The store's lock is never held across a call to the node: the server keeps taking vouchers
//! while a settlement is in flight.

use crate::Shared;
use micropayment_pool_client::{settle_by, ChainError, PoolId, SignedVoucher, Source, Wait};
use std::{sync::Arc, time::Duration};
use tokio::sync::watch;

/// Runs rounds until `stop` turns true, then one last round that settles everything held.
pub async fn run(shared: Arc<Shared>, mut stop: watch::Receiver<bool>, poll: Duration) {
	let mut interval = tokio::time::interval(poll);
	interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
	loop {
		tokio::select! {
			_ = interval.tick() => {},
			_ = shared.settle_soon.notified() => {},
			_ = stop.changed() => break,
		}
		if let Err(e) = round(&shared, false).await {
			tracing::warn!(error = %e, "round failed; the next one retries");
		}
	}
	tracing::info!("shutting down: settling every voucher held");
	for attempt in 1..=3 {
		match round(&shared, true).await {
			Ok(0) => break,
			Ok(left) => tracing::warn!(left, attempt, "some settlements failed"),
			Err(e) => tracing::warn!(error = %e, attempt, "final round failed"),
		}
	}
}

/// One round; with `all`, settles every unsettled voucher, not only those the policy says to.
/// Returns how many settlements were due and failed.
async fn round(shared: &Shared, all: bool) -> Result<usize, ChainError> {
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
	let due: Vec<SignedVoucher> = {
		let peer = shared.peer.lock().await;
		peer.pools()
			.iter()
			.filter(|(id, e)| {
				now < settle_by(e.ledger.pool.expiry) && (all || peer.settle_now(**id).is_some())
			})
			.filter_map(|(id, _)| peer.unsettled(*id))
			.collect()
	};
	let mut failed = 0;
	for voucher in due {
		let pool_id = voucher.voucher.pool_id;
		let limits = shared.limits;
		match chain.settle_voucher(&shared.pair, &voucher, None, &limits, Wait::Finalized).await {
			Ok(s) => {
				shared.metrics.settlements.with_label_values(&["ok"]).inc();
				shared.metrics.settled_planck.inc_by(u64::try_from(s.paid).unwrap_or(u64::MAX));
				tracing::info!(
					pool = pool_id,
					amount = s.amount,
					paid = s.paid,
					fee = s.fee,
					tip = s.tip,
					overdrawn = s.overdrawn.is_some(),
					"settled"
				);
				if let Err(e) = shared.peer.lock().await.mark_settled(pool_id, s.amount, s.paid) {
					tracing::error!(pool = pool_id, error = %e, "settled on chain but not recorded");
				}
			},
			Err(e) => {
				failed += 1;
				shared.metrics.settlements.with_label_values(&["failed"]).inc();
				tracing::warn!(pool = pool_id, error = %e, "settlement failed");
			},
		}
	}
	Ok(failed)
}
