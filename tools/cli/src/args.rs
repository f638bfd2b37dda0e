//! Parsing of the CLI's values: keys, accounts, amounts, hashes.

use anyhow::{anyhow, Context};
use micropayment_pool_client::{AccountId, Hash};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};

/// A key pair from a secret URI: `//Alice`, a mnemonic, `0x` seed, with `//hard/soft` paths.
pub fn pair(suri: &str) -> anyhow::Result<sr25519::Pair> {
	sr25519::Pair::from_string(suri, None).map_err(|e| anyhow!("bad --suri: {e:?}"))
}

/// An account: SS58 address, `0x` + 32 bytes hex, or a dev secret URI such as `//Bob`.
pub fn account(text: &str) -> anyhow::Result<AccountId> {
	let text = text.trim();
	if let Ok(id) = AccountId::from_ss58check(text) {
		return Ok(id);
	}
	if let Some(hex) = text.strip_prefix("0x") {
		let bytes: [u8; 32] = hex::decode(hex)
			.ok()
			.and_then(|b| b.try_into().ok())
			.ok_or_else(|| anyhow!("bad account {text:?}: want 32 bytes of hex"))?;
		return Ok(bytes.into());
	}
	if text.starts_with("//") {
		return Ok(pair(text)?.public().into());
	}
	Err(anyhow!("bad account {text:?}: want an SS58 address, 0x-hex or //Name"))
}

/// A `0x` block hash.
pub fn hash(text: &str) -> anyhow::Result<Hash> {
	let bytes: [u8; 32] = micropayment_pool_client::verify::decode_hex(text)
		.map_err(|e| anyhow!(e))?
		.try_into()
		.map_err(|_| anyhow!("bad hash {text:?}: want 32 bytes"))?;
	Ok(Hash::from(bytes))
}

/// Text from stdin (`-`), the argument itself if it is hex (with or without `0x`, and no file
/// of that name exists), or else the file it names.
pub fn read_input(arg: &str) -> anyhow::Result<String> {
	if arg == "-" {
		let mut text = String::new();
		std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).context("reading stdin")?;
		return Ok(text);
	}
	let digits = arg.strip_prefix("0x").unwrap_or(arg);
	let is_hex = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit());
	if arg.starts_with("0x") || is_hex && !std::path::Path::new(arg).exists() {
		return Ok(format!("0x{digits}"));
	}
	std::fs::read_to_string(arg).with_context(|| format!("reading {arg}"))
}
