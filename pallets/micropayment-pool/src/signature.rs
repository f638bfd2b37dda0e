//! What checking a voucher signature costs, so that the weight charged follows the scheme.

/// Sorts voucher signatures by the cost of checking them.
///
/// The pallet charges each settlement for the scheme its signature uses: sr25519 and ed25519
/// verifications cost about the same, an ECDSA check recovers the public key first and costs
/// more. Both are benchmarked; a runtime whose signature type has a costlier scheme must report
/// it here, or the cheap weight would be charged for it.
pub trait SignatureCost {
	/// Whether checking this signature recovers a public key (ECDSA), the costly scheme.
	fn needs_recovery(&self) -> bool;
}

impl SignatureCost for sp_runtime::MultiSignature {
	fn needs_recovery(&self) -> bool {
		matches!(self, sp_runtime::MultiSignature::Ecdsa(_))
	}
}
