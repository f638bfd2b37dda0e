//! Where a runtime keeps the pool pallet, and the constants the off-chain rules use.
//!
//! A chain builder names the pallet in `construct_runtime!` and sets its constants; the demo
//! runtimes' choices (the checked-in metadata this crate's [`crate::api`] is generated from) are
//! only a default. [`PoolPallet::find`] recognises the pallet in a chain's metadata by what it
//! holds — its storage items and constants, the rule the JS SDK applies too — not by its name, so the same tools sign, read, prove
//! and decode events on a runtime that calls it `Micropayments` (the demo parachain does) or sets
//! another `MaxBatch`.

use crate::BlockNumber;
use codec::Decode;
use std::sync::OnceLock;
use subxt::{
	events::{DecodeAsEvent, Event},
	metadata::{Metadata, PalletMetadata},
	transactions::{Payload, ValidationDetails},
};

/// The pallet's name in the metadata [`crate::api`] was generated from: what the generated
/// calls and events carry, and what [`PoolCall`] and [`PoolPallet::decode`] translate.
pub const GENERATED_NAME: &str = "MicropaymentPool";

/// The storage items and constants a pallet must have to be taken for the pool pallet.
const STORAGE: [&str; 3] = ["Pools", "Paid", "OwnerPools"];
const CONSTANTS: [&str; 4] = ["SettlementGrace", "CompensationShare", "MaxBatch", "MaxResourceIdLen"];

/// The pallet constants the client's rules depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolConstants {
	/// `SettlementGrace`: blocks after expiry during which vouchers still settle.
	pub settlement_grace: BlockNumber,
	/// `CompensationShare`, in parts per billion.
	pub compensation_share: u32,
	/// `MaxBatch`: most vouchers in one `settle_batch`.
	pub max_batch: u32,
	/// `MaxResourceIdLen`.
	pub max_resource_id_len: u32,
}

impl PoolConstants {
	/// Reads them from the pallet's metadata; `None` if a constant is missing or not a `u32`.
	fn from_pallet(pallet: &PalletMetadata<'_>) -> Option<Self> {
		let get = |name: &str| {
			let value = pallet.constant_by_name(name)?.value();
			u32::decode(&mut &value[..]).ok()
		};
		Some(Self {
			settlement_grace: get("SettlementGrace")?,
			compensation_share: get("CompensationShare")?,
			max_batch: get("MaxBatch")?,
			max_resource_id_len: get("MaxResourceIdLen")?,
		})
	}
}

/// The pool pallet of one runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolPallet {
	/// Its name in `construct_runtime!`: what calls and events are addressed by.
	pub name: String,
	/// Its storage prefix: what the keys of its records (and so the handshake's proofs) hash.
	pub storage_prefix: String,
	pub constants: PoolConstants,
}

/// Why a runtime's metadata has no usable pool pallet.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PalletError {
	#[error("the runtime has no pallet with the pool's storage ({}) and constants ({})", STORAGE.join(", "), CONSTANTS.join(", "))]
	Missing,
	#[error("the runtime has several pallets with the pool's storage and constants: {0:?}")]
	Ambiguous(Vec<String>),
	#[error("pallet {0}'s pool constants are not u32s")]
	Constants(String),
}

impl PoolPallet {
	/// The one pallet of `metadata` with the pool's storage items and constants, whatever its
	/// name.
	pub fn find(metadata: &Metadata) -> Result<Self, PalletError> {
		let pallet = Self::metadata_of(metadata)?;
		// `is_pool` found the storage items, so the pallet has storage.
		let storage_prefix = pallet.storage().map(|s| s.prefix().to_owned()).ok_or(PalletError::Missing)?;
		let constants =
			PoolConstants::from_pallet(&pallet).ok_or_else(|| PalletError::Constants(pallet.name().into()))?;
		Ok(Self { name: pallet.name().to_owned(), storage_prefix, constants })
	}

	/// The name of the pool pallet in `metadata`: what [`PoolCall`] addresses a call to.
	pub fn name_in(metadata: &Metadata) -> Result<&str, PalletError> {
		Self::metadata_of(metadata).map(|p| p.name())
	}

	fn metadata_of(metadata: &Metadata) -> Result<PalletMetadata<'_>, PalletError> {
		let mut found = metadata.pallets().filter(is_pool);
		let first = found.next().ok_or(PalletError::Missing)?;
		let rest: Vec<_> = found.map(|p| p.name().to_owned()).collect();
		if !rest.is_empty() {
			return Err(PalletError::Ambiguous(
				std::iter::once(first.name().to_owned()).chain(rest).collect(),
			));
		}
		Ok(first)
	}

	/// The demo runtimes' pallet, from the metadata [`crate::api`] was generated from: what the
	/// offline helpers ([`crate::settle_by`]) assume when no chain is at hand.
	pub fn demo() -> &'static PoolPallet {
		static DEMO: OnceLock<PoolPallet> = OnceLock::new();
		DEMO.get_or_init(|| {
			let bytes: &[u8] = include_bytes!("../metadata/micropayment-pool.scale");
			let metadata = Metadata::decode(&mut &bytes[..])
				.expect("the checked-in metadata decoded at build time in `api`; qed");
			Self::find(&metadata)
				.expect("`runtime/tests/metadata.rs` checks the file is the runtime's, which has the pallet; qed")
		})
	}

	/// The storage prefix as the bytes the keys of [`micropayment_pool_primitives::keys`] hash.
	pub fn prefix(&self) -> &[u8] {
		self.storage_prefix.as_bytes()
	}

	/// `call` (built with [`crate::api`]) addressed to this pallet.
	pub fn call<'a, C: Payload>(&'a self, call: &'a C) -> PoolCall<'a, C> {
		PoolCall { call, pallet: &self.name }
	}

	/// Whether `event` is the pool event `E` of [`crate::api::pool_events`] emitted by this
	/// pallet, or an event `E` of another pallet the generated API knows by the same name.
	pub fn is<E: DecodeAsEvent, T: subxt::Config>(&self, event: &Event<'_, T>) -> bool {
		if event.pallet_name() == self.name {
			E::is_event(GENERATED_NAME, event.event_name())
		} else {
			event.pallet_name() != GENERATED_NAME && E::is_event(event.pallet_name(), event.event_name())
		}
	}

	/// `event` decoded as `E` when [`PoolPallet::is`] says it is one.
	pub fn decode<E: DecodeAsEvent, T: subxt::Config>(&self, event: &Event<'_, T>) -> Option<E> {
		self.is::<E, T>(event).then(|| event.decode_fields_unchecked_as::<E>().ok()).flatten()
	}
}

fn is_pool(pallet: &PalletMetadata<'_>) -> bool {
	CONSTANTS.iter().all(|name| pallet.constant_by_name(name).is_some()) &&
		pallet
			.storage()
			.is_some_and(|s| STORAGE.iter().all(|item| s.entry_by_name(item).is_some()))
}

/// A generated pool call, addressed to the pallet's name in the connected runtime. Other calls
/// pass through unchanged. subxt still checks the call's shape against the runtime's metadata
/// before signing it (the generated validation hash covers the call, not the pallet's name).
pub struct PoolCall<'a, C> {
	call: &'a C,
	pallet: &'a str,
}

impl<'a, C: Payload> PoolCall<'a, C> {
	/// `call` addressed to the pool pallet `pallet` when it is a pool call.
	pub fn new(call: &'a C, pallet: &'a str) -> Self {
		Self { call, pallet }
	}

	fn pallet(&self) -> &str {
		if self.call.pallet_name() == GENERATED_NAME {
			self.pallet
		} else {
			self.call.pallet_name()
		}
	}
}

impl<C: Payload> Payload for PoolCall<'_, C> {
	type CallData = C::CallData;

	fn pallet_name(&self) -> &str {
		self.pallet()
	}

	fn call_name(&self) -> &str {
		self.call.call_name()
	}

	fn call_data(&self) -> &Self::CallData {
		self.call.call_data()
	}

	fn validation_details(&self) -> Option<ValidationDetails<'_>> {
		let details = self.call.validation_details()?;
		Some(ValidationDetails { pallet_name: self.pallet(), ..details })
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use subxt::ext::frame_metadata::{self, v16::RuntimeMetadataV16};

	#[test]
	fn the_demo_metadata_has_one_pool_pallet() {
		let demo = PoolPallet::demo();
		assert_eq!((demo.name.as_str(), demo.storage_prefix.as_str()), ("MicropaymentPool", "MicropaymentPool"));
		assert_eq!((demo.constants.settlement_grace, demo.constants.max_batch), (5, 256));
	}

	/// The checked-in metadata changed by `change` (and re-encoded), as a chain builder's runtime
	/// would present it.
	fn changed(change: impl FnOnce(&mut RuntimeMetadataV16)) -> Metadata {
		use codec::Encode;
		use frame_metadata::{RuntimeMetadata, RuntimeMetadataPrefixed};
		let bytes: &[u8] = include_bytes!("../metadata/micropayment-pool.scale");
		let mut prefixed = RuntimeMetadataPrefixed::decode(&mut &bytes[..]).expect("the checked-in metadata decodes; qed");
		let RuntimeMetadata::V16(ref mut v16) = prefixed.1 else { panic!("the demo runtimes serve metadata v16") };
		change(v16);
		Metadata::decode(&mut &prefixed.encode()[..]).expect("a changed pallet still decodes")
	}

	/// The index of the demo's pool pallet in `v16.pallets`.
	fn pool(v16: &RuntimeMetadataV16) -> usize {
		v16.pallets.iter().position(|p| p.name == GENERATED_NAME).expect("the demo has it; qed")
	}

	/// Renames pallet `at` and its storage prefix, as `construct_runtime!` does.
	fn rename(v16: &mut RuntimeMetadataV16, at: usize, name: &str) {
		let pallet = &mut v16.pallets[at];
		pallet.name = name.into();
		pallet.storage.as_mut().expect("the pool pallet has storage; qed").prefix = name.into();
	}

	#[test]
	fn another_name_and_other_constants_are_found() {
		let metadata = changed(|v16| {
			let at = pool(v16);
			rename(v16, at, "Micropayments");
			let max_batch =
				v16.pallets[at].constants.iter_mut().find(|c| c.name == "MaxBatch").expect("a pool constant");
			max_batch.value = codec::Encode::encode(&64u32);
		});
		let found = PoolPallet::find(&metadata).expect("one pool pallet");
		assert_eq!((found.name.as_str(), found.prefix()), ("Micropayments", &b"Micropayments"[..]));
		assert_eq!(found.constants, PoolConstants { max_batch: 64, ..PoolPallet::demo().constants });
		assert_eq!(PoolPallet::name_in(&metadata), Ok("Micropayments"));
	}

	#[test]
	fn no_pool_pallet_or_two_are_named_errors() {
		let none = changed(|v16| v16.pallets.retain(|p| p.name != GENERATED_NAME));
		assert_eq!(PoolPallet::find(&none), Err(PalletError::Missing));
		let two = changed(|v16| {
			let mut copy = v16.pallets[pool(v16)].clone();
			copy.index = 99;
			v16.pallets.push(copy);
			let last = v16.pallets.len() - 1;
			rename(v16, last, "SecondPool");
		});
		assert_eq!(
			PoolPallet::find(&two),
			Err(PalletError::Ambiguous(vec![GENERATED_NAME.into(), "SecondPool".into()]))
		);
	}

	#[test]
	fn a_call_is_addressed_to_the_runtimes_name() {
		let call = crate::api::runtime::tx().micropayment_pool().close_pool(7);
		let renamed = PoolCall::new(&call, "Micropayments");
		assert_eq!((renamed.pallet_name(), renamed.call_name()), ("Micropayments", "close_pool"));
		let details = renamed.validation_details().expect("generated calls carry their hash; qed");
		assert_eq!(details.pallet_name, "Micropayments");
		// Calls of other pallets keep their own.
		let remark = crate::api::runtime::tx().system().remark(vec![1]);
		assert_eq!(PoolCall::new(&remark, "Micropayments").pallet_name(), "System");
	}
}
