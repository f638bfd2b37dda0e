// A video player that pays peers per segment: hls.js with the `@mpool/sdk/hls` fragment loader.
// The pool is the viewer's (created by its wallet, vouchers signed by a session key); the page
// keeps the session in IndexedDB, so a reload pays on from what it signed before.
//
// The page's settings come in its URL fragment, as JSON: `{ rpc, origin, resource, peers, seed,
// poolId, deposit, mode }` (`mode` "origin" plays the same stream from the origin alone, the
// baseline the paid start is measured against). What happens is in `window.__player`.
import Hls from 'hls.js';
import { HandshakeVerifier, Payer, SessionKey, fromHex } from '@mpool/sdk';
import { connectClient, handshakeBundle, poolApi } from '@mpool/sdk/chain';
import { PaidSegments, paidFragmentLoader, parseManifest, sha256Hex } from '@mpool/sdk/hls';
import { IndexedDbPlayerStore } from '@mpool/sdk/indexeddb';

const $ = (id) => document.getElementById(id);
const state = (window.__player = {
  mode: null,
  events: [],
  firstFrameMs: null,
  stalls: [],
  fragments: 0,
  badFragments: 0,
  ended: false,
  error: null,
  restored: false,
  signed: {},
});
const log = (line) => {
  $('log').textContent += `${line}\n`;
};
const fail = (e) => {
  state.error = String(e?.stack ?? e);
  log(`error: ${state.error}`);
};

/** The paid segments, their sessions being opened; `manifest` is the checked hash list. */
async function paidSegments(config) {
  const { client } = connectClient(config.rpc);
  // The pool pallet's API (from the runtime's metadata) is first needed by a handshake bundle,
  // after the first segment: not waited for here.
  const pooling = poolApi(client);
  pooling.catch(fail);
  // Independent steps at once: each is a round trip or a compile the first segment waits for.
  const [manifest, chainSpec, rules, store] = await Promise.all([
    fetch(`${config.origin}mpool-hashes.json`)
      .then((r) => r.arrayBuffer())
      .then((bytes) => parseManifest(new Uint8Array(bytes), config.resource)),
    client.getChainSpecData(),
    HandshakeVerifier.load(),
    IndexedDbPlayerStore.open(),
  ]);
  const genesisHash = fromHex(chainSpec.genesisHash);
  const poolId = BigInt(config.poolId);
  const deposit = BigInt(config.deposit);

  // The session survives a reload: the seed, the pool and every peer's cumulative amount.
  const saved = await store.load(config.resource);
  const usable = saved && saved.poolId === config.poolId;
  const key = SessionKey.fromSeed(usable ? saved.seed : config.seed);
  const payer = new Payer(key, genesisHash, poolId, deposit, rules);
  if (usable) {
    for (const [peer, amount] of saved.owed) payer.restore(peer, BigInt(amount));
    state.restored = true;
    log(`session restored: ${saved.owed.length} peers paid before`);
  }
  const persist = (p) => {
    state.signed = Object.fromEntries(p.entries().map(([peer, amount]) => [peer, String(amount)]));
    return store.save({
      id: config.resource,
      seed: usable ? saved.seed : config.seed,
      poolId: config.poolId,
      deposit: config.deposit,
      owed: p.entries().map(([peer, amount]) => [peer, String(amount)]),
    });
  };

  const segments = new PaidSegments({
    peers: config.peers,
    resource: config.resource,
    manifest,
    origin: config.origin,
    genesisHash,
    payer,
    bundle: async (payee) => handshakeBundle(client, (await pooling).api, poolId, payee),
    persist,
    retryAfterMs: 2_000,
    onEvent: (e) => {
      const entry = { ...e, at: performance.now() };
      if (typeof entry.amount === 'bigint') entry.amount = String(entry.amount);
      if (typeof entry.accepted === 'bigint') entry.accepted = String(entry.accepted);
      state.events.push(entry);
      log(`${e.type} ${e.peer ?? ''} ${e.segment ?? ''} ${e.error ?? e.reason ?? ''}`);
    },
  });
  segments.prepare().catch(fail);
  return { segments, manifest };
}

async function run() {
  const config = JSON.parse(decodeURIComponent(location.hash.slice(1)));
  state.mode = config.mode;
  const video = $('video');
  // hls.js buffers a few segments ahead, so the stream is bought as it plays.
  const options = { maxBufferLength: 6, maxMaxBufferLength: 8, backBufferLength: 4, debug: Boolean(config.debug) };
  // hls.js fetches the playlist while the player connects to its node and opens its sessions.
  const paid = config.mode === 'paid' ? paidSegments(config) : null;
  if (paid) options.fLoader = paidFragmentLoader(paid.then((p) => p.segments));
  const hls = new Hls(options);
  // An independent check of what reaches the player: every fragment hls.js was handed.
  hls.on(Hls.Events.FRAG_LOADED, async (_event, data) => {
    state.fragments += 1;
    if (!paid) return;
    const { manifest } = await paid;
    const name = data.frag.url.slice(config.origin.length);
    if ((await sha256Hex(data.payload)) !== manifest.segments[name]) state.badFragments += 1;
  });
  hls.on(Hls.Events.ERROR, (_event, data) => data.fatal && fail(`hls.js: ${data.type} ${data.details}`));
  video.requestVideoFrameCallback(() => {
    state.firstFrameMs = performance.now();
    log(`first frame at ${state.firstFrameMs.toFixed(0)} ms`);
  });
  let waitingSince = null;
  video.addEventListener('waiting', () => (waitingSince = performance.now()));
  video.addEventListener('playing', () => {
    if (waitingSince !== null && state.firstFrameMs !== null) state.stalls.push(performance.now() - waitingSince);
    waitingSince = null;
  });
  video.addEventListener('ended', () => {
    state.ended = true;
    state.currentTime = video.currentTime;
    state.duration = video.duration;
    log(`ended at ${video.currentTime.toFixed(2)} s`);
  });
  video.addEventListener('timeupdate', () => ($('time').textContent = video.currentTime.toFixed(1)));
  hls.loadSource(`${config.origin}index.m3u8`);
  hls.attachMedia(video);
  video.muted = true;
  await video.play();
}

run().catch(fail);
