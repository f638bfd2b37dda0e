//! Voucher verification per core: sp-core's raw sr25519 verify, the pallet's `verify_voucher`
//! (what peers and the chain run), and schnorrkel batch verification.
//!
//! `cargo bench -p micropayment-pool-client --bench verify`

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use micropayment_pool_client::{verify, SignedVoucher, Viewer};
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;

fn vouchers(n: u128) -> Vec<SignedVoucher> {
	let viewer = Viewer::new(Sr25519Keyring::Alice.pair(), [0x42; 32], 1);
	(1..=n).map(|i| viewer.sign(&Sr25519Keyring::Bob.to_account_id(), i)).collect()
}

fn single(c: &mut Criterion) {
	let signed = vouchers(1).remove(0);
	let owner = Sr25519Keyring::Alice.to_account_id();
	let public = Sr25519Keyring::Alice.public();
	let payload = signed.voucher.payload();
	let micropayment_pool_client::MultiSignature::Sr25519(raw) = signed.signature.clone() else {
		unreachable!("the viewer signs with sr25519")
	};
	let raw = sr25519::Signature::from_raw(raw);
	let mut group = c.benchmark_group("voucher_verify");
	group.throughput(Throughput::Elements(1));
	group.bench_function("sr25519_raw", |b| {
		b.iter(|| assert!(sr25519::Pair::verify(&raw, &payload[..], &public)))
	});
	group.bench_function("verify_voucher", |b| b.iter(|| assert!(signed.is_signed_by(&owner))));
	group.finish();
}

fn batch(c: &mut Criterion) {
	let owner = Sr25519Keyring::Alice.to_account_id();
	let mut group = c.benchmark_group("voucher_verify_batch");
	for n in [16u128, 64, 256] {
		let signed = vouchers(n);
		let items: Vec<_> = signed.iter().map(|s| (s, &owner)).collect();
		group.throughput(Throughput::Elements(n as u64));
		group.bench_with_input(BenchmarkId::from_parameter(n), &items, |b, items| {
			b.iter_batched(|| (), |_| assert!(verify::verify_batch(items)), BatchSize::SmallInput)
		});
	}
	group.finish();
}

criterion_group!(benches, single, batch);
criterion_main!(benches);
