//! Runtime API of the micropayment pool, for clients that should not decode storage or
//! re-implement the voucher encoding (polkadot.js: `api.call.micropaymentPoolApi.*`).

#![cfg_attr(not(feature = "std"), no_std)]

use codec::Codec;
pub use pallet_micropayment_pool::{Claim, Pool, PoolId, PAYLOAD_LEN};

sp_api::decl_runtime_apis! {
	/// Queries of the micropayment pool.
	///
	/// `PoolRecord` is the pallet's `PoolOf<Runtime>`, `Error` its `Error<Runtime>`.
	///
	/// Version 2: `PoolRecord` gained `total_deposit`, `Claim` gained `slashed`, and
	/// `claimable` can name the new errors (`SelfPayment`, a settlement window's `PoolExpired`).
	#[api_version(2)]
	pub trait MicropaymentPoolApi<AccountId, Balance, PoolRecord, Error>
	where
		AccountId: Codec,
		Balance: Codec,
		PoolRecord: Codec,
		Error: Codec,
	{
		/// The open pool `pool_id`, if any.
		fn pool(pool_id: PoolId) -> Option<PoolRecord>;

		/// The cumulative amount settled to `target` from `pool_id` (zero if none).
		fn paid(pool_id: PoolId, target: AccountId) -> Balance;

		/// What settling a voucher of `amount` for `target` from `pool_id` would pay at this
		/// block, or the pallet error it would hit (the signature is not checked).
		fn claimable(pool_id: PoolId, target: AccountId, amount: Balance) -> Result<Claim<Balance>, Error>;

		/// The exact bytes a pool owner signs to owe `target` a cumulative `amount` from
		/// `pool_id` on this chain (genesis hash included): sign them raw or `<Bytes>`-wrapped.
		///
		/// A fixed-size array rather than a `Vec<u8>`: polkadot.js keeps a runtime call's
		/// `Vec<u8>` result with its SCALE length prefix, so a wallet would sign the wrong bytes;
		/// `[u8; 104]` reaches every client as exactly the payload.
		fn voucher_payload(pool_id: PoolId, target: AccountId, amount: Balance) -> [u8; PAYLOAD_LEN];
	}
}
