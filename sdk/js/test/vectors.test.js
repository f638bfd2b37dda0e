// The wire vectors of docs/vectors/wire-v1.json, which client/tests/wire_vectors.rs generates
// and checks from the Rust types: the same bytes, byte for byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  blake2_256,
  checkBundleHeader,
  decodeBundle,
  decodePoolRecord,
  decodeToken,
  encodeBundle,
  encodeToken,
  fromHex,
  MpoolError,
  toHex,
  tokenHex,
  verifyVoucher,
  accountId,
  ss58,
  voucherPayload,
  wrappedPayload,
} from '../dist/index.js';

const V = JSON.parse(readFileSync(new URL('../../../docs/vectors/wire-v1.json', import.meta.url), 'utf8'));
const voucher = {
  genesisHash: fromHex(V.voucher.genesis_hash),
  poolId: BigInt(V.voucher.pool_id),
  target: fromHex(V.voucher.target),
  amount: BigInt(V.voucher.amount),
};
const code = (c) => (e) => e instanceof MpoolError && e.code === c;

describe('voucher payload and signatures', () => {
  it('the payload and its <Bytes> form are the vector bytes', () => {
    assert.equal(toHex(voucherPayload(voucher)), V.voucher.payload);
    assert.equal(toHex(wrappedPayload(voucher)), V.voucher.wrapped_payload);
  });

  it('the published sr25519 and ed25519 signatures verify, over the raw payload', () => {
    const sr = { voucher, signature: { type: 'Sr25519', bytes: fromHex(V.signatures.sr25519_over_payload) } };
    assert.equal(verifyVoucher(sr, V.signatures.sr25519_signer), 'raw');
    const ed = { voucher, signature: { type: 'Ed25519', bytes: fromHex(V.signatures.ed25519_over_payload) } };
    assert.equal(verifyVoucher(ed, V.signatures.ed25519_signer), 'raw');
    // Another signer, another amount: refused.
    assert.equal(verifyVoucher(sr, V.signatures.ed25519_signer), null);
    assert.equal(verifyVoucher({ ...sr, voucher: { ...voucher, amount: voucher.amount + 1n } }, V.signatures.sr25519_signer), null);
  });
});

describe('voucher token', () => {
  for (const scheme of ['sr25519', 'ed25519']) {
    it(`${scheme}: decodes to the vector voucher and encodes back to the same 153 bytes`, () => {
      const token = V.tokens[scheme];
      const signed = decodeToken(token);
      assert.deepEqual(signed.voucher, voucher);
      assert.equal(fromHex(token).length, 153);
      assert.equal(toHex(encodeToken(signed)), token);
      assert.equal(tokenHex(signed), token);
      assert.equal(verifyVoucher(signed, V.signatures[`${scheme}_signer`]), 'raw');
    });
  }

  it('refuses truncated, extended and unknown-scheme tokens', () => {
    const bytes = fromHex(V.tokens.sr25519);
    assert.throws(() => decodeToken(bytes.slice(0, 152)), code('Malformed'));
    assert.throws(() => decodeToken(Uint8Array.of(...bytes, 0)), code('Malformed'));
    const unknown = bytes.slice();
    unknown[88] = 7;
    assert.throws(() => decodeToken(unknown), code('UnsupportedSignature'));
    assert.throws(() => decodeToken('0xzz'), code('BadHex'));
  });
});

describe('handshake bundle', () => {
  const b = V.bundle;

  it('decodes to the vector fields and encodes back byte for byte', () => {
    const bundle = decodeBundle(b.hex);
    assert.equal(bundle.version, b.version);
    assert.equal(bundle.poolId, BigInt(b.pool_id));
    assert.equal(toHex(bundle.target), b.target);
    assert.equal(toHex(bundle.blockHash), b.block_hash);
    assert.equal(bundle.proof.length, b.proof_nodes);
    assert.equal(toHex(encodeBundle(bundle)), b.hex);
  });

  it('its header hashes to the block hash and carries the number and state root', () => {
    const bundle = decodeBundle(b.hex);
    assert.equal(toHex(blake2_256(bundle.header)), b.block_hash);
    const header = checkBundleHeader(bundle, fromHex(b.target));
    assert.equal(header.number, b.block_number);
    assert.equal(toHex(header.stateRoot), b.state_root);
    assert.throws(() => checkBundleHeader(bundle, new Uint8Array(32)), code('WrongTarget'));
    const forged = { ...bundle, header: bundle.header.slice() };
    forged.header[40] ^= 1;
    assert.throws(() => checkBundleHeader(forged, fromHex(b.target)), code('HeaderMismatch'));
  });

  it('the proven pool record decodes to the vector pool, its signer included', () => {
    const pool = decodePoolRecord(b.pool_record);
    assert.equal(toHex(pool.owner), b.pool.owner);
    assert.equal(toHex(pool.signer), b.pool.signer);
    assert.equal(toHex(pool.resourceId), b.pool.resource_id);
    assert.equal(pool.deposit, BigInt(b.pool.deposit));
    assert.equal(pool.collateral, BigInt(b.pool.collateral));
    assert.equal(pool.totalDeposit, BigInt(b.pool.total_deposit));
    assert.equal(pool.expiry, b.pool.expiry);
    assert.equal(pool.payees, b.pool.payees);
    assert.equal(pool.overdrawn, b.pool.overdrawn);
    assert.throws(() => decodePoolRecord(fromHex(b.pool_record).slice(0, 100)), code('Malformed'));
  });

  it('refuses other versions, trailing bytes, oversized and lying length prefixes', () => {
    const bytes = fromHex(b.hex);
    const v2 = bytes.slice();
    v2[0] = 2;
    assert.throws(() => decodeBundle(v2), code('UnsupportedVersion'));
    assert.throws(() => decodeBundle(Uint8Array.of(...bytes, 0)), code('Malformed'));
    assert.throws(() => decodeBundle(new Uint8Array(256 * 1024 + 1)), code('TooLarge'));
    // A header length far beyond the input.
    const lying = bytes.slice(0, 73);
    lying.set([0xfe, 0xff, 0xff, 0xff], 73 - 4);
    assert.throws(() => decodeBundle(lying), code('Malformed'));
  });
});

// The codecs under the wire formats are polkadot-api's; these are the properties a stranger's
// bytes need that those codecs do not give by themselves (src/codec.ts).
describe('strict SCALE at the edges', () => {
  const b = V.bundle;

  it('refuses amounts and ids out of range instead of wrapping them', () => {
    assert.throws(() => voucherPayload({ ...voucher, amount: 1n << 128n }), code('Malformed'));
    assert.throws(() => voucherPayload({ ...voucher, amount: -1n }), code('Malformed'));
    assert.throws(() => voucherPayload({ ...voucher, poolId: 1n << 64n }), code('Malformed'));
    assert.equal(voucherPayload({ ...voucher, amount: (1n << 128n) - 1n }).length, 104);
  });

  it('refuses a non-canonical length prefix and a boolean other than 0 or 1', () => {
    const bundle = decodeBundle(fromHex(b.hex));
    // The same bundle with the proof count written in 4-byte mode instead of its 1-byte form.
    const canonical = encodeBundle(bundle);
    const headerEnd = 1 + 8 + 32 + 32 + (bundle.header.length < 64 ? 1 : 2) + bundle.header.length;
    const count = bundle.proof.length;
    const padded = Uint8Array.of(...canonical.slice(0, headerEnd), ((count << 2) | 2) & 0xff, count >> 6, 0, 0, ...canonical.slice(headerEnd + 1));
    assert.throws(() => decodeBundle(padded), code('Malformed'));
    const record = fromHex(b.pool_record);
    const overdrawnAt = 32 + 1 + fromHex(b.pool.resource_id).length + 16 + 16 + 4 + 4;
    assert.equal(record[overdrawnAt], b.pool.overdrawn ? 1 : 0);
    record[overdrawnAt] = 2;
    assert.throws(() => decodePoolRecord(record), code('Malformed'));
  });

  it('reads a view into a larger buffer at its own offset', () => {
    const token = fromHex(V.tokens.sr25519);
    const host = new Uint8Array(token.length + 7);
    host.set(token, 7);
    const fromView = decodeToken(host.subarray(7));
    assert.equal(toHex(encodeToken(fromView)), toHex(token));
    const key = host.subarray(7 + 32 + 8, 7 + 32 + 8 + 32);
    assert.equal(ss58(key), ss58(key.slice()));
    assert.equal(toHex(accountId(ss58(key))), toHex(key));
  });
});
