// docs/vectors/policy-v1.json, which client/handshake/tests/policy_vectors.rs checks against the
// Rust policy: the same calls through the wasm module give the same bytes, or the same refusal.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { HandshakeVerifier, fromHex, toHex } from '../dist/index.js';

const V = JSON.parse(readFileSync(new URL('../../../docs/vectors/policy-v1.json', import.meta.url), 'utf8'));

describe('the peer policy in wasm: the shared vectors', () => {
  let verifier;
  before(async () => {
    verifier = await HandshakeVerifier.load();
  });

  it(`all ${V.cases.length} vectors give the recorded output or refusal`, () => {
    assert.ok(V.cases.length >= 40);
    for (const c of V.cases) {
      const got = verifier.policyCall(c.op, fromHex(c.input));
      if (c.ok) {
        assert.equal(got.ok, true, `${c.name}: refused with ${got.error}`);
        assert.equal(toHex(got.output), c.output, c.name);
      } else {
        assert.deepEqual(got, { ok: false, error: c.error }, c.name);
      }
    }
  });

  it('the default limits are the vectors\' and the typed API reads them', () => {
    const defaults = V.cases.find((c) => c.name === 'default-limits');
    assert.equal(toHex(verifier.policyCall(defaults.op, new Uint8Array()).output), defaults.output);
    assert.deepEqual(verifier.defaultLimits, {
      maxAge: 10,
      settleMargin: 10,
      minServingBlocks: 10,
      minMarginPpm: 100_000,
      exposureCap: null,
      unconfirmedPpm: 100_000,
      settleAtPpm: 500_000,
      tipBlocks: 5,
    });
  });
});
