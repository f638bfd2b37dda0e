// @mpool/sdk/hls: an hls.js fragment loader that buys each segment from paid peers (`mpool-peer`,
// the protocol of docs/peer-http.md) with one cumulative voucher per segment, checks every segment
// against the resource's hash list before hls.js sees it, and falls back to the origin.
//
// hls.js is a peer dependency in types only: the loader is a plain class hls.js constructs
// (`new Hls({ fLoader: paidFragmentLoader(segments) })`), so this entry pulls no player code in.
import type { FragmentLoaderContext, Loader, LoaderCallbacks, LoaderConfiguration, LoaderStats } from 'hls.js';
import { accountId } from './account.js';
import { equalBytes, fromHex, toHex } from './codec.js';
import { MpoolError } from './errors.js';
import { tokenHex } from './token.js';
import type { Payer } from './voucher.js';

/** The version of the segment hash list this module reads. */
export const MANIFEST_VERSION = 1;

/**
 * A rendition's hash list (`mpool-hashes.json`): each segment's path under the rendition's
 * directory → the SHA-256 of its bytes, `0x` hex. The resource id a pool pays for is the SHA-256
 * of the file's exact bytes, 64 hex digits without `0x` (so it fits a resource id and names the
 * resource on the peers): whoever knows the id can check the list, and each segment against it.
 */
export interface SegmentManifest {
  version: typeof MANIFEST_VERSION;
  hash: 'sha-256';
  segments: Record<string, string>;
}

/** SHA-256 of `bytes`, `0x` hex (the platform's WebCrypto: native speed in browsers and Node). */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>)));
}

/** The resource id that commits to a hash list: SHA-256 of its bytes, 64 hex digits. */
export async function manifestResourceId(bytes: Uint8Array): Promise<string> {
  return (await sha256Hex(bytes)).slice(2);
}

/**
 * Parses a hash list and checks it against `resource` (what the pool pays for): `WrongResource`
 * if the bytes are not the ones the id commits to, `Malformed` if they are not a hash list.
 */
export async function parseManifest(bytes: Uint8Array, resource: string): Promise<SegmentManifest> {
  if ((await manifestResourceId(bytes)) !== resource.toLowerCase()) {
    throw new MpoolError('WrongResource', `the hash list is not the one resource ${resource} commits to`);
  }
  let manifest: SegmentManifest;
  try {
    manifest = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new MpoolError('Malformed', `the hash list is not JSON: ${(e as Error).message}`);
  }
  const hexHash = /^0x[0-9a-f]{64}$/;
  if (
    manifest?.version !== MANIFEST_VERSION ||
    manifest.hash !== 'sha-256' ||
    typeof manifest.segments !== 'object' ||
    !Object.values(manifest.segments).every((h) => typeof h === 'string' && hexHash.test(h))
  ) {
    throw new MpoolError('Malformed', `not a version-${MANIFEST_VERSION} sha-256 hash list`);
  }
  return manifest;
}

/** What happened to a segment request, for the player's UI and its measurements. */
export type PaidSegmentEvent =
  | { type: 'session'; peer: string; payee: string; accepted: bigint }
  | { type: 'paid'; peer: string; segment: string; amount: bigint; bytes: number; overheadMs: number }
  | { type: 'refused'; peer: string; segment: string; error: string }
  | { type: 'bad-segment'; peer: string; segment: string; amount: bigint }
  | { type: 'peer-down'; peer: string; reason: string; banned: boolean }
  | { type: 'origin'; segment: string; bytes: number };

export interface PaidSegmentsOptions {
  /** Base URLs of the peers (`http://host:port`), tried in turn. */
  peers: string[];
  /** The resource id, as the pool and the peers name it. */
  resource: string;
  /** The resource's hash list, checked against `resource` (`parseManifest`). */
  manifest: SegmentManifest;
  /** The rendition's directory on the origin: every segment URL hls.js asks for starts with it. */
  origin: string;
  /** The chain the pool is on: a peer whose offer names another is not used. */
  genesisHash: Uint8Array;
  /** Signs the vouchers (one counter per peer; its deposit rule guards against double spending). */
  payer: Payer;
  /** The handshake bundle for a peer's payee (e.g. `handshakeBundle` of `@mpool/sdk/chain`). */
  bundle(payee: Uint8Array): Promise<Uint8Array>;
  /**
   * Called after each voucher is signed and before it is sent: a player that persists its
   * counters here (IndexedDB) never signs a peer two vouchers of the same total after a reload.
   */
  persist?(payer: Payer): Promise<void>;
  /** The most a segment may cost; a peer asking more is not used. Default: no limit. */
  maxPrice?: bigint;
  /** Whether the origin serves while every peer's session is still being opened. Default true. */
  originWhileOpening?: boolean;
  /** How long a peer that failed (unreachable, refused) rests before it is tried again. Default 3 s. */
  retryAfterMs?: number;
  onEvent?(event: PaidSegmentEvent): void;
  fetch?: typeof fetch;
}

interface PeerState {
  url: string;
  payee?: Uint8Array;
  price?: bigint;
  session: boolean;
  opening: Promise<void> | null;
  busy: boolean;
  /** Dropped for good: it served a segment that failed the hash list, or claimed more than it was paid. */
  banned: boolean;
  restingUntil: number;
}

interface Offer {
  payee_hex: string;
  genesis_hash: string;
  price: string;
  resources: string[];
}

/** Why a peer was not used for a segment; `ban` drops it for good. */
class PeerFailure extends Error {
  constructor(
    readonly reason: string,
    readonly ban = false,
  ) {
    super(reason);
  }
}

/**
 * Buys segments from paid peers: a session per peer (its offer, then the handshake bundle), one
 * voucher per segment adding the peer's price to what it was paid before, the bytes checked
 * against the hash list. A peer is skipped while busy (one request at a time per peer keeps its
 * cumulative totals in order), rests after a failure, and is dropped for a bad segment; when no
 * peer can serve, the segment comes from the origin, checked the same way.
 */
export class PaidSegments {
  readonly #peers: PeerState[];
  #next = 0;
  readonly #fetch: typeof fetch;

  constructor(private readonly options: PaidSegmentsOptions) {
    this.#peers = options.peers.map((url) => ({
      url: url.replace(/\/+$/, ''),
      session: false,
      opening: null,
      busy: false,
      banned: false,
      restingUntil: 0,
    }));
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The segment at `url` (an origin URL under `options.origin`), its bytes checked. */
  async get(url: string, signal: AbortSignal | null = null): Promise<{ data: ArrayBuffer; from: string }> {
    const name = this.#segmentName(url);
    const expected = this.options.manifest.segments[name];
    if (!expected) throw new MpoolError('WrongResource', `${name} is not in the resource's hash list`);
    const n = this.#peers.length;
    const start = this.#next++;
    // While every session is still being opened, the origin serves (as a CDN-assisted player
    // starts): the first frame does not wait for a handshake.
    const warming =
      this.options.originWhileOpening !== false &&
      this.#peers.some((p) => p.opening) &&
      !this.#peers.some((p) => p.session && !p.banned);
    for (let i = 0; i < n && !warming; i++) {
      const peer = this.#peers[(start + i) % n]!;
      if (peer.banned || peer.busy || peer.restingUntil > Date.now()) continue;
      peer.busy = true;
      try {
        const data = await this.#buy(peer, name, expected, signal);
        return { data, from: peer.url };
      } catch (e) {
        if (signal?.aborted) throw e;
        this.#failed(peer, e);
      } finally {
        peer.busy = false;
      }
    }
    const response = await this.#fetch(url, { signal });
    if (!response.ok) throw new MpoolError('Http', `the origin answered ${response.status} for ${name}`);
    const data = await response.arrayBuffer();
    if ((await sha256Hex(data)) !== expected) {
      throw new MpoolError('BadSegment', `the origin's ${name} does not match the hash list`);
    }
    this.#emit({ type: 'origin', segment: name, bytes: data.byteLength });
    return { data, from: 'origin' };
  }

  /**
   * Opens a session with every peer at once (a player calls it while hls.js fetches the
   * playlist, so the first segment does not wait for a handshake). A peer that fails rests.
   */
  async prepare(signal: AbortSignal | null = null): Promise<void> {
    await Promise.all(
      this.#peers.map(async (peer) => {
        if (peer.banned || peer.session) return;
        try {
          await this.#session(peer, signal);
        } catch (e) {
          this.#failed(peer, e);
        }
      }),
    );
  }

  /** How many peers are still in use (not dropped for a bad segment). */
  get usablePeers(): number {
    return this.#peers.filter((p) => !p.banned).length;
  }

  #failed(peer: PeerState, e: unknown): void {
    const failure = e instanceof PeerFailure ? e : new PeerFailure(`unreachable: ${(e as Error).message}`);
    if (failure.ban) peer.banned = true;
    else {
      peer.restingUntil = Date.now() + (this.options.retryAfterMs ?? 3_000);
      // A peer that was down may come back without this pool's session.
      peer.session = false;
    }
    this.#emit({ type: 'peer-down', peer: peer.url, reason: failure.reason, banned: failure.ban });
  }

  #segmentName(url: string): string {
    const bare = url.split(/[?#]/)[0] ?? url;
    const origin = this.options.origin.replace(/\/*$/, '/');
    if (!bare.startsWith(origin)) throw new MpoolError('WrongResource', `${url} is not under the origin ${origin}`);
    return bare.slice(origin.length);
  }

  /** The peer's session: the one being opened if any (a segment waits for `prepare`'s), else a new one. */
  #session(peer: PeerState, signal: AbortSignal | null): Promise<void> {
    peer.opening ??= this.#open(peer, signal).finally(() => (peer.opening = null));
    return peer.opening;
  }

  async #open(peer: PeerState, signal: AbortSignal | null): Promise<void> {
    const offerResponse = await this.#fetch(`${peer.url}/mpool/v1/offer`, { signal });
    if (!offerResponse.ok) throw new PeerFailure(`offer: HTTP ${offerResponse.status}`);
    const offer = (await offerResponse.json()) as Offer;
    if (!equalBytes(fromHex(offer.genesis_hash), this.options.genesisHash)) {
      throw new PeerFailure('WrongChain', true);
    }
    if (!offer.resources.includes(this.options.resource)) throw new PeerFailure('UnknownResource', true);
    const price = BigInt(offer.price);
    if (price <= 0n || (this.options.maxPrice !== undefined && price > this.options.maxPrice)) {
      throw new PeerFailure(`price ${price} refused`, true);
    }
    const payee = accountId(offer.payee_hex);
    const bundle = await this.options.bundle(payee);
    const opened = await this.#fetch(`${peer.url}/mpool/v1/session/${this.options.resource}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bundle as Uint8Array<ArrayBuffer>,
      signal,
    });
    const body = (await opened.json().catch(() => ({}))) as { accepted?: string; error?: string };
    if (!opened.ok) throw new PeerFailure(`session: ${body.error ?? `HTTP ${opened.status}`}`);
    const accepted = BigInt(body.accepted ?? '0');
    // A peer holding more than this player signed it (by its own record) is lying or the record
    // was lost: paying on from its figure would sign it what it never earned.
    if (accepted > this.options.payer.owed(payee)) throw new PeerFailure(`claims ${accepted} accepted`, true);
    peer.payee = payee;
    peer.price = price;
    peer.session = true;
    this.#emit({ type: 'session', peer: peer.url, payee: toHex(payee), accepted });
  }

  async #buy(peer: PeerState, name: string, expected: string, signal: AbortSignal | null): Promise<ArrayBuffer> {
    if (!peer.session) await this.#session(peer, signal);
    const payee = peer.payee!;
    const price = peer.price!;
    const t0 = performance.now();
    let signed;
    try {
      signed = this.options.payer.pay(payee, price);
    } catch (e) {
      // The deposit rule: this player promises no more than its deposit, to anyone.
      throw new PeerFailure(`cannot pay: ${(e as MpoolError).code ?? (e as Error).message}`);
    }
    await this.options.persist?.(this.options.payer);
    let overheadMs = performance.now() - t0;
    const response = await this.#fetch(`${peer.url}/r/${this.options.resource}/${name}`, {
      headers: { 'mpool-voucher': tokenHex(signed) },
      signal,
    });
    if (response.status === 402) {
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      const error = body.error ?? 'PaymentRequired';
      this.#emit({ type: 'refused', peer: peer.url, segment: name, error });
      throw new PeerFailure(error);
    }
    if (!response.ok) throw new PeerFailure(`HTTP ${response.status}`);
    const data = await response.arrayBuffer();
    const t1 = performance.now();
    if ((await sha256Hex(data)) !== expected) {
      this.#emit({ type: 'bad-segment', peer: peer.url, segment: name, amount: signed.voucher.amount });
      throw new PeerFailure(`${name} does not match the hash list`, true);
    }
    overheadMs += performance.now() - t1;
    this.#emit({ type: 'paid', peer: peer.url, segment: name, amount: signed.voucher.amount, bytes: data.byteLength, overheadMs });
    return data;
  }

  #emit(event: PaidSegmentEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A listener's failure is the listener's: the segment is still served.
    }
  }
}

function newStats(): LoaderStats {
  return {
    aborted: false,
    loaded: 0,
    retry: 0,
    total: 0,
    chunkCount: 0,
    bwEstimate: 0,
    loading: { start: 0, first: 0, end: 0 },
    parsing: { start: 0, end: 0 },
    buffering: { start: 0, first: 0, end: 0 },
  };
}

/**
 * A fragment loader class for hls.js (`fLoader`) that gets every media segment from `segments`
 * (or the promise of it: hls.js can fetch the playlist while the player connects to its node).
 */
export function paidFragmentLoader(
  segments: PaidSegments | Promise<PaidSegments>,
): new (config: unknown) => Loader<FragmentLoaderContext> {
  return class PaidFragmentLoader implements Loader<FragmentLoaderContext> {
    context: FragmentLoaderContext | null = null;
    stats: LoaderStats = newStats();
    #controller: AbortController | null = null;
    #callbacks: LoaderCallbacks<FragmentLoaderContext> | null = null;

    constructor(_config: unknown) {}

    load(context: FragmentLoaderContext, _config: LoaderConfiguration, callbacks: LoaderCallbacks<FragmentLoaderContext>): void {
      // hls.js took `this.stats` as the fragment's stats before calling load: fill that object.
      this.context = context;
      this.#callbacks = callbacks;
      const controller = (this.#controller = new AbortController());
      const stats = this.stats;
      stats.loading.start = performance.now();
      // hls.js marks "no byte range" as 0..0.
      if ((context.rangeStart ?? 0) > 0 || (context.rangeEnd ?? 0) > 0) {
        callbacks.onError({ code: 0, text: 'byte-range segments are not sold by paid peers' }, context, null, stats);
        return;
      }
      Promise.resolve(segments)
        .then((s) => s.get(context.url, controller.signal))
        .then(
        ({ data }) => {
          if (controller.signal.aborted) return;
          this.#controller = null;
          stats.loading.first = stats.loading.end = performance.now();
          stats.loaded = stats.total = data.byteLength;
          stats.bwEstimate = (data.byteLength * 8000) / Math.max(1, stats.loading.end - stats.loading.start);
          // hls.js hands a fragment to its transmuxer from the progress callback, as its own
          // loaders call it: once, with the whole segment, before success.
          callbacks.onProgress?.(stats, context, data, null);
          callbacks.onSuccess({ url: context.url, data }, stats, context, null);
        },
        (e: Error) => {
          if (controller.signal.aborted) return;
          this.#controller = null;
          stats.loading.end = performance.now();
          callbacks.onError({ code: 0, text: e.message }, context, null, stats);
        },
      );
    }

    /** Stops a load in flight and says so (`onAbort`); nothing once the load has finished. */
    abort(): void {
      const callbacks = this.#callbacks;
      if (!this.#stop()) return;
      if (this.context) callbacks?.onAbort?.(this.stats, this.context, null);
    }

    /** Stops a load in flight without a word: hls.js destroys a loader inside its own callbacks. */
    destroy(): void {
      this.#stop();
      this.context = null;
    }

    /** Whether a load was in flight (it is not now; its callbacks will not be called). */
    #stop(): boolean {
      const controller = this.#controller;
      this.#controller = null;
      this.#callbacks = null;
      if (!controller || controller.signal.aborted) return false;
      controller.abort();
      this.stats.aborted = true;
      return true;
    }
  };
}
