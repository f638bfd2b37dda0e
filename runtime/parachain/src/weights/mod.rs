//! This runtime's weights, measured on its own wasm on the project's machine by
//! `scripts/bench/weights.sh` (docs/results.md gives the machine, the date and the figures).
//! Every other file here is generated; regenerate rather than edit. The micropayment pool's weights
//! live in its pallet (`pallet_micropayment_pool::weights`), measured on the solochain runtime.
//! The database costs are ParityDb's (`mpool-para-node`'s default database) with the proof
//! recorder on, as a collator builds a block, measured on the state the solochain's are measured on
//! (its dev state and 100,000 pools with a paid peer each).

pub mod block_weights;
pub mod cumulus_pallet_parachain_system;
pub mod extrinsic_weights;
pub mod frame_system;
pub mod frame_system_extensions;
pub mod pallet_balances;
pub mod pallet_sudo;
pub mod pallet_timestamp;
pub mod pallet_transaction_payment;
// The storage benchmark's template puts doc comments on the fields of a struct expression.
#[allow(unused_doc_comments)]
pub mod paritydb_weights;

pub use block_weights::BlockExecutionWeight;
pub use extrinsic_weights::ExtrinsicBaseWeight;
pub use paritydb_weights::constants::ParityDbWeight;
