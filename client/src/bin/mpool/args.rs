//! Parsing of the CLI's values: keys, accounts, amounts, hashes.

use anyhow::{anyhow, Context};
use micropayment_pool_client::{amount, AccountId, Balance, Hash};
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

/// An amount in planck, or with a `UNIT` suffix.
pub fn balance(text: &str) -> anyhow::Result<Balance> {
	amount::parse(text).map_err(|e| anyhow!(e))
}

/// A `0x` block hash.
pub fn hash(text: &str) -> anyhow::Result<Hash> {
	let bytes: [u8; 32] = micropayment_pool_client::verify::decode_hex(text)
		.map_err(|e| anyhow!(e))?
		.try_into()
		.map_err(|_| anyhow!("bad hash {text:?}: want 32 bytes"))?;
	Ok(Hash::from(bytes))
}

/// Text from a file, from stdin (`-`), or the argument itself if it looks like hex.
pub fn read_input(arg: &str) -> anyhow::Result<String> {
	if arg == "-" {
		let mut text = String::new();
		std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).context("reading stdin")?;
		return Ok(text);
	}
	if arg.starts_with("0x") {
		return Ok(arg.to_string());
	}
	std::fs::read_to_string(arg).with_context(|| format!("reading {arg}"))
}
