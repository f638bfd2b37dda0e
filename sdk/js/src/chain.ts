// Chain access through polkadot-api, typed by descriptors generated from this runtime's
// metadata (client/metadata/micropayment-pool.scale, which runtime/tests/metadata.rs checks).
// A separate entry ('@mpool/sdk/chain'): the voucher and handshake code needs none of it.
import { mpool } from './descriptors/dist/index.js';
import { createClient, type PolkadotClient, type PolkadotSigner, type TxFinalizedPayload, type TypedApi } from 'polkadot-api';
import { getWsProvider } from 'polkadot-api/ws';
import { getPolkadotSigner } from 'polkadot-api/signer';
import * as sr25519 from '@scure/sr25519';
import { ss58 } from './account.js';
import { blake2_256, encodeBundle, BUNDLE_VERSION } from './bundle.js';
import { blockHeader, decAnyMetadata, unifyMetadata } from '@polkadot-api/substrate-bindings';
import { bytes, bytesOf, decodeExact, fromHex, toHex } from './codec.js';
import { MpoolError } from './errors.js';
import type { HandshakeVerifier } from './handshake.js';
import type { Limits, RawView } from './policy.js';
import type { SignedVoucher } from './voucher.js';

export { mpool };
/**
 * The chain's typed API. Its `MicropaymentPool` entries (tx, query, event, constants, view) are
 * the pool pallet's whatever the runtime named it, when made by `connect` or `poolApi`.
 */
export type MpoolApi = TypedApi<typeof mpool>;

/** The pool pallet's name in the metadata the descriptors were generated from. */
export const GENERATED_PALLET = 'MicropaymentPool';
const POOL_STORAGE = ['Pools', 'Paid', 'OwnerPools'];
const POOL_CONSTANTS = ['SettlementGrace', 'CompensationShare', 'MaxBatch', 'MaxResourceIdLen'];

/**
 * Where a runtime keeps the pool pallet: its name in `construct_runtime!` (what calls, events
 * and constants are addressed by) and its storage prefix (what the keys of its records, and so
 * a handshake's proof, hash).
 */
export interface PoolPallet {
  name: string;
  storagePrefix: string;
}

/**
 * Finds the pool pallet in the runtime's metadata at the finalized block (or `at`) by what it
 * holds — its storage items and constants, the Rust client's rule — not by its name: a chain
 * builder may call it otherwise (the demo parachain calls it `Micropayments`).
 */
export async function findPoolPallet(client: PolkadotClient, at?: string): Promise<PoolPallet> {
  const hash = at ?? (await client.getFinalizedBlock()).hash;
  const { pallets } = unifyMetadata(decAnyMetadata(await client.getMetadata(hash)));
  const found = pallets.filter(
    (p) =>
      p.storage !== undefined &&
      POOL_STORAGE.every((item) => p.storage!.items.some((i) => i.name === item)) &&
      POOL_CONSTANTS.every((name) => p.constants.some((c) => c.name === name)),
  );
  if (found.length !== 1) {
    throw new MpoolError(
      'IncompatibleRuntime',
      found.length === 0
        ? `the runtime has no pallet with the pool's storage (${POOL_STORAGE.join(', ')}) and constants`
        : `the runtime has several pool pallets: ${found.map((p) => p.name).join(', ')}`,
    );
  }
  const [pool] = found as [(typeof found)[number]];
  return { name: pool.name, storagePrefix: pool.storage!.prefix };
}

/**
 * The typed API of `client` with its `MicropaymentPool` entries addressed to the runtime's pool
 * pallet (`findPoolPallet`). Where the runtime names the pallet as the descriptors do, this is
 * the typed API, every entry checked against the descriptors. Where it names it otherwise, the
 * runtime's outer enums (`RuntimeEvent`, `RuntimeCall`, `RuntimeHoldReason`) name the pallet
 * otherwise too, so the descriptors' checks would refuse `System.Events` or `Balances.Holds`
 * as well: the API is then polkadot-api's unsafe API, which resolves every entry by name against
 * the runtime's own metadata, with the descriptors' TypeScript types and the pool's entries under
 * `MicropaymentPool` as in the descriptors (decoded values name the pallet as the runtime does).
 */
export async function poolApi(client: PolkadotClient): Promise<{ api: MpoolApi; pallet: PoolPallet }> {
  const pallet = await findPoolPallet(client);
  if (pallet.name === GENERATED_PALLET) return { api: client.getTypedApi(mpool), pallet };
  const unsafe = client.getUnsafeApi<typeof mpool>() as unknown as Record<PropertyKey, unknown>;
  const routed = new Map<PropertyKey, unknown>();
  for (const ns of ['tx', 'query', 'event', 'constants', 'view'] as const) {
    const entries = unsafe[ns] as Record<PropertyKey, unknown>;
    routed.set(ns, new Proxy(entries, { get: (t, key) => t[key === GENERATED_PALLET ? pallet.name : key] }));
  }
  const api = new Proxy(unsafe, { get: (t, key) => (routed.has(key) ? routed.get(key) : t[key]) }) as unknown as MpoolApi;
  return { api, pallet };
}

/** A dispatched transaction that failed: the pallet error's name (e.g. `StaleVoucher`). */
export class DispatchError extends MpoolError {
  constructor(readonly error: string, readonly fee: bigint) {
    super('Dispatch', `dispatch failed: ${error}`);
    this.name = 'DispatchError';
  }
}

function dispatchErrorName(result: TxFinalizedPayload): string {
  const e = result.dispatchError as { type: string; value?: { type?: string; value?: { type?: string } } } | undefined;
  if (!e) return 'Unknown';
  if (e.type === 'Module' && e.value?.value?.type) return `${e.value.type}.${e.value.value.type}`;
  return e.value?.type ? `${e.type}.${e.value.type}` : e.type;
}

function feeOf(api: MpoolApi, result: TxFinalizedPayload): bigint {
  const paid = api.event.TransactionPayment.TransactionFeePaid.filter(result.events)[0];
  return paid ? paid.payload.actual_fee : 0n;
}

async function submit(api: MpoolApi, tx: { signAndSubmit(s: PolkadotSigner): Promise<TxFinalizedPayload> }, signer: PolkadotSigner) {
  const result = await tx.signAndSubmit(signer);
  if (!result.ok) throw new DispatchError(dispatchErrorName(result), feeOf(api, result));
  return { result, fee: feeOf(api, result) };
}

/** polkadot-api's provider type: a function that opens a JSON-RPC connection. */
export type JsonRpcProvider = Parameters<typeof createClient>[0];

/** A call of a node's JSON-RPC method that no method of the new JSON-RPC spec covers. */
export type NodeRequest = <T>(method: string, params: unknown[]) => Promise<T>;

// The node request of each client made by `connect` (or passed to `withNodeRequests`).
const nodeRequests = new WeakMap<PolkadotClient, NodeRequest>();

/**
 * Wraps `provider` so that one connection serves both a polkadot-api client made from the
 * returned `provider` and `request`, for node methods outside the spec's JSON-RPC (the viewer's
 * bundle needs `state_getReadProof`). Requests of its own carry ids the client never uses; their
 * answers are taken out of the stream before the client sees it.
 */
export function withNodeRequests(provider: JsonRpcProvider): { provider: JsonRpcProvider; request: NodeRequest } {
  type Pending = { ok: (value: unknown) => void; fail: (error: Error) => void };
  const pending = new Map<string, Pending>();
  let connection: ReturnType<JsonRpcProvider> | undefined;
  let next = 0;
  const wrapped: JsonRpcProvider = (onMessage) => {
    const inner = provider((message) => {
      const id = 'id' in message ? message.id : undefined;
      const mine = typeof id === 'string' ? pending.get(id) : undefined;
      if (!mine || !('result' in message || 'error' in message)) return onMessage(message);
      pending.delete(id as string);
      if ('error' in message) mine.fail(new MpoolError('Rpc', `${message.error.message} (${message.error.code})`));
      else mine.ok(message.result);
    });
    connection = inner;
    return {
      send: (message) => inner.send(message),
      disconnect: () => {
        connection = undefined;
        for (const { fail } of pending.values()) fail(new MpoolError('Disconnected', 'the connection was closed'));
        pending.clear();
        inner.disconnect();
      },
    };
  };
  const request: NodeRequest = <T>(method: string, params: unknown[]) =>
    new Promise<T>((ok, fail) => {
      if (!connection) return fail(new MpoolError('Disconnected', 'no client is connected through this provider'));
      const id = `mpool-${next++}`;
      pending.set(id, { ok: ok as (value: unknown) => void, fail });
      connection.send({ jsonrpc: '2.0', id, method, params });
    });
  return { provider: wrapped, request };
}

/**
 * The client half of `connect`, at once: a polkadot-api client of the node and its `request`,
 * before the runtime's metadata is read. For a player that must not wait for the metadata before
 * its first segment: call `poolApi(client)` beside its other first steps.
 */
export function connectClient(url: string, options: { websocketClass?: typeof WebSocket } = {}) {
  const { provider, request } = withNodeRequests(
    getWsProvider(url, options.websocketClass ? { websocketClass: options.websocketClass } : {}),
  );
  const client = createClient(provider);
  nodeRequests.set(client, request);
  return { client, request };
}

/**
 * A client of a node's JSON-RPC WebSocket (the viewer's own node) with this chain's typed API
 * addressed to its pool pallet (`poolApi`), that pallet, and `request` for the node's methods
 * outside the spec (see `withNodeRequests`).
 * Node.js before 22 has no global WebSocket: pass one (e.g. the `ws` package's).
 */
export async function connect(url: string, options: { websocketClass?: typeof WebSocket } = {}) {
  const { client, request } = connectClient(url, options);
  try {
    const { api, pallet } = await poolApi(client);
    return { client, api, pallet, request };
  } catch (e) {
    client.destroy();
    throw e;
  }
}

/**
 * A transaction signer for the sr25519 key of a 32-byte seed (Substrate's `Pair::from_seed`,
 * the "Secret seed" `key inspect` prints), e.g. a dev account's in a demo.
 */
export function seedSigner(seed: Uint8Array | string): { publicKey: Uint8Array; signer: PolkadotSigner } {
  const secret = sr25519.secretFromSeed(bytesOf(seed, 32, 'seed'));
  const publicKey = sr25519.getPublicKey(secret);
  return { publicKey, signer: getPolkadotSigner(publicKey, 'Sr25519', (message) => sr25519.sign(secret, message)) };
}

export interface PoolTermsArgs {
  resourceId: Uint8Array | string;
  deposit: bigint;
  collateral: bigint;
  /** Blocks until expiry. */
  duration: number;
  /** The account whose signatures the vouchers need; the owner if absent. */
  signer?: Uint8Array | string;
}

/** Creates a pool (with `create_pool_with_signer` when a signer is named); finalized. */
export async function createPool(api: MpoolApi, owner: PolkadotSigner, args: PoolTermsArgs) {
  const resource_id = typeof args.resourceId === 'string' ? new TextEncoder().encode(args.resourceId) : args.resourceId;
  const terms = { resource_id, deposit: args.deposit, collateral: args.collateral, duration: args.duration };
  const tx =
    args.signer === undefined
      ? api.tx.MicropaymentPool.create_pool(terms)
      : api.tx.MicropaymentPool.create_pool_with_signer({
          ...terms,
          signer: typeof args.signer === 'string' ? args.signer : ss58(args.signer),
        });
  const { result, fee } = await submit(api, tx, owner);
  const created = api.event.MicropaymentPool.PoolCreated.filter(result.events)[0]?.payload;
  if (!created) throw new MpoolError('Malformed', 'no PoolCreated event');
  return { poolId: created.pool_id, expiry: created.expiry, signer: created.signer, blockHash: result.block.hash, fee };
}

/** Settles a voucher as its target (the peer); finalized. Returns what the chain paid now. */
export async function settle(api: MpoolApi, peer: PolkadotSigner, signed: SignedVoucher) {
  const { voucher, signature } = signed;
  const tx = api.tx.MicropaymentPool.settle({
    pool_id: voucher.poolId,
    amount: voucher.amount,
    signature: { type: signature.type, value: toHex(signature.bytes) } as never,
  });
  const { result, fee } = await submit(api, tx, peer);
  const settled = api.event.MicropaymentPool.Settled.filter(result.events)[0]?.payload;
  if (!settled) throw new MpoolError('Malformed', 'no Settled event');
  return { paid: settled.paid, amount: settled.amount, blockHash: result.block.hash, fee };
}

/** What a settlement with tips did: the chain's payout, its fee and the tip it carried. */
export interface TippedSettlement {
  paid: bigint;
  amount: bigint;
  fee: bigint;
  /** The tip of the transaction that landed. */
  tip: bigint;
  /** The block it landed in, and the tips offered block by block before. */
  blockNumber: number;
  offers: { block: number; tip: bigint }[];
}

/**
 * Settles a voucher as its target, tipping as the peer policy says while the settlement window
 * runs out (docs/security.md, "Censorship"): at every new best block the settlement is still
 * out, it is signed again with the same nonce and the tip for the blocks left, replacing the
 * one in the node's pool, so that keeping it out by stuffing blocks costs more than the pool's
 * collateral and what is owed. Resolves once finalized; rejects with `SettlementWindowEnded`
 * if the window closes first, or a `DispatchError`.
 */
export async function settleWithTips(
  client: PolkadotClient,
  api: MpoolApi,
  peer: { publicKey: Uint8Array; signer: PolkadotSigner },
  signed: SignedVoucher,
  verifier: HandshakeVerifier,
  options: { limits?: Partial<Limits> } = {},
): Promise<TippedSettlement> {
  const limits = verifier.limits(options.limits);
  const address = ss58(peer.publicKey);
  const { voucher, signature } = signed;
  const at = { at: 'best' as const };
  const pool = await api.query.MicropaymentPool.Pools.getValue(voucher.poolId, at);
  if (!pool) throw new MpoolError('UnknownPool', `pool ${voucher.poolId} does not exist`);
  const paidBefore = (await api.query.MicropaymentPool.Paid.getValue(voucher.poolId, address, at)) ?? 0n;
  const deadline = pool.expiry + (await api.constants.MicropaymentPool.SettlementGrace());
  const stake = pool.collateral + (voucher.amount > paidBefore ? voucher.amount - paidBefore : 0n);
  const tx = api.tx.MicropaymentPool.settle({
    pool_id: voucher.poolId,
    amount: voucher.amount,
    signature: { type: signature.type, value: toHex(signature.bytes) } as never,
  });
  const nonce = await api.apis.AccountNonceApi.account_nonce(address, at);
  const weights = await api.constants.System.BlockWeights();
  const length = await api.constants.System.BlockLength();
  const probe = await tx.sign(peer.signer, { nonce });
  // The runtime API takes the extrinsic as bytes (it encodes the length prefix itself) and the
  // length the extrinsic has on the wire.
  const info = await api.apis.TransactionPaymentApi.query_info(decodeExact(bytes, probe, 'extrinsic'), probe.length, at);
  const perBlock = verifier.txPerBlock(
    [weights.max_block.ref_time, weights.max_block.proof_size],
    BigInt(length.max.normal),
    [info.weight.ref_time, info.weight.proof_size],
    BigInt(probe.length),
  );

  return new Promise<TippedSettlement>((resolve, reject) => {
    const offers: { block: number; tip: bigint }[] = [];
    const watchers: { unsubscribe(): void }[] = [];
    let tip = -1n;
    let done = false;
    let queue: Promise<void> = Promise.resolve();
    const end = (finish: () => void) => {
      if (done) return;
      done = true;
      heads?.unsubscribe();
      for (const w of watchers) w.unsubscribe();
      finish();
    };
    // The one of the offers that lands reports its finality; the others were replaced.
    const landed = (offered: bigint) => (e: TxFinalizedPayload) =>
      end(() => {
        const fee = api.event.TransactionPayment.TransactionFeePaid.filter(e.events)[0]?.payload.actual_fee ?? 0n;
        if (!e.ok) {
          reject(new DispatchError(dispatchErrorName(e), fee));
          return;
        }
        const settled = api.event.MicropaymentPool.Settled.filter(e.events)[0]?.payload;
        if (!settled) reject(new MpoolError('Malformed', 'no Settled event'));
        else resolve({ paid: settled.paid, amount: settled.amount, fee, tip: offered, blockNumber: e.block.number, offers });
      });
    const offer = async (best: { hash: string; number: number }) => {
      if (done) return;
      // In this block or an earlier one already: its finality is what is left to wait for.
      if ((await api.apis.AccountNonceApi.account_nonce(address, { at: best.hash })) > nonce) return;
      const left = deadline - (best.number + 1);
      if (left <= 0) {
        const offered = offers.map((o) => `${o.tip} at #${o.block}`).join(', ');
        end(() =>
          reject(
            new MpoolError(
              'SettlementWindowEnded',
              `pool ${voucher.poolId}'s settlement window ended at block ${deadline} before the settlement landed (${perBlock} such transactions fit a block; tips offered: ${offered})`,
            ),
          ),
        );
        return;
      }
      const want = verifier.tip(stake, left, perBlock, limits);
      if (want <= tip) return;
      tip = want;
      offers.push({ block: best.number, tip });
      const offered = tip;
      const signedTx = await tx.sign(peer.signer, { nonce, tip: offered });
      watchers.push(
        client.submitAndWatch(signedTx).subscribe({
          next: (e) => {
            if (e.type === 'finalized') landed(offered)(e as TxFinalizedPayload);
          },
          // Replaced by a higher tip, or stale once an earlier offer landed: the others carry on.
          error: () => {},
        }),
      );
    };
    const heads = client.bestBlocks$.subscribe({
      next: (blocks) => {
        const best = blocks[0];
        if (best) queue = queue.then(() => offer(best)).catch((e) => end(() => reject(e)));
      },
      error: (e) => end(() => reject(e)),
    });
  });
}

/** Closes a pool after its settlement window (its owner; anyone once overdrawn); finalized. */
export async function closePool(api: MpoolApi, owner: PolkadotSigner, poolId: bigint) {
  const { result, fee } = await submit(api, api.tx.MicropaymentPool.close_pool({ pool_id: poolId }), owner);
  const closed = api.event.MicropaymentPool.PoolClosed.filter(result.events)[0]?.payload;
  if (!closed) throw new MpoolError('Malformed', 'no PoolClosed event');
  return { refundedDeposit: closed.refunded_deposit, refundedCollateral: closed.refunded_collateral, slashed: closed.slashed, fee };
}

/** The pool record at the finalized block (or `at`), or `undefined`. */
export async function readPool(api: MpoolApi, poolId: bigint, at?: string) {
  return at ? api.query.MicropaymentPool.Pools.getValue(poolId, { at }) : api.query.MicropaymentPool.Pools.getValue(poolId);
}

/**
 * The pool and peer `me`'s `Paid` record at block `at` (default: the client's finalized block),
 * as raw values: the peer's own view of the chain, for `VoucherBook.observe(view, 'chain')` and
 * `HandshakeVerifier.admit`. Through a light client the values are proof-checked by it.
 */
export async function poolView(client: PolkadotClient, api: MpoolApi, poolId: bigint, me: Uint8Array | string, at?: { hash: string; number: number }): Promise<RawView> {
  const block = at ?? (await client.getFinalizedBlock());
  const who = typeof me === 'string' ? me : ss58(me);
  const [poolKey, paidKey] = await Promise.all([
    api.query.MicropaymentPool.Pools.getKey(poolId),
    api.query.MicropaymentPool.Paid.getKey(poolId, who),
  ]);
  const [pool, paid] = await Promise.all([client.rawQuery(poolKey, { at: block.hash }), client.rawQuery(paidKey, { at: block.hash })]);
  return { poolId, block: block.number, pool: pool === null ? null : fromHex(pool), paid: paid === null ? null : fromHex(paid) };
}

/**
 * The viewer's handshake bundle for peer `target` at the finalized block: its header and the
 * node's storage proof of the pool and of the peer's `Paid` record (docs/handshake.md). No
 * method of the spec's JSON-RPC returns a storage proof: the node's `state_getReadProof` is
 * asked through `request`, by default the one of a client made by `connect`; for a client made
 * otherwise, make its provider with `withNodeRequests` and pass its `request`. A light client
 * cannot answer it: a viewer builds bundles through a full node.
 */
export async function handshakeBundle(
  client: PolkadotClient,
  api: MpoolApi,
  poolId: bigint,
  target: Uint8Array,
  request: NodeRequest | undefined = nodeRequests.get(client),
) {
  if (!request) {
    throw new MpoolError('Unsupported', "a bundle needs the node's state_getReadProof: make the client with connect(), or pass withNodeRequests' request");
  }
  const { hash } = await client.getFinalizedBlock();
  const keys = [
    await api.query.MicropaymentPool.Pools.getKey(poolId),
    await api.query.MicropaymentPool.Paid.getKey(poolId, ss58(target)),
  ];
  const proof = await request<{ at: string; proof: string[] }>('state_getReadProof', [keys, hash]);
  const headerBytes = blockHeader.enc(await client.getBlockHeader(hash));
  if (toHex(blake2_256(headerBytes)) !== hash) throw new MpoolError('HeaderMismatch', `the node's header does not hash to ${hash}`);
  return encodeBundle({
    version: BUNDLE_VERSION,
    poolId,
    target,
    blockHash: fromHex(hash),
    header: headerBytes,
    proof: proof.proof.map(fromHex),
  });
}
