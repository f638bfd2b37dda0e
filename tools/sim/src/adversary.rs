//! Theorem IV.1 on the real chain, against every double-spending strategy the issue names.
//!
//! In each scenario a viewer (Mallory) buys the whole resource, worth her deposit D, from
//! [`HONEST`] honest peers with vouchers, and promises more than D in all: to sock puppets she
//! controls, or to herself. The coalition (Mallory and her puppets) then plays one
//! [`Strategy`] to get the honest peers paid less, or its collateral C back. The pallet's
//! answer: a pool never pays its owner (`SelfPayment`); the first settlement that finds the
//! deposit short forfeits the collateral at once, keeping only a pot of `r·(C − D)` for the
//! victims (`r` = `CompensationShare`); vouchers settle for `SettlementGrace` blocks after
//! expiry and the pool closes only after that; any number of peers can be paid.
//!
//! Each scenario measures, from balances (free + reserved, fees added back), the coalition's
//! change and its net return (that change plus the service received, at most D), what the
//! honest peers were owed and paid, and what was slashed; [`crate::report::violations`] checks
//! that the net return is at most `−(1 − r)·(C − D)` and negative whenever an honest peer was
//! underpaid.

use crate::fleet::{account_of, compensation_share, key, Fleet};
use anyhow::{anyhow, ensure};
use micropayment_pool_client::{
	settle_by, verify_handshake, AccountId, Balance, BlockNumber, Chain, ChainError,
	HandshakeBundle, HeaderExt, Included, Limits, Peer, Policy, PoolId, PoolTerms, SignedVoucher,
	Viewer, Wait,
};
use micropayment_pool_client::api::{pool_events as ev, runtime::tx as calls, BoundedVec};
use sp_core::sr25519;
use std::{path::Path, sync::Arc, time::Duration};

/// The limits of this scenario's honest peers: the paper's peers, which serve the whole resource
/// (worth the deposit) unsettled and settle after the coalition moved. The default limits would
/// stop each at the pool's margin `C − D` and have it settle early: the protection this
/// scenario measures the chain's rules without.
fn paper_limits() -> Limits {
	Limits {
		exposure_cap: Some(Balance::MAX),
		settle_margin: 2,
		min_serving_blocks: 2,
		min_margin_ppm: 0,
		..Limits::default()
	}
}

/// Honest peers Mallory buys from in each scenario.
pub const HONEST: usize = 3;
/// Sock puppets of the slot-filling strategy (the old runtime's cap was 512 payees; any number
/// shows the point now that there is no cap).
pub const SLOTS: usize = 20;
/// Pool lifetime: creation, finality, two rounds of settlements, with room to spare.
const DURATION: BlockNumber = 12;
/// Most `Paid` records one `reap_paid` removes in the scenarios (all of them: `SLOTS + HONEST`).
const REAP_LIMIT: u32 = 64;

/// How the coalition tries to make double spending pay.
#[derive(
	Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
	/// A puppet settles a voucher for exactly the deposit first; honest peers find it empty.
	Drain,
	/// Mallory settles a voucher to herself first (refused: `SelfPayment`), then drains.
	SelfVoucher,
	/// A puppet settles a `u128::MAX` voucher first, to take the deposit and the whole
	/// compensation pot.
	SockPuppetMax,
	/// Many puppets settle 1-planck vouchers first, to fill the payee slots the old runtime
	/// had, so that honest peers could not settle at all.
	SlotFilling,
	/// A puppet drains before expiry; honest settlements are censored until expiry (the author
	/// friendly to Mallory), Mallory tries to close at expiry (refused: `PoolNotExpired`);
	/// the honest peers settle in the grace window, Mallory closes after it.
	LastBlock,
}

impl Strategy {
	pub const ALL: [Strategy; 5] = [
		Strategy::Drain,
		Strategy::SelfVoucher,
		Strategy::SockPuppetMax,
		Strategy::SlotFilling,
		Strategy::LastBlock,
	];

	pub fn name(self) -> &'static str {
		match self {
			Strategy::Drain => "drain",
			Strategy::SelfVoucher => "self-voucher",
			Strategy::SockPuppetMax => "sock-puppet-max",
			Strategy::SlotFilling => "slot-filling",
			Strategy::LastBlock => "last-block",
		}
	}

	/// One line for the report.
	pub fn describe(self) -> &'static str {
		match self {
			Strategy::Drain => "a puppet settles a voucher for exactly D first",
			Strategy::SelfVoucher =>
				"Mallory settles a u128::MAX voucher to herself (must be refused: SelfPayment), then a puppet drains D",
			Strategy::SockPuppetMax => "a puppet settles a u128::MAX voucher first",
			Strategy::SlotFilling => "20 puppets settle 1-planck vouchers first, then the honest peers",
			Strategy::LastBlock =>
				"a puppet drains D; honest settlements censored until expiry land in the grace window; close at expiry must be refused (PoolNotExpired)",
		}
	}

	/// Sock puppets the strategy uses.
	fn puppets(self) -> usize {
		match self {
			Strategy::SlotFilling => SLOTS,
			_ => 1,
		}
	}
}

/// One double-spending scenario's outcome (amounts in planck).
#[derive(Clone, Debug, serde::Serialize)]
pub struct DoubleSpendRecord {
	pub strategy: Strategy,
	/// collateral / deposit.
	pub ratio: f64,
	/// D: all deposit locked in the pool (`total_deposit`).
	pub deposit: Balance,
	/// C: the collateral locked at creation.
	pub collateral: Balance,
	/// The service Mallory got: the honest peers' vouchers, counted at most D.
	pub value_received: Balance,
	/// The coalition's balances (free + reserved of Mallory and her puppets) after minus
	/// before, fees added back.
	pub coalition_change: i128,
	/// value_received + coalition_change.
	pub net_return: i128,
	/// The stated guarantee: `−(1 − r)·(C − D)`, rounded down to a planck.
	pub bound: i128,
	/// Sum of the honest peers' vouchers.
	pub honest_owed: Balance,
	/// What the honest peers' balances (free + reserved, fees added back) gained.
	pub honest_paid: Balance,
	/// Honest settlements that failed (none may).
	pub honest_failed: u32,
	/// Slashed to `OnSlash`: `CollateralForfeited` at the first overdraw plus `PoolClosed`.
	pub slashed: Balance,
	/// The compensation pot the forfeiture kept for the victims.
	pub pot: Balance,
	/// Whether the collateral was forfeited (`CollateralForfeited`).
	pub forfeited: bool,
	/// Fees the coalition paid (added back in coalition_change).
	pub fees: Balance,
	/// Distinct peers the pool paid (its `Paid` records at close).
	pub payees: u32,
	/// `Paid` records `reap_paid` removed after the close.
	pub reaped: u32,
	/// What the strategy had to run into, e.g. `SelfPayment refused: ok`; `; `-separated.
	pub expectations: String,
	pub expectations_met: bool,
}

/// Keys of scenario (strategy, ratio index `i`); the same in every run.
fn mallory_key(s: Strategy, i: usize) -> sr25519::Pair {
	key(&format!("ds-{}-mallory", s.name()), i)
}
fn puppet_key(s: Strategy, i: usize, k: usize) -> sr25519::Pair {
	key(&format!("ds-{}-puppet", s.name()), i * SLOTS + k)
}
fn honest_key(s: Strategy, i: usize, j: usize) -> sr25519::Pair {
	key(&format!("ds-{}-honest", s.name()), i * HONEST + j)
}

/// D of a scenario: the honest peers' `chunks` chunks each.
pub fn deposit_of(chunk_value: Balance, chunks: usize) -> Balance {
	chunk_value.saturating_mul((chunks * HONEST) as Balance)
}

/// C of a scenario: `ratio` × D, to a thousandth, rounded up.
pub fn collateral_of(deposit: Balance, ratio: f64) -> Balance {
	let permille = (ratio * 1000.0).round() as Balance;
	deposit.saturating_mul(permille).div_ceil(1000)
}

/// Accounts scenario (`s`, `i`) needs funded, with the amount: Mallory D + C and `spare`, every
/// puppet and honest peer `spare` (fees and the 3.24 mUNIT storage deposit of a first
/// settlement).
pub fn funding(
	s: Strategy,
	i: usize,
	ratio: f64,
	chunk_value: Balance,
	chunks: usize,
	spare: Balance,
) -> Vec<(AccountId, Balance)> {
	let deposit = deposit_of(chunk_value, chunks);
	let collateral = collateral_of(deposit, ratio);
	let mut all = vec![(account_of(&mallory_key(s, i)), deposit + collateral + spare)];
	all.extend((0..s.puppets()).map(|k| (account_of(&puppet_key(s, i, k)), spare)));
	all.extend((0..HONEST).map(|j| (account_of(&honest_key(s, i, j)), spare)));
	all
}

async fn total(chain: &Chain, who: &AccountId) -> anyhow::Result<Balance> {
	let data = chain.account_data(who, None).await?;
	Ok(data.free.saturating_add(data.reserved))
}

async fn totals(chain: &Chain, who: &[AccountId]) -> anyhow::Result<Vec<Balance>> {
	let mut all = Vec::with_capacity(who.len());
	for w in who {
		all.push(total(chain, w).await?);
	}
	Ok(all)
}

/// Waits until a transaction submitted now executes in block `block` or later.
async fn wait_for_block(chain: &Chain, block: BlockNumber) -> anyhow::Result<()> {
	while chain.best_number().await?.saturating_add(1) < block {
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
	Ok(())
}

fn settle_call(signed: &SignedVoucher) -> impl subxt::transactions::Payload + Send + Sync + 'static {
	calls().micropayment_pool().settle(
		signed.voucher.pool_id,
		signed.voucher.amount,
		signed.signature.clone(),
	)
}

/// What the pool's events say was forfeited and slashed.
#[derive(Default)]
struct Tally {
	forfeited: bool,
	slashed: Balance,
	pot: Balance,
}

impl Tally {
	fn add(&mut self, included: &Included) {
		for e in included.find::<ev::CollateralForfeited>() {
			self.forfeited = true;
			self.slashed = self.slashed.saturating_add(e.slashed);
			self.pot = self.pot.saturating_add(e.pot);
		}
		for e in included.find::<ev::PoolClosed>() {
			self.slashed = self.slashed.saturating_add(e.slashed);
		}
	}
}

/// The expectations a scenario checks on the way, for the record.
#[derive(Default)]
struct Expectations(Vec<(String, bool)>);

impl Expectations {
	fn check(&mut self, what: impl Into<String>, ok: bool) {
		self.0.push((what.into(), ok));
	}

	/// A call the strategy needs the chain to refuse with `error`.
	fn refused<T>(&mut self, what: &str, error: &str, result: &Result<T, ChainError>) {
		match result {
			Err(e) if e.dispatch_error() == Some(error) =>
				self.check(format!("{what} refused with {error}: ok"), true),
			Err(e) => self.check(format!("{what} refused with {error}: FAILED, got {e}"), false),
			Ok(_) => self.check(format!("{what} refused with {error}: FAILED, it succeeded"), false),
		}
	}

	fn text(&self) -> String {
		self.0.iter().map(|(w, _)| w.as_str()).collect::<Vec<_>>().join("; ")
	}

	fn met(&self) -> bool {
		self.0.iter().all(|(_, ok)| *ok)
	}
}

/// Runs scenario (`strategy`, ratio index `i`): collateral = `ratio` × deposit, `chunks`
/// chunks of `chunk_value` bought from each honest peer.
pub async fn double_spend(
	fleet: Arc<Fleet>,
	strategy: Strategy,
	i: usize,
	ratio: f64,
	chunk_value: Balance,
	chunks: usize,
	store_dir: &Path,
) -> anyhow::Result<DoubleSpendRecord> {
	let chain = fleet.chain.clone();
	let m = mallory_key(strategy, i);
	let m_id = account_of(&m);
	let puppets: Vec<sr25519::Pair> = (0..strategy.puppets()).map(|k| puppet_key(strategy, i, k)).collect();
	let honest: Vec<sr25519::Pair> = (0..HONEST).map(|j| honest_key(strategy, i, j)).collect();
	let coalition: Vec<AccountId> =
		std::iter::once(m_id.clone()).chain(puppets.iter().map(account_of)).collect();
	let honest_ids: Vec<AccountId> = honest.iter().map(account_of).collect();
	let deposit = deposit_of(chunk_value, chunks);
	let collateral = collateral_of(deposit, ratio);
	ensure!(collateral > deposit, "ratio {ratio} must exceed 1");

	let coalition_before: Balance = totals(&chain, &coalition).await?.into_iter().sum();
	let honest_before = totals(&chain, &honest_ids).await?;
	let mut fees: Balance = 0;
	let mut honest_fees: Balance = 0;
	let mut tally = Tally::default();
	let mut expect = Expectations::default();

	let resource = format!("double-spend-{}", strategy.name()).into_bytes();
	let call = calls().micropayment_pool().create_pool(
		BoundedVec(resource.clone()),
		deposit,
		collateral,
		DURATION,
	);
	let created = fleet.submit(&m, call, Wait::Finalized).await?;
	fees += created.fee;
	let (pool_id, expiry) = created
		.find_first::<ev::PoolCreated>()
		.map(|e| (e.pool_id, e.expiry))
		.ok_or_else(|| anyhow!("no PoolCreated"))?;
	let deadline = settle_by(expiry);

	// The honest peers check the pool off-chain before serving: they learn its settlement
	// window there. The puppets need no convincing.
	let mut viewer = Viewer::new(m.clone(), chain.genesis_bytes(), pool_id);
	let mut stores: Vec<(Peer, PoolTerms)> = Vec::new();
	for (j, peer) in honest.iter().enumerate() {
		let me = account_of(peer);
		let mut store = Peer::open(
			store_dir.join(format!("ds-{}-{i}-{j}.db", strategy.name())),
			me.clone(),
			chain.genesis_bytes(),
		)?;
		let bundle = HandshakeBundle::from_bytes(&chain.handshake_bundle(pool_id, &me, None).await?.to_bytes())?;
		let trusted = chain.trusted_hash(&bundle).await??;
		let now = chain.header(Some(chain.finalized_head().await?)).await?.block_number();
		let policy = Policy {
			me: me.clone(),
			resource_id: resource.clone(),
			now,
			limits: paper_limits(),
			pallet_prefix: chain.pallet().prefix().to_vec(),
		};
		let verified = verify_handshake(&bundle, trusted, &policy)?;
		let terms = verified.terms;
		ensure!(terms.settle_by() == deadline, "peer's window {} ≠ {deadline}", terms.settle_by());
		store.set_limits(policy.limits);
		store.record_handshake(verified.ledger)?;
		// The peer reads the pool at its own head too, as the policy asks before relying on it.
		store.observe(&chain.pool_view(pool_id, &me, None).await?, micropayment_pool_client::Source::Chain)?;
		stores.push((store, terms));
	}
	// Mallory buys the resource from the honest peers, chunk by chunk: D in all.
	for _ in 0..chunks {
		for ((store, _), peer) in stores.iter_mut().zip(&honest) {
			store.accept_voucher(&viewer.pay(&account_of(peer), chunk_value)?)?;
		}
	}
	let honest_owed: Balance = viewer.promised();

	// The coalition moves first.
	let drain = |who: &sr25519::Pair, amount: Balance| {
		let signed = viewer.sign(&account_of(who), amount);
		let (fleet, who) = (fleet.clone(), who.clone());
		async move { fleet.submit(&who, settle_call(&signed), Wait::InBlock).await }
	};
	match strategy {
		Strategy::Drain => {
			let drained = drain(&puppets[0], deposit).await?;
			fees += drained.fee;
			tally.add(&drained);
		},
		Strategy::SelfVoucher => {
			let to_self = viewer.sign(&m_id, Balance::MAX);
			let result = fleet.submit(&m, settle_call(&to_self), Wait::InBlock).await;
			match &result {
				Ok(included) => {
					fees += included.fee;
					tally.add(included);
				},
				Err(e) => fees += e.fee(),
			}
			expect.refused("Mallory's voucher to herself", "SelfPayment", &result);
			if let Err(e) = &result {
				ensure!(e.dispatch_error().is_some(), "self-voucher did not reach a block: {e}");
			}
			// Refused: the coalition falls back to a puppet.
			let drained = drain(&puppets[0], deposit).await?;
			fees += drained.fee;
			tally.add(&drained);
		},
		Strategy::SockPuppetMax => {
			let drained = drain(&puppets[0], Balance::MAX).await?;
			fees += drained.fee;
			tally.add(&drained);
		},
		Strategy::SlotFilling => {
			let mut tasks = Vec::new();
			for p in &puppets {
				tasks.push(tokio::spawn(drain(p, 1)));
			}
			for task in tasks {
				let filled = task.await??;
				fees += filled.fee;
				tally.add(&filled);
			}
		},
		Strategy::LastBlock => {
			let drained = drain(&puppets[0], deposit).await?;
			fees += drained.fee;
			tally.add(&drained);
			// The friendly author censors the honest settlements until expiry; Mallory tries to
			// close at expiry, as the old runtime let her.
			wait_for_block(&chain, expiry).await?;
			let close = calls().micropayment_pool().close_pool(pool_id);
			let result = fleet.submit(&m, close, Wait::InBlock).await;
			match &result {
				Ok(included) => {
					fees += included.fee;
					tally.add(included);
				},
				Err(e) => fees += e.fee(),
			}
			expect.refused("close at expiry", "PoolNotExpired", &result);
		},
	}

	// The honest peers settle their best vouchers, all at once, inside their window.
	let now = chain.best_number().await?.saturating_add(1);
	let mut tasks = Vec::new();
	for ((store, terms), peer) in stores.iter().zip(&honest) {
		let signed = store.unsettled(pool_id).ok_or_else(|| anyhow!("honest peer holds no voucher"))?;
		ensure!(terms.can_settle_at(now), "honest peer's window ended at {} (now {now})", terms.settle_by());
		let (fleet, peer) = (fleet.clone(), peer.clone());
		tasks.push(tokio::spawn(async move { fleet.submit(&peer, settle_call(&signed), Wait::InBlock).await }));
	}
	let mut honest_failed = 0u32;
	let mut settled_in = Vec::new();
	let mut payouts = Vec::new();
	for task in tasks {
		match task.await? {
			Ok(included) => {
				honest_fees += included.fee;
				tally.add(&included);
				settled_in.push(chain.block_number(included.block_hash).await?);
				payouts.push(included.find_first::<ev::Settled>().map(|e| e.paid));
			},
			Err(e @ ChainError::Dispatch { .. }) => {
				honest_fees += e.fee();
				honest_failed += 1;
				expect.check(format!("honest settlement: FAILED, {e}"), false);
			},
			Err(e) => return Err(e.into()),
		}
	}
	for ((store, _), paid) in stores.iter_mut().zip(payouts.into_iter().chain(std::iter::repeat(None))) {
		if let (Some(signed), Some(paid)) = (store.unsettled(pool_id), paid) {
			store.mark_settled(pool_id, signed.voucher.amount, paid)?;
		}
	}
	if strategy == Strategy::LastBlock {
		let in_grace = settled_in.iter().all(|b| (expiry..deadline).contains(b));
		expect.check(
			format!(
				"honest settlements in the grace window [{expiry}, {deadline}): {} (blocks {settled_in:?})",
				if in_grace { "ok" } else { "FAILED" }
			),
			in_grace,
		);
	}

	// The pool as it stands before the close.
	let record = chain.pool(pool_id, None).await?.ok_or_else(|| anyhow!("pool {pool_id} gone before close"))?;
	let total_deposit = record.total_deposit;

	// After the window Mallory takes back what she can.
	wait_for_block(&chain, deadline).await?;
	let close = calls().micropayment_pool().close_pool(pool_id as PoolId);
	let closed = fleet.submit(&m, close, Wait::InBlock).await?;
	fees += closed.fee;
	tally.add(&closed);

	let coalition_after: Balance = totals(&chain, &coalition).await?.into_iter().sum();
	let honest_after = totals(&chain, &honest_ids).await?;
	let coalition_change = coalition_after as i128 - coalition_before as i128 + fees as i128;
	let honest_change: i128 = honest_after
		.iter()
		.zip(&honest_before)
		.map(|(a, b)| *a as i128 - *b as i128)
		.sum::<i128>() +
		honest_fees as i128;
	let honest_paid = Balance::try_from(honest_change).map_err(|_| anyhow!("honest peers lost {honest_change}"))?;

	// An honest peer cleans up: every `Paid` record goes, its storage deposit back to its peer.
	let reap = calls().micropayment_pool().reap_paid(pool_id, REAP_LIMIT);
	let reaped = match fleet.submit(&honest[0], reap, Wait::InBlock).await {
		Ok(included) => included
			.find_first::<ev::PaidReaped>()
			.map(|e| (e.removed, e.remaining))
			.ok_or_else(|| anyhow!("no PaidReaped"))?,
		Err(e @ ChainError::Dispatch { .. }) => {
			expect.check(format!("reap: FAILED, {e}"), false);
			Default::default()
		},
		Err(e) => return Err(e.into()),
	};
	let (removed, remaining) = reaped;
	let reap_ok = removed == record.payees && !remaining;
	expect.check(
		format!(
			"reap_paid removed {removed} of {} records{}: {}",
			record.payees,
			if remaining { ", some left" } else { "" },
			if reap_ok { "ok" } else { "FAILED" }
		),
		reap_ok,
	);

	// The service: the honest peers' vouchers, worth at most the deposit (the paper's resource
	// assumption).
	let value_received = honest_owed.min(total_deposit);
	let excess = collateral.saturating_sub(total_deposit);
	let bound = -((excess - compensation_share().mul_floor(excess)) as i128);
	Ok(DoubleSpendRecord {
		strategy,
		ratio,
		deposit: total_deposit,
		collateral,
		value_received,
		coalition_change,
		net_return: value_received as i128 + coalition_change,
		bound,
		honest_owed,
		honest_paid,
		honest_failed,
		slashed: tally.slashed,
		pot: tally.pot,
		forfeited: tally.forfeited,
		fees,
		payees: record.payees,
		reaped: removed,
		expectations: expect.text(),
		expectations_met: expect.met(),
	})
}
