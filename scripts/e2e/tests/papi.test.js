// The pallet's view functions (`#[pallet::view_functions]`) read through polkadot-api, as a
// metadata-v16 client sees them (`api.view.<pool pallet>.*`), with no generated descriptors:
// each answer must agree with storage and the runtime API read through @polkadot/api, and with
// what the chain then does (a claimed amount is what the settlement pays).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { createClient } from 'polkadot-api';
import { getWsProvider } from 'polkadot-api/ws';
import { WebSocket } from 'ws';
import { startNode } from '../lib/node.js';
import { connect, poolEvents, submit, POOL } from '../lib/chain.js';
import { signVoucher, voucherPayload } from '../lib/voucher.js';

const UNIT = 1_000_000_000_000n;

describe('polkadot-api: the pallet view functions', { timeout: 600_000 }, () => {
  let node, api, papi, client, genesis, alice, bob, charlie, poolId, settledAt;

  before(async () => {
    await cryptoWaitReady();
    const keyring = new Keyring({ type: 'sr25519' });
    [alice, bob, charlie] = ['//Alice', '//Bob', '//Charlie'].map((u) => keyring.addFromUri(u));
    node = await startNode('papi', ['--dev']);
    api = await connect(node.ws);
    genesis = (await api.rpc.chain.getBlockHash(0)).toU8a();
    // Node 20 has no global WebSocket (22 has): hand PAPI the `ws` package's.
    client = createClient(getWsProvider(node.ws, { websocketClass: WebSocket }));
    papi = client.getUnsafeApi();
    const res = await submit(api, api.tx[POOL.section].createPool('0x6d', 10n * UNIT, 15n * UNIT, 60), alice);
    assert.equal(res.error, null);
    poolId = poolEvents(res.events).find((e) => e.method === 'PoolCreated').data.pool_id.toNumber();
    const settled = await submit(
      api,
      api.tx[POOL.section].settle(poolId, 3n * UNIT, signVoucher(alice, genesis, poolId, bob.address, 3n * UNIT)),
      bob,
    );
    assert.equal(settled.error, null);
    settledAt = (await api.rpc.chain.getHeader(settled.blockHash)).number.toNumber();
    // The view functions run at a block PAPI has pinned: its finalized one, once it includes
    // the settlement (a dev chain finalizes within a few blocks).
    for (;;) {
      const { number } = await client.getFinalizedBlock();
      if (number >= settledAt) break;
      await new Promise((ok) => setTimeout(ok, 500));
    }
  });

  after(async () => {
    client?.destroy();
    await api?.disconnect();
    await node?.stop();
  });

  // Both clients read at PAPI's latest finalized block; no transaction changes the pool between
  // the settlement and the last case.
  async function finalized() {
    const { hash } = await client.getFinalizedBlock();
    return { at: hash, apiAt: await api.at(hash) };
  }

  it('lists the four view functions in the metadata PAPI reads', async () => {
    for (const name of ['pool', 'paid', 'claimable', 'voucher_payload']) {
      assert.equal(typeof papi.view[POOL.name][name], 'function', name);
    }
  });

  it('pool: the record storage holds; none for an unknown id', async () => {
    const { at, apiAt } = await finalized();
    const viewed = await papi.view[POOL.name].pool(BigInt(poolId), { at });
    const stored = (await apiAt.query[POOL.section].pools(poolId)).unwrap();
    assert.equal(viewed.owner, alice.address);
    assert.equal(viewed.deposit, stored.deposit.toBigInt());
    assert.equal(viewed.collateral, stored.collateral.toBigInt());
    assert.equal(viewed.total_deposit, stored.totalDeposit.toBigInt());
    assert.equal(viewed.expiry, stored.expiry.toNumber());
    assert.equal(await papi.view[POOL.name].pool(9_999_999n, { at }), undefined);
  });

  it('paid: what was settled, zero for a peer never paid', async () => {
    const { at, apiAt } = await finalized();
    const stored = (await apiAt.query[POOL.section].paid(poolId, bob.address)).unwrap().toBigInt();
    assert.equal(await papi.view[POOL.name].paid(BigInt(poolId), bob.address, { at }), stored);
    assert.equal(stored, 3n * UNIT);
    assert.equal(await papi.view[POOL.name].paid(BigInt(poolId), charlie.address, { at }), 0n);
  });

  it('claimable: the runtime API answer; a stale voucher is the pallet error', async () => {
    const { at, apiAt } = await finalized();
    const viewed = await papi.view[POOL.name].claimable(BigInt(poolId), bob.address, 5n * UNIT, { at });
    const called = await apiAt.call.micropaymentPoolApi.claimable(poolId, bob.address, 5n * UNIT);
    assert.equal(viewed.success, true);
    assert.equal(viewed.value.payout, called.asOk.payout.toBigInt());
    assert.equal(viewed.value.payout, 2n * UNIT, 'a cumulative voucher of 5 after 3 pays 2');
    const stale = await papi.view[POOL.name].claimable(BigInt(poolId), bob.address, 3n * UNIT, { at });
    assert.equal(stale.success, false);
    assert.equal(stale.value.type, 'StaleVoucher');
  });

  it('voucher_payload: the 104 bytes of docs/voucher.md, which settle when signed', async () => {
    const { at } = await finalized();
    const viewed = await papi.view[POOL.name].voucher_payload(BigInt(poolId), charlie.address, 4n * UNIT, { at });
    // polkadot-api 2 gives a fixed-size byte array as a hex string (`SizedHex<104>`).
    assert.equal(viewed, u8aToHex(voucherPayload(genesis, poolId, charlie.address, 4n * UNIT)));
    const bytes = hexToU8a(viewed);
    const signature = { Sr25519: u8aToHex(alice.sign(bytes)) };
    const res = await submit(api, api.tx[POOL.section].settle(poolId, 4n * UNIT, signature), charlie);
    assert.equal(res.error, null);
    assert.equal(poolEvents(res.events).find((e) => e.method === 'Settled').data.paid.toBigInt(), 4n * UNIT);
  });
});
