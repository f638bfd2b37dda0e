//! Amounts as people type and read them, in the chain's own units: the token symbol and
//! decimals a node reports in `system_properties` (`tokenSymbol`, `tokenDecimals`).
//!
//! An amount is planck (`1500000`) or tokens (`1.5MPT`, `2 mpt`); `unit` stands for one token
//! of whatever chain it is (`10UNIT`), so scripts work unchanged across chains.

use crate::Balance;
use std::str::FromStr;

/// The chain's token: symbol and decimals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Units {
	pub symbol: String,
	pub decimals: u8,
}

impl Default for Units {
	/// What polkadot.js assumes of a chain that reports no properties: 0 decimals, `Unit`.
	fn default() -> Self {
		Self { symbol: "Unit".into(), decimals: 0 }
	}
}

/// Most decimals a token may have: 10^38 is the largest power of ten in a `u128`.
const MAX_DECIMALS: u8 = 38;

impl Units {
	pub fn new(symbol: impl Into<String>, decimals: u8) -> Self {
		Self { symbol: symbol.into(), decimals: decimals.min(MAX_DECIMALS) }
	}

	/// From a node's `system_properties`: `tokenSymbol` and `tokenDecimals`, each a value or a
	/// list whose first entry is the native token (as relay chains report them). Missing
	/// fields take [`Units::default`]'s.
	pub fn from_properties(properties: &serde_json::Value) -> Self {
		let first = |name: &str| {
			let value = properties.get(name)?;
			value.as_array().map_or(Some(value), |list| list.first()).cloned()
		};
		let default = Self::default();
		let symbol = first("tokenSymbol")
			.and_then(|v| v.as_str().map(str::to_owned))
			.unwrap_or(default.symbol);
		let decimals = first("tokenDecimals")
			.and_then(|v| v.as_u64())
			.and_then(|d| u8::try_from(d).ok())
			.unwrap_or(default.decimals);
		Self::new(symbol, decimals)
	}

	/// Planck in one token.
	pub fn one(&self) -> Balance {
		10u128.pow(u32::from(self.decimals))
	}

	/// Parses planck or tokens of this chain; see [`Amount`].
	pub fn parse(&self, text: &str) -> Result<Balance, String> {
		text.parse::<Amount>()?.resolve(self)
	}

	/// Formats planck as tokens, e.g. `1.5 MPT`.
	pub fn format(&self, amount: Balance) -> String {
		let one = self.one();
		let (whole, frac) = (amount / one, amount % one);
		if frac == 0 {
			return format!("{whole} {}", self.symbol);
		}
		let frac = format!("{frac:0width$}", width = usize::from(self.decimals));
		format!("{whole}.{} {}", frac.trim_end_matches('0'), self.symbol)
	}
}

/// An amount as typed, before the chain's units are known: so a command checks its arguments
/// before it connects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Amount {
	Planck(Balance),
	/// `whole.frac SYMBOL`, digits only.
	Tokens { whole: String, frac: String, symbol: String },
}

impl FromStr for Amount {
	type Err = String;

	/// `"123"`, `"1_000"` (planck), `"1.25MPT"`, `"2 unit"`, `".5mpt"` (tokens).
	fn from_str(text: &str) -> Result<Self, String> {
		let bad = |why: &str| format!("bad amount {text:?}: {why}");
		let cleaned = text.trim().replace('_', "");
		let split = cleaned.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(cleaned.len());
		let (number, symbol) = cleaned.split_at(split);
		let symbol = symbol.trim();
		if symbol.is_empty() {
			return number.parse::<Balance>().map(Amount::Planck).map_err(|e| bad(&e.to_string()));
		}
		if !symbol.chars().all(|c| c.is_ascii_alphanumeric()) {
			return Err(bad("want planck digits, or a number and the token symbol, e.g. 1.5MPT"));
		}
		let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
		if frac.contains('.') {
			return Err(bad("more than one decimal point"));
		}
		if whole.is_empty() && frac.is_empty() {
			return Err(bad("want a number before the symbol"));
		}
		Ok(Amount::Tokens { whole: whole.into(), frac: frac.into(), symbol: symbol.into() })
	}
}

impl Amount {
	/// Planck, in the chain's `units`: the symbol must be the chain's (or `unit`).
	pub fn resolve(&self, units: &Units) -> Result<Balance, String> {
		let (whole, frac, symbol) = match self {
			Amount::Planck(planck) => return Ok(*planck),
			Amount::Tokens { whole, frac, symbol } => (whole, frac, symbol),
		};
		let text = if frac.is_empty() { format!("{whole}{symbol}") } else { format!("{whole}.{frac}{symbol}") };
		if !symbol.eq_ignore_ascii_case(&units.symbol) && !symbol.eq_ignore_ascii_case("unit") {
			return Err(format!("amount {text:?}: this chain's token is {}", units.symbol));
		}
		let decimals = usize::from(units.decimals);
		if frac.len() > decimals {
			return Err(format!("amount {text:?}: {} has {decimals} decimals", units.symbol));
		}
		let digits = |s: &str| if s.is_empty() { Ok(0) } else { s.parse::<Balance>() };
		let overflow = || format!("amount {text:?} overflows");
		let whole = digits(whole).map_err(|_| overflow())?;
		let frac = digits(frac).map_err(|_| overflow())?;
		let scale = 10u128.pow(u32::try_from(decimals.saturating_sub(frac_len(self))).unwrap_or(0));
		whole
			.checked_mul(units.one())
			.and_then(|w| frac.checked_mul(scale)?.checked_add(w))
			.ok_or_else(overflow)
	}
}

fn frac_len(amount: &Amount) -> usize {
	match amount {
		Amount::Tokens { frac, .. } => frac.len(),
		Amount::Planck(_) => 0,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn mpt() -> Units {
		Units::new("MPT", 12)
	}
	const ONE: Balance = 1_000_000_000_000;

	#[test]
	fn parses_planck_and_tokens() {
		let u = mpt();
		assert_eq!(u.parse("123"), Ok(123));
		assert_eq!(u.parse("1MPT"), Ok(ONE));
		assert_eq!(u.parse("10mpt"), Ok(10 * ONE));
		assert_eq!(u.parse("1UNIT"), Ok(ONE));
		assert_eq!(u.parse("1.5 unit"), Ok(ONE + ONE / 2));
		assert_eq!(u.parse(".000000000001MPT"), Ok(1));
		assert_eq!(u.parse("1_000"), Ok(1000));
		assert!(u.parse("1.0000000000001MPT").is_err());
		assert!(u.parse("1DOT").unwrap_err().contains("this chain's token is MPT"));
		assert!(u.parse("-1").is_err());
		assert!(u.parse("MPT").is_err());
		assert!(u.parse("1.2.3MPT").is_err());
		assert!(u.parse("340282366920938463463374607431768211455MPT").is_err());
		assert_eq!(u.parse("340282366920938463463374607431768211455"), Ok(u128::MAX));
	}

	#[test]
	fn formats_tokens() {
		let u = mpt();
		assert_eq!(u.format(ONE), "1 MPT");
		assert_eq!(u.format(ONE + ONE / 4), "1.25 MPT");
		assert_eq!(u.format(1), "0.000000000001 MPT");
		assert_eq!(Units::new("DOT", 10).format(15_000_000_000), "1.5 DOT");
		assert_eq!(Units::default().format(7), "7 Unit");
	}

	#[test]
	fn units_come_from_system_properties() {
		let props = serde_json::json!({ "tokenSymbol": "MPT", "tokenDecimals": 12, "ss58Format": 42 });
		assert_eq!(Units::from_properties(&props), mpt());
		let relay = serde_json::json!({ "tokenSymbol": ["DOT", "X"], "tokenDecimals": [10, 8] });
		assert_eq!(Units::from_properties(&relay), Units::new("DOT", 10));
		assert_eq!(Units::from_properties(&serde_json::json!({})), Units::default());
	}

	#[test]
	fn amounts_are_checked_before_the_units_are_known() {
		assert_eq!("42".parse::<Amount>(), Ok(Amount::Planck(42)));
		assert!("1.5 M-T".parse::<Amount>().is_err());
		assert!("abc".parse::<Amount>().is_err());
		assert!(matches!("2.5mpt".parse::<Amount>(), Ok(Amount::Tokens { .. })));
	}
}
