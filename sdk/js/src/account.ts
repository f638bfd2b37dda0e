// Accounts are 32-byte public keys (`AccountId32`); users write them as SS58 addresses, which
// polkadot-api's substrate-bindings read and write.
import { fromBufferToBase58, getSs58AddressInfo } from '@polkadot-api/substrate-bindings';
import { MpoolError } from './errors.js';
import { fromHex } from './codec.js';

/** A 32-byte account id from an SS58 address (any network prefix), `0x` hex or bytes. */
export function accountId(value: string | Uint8Array): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.length !== 32) throw new MpoolError('Malformed', `an account id is 32 bytes, not ${value.length}`);
    return value;
  }
  if (/^0x/i.test(value.trim())) return accountId(fromHex(value));
  const info = getSs58AddressInfo(value.trim());
  if (!info.isValid) throw new MpoolError('Malformed', `not an SS58 address (or a bad checksum): ${value}`);
  if (info.publicKey.length !== 32) throw new MpoolError('Malformed', `not a 32-byte SS58 address: ${value}`);
  return info.publicKey;
}

/** The SS58 address of an account id; network prefix 42 (generic Substrate) by default. */
export function ss58(account: Uint8Array, prefix = 42): string {
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 16383) throw new MpoolError('Malformed', `bad SS58 prefix ${prefix}`);
  // A copy: substrate-bindings caches addresses by the key read from the start of its buffer,
  // so a view into a larger buffer would be looked up under another key's bytes.
  return fromBufferToBase58(prefix)(accountId(account).slice());
}
