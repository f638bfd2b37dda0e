// Helpers over @polkadot/api: submit and wait, decode errors, read events.
import { ApiPromise, WsProvider } from '@polkadot/api';
import { stringCamelCase } from '@polkadot/util';

/**
 * The pool pallet of the chain the suite connected to (set by `connect`): its name in the
 * runtime (`MicropaymentPool` on the solochain, `Micropayments` on the parachain), its
 * polkadot.js section (`api.tx[POOL.section]`) and its storage prefix. Found by what the pallet
 * holds, the rule of the Rust client and the SDK.
 */
export const POOL = { name: 'MicropaymentPool', section: 'micropaymentPool', prefix: 'MicropaymentPool' };

const POOL_STORAGE = ['Pools', 'Paid', 'OwnerPools'];
const POOL_CONSTANTS = ['SettlementGrace', 'CompensationShare', 'MaxBatch', 'MaxResourceIdLen'];

function findPool(api) {
  const found = api.runtimeMetadata.asLatest.pallets.filter((p) => {
    if (p.storage.isNone) return false;
    const items = p.storage.unwrap().items.map((i) => i.name.toString());
    const constants = p.constants.map((c) => c.name.toString());
    return POOL_STORAGE.every((i) => items.includes(i)) && POOL_CONSTANTS.every((c) => constants.includes(c));
  });
  // A relay chain has none; a runtime with two would leave the suites no way to choose.
  if (found.length === 0) return undefined;
  if (found.length > 1) throw new Error(`several pool pallets: ${found.map((p) => p.name.toString())}`);
  const name = found[0].name.toString();
  return { name, section: stringCamelCase(name), prefix: found[0].storage.unwrap().prefix.toString() };
}

export async function connect(ws) {
  const api = await ApiPromise.create({ provider: new WsProvider(ws), noInitWarn: true, throwOnConnect: true });
  const pool = findPool(api);
  if (pool) Object.assign(POOL, pool);
  return api;
}

/**
 * Signs and submits `tx` as `signer` (with `options`, e.g. an explicit `nonce`), resolves when it
 * is in a block with { blockHash, events, fee, error } where `error` is the decoded module error
 * name (or null).
 */
export function submit(api, tx, signer, options = { nonce: -1 }) {
  return new Promise((ok, fail) => {
    let unsub = () => {};
    tx.signAndSend(signer, options, (result) => {
      if (result.status.isInBlock || result.status.isFinalized) {
        unsub();
        const events = result.events.map(({ event }) => event);
        let error = null;
        if (result.dispatchError) {
          error = result.dispatchError.isModule
            ? api.registry.findMetaError(result.dispatchError.asModule).name
            : result.dispatchError.toString();
        }
        const feeEvent = events.find((e) => api.events.transactionPayment.TransactionFeePaid.is(e));
        ok({
          blockHash: result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized,
          events,
          fee: feeEvent ? feeEvent.data.actualFee.toBigInt() : 0n,
          error,
        });
      } else if (result.isError) {
        unsub();
        fail(new Error(`transaction failed: ${result.status.toString()}`));
      }
    })
      .then((u) => {
        unsub = u;
      })
      .catch(fail);
  });
}

/** The pallet's events among `events`, as { method, data } with plain JSON data. */
export function poolEvents(events) {
  return events
    .filter((e) => e.section === POOL.section)
    .map((e) => ({ method: e.method, data: e.data.toJSON ? namedData(e) : e.data }));
}

function namedData(event) {
  const names = event.meta.fields.map((f) => f.name.unwrap().toString());
  return Object.fromEntries(names.map((n, i) => [n, event.data[i]]));
}

export async function freeBalance(api, who) {
  return (await api.query.system.account(who)).data.free.toBigInt();
}

/**
 * `who`'s balances at block `at` (default: best): { free, reserved, total = free + reserved,
 * holds: { [reason]: amount }, hold(reason) }. Reasons are keyed as `holdKey` in rules.js makes
 * them (the JSON of the runtime hold reason, e.g. `{"micropaymentPool":"PayeeStorage"}` on the solochain). Since
 * storage version 2 a peer's first settlement in a pool holds a storage deposit from it, so a
 * payout shows in `total`, not in `free` alone.
 */
export async function account(api, who, at) {
  const q = at ? await api.at(at) : api;
  const [info, holds] = await Promise.all([q.query.system.account(who), q.query.balances.holds(who)]);
  const free = info.data.free.toBigInt();
  const reserved = info.data.reserved.toBigInt();
  const byReason = {};
  for (const h of holds) {
    const reason = JSON.stringify(h.id.toJSON());
    byReason[reason] = (byReason[reason] ?? 0n) + h.amount.toBigInt();
  }
  return { free, reserved, total: free + reserved, holds: byReason, hold: (reason) => byReason[reason] ?? 0n };
}

/** free + reserved of `who` at block `at` (default: best). */
export async function totalBalance(api, who, at) {
  return (await account(api, who, at)).total;
}

/**
 * The fees `whos` (an address or a list of them) paid among `events`, summed from their
 * `transactionPayment.TransactionFeePaid` events.
 */
export function feesPaidBy(api, events, whos) {
  const payers = new Set([whos].flat().map(String));
  return events
    .filter((e) => api.events.transactionPayment.TransactionFeePaid.is(e) && payers.has(e.data.who.toString()))
    .reduce((sum, e) => sum + e.data.actualFee.toBigInt(), 0n);
}

/** The number of block `hash`. */
export async function blockNumber(api, hash) {
  return (await api.rpc.chain.getHeader(hash)).number.toNumber();
}

/** Resolves once the best block number reaches `n`. */
export function waitForBlock(api, n) {
  return new Promise((ok) => {
    let unsub = () => {};
    api.rpc.chain
      .subscribeNewHeads((header) => {
        if (header.number.toNumber() >= n) {
          unsub();
          ok(header.number.toNumber());
        }
      })
      .then((u) => {
        unsub = u;
      });
  });
}

/** Resolves with the finalized hash once the block `hash` is finalized. */
export async function waitForFinalized(api, hash) {
  const target = (await api.rpc.chain.getHeader(hash)).number.toNumber();
  return new Promise((ok) => {
    let unsub = () => {};
    api.rpc.chain
      .subscribeFinalizedHeads(async (header) => {
        if (header.number.toNumber() >= target) {
          unsub();
          ok(await api.rpc.chain.getBlockHash(target));
        }
      })
      .then((u) => {
        unsub = u;
      });
  });
}
