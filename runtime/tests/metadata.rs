//! The Rust client's generated API is built from `client/metadata/micropayment-pool.scale`: this
//! test fails when the runtime's metadata (v16) no longer matches it. To refresh the file after a
//! runtime change:
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

/// The JS SDK's PAPI descriptors are generated from `sdk/js/.papi/metadata/mpool.scale`: the
/// same bytes, so both clients speak to the same runtime.
#[test]
fn the_js_sdks_metadata_is_the_same() {
	let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
	let rust = std::fs::read(root.join("client/metadata/micropayment-pool.scale")).unwrap_or_default();
	let js = std::fs::read(root.join("sdk/js/.papi/metadata/mpool.scale")).unwrap_or_default();
	assert!(
		rust == js,
		"client/metadata/micropayment-pool.scale and sdk/js/.papi/metadata/mpool.scale differ: \
		 refresh both (see this file's header and sdk/js/scripts/check-metadata.sh)"
	);
}
