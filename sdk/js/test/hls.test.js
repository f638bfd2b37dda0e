// The player side's pure rules: the hash list is the one the resource id commits to, and a
// player's counters survive a reload only upwards (from its own record).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HandshakeVerifier, Payer, SessionKey } from '../dist/index.js';
import { manifestResourceId, parseManifest, sha256Hex } from '../dist/hls.js';

const list = (segments) => new TextEncoder().encode(JSON.stringify({ version: 1, hash: 'sha-256', segments }));

describe('@mpool/sdk/hls', () => {
  it('takes a hash list only under the resource id that commits to it', async () => {
    const h = await sha256Hex(new Uint8Array([1, 2, 3]));
    assert.equal(h, '0x039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81');
    const bytes = list({ 'seg0.ts': h });
    const id = await manifestResourceId(bytes);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.deepEqual((await parseManifest(bytes, id)).segments, { 'seg0.ts': h });
    // One byte changed in the list: another id.
    const other = list({ 'seg0.ts': h.replace(/.$/, '0') });
    await assert.rejects(parseManifest(other, id), { code: 'WrongResource' });
    // The right id of something that is not a hash list.
    for (const bad of [new TextEncoder().encode('not json'), list({ 'seg0.ts': 'abc' }), new TextEncoder().encode('{"version":2}')]) {
      await assert.rejects(parseManifest(bad, await manifestResourceId(bad)), { code: 'Malformed' });
    }
  });

  it('restores a payer from its own record, never lowering a counter', async () => {
    const rules = await HandshakeVerifier.load();
    const key = SessionKey.generate();
    const genesis = new Uint8Array(32);
    const peer = new Uint8Array(32).fill(7);
    const before = new Payer(key, genesis, 3n, 100n, rules);
    before.pay(peer, 10n);
    before.pay(peer, 5n);
    const saved = before.entries();
    assert.deepEqual(saved, [[`0x${'07'.repeat(32)}`, 15n]]);

    const after = new Payer(key, genesis, 3n, 100n, rules);
    for (const [p, amount] of saved) after.restore(p, amount);
    after.restore(peer, 1n); // an older record does not lower it
    assert.equal(after.owed(peer), 15n);
    assert.equal(after.pay(peer, 5n).voucher.amount, 20n);
    // The deposit rule counts what was restored.
    assert.throws(() => after.pay(peer, 81n), { code: 'ExceedsDeposit' });
  });
});
