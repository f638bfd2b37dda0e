// The metadata hash is always embedded, so `CheckMetadataHash` works for every build of the
// runtime (a signer that asks for it, such as Ledger's generic app, signs the hash the runtime
// checks). Token symbol and decimals: `micropayment_pool_runtime_common::{TOKEN_SYMBOL, TOKEN_DECIMALS}`.
fn main() {
	#[cfg(feature = "std")]
	substrate_wasm_builder::WasmBuilder::init_with_defaults().enable_metadata_hash("MPT", 12).build();
}
