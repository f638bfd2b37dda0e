// The peer without a trusted RPC node: a light client (smoldot) follows the chain and checks
// GRANDPA finality itself (a parachain's: its relay chain's), so "the header the peer trusts" is one its own client finalized, and
// storage it reads is proof-checked by that client. Works over any polkadot-api client; with
// `startLightClient` it is smoldot in this thread (a page, a worker or Node).
import { createClient, type BlockInfo, type PolkadotClient } from 'polkadot-api';
import { getSmProvider } from 'polkadot-api/sm-provider';
import { start, type Client as Smoldot } from 'polkadot-api/smoldot';
import { decodeBundle, decodeHeader } from './bundle.js';
import { poolApi, poolView, type MpoolApi, type PoolPallet } from './chain.js';
import { MpoolError } from './errors.js';
import { fromHex } from './codec.js';
import type { VoucherBook } from './book.js';
import type { HandshakeVerifier, Policy, VerifiedPool } from './handshake.js';
import type { RawView } from './policy.js';

/** What the peer asks of a pool, without the trusted hash and head (the light client supplies both). */
export type LightPolicy = Omit<Policy, 'trustedHash' | 'now'>;

interface Known {
  number: number;
  parent: string;
}

/**
 * The finalized chain as the client saw it: every block it announced (hash → number, parent),
 * and its latest finalized block. Answers "which hash did my client finalize at height n" for the
 * last `window` blocks, and lets callers wait for finality to reach a height.
 */
export class FinalityTracker {
  readonly #known = new Map<string, Known>();
  #tip: BlockInfo | undefined;
  #waiters: { number: number; ok: (b: BlockInfo) => void }[] = [];
  #subs: { unsubscribe(): void }[] = [];
  #stopped = false;

  constructor(client: PolkadotClient, private readonly window = 4096) {
    const follow = () => {
      if (this.#stopped) return;
      this.#subs.push(
        client.blocks$.subscribe({
          next: (b) => this.#known.set(b.hash, { number: b.number, parent: b.parent }),
          // The client lost continuity (e.g. a gap after a restart): follow again, off this stack.
          complete: () => setTimeout(follow, 0),
          error: () => {},
        }),
      );
    };
    follow();
    this.#subs.push(
      client.finalizedBlock$.subscribe({
        next: (b) => this.#finalized(b),
        error: () => {},
      }),
    );
  }

  #finalized(b: BlockInfo) {
    this.#known.set(b.hash, { number: b.number, parent: b.parent });
    this.#tip = b;
    for (const [hash, k] of this.#known) if (k.number + this.window < b.number) this.#known.delete(hash);
    const ready = this.#waiters.filter((w) => w.number <= b.number);
    this.#waiters = this.#waiters.filter((w) => w.number > b.number);
    for (const w of ready) w.ok(b);
  }

  /** The latest block the client finalized, if any yet. */
  get finalized(): BlockInfo | undefined {
    return this.#tip;
  }

  /** Resolves once finality reaches `number`; rejects with `UnknownBlock` after `timeoutMs`. */
  waitFor(number: number, timeoutMs = 30_000): Promise<BlockInfo> {
    if (this.#tip && this.#tip.number >= number) return Promise.resolve(this.#tip);
    return new Promise((ok, fail) => {
      const waiter = {
        number,
        ok: (b: BlockInfo) => {
          clearTimeout(timer);
          ok(b);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        fail(new MpoolError('UnknownBlock', `block ${number} not finalized within ${timeoutMs} ms (finalized: ${this.#tip?.number ?? 'none'})`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** The hash finalized at height `number`, walking back from the tip; undefined if unknown. */
  hashAt(number: number): string | undefined {
    let hash = this.#tip?.hash;
    while (hash !== undefined) {
      const k = this.#known.get(hash);
      if (!k || k.number < number) return undefined;
      if (k.number === number) return hash;
      hash = k.parent;
    }
    return undefined;
  }

  stop() {
    this.#stopped = true;
    for (const s of this.#subs) s.unsubscribe();
    this.#subs = [];
  }
}

/**
 * A peer's view of the chain through a light client: bundles are checked against the hash its
 * client finalized at the bundle's height, and pools can be read (proof-checked by the client)
 * when there is no bundle.
 */
export class LightPeer {
  readonly finality: FinalityTracker;
  readonly #pool: Promise<{ api: MpoolApi; pallet: PoolPallet }>;

  constructor(
    readonly client: PolkadotClient,
    private readonly verifier: HandshakeVerifier,
  ) {
    this.#pool = poolApi(client);
    // Awaited by every method; an incompatible runtime fails them, not the constructor.
    this.#pool.catch(() => undefined);
    this.finality = new FinalityTracker(client);
  }

  /** The chain's typed API addressed to its pool pallet, and that pallet (`poolApi`). */
  pool(): Promise<{ api: MpoolApi; pallet: PoolPallet }> {
    return this.#pool;
  }

  /**
   * Checks a viewer's bundle: waits (up to `waitMs`) until this client has finalized the bundle's
   * block, requires the bundle's hash to be the one finalized at that height, and applies
   * `policy` with "now" = this client's finalized height.
   */
  async verifyBundle(bundle: Uint8Array | string, policy: LightPolicy, waitMs = 30_000): Promise<VerifiedPool> {
    const { number } = decodeHeader(decodeBundle(bundle).header);
    const tip = await this.finality.waitFor(number, waitMs);
    const trusted = this.finality.hashAt(number);
    if (trusted === undefined) {
      throw new MpoolError('UnknownBlock', `block ${number} is older than what this light client followed; ask for a fresh bundle`);
    }
    const { pallet } = await this.#pool;
    return this.verifier.verify(bundle, { palletPrefix: pallet.storagePrefix, ...policy, trustedHash: trusted, now: tip.number });
  }

  /** The pool and `me`'s `Paid` record at block `at`: raw, proof-checked by the light client. */
  async #view(poolId: bigint, me: Uint8Array | string, at: { hash: string; number: number }): Promise<RawView> {
    return poolView(this.client, (await this.#pool).api, poolId, me, at);
  }

  /**
   * Reads the pool and this peer's `Paid` record at the client's finalized block and admits the
   * pool on that view, under `policy` (a confirmed view: the peer's own read).
   */
  async readPool(poolId: bigint, policy: LightPolicy): Promise<VerifiedPool> {
    const tip = this.finality.finalized ?? (await this.client.getFinalizedBlock());
    const view = await this.#view(poolId, policy.me, tip);
    return this.verifier.admit(view, 'chain', { ...policy, now: tip.number }, fromHex(tip.hash));
  }

  /**
   * Follows pool `poolId` for `book`: reads it at every block the client finalizes (proof-checked
   * by the light client) and hands the book each view, so that the book's head moves and a
   * drained, overdrawn or closed pool stops taking increments at once. Resolves after the
   * first read (which confirms a pool admitted on a bundle); returns a function that stops
   * following.
   */
  async follow(book: VoucherBook, poolId: bigint, me: Uint8Array | string): Promise<() => void> {
    let last = -1;
    let pending: Promise<void> = Promise.resolve();
    const read = (at: { hash: string; number: number }) => {
      if (at.number <= last) return pending;
      last = at.number;
      pending = pending
        .then(async () => book.observe(await this.#view(poolId, me, at), 'chain'))
        .then(() => undefined, () => undefined);
      return pending;
    };
    const tip = this.finality.finalized ?? (await this.client.getFinalizedBlock());
    await this.#view(poolId, me, tip).then((view) => book.observe(view, 'chain'));
    last = tip.number;
    const sub = this.client.finalizedBlock$.subscribe({ next: (b) => void read(b), error: () => {} });
    return () => sub.unsubscribe();
  }

  stop() {
    this.finality.stop();
  }
}

/** A light client for one chain spec (JSON text with bootnodes), with a polkadot-api client. */
export interface LightClient {
  smoldot: Smoldot;
  client: PolkadotClient;
  stop(): Promise<void>;
}

/** Options of {@link startLightClient}. */
export interface LightClientOptions {
  maxLogLevel?: number;
  /** A smoldot client to use instead of starting one in this thread. */
  smoldot?: Smoldot;
  /**
   * For a parachain: its relay chain's spec (JSON text with bootnodes). smoldot follows the relay
   * chain, checks its GRANDPA finality, and takes the parachain's finalized blocks from the heads
   * the relay chain included and finalized (`potentialRelayChains`).
   */
  relayChainSpec?: string;
}

/**
 * Starts smoldot on `chainSpec` and wraps it in a polkadot-api client: in this thread, or the
 * smoldot client passed as `options.smoldot` (e.g. `startFromWorker` of
 * `polkadot-api/smoldot/from-worker` or `.../from-node-worker`). Under Node, smoldot's timers
 * outlive `terminate()` for up to minutes; a worker thread, terminated after `stop()`, does not
 * keep the process alive. A parachain needs `options.relayChainSpec`.
 */
export function startLightClient(chainSpec: string, options: LightClientOptions = {}): LightClient {
  const smoldot = options.smoldot ?? start({ maxLogLevel: options.maxLogLevel ?? 2 });
  const chain = options.relayChainSpec
    ? smoldot
        .addChain({ chainSpec: options.relayChainSpec })
        .then((relay) => smoldot.addChain({ chainSpec, potentialRelayChains: [relay] }))
    : smoldot.addChain({ chainSpec });
  const client = createClient(getSmProvider(() => chain));
  return {
    smoldot,
    client,
    async stop() {
      client.destroy();
      await smoldot.terminate();
    },
  };
}
