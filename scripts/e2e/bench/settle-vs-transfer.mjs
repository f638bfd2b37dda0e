// What the runtime charges a settlement against what it charges a plain transfer, on a fresh dev
// node: each transaction's weight before dispatch (the node's `TransactionPaymentApi_query_info`:
// the call's declared worst case and its extensions') and after (the weight its
// `System.ExtrinsicSuccess` event reports, once the call refunded what it did not use, with the
// `ExtrinsicBaseWeight` the block adds to every transaction already in it); the first with that
// base added. The calls are the real ones, signed, against a pool created for the purpose: a
// known peer's `settle` (its second settlement), a peer's first `settle`, and
// `Balances.transfer_keep_alive` to an existing account. Prints a JSON summary.
// Run: cd scripts/e2e && node bench/settle-vs-transfer.mjs (MPOOL_NODE_BIN, MPOOL_CHAIN as the suites).
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode } from '../lib/node.js';
import { connect, poolEvents, submit, POOL } from '../lib/chain.js';
import { signVoucher } from '../lib/voucher.js';

const UNIT = 1_000_000_000_000n;
const progress = (text) => process.stderr.write(`[settle-vs-transfer] ${text}\n`);

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519' });
const [alice, bob, charlie, dave] = ['//Alice', '//Bob', '//Charlie', '//Dave'].map((u) => keyring.addFromUri(u));
const node = await startNode('settle-vs-transfer', ['--dev']);
const api = await connect(node.ws);
try {
  const genesis = (await api.rpc.chain.getBlockHash(0)).toU8a();
  const pool = api.tx[POOL.section];
  progress(`pool pallet ${POOL.name}; creating a pool and settling once to Bob`);
  const created = await submit(api, pool.createPool('0x6d', 100n * UNIT, 150n * UNIT, 200), alice);
  if (created.error) throw new Error(`create_pool: ${created.error}`);
  const poolId = poolEvents(created.events).find((e) => e.method === 'PoolCreated').data.pool_id.toNumber();
  const voucher = (to, amount) => pool.settle(poolId, amount, signVoucher(alice, genesis, poolId, to.address, amount));
  const first = await submit(api, voucher(bob, 1n * UNIT), bob);
  if (first.error) throw new Error(`settle: ${first.error}`);

  const base = api.consts.system.blockWeights.perClass.normal.baseExtrinsic.refTime.toBigInt();
  const us = (refTime) => Number(refTime) / 1e6;
  const charged = async (tx, who) => {
    const info = await tx.paymentInfo(who);
    const declared = info.weight.refTime.toBigInt();
    const landed = await submit(api, tx, who);
    if (landed.error) throw new Error(`${tx.method.section}.${tx.method.method}: ${landed.error}`);
    const success = landed.events.find((e) => e.section === 'system' && e.method === 'ExtrinsicSuccess');
    const actual = success.data[0].weight.refTime.toBigInt();
    return {
      declared_us: us(declared + base),
      charged_us: us(actual),
      fee: landed.fee.toString(),
    };
  };
  const rows = {
    'settle, known peer': await charged(voucher(bob, 2n * UNIT), bob),
    'settle, first settlement of the peer': await charged(voucher(charlie, 1n * UNIT), charlie),
    'Balances.transfer_keep_alive': await charged(api.tx.balances.transferKeepAlive(dave.address, UNIT), alice),
    'System.remark (1 byte)': await charged(api.tx.system.remark('0x01'), alice),
  };
  console.log(JSON.stringify({ chain: (await api.rpc.system.chain()).toString(), extrinsic_base_us: Number(base) / 1e6, rows }, null, 2));
} finally {
  await api.disconnect();
  await node.stop();
}
