//! The JSON files earlier versions kept the store in (version 1: terms, best voucher, settled;
//! version 2: the policy's ledger as SCALE hex and the best voucher as a token), read once to
//! move them into the database.

use super::PoolEntry;
use crate::{
	verify::{decode_hex, SignedVoucher},
	AccountId, Balance, BlockNumber, PoolId,
};
use codec::DecodeAll;
use micropayment_pool_handshake::{abi::Legacy, Ledger};
use serde::Deserialize;
use std::collections::BTreeMap;

/// What a JSON store holds.
pub(super) struct JsonStore {
	pub version: u32,
	pub me: AccountId,
	pub genesis_hash: String,
	pub pools: BTreeMap<PoolId, PoolEntry>,
}

/// Whether `bytes` look like a JSON store rather than a database: a JSON object.
pub(super) fn is_json(bytes: &[u8]) -> bool {
	bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Parses a JSON store of version 1 or 2.
pub(super) fn parse(bytes: &[u8]) -> Result<JsonStore, String> {
	let parse = |e: serde_json::Error| format!("does not parse: {e}");
	let StoreVersion { version } = serde_json::from_slice(bytes).map_err(parse)?;
	let (me, genesis_hash, pools) = match version {
		1 => {
			let file: StoreFile<EntryV1> = serde_json::from_slice(bytes).map_err(parse)?;
			let pools = file
				.pools
				.into_iter()
				.map(|(id, e)| e.entry().map(|e| (id, e)))
				.collect::<Result<_, _>>()?;
			(file.me, file.genesis_hash, pools)
		},
		2 => {
			let file: StoreFile<EntryV2> = serde_json::from_slice(bytes).map_err(parse)?;
			let pools = file
				.pools
				.iter()
				.map(|(id, e)| e.entry().map(|e| (*id, e)))
				.collect::<Result<_, _>>()?;
			(file.me, file.genesis_hash, pools)
		},
		other => return Err(format!("unknown version {other}")),
	};
	Ok(JsonStore { version, me, genesis_hash, pools })
}

#[derive(Deserialize)]
struct StoreFile<E> {
	me: AccountId,
	genesis_hash: String,
	pools: BTreeMap<PoolId, E>,
}

/// The version field alone, read first to pick the layout.
#[derive(Deserialize)]
struct StoreVersion {
	version: u32,
}

/// A version-2 entry: the ledger as SCALE hex (the bytes the JS SDK keeps), the best voucher as a
/// token.
#[derive(Deserialize)]
struct EntryV2 {
	ledger: String,
	best: Option<String>,
}

impl EntryV2 {
	fn entry(&self) -> Result<PoolEntry, String> {
		let bytes = decode_hex(&self.ledger)?;
		let ledger = Ledger::decode_all(&mut &bytes[..]).map_err(|e| format!("ledger: {e}"))?;
		let best = self.best.as_deref().map(SignedVoucher::from_hex).transpose()?;
		Ok(PoolEntry { ledger, best })
	}
}

/// A version-1 entry: its handshake terms, best voucher and what was settled.
#[derive(Deserialize)]
struct EntryV1 {
	terms: TermsV1,
	best: Option<String>,
	#[serde(with = "crate::handshake::u128_string")]
	settled: Balance,
}

#[derive(Deserialize)]
struct TermsV1 {
	pool_id: PoolId,
	owner: AccountId,
	#[serde(default)]
	signer: Option<AccountId>,
	#[serde(with = "crate::handshake::hex_bytes")]
	resource_id: Vec<u8>,
	expiry: BlockNumber,
}

impl EntryV1 {
	/// A version-1 entry as a ledger that settles its best voucher and serves on no terms until
	/// a new view of the pool ([`Legacy`]).
	fn entry(self) -> Result<PoolEntry, String> {
		let best = self.best.as_deref().map(SignedVoucher::from_hex).transpose()?;
		let t = self.terms;
		let legacy = Legacy {
			pool_id: t.pool_id,
			owner: *t.owner.as_ref(),
			signer: *t.signer.unwrap_or_else(|| t.owner.clone()).as_ref(),
			resource_id: t.resource_id,
			expiry: t.expiry,
			settled: self.settled,
			best: best.as_ref().map_or(self.settled, |v| v.voucher.amount),
		};
		Ok(PoolEntry { ledger: legacy.ledger(), best })
	}
}
