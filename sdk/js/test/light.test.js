// The light-client peer's view of finality (FinalityTracker) on a scripted client: the hash it
// trusts at a height is the one on the finalized chain, never a fork's; it waits for finality to
// reach a height and gives up with UnknownBlock; it forgets blocks older than its window. And
// LightPeer.verifyBundle takes the trusted hash from it (the vector bundle, at block 7).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Subject } from 'rxjs';
import { HandshakeVerifier, MpoolError } from '../dist/index.js';
import { FinalityTracker, LightPeer } from '../dist/light.js';

const V = JSON.parse(readFileSync(new URL('../../../docs/vectors/wire-v1.json', import.meta.url), 'utf8')).bundle;
const METADATA = new Uint8Array(readFileSync(new URL('../../../client/metadata/micropayment-pool.scale', import.meta.url)));
const code = (c) => (e) => e instanceof MpoolError && e.code === c;

/** A client that announces what the test tells it to. */
function scripted() {
  const blocks$ = new Subject();
  const finalizedBlock$ = new Subject();
  // Its runtime is the demo's: the checked-in metadata, where LightPeer finds the pool pallet.
  const client = {
    blocks$,
    finalizedBlock$,
    getTypedApi: () => ({}),
    getFinalizedBlock: async () => ({ hash: `0x${'00'.repeat(32)}`, number: 0 }),
    getMetadata: async () => METADATA,
  };
  const block = (number, hash, parent) => {
    const b = { number, hash, parent };
    blocks$.next(b);
    return b;
  };
  return { client, block, finalize: (b) => finalizedBlock$.next(b) };
}

describe('FinalityTracker', () => {
  it("answers the finalized chain's hash at a height, not a fork's", () => {
    const { client, block, finalize } = scripted();
    const t = new FinalityTracker(client);
    const g = block(0, '0xg', '0x');
    const a1 = block(1, '0xa1', '0xg');
    block(1, '0xb1', '0xg'); // a fork at height 1
    const a2 = block(2, '0xa2', '0xa1');
    assert.equal(t.hashAt(1), undefined, 'nothing finalized yet');
    finalize(g);
    assert.equal(t.hashAt(1), undefined, 'height 1 is not final');
    finalize(a2);
    assert.equal(t.hashAt(1), '0xa1');
    assert.equal(t.hashAt(2), '0xa2');
    assert.equal(t.hashAt(0), '0xg');
    assert.equal(t.hashAt(3), undefined, 'above the tip');
    assert.equal(t.finalized, a2);
    t.stop();
  });

  it('waits for finality to reach a height, and gives up with UnknownBlock', async () => {
    const { client, block, finalize } = scripted();
    const t = new FinalityTracker(client);
    finalize(block(0, '0xg', '0x'));
    const waiting = t.waitFor(2, 5_000);
    finalize(block(1, '0x1', '0xg'));
    finalize(block(2, '0x2', '0x1'));
    assert.equal((await waiting).hash, '0x2');
    await assert.rejects(t.waitFor(9, 20), code('UnknownBlock'));
    t.stop();
  });

  it('forgets blocks older than its window', () => {
    const { client, block, finalize } = scripted();
    const t = new FinalityTracker(client, 3);
    let parent = '0x';
    for (let n = 0; n <= 10; n++) {
      finalize(block(n, `0x${n}`, parent));
      parent = `0x${n}`;
    }
    assert.equal(t.hashAt(7), '0x7');
    assert.equal(t.hashAt(6), undefined, 'beyond the window');
    t.stop();
  });
});

describe('LightPeer.verifyBundle', () => {
  it('checks the bundle against the hash its client finalized at that height', async () => {
    const verifier = await HandshakeVerifier.load();
    const { client, block, finalize } = scripted();
    const peer = new LightPeer(client, verifier);
    const n = V.block_number;
    // The client finalized another block at the bundle's height: the bundle is refused.
    finalize(block(n, `0x${'11'.repeat(32)}`, '0x'));
    await assert.rejects(peer.verifyBundle(V.hex, { me: V.target, resourceId: 'stream/42' }, 50), code('UnknownBlock'));

    const { client: c2, block: b2, finalize: f2 } = scripted();
    const honest = new LightPeer(c2, verifier);
    const pending = honest.verifyBundle(V.hex, { me: V.target, resourceId: 'stream/42' }, 5_000);
    f2(b2(n, V.block_hash, '0x'));
    const pool = await pending;
    assert.equal(pool.poolId, BigInt(V.pool_id));
    assert.equal(pool.blockNumber, n);
    peer.stop();
    honest.stop();
  });
});
