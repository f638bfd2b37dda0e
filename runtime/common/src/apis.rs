//! The runtime APIs both runtimes implement alike, defined once.

/// Implements, for the calling runtime, every runtime API the two demo runtimes share (core,
/// metadata, view functions, block building, the transaction queue, offchain workers, Aura,
/// session keys, nonces, fees, genesis presets, benchmarks, try-runtime and
/// `MicropaymentPoolApi`), followed by the runtime's own API impls passed as the argument.
///
/// `impl_runtime_apis!` must see every impl in one invocation, hence a macro around it rather
/// than two separate blocks. The caller must have in scope: `Runtime`, `Block`, `Executive`,
/// `VERSION`, `AccountId`, `Nonce`, `Balance`, `RuntimeCall`, `RuntimeGenesisConfig`,
/// `SessionKeys`, `System`, `Aura`, `TransactionPayment`, the modules
/// `genesis_config_presets` and (with `runtime-benchmarks`) `benchmarks`, and `configs::RuntimeBlockWeights`.
#[macro_export]
macro_rules! impl_shared_runtime_apis {
	($($runtime_specific:tt)*) => {
		sp_api::impl_runtime_apis! {
			impl sp_api::Core<Block> for Runtime {
				fn version() -> sp_version::RuntimeVersion {
					VERSION
				}

				fn execute_block(block: <Block as sp_runtime::traits::Block>::LazyBlock) {
					Executive::execute_block(block);
				}

				fn initialize_block(
					header: &<Block as sp_runtime::traits::Block>::Header,
				) -> sp_runtime::ExtrinsicInclusionMode {
					Executive::initialize_block(header)
				}
			}

			impl sp_api::Metadata<Block> for Runtime {
				fn metadata() -> sp_core::OpaqueMetadata {
					sp_core::OpaqueMetadata::new(Runtime::metadata().into())
				}

				fn metadata_at_version(version: u32) -> Option<sp_core::OpaqueMetadata> {
					Runtime::metadata_at_version(version)
				}

				fn metadata_versions() -> alloc::vec::Vec<u32> {
					Runtime::metadata_versions()
				}
			}

			impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
				fn execute_view_function(
					id: frame_support::view_functions::ViewFunctionId,
					input: alloc::vec::Vec<u8>,
				) -> Result<alloc::vec::Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
					Runtime::execute_view_function(id, input)
				}
			}

			impl sp_block_builder::BlockBuilder<Block> for Runtime {
				fn apply_extrinsic(
					extrinsic: <Block as sp_runtime::traits::Block>::Extrinsic,
				) -> sp_runtime::ApplyExtrinsicResult {
					Executive::apply_extrinsic(extrinsic)
				}

				fn finalize_block() -> <Block as sp_runtime::traits::Block>::Header {
					Executive::finalize_block()
				}

				fn inherent_extrinsics(
					data: sp_inherents::InherentData,
				) -> alloc::vec::Vec<<Block as sp_runtime::traits::Block>::Extrinsic> {
					// The runtime's own trait (construct_runtime generates it in the caller).
					use crate::InherentDataExt as _;
					data.create_extrinsics()
				}

				fn check_inherents(
					block: <Block as sp_runtime::traits::Block>::LazyBlock,
					data: sp_inherents::InherentData,
				) -> sp_inherents::CheckInherentsResult {
					use crate::InherentDataExt as _;
					data.check_extrinsics(&block)
				}
			}

			impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
				fn validate_transaction(
					source: sp_runtime::transaction_validity::TransactionSource,
					tx: <Block as sp_runtime::traits::Block>::Extrinsic,
					block_hash: <Block as sp_runtime::traits::Block>::Hash,
				) -> sp_runtime::transaction_validity::TransactionValidity {
					Executive::validate_transaction(source, tx, block_hash)
				}
			}

			impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
				fn offchain_worker(header: &<Block as sp_runtime::traits::Block>::Header) {
					Executive::offchain_worker(header)
				}
			}

			impl sp_consensus_aura::AuraApi<Block, sp_consensus_aura::sr25519::AuthorityId> for Runtime {
				fn slot_duration() -> sp_consensus_aura::SlotDuration {
					sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
				}

				fn authorities() -> alloc::vec::Vec<sp_consensus_aura::sr25519::AuthorityId> {
					pallet_aura::Authorities::<Runtime>::get().into_inner()
				}
			}

			impl sp_session::SessionKeys<Block> for Runtime {
				fn generate_session_keys(
					owner: alloc::vec::Vec<u8>,
					seed: Option<alloc::vec::Vec<u8>>,
				) -> sp_session::OpaqueGeneratedSessionKeys {
					SessionKeys::generate(&owner, seed).into()
				}

				fn decode_session_keys(
					encoded: alloc::vec::Vec<u8>,
				) -> Option<alloc::vec::Vec<(alloc::vec::Vec<u8>, sp_core::crypto::KeyTypeId)>> {
					SessionKeys::decode_into_raw_public_keys(&encoded)
				}
			}

			impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
				fn account_nonce(account: AccountId) -> Nonce {
					System::account_nonce(account)
				}
			}

			impl pallet_micropayment_pool_runtime_api::MicropaymentPoolApi<
				Block,
				AccountId,
				Balance,
				pallet_micropayment_pool::PoolOf<Runtime>,
				pallet_micropayment_pool::Error<Runtime>,
			> for Runtime {
				fn pool(pool_id: u64) -> Option<pallet_micropayment_pool::PoolOf<Runtime>> {
					pallet_micropayment_pool::Pools::<Runtime>::get(pool_id)
				}

				fn paid(pool_id: u64, target: AccountId) -> Balance {
					pallet_micropayment_pool::Paid::<Runtime>::get(pool_id, target).unwrap_or(0)
				}

				fn claimable(
					pool_id: u64,
					target: AccountId,
					amount: Balance,
				) -> Result<
					pallet_micropayment_pool::Claim<Balance>,
					pallet_micropayment_pool::Error<Runtime>,
				> {
					pallet_micropayment_pool::Pallet::<Runtime>::claimable(pool_id, target, amount)
				}

				fn voucher_payload(
					pool_id: u64,
					target: AccountId,
					amount: Balance,
				) -> [u8; pallet_micropayment_pool::PAYLOAD_LEN] {
					pallet_micropayment_pool::Pallet::<Runtime>::voucher(pool_id, &target, amount).payload()
				}
			}

			impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance>
				for Runtime
			{
				fn query_info(
					uxt: <Block as sp_runtime::traits::Block>::Extrinsic,
					len: u32,
				) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
					TransactionPayment::query_info(uxt, len)
				}
				fn query_fee_details(
					uxt: <Block as sp_runtime::traits::Block>::Extrinsic,
					len: u32,
				) -> pallet_transaction_payment::FeeDetails<Balance> {
					TransactionPayment::query_fee_details(uxt, len)
				}
				fn query_weight_to_fee(weight: frame_support::weights::Weight) -> Balance {
					TransactionPayment::weight_to_fee(weight)
				}
				fn query_length_to_fee(length: u32) -> Balance {
					TransactionPayment::length_to_fee(length)
				}
			}

			impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<
				Block,
				Balance,
				RuntimeCall,
			> for Runtime {
				fn query_call_info(
					call: RuntimeCall,
					len: u32,
				) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
					TransactionPayment::query_call_info(call, len)
				}
				fn query_call_fee_details(
					call: RuntimeCall,
					len: u32,
				) -> pallet_transaction_payment::FeeDetails<Balance> {
					TransactionPayment::query_call_fee_details(call, len)
				}
				fn query_weight_to_fee(weight: frame_support::weights::Weight) -> Balance {
					TransactionPayment::weight_to_fee(weight)
				}
				fn query_length_to_fee(length: u32) -> Balance {
					TransactionPayment::length_to_fee(length)
				}
			}

			#[cfg(feature = "runtime-benchmarks")]
			impl frame_benchmarking::Benchmark<Block> for Runtime {
				fn benchmark_metadata(extra: bool) -> (
					alloc::vec::Vec<frame_benchmarking::BenchmarkList>,
					alloc::vec::Vec<frame_support::traits::StorageInfo>,
				) {
					benchmarks::metadata(extra)
				}

				fn dispatch_benchmark(
					config: frame_benchmarking::BenchmarkConfig
				) -> Result<alloc::vec::Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
					benchmarks::dispatch(config)
				}
			}

			#[cfg(feature = "try-runtime")]
			impl frame_try_runtime::TryRuntime<Block> for Runtime {
				fn on_runtime_upgrade(
					checks: frame_try_runtime::UpgradeCheckSelect,
				) -> (frame_support::weights::Weight, frame_support::weights::Weight) {
					// A failing pre/post check must stop the try-runtime run here, with a backtrace.
					let weight = Executive::try_runtime_upgrade(checks).unwrap();
					(weight, configs::RuntimeBlockWeights::get().max_block)
				}

				fn execute_block(
					block: <Block as sp_runtime::traits::Block>::LazyBlock,
					state_root_check: bool,
					signature_check: bool,
					select: frame_try_runtime::TryStateSelect
				) -> frame_support::weights::Weight {
					Executive::try_execute_block(block, state_root_check, signature_check, select)
						.expect("try-runtime only: a failing block is the finding; qed")
				}
			}

			impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
				fn build_state(config: alloc::vec::Vec<u8>) -> sp_genesis_builder::Result {
					frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(config)
				}

				fn get_preset(
					id: &Option<sp_genesis_builder::PresetId>,
				) -> Option<alloc::vec::Vec<u8>> {
					frame_support::genesis_builder_helper::get_preset::<RuntimeGenesisConfig>(
						id,
						genesis_config_presets::get_preset,
					)
				}

				fn preset_names() -> alloc::vec::Vec<sp_genesis_builder::PresetId> {
					genesis_config_presets::preset_names()
				}
			}

			$($runtime_specific)*
		}
	};
}
