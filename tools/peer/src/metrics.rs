//! Prometheus metrics at `/metrics`: what the peer served and was refused, what it earned, its
//! exposure per pool and its next deadline (read from the store at each scrape, so they are
//! never stale), and its settlements.

use micropayment_pool_client::{peer::Peer, settle_by, Balance};
use prometheus::{
	Encoder, Gauge, GaugeVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
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
	earned: Gauge,
	unsettled: GaugeVec,
	next_deadline: IntGauge,
	head: IntGauge,
}

impl Metrics {
	pub fn new() -> Self {
		let registry = Registry::new_custom(Some("mpool_peer".into()), None)
			.expect("a fixed, valid prefix; qed");
		let served = IntCounterVec::new(
			Opts::new("segments_served_total", "Files sent to players, by whether they were paid"),
			&["paid"],
		)
		.expect("a fixed, valid metric; qed");
		let refused = IntCounterVec::new(
			Opts::new("payments_refused_total", "Requests answered 402, by the error's name"),
			&["error"],
		)
		.expect("a fixed, valid metric; qed");
		let settlements = IntCounterVec::new(
			Opts::new("settlements_total", "Settlements submitted, by outcome"),
			&["result"],
		)
		.expect("a fixed, valid metric; qed");
		let settled_planck =
			IntCounter::new("settled_planck_total", "Planck the chain paid this peer")
				.expect("a fixed, valid metric; qed");
		let earned = Gauge::new("earned_planck", "Sum over the pools of the best voucher accepted")
			.expect("a fixed, valid metric; qed");
		let unsettled = GaugeVec::new(
			Opts::new("unsettled_planck", "Accepted and not yet paid by the chain, per pool"),
			&["pool"],
		)
		.expect("a fixed, valid metric; qed");
		let next_deadline = IntGauge::new(
			"next_deadline_block",
			"Earliest settlement deadline (expiry + grace) of a pool with an unsettled voucher; 0 if none",
		)
		.expect("a fixed, valid metric; qed");
		let head = IntGauge::new("head_block", "The node's finalized block the peer last saw")
			.expect("a fixed, valid metric; qed");
		for metric in [
			Box::new(served.clone()) as Box<dyn prometheus::core::Collector>,
			Box::new(refused.clone()),
			Box::new(settlements.clone()),
			Box::new(settled_planck.clone()),
			Box::new(earned.clone()),
			Box::new(unsettled.clone()),
			Box::new(next_deadline.clone()),
			Box::new(head.clone()),
		] {
			registry.register(metric).expect("each metric is registered once; qed");
		}
		Self {
			registry,
			served,
			refused,
			settlements,
			settled_planck,
			earned,
			unsettled,
			next_deadline,
			head,
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
