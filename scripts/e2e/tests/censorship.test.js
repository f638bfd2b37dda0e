// Censorship by block stuffing on the real dev node (docs/security.md, section 6): an attacker
// fills the normal class of every block with a remark that outbids a settlement with no tip,
// which stays out; a settlement through `@mpool/sdk/chain`'s `settleWithTips` — the peer policy's
// tip in the last blocks of the window — lands inside the window, and what keeping it out would
// have cost is computed from the tips it offered and the priority its transaction gets.
//
// The stuffing remark (lib/stuffing.js) is sized from the runtime's own limits, in both
// dimensions that `CheckWeight` counts for the normal class: the block's length (`BlockLength`,
// inherents included) and its proof size (`BlockWeights`: every extrinsic books its length as
// proof too, which is what binds on the parachain, whose blocks are limited by the PoV).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { createClient } from 'polkadot-api';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { getWsProvider } from 'polkadot-api/ws';
import { WebSocket } from 'ws';
import { HandshakeVerifier, Payer, SessionKey, fromHex, toHex } from '../../../sdk/js/dist/index.js';
import { createPool, poolApi, settleWithTips } from '../../../sdk/js/dist/chain.js';
import { startNode } from '../lib/node.js';
import { prefixAt, startStuffing } from '../lib/stuffing.js';

const UNIT = 1_000_000_000_000n;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

describe('block stuffing against settlements in their window (dev chain)', { timeout: 600_000 }, () => {
  let node, client, api, verifier, genesis;
  let alice, bob, charlie;

  const signer = (pair) => getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));
  const finalized = async () => (await client.getFinalizedBlock()).number;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u));
    node = await startNode('censorship', ['--dev']);
    client = createClient(getWsProvider(node.ws, { websocketClass: WebSocket }));
    ({ api } = await poolApi(client));
    genesis = fromHex((await client.getChainSpecData()).genesisHash);
    verifier = await HandshakeVerifier.load();
  });

  after(async () => {
    client?.destroy();
    await node?.stop();
  });

  it('stuffing keeps a settlement with no tip out, but not one that tips as the policy says', async () => {
    // The README example: D = 100, C = 150; the peers are owed 10 each.
    const D = 100n * UNIT;
    const C = 150n * UNIT;
    const OWED = 10n * UNIT;
    const session = SessionKey.generate();
    // A short pool, so the window's end comes within the test.
    const p = await createPool(api, signer(alice), { resourceId: 'censorship', deposit: D, collateral: C, duration: 7, signer: session.publicKey });
    const viewer = new Payer(session, genesis, p.poolId, D, verifier);
    const bobVoucher = viewer.pay(bob.publicKey, OWED);
    const charlieVoucher = viewer.pay(charlie.publicKey, OWED);
    const deadline = p.expiry + (await api.constants.MicropaymentPool.SettlementGrace());
    const settleTx = (voucher) =>
      api.tx.MicropaymentPool.settle({
        pool_id: p.poolId,
        amount: OWED,
        signature: { type: 'Sr25519', value: toHex(voucher.signature.bytes) },
      });
    const charlieTx = await settleTx(charlieVoucher).sign(signer(charlie), { tip: 0n });

    // The attacker (Ferdie, with Dave's empty remarks packing the slack) fills every block up to
    // the deadline (lib/stuffing.js).
    const stuffing = await startStuffing({
      client,
      api,
      node,
      until: deadline,
      settlementLength: charlieTx.length,
    });
    const { stuffedIn, fillerErrors } = stuffing;

    // Once the stuffing is in the blocks, Charlie settles plainly (no tip) and Bob through the
    // SDK, tipping as the window runs out.
    const stuffFrom = await finalized();
    while (stuffedIn.length === 0) {
      assert.ok((await finalized()) < stuffFrom + 10, 'the stuffing got into no block in 10 blocks');
      await sleep(200);
    }
    const charlieFrom = Math.max(...stuffedIn);
    let charlieIn = null;
    stuffing.watch(charlieTx, (n) => {
      if (charlieIn === null) charlieIn = n;
    });
    const limits = verifier.limits();
    const bobResult = await settleWithTips(client, api, { publicKey: bob.publicKey, signer: signer(bob) }, bobVoucher, verifier);
    stuffing.stop();
    assert.equal(bobResult.paid, OWED, 'the tipping settlement was paid');
    assert.ok(bobResult.blockNumber < deadline, `landed in block ${bobResult.blockNumber}, before the deadline ${deadline}`);
    assert.ok(bobResult.tip > 0n, 'it landed on a tip');
    assert.equal(bobResult.offers[0].tip, 0n, 'its first offer, with no tip, was kept out');
    // Every block from Charlie's submission to Bob's landing was filled by the attacker, and
    // Charlie's settlement, which offered no tip, was in none of them.
    const before = stuffedIn.filter((n) => n > charlieFrom && n < bobResult.blockNumber);
    assert.ok(before.length >= 2, `the attacker filled blocks ${stuffedIn} (${before.length} before Bob's #${bobResult.blockNumber})`);
    assert.ok(charlieIn === null || charlieIn >= bobResult.blockNumber, `the plain settlement stayed out of the stuffed blocks (in at ${charlieIn})`);

    // What keeping Bob out would have cost: outbidding his tip over ¾ of every block of the last
    // tip blocks (the priority his transaction got: tip × how many settles fit a block), against
    // the collateral at stake.
    const normalMax = (await api.constants.System.BlockLength()).max.normal;
    const weights = await api.constants.System.BlockWeights();
    const single = await settleTx(bobVoucher).sign(signer(bob), { nonce: 0 });
    const info = await api.apis.TransactionPaymentApi.query_info(single.slice(prefixAt(single)), single.length);
    const perBlock = verifier.txPerBlock(
      [weights.max_block.ref_time, weights.max_block.proof_size],
      BigInt(normalMax),
      [info.weight.ref_time, info.weight.proof_size],
      BigInt(single.length),
    );
    let censorCost = 0n;
    for (let left = 1; left <= limits.tipBlocks; left++) {
      const tip = verifier.tip(C + OWED, left, perBlock, limits);
      censorCost += ((tip + 1n) * perBlock * 3n) / 4n;
    }
    // The attacker's last queued remarks go through.
    await stuffing.drain();
    assert.deepEqual(fillerErrors, [], 'every filler was taken into the pool');
    const attackerSpent = await stuffing.attackerSpent();
    console.log(
      `# stuffing: ${stuffedIn.length} blocks filled (${before.length} before the tipping settlement landed) for ${attackerSpent} planck; ` +
        `Bob's settle landed in #${bobResult.blockNumber} (deadline #${deadline}) with tip ${bobResult.tip} ` +
        `(${perBlock} settles fit a block; weight ${info.weight.ref_time} ps, ${single.length} bytes; offers ${bobResult.offers.map((o) => `${o.tip}@#${o.block}`).join(' ')}); ` +
        `censoring all ${limits.tipBlocks} tip blocks would cost ≥ ${censorCost} planck = ${Number((censorCost * 100n) / C) / 100} × the collateral`,
    );
    assert.ok(censorCost > C, `censoring costs ${censorCost}, more than the collateral ${C}`);
    assert.ok(bobResult.tip * 1_000n < C, `the peer's own tip ${bobResult.tip} stays a small fraction of it`);
  });
});
