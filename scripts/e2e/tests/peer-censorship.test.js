// The peer daemon's own settlement under block stuffing, on a real dev node (docs/security.md,
// section 6): `mpool-peer` holds a pool's vouchers below its settle-now threshold, so it settles
// at `expiry − settle_margin`, untipped; an attacker (lib/stuffing.js) fills every block from
// before then to the deadline, keeping that offer out. The daemon signs it again with the same
// nonce at each new best block while it is still out, with the peer policy's tip for the blocks
// left, and it lands inside the last `tip_blocks` of the window. What happened is read from the
// chain: the block it landed in and its tip, the blocks the attacker filled before, what the pool
// paid the peer and the peer's balance against the fees it paid.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { WebSocket } from 'ws';
import { HandshakeVerifier, Payer, SessionKey, fromHex, ss58, toHex, tokenHex } from '../../../sdk/js/dist/index.js';
import { connect, createPool, handshakeBundle, readPool } from '../../../sdk/js/dist/chain.js';
import { metricsText, settledOk, startDaemon, writeConfig, writeHls } from '../lib/daemon.js';
import { startNode } from '../lib/node.js';
import { feesPaid, nodeFinalized } from '../lib/papi-reads.js';
import { startStuffing } from '../lib/stuffing.js';

const UNIT = 1_000_000_000_000n;
const PRICE = UNIT; // per segment
const DEPOSIT = 10n * UNIT;
// Margin C − D = 10 UNIT: the peer's default exposure cap; it settles at once at half of it,
// which the 2 segments bought here stay below, so it settles when the window runs out.
const COLLATERAL = 20n * UNIT;
const BOUGHT = 2;
// The peer admits a pool only with `settle_margin + min_serving_blocks` (20 by default) blocks
// left; a few more cover the pool's creation reaching finality and the handshake.
const DURATION = 30;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

describe("the peer daemon's settlement under block stuffing (dev chain)", { timeout: 900_000 }, () => {
  let node, client, api, pallet, verifier, genesis, dir, at, daemon, stuffing;
  let alice, charlie;
  const segments = [];

  const signer = (pair) => getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));
  const finalized = async () => (await client.getFinalizedBlock()).number;
  const hashAt = (number) => node.rpc('chain_getBlockHash', [number]);
  const total = async (who, number) => {
    const { data } = await api.query.System.Account.getValue(ss58(who.publicKey), { at: await hashAt(number) });
    return data.free + data.reserved;
  };

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, charlie] = ['//Alice', '//Charlie'].map((u) => keyring.addFromUri(u));
    node = await startNode('peer-censorship', ['--dev']);
    ({ client, api, pallet } = await connect(node.ws, { websocketClass: WebSocket }));
    genesis = fromHex((await client.getChainSpecData()).genesisHash);
    verifier = await HandshakeVerifier.load();
    dir = mkdtempSync(join(tmpdir(), 'mpool-peer-censorship-'));
    const { hls, segments: written } = writeHls(dir, 4);
    segments.push(...written);
    // Charlie's daemon, on the default peer policy (no [limits]).
    at = await writeConfig({ dir, node, name: 'charlie', suri: '//Charlie', hls, price: PRICE });
    daemon = await startDaemon('peer-censorship-charlie', at);
  });

  after(async () => {
    stuffing?.stop();
    if (daemon) {
      // SIGTERM: the daemon settles what it still holds and exits; killed if that hangs (a
      // failed case may leave the chain stuffed).
      daemon.child.kill('SIGTERM');
      const timer = setTimeout(() => daemon.child.kill('SIGKILL'), 60_000);
      await daemon.exit;
      clearTimeout(timer);
    }
    client?.destroy();
    await node?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its untipped settlement out, but not the one it re-signs with the tip for the blocks left', async () => {
    const who = ss58(charlie.publicKey);
    const limits = verifier.limits();
    const fromBlock = await finalized();
    const charlieBefore = await total(charlie, fromBlock);

    // Alice's pool, a session with Charlie's daemon, two segments bought.
    const session = SessionKey.generate();
    const created = await createPool(api, signer(alice), {
      resourceId: 'demo',
      deposit: DEPOSIT,
      collateral: COLLATERAL,
      duration: DURATION,
      signer: session.publicKey,
    });
    const { poolId, expiry } = created;
    const deadline = expiry + (await api.constants.MicropaymentPool.SettlementGrace());
    // Where the daemon makes its first offer, untipped.
    const settleFrom = expiry - limits.settleMargin;
    const bundle = await handshakeBundle(client, api, poolId, charlie.publicKey);
    const opened = await fetch(`${at.base}/mpool/v1/session/demo`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bundle,
    });
    assert.equal(opened.status, 200, await opened.clone().text());
    const payer = new Payer(session, genesis, poolId, DEPOSIT, verifier);
    let voucher;
    for (let i = 0; i < BOUGHT; i++) {
      voucher = payer.pay(charlie.publicKey, PRICE);
      const response = await fetch(`${at.base}/r/demo/seg${i}.ts`, { headers: { 'mpool-voucher': tokenHex(voucher) } });
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(response.headers.get('mpool-accepted'), String(BigInt(i + 1) * PRICE));
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), segments[i]);
    }
    const owed = BigInt(BOUGHT) * PRICE;
    // The settlement the stuffing is to keep out, untipped as the daemon's first offer (its
    // length sizes the stuffing; never submitted here).
    const settlement = await api.tx.MicropaymentPool.settle({
      pool_id: poolId,
      amount: owed,
      signature: { type: voucher.signature.type, value: toHex(voucher.signature.bytes) },
    }).sign(signer(charlie), { nonce: 0 });

    // The stuffing starts 10 blocks before the daemon's first offer (every block stuffed costs the
    // attacker and loads the node; 10 blocks leave the stuffing ample time to get in) and goes on
    // to the deadline. It must be in the blocks before that offer is made.
    while ((await finalized()) < settleFrom - 10) {
      await sleep(500);
    }
    stuffing = await startStuffing({
      client,
      api,
      node,
      until: deadline,
      settlementLength: settlement.length,
    });
    const { stuffedIn } = stuffing;
    while (stuffedIn.length === 0) {
      assert.ok((await finalized()) < settleFrom, `the stuffing got into no block before #${settleFrom}, where the daemon settles`);
      await sleep(200);
    }
    assert.ok(Math.min(...stuffedIn) < settleFrom, `the stuffing (#${stuffedIn}) was in a block before the daemon's first offer at #${settleFrom}`);

    // The daemon's settlement lands, finalized, by the deadline (a few blocks more for finality).
    const paid = async () => (await api.query.MicropaymentPool.Paid.getValue(poolId, who, { at: 'finalized' })) ?? 0n;
    while ((await paid()) < owed) {
      assert.ok((await finalized()) <= deadline + 5, `the daemon's settlement was not finalized by #${deadline + 5} (deadline #${deadline})`);
      await sleep(500);
    }
    stuffing.stop();
    await stuffing.drain();
    assert.deepEqual(stuffing.fillerErrors, [], 'every filler was taken into the pool');
    const toBlock = await finalized();

    // From the blocks: where Charlie's settlement landed and its tip, and the blocks the attacker
    // filled (one big remark each: its fee paid).
    let landed = null;
    let settled = null;
    let tip = null;
    let fee = null;
    const filled = [];
    for (let n = fromBlock + 1; n <= toBlock; n++) {
      const events = (await api.query.System.Events.getValue({ at: await hashAt(n) })).map((e) => e.event);
      const settledHere = events.find(
        (e) => e.type === pallet.name && e.value.type === 'Settled' && e.value.value.pool_id === poolId && e.value.value.target === who,
      );
      const feeOf = (account) =>
        events.find((e) => e.type === 'TransactionPayment' && e.value.type === 'TransactionFeePaid' && e.value.value.who === account)?.value.value;
      if (settledHere && landed === null) {
        landed = n;
        settled = settledHere.value.value;
        tip = feeOf(who)?.tip ?? null;
        fee = feeOf(who)?.actual_fee ?? null;
      }
      if (feeOf(ss58(stuffing.attacker.publicKey))) filled.push(n);
    }
    assert.notEqual(landed, null, `no Settled event of pool ${poolId} for Charlie in #${fromBlock + 1}..#${toBlock}`);
    assert.equal(settled.amount, owed, 'the settlement carried the last voucher');
    assert.equal(settled.paid, owed, 'and was paid it in full');
    assert.ok(landed < deadline, `landed in #${landed}, before the deadline #${deadline}`);
    assert.ok(deadline - landed <= limits.tipBlocks, `landed in #${landed}, in the last ${limits.tipBlocks} blocks before #${deadline}`);
    assert.ok(tip !== null && tip > 0n, `it landed on a tip (${tip})`);
    // The untipped offer, made from #settleFrom on, was kept out of the blocks the attacker filled.
    const filledBefore = filled.filter((n) => n > settleFrom && n < landed);
    assert.ok(filledBefore.length >= 2, `the attacker filled #${filled} (${filledBefore.length} between #${settleFrom} and #${landed})`);

    // The pool paid Charlie exactly what it owed; Charlie's balance rose by that, less its fees
    // (the Paid record's deposit is held, still Charlie's).
    assert.equal((await api.query.MicropaymentPool.Paid.getValue(poolId, who, { at: await hashAt(toBlock) })) ?? 0n, owed);
    assert.equal((await readPool(api, poolId, await hashAt(toBlock))).deposit, DEPOSIT - owed);
    const fees = await feesPaid(node, api, who, fromBlock, toBlock);
    assert.equal(fees, fee, "Charlie's only fee was its settlement's");
    assert.equal((await total(charlie, toBlock)) - charlieBefore, owed - fees);

    // The daemon counts it once it has seen it finalized itself (bounded in blocks).
    const countedBy = (await nodeFinalized(node)) + 10;
    while (settledOk(await metricsText(at.base)) < 1) {
      assert.ok((await nodeFinalized(node)) < countedBy, 'the daemon counted no settlement within 10 blocks');
      await sleep(500);
    }

    const attackerSpent = await stuffing.attackerSpent();
    console.log(
      `# peer under stuffing: ${filled.length} blocks filled (${filledBefore.length} between the daemon's first offer at #${settleFrom} and the landing) ` +
        `for ${attackerSpent} planck; the daemon's settle landed in #${landed} (deadline #${deadline}) with tip ${tip}, fee ${fee}`,
    );
  });
});
