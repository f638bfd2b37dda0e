//! What a command prints, and the exit code scripts can rely on.

use serde_json::Value;

/// Exit codes, one table: `mpool --help` prints it and `scripts/e2e/tests/cli.test.js` checks
/// every verb against it.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error: connection, file, or a value the chain's units or state make invalid
  2  usage: a missing, unknown or malformed argument (clap's parse errors)
  3  refused: a proof, signature or voucher check failed, or the chain rejected the call
  4  not found: the pool named does not exist (on chain, or in the peer's store)
  5  not yet: retry later (the bundle's block is not finalized on this node yet)";
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_REFUSED: i32 = 3;
pub const EXIT_NOT_FOUND: i32 = 4;
pub const EXIT_RETRY: i32 = 5;

/// A command's result: lines for people, an object for `--json`.
pub struct Report {
	pub text: Vec<String>,
	pub json: Value,
}

impl Report {
	pub fn new(json: Value) -> Self {
		Self { text: Vec::new(), json }
	}

	pub fn line(mut self, line: impl Into<String>) -> Self {
		self.text.push(line.into());
		self
	}
}

/// Why a command did not succeed.
pub enum Failure {
	/// A check or the chain said no (bad proof, bad signature, dispatch error): exit 3.
	Refused { reason: String, code: String },
	/// The pool named does not exist: exit 4.
	NotFound { reason: String, code: String },
	/// Not yet: the same command may succeed later: exit 5.
	Retry { reason: String, code: String },
	/// Anything else (connection, file, bad argument): exit 1.
	Error(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
	fn from(e: E) -> Self {
		Failure::Error(e.into())
	}
}

impl Failure {
	pub fn refused(code: impl Into<String>, reason: impl ToString) -> Self {
		Failure::Refused { reason: reason.to_string(), code: code.into() }
	}

	pub fn not_found(code: impl Into<String>, reason: impl ToString) -> Self {
		Failure::NotFound { reason: reason.to_string(), code: code.into() }
	}

	pub fn retry(code: impl Into<String>, reason: impl ToString) -> Self {
		Failure::Retry { reason: reason.to_string(), code: code.into() }
	}

	/// The exit code and the error's name.
	pub fn code(&self) -> (i32, &str) {
		match self {
			Failure::Refused { code, .. } => (EXIT_REFUSED, code),
			Failure::NotFound { code, .. } => (EXIT_NOT_FOUND, code),
			Failure::Retry { code, .. } => (EXIT_RETRY, code),
			Failure::Error(_) => (EXIT_ERROR, "Error"),
		}
	}

	/// What went wrong, in words.
	pub fn message(&self) -> String {
		match self {
			Failure::Refused { reason, .. } |
			Failure::NotFound { reason, .. } |
			Failure::Retry { reason, .. } => reason.clone(),
			Failure::Error(e) => format!("{e:#}"),
		}
	}

	pub fn print(&self, json: bool) -> i32 {
		let (code, kind) = self.code();
		let message = self.message();
		if json {
			println!("{}", serde_json::json!({ "ok": false, "error": kind, "message": message }));
		} else {
			eprintln!("error: {kind}: {message}");
		}
		code
	}
}

pub fn print(report: &Report, json: bool) {
	if json {
		let mut value = report.json.clone();
		if let Value::Object(map) = &mut value {
			map.insert("ok".into(), Value::Bool(true));
		}
		println!("{value}");
	} else {
		for line in &report.text {
			println!("{line}");
		}
	}
}
