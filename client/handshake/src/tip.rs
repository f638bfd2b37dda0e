//! Settlements that block stuffing cannot keep out cheaply: the tip a peer adds as its
//! settlement deadline approaches. The argument and the figures are in docs/security.md.
//!
//! A block author takes ready transactions in priority order, and pallet-transaction-payment
//! gives a normal transaction the priority `(tip + 1) · n`, `n` = how many transactions of its
//! size fit in a block ([`tx_per_block`]). To keep a settlement of priority `p` out of a block, a
//! censor must fill the block's normal class (¾ of it on the demo chains) with transactions of
//! priority above `p`: whatever their size, their tips add up to at least about `¾ · p`. Over the
//! last [`crate::policy::Limits::tip_blocks`] blocks of the window the peer tips
//! [`settlement_tip`], so censoring all of them costs more than `1.5 × stake`, while the peer,
//! whose one settlement lands, pays a single tip of `2 · stake / (tip_blocks · n)`.

use crate::policy::Limits;

/// How many transactions of `weight` (ref time, proof size) and `len` bytes fit in a block whose
/// limits are `max_block` (ref time, proof size) and `max_len` bytes: the factor
/// pallet-transaction-payment scales a tip by to prioritise it (`get_priority`). At least 1.
pub fn tx_per_block(max_block: (u64, u64), max_len: u64, weight: (u64, u64), len: u64) -> u64 {
	let by_ref_time = max_block.0 / weight.0.clamp(1, max_block.0.max(1));
	let by_proof = max_block.1 / weight.1.clamp(1, max_block.1.max(1));
	let by_len = max_len / len.clamp(1, max_len.max(1));
	by_ref_time.min(by_proof).min(by_len).max(1)
}

/// The tip for a settlement submitted when `blocks_left` blocks of its window remain (blocks
/// before `expiry + SettlementGrace`), guarding `stake` (what censoring it would save the
/// viewer: the collateral plus the amount settled), for a transaction of which `per_block` fit
/// in a block. Zero until the last `limits.tip_blocks` blocks; there,
/// `⌈2 · stake / (tip_blocks · per_block)⌉`, so that a censor outbidding it in each of those
/// blocks pays more than `1.5 · stake` in tips.
pub fn settlement_tip(stake: u128, blocks_left: u32, per_block: u64, limits: &Limits) -> u128 {
	if limits.tip_blocks == 0 || blocks_left > limits.tip_blocks {
		return 0;
	}
	let spread = u128::from(limits.tip_blocks).saturating_mul(u128::from(per_block.max(1)));
	stake.saturating_mul(2).div_ceil(spread)
}

/// What a censor spends, at least, to keep a settlement of tip `tip` (of which `per_block` fit in
/// a block) out of one block whose normal class is `normal_ppm` parts per million of it: tips
/// of priority above the settlement's over the whole normal class.
pub fn censor_cost_per_block(tip: u128, per_block: u64, normal_ppm: u32) -> u128 {
	let priority = tip.saturating_add(1).saturating_mul(u128::from(per_block));
	crate::policy::mul_ppm(priority, normal_ppm)
}
