//! Why a request to the node failed, and dispatch errors by their names in the metadata.

use crate::{Balance, BlockNumber, Hash};

/// Why a request to the node failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
	#[error("rpc: {0}")]
	Rpc(#[from] subxt::rpcs::Error),
	#[error("{0}")]
	Subxt(Box<subxt::Error>),
	#[error("the node rejected the transaction: {0}")]
	Rejected(String),
	#[error("transaction {0}")]
	Dropped(String),
	#[error("dispatch failed: {error}")]
	Dispatch {
		/// `Pallet.Error` as the runtime's metadata names it, e.g.
		/// `MicropaymentPool.StaleVoucher`, or `Token.FundsUnavailable`.
		error: String,
		/// What the error means: its documentation in the runtime's metadata (empty for errors
		/// that are not a pallet's).
		docs: String,
		block_hash: Hash,
		/// The fee the signer paid all the same.
		fee: Balance,
	},
	/// No offer of the transaction was in a block by the block before `deadline`: block
	/// stuffing, or a node that does not include it. The offers (the best block each was made
	/// at, its tip) may still be in the node's pool.
	#[error("kept out of every block before #{deadline} (offers, best block and tip: {offers:?})")]
	KeptOut { deadline: BlockNumber, offers: Vec<(BlockNumber, Balance)> },
	#[error("cannot decode {0}")]
	Decode(String),
	#[error("not found: {0}")]
	NotFound(String),
	#[error("the node's runtime is not the one this client was generated for: {0}")]
	IncompatibleRuntime(String),
}

impl ChainError {
	/// A subxt error as this client reports it: a transaction the node refuses (bad nonce, no
	/// funds for the fee, bad proof) is a [`ChainError::Rejected`].
	pub fn from_subxt<E: Into<subxt::Error>>(e: E) -> Self {
		let e: subxt::Error = e.into();
		match &e {
			subxt::Error::ExtrinsicError(
				subxt::error::ExtrinsicError::ErrorSubmittingTransaction(inner),
			) => Self::Rejected(inner.to_string()),
			_ => Self::Subxt(Box::new(e)),
		}
	}

	/// The pallet error's name if the call was dispatched and failed, e.g. `StaleVoucher`.
	pub fn dispatch_error(&self) -> Option<&str> {
		match self {
			Self::Dispatch { error, .. } => Some(error.rsplit('.').next().unwrap_or(error)),
			_ => None,
		}
	}

	/// The fee a transaction that failed in its block still cost its signer (0 otherwise).
	pub fn fee(&self) -> Balance {
		match self {
			Self::Dispatch { fee, .. } => *fee,
			_ => 0,
		}
	}
}

/// Errors from submitting: the node's "invalid transaction" answers are rejections.
pub(super) fn rejected(e: subxt::rpcs::Error) -> ChainError {
	match e {
		subxt::rpcs::Error::User(user) => ChainError::Rejected(user.to_string()),
		other => ChainError::Rpc(other),
	}
}

/// `MicropaymentPool.StaleVoucher`, `Balances.InsufficientBalance`, `Token.FundsUnavailable`:
/// any module's error by its name in the runtime's metadata.
pub fn error_name(error: &subxt::error::DispatchError) -> String {
	error_name_and_docs(error).0
}

/// [`error_name`] and, for a pallet's error, its documentation in the runtime's metadata (what
/// the error means to the one who sent the call; empty for other errors).
pub fn error_name_and_docs(error: &subxt::error::DispatchError) -> (String, String) {
	use subxt::error::DispatchError as E;
	let name = match error {
		E::Module(module) => match module.details() {
			Ok(details) => {
				let docs = details.variant.docs.iter().map(|line| line.trim()).collect::<Vec<_>>().join(" ");
				return (format!("{}.{}", details.pallet.name(), details.variant.name), docs);
			},
			Err(_) => format!("Module.{}.{}", module.pallet_index(), module.error_index()),
		},
		E::Token(e) => format!("Token.{e:?}"),
		E::Arithmetic(e) => format!("Arithmetic.{e:?}"),
		E::Transactional(e) => format!("Transactional.{e:?}"),
		other => format!("{other:?}"),
	};
	(name, String::new())
}
