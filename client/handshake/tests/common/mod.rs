//! The pool both policy suites start from: deposit 100, collateral 150, expiry 200.

use micropayment_pool_handshake::PoolRecord;

pub const ME: [u8; 32] = [0xbb; 32];
pub const OWNER: [u8; 32] = [0xaa; 32];
pub const SIGNER: [u8; 32] = [0xcc; 32];

pub fn record() -> PoolRecord {
	PoolRecord {
		owner: OWNER,
		resource_id: b"movie".to_vec(),
		deposit: 100,
		collateral: 150,
		expiry: 200,
		payees: 0,
		overdrawn: false,
		total_deposit: 100,
		signer: SIGNER,
	}
}
