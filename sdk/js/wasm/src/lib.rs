//! The JS SDK's handshake check: [`micropayment_pool_handshake::HandshakeBundle::check`] behind
//! a C ABI, compiled for `wasm32v1-none` (`sdk/js/scripts/build-wasm.sh`).
//!
//! Protocol, one call at a time (the module is single-threaded):
//! 1. `mpool_reset()` frees everything the previous call allocated;
//! 2. `mpool_alloc(n)` returns a buffer for the bundle, another of 32 bytes for the peer's
//!    account and one for the pool pallet's storage prefix on the peer's chain; JS writes them
//!    into the module's memory;
//! 3. `mpool_check(bundle, len, me, prefix, prefix_len)` returns a status (0 ok, else [`status`]) and leaves its
//!    output at `mpool_out_ptr()`/`mpool_out_len()`: on success the SCALE encoding of
//!    [`micropayment_pool_handshake::Proven`], else a UTF-8 message;
//!    `mpool_verify_voucher(voucher, signature, signer)` returns which payload an sr25519
//!    signature covers ([`verify_sr25519_voucher`]);
//!    `mpool_policy(op, input, len)` runs one operation of the peer policy
//!    ([`micropayment_pool_handshake::abi::call`]): status 0 with the SCALE result as output,
//!    or [`status::REFUSED`] with the SCALE `(name, message)` of the rule that refused.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::{format, vec::Vec};
use codec::Encode;
use micropayment_pool_handshake::{BundleError, HandshakeBundle};

/// Status codes of `mpool_check`; the JS SDK maps them to its error codes.
pub mod status {
	pub const OK: u32 = 0;
	pub const MALFORMED: u32 = 1;
	pub const TOO_LARGE: u32 = 2;
	pub const UNSUPPORTED_VERSION: u32 = 3;
	pub const WRONG_TARGET: u32 = 4;
	pub const HEADER_MISMATCH: u32 = 5;
	pub const BAD_PROOF: u32 = 6;
	/// `mpool_policy`: a rule refused, or the arguments did not decode.
	pub const REFUSED: u32 = 7;
}

/// Runs policy operation `op` on its SCALE arguments: a status and the output bytes.
pub fn policy(op: u32, input: &[u8]) -> (u32, Vec<u8>) {
	match micropayment_pool_handshake::abi::call(op, input) {
		Ok(out) => (status::OK, out),
		Err(e) => (status::REFUSED, (e.name, e.message).encode()),
	}
}

/// Checks a bundle for `me` on a chain whose pool pallet has storage prefix `pallet_prefix`: a
/// status and the output bytes (see the crate docs).
pub fn check(bundle: &[u8], me: &[u8; 32], pallet_prefix: &[u8]) -> (u32, Vec<u8>) {
	let result = HandshakeBundle::from_bytes(bundle).and_then(|b| b.check(me, pallet_prefix));
	match result {
		Ok(proven) => (status::OK, proven.encode()),
		Err(e) => {
			let (code, message) = match e {
				BundleError::Malformed(what) => (status::MALFORMED, format!("{what} does not decode")),
				BundleError::TooLarge { size } => (status::TOO_LARGE, format!("bundle of {size} bytes is too large")),
				BundleError::UnsupportedVersion(v) => (status::UNSUPPORTED_VERSION, format!("unsupported bundle version {v}")),
				BundleError::WrongTarget => (status::WRONG_TARGET, "bundle was made for another peer".into()),
				BundleError::HeaderMismatch { claimed, actual } =>
					(status::HEADER_MISMATCH, format!("header hashes to {actual:?}, not {claimed:?}")),
				BundleError::BadProof => (
					status::BAD_PROOF,
					"storage proof does not check against the state root".into(),
				),
			};
			(code, message.into_bytes())
		},
	}
}

/// Signing context of sr25519 signatures in Substrate (`sp_core::sr25519`).
const SR25519_CONTEXT: &[u8] = b"substrate";

/// Which payload of the voucher (88 bytes: the SCALE `Voucher`) an sr25519 `signature` by
/// `signer` covers: 1 the raw payload, 2 the `<Bytes>`-wrapped one, 0 neither (or malformed).
/// The payloads are `micropayment_pool_primitives::Voucher`'s, the checks those of the chain.
pub fn verify_sr25519_voucher(voucher: &[u8], signature: &[u8; 64], signer: &[u8; 32]) -> u32 {
	use codec::DecodeAll;
	let Ok(voucher) = micropayment_pool_primitives::Voucher::decode_all(&mut &voucher[..]) else {
		return 0;
	};
	let (Ok(signature), Ok(signer)) =
		(schnorrkel::Signature::from_bytes(signature), schnorrkel::PublicKey::from_bytes(signer))
	else {
		return 0;
	};
	let ctx = schnorrkel::signing_context(SR25519_CONTEXT);
	if signer.verify(ctx.bytes(&voucher.payload()), &signature).is_ok() {
		1
	} else if signer.verify(ctx.bytes(&voucher.wrapped_payload()), &signature).is_ok() {
		2
	} else {
		0
	}
}

#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
mod ffi {
	use super::*;
	use core::cell::UnsafeCell;

	/// A bump allocator over memory grown on demand; `mpool_reset` frees everything at once.
	/// The module is single-threaded and JS drives it one call at a time.
	struct Bump {
		next: UnsafeCell<usize>,
		end: UnsafeCell<usize>,
	}

	// SAFETY: wasm32v1-none has no threads.
	unsafe impl Sync for Bump {}

	const PAGE: usize = 65_536;

	unsafe impl core::alloc::GlobalAlloc for Bump {
		unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
			// SAFETY: single-threaded (see above): no other access to the cells runs meanwhile.
			let (next, end) = unsafe { (&mut *self.next.get(), &mut *self.end.get()) };
			if *next == 0 {
				// First use: start on a fresh page after the module's static data.
				let page = core::arch::wasm32::memory_grow(0, 1);
				if page == usize::MAX {
					return core::ptr::null_mut();
				}
				*next = page * PAGE;
				*end = *next + PAGE;
				HEAP_START.with(*next);
			}
			let start = (*next + layout.align() - 1) & !(layout.align() - 1);
			let Some(stop) = start.checked_add(layout.size()) else { return core::ptr::null_mut() };
			if stop > *end {
				let pages = (stop - *end).div_ceil(PAGE);
				if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
					return core::ptr::null_mut();
				}
				*end += pages * PAGE;
			}
			*next = stop;
			start as *mut u8
		}

		unsafe fn dealloc(&self, _ptr: *mut u8, _layout: core::alloc::Layout) {}
	}

	/// Where the heap starts, once known: `mpool_reset` rewinds to it.
	struct HeapStart(UnsafeCell<usize>);
	// SAFETY: single-threaded.
	unsafe impl Sync for HeapStart {}
	impl HeapStart {
		fn with(&self, start: usize) {
			// SAFETY: single-threaded.
			unsafe { *self.0.get() = start }
		}
		fn get(&self) -> usize {
			// SAFETY: single-threaded.
			unsafe { *self.0.get() }
		}
	}
	static HEAP_START: HeapStart = HeapStart(UnsafeCell::new(0));

	#[global_allocator]
	static ALLOCATOR: Bump = Bump { next: UnsafeCell::new(0), end: UnsafeCell::new(0) };

	struct Out(UnsafeCell<(usize, usize)>);
	// SAFETY: single-threaded.
	unsafe impl Sync for Out {}
	static OUT: Out = Out(UnsafeCell::new((0, 0)));

	#[panic_handler]
	fn panic(_: &core::panic::PanicInfo) -> ! {
		core::arch::wasm32::unreachable()
	}

	/// Frees every allocation of the previous call.
	#[no_mangle]
	pub extern "C" fn mpool_reset() {
		let start = HEAP_START.get();
		if start != 0 {
			// SAFETY: single-threaded, and JS holds no pointer across a reset (the protocol).
			unsafe { *ALLOCATOR.next.get() = start };
		}
		// SAFETY: single-threaded.
		unsafe { *OUT.0.get() = (0, 0) };
	}

	/// A buffer of `len` bytes for JS to write into; 0 if memory is exhausted.
	#[no_mangle]
	pub extern "C" fn mpool_alloc(len: usize) -> *mut u8 {
		let mut buffer = Vec::<u8>::with_capacity(len.max(1));
		let ptr = buffer.as_mut_ptr();
		core::mem::forget(buffer); // freed by mpool_reset
		ptr
	}

	/// Checks the bundle at `bundle[..len]` for the account at `me[..32]`, under the pallet
	/// storage prefix at `prefix[..prefix_len]`.
	///
	/// # Safety
	/// The pointers come from `mpool_alloc` of at least `len`, 32 and `prefix_len` bytes,
	/// written by JS.
	#[no_mangle]
	pub unsafe extern "C" fn mpool_check(
		bundle: *const u8,
		len: usize,
		me: *const u8,
		prefix: *const u8,
		prefix_len: usize,
	) -> u32 {
		// SAFETY: the caller passes buffers of these lengths (see above).
		let (bundle, me, prefix) = unsafe {
			(
				core::slice::from_raw_parts(bundle, len),
				&*(me as *const [u8; 32]),
				core::slice::from_raw_parts(prefix, prefix_len),
			)
		};
		let (code, out) = check(bundle, me, prefix);
		let out = out.leak();
		// SAFETY: single-threaded.
		unsafe { *OUT.0.get() = (out.as_ptr() as usize, out.len()) };
		code
	}

	/// [`verify_sr25519_voucher`] on buffers of 88, 64 and 32 bytes.
	///
	/// # Safety
	/// The pointers come from `mpool_alloc` of at least those lengths, written by JS.
	#[no_mangle]
	pub unsafe extern "C" fn mpool_verify_voucher(
		voucher: *const u8,
		signature: *const u8,
		signer: *const u8,
	) -> u32 {
		// SAFETY: the caller passes buffers of these lengths (see above).
		let (voucher, signature, signer) = unsafe {
			(
				core::slice::from_raw_parts(voucher, 88),
				&*(signature as *const [u8; 64]),
				&*(signer as *const [u8; 32]),
			)
		};
		verify_sr25519_voucher(voucher, signature, signer)
	}

	/// [`policy`] on the `len` bytes at `input`.
	///
	/// # Safety
	/// `input` comes from `mpool_alloc` of at least `len` bytes, written by JS.
	#[no_mangle]
	pub unsafe extern "C" fn mpool_policy(op: u32, input: *const u8, len: usize) -> u32 {
		// SAFETY: the caller passes a buffer of this length (see above).
		let input = unsafe { core::slice::from_raw_parts(input, len) };
		let (code, out) = policy(op, input);
		let out = out.leak();
		// SAFETY: single-threaded.
		unsafe { *OUT.0.get() = (out.as_ptr() as usize, out.len()) };
		code
	}

	#[no_mangle]
	pub extern "C" fn mpool_out_ptr() -> usize {
		// SAFETY: single-threaded.
		unsafe { (*OUT.0.get()).0 }
	}

	#[no_mangle]
	pub extern "C" fn mpool_out_len() -> usize {
		// SAFETY: single-threaded.
		unsafe { (*OUT.0.get()).1 }
	}
}
