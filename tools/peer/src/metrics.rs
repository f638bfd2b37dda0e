//! Prometheus metrics at `/metrics`: what the peer served and was refused, what it earned, its
//! exposure per pool and its next deadline (read from the store at each scrape, so they are
//! never stale), and its settlements.

use micropayment_pool_client::{peer::Peer, settle_by, Balance};
use prometheus::{
	core::Collector, Encoder, Gauge, GaugeVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
	TextEncoder,
};

pub struct Metrics {
	registry: Registry,
	/// Segments sent, paid or free (playlists).
	pub served: IntCounterVec,
	/// Requests refused for want of payment, by the error's name.
	pub refused: IntCounterVec,
	/// Settlements, by outcome.
	pub settlements: IntCounterVec,
	/// Planck the chain paid this peer through its settlements since start.
	pub settled_planck: IntCounter,
	/// Finished pools removed from the store since start.
	pub forgotten: IntCounter,
	pools: IntGauge,
	earned: Gauge,
	unsettled: GaugeVec,
	next_deadline: IntGauge,
	head: IntGauge,
}

impl Metrics {
	pub fn new() -> Self {
		let registry = Registry::new_custom(Some("mpool_peer".into()), None)
			.expect("a fixed, valid prefix; qed");
		let r = &registry;
		Self {
			served: add(r, IntCounterVec::new(
				Opts::new("segments_served_total", "Files sent to players, by whether they were paid"),
				&["paid"],
			)),
			refused: add(r, IntCounterVec::new(
				Opts::new("payments_refused_total", "Requests answered 402, by the error's name"),
				&["error"],
			)),
			settlements: add(r, IntCounterVec::new(
				Opts::new("settlements_total", "Settlements submitted, by outcome"),
				&["result"],
			)),
			settled_planck: add(r, IntCounter::new("settled_planck_total", "Planck the chain paid this peer")),
			forgotten: add(r, IntCounter::new(
				"pools_forgotten_total",
				"Pools closed, fully paid and reaped, then removed from the store",
			)),
			pools: add(r, IntGauge::new("pools_held", "Pools in the store: those the peer may still be paid by")),
			earned: add(r, Gauge::new("earned_planck", "Sum over the pools held of the best voucher accepted")),
			unsettled: add(r, GaugeVec::new(
				Opts::new("unsettled_planck", "Accepted and not yet paid by the chain, per pool"),
				&["pool"],
			)),
			next_deadline: add(r, IntGauge::new(
				"next_deadline_block",
				"Earliest settlement deadline (expiry + grace) of a pool with an unsettled voucher; 0 if none",
			)),
			head: add(r, IntGauge::new("head_block", "The node's finalized block the peer last saw")),
			registry,
		}
	}

	/// The metrics in Prometheus' text format, the per-pool ones read from `peer` now.
	pub fn render(&self, peer: &Peer) -> String {
		self.unsettled.reset();
		let mut earned: Balance = 0;
		let mut next_deadline = None;
		for (pool_id, entry) in peer.pools() {
			earned = earned.saturating_add(entry.best_amount());
			let unsettled = entry.best_amount().saturating_sub(entry.ledger.settled);
			if unsettled > 0 {
				self.unsettled.with_label_values(&[&pool_id.to_string()]).set(unsettled as f64);
				let deadline = settle_by(entry.ledger.pool.expiry);
				next_deadline = Some(next_deadline.map_or(deadline, |d: u32| d.min(deadline)));
			}
		}
		self.earned.set(earned as f64);
		self.pools.set(i64::try_from(peer.pools().len()).unwrap_or(i64::MAX));
		self.next_deadline.set(next_deadline.map_or(0, i64::from));
		self.head.set(i64::from(peer.head()));
		let mut out = Vec::new();
		// Encoding into a Vec cannot fail for well-formed metric families.
		if TextEncoder::new().encode(&self.registry.gather(), &mut out).is_err() {
			return String::new();
		}
		String::from_utf8(out).unwrap_or_default()
	}
}

/// `metric`, registered in `registry`.
fn add<M: Collector + Clone + 'static>(registry: &Registry, metric: prometheus::Result<M>) -> M {
	let metric = metric.expect("a fixed, valid name, help and labels; qed");
	registry.register(Box::new(metric.clone())).expect("each metric is registered once; qed");
	metric
}
