// Adds a realistic pool population to a raw chain spec, for `mpool-node benchmark storage`.
//
//   node scripts/bench/bench-state.mjs <raw-spec.json> <out.json> [pools] [metadata.scale]
//
// For each of `pools` (default 100,000) pools, the entries one pool and one paying peer leave in
// state after a settlement: the pool record, its storage-deposit ticket, the owner's pool list, the
// peer's `Paid` record and its ticket, both accounts and their holds, and `NextPoolId`; the pools'
// funds are held on the escrow account (`PalletId` `py/mpool`), whose holds are their sums. Keys and
// values are encoded from the runtime's metadata (client/metadata/micropayment-pool.scale), with
// the hashers it names, so the trie has the shape and value sizes a busy chain's would. The
// benchmark measures reads and writes of keys; it never executes these records.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
// @polkadot/types comes with the e2e suite, in the npm workspace (mpool_npm_ci installs it).
const require = createRequire(join(root, 'scripts/e2e/package.json'));
const { Metadata, TypeRegistry } = require('@polkadot/types');
const { u8aConcat, u8aToHex, stringToU8a, bnToU8a } = require('@polkadot/util');
const { blake2AsU8a, xxhashAsU8a } = require('@polkadot/util-crypto');

const [specIn, specOut, poolsArg, metadataArg] = process.argv.slice(2);
if (!specIn || !specOut) {
	console.error('usage: bench-state.mjs <raw-spec.json> <out.json> [pools] [metadata.scale]');
	process.exit(2);
}
const pools = Number(poolsArg ?? 100_000);
if (!Number.isSafeInteger(pools) || pools <= 0) {
	console.error(`pools must be a positive integer, got ${poolsArg}`);
	process.exit(2);
}

// The pool pallet's storage prefix in the runtime whose spec is filled: the metadata's types
// are the same in both demo runtimes, but the parachain names the pallet `Micropayments`.
const POOL_PREFIX = process.env.MPOOL_POOL_PREFIX ?? 'MicropaymentPool';

const registry = new TypeRegistry();
const metadata = new Metadata(
	registry,
	readFileSync(metadataArg ?? join(root, 'client/metadata/micropayment-pool.scale')),
);
registry.setMetadata(metadata);
const latest = metadata.asLatest;

function entry(palletName, itemName) {
	const pallet = latest.pallets.find((p) => p.name.toString() === palletName);
	const item = pallet?.storage.unwrapOr(null)?.items.find((i) => i.name.toString() === itemName);
	if (!item) throw new Error(`${palletName}.${itemName} is not in the metadata`);
	const prefix = palletName === 'MicropaymentPool' ? POOL_PREFIX : pallet.storage.unwrap().prefix.toString();
	return { prefix, item };
}

function hash(hasher, bytes) {
	switch (hasher.type) {
		case 'Blake2_128Concat':
			return u8aConcat(blake2AsU8a(bytes, 128), bytes);
		case 'Twox64Concat':
			return u8aConcat(xxhashAsU8a(bytes, 64), bytes);
		case 'Identity':
			return bytes;
		case 'Blake2_256':
			return blake2AsU8a(bytes, 256);
		case 'Twox128':
			return xxhashAsU8a(bytes, 128);
		default:
			throw new Error(`hasher ${hasher.type} not handled`);
	}
}

// A storage item's key and value encoder, from its metadata entry.
function storage(palletName, itemName) {
	const { prefix, item } = entry(palletName, itemName);
	const base = u8aConcat(xxhashAsU8a(prefix, 128), xxhashAsU8a(itemName, 128));
	if (item.type.isPlain) {
		const value = registry.createLookupType(item.type.asPlain);
		return { key: () => base, value: (v) => registry.createType(value, v).toU8a() };
	}
	const map = item.type.asMap;
	const hashers = map.hashers;
	const keyTypes =
		hashers.length === 1
			? [map.key]
			: registry.lookup.getSiType(map.key).def.asTuple.map((id) => id);
	const value = registry.createLookupType(map.value);
	return {
		key: (...parts) =>
			u8aConcat(
				base,
				...parts.map((part, i) =>
					hash(hashers[i], registry.createType(registry.createLookupType(keyTypes[i]), part).toU8a()),
				),
			),
		value: (v) => registry.createType(value, v).toU8a(),
	};
}

const account = storage('System', 'Account');
const holds = storage('Balances', 'Holds');
const pool = storage('MicropaymentPool', 'Pools');
const poolTicket = storage('MicropaymentPool', 'PoolTickets');
const ownerPools = storage('MicropaymentPool', 'OwnerPools');
const paid = storage('MicropaymentPool', 'Paid');
const paidTicket = storage('MicropaymentPool', 'PaidTickets');
const nextPoolId = storage('MicropaymentPool', 'NextPoolId');

const spec = JSON.parse(readFileSync(specIn, 'utf8'));
const top = spec?.genesis?.raw?.top;
if (!top) {
	console.error(`${specIn} is not a raw chain spec (no genesis.raw.top)`);
	process.exit(2);
}

const UNIT = 10n ** 12n;
const deposit = 10n * UNIT;
const collateral = 25n * UNIT;
const poolStorage = UNIT / 10n;
const payeeStorage = UNIT / 100n;
const put = (key, value) => {
	top[u8aToHex(key)] = u8aToHex(value);
};
const who = (role, i) => blake2AsU8a(u8aConcat(stringToU8a(`mpool-bench-${role}`), bnToU8a(i, { bitLength: 64 })));
const accountInfo = (free, reserved) => ({
	nonce: 1,
	consumers: 1,
	providers: 1,
	sufficients: 0,
	data: { free, reserved, frozen: 0, flags: '0x80000000000000000000000000000000' },
});

let step = Math.max(1, Math.floor(pools / 10));
for (let i = 0; i < pools; i++) {
	const owner = who('owner', i);
	const peer = who('peer', i);
	const paidAmount = deposit / 4n;
	put(account.key(owner), account.value(accountInfo(100n * UNIT, poolStorage)));
	put(holds.key(owner), holds.value([{ id: { MicropaymentPool: 'PoolStorage' }, amount: poolStorage }]));
	put(account.key(peer), account.value(accountInfo(paidAmount, payeeStorage)));
	put(holds.key(peer), holds.value([{ id: { MicropaymentPool: 'PayeeStorage' }, amount: payeeStorage }]));
	put(
		pool.key(i),
		pool.value({
			owner,
			// Hex, not bytes: @polkadot/types reads a Uint8Array given for `Bytes` as already encoded.
			resourceId: u8aToHex(stringToU8a(`bench/video-${i}.m3u8`)),
			deposit: deposit - paidAmount,
			collateral,
			expiry: 100_000 + (i % 50_000),
			payees: 1,
			overdrawn: false,
			totalDeposit: deposit,
			signer: owner,
		}),
	);
	put(poolTicket.key(i), poolTicket.value(poolStorage));
	put(ownerPools.key(owner), ownerPools.value([i]));
	put(paid.key(i, peer), paid.value(paidAmount));
	put(paidTicket.key(i, peer), paidTicket.value(payeeStorage));
	if ((i + 1) % step === 0) console.error(`bench-state: ${i + 1}/${pools} pools`);
}
put(nextPoolId.key(), nextPoolId.value(pools));
// The escrow: "modl" ++ the pallet id, zero-padded (`PalletId::into_account_truncating`); its free
// balance as genesis minted it, its holds the pools' sums.
const escrow = new Uint8Array(32);
escrow.set(u8aConcat(stringToU8a('modl'), stringToU8a('py/mpool')));
const escrowKey = u8aToHex(account.key(escrow));
const escrowFree = top[escrowKey]
	? registry.createType('AccountInfo', top[escrowKey]).data.free.toBigInt()
	: UNIT / 1000n;
const heldDeposit = BigInt(pools) * (deposit - deposit / 4n);
const heldCollateral = BigInt(pools) * collateral;
put(account.key(escrow), account.value({ ...accountInfo(escrowFree, heldDeposit + heldCollateral), nonce: 0 }));
put(
	holds.key(escrow),
	holds.value([
		{ id: { MicropaymentPool: 'PoolDeposit' }, amount: heldDeposit },
		{ id: { MicropaymentPool: 'PoolCollateral' }, amount: heldCollateral },
	]),
);
writeFileSync(specOut, JSON.stringify(spec));
console.error(`bench-state: ${Object.keys(top).length} keys in ${specOut}`);
// A known key, so a reader can check the encoding: System.Account of the first bench owner.
console.error(`bench-state: System.Account(owner 0) = ${u8aToHex(account.key(who('owner', 0)))}`);
