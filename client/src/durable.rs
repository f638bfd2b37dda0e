//! Files that several processes share and that survive a crash: an advisory lock beside the
//! file, and writes that replace it whole (temporary file, fsync, rename, fsync of the folder).

use std::{
	fs::{self, File, OpenOptions},
	io::Write,
	path::Path,
};

/// An advisory lock on `<file>.lock`, released when dropped (the lock file is closed). The lock
/// is on a file of its own because the file itself is replaced by rename on every write.
pub(crate) struct FileLock(#[allow(dead_code)] File);

impl FileLock {
	/// Takes the lock of `file`, shared or exclusive, waiting for it.
	pub(crate) fn take(file: &Path, exclusive: bool) -> std::io::Result<Self> {
		let mut name = file.as_os_str().to_owned();
		name.push(".lock");
		let lock = OpenOptions::new().create(true).truncate(false).write(true).open(&name)?;
		if exclusive {
			lock.lock()?;
		} else {
			lock.lock_shared()?;
		}
		Ok(Self(lock))
	}
}

/// The file's bytes, or `None` if it does not exist.
pub(crate) fn read(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
	match fs::read(path) {
		Ok(bytes) => Ok(Some(bytes)),
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
		Err(e) => Err(e),
	}
}

/// Replaces the file with `bytes`, durably: on return the new content survives a crash, and a
/// crash before leaves the old content whole. Call with the file's exclusive lock held.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
	let tmp = path.with_extension("tmp");
	let mut out = File::create(&tmp)?;
	out.write_all(bytes)?;
	out.sync_all()?;
	fs::rename(&tmp, path)?;
	if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
		File::open(dir)?.sync_all()?;
	}
	Ok(())
}
