//! Both runtimes charge weights measured on their own wasm: every pallet with a
//! benchmarked `WeightInfo` uses the runtime's generated file (no `()`, no Substrate reference
//! machine's `SubstrateWeight`), the block and transaction base costs are `benchmark overhead`'s,
//! and the database costs are `benchmark storage`'s on ParityDb, both nodes' database: without the
//! proof recorder for the solochain, with it for the parachain (its collator records every block's
//! proof).

use core::any::type_name;
use frame_support::{
	dispatch::DispatchClass,
	weights::{constants, RuntimeDbWeight},
};

/// Asserts that each `WeightInfo` type lives in `module` (the runtime's generated weights).
fn assert_measured(module: &str, types: &[&str]) {
	for ty in types {
		assert!(ty.starts_with(module), "{ty} is not one of {module}'s measured weights");
	}
}

macro_rules! weight_types {
	($runtime:ty) => {
		[
			type_name::<<$runtime as frame_system::Config>::SystemWeightInfo>(),
			type_name::<<$runtime as frame_system::Config>::ExtensionsWeightInfo>(),
			type_name::<<$runtime as pallet_balances::Config>::WeightInfo>(),
			type_name::<<$runtime as pallet_transaction_payment::Config>::WeightInfo>(),
			type_name::<<$runtime as pallet_timestamp::Config>::WeightInfo>(),
			type_name::<<$runtime as pallet_sudo::Config>::WeightInfo>(),
		]
	};
}

#[test]
fn every_benchmarked_pallet_uses_its_runtimes_measured_weights() {
	assert_measured(
		"micropayment_pool_runtime::weights::",
		&weight_types!(micropayment_pool_runtime::Runtime),
	);
	assert_measured(
		"micropayment_pool_para_runtime::weights::",
		&weight_types!(micropayment_pool_para_runtime::Runtime),
	);
	// The pool's own weights are generated into its pallet, measured on the solochain runtime.
	for ty in [
		type_name::<<micropayment_pool_runtime::Runtime as pallet_micropayment_pool::Config>::WeightInfo>(),
		type_name::<<micropayment_pool_para_runtime::Runtime as pallet_micropayment_pool::Config>::WeightInfo>(),
	] {
		assert!(ty.starts_with("pallet_micropayment_pool::weights::SubstrateWeight<"), "{ty}");
	}
}

#[test]
fn block_limits_use_the_measured_base_costs() {
	use micropayment_pool_para_runtime as para;
	use micropayment_pool_runtime as solo;
	let check = |limits: frame_system::limits::BlockWeights, block, extrinsic| {
		assert_eq!(limits.base_block, block);
		for class in DispatchClass::all() {
			assert_eq!(limits.get(*class).base_extrinsic, extrinsic);
		}
		limits.validate().expect("the block's limits hold together");
	};
	check(
		solo::configs::RuntimeBlockWeights::get(),
		solo::weights::BlockExecutionWeight::get(),
		solo::weights::ExtrinsicBaseWeight::get(),
	);
	check(
		para::configs::RuntimeBlockWeights::get(),
		para::weights::BlockExecutionWeight::get(),
		para::weights::ExtrinsicBaseWeight::get(),
	);
	// Each runtime charges its node's database as measured, not Substrate's constant for it.
	let check_db = |charged: RuntimeDbWeight, measured: RuntimeDbWeight, constant, chain: &str| {
		assert_eq!(charged, measured, "the {chain} does not charge its measured database costs");
		assert_ne!(measured, constant, "the {chain}'s database costs are still Substrate's");
	};
	check_db(
		<solo::Runtime as frame_system::Config>::DbWeight::get(),
		solo::weights::ParityDbWeight::get(),
		constants::ParityDbWeight::get(),
		"solochain",
	);
	check_db(
		<para::Runtime as frame_system::Config>::DbWeight::get(),
		para::weights::ParityDbWeight::get(),
		constants::ParityDbWeight::get(),
		"parachain",
	);
}
