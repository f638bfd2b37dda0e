// Censorship by block stuffing on the real dev node (docs/security.md, section 6): an attacker
// fills the normal class of every block with a remark that outbids a settlement with no tip,
// which stays out; a settlement through `@mpool/sdk/chain`'s `settleWithTips` — the peer policy's
// tip in the last blocks of the window — lands inside the window, and what keeping it out would
// have cost is computed from the tips it offered and the priority its transaction gets.
//
// The stuffing remark is sized from the runtime's own limits, in both dimensions that
// `CheckWeight` counts for the normal class: the block's length (`BlockLength`, inherents
// included) and its proof size (`BlockWeights`: every extrinsic books its length as proof too,
// which is what binds on the parachain, whose blocks are limited by the PoV).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { createClient } from 'polkadot-api';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { getWsProvider } from 'polkadot-api/ws';
import { WebSocket } from 'ws';
import { HandshakeVerifier, Payer, SessionKey, fromHex, ss58, toHex } from '../../../sdk/js/dist/index.js';
import { createPool, mpool, settleWithTips } from '../../../sdk/js/dist/chain.js';
import { startNode } from '../lib/node.js';

const UNIT = 1_000_000_000_000n;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

describe('block stuffing against settlements in their window (dev chain)', { timeout: 600_000 }, () => {
  let node, client, api, verifier, genesis;
  let alice, bob, charlie, dave, ferdie;

  const signer = (pair) => getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));
  const total = async (who, at = 'best') => {
    const { data } = await api.query.System.Account.getValue(ss58(who.publicKey), { at });
    return data.free + data.reserved;
  };
  const finalized = async () => (await client.getFinalizedBlock()).number;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie, dave, ferdie] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Ferdie'].map((u) => keyring.addFromUri(u));
    node = await startNode('censorship', ['--dev']);
    client = createClient(getWsProvider(node.ws, { websocketClass: WebSocket }));
    api = client.getTypedApi(mpool);
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
    const ATTACK_TIP = UNIT; // the attacker's tip per stuffed block
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

    // The attacker fills the normal class of every block in both dimensions `CheckWeight` counts
    // for it: the block's length (`BlockLength`, inherents included) and its proof size
    // (`BlockWeights`; every extrinsic books its length as proof too). First one remark as long
    // as the class allows, less the block's inherents (its unsigned extrinsics: the version byte
    // after the length prefix has neither the signed nor the general bit) and a slack, since a
    // parachain block's inherents (the relay chain's state proof) change size from block to block;
    // then empty remarks from a second account, shorter than a settlement, pack the slack until
    // less room is left than a settlement needs. Their tips put all of them ahead of a settlement
    // that offers none, and the block builder tries transactions by priority.
    const normalMax = (await api.constants.System.BlockLength()).max.normal;
    const weights = await api.constants.System.BlockWeights();
    const normalClass = weights.per_class.normal;
    const maxProof = normalClass.max_total?.proof_size ?? weights.max_block.proof_size;
    const prefixAt = (x) => [1, 2, 4, 5 + (x[0] >> 2)][x[0] & 3];
    // What an extrinsic books against the class's proof size besides its length: its weight and
    // the base extrinsic's (the runtime API takes the bytes without their length prefix).
    const proofBooked = async (tx) => {
      const info = await api.apis.TransactionPaymentApi.query_info(tx.slice(prefixAt(tx)), tx.length);
      return info.weight.proof_size + normalClass.base_extrinsic.proof_size;
    };
    const probe = await api.tx.System.remark({ remark: new Uint8Array(20_000) }).sign(signer(ferdie), { nonce: 0 });
    const overhead = probe.length - 20_000;
    const body = (await client.getBlockBody((await client.getFinalizedBlock()).hash)).map((x) => (typeof x === 'string' ? fromHex(x) : x));
    const inherents = body.filter((x) => (x[prefixAt(x)] & 0xc0) === 0).reduce((n, x) => n + x.length, 0);
    const SLACK = 1_024;
    const byLength = normalMax - inherents - overhead - SLACK;
    const byProof = Number(maxProof - (await proofBooked(probe))) - overhead - SLACK;
    const payload = new Uint8Array(Math.min(byLength, byProof)).fill(0x5a);
    const FILLER_TIP = 1_000n;
    const fillerLength = (await api.tx.System.remark({ remark: new Uint8Array(0) }).sign(signer(dave), { nonce: 0 })).length;
    assert.ok(fillerLength < charlieTx.length, `an empty remark (${fillerLength} B) is shorter than a settlement (${charlieTx.length} B)`);
    // Enough to pack the slack and what the inherents may shrink by, with more left over.
    const fillersPerBlock = Math.ceil((2 * SLACK) / fillerLength);
    let nonce = await api.apis.AccountNonceApi.account_nonce(ss58(ferdie.publicKey));
    let fillerNonce = await api.apis.AccountNonceApi.account_nonce(ss58(dave.publicKey));
    const attackerBefore = (await total(ferdie)) + (await total(dave));
    let stuffing = true;
    const stuffedIn = [];
    const fillerErrors = [];
    const watches = [];
    const watch = (tx, onBlock = () => {}) =>
      watches.push(
        client.submitAndWatch(tx).subscribe({
          next: (e) => {
            if (e.type === 'txBestBlocksState' && e.found) onBlock(e.block.number);
          },
          error: () => {},
        }),
      );
    const stuff = async () => {
      const tx = await api.tx.System.remark({ remark: payload }).sign(signer(ferdie), { nonce: nonce++, tip: ATTACK_TIP });
      watch(tx, (n) => stuffedIn.includes(n) || stuffedIn.push(n));
      // Submitted, not watched: hundreds of watched transactions overrun the client's chainHead
      // subscription, which the node then stops.
      for (let i = 0; i < fillersPerBlock; i++) {
        const filler = await api.tx.System.remark({ remark: new Uint8Array(0) }).sign(signer(dave), { nonce: fillerNonce++, tip: FILLER_TIP });
        const { error } = await node.rpcRaw('author_submitExtrinsic', [toHex(filler)]);
        if (error) fillerErrors.push(error.message);
      }
    };
    // Two remarks queued ahead, one more at every new best block, until the window is over.
    await stuff();
    await stuff();
    let lastHead = 0;
    const heads = client.bestBlocks$.subscribe((blocks) => {
      const head = blocks[0]?.number ?? 0;
      if (stuffing && head > lastHead && head <= deadline) {
        lastHead = head;
        void stuff();
      }
    });

    // Once the stuffing is in the blocks, Charlie settles plainly (no tip) and Bob through the
    // SDK, tipping as the window runs out.
    const stuffFrom = await finalized();
    while (stuffedIn.length === 0) {
      assert.ok((await finalized()) < stuffFrom + 10, 'the stuffing got into no block in 10 blocks');
      await sleep(200);
    }
    const charlieFrom = Math.max(...stuffedIn);
    let charlieIn = null;
    watch(charlieTx, (n) => {
      if (charlieIn === null) charlieIn = n;
    });
    const limits = verifier.limits();
    const bobResult = await settleWithTips(client, api, { publicKey: bob.publicKey, signer: signer(bob) }, bobVoucher, verifier);
    stuffing = false;
    heads.unsubscribe();
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
    // The attacker's last queued remarks go through (bounded: a dropped one would never come).
    const drainBy = (await finalized()) + 20;
    const queued = async () =>
      (await api.apis.AccountNonceApi.account_nonce(ss58(ferdie.publicKey), { at: 'finalized' })) < nonce ||
      (await api.apis.AccountNonceApi.account_nonce(ss58(dave.publicKey), { at: 'finalized' })) < fillerNonce;
    while ((await queued()) && (await finalized()) < drainBy) {
      await sleep(500);
    }
    for (const w of watches) w.unsubscribe();
    assert.deepEqual(fillerErrors, [], 'every filler was taken into the pool');
    const attackerSpent = attackerBefore - (await total(ferdie, 'finalized')) - (await total(dave, 'finalized'));
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
