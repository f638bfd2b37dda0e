//! A peer with its own node: admitting a viewer's handshake bundle (checked against what the
//! node finalized, then confirmed at its head), following a pool there, and settling the best
//! voucher it holds — with the peer policy's tip in the last blocks of the window — then
//! recording in its store what the chain paid. The `mpool` CLI and the `mpool-peer` daemon both
//! go through here, so a peer behaves the same whichever it runs.

use crate::{
	api::{pool_events as ev, runtime::tx as calls, BoundedVec, SettlementItem},
	chain::{to_account, Landed, TipRule, MORTALITY},
	handshake::{verify_handshake, HandshakeBundle, HandshakeError, Policy, Verified},
	peer::{Peer, VoucherError},
	AccountId, Balance, BlockNumber, Chain, ChainError, Hash, Ledger, Limits,
	PoolId, SignedVoucher, Source, Wait,
};
use sp_core::{sr25519, Pair};

/// What one settlement did on chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
	pub pool_id: PoolId,
	/// The voucher's cumulative amount: what the chain now records as paid to the peer.
	pub amount: Balance,
	/// What this settlement paid out: the increment over what was recorded before, or less if the
	/// pool was overdrawn.
	pub paid: Balance,
	/// The fee the peer paid, tip included.
	pub fee: Balance,
	pub tip: Balance,
	/// Every offer of the transaction, the one that landed last: the best block it was made at
	/// and its tip (see [`Chain::offer`]). Empty for a voucher of a batch.
	pub offers: Vec<(BlockNumber, Balance)>,
	/// Short of deposit, the owner double-spent: the shortfall and how much of it the
	/// compensation pot paid (the demo chains keep none).
	pub overdrawn: Option<(Balance, Balance)>,
	pub block_hash: Hash,
}

/// What one `settle_batch` did: each voucher's settlement (their `fee` and `tip` are zero: the
/// batch paid one fee) or failure, and the batch's fee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchSettlement {
	pub settled: Vec<Settlement>,
	/// Vouchers the chain refused, each with the pallet's error as the event gave it; nothing of
	/// them changed on chain.
	pub failed: Vec<(PoolId, Balance, String)>,
	pub fee: Balance,
	pub block_hash: Hash,
}

/// A peer's step with the chain failed: the chain's error, the policy's refusal of a bundle,
/// or its store's error.
#[derive(Debug, thiserror::Error)]
pub enum PeerChainError {
	#[error(transparent)]
	Chain(#[from] ChainError),
	#[error(transparent)]
	Refused(#[from] HandshakeError),
	#[error(transparent)]
	Store(#[from] VoucherError),
}

/// A bundle a peer admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admitted {
	/// What the bundle proves, as verified.
	pub verified: Verified,
	/// The pool's ledger after the pool as the node's finalized head shows it: what the peer
	/// relies on.
	pub ledger: Ledger,
	/// The node's finalized head, where the pool was read.
	pub head: Hash,
	/// Its number: the peer's "now".
	pub now: BlockNumber,
}

/// Admits a viewer's bundle for `resource`: verified against `trusted` (by default the hash the
/// peer's node finalized at the bundle's height) under the policy at the node's finalized head,
/// then confirmed by the pool as that head shows it, which must pass the same rules — a bundle
/// only makes the first answer instant. With a store, the pool's ledger is recorded there.
pub async fn admit(
	chain: &Chain,
	bundle: &HandshakeBundle,
	me: &AccountId,
	resource: &[u8],
	limits: &Limits,
	trusted: Option<Hash>,
	peer: Option<&mut Peer>,
) -> Result<Admitted, PeerChainError> {
	let trusted = match trusted {
		Some(hash) => hash,
		None => chain.trusted_hash(bundle).await??,
	};
	// The peer's head: the block its node finalized last (freshness is measured from it).
	let head = chain.finalized_head().await?;
	let now = chain.block_number(head).await?;
	let policy = Policy {
		me: me.clone(),
		resource_id: resource.to_vec(),
		now,
		limits: *limits,
		pallet_prefix: chain.pallet().prefix().to_vec(),
	};
	let verified = verify_handshake(bundle, trusted, &policy)?;
	let view = chain.pool_view(bundle.pool_id, me, Some(head)).await?;
	let mut ledger = verified.ledger.clone();
	ledger.observe(&view, Source::Chain).map_err(HandshakeError::from)?;
	Ledger::open(&view, Source::Chain, me.as_ref(), resource, now, limits)
		.map_err(HandshakeError::from)?;
	if let Some(peer) = peer {
		peer.record_handshake(ledger.clone())?;
	}
	Ok(Admitted { verified, ledger, head, now })
}

impl Chain {
	/// How a settlement of `amount` of `pool_id` by `signer` with `call` is offered: until its
	/// deadline (`expiry + SettlementGrace`) with `tip`, or with the peer policy's tip, zero until
	/// the last blocks of the window and then enough that stuffing blocks to keep it out costs
	/// more than the pool's collateral and what is owed (docs/security.md, "Censorship"). A pool
	/// the chain does not have, or whose window is over, gets one untipped offer over the
	/// transaction's mortality: the chain refuses it by name.
	async fn settlement_terms<C: subxt::transactions::Payload>(
		&self,
		signer: &sr25519::Pair,
		call: &C,
		pool_id: PoolId,
		amount: Balance,
		tip: Option<Balance>,
		limits: &Limits,
	) -> Result<(TipRule, BlockNumber), ChainError> {
		let me: AccountId = signer.public().into();
		let best = self.best_number().await?;
		let refused = (TipRule::Fixed(tip.unwrap_or(0)), best.saturating_add(MORTALITY as BlockNumber));
		let Some(pool) = self.pool(pool_id, None).await? else {
			return Ok(refused);
		};
		let deadline = self.settle_by(pool.expiry);
		if deadline <= best.saturating_add(1) {
			return Ok(refused);
		}
		if let Some(tip) = tip {
			return Ok((TipRule::Fixed(tip), deadline));
		}
		let paid = self.paid(pool_id, &me, None).await?;
		let probe = Self::sign(&self.at_finalized().await?, signer, call, 0)?;
		let per_block = self.tx_per_block(&probe).await?;
		let stake = pool.collateral.saturating_add(amount.saturating_sub(paid));
		Ok((TipRule::Settlement { stake, per_block, limits: *limits }, deadline))
	}

	/// Settles `signed` as `signer` (the voucher's target) and waits as told: with `tip`, or as
	/// the peer policy says (`None`): offered untipped, then, while it is still out in the last
	/// blocks of the window, signed again with the same nonce and the policy's tip for the blocks
	/// left, replacing the offer in the node's pool ([`Chain::offer`]). Fails with the pallet's
	/// error by name if the chain refuses it, or [`ChainError::KeptOut`] if no offer got into a
	/// block of the window.
	pub async fn settle_voucher(
		&self,
		signer: &sr25519::Pair,
		signed: &SignedVoucher,
		tip: Option<Balance>,
		limits: &Limits,
		wait: Wait,
	) -> Result<Settlement, ChainError> {
		let me: AccountId = signer.public().into();
		let (pool_id, amount) = (signed.voucher.pool_id, signed.voucher.amount);
		let call = calls().micropayment_pool().settle(pool_id, amount, signed.signature.clone());
		let (rule, deadline) = self.settlement_terms(signer, &call, pool_id, amount, tip, limits).await?;
		let Landed { included, tip, offers } = self.offer(signer, &call, rule, deadline, wait).await?;
		let paid = included
			.find_first::<ev::Settled>()
			.map(|e| e.paid)
			.ok_or_else(|| ChainError::Decode("a settlement without its Settled event".into()))?;
		let overdrawn = included
			.find::<ev::PoolOverdrawn>()
			.into_iter()
			.find(|e| to_account(&e.victim) == me)
			.map(|e| (e.shortfall, e.compensation));
		Ok(Settlement {
			pool_id,
			amount,
			paid,
			fee: included.fee,
			tip,
			offers,
			overdrawn,
			block_hash: included.block_hash,
		})
	}
}

impl Chain {
	/// Settles `vouchers` (each the best of a different pool, all paying `signer`) in one
	/// `settle_batch`, untipped, and waits as told: one fee for all, each voucher applied on its
	/// own (a refused one changes nothing and the others still settle). At most `MaxBatch`
	/// vouchers. The batch is offered until block `until` ([`Chain::offer`]; then
	/// [`ChainError::KeptOut`]): the caller picks the block where the first of its vouchers needs
	/// a tip, and settles that one with [`Chain::settle_voucher`], whose tip is sized for its own
	/// pool and whose offer replaces the batch's in the node's pool (same nonce).
	pub async fn settle_vouchers(
		&self,
		signer: &sr25519::Pair,
		vouchers: &[SignedVoucher],
		until: BlockNumber,
		wait: Wait,
	) -> Result<BatchSettlement, ChainError> {
		let me: AccountId = signer.public().into();
		let items = vouchers
			.iter()
			.map(|s| SettlementItem {
				pool_id: s.voucher.pool_id,
				amount: s.voucher.amount,
				signature: s.signature.clone(),
			})
			.collect();
		let call = calls().micropayment_pool().settle_batch(BoundedVec(items));
		let Landed { included, .. } = self.offer(signer, &call, TipRule::Fixed(0), until, wait).await?;
		let overdrawn: Vec<_> = included
			.find::<ev::PoolOverdrawn>()
			.into_iter()
			.filter(|e| to_account(&e.victim) == me)
			.map(|e| (e.pool_id, (e.shortfall, e.compensation)))
			.collect();
		let settled = included
			.find::<ev::Settled>()
			.into_iter()
			.map(|e| Settlement {
				pool_id: e.pool_id,
				amount: e.amount,
				paid: e.paid,
				fee: 0,
				tip: 0,
				offers: Vec::new(),
				overdrawn: overdrawn.iter().find(|(id, _)| *id == e.pool_id).map(|(_, o)| *o),
				block_hash: included.block_hash,
			})
			.collect();
		let failed = included
			.find::<ev::SettlementFailed>()
			.into_iter()
			.map(|e| (e.pool_id, e.amount, format!("{:?}", e.error)))
			.collect();
		Ok(BatchSettlement { settled, failed, fee: included.fee, block_hash: included.block_hash })
	}

	/// Submits `reap_paid(pool_id, limit)` as `signer` without waiting for it: it removes up to
	/// `limit` `Paid` records of a closed pool and returns their storage deposits to their
	/// peers. Returns the transaction's hash. Whether it landed shows in the state: the records
	/// are gone ([`Chain::paid`] is zero).
	pub async fn submit_reap(
		&self,
		signer: &sr25519::Pair,
		pool_id: PoolId,
		limit: u32,
	) -> Result<Hash, ChainError> {
		let call = calls().micropayment_pool().reap_paid(pool_id, limit);
		let nonce = self.next_nonce(&signer.public().into()).await?;
		let at = self.at_finalized().await?;
		self.submit_only(&Self::sign(&at, signer, &call, nonce)?).await
	}
}

/// Reads `pool_id` at the node's finalized head and gives it to `peer` as its own chain's view,
/// which confirms a viewer's bundle and follows the pool (drained, overdrawn, closed), and moves
/// the peer's head there. A pool the peer never shook hands with is left alone: its store
/// refuses that pool's vouchers by name.
pub async fn follow(chain: &Chain, peer: &mut Peer, pool_id: PoolId) -> Result<(), PeerChainError> {
	if !peer.pools().contains_key(&pool_id) {
		return Ok(());
	}
	let view = chain.pool_view(pool_id, &peer.me().clone(), None).await?;
	peer.set_head(view.block);
	peer.observe(&view, Source::Chain)?;
	Ok(())
}
