// The node's transaction pool holds a minute of the paper's load: 100,000 viewers switching
// peers every 60-100 s settle ~1,250 vouchers/s, so a minute is 75,000 transactions, where
// Substrate's default pool keeps 8,192 ready ones and refuses the rest. A node that produces no
// block (a non-validating node on the dev chain; on the parachain, omni-node's dev mode with a
// ten-minute block time) is handed 9,000 ready transactions from one account: every one must be
// accepted and pending. With the default limit the 8,193rd is refused. mpool-node sizes its
// pool itself (node/src/cli.rs); omni-node-lib has no hook for that, so on the parachain the
// test passes the flags scripts/dev-para.sh passes.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { connect } from '../lib/chain.js';
import { CHAIN, startNode } from '../lib/node.js';

const COUNT = 9_000;
const BATCH = 500;

/** Starts a node that produces no block, hands it COUNT transactions; returns what it refused. */
async function fill(name, extra) {
  const args =
    CHAIN === 'solo'
      ? ['--chain', 'dev', ...extra]
      : ['--dev', '--dev-block-time', '600000', ...extra];
  const node = await startNode(name, args);
  const api = await connect(node.ws);
  try {
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    const genesis = api.genesisHash;
    const options = (nonce) => ({ nonce, era: 0, blockHash: genesis, genesisHash: genesis, runtimeVersion: api.runtimeVersion, signedExtensions: api.registry.signedExtensions });
    const signed = [];
    for (let nonce = 0; nonce < COUNT; nonce++) {
      signed.push(api.tx.system.remark(`0x${nonce.toString(16).padStart(8, '0')}`).sign(alice, options(nonce)).toHex());
    }
    const refused = [];
    for (let at = 0; at < COUNT; at += BATCH) {
      const body = signed.slice(at, at + BATCH).map((xt, i) => ({ jsonrpc: '2.0', id: at + i, method: 'author_submitExtrinsic', params: [xt] }));
      const { json } = await node.post(JSON.stringify(body));
      for (const r of json) if (r.error) refused.push({ nonce: r.id, error: r.error.message });
    }
    const pending = (await node.rpc('author_pendingExtrinsics')).length;
    const { number } = await node.rpc('chain_getHeader');
    assert.equal(number, '0x0', 'no block was produced meanwhile');
    return { refused, pending };
  } finally {
    await api.disconnect();
    await node.stop();
  }
}

describe('transaction pool: a minute of load stays queued, none refused', { timeout: 600_000 }, () => {
  before(cryptoWaitReady);

  it(`the node's pool takes ${COUNT} ready transactions from one account`, async () => {
    // mpool-node's own default; on the parachain the flag scripts/dev-para.sh passes.
    const { refused, pending } = await fill('txpool', CHAIN === 'solo' ? [] : ['--pool-limit', '75000', '--pool-kbytes', '65536']);
    assert.deepEqual(refused.slice(0, 3), [], `${refused.length} refused`);
    assert.equal(pending, COUNT);
  });

  it("with Substrate's default limit (8,192) the same burst is cut at nonce 8,192", async () => {
    const { refused, pending } = await fill('txpool-8192', ['--pool-limit', '8192', '--pool-kbytes', '20480']);
    assert.equal(refused[0]?.nonce, 8192);
    assert.ok(pending < COUNT);
  });
});
