//! Storage keys of the pallet's records, so that a client can ask a node for a storage proof
//! (`state_getReadProof`) and check it without the runtime's metadata.
//!
//! `Pools` is keyed `Twox64Concat(pool_id)`; `Paid` is keyed `Twox64Concat(pool_id)`,
//! `Blake2_128Concat(target)`. The pallet's tests assert these equal FRAME's own keys.

use crate::{Bytes32, PoolId};
use sp_crypto_hashing::{blake2_128, twox_128, twox_64};

/// The pallet's name in the demo runtime: the default storage prefix.
pub const PALLET_PREFIX: &[u8] = b"MicropaymentPool";

/// Length of [`pool_key`]: two 16-byte prefixes, an 8-byte hash and the 8-byte id.
pub const POOL_KEY_LEN: usize = 48;
/// Length of [`paid_key`]: [`POOL_KEY_LEN`] plus a 16-byte hash and the 32-byte account.
pub const PAID_KEY_LEN: usize = 96;
/// Length of [`owner_pools_key`]: two 16-byte prefixes, a 16-byte hash and the 32-byte account.
pub const OWNER_POOLS_KEY_LEN: usize = 80;

fn map_key<const N: usize>(pallet_prefix: &[u8], storage: &[u8], suffix: &[&[u8]]) -> [u8; N] {
	let mut key = [0u8; N];
	let mut at = 0;
	for part in [&twox_128(pallet_prefix)[..], &twox_128(storage)[..]]
		.into_iter()
		.chain(suffix.iter().copied())
	{
		key[at..at + part.len()].copy_from_slice(part);
		at += part.len();
	}
	key
}

/// Key of `Pools[pool_id]` under the pallet named `pallet_prefix` (usually [`PALLET_PREFIX`]).
pub fn pool_key(pallet_prefix: &[u8], pool_id: PoolId) -> [u8; POOL_KEY_LEN] {
	let id = pool_id.to_le_bytes();
	map_key(pallet_prefix, b"Pools", &[&twox_64(&id), &id])
}

/// Key of `Paid[pool_id][target]` under the pallet named `pallet_prefix`.
pub fn paid_key(pallet_prefix: &[u8], pool_id: PoolId, target: &Bytes32) -> [u8; PAID_KEY_LEN] {
	let id = pool_id.to_le_bytes();
	map_key(pallet_prefix, b"Paid", &[&twox_64(&id), &id, &blake2_128(target), target])
}

/// Key of `OwnerPools[owner]` (the owner's open pool ids) under the pallet named
/// `pallet_prefix`.
pub fn owner_pools_key(pallet_prefix: &[u8], owner: &Bytes32) -> [u8; OWNER_POOLS_KEY_LEN] {
	map_key(pallet_prefix, b"OwnerPools", &[&blake2_128(owner), owner])
}
