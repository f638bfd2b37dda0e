//! The peer's key, from a file only its owner can read: a secret on the command line or in the
//! environment would show in `ps` and in the process's environment to other users.

use anyhow::{bail, Context};
use sp_core::{sr25519, Pair};
use std::path::Path;

/// Reads the secret URI in `path` (e.g. a mnemonic, or `//Bob` on a dev chain) and derives the
/// sr25519 key. Refuses a file that its group or others may read or write.
pub fn load(path: &Path) -> anyhow::Result<sr25519::Pair> {
	#[cfg(unix)]
	{
		use std::os::unix::fs::PermissionsExt;
		let mode = std::fs::metadata(path)
			.with_context(|| format!("keystore {}", path.display()))?
			.permissions()
			.mode();
		if mode & 0o077 != 0 {
			bail!(
				"keystore {} has mode {:o}: make it readable by its owner only (chmod 600)",
				path.display(),
				mode & 0o777
			);
		}
	}
	let text =
		std::fs::read_to_string(path).with_context(|| format!("keystore {}", path.display()))?;
	let suri = text.trim();
	if suri.is_empty() {
		bail!("keystore {} is empty", path.display());
	}
	sr25519::Pair::from_string(suri, None)
		.map_err(|e| anyhow::anyhow!("keystore {}: not a secret URI ({e:?})", path.display()))
}

#[cfg(all(test, unix))]
mod tests {
	use super::*;
	use std::os::unix::fs::PermissionsExt;

	#[test]
	fn only_an_owner_only_file_is_read() {
		let dir = std::env::temp_dir().join(format!("mpool-peer-keystore-{}", std::process::id()));
		std::fs::create_dir_all(&dir).expect("temp dir");
		let path = dir.join("key");
		std::fs::write(&path, "//Bob\n").expect("write");
		std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
		assert!(load(&path).is_err(), "a world-readable key is refused");
		std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
		let pair = load(&path).expect("an owner-only key is read");
		let bob = sr25519::Pair::from_string("//Bob", None).expect("dev key");
		assert_eq!(pair.public(), bob.public());
		std::fs::write(&path, "\n").expect("write");
		assert!(load(&path).is_err(), "an empty keystore is refused");
		std::fs::remove_dir_all(&dir).ok();
	}
}
