// The handshake check in wasm (the Rust code of micropayment-pool-handshake) on the vector
// bundle of docs/vectors/wire-v1.json: it verifies, and every way to break it has its code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { HandshakeVerifier, MpoolError, fromHex, toHex } from '../dist/index.js';

const V = JSON.parse(readFileSync(new URL('../../../docs/vectors/wire-v1.json', import.meta.url), 'utf8')).bundle;
const BOB = V.target;
const code = (c) => (e) => e instanceof MpoolError && e.code === c;

describe('handshake verification (wasm)', () => {
  let verifier;
  const policy = (extra = {}) => ({ me: BOB, trustedHash: V.block_hash, now: V.block_number, resourceId: 'stream/42', ...extra });

  before(async () => {
    verifier = await HandshakeVerifier.load();
  });

  it('the vector bundle verifies: the pool, its session signer and what it paid me', () => {
    const pool = verifier.verify(V.hex, policy());
    assert.equal(pool.poolId, BigInt(V.pool_id));
    assert.equal(toHex(pool.owner), V.pool.owner);
    assert.equal(toHex(pool.signer), V.pool.signer);
    assert.equal(pool.deposit, BigInt(V.pool.deposit));
    assert.equal(pool.collateral, BigInt(V.pool.collateral));
    assert.equal(pool.totalDeposit, BigInt(V.pool.total_deposit));
    assert.equal(pool.expiry, V.pool.expiry);
    assert.equal(pool.paidToMe, BigInt(V.paid_to_me));
    assert.equal(pool.blockNumber, V.block_number);
    assert.equal(toHex(pool.blockHash), V.block_hash);
  });

  it('a bundle for another peer, an untrusted block, a forged header are refused', () => {
    assert.throws(() => verifier.verify(V.hex, policy({ me: V.pool.owner })), code('WrongTarget'));
    assert.throws(() => verifier.verify(V.hex, policy({ trustedHash: new Uint8Array(32) })), code('UnknownBlock'));
    const bytes = fromHex(V.hex);
    const header = bytes.slice();
    header[1 + 8 + 32 + 32 + 2 + 5] ^= 1; // a byte of the parent hash, inside the header
    assert.throws(() => verifier.verify(header, policy()), code('HeaderMismatch'));
  });

  it('every tampered or missing proof node is refused, never accepted', () => {
    const bytes = fromHex(V.hex);
    // The proof starts after version, pool id, target, block hash and the header.
    let refused = 0;
    for (let at = bytes.length - 1, n = 0; n < 400 && at > 200; at -= 7, n++) {
      const tampered = bytes.slice();
      tampered[at] ^= 0x20;
      try {
        verifier.verify(tampered, policy());
        assert.fail(`byte ${at} flipped, still accepted`);
      } catch (e) {
        assert.ok(e instanceof MpoolError, `byte ${at}: ${e}`);
        refused++;
      }
    }
    assert.ok(refused > 100);
  });

  it('the policy: fresh proofs only, a pool that leaves time to serve, the resource served', () => {
    // The peer's head 11 blocks past the bundle's block (max_age 10): a stale proof.
    assert.throws(() => verifier.verify(V.hex, policy({ now: V.block_number + 11 })), code('StaleBundle'));
    assert.equal(verifier.verify(V.hex, policy({ now: V.block_number + 10 })).poolId, BigInt(V.pool_id));
    const left = V.pool.expiry - V.block_number;
    assert.throws(() => verifier.verify(V.hex, policy({ limits: { minServingBlocks: left - 9 } })), code('ExpiresTooSoon'));
    assert.equal(verifier.verify(V.hex, policy({ limits: { minServingBlocks: left - 10 } })).expiry, V.pool.expiry);
    assert.throws(() => verifier.verify(V.hex, policy({ resourceId: 'other' })), code('WrongResource'));
    // C − D = 8 of D = 12 tokens: a peer asking for 70 % refuses it.
    assert.throws(() => verifier.verify(V.hex, policy({ limits: { minMarginPpm: 700_000 } })), code('MarginTooSmall'));
  });

  it('garbage and oversized input are refused with a code, and the checker keeps working', () => {
    assert.throws(() => verifier.verify(new Uint8Array([1, 2, 3]), policy()), code('Malformed'));
    assert.throws(() => verifier.verify(new Uint8Array(300 * 1024), policy()), code('TooLarge'));
    assert.equal(verifier.verify(V.hex, policy()).poolId, BigInt(V.pool_id));
  });
});

describe('voucher signatures in wasm (schnorrkel, as the chain checks them)', () => {
  const W = JSON.parse(readFileSync(new URL('../../../docs/vectors/wire-v1.json', import.meta.url), 'utf8'));
  const voucher = {
    genesisHash: fromHex(W.voucher.genesis_hash),
    poolId: BigInt(W.voucher.pool_id),
    target: fromHex(W.voucher.target),
    amount: BigInt(W.voucher.amount),
  };
  let verifier;
  before(async () => {
    verifier = await HandshakeVerifier.load();
  });

  it('agrees with the pure-JS check: raw, wrapped, refused', async () => {
    const { SessionKey, verifyVoucher, wrappedPayload } = await import('../dist/index.js');
    const published = { voucher, signature: { type: 'Sr25519', bytes: fromHex(W.signatures.sr25519_over_payload) } };
    assert.equal(verifier.verifyVoucher(published, W.signatures.sr25519_signer), 'raw');
    const key = SessionKey.fromSeed(new Uint8Array(32).fill(3));
    const signed = key.sign(voucher);
    assert.equal(verifier.verifyVoucher(signed, key.publicKey), 'raw');
    assert.equal(verifyVoucher(signed, key.publicKey), 'raw');
    // The <Bytes> form, as a wallet's signRaw signs it.
    const { secretFromSeed, sign } = await import('@scure/sr25519');
    const secret = secretFromSeed(new Uint8Array(32).fill(3));
    const wrapped = { voucher, signature: { type: 'Sr25519', bytes: sign(secret, wrappedPayload(voucher)) } };
    assert.equal(verifier.verifyVoucher(wrapped, key.publicKey), 'wrapped');
    assert.equal(verifyVoucher(wrapped, key.publicKey), 'wrapped');
    // Another signer, another amount, garbage bytes: refused by both.
    for (const [bad, who] of [
      [signed, W.signatures.sr25519_signer],
      [{ ...signed, voucher: { ...voucher, amount: voucher.amount + 1n } }, key.publicKey],
      [{ voucher, signature: { type: 'Sr25519', bytes: new Uint8Array(64).fill(0xff) } }, key.publicKey],
    ]) {
      assert.equal(verifier.verifyVoucher(bad, who), null);
      assert.equal(verifyVoucher(bad, who), null);
    }
    // ed25519 falls back to the JS check.
    const ed = { voucher, signature: { type: 'Ed25519', bytes: fromHex(W.signatures.ed25519_over_payload) } };
    assert.equal(verifier.verifyVoucher(ed, W.signatures.ed25519_signer), 'raw');
  });
});
