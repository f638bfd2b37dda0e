//! Both runtimes charge weights measured on their own wasm (issue H): every pallet with a
//! benchmarked `WeightInfo` uses the runtime's generated file (no `()`, no Substrate reference
//! machine's `SubstrateWeight`), the block and transaction base costs are `benchmark overhead`'s,
//! and the solochain's database costs are `benchmark storage`'s on ParityDb.

use core::any::type_name;
use frame_support::dispatch::DispatchClass;

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
	assert_eq!(
		<solo::Runtime as frame_system::Config>::DbWeight::get(),
		solo::weights::ParityDbWeight::get()
	);
	assert_ne!(
		solo::weights::ParityDbWeight::get(),
		frame_support::weights::constants::ParityDbWeight::get(),
		"the solochain's database weights are still Substrate's constants"
	);
}
