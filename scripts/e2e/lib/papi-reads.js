// Chain reads for the suites that drive a node through polkadot-api (`@mpool/sdk/chain`) beside a
// process of their own (a peer daemon): the node's finalized block, the fees an account paid over
// a block range, and waiting for the test's client to reach the node's finality.
import assert from 'node:assert/strict';

/** The node's finalized block number now (a daemon follows the node, not the test's client). */
export async function nodeFinalized(node) {
  const header = await node.rpc('chain_getHeader', [await node.rpc('chain_getFinalizedHead', [])]);
  return Number.parseInt(header.number, 16);
}

/**
 * Waits until `client` has seen every block the node had finalized when called: a daemon learns
 * of finality through its own subscription, so a state it acted on may be final at the node
 * before the test's client hears of it.
 */
export async function caughtUp(node, client) {
  const target = await nodeFinalized(node);
  while ((await client.getFinalizedBlock()).number < target) {
    assert.ok((await nodeFinalized(node)) < target + 10, 'the test client fell 10 blocks behind the node');
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

/** The fees `who` (SS58) paid in blocks `from + 1 ..= to`: its `TransactionFeePaid` events. */
export async function feesPaid(node, api, who, from, to) {
  return (await transactionsPaid(node, api, who, from, to)).fees;
}

/** How many transactions `who` (SS58) paid a fee for in blocks `from + 1 ..= to`, and the fees. */
export async function transactionsPaid(node, api, who, from, to) {
  let fees = 0n;
  let count = 0;
  for (let n = from + 1; n <= to; n++) {
    const hash = await node.rpc('chain_getBlockHash', [n]);
    for (const { event } of await api.query.System.Events.getValue({ at: hash })) {
      if (event.type === 'TransactionPayment' && event.value.type === 'TransactionFeePaid' && event.value.value.who === who) {
        fees += event.value.value.actual_fee;
        count += 1;
      }
    }
  }
  return { fees, count };
}
