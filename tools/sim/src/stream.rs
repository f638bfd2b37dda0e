//! The paper's streaming workload on the real chain.
//!
//! Viewers pull chunks of a resource every `chunk_interval` seconds from one peer at a time and
//! pay each chunk with a voucher; every 60–100 s the peer leaves and the viewer switches to
//! another. Three ways to pay:
//!
//! - `pool`: one pool per viewer (created before the session). Switching is the off-chain
//!   handshake: the viewer fetches a read proof of its pool at a finalized block, the new peer
//!   checks it against its node. Each peer settles when it leaves.
//! - `pool-batch`: as `pool`, but each peer settles everything it earned, from every viewer, in
//!   one `settleBatch` at the end.
//! - `channel`: the payment-channel baseline. Switching opens a channel (a pool for that one
//!   peer) on chain and waits for its inclusion before the first chunk; the peer settles (closes)
//!   it when it leaves: two transactions per peer.
//!
//! Bad peers take the voucher and return garbage; the viewer checks every chunk against the
//! manifest, blacklists the peer and switches (Theorem IV.2).

use crate::fleet::{account_of, key, Fleet};
use anyhow::{anyhow, bail, ensure, Context};
use micropayment_pool_client::{
	settle_by, verify_handshake, AccountId, Balance, BlockNumber, Chain, HandshakeBundle, Hash,
	HeaderExt, Ledger, Limits, Peer, Policy, PoolId, PoolTerms, SignedVoucher, Source, Viewer, Wait,
};
use micropayment_pool_client::{
	api::{pool_events as ev, runtime::tx as calls, BoundedVec, SettlementItem},
	constants,
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use sp_core::sr25519;
use std::{
	collections::{BTreeMap, BTreeSet},
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::sync::Mutex;

/// How viewers pay their peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Mode {
	/// One pool per viewer, off-chain handshakes, each peer settles when it leaves.
	Pool,
	/// One pool per viewer; each peer settles all it earned in one `settleBatch` at the end.
	PoolBatch,
	/// Baseline: a channel opened on chain per (viewer, peer), closed by the peer's settlement.
	Channel,
}

impl Mode {
	pub fn name(self) -> &'static str {
		match self {
			Mode::Pool => "pool",
			Mode::PoolBatch => "pool-batch",
			Mode::Channel => "channel",
		}
	}
}

/// The workload's shape, in the paper's (unscaled) seconds.
#[derive(Clone, Debug)]
pub struct Workload {
	pub viewers: usize,
	pub peers: usize,
	pub bad_peers: usize,
	pub session_secs: f64,
	pub chunk_secs: f64,
	pub churn_secs: (f64, f64),
	/// Wall seconds per paper second (0.1 runs ten times faster; blocks stay 6 s).
	pub time_scale: f64,
	pub chunk_value: Balance,
	pub seed: u64,
	/// Blocks a peer requires a pool to stay open after the handshake.
	pub margin_blocks: BlockNumber,
	/// The chain's block time in seconds: 6 on the solochain, 3 on the dev parachain.
	pub block_secs: f64,
}
/// Blocks added to every pool's lifetime so that peers can settle after the session.
const SETTLE_BLOCKS: f64 = 4.0;

impl Workload {
	fn wall(&self, paper_secs: f64) -> Duration {
		Duration::from_secs_f64(paper_secs * self.time_scale)
	}

	pub fn total_chunks(&self) -> usize {
		(self.session_secs / self.chunk_secs).floor() as usize
	}

	/// Most chunks one peer can serve in one stint.
	fn stint_chunks(&self) -> usize {
		(self.churn_secs.1 / self.chunk_secs).ceil() as usize + 1
	}

	/// Blocks a pool must live to outlast `wall` more seconds of session and the settlements.
	fn blocks_for(&self, wall: Duration) -> BlockNumber {
		let blocks = (wall.as_secs_f64() / self.block_secs + SETTLE_BLOCKS).ceil() as BlockNumber;
		blocks.max(self.margin_blocks.saturating_add(2)).max(5)
	}

	/// Most channels one viewer opens in a session: a stint per churn, one per bad peer met, one
	/// more for the session's end.
	fn max_channels_per_viewer(&self) -> usize {
		(self.session_secs / self.churn_secs.0).ceil() as usize + self.bad_peers + 1
	}

	/// Most pools one peer may settle in (each holds a `Paid` storage deposit from it until
	/// reaped): every viewer's pool, or every channel of every viewer.
	pub fn max_pools_per_peer(&self) -> usize {
		self.viewers.saturating_mul(self.max_channels_per_viewer())
	}

	pub fn check(&self) -> anyhow::Result<()> {
		ensure!(self.viewers > 0 && self.peers >= 2, "need a viewer and two peers");
		ensure!(self.bad_peers < self.peers, "at least one peer must be honest");
		ensure!(self.chunk_secs > 0.0 && self.session_secs >= self.chunk_secs, "bad timing");
		ensure!(self.block_secs > 0.0, "the block time must be positive");
		ensure!(
			self.churn_secs.0 > 0.0 && self.churn_secs.0 <= self.churn_secs.1,
			"bad churn range"
		);
		ensure!(self.time_scale > 0.0, "time scale must be positive");
		// A channel-mode viewer keeps every channel it opened until its settlement window ends.
		let stints = self.max_channels_per_viewer();
		ensure!(
			stints <= 32,
			"up to {stints} channels per viewer exceed MaxPoolsPerAccount (32): shorten the session"
		);
		Ok(())
	}
}

/// A chunk's bytes and the manifest of their hashes (what the CDN publishes).
pub struct Manifest {
	resource: Vec<u8>,
	hashes: Vec<[u8; 32]>,
}

impl Manifest {
	pub fn new(resource: &[u8], chunks: usize) -> Self {
		let hashes = (0..chunks)
			.map(|i| sp_crypto_hashing::blake2_256(&Self::chunk_of(resource, i)))
			.collect();
		Self { resource: resource.to_vec(), hashes }
	}

	/// Chunk `i` of the resource: 4 KiB derived from its index.
	fn chunk_of(resource: &[u8], i: usize) -> Vec<u8> {
		let seed = sp_crypto_hashing::blake2_256(&[resource, &i.to_le_bytes()].concat());
		seed.iter().cycle().take(4096).copied().collect()
	}

	fn chunk(&self, i: usize) -> Vec<u8> {
		Self::chunk_of(&self.resource, i)
	}

	fn verify(&self, i: usize, data: &[u8]) -> bool {
		self.hashes.get(i) == Some(&sp_crypto_hashing::blake2_256(data))
	}
}

/// A peer of the simulation: its key, whether it cheats, and its durable voucher store.
pub struct SimPeer {
	pub index: usize,
	pub pair: sr25519::Pair,
	pub account: AccountId,
	pub bad: bool,
	pub store: Mutex<Peer>,
	/// The peer's own node connection: where it checks handshakes and channels.
	pub node: Arc<Chain>,
}

impl SimPeer {
	/// Serves chunk `i`: the real bytes, or garbage from a bad peer.
	fn serve(&self, manifest: &Manifest, i: usize) -> Vec<u8> {
		if self.bad {
			vec![0xBA; 4096]
		} else {
			manifest.chunk(i)
		}
	}
}

/// One on-chain transaction and whom it served: `(viewer, share)`; a batch is shared by the
/// viewers of its vouchers.
#[derive(Clone, Debug)]
pub struct TxRecord {
	pub kind: &'static str,
	pub shares: Vec<(usize, f64)>,
	pub fee: Balance,
	/// Reclaiming funds after expiry (not counted by the paper's n+1 / 2n).
	pub reclaim: bool,
}

/// One switch to a peer.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SwitchRecord {
	pub mode: &'static str,
	pub viewer: usize,
	pub stint: usize,
	pub peer: usize,
	pub bad_peer: bool,
	pub switch_ms: f64,
	pub stalled_chunks: usize,
}

/// One viewer's session.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SessionRecord {
	pub mode: &'static str,
	pub viewer: usize,
	/// Peers connected to (n): the paper's n, counting a returning peer again.
	pub connections: usize,
	/// Connections that ended before a chunk was served (the session ran out while switching):
	/// opened, but nothing to settle.
	pub idle_connections: usize,
	pub distinct_peers: usize,
	pub chunks_paid: usize,
	pub chunks_stalled: usize,
	/// Create + settlements (the paper's accounting: n+1 or 2n); batch shares are fractional.
	pub tx_paper: f64,
	/// The same plus reclaiming after expiry.
	pub tx_total: f64,
	/// Fees of every transaction of the session, the peers' settlements included (planck).
	pub fees: f64,
	/// From `CreatePool` submitted to the first peer serving (ms).
	pub startup_ms: f64,
	pub bad_peers_met: usize,
	/// Paid for chunks that failed the manifest check (planck).
	pub bad_peer_loss: Balance,
}

/// A pool (or channel) of a viewer and what it promised.
#[derive(Clone, Debug)]
struct OpenPool {
	id: PoolId,
	deposit: Balance,
	collateral: Balance,
	expiry: BlockNumber,
}

/// What a whole workload produced.
pub struct ModeOutcome {
	pub mode: Mode,
	pub switches: Vec<SwitchRecord>,
	pub sessions: Vec<SessionRecord>,
	pub txs: Vec<TxRecord>,
}

struct Ctx {
	mode: Mode,
	work: Workload,
	fleet: Arc<Fleet>,
	peers: Vec<Arc<SimPeer>>,
	manifest: Manifest,
	resource: Vec<u8>,
	txs: Mutex<Vec<TxRecord>>,
	progress: indicatif::ProgressBar,
}

impl Ctx {
	async fn record(&self, kind: &'static str, shares: Vec<(usize, f64)>, fee: Balance, reclaim: bool) {
		self.txs.lock().await.push(TxRecord { kind, shares, fee, reclaim });
	}
}

/// Keys of a mode's viewers and peers (disjoint between modes, the same in every run).
pub fn viewer_key(mode: Mode, i: usize) -> sr25519::Pair {
	key(&format!("{}-viewer", mode.name()), i)
}

pub fn peer_key(mode: Mode, i: usize) -> sr25519::Pair {
	key(&format!("{}-peer", mode.name()), i)
}

/// Accounts a mode needs funded, with the amount: viewers first, then peers.
pub fn accounts(mode: Mode, work: &Workload) -> (Vec<AccountId>, Vec<AccountId>) {
	let viewers = (0..work.viewers).map(|i| account_of(&viewer_key(mode, i))).collect();
	let peers = (0..work.peers).map(|i| account_of(&peer_key(mode, i))).collect();
	(viewers, peers)
}

/// Runs one mode's workload to the end: sessions, settlements, checks, reclaims.
pub async fn run(
	mode: Mode,
	work: Workload,
	fleet: Arc<Fleet>,
	store_dir: PathBuf,
	progress: indicatif::ProgressBar,
) -> anyhow::Result<ModeOutcome> {
	let genesis = fleet.chain.genesis_bytes();
	let mut peers = Vec::new();
	for i in 0..work.peers {
		let pair = peer_key(mode, i);
		let account = account_of(&pair);
		let path = store_dir.join(format!("{}-peer-{i}.db", mode.name()));
		let store = Peer::open(&path, account.clone(), genesis)?;
		// The first `bad_peers` peers cheat; viewers pick peers at random.
		let node = fleet.own_link().await?;
		peers.push(Arc::new(SimPeer {
			index: i,
			pair,
			account,
			bad: i < work.bad_peers,
			store: Mutex::new(store),
			node,
		}));
	}
	let resource = format!("stream-{}", mode.name()).into_bytes();
	let ctx = Arc::new(Ctx {
		mode,
		manifest: Manifest::new(&resource, work.total_chunks()),
		resource,
		work,
		fleet,
		peers,
		txs: Mutex::new(Vec::new()),
		progress,
	});

	let mut tasks = Vec::new();
	for v in 0..ctx.work.viewers {
		let ctx = ctx.clone();
		tasks.push(tokio::spawn(async move { session(ctx, v).await.with_context(|| format!("viewer {v}")) }));
	}
	let mut sessions = Vec::new();
	let mut switches = Vec::new();
	let mut pools = Vec::new();
	for task in tasks {
		let (session, mut sw, viewer_pools) = task.await??;
		sessions.push(session);
		switches.append(&mut sw);
		pools.push(viewer_pools);
	}
	if mode == Mode::PoolBatch {
		settle_batches(&ctx).await?;
	}
	let paid = check_settled(&ctx, &pools).await?;
	reclaim(&ctx, &pools, &paid).await?;
	ctx.progress.finish_with_message("done");

	let txs = ctx.txs.lock().await.clone();
	for session in &mut sessions {
		let v = session.viewer;
		let share = |reclaim_too: bool| -> f64 {
			txs.iter()
				.filter(|t| reclaim_too || !t.reclaim)
				.flat_map(|t| t.shares.iter())
				.filter(|(who, _)| *who == v)
				.map(|(_, s)| s)
				.sum()
		};
		session.tx_paper = share(false);
		session.tx_total = share(true);
		session.fees = txs
			.iter()
			.map(|t| {
				let mine: f64 = t.shares.iter().filter(|(w, _)| *w == v).map(|(_, s)| s).sum();
				let all: f64 = t.shares.iter().map(|(_, s)| s).sum();
				if all > 0.0 {
					t.fee as f64 * mine / all
				} else {
					0.0
				}
			})
			.sum();
	}
	Ok(ModeOutcome { mode, switches, sessions, txs })
}

/// One viewer's session: returns its record, its switches and its pools.
async fn session(
	ctx: Arc<Ctx>,
	v: usize,
) -> anyhow::Result<(SessionRecord, Vec<SwitchRecord>, Vec<OpenPool>)> {
	let work = &ctx.work;
	let pair = viewer_key(ctx.mode, v);
	let mut rng = StdRng::seed_from_u64(work.seed ^ (v as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
	let mut record = SessionRecord { mode: ctx.mode.name(), viewer: v, ..Default::default() };
	let mut switches = Vec::new();
	let mut pools = Vec::new();
	let total = work.total_chunks();
	let session_wall = work.wall(work.session_secs);
	// The viewer's own node connection, for its handshake proofs.
	let link = ctx.fleet.own_link().await?;
	let started = Instant::now();

	// Pool modes: one pool for the whole resource, before the first peer. It must be finalized
	// before peers accept proofs of it.
	let mut pool_viewer = None;
	if ctx.mode != Mode::Channel {
		let deposit = work.chunk_value.saturating_mul(total as Balance);
		let pool = create(&ctx, v, &pair, deposit, work.blocks_for(session_wall), Wait::Finalized).await?;
		pool_viewer = Some(Viewer::new(pair.clone(), ctx.fleet.chain.genesis_bytes(), pool.id));
		pools.push(pool);
	}

	let mut blacklist = BTreeSet::new();
	let mut distinct = BTreeSet::new();
	let mut settlements = Vec::new();
	let mut current: Option<usize> = None;
	let mut chunk = 0usize;
	let mut session_start: Option<Instant> = None;
	let due = |start: Instant, k: usize| start + work.wall(work.chunk_secs * k as f64);

	while chunk < total {
		let candidates: Vec<usize> = (0..ctx.peers.len())
			.filter(|p| !blacklist.contains(p) && Some(*p) != current)
			.collect();
		let Some(&p) = candidates.get(rng.gen_range(0..candidates.len().max(1))) else {
			// Nobody left to pull from: the rest comes from the CDN.
			record.chunks_stalled += total - chunk;
			ctx.progress.inc((total - chunk) as u64);
			break;
		};
		let peer = ctx.peers[p].clone();
		let t0 = Instant::now();
		let (pool_id, mut viewer) = match ctx.mode {
			Mode::Pool | Mode::PoolBatch => {
				let pool = &pools[0];
				handshake(&ctx, &link, pool.id, &peer).await?;
				(pool.id, None)
			},
			Mode::Channel => {
				let remaining = session_wall.saturating_sub(started.elapsed());
				let deposit = work.chunk_value.saturating_mul(work.stint_chunks() as Balance);
				let channel = create(&ctx, v, &pair, deposit, work.blocks_for(remaining), Wait::InBlock).await?;
				open_channel(&ctx, &channel, &pair, &peer).await?;
				let id = channel.id;
				pools.push(channel);
				(id, Some(Viewer::new(pair.clone(), ctx.fleet.chain.genesis_bytes(), id)))
			},
		};
		let t1 = Instant::now();
		let start = *session_start.get_or_insert_with(|| {
			record.startup_ms = t1.duration_since(started).as_secs_f64() * 1e3;
			t1
		});
		record.connections += 1;
		distinct.insert(p);
		current = Some(p);

		// Chunks that came due while switching were fetched from the CDN.
		let mut stalled = 0;
		while chunk < total && due(start, chunk) < t1 && record.connections > 1 {
			stalled += 1;
			chunk += 1;
		}
		record.chunks_stalled += stalled;
		ctx.progress.inc(stalled as u64);
		switches.push(SwitchRecord {
			mode: ctx.mode.name(),
			viewer: v,
			stint: record.connections,
			peer: p,
			bad_peer: peer.bad,
			switch_ms: t1.duration_since(t0).as_secs_f64() * 1e3,
			stalled_chunks: stalled,
		});

		let stint_end = t1 + work.wall(rng.gen_range(work.churn_secs.0..=work.churn_secs.1));
		let first_chunk = chunk;
		while chunk < total && due(start, chunk) < stint_end {
			tokio::time::sleep_until(due(start, chunk).into()).await;
			let signer = viewer.as_mut().or(pool_viewer.as_mut()).ok_or_else(|| anyhow!("no pool"))?;
			let voucher = signer.pay(&peer.account, work.chunk_value)?;
			peer.store
				.lock()
				.await
				.accept_voucher(&voucher)
				.map_err(|e| anyhow!("peer {p} refused an honest voucher: {e}"))?;
			let data = peer.serve(&ctx.manifest, chunk);
			chunk += 1;
			ctx.progress.inc(1);
			if !ctx.manifest.verify(chunk - 1, &data) {
				// Paid, got garbage: blacklist and switch; the chunk comes from the CDN.
				record.bad_peers_met += 1;
				record.bad_peer_loss = record.bad_peer_loss.saturating_add(work.chunk_value);
				record.chunks_stalled += 1;
				blacklist.insert(p);
				break;
			}
			record.chunks_paid += 1;
		}

		if chunk == first_chunk {
			record.idle_connections += 1;
		}
		// The peer leaves and settles what this viewer owes it.
		if ctx.mode != Mode::PoolBatch {
			let ctx = ctx.clone();
			settlements.push(tokio::spawn(async move { settle_one(&ctx, v, &peer, pool_id).await }));
		}
	}
	for s in settlements {
		s.await??;
	}
	record.distinct_peers = distinct.len();
	Ok((record, switches, pools))
}

/// Submits `createPool` for `deposit` (collateral 1.5×) and waits as told.
async fn create(
	ctx: &Ctx,
	v: usize,
	pair: &sr25519::Pair,
	deposit: Balance,
	duration: BlockNumber,
	wait: Wait,
) -> anyhow::Result<OpenPool> {
	let collateral = deposit.saturating_add(deposit / 2).saturating_add(1);
	ensure!(ctx.resource.len() <= constants::pool().max_resource_id_len as usize, "resource id too long");
	let call = calls().micropayment_pool().create_pool(BoundedVec(ctx.resource.clone()), deposit, collateral, duration);
	let included = ctx.fleet.submit(pair, call, wait).await?;
	let (id, expiry) = included
		.find_first::<ev::PoolCreated>()
		.map(|e| (e.pool_id, e.expiry))
		.ok_or_else(|| anyhow!("no PoolCreated event"))?;
	ctx.record("createPool", vec![(v, 1.0)], included.fee, false).await;
	Ok(OpenPool { id, deposit, collateral, expiry })
}

/// The simulated peers' limits: the paper's peers, which hold a viewer's vouchers unsettled up
/// to the deposit left and settle when the viewer leaves (or, with batches, at the end). The
/// default cap (the pool's margin) would have them settle mid-stint, as a real peer does, but
/// these figures measure the paper's protocol; everything else is the default.
fn sim_limits(work: &Workload) -> Limits {
	Limits {
		exposure_cap: Some(Balance::MAX),
		settle_margin: work.margin_blocks,
		min_serving_blocks: 1,
		..Limits::default()
	}
}

/// The off-chain handshake: the viewer proves its pool at the last finalized block, the peer
/// checks the proof against the block its own node finalized, keeps the pool's ledger and reads
/// the pool at its own head, as the policy asks before it relies on more than a first chunk.
async fn handshake(
	ctx: &Ctx,
	viewer_link: &Chain,
	pool_id: PoolId,
	peer: &SimPeer,
) -> anyhow::Result<PoolTerms> {
	// Viewer side, on the viewer's connection.
	let bytes = viewer_link.handshake_bundle(pool_id, &peer.account, None).await?.to_bytes();
	// Peer side, on the peer's: only the bytes cross.
	let bundle = HandshakeBundle::from_bytes(&bytes)?;
	let trusted = peer.node.trusted_hash(&bundle).await??;
	let head = peer.node.finalized_head().await?;
	let policy = Policy {
		me: peer.account.clone(),
		resource_id: ctx.resource.clone(),
		now: peer.node.block_number(head).await?,
		limits: sim_limits(&ctx.work),
		pallet_prefix: peer.node.pallet().prefix().to_vec(),
	};
	let verified = verify_handshake(&bundle, trusted, &policy)?;
	let view = peer.node.pool_view(pool_id, &peer.account, Some(head)).await?;
	let mut store = peer.store.lock().await;
	store.set_limits(policy.limits);
	store.record_handshake(verified.ledger)?;
	store.observe(&view, Source::Chain)?;
	Ok(verified.terms)
}

/// The channel baseline's open: the channel is in a block; the peer reads it there from its node
/// and checks it is for it to use.
async fn open_channel(
	ctx: &Ctx,
	channel: &OpenPool,
	owner: &sr25519::Pair,
	peer: &SimPeer,
) -> anyhow::Result<()> {
	let chain = &peer.node;
	let head = chain.header(None).await?;
	let at: Hash = head.hash();
	let view = chain.pool_view(channel.id, &peer.account, Some(at)).await?;
	let record = view.pool.as_ref().ok_or_else(|| anyhow!("channel {} not found at the best block", channel.id))?;
	ensure!(AccountId::from(record.owner) == account_of(owner), "channel of another owner");
	ensure!(record.deposit >= channel.deposit, "channel underfunded");
	let limits = sim_limits(&ctx.work);
	let ledger = Ledger::open(&view, Source::Chain, peer.account.as_ref(), &ctx.resource, head.block_number(), &limits)
		.map_err(|e| anyhow!("channel {}: {e}", channel.id))?;
	let mut store = peer.store.lock().await;
	store.set_limits(limits);
	store.record_handshake(ledger)?;
	Ok(())
}

/// The peer settles its best voucher of `pool_id`, if it holds one the chain has not paid.
async fn settle_one(ctx: &Ctx, v: usize, peer: &SimPeer, pool_id: PoolId) -> anyhow::Result<()> {
	let Some(signed) = peer.store.lock().await.unsettled(pool_id) else { return Ok(()) };
	let call = calls().micropayment_pool().settle(
		pool_id,
		signed.voucher.amount,
		signed.signature.clone(),
	);
	let included = ctx
		.fleet
		.submit(&peer.pair, call, Wait::InBlock)
		.await
		.with_context(|| format!("peer {} settling pool {pool_id}", peer.index))?;
	let paid = included.find_first::<ev::Settled>().map(|e| e.paid).ok_or_else(|| anyhow!("no Settled event"))?;
	peer.store.lock().await.mark_settled(pool_id, signed.voucher.amount, paid)?;
	ctx.record("settle", vec![(v, 1.0)], included.fee, false).await;
	Ok(())
}

/// `pool-batch`: every peer settles all it earned, from every viewer, in one transaction.
async fn settle_batches(ctx: &Arc<Ctx>) -> anyhow::Result<()> {
	let owners: BTreeMap<AccountId, usize> =
		(0..ctx.work.viewers).map(|v| (account_of(&viewer_key(ctx.mode, v)), v)).collect();
	let mut tasks = Vec::new();
	for peer in &ctx.peers {
		let (ctx, peer, owners) = (ctx.clone(), peer.clone(), owners.clone());
		tasks.push(tokio::spawn(async move {
			let unsettled: Vec<(usize, SignedVoucher)> = {
				let store = peer.store.lock().await;
				store
					.pools()
					.iter()
					.filter_map(|(id, entry)| {
						let viewer = *owners.get(&entry.owner())?;
						Some((viewer, store.unsettled(*id)?))
					})
					.collect()
			};
			for part in unsettled.chunks(256) {
				let items: Vec<_> = part
					.iter()
					.map(|(_, s)| SettlementItem {
						pool_id: s.voucher.pool_id,
						amount: s.voucher.amount,
						signature: s.signature.clone(),
					})
					.collect();
				ensure!(items.len() <= constants::pool().max_batch as usize, "batch above MaxBatch");
				let call = calls().micropayment_pool().settle_batch(BoundedVec(items));
				let included = ctx.fleet.submit(&peer.pair, call, Wait::InBlock).await?;
				let failed = included.find::<ev::SettlementFailed>().len();
				ensure!(failed == 0, "peer {}: {failed} vouchers of its batch failed", peer.index);
				let paid: BTreeMap<PoolId, Balance> =
					included.find::<ev::Settled>().into_iter().map(|e| (e.pool_id, e.paid)).collect();
				let mut store = peer.store.lock().await;
				for (_, s) in part {
					let paid = paid.get(&s.voucher.pool_id).copied().unwrap_or_default();
					store.mark_settled(s.voucher.pool_id, s.voucher.amount, paid)?;
				}
				let share = 1.0 / part.len() as f64;
				ctx.record("settleBatch", part.iter().map(|(v, _)| (*v, share)).collect(), included.fee, false)
					.await;
			}
			anyhow::Ok(())
		}));
	}
	for t in tasks {
		t.await??;
	}
	Ok(())
}

/// No payment was lost: the chain paid every peer exactly the best voucher it accepted.
/// Returns what each pool paid in all.
async fn check_settled(
	ctx: &Ctx,
	pools: &[Vec<OpenPool>],
) -> anyhow::Result<BTreeMap<PoolId, Balance>> {
	let chain = &ctx.fleet.chain;
	let ids: BTreeSet<PoolId> = pools.iter().flatten().map(|p| p.id).collect();
	let mut totals = BTreeMap::new();
	for peer in &ctx.peers {
		let held: Vec<(PoolId, Balance)> = {
			let store = peer.store.lock().await;
			store
				.pools()
				.iter()
				.filter(|(id, _)| ids.contains(id))
				.map(|(id, e)| (*id, e.best_amount()))
				.collect()
		};
		for (id, best) in held {
			let paid = chain.paid(id, &peer.account, None).await?;
			if paid != best {
				bail!("peer {} holds a voucher of {best} for pool {id}, the chain paid {paid}", peer.index);
			}
			let total: &mut Balance = totals.entry(id).or_default();
			*total = total.saturating_add(paid);
		}
	}
	Ok(totals)
}

/// After the settlement window (expiry + grace) the viewers close their pools; each refund
/// must be exactly what was not paid.
async fn reclaim(
	ctx: &Ctx,
	pools: &[Vec<OpenPool>],
	paid: &BTreeMap<PoolId, Balance>,
) -> anyhow::Result<()> {
	let chain = &ctx.fleet.chain;
	// The first block at which every pool may close.
	let last = pools.iter().flatten().map(|p| settle_by(p.expiry)).max().unwrap_or(0);
	ctx.progress.set_message(format!("waiting for block {last} to reclaim"));
	// A transaction submitted now executes in the block after the best one.
	while chain.best_number().await?.saturating_add(1) < last {
		tokio::time::sleep(Duration::from_secs(1)).await;
	}
	let mut tasks = Vec::new();
	for (v, viewer_pools) in pools.iter().enumerate() {
		let pair = viewer_key(ctx.mode, v);
		for pool in viewer_pools.clone() {
			let (fleet, pair) = (ctx.fleet.clone(), pair.clone());
			let paid = paid.get(&pool.id).copied().unwrap_or(0);
			tasks.push(tokio::spawn(async move {
				let call = calls().micropayment_pool().close_pool(pool.id);
				let included = fleet.submit(&pair, call, Wait::InBlock).await?;
				let refund = included
					.find_first::<ev::PoolClosed>()
					.map(|e| (e.refunded_deposit, e.refunded_collateral, e.slashed));
				let unpaid = pool.deposit.checked_sub(paid).ok_or_else(|| anyhow!("pool {} paid more than its deposit", pool.id))?;
				ensure!(
					refund == Some((unpaid, pool.collateral, 0)),
					"pool {}: refund {refund:?}, expected the unpaid {unpaid} and the collateral {}",
					pool.id,
					pool.collateral
				);
				anyhow::Ok((v, included.fee))
			}));
		}
	}
	for t in tasks {
		let (v, fee) = t.await??;
		ctx.record("closePool", vec![(v, 1.0)], fee, true).await;
	}
	Ok(())
}
