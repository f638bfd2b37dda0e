//! What a command prints, and the exit code scripts can rely on.

use serde_json::Value;

/// Exit codes: documented in `mpool --help`.
pub const EXIT_ERROR: i32 = 1;
pub const EXIT_REFUSED: i32 = 3;
pub const EXIT_NOT_FOUND: i32 = 4;

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
	/// The thing asked about does not exist: exit 4.
	NotFound(String),
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

	pub fn print(&self, json: bool) -> i32 {
		let (code, kind, message) = match self {
			Failure::Refused { reason, code } => (EXIT_REFUSED, code.as_str(), reason.clone()),
			Failure::NotFound(what) => (EXIT_NOT_FOUND, "NotFound", what.clone()),
			Failure::Error(e) => (EXIT_ERROR, "Error", format!("{e:#}")),
		};
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
