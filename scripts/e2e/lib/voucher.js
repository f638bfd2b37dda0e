// The voucher payload of docs/voucher.md, built from its definition (not from Rust code), so this
// suite checks the wire contract from a client's side.
import { POOL } from './chain.js';
import { bnToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress, xxhashAsU8a } from '@polkadot/util-crypto';

export const DOMAIN = stringToU8a('mpool/voucher/v1');

/** The 104 bytes a pool owner signs. */
export function voucherPayload(genesisHash, poolId, target, amount) {
  const payload = u8aConcat(
    DOMAIN,
    genesisHash,
    bnToU8a(BigInt(poolId), { bitLength: 64, isLe: true }),
    decodeAddress(target),
    bnToU8a(BigInt(amount), { bitLength: 128, isLe: true }),
  );
  if (payload.length !== 104) throw new Error(`payload is ${payload.length} bytes`);
  return payload;
}

/** `owner` (a keyring pair) signs a voucher; the result is a MultiSignature argument. */
export function signVoucher(owner, genesisHash, poolId, target, amount) {
  const signature = owner.sign(voucherPayload(genesisHash, poolId, target, amount));
  return { [owner.type === 'ed25519' ? 'Ed25519' : 'Sr25519']: u8aToHex(signature) };
}

/** Storage key of the pool pallet's `Pools[poolId]` (Twox64Concat), under its storage prefix. */
export function poolKey(poolId) {
  const id = bnToU8a(BigInt(poolId), { bitLength: 64, isLe: true });
  return u8aToHex(
    u8aConcat(
      xxhashAsU8a(POOL.prefix, 128),
      xxhashAsU8a('Pools', 128),
      xxhashAsU8a(id, 64),
      id,
    ),
  );
}

export { blake2AsU8a };
