// The two-validator `local` chain on loopback: Alice and Bob author and finalize together, and
// both finalize the block that contains a settlement.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from '../lib/node.js';
import { account, connect, poolEvents, submit, waitForFinalized, POOL } from '../lib/chain.js';
import { HOLD } from '../lib/rules.js';
import { signVoucher } from '../lib/voucher.js';

const UNIT = 1_000_000_000_000n;
// Fixed node keys: validators of a non-dev chain need one, and Bob must know Alice's peer id.
const ALICE_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000001';
const ALICE_PEER_ID = '12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp';
const BOB_NODE_KEY = '0000000000000000000000000000000000000000000000000000000000000002';

describe('local chain: two validators finalize a settlement', { timeout: 600_000 }, () => {
  let aliceNode, bobNode, apiA, apiB;

  before(async () => {
    await cryptoWaitReady();
    aliceNode = await startNode('local-alice', ['--chain', 'local', '--alice', '--node-key', ALICE_NODE_KEY]);
    bobNode = await startNode('local-bob', [
      '--chain', 'local', '--bob', '--node-key', BOB_NODE_KEY,
      '--bootnodes', `/ip4/127.0.0.1/tcp/${aliceNode.p2pPort}/p2p/${ALICE_PEER_ID}`,
    ]);
    [apiA, apiB] = await Promise.all([connect(aliceNode.ws), connect(bobNode.ws)]);
  });

  after(async () => {
    await apiA?.disconnect();
    await apiB?.disconnect();
    await bobNode?.stop();
    await aliceNode?.stop();
  });

  it('both nodes share the genesis and see each other', async () => {
    const [gA, gB] = await Promise.all([apiA.rpc.chain.getBlockHash(0), apiB.rpc.chain.getBlockHash(0)]);
    assert.equal(gA.toHex(), gB.toHex());
    for (let i = 0; i < 120; i++) {
      const peers = (await apiA.rpc.system.health()).peers.toNumber();
      if (peers >= 1) return;
      await new Promise((ok) => setTimeout(ok, 500));
    }
    assert.fail('Alice never saw Bob');
  });

  it('a settlement submitted to Alice is finalized by both', async () => {
    const keyring = new Keyring({ type: 'sr25519' });
    const alice = keyring.addFromUri('//Alice');
    const charlie = keyring.addFromUri('//Charlie');
    const genesis = (await apiA.rpc.chain.getBlockHash(0)).toU8a();
    const created = await submit(apiA, apiA.tx[POOL.section].createPool('0x6c6f63616c', 5n * UNIT, 6n * UNIT, 50), alice);
    assert.equal(created.error, null);
    const poolId = poolEvents(created.events).find((e) => e.method === 'PoolCreated').data.pool_id.toNumber();
    const sig = signVoucher(alice, genesis, poolId, charlie.address, 2n * UNIT);
    const settled = await submit(apiA, apiA.tx[POOL.section].settle(poolId, 2n * UNIT, sig), charlie);
    assert.equal(settled.error, null);
    const inBlock = settled.blockHash;
    const [finA, finB] = await Promise.all([waitForFinalized(apiA, inBlock), waitForFinalized(apiB, inBlock)]);
    // The settlement's block is final on both nodes, at the same hash.
    assert.equal(finA.toHex(), inBlock.toHex());
    assert.equal(finB.toHex(), inBlock.toHex());
    const paid = await apiB.query[POOL.section].paid.at(finB, poolId, charlie.address);
    assert.equal(paid.unwrap().toBigInt(), 2n * UNIT);
    // The peer's first settlement in the pool holds its Paid record's storage deposit: the same
    // on both nodes at that block.
    const [heldA, heldB] = await Promise.all([account(apiA, charlie.address, finA), account(apiB, charlie.address, finB)]);
    assert.ok(heldB.hold(HOLD.payeeStorage) > 0n, 'a PayeeStorage deposit is held from the peer');
    assert.equal(heldA.hold(HOLD.payeeStorage), heldB.hold(HOLD.payeeStorage));
  });
});
