//! Amounts as people type them: planck (`1500000`) or units (`1.5UNIT`, `2 unit`).

use crate::Balance;
use micropayment_pool_runtime::UNIT;

/// Decimals of one UNIT of the demo chain.
const DECIMALS: usize = 12;

/// Parses `"123"` (planck) or `"1.25UNIT"` (units, case-insensitive, up to 12 decimals).
pub fn parse(text: &str) -> Result<Balance, String> {
	let text = text.trim().replace('_', "");
	let lower = text.to_ascii_lowercase();
	let Some(units) = lower.strip_suffix("unit").map(str::trim) else {
		return text.parse::<Balance>().map_err(|e| format!("bad amount {text:?}: {e}"));
	};
	let (whole, frac) = units.split_once('.').unwrap_or((units, ""));
	if frac.len() > DECIMALS || whole.is_empty() && frac.is_empty() {
		return Err(format!("bad amount {text:?}: at most {DECIMALS} decimals"));
	}
	let digits = |s: &str| -> Result<Balance, String> {
		if s.is_empty() {
			return Ok(0);
		}
		s.parse::<Balance>().map_err(|e| format!("bad amount {text:?}: {e}"))
	};
	let scale = 10u128.pow(u32::try_from(DECIMALS - frac.len()).unwrap_or(0));
	digits(whole)?
		.checked_mul(UNIT)
		.and_then(|w| digits(frac).ok()?.checked_mul(scale)?.checked_add(w))
		.ok_or_else(|| format!("amount {text:?} overflows"))
}

/// Formats planck as units, e.g. `1.5 UNIT`.
pub fn format(amount: Balance) -> String {
	let whole = amount / UNIT;
	let frac = amount % UNIT;
	if frac == 0 {
		return format!("{whole} UNIT");
	}
	let frac = format!("{frac:0DECIMALS$}");
	format!("{whole}.{} UNIT", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_planck_and_units() {
		assert_eq!(parse("123"), Ok(123));
		assert_eq!(parse("1UNIT"), Ok(UNIT));
		assert_eq!(parse("1.5 unit"), Ok(UNIT + UNIT / 2));
		assert_eq!(parse(".000000000001UNIT"), Ok(1));
		assert_eq!(parse("1_000"), Ok(1000));
		assert!(parse("1.0000000000001UNIT").is_err());
		assert!(parse("-1").is_err());
		assert!(parse("unit").is_err());
		assert!(parse("340282366920938463463374607431768211455UNIT").is_err());
	}

	#[test]
	fn formats_units() {
		assert_eq!(format(UNIT), "1 UNIT");
		assert_eq!(format(UNIT + UNIT / 4), "1.25 UNIT");
		assert_eq!(format(1), "0.000000000001 UNIT");
	}
}
