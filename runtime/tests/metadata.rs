//! Both clients are built from `client/metadata/micropayment-pool.scale`: the Rust client's
//! generated API (subxt) and the JS SDK's descriptors (polkadot-api, `sdk/js/.papi`). This test
//! fails when the runtime's metadata (v16) no longer matches it. To refresh the file after a
//! runtime change (then `npm install` in sdk/js regenerates the descriptors):
//!
//! ```text
//! MPOOL_UPDATE_METADATA=1 cargo test -p micropayment-pool-runtime --test metadata
//! ```

use micropayment_pool_runtime::Runtime;
use std::path::PathBuf;

#[test]
fn checked_in_metadata_is_the_runtimes() {
	let built = Runtime::metadata_at_version(16).expect("the runtime serves metadata v16; qed");
	let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
		.join("../client/metadata/micropayment-pool.scale");
	if std::env::var_os("MPOOL_UPDATE_METADATA").is_some() {
		std::fs::write(&path, &built[..]).expect("client/metadata is writable");
		return;
	}
	let checked_in = std::fs::read(&path).unwrap_or_default();
	assert!(
		checked_in == built[..],
		"{} ({} bytes) is not this runtime's metadata ({} bytes): run \
		 `MPOOL_UPDATE_METADATA=1 cargo test -p micropayment-pool-runtime --test metadata` \
		 and rebuild the client",
		path.display(),
		checked_in.len(),
		built.len(),
	);
}
