//! The peer's voucher store on disk: a SQLite database with one row per pool (its ledger and
//! best voucher, SCALE-encoded), changed in transactions.
//!
//! Why SQLite: a change writes only the pools it touched (a whole-file store rewrites every pool
//! on every voucher), a committed transaction survives a crash (write-ahead log, fsynced at each
//! commit), and several processes may share one store — `BEGIN IMMEDIATE` serialises writers, and
//! `PRAGMA data_version` tells a process when another one committed, so it re-reads only then.

use super::{legacy, PoolEntry};
use crate::{verify::SignedVoucher, AccountId, PoolId};
use codec::{DecodeAll, Encode};
use micropayment_pool_handshake::Ledger;
use rusqlite::{params, Connection, OptionalExtension};
use std::{
	collections::BTreeMap,
	fs::File,
	io::Read,
	path::{Path, PathBuf},
	time::Duration,
};

/// The schema's version, in SQLite's `user_version`. Versions 1 and 2 were JSON files
/// ([`legacy`]), moved into a database when first opened.
const SCHEMA_VERSION: i64 = 3;

/// How long a change waits for another process's transaction to end before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// What every SQLite database file starts with.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

pub(super) struct Store {
	conn: Connection,
	/// `PRAGMA data_version` when this process last read the pools.
	data_version: i64,
}

impl Store {
	/// Opens the store at `path` for `me` on the chain of `genesis`, creating it if missing and
	/// moving a JSON store of an earlier version into a database (the JSON file is kept beside
	/// it as `<path>.v<version>.bak`). Fails, changing nothing, if the file belongs to another
	/// peer or chain or is neither a store nor a JSON store.
	pub fn open(path: &Path, me: &AccountId, genesis: &[u8; 32]) -> Result<Self, String> {
		match head(path).map_err(|e| e.to_string())? {
			Head::Json => migrate(path, me, genesis)?,
			Head::Other => return Err("neither a voucher database nor a JSON voucher store".into()),
			Head::Missing | Head::Sqlite => {},
		}
		let conn = connect(path)?;
		conn.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
		// FULL: the log is fsynced at every commit, so a voucher is on disk when its change
		// returns (NORMAL would let a power cut lose the last commits).
		conn.pragma_update(None, "synchronous", "FULL").map_err(sql)?;
		let mut store = Self { conn, data_version: 0 };
		store.begin()?;
		let checked = store.init(me, genesis);
		match checked {
			Ok(()) => store.commit()?,
			Err(e) => {
				store.rollback();
				return Err(e);
			},
		}
		Ok(store)
	}

	/// Creates the schema in a new database, or checks an existing one is this peer's.
	fn init(&mut self, me: &AccountId, genesis: &[u8; 32]) -> Result<(), String> {
		let version: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(sql)?;
		match version {
			0 => {
				let tables: i64 = self
					.conn
					.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
					.map_err(sql)?;
				if tables > 0 {
					return Err("a SQLite database that is not a voucher store".into());
				}
				self.conn
					.execute_batch(
						"CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
						 CREATE TABLE pools (pool_id INTEGER PRIMARY KEY, ledger BLOB NOT NULL, best BLOB);",
					)
					.map_err(sql)?;
				let mut put = self.conn.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)").map_err(sql)?;
				put.execute(params!["me", me.as_ref() as &[u8]]).map_err(sql)?;
				put.execute(params!["genesis_hash", &genesis[..]]).map_err(sql)?;
				drop(put);
				self.conn.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(sql)?;
				Ok(())
			},
			SCHEMA_VERSION => {
				let owner = self.meta("me")?;
				if owner.as_slice() != AsRef::<[u8]>::as_ref(me) {
					let owner = <[u8; 32]>::try_from(owner.as_slice())
						.map(|a| AccountId::from(a).to_string())
						.unwrap_or_else(|_| "an unreadable account".into());
					return Err(format!("belongs to {owner}"));
				}
				if self.meta("genesis_hash")?.as_slice() != &genesis[..] {
					return Err("belongs to another chain".into());
				}
				Ok(())
			},
			other => Err(format!("unknown schema version {other}")),
		}
	}

	fn meta(&self, key: &str) -> Result<Vec<u8>, String> {
		self.conn
			.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
			.optional()
			.map_err(sql)?
			.ok_or_else(|| format!("no {key} recorded"))
	}

	/// Every pool, as committed.
	pub fn load(&mut self) -> Result<BTreeMap<PoolId, PoolEntry>, String> {
		self.data_version = self.data_version()?;
		let mut rows = self.conn.prepare_cached("SELECT pool_id, ledger, best FROM pools").map_err(sql)?;
		let pools = rows
			.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Option<Vec<u8>>>(2)?)))
			.map_err(sql)?
			.map(|row| {
				let (id, ledger, best) = row.map_err(sql)?;
				let id = from_key(id);
				let ledger = Ledger::decode_all(&mut &ledger[..])
					.map_err(|e| format!("pool {id}: ledger: {e}"))?;
				let best = best
					.map(|b| SignedVoucher::decode_all(&mut &b[..]))
					.transpose()
					.map_err(|e| format!("pool {id}: voucher: {e}"))?;
				Ok((id, PoolEntry { ledger, best }))
			})
			.collect();
		pools
	}

	/// Whether another process committed since this one last read the pools.
	pub fn changed(&self) -> Result<bool, String> {
		Ok(self.data_version()? != self.data_version)
	}

	fn data_version(&self) -> Result<i64, String> {
		self.conn.pragma_query_value(None, "data_version", |r| r.get(0)).map_err(sql)
	}

	/// Starts a change: takes the database's write lock (waiting for another process's change
	/// to end), so what is read next is what the change applies to.
	pub fn begin(&mut self) -> Result<(), String> {
		self.conn.execute_batch("BEGIN IMMEDIATE").map_err(sql)
	}

	/// Writes `entry` as `pool_id`'s row, or removes the row.
	pub fn put(&mut self, pool_id: PoolId, entry: Option<&PoolEntry>) -> Result<(), String> {
		let key = to_key(pool_id);
		match entry {
			Some(e) => self
				.conn
				.prepare_cached("INSERT OR REPLACE INTO pools (pool_id, ledger, best) VALUES (?1, ?2, ?3)")
				.and_then(|mut s| s.execute(params![key, e.ledger.encode(), e.best.as_ref().map(Encode::encode)]))
				.map_err(sql)?,
			None => self
				.conn
				.prepare_cached("DELETE FROM pools WHERE pool_id = ?1")
				.and_then(|mut s| s.execute([key]))
				.map_err(sql)?,
		};
		Ok(())
	}

	/// Ends a change, durably: on return it survives a crash.
	pub fn commit(&mut self) -> Result<(), String> {
		self.conn.execute_batch("COMMIT").map_err(sql)
	}

	/// Ends a change, writing nothing of it.
	pub fn rollback(&mut self) {
		// Fails only if no transaction is open, which leaves nothing to undo.
		let _ = self.conn.execute_batch("ROLLBACK");
	}
}

/// Opens a connection that waits for other processes' transactions.
fn connect(path: &Path) -> Result<Connection, String> {
	let conn = Connection::open(path).map_err(sql)?;
	conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
	Ok(conn)
}

/// SQLite keys rows by i64; a pool id is a u64. The same 64 bits, so no id is refused.
fn to_key(pool_id: PoolId) -> i64 {
	i64::from_ne_bytes(pool_id.to_ne_bytes())
}

fn from_key(key: i64) -> PoolId {
	PoolId::from_ne_bytes(key.to_ne_bytes())
}

enum Head {
	Missing,
	Sqlite,
	Json,
	Other,
}

/// What the file at `path` is, from its first bytes.
fn head(path: &Path) -> std::io::Result<Head> {
	let mut file = match File::open(path) {
		Ok(file) => file,
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Head::Missing),
		Err(e) => return Err(e),
	};
	let mut start = Vec::with_capacity(64);
	file.by_ref().take(64).read_to_end(&mut start)?;
	Ok(if start.is_empty() {
		Head::Missing
	} else if start.starts_with(SQLITE_MAGIC) {
		Head::Sqlite
	} else if legacy::is_json(&start) {
		Head::Json
	} else {
		Head::Other
	})
}

/// Moves the JSON store at `path` into a database at the same path: built beside it, the JSON
/// copied to `<path>.v<version>.bak`, then the database renamed over the JSON, so a crash at any
/// point leaves a store that opens (the JSON one again, or the database). The JSON store's lock
/// file keeps a process of an earlier version from writing the JSON meanwhile.
fn migrate(path: &Path, me: &AccountId, genesis: &[u8; 32]) -> Result<(), String> {
	let _lock = crate::durable::FileLock::take(path, true).map_err(|e| format!("lock: {e}"))?;
	// Another process may have moved it while this one waited for the lock.
	let Some(bytes) = crate::durable::read(path).map_err(|e| e.to_string())? else {
		return Ok(());
	};
	if !legacy::is_json(&bytes) {
		return Ok(());
	}
	let json = legacy::parse(&bytes)?;
	if json.me != *me {
		return Err(format!("belongs to {}", json.me));
	}
	if json.genesis_hash != format!("0x{}", hex::encode(genesis)) {
		return Err("belongs to another chain".into());
	}
	let building = sibling(path, ".migrating");
	let _ = std::fs::remove_file(&building);
	{
		// A rollback journal (not WAL) while building: the file is whole on its own when renamed.
		let conn = connect(&building)?;
		conn.pragma_update(None, "synchronous", "FULL").map_err(sql)?;
		let mut store = Store { conn, data_version: 0 };
		store.begin()?;
		store.init(me, genesis)?;
		for (id, entry) in &json.pools {
			store.put(*id, Some(entry))?;
		}
		store.commit()?;
	}
	let backup = sibling(path, &format!(".v{}.bak", json.version));
	crate::durable::write(&backup, &bytes).map_err(|e| format!("{}: {e}", backup.display()))?;
	std::fs::rename(&building, path).map_err(|e| e.to_string())?;
	if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
		File::open(dir).and_then(|d| d.sync_all()).map_err(|e| e.to_string())?;
	}
	Ok(())
}

/// `<path><suffix>`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
	let mut name = path.as_os_str().to_owned();
	name.push(suffix);
	PathBuf::from(name)
}

fn sql(e: rusqlite::Error) -> String {
	e.to_string()
}
