//! Theorem IV.1 on the real chain: a viewer (Mallory) double-spends with a colluding peer
//! (Edward). She buys the whole resource, worth her deposit D, from honest peers with vouchers,
//! and signs Edward a voucher for D as well. Edward settles first and drains the deposit; the
//! honest peers settle after him, find it short, and are paid from her collateral C; after
//! expiry what is left of C is slashed. The coalition's net return is D − C, negative when
//! C > D, and the honest peers lose nothing.

use crate::fleet::{account_of, key, Fleet};
use anyhow::{anyhow, ensure};
use micropayment_pool_client::{
	verify_handshake, AccountId, Balance, Chain, HandshakeBundle, Included, Peer, Policy, PoolId,
	SignedVoucher, Viewer, Wait,
};
use micropayment_pool_runtime::{MicropaymentPoolCall, RuntimeCall};
use pallet_micropayment_pool::Event as PoolEvent;
use sp_core::sr25519;
use std::{path::Path, sync::Arc};

/// Honest peers Mallory buys from in each scenario.
pub const HONEST: usize = 3;
/// Pool lifetime: creation, finality, two rounds of settlements, with room to spare.
const DURATION: u32 = 12;

/// One double-spending scenario's outcome (amounts in planck).
#[derive(Clone, Debug, serde::Serialize)]
pub struct DoubleSpendRecord {
	/// collateral / deposit.
	pub ratio: f64,
	pub deposit: Balance,
	pub collateral: Balance,
	/// What Mallory got: the resource, worth her deposit.
	pub value_received: Balance,
	/// Mallory's and Edward's balances (free + held) after minus before, fees added back.
	pub coalition_change: i128,
	/// value_received + coalition_change.
	pub net_return: i128,
	/// The paper's D − C.
	pub predicted: i128,
	pub honest_owed: Balance,
	pub honest_paid: Balance,
	pub slashed: Balance,
	pub fees: Balance,
}

fn mallory(i: usize) -> sr25519::Pair {
	key("ds-mallory", i)
}
fn edward(i: usize) -> sr25519::Pair {
	key("ds-edward", i)
}
fn honest(i: usize, j: usize) -> sr25519::Pair {
	key("ds-honest", i * HONEST + j)
}

/// Accounts scenario `i` needs funded.
pub fn accounts(i: usize) -> Vec<AccountId> {
	let mut all = vec![account_of(&mallory(i)), account_of(&edward(i))];
	all.extend((0..HONEST).map(|j| account_of(&honest(i, j))));
	all
}

async fn total(chain: &Chain, who: &AccountId) -> anyhow::Result<Balance> {
	let data = chain.account_data(who, None).await?;
	Ok(data.free.saturating_add(data.reserved))
}

fn events(included: &Included) -> Vec<&PoolEvent<micropayment_pool_runtime::Runtime>> {
	included.pool_events().collect()
}

/// Runs scenario `i`: collateral = `ratio` × deposit, `chunks` chunks of `chunk_value` bought
/// from each honest peer.
pub async fn double_spend(
	fleet: Arc<Fleet>,
	i: usize,
	ratio: f64,
	chunk_value: Balance,
	chunks: usize,
	store_dir: &Path,
) -> anyhow::Result<DoubleSpendRecord> {
	let chain = fleet.chain.clone();
	let (m, e) = (mallory(i), edward(i));
	let (m_id, e_id) = (account_of(&m), account_of(&e));
	let deposit = chunk_value.saturating_mul((chunks * HONEST) as Balance);
	let collateral = ((deposit as f64) * ratio).ceil() as Balance;
	ensure!(collateral > deposit, "ratio {ratio} must exceed 1");
	let before = total(&chain, &m_id).await?.saturating_add(total(&chain, &e_id).await?);
	let mut fees: Balance = 0;

	let call = MicropaymentPoolCall::create_pool {
		resource_id: b"double-spend".to_vec().try_into().map_err(|_| anyhow!("resource"))?,
		deposit,
		collateral,
		duration: DURATION,
	};
	let created = fleet.submit(&m, RuntimeCall::MicropaymentPool(call), Wait::Finalized).await?;
	fees += created.fee;
	let (pool_id, expiry) = events(&created)
		.into_iter()
		.find_map(|ev| match ev {
			PoolEvent::PoolCreated { pool_id, expiry, .. } => Some((*pool_id, *expiry)),
			_ => None,
		})
		.ok_or_else(|| anyhow!("no PoolCreated"))?;

	// Every peer, Edward included, checks the pool off-chain before serving or colluding.
	let mut viewer = Viewer::new(m.clone(), chain.genesis_bytes(), pool_id);
	let mut stores = Vec::new();
	for (j, peer) in (0..HONEST).map(|j| honest(i, j)).chain([e.clone()]).enumerate() {
		let me = account_of(&peer);
		let mut store = Peer::open(store_dir.join(format!("ds-{i}-{j}.json")), me.clone(), chain.genesis_bytes())?;
		let bundle = HandshakeBundle::from_bytes(&chain.handshake_bundle(pool_id, &me, None).await?.to_bytes())?;
		let trusted = chain.trusted_hash(&bundle).await??;
		store.record_handshake(verify_handshake(&bundle, trusted, &Policy::new(me))?)?;
		stores.push((peer, store));
	}
	// Mallory buys the resource from the honest peers, chunk by chunk...
	for _ in 0..chunks {
		for (peer, store) in stores.iter_mut().take(HONEST) {
			store.accept_voucher(&viewer.pay(&account_of(peer), chunk_value)?)?;
		}
	}
	// ...and promises Edward the whole deposit again.
	let promise = viewer.sign(&e_id, deposit);
	stores[HONEST].1.accept_voucher(&promise)?;

	let settle = |signed: SignedVoucher| {
		RuntimeCall::MicropaymentPool(MicropaymentPoolCall::settle {
			pool_id: signed.voucher.pool_id,
			amount: signed.voucher.amount,
			signature: signed.signature,
		})
	};
	// Edward settles first.
	let drained = fleet.submit(&e, settle(promise), Wait::InBlock).await?;
	fees += drained.fee;
	// Then the honest peers, all at once: each finds the deposit gone.
	let mut honest_owed: Balance = 0;
	let mut honest_paid: Balance = 0;
	let mut tasks = Vec::new();
	for (peer, store) in stores.iter().take(HONEST) {
		let signed = store.unsettled(pool_id).ok_or_else(|| anyhow!("honest peer holds no voucher"))?;
		honest_owed += signed.voucher.amount;
		let (fleet, peer, call) = (fleet.clone(), peer.clone(), settle(signed));
		tasks.push(tokio::spawn(async move { fleet.submit(&peer, call, Wait::InBlock).await }));
	}
	for task in tasks {
		let included = task.await??;
		honest_paid += events(&included)
			.into_iter()
			.find_map(|ev| match ev {
				PoolEvent::Settled { paid, .. } => Some(*paid),
				_ => None,
			})
			.ok_or_else(|| anyhow!("no Settled"))?;
	}

	// After expiry Mallory takes back what she can.
	while chain.header(None).await?.number < expiry {
		tokio::time::sleep(std::time::Duration::from_secs(1)).await;
	}
	let close = MicropaymentPoolCall::close_pool { pool_id: pool_id as PoolId };
	let closed = fleet.submit(&m, RuntimeCall::MicropaymentPool(close), Wait::InBlock).await?;
	fees += closed.fee;
	let slashed = events(&closed)
		.into_iter()
		.find_map(|ev| match ev {
			PoolEvent::PoolClosed { slashed, .. } => Some(*slashed),
			_ => None,
		})
		.ok_or_else(|| anyhow!("no PoolClosed"))?;

	let after = total(&chain, &m_id).await?.saturating_add(total(&chain, &e_id).await?);
	let coalition_change = after as i128 - before as i128 + fees as i128;
	Ok(DoubleSpendRecord {
		ratio,
		deposit,
		collateral,
		value_received: deposit,
		coalition_change,
		net_return: deposit as i128 + coalition_change,
		predicted: deposit as i128 - collateral as i128,
		honest_owed,
		honest_paid,
		slashed,
		fees,
	})
}
