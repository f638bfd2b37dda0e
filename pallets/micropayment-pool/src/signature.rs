//! What checking a voucher signature costs, so that the weight charged follows the scheme.

/// Sorts voucher signatures by the cost of checking them.
///
/// The pallet charges each settlement for the scheme its signature uses: sr25519 (benchmarked;
/// ed25519 verifies faster) or ECDSA, which recovers the public key first (benchmarked on its
/// own). A runtime whose signature type has another scheme must sort it here into the class
/// that costs at least as much.
pub trait SignatureCost {
	/// Whether checking this signature recovers a public key (ECDSA).
	fn needs_recovery(&self) -> bool;
}

impl SignatureCost for sp_runtime::MultiSignature {
	fn needs_recovery(&self) -> bool {
		matches!(self, sp_runtime::MultiSignature::Ecdsa(_))
	}
}
