// The viewer: one pool on chain (its wallet signs one transaction; a session key in this page
// signs every voucher), then the resource chunk by chunk from peers running in web workers,
// switching peers every few chunks with no transaction (a handshake bundle from its own node).
// Each chunk is paid before it is delivered (the paper's ServicePayment) and checked against
// the resource's hash list; a peer that serves a bad chunk is blacklisted, so the loss stays at
// most one chunk's price per peer (Theorem IV.2). At the end the peers settle through their
// light clients and the page reads the balances back from the chain.
import { HandshakeVerifier, Payer, SessionKey, accountId, blake2_256, fromHex, ss58, toHex, tokenHex } from '@mpool/sdk';
import { connect, createPool, handshakeBundle, readPool, seedSigner } from '@mpool/sdk/chain';

const UNIT = 1_000_000_000_000n;
const PRICE = UNIT / 100n; // A: what one chunk costs
const CHUNKS_PER_PEER = 2;

const $ = (id) => document.getElementById(id);
const units = (planck) => `${(Number(planck) / Number(UNIT)).toFixed(4)} MPT`;
const short = (address) => `${address.slice(0, 6)}…${address.slice(-4)}`;
const ms = (x) => `${x.toFixed(1)} ms`;

/** What the page shows, kept for the browser test (bigints as decimal strings). */
const result = { done: false, error: null, switches: [], peers: {}, chunks: 0, badChunks: 0, acceptedBad: 0, loss: '0' };
window.__mpool = result;

function log(message) {
  const line = document.createElement('div');
  line.textContent = `${new Date().toISOString().slice(11, 23)} ${message}`;
  $('log').prepend(line);
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A peer in a worker, with request/response over postMessage. */
class Peer {
  constructor(spec) {
    Object.assign(this, spec);
    this.worker = new Worker('/dist/peer-worker.js', { type: 'module' });
    this.pending = new Map();
    this.next = 0;
    this.blacklisted = false;
    this.served = 0;
    this.vouchered = 0n;
    this.worker.onmessage = ({ data }) => {
      const waiter = this.pending.get(data.id);
      this.pending.delete(data.id);
      if (data.error) waiter.fail(Object.assign(new Error(`${this.name}: ${data.error.message}`), { code: data.error.code }));
      else waiter.ok(data.ok);
    };
  }

  call(type, args = {}) {
    const id = this.next++;
    return new Promise((ok, fail) => {
      this.pending.set(id, { ok, fail });
      this.worker.postMessage({ id, type, ...args });
    });
  }
}

function renderPeers(peers) {
  $('peers').innerHTML =
    '<tr><th>peer</th><th>account</th><th>status</th><th>chunks</th><th>voucher</th><th>settled</th><th>fee</th><th>balance Δ</th></tr>' +
    peers
      .map((p) => {
        const r = result.peers[p.name] ?? {};
        return `<tr class="${p.blacklisted ? 'bad' : ''}"><td>${p.name}${p.bad ? ' (serves bad chunks)' : ''}</td><td>${short(p.address)}</td>
<td>${p.blacklisted ? 'blacklisted' : p.status ?? ''}</td><td>${p.served}</td><td>${units(p.vouchered)}</td>
<td>${r.paid ? units(BigInt(r.paid)) : ''}</td><td>${r.fee ? units(BigInt(r.fee)) : ''}</td>
<td>${r.balanceAfter ? units(BigInt(r.balanceAfter) - BigInt(r.balanceBefore)) : ''}</td></tr>`;
      })
      .join('');
}

function renderChart() {
  const canvas = $('chart');
  const g = canvas.getContext('2d');
  const { width, height } = canvas;
  g.clearRect(0, 0, width, height);
  // Warm switches only: a peer's first handshake includes its light client's cold start.
  const s = result.switches.filter((x) => !x.first);
  if (!s.length) return;
  const max = Math.max(1, ...s.map((x) => Math.max(x.lightMs, x.rpcMs)));
  const slot = (width - 40) / s.length;
  g.font = '11px sans-serif';
  g.fillStyle = '#333';
  g.fillText(`${max.toFixed(1)} ms`, 2, 12);
  s.forEach((x, i) => {
    const left = 40 + i * slot;
    const bar = Math.max(2, slot / 2 - 2);
    for (const [value, color, dx] of [
      [x.lightMs, '#2a7', 0],
      [x.rpcMs, '#c83', bar + 1],
    ]) {
      const h = ((height - 30) * value) / max;
      g.fillStyle = color;
      g.fillRect(left + dx, height - 16 - h, bar, h);
    }
    g.fillStyle = '#333';
    g.fillText(x.peer[0], left, height - 3);
  });
  g.fillStyle = '#2a7';
  g.fillText('light client', width - 170, 12);
  g.fillStyle = '#c83';
  g.fillText('trusting RPC', width - 90, 12);
}

async function balances(api, accounts, at) {
  const out = {};
  for (const [name, address] of accounts) {
    const { data } = await (at ? api.query.System.Account.getValue(address, { at }) : api.query.System.Account.getValue(address));
    out[name] = data.free + data.reserved;
  }
  return out;
}

async function run() {
  $('start').disabled = true;
  const config = await (await fetch('/config.json')).json();
  const manifest = config.manifest;
  const hashes = manifest.chunkHashes.map(fromHex);
  const all = new Uint8Array(hashes.length * 32);
  hashes.forEach((h, i) => all.set(h, i * 32));
  if (toHex(blake2_256(all)) !== manifest.resourceId) throw new Error('the hash list is not the resource the pool pays for');
  log(`resource ${short(manifest.resourceId)}: ${hashes.length} chunks, ${manifest.bytes} bytes (${manifest.type})`);

  // The viewer's own node: its pool, and the handshake bundles it hands to peers.
  const { client, api } = await connect(config.rpc);
  const wallet = seedSigner(config.viewer.seed);
  const session = SessionKey.generate();
  const genesis = fromHex((await client.getChainSpecData()).genesisHash);
  const deposit = PRICE * BigInt(hashes.length + config.peers.length);
  const collateral = 2n * deposit;
  const accounts = [['viewer', config.viewer.address], ...config.peers.map((p) => [p.name, p.address])];
  const before = await balances(api, accounts);
  log('creating the pool (one transaction, signed by the wallet; vouchers by a session key)…');
  const created = await createPool(api, wallet.signer, {
    resourceId: fromHex(manifest.resourceId),
    deposit,
    collateral,
    duration: 200,
    signer: session.publicKey,
  });
  const poolId = created.poolId;
  result.poolId = String(poolId);
  result.deposit = String(deposit);
  result.createFee = String(created.fee);
  $('pool').textContent = `pool #${poolId}: deposit ${units(deposit)}, collateral ${units(collateral)}, expires at block ${created.expiry}, vouchers signed by session key ${short(ss58(session.publicKey))}; A = ${units(PRICE)} per chunk`;
  log(`pool #${poolId} created and finalized`);
  // The viewer's own rule, from the same policy module the peers run: never promise more than
  // the deposit across all peers.
  const payer = new Payer(session, genesis, poolId, deposit, await HandshakeVerifier.load());

  // The peers start now: each cold-starts its own light client.
  const peers = config.peers.map((p) => new Peer(p));
  await Promise.all(peers.map((p) => p.call('init', { seed: p.seed, bad: p.bad, chainSpec: config.chainSpec, rpcHttp: config.rpcHttp })));
  peers.forEach((p) => (p.status = 'light client starting'));
  renderPeers(peers);

  // Every switch hands the peer a fresh bundle (the pool as of the viewer's latest finalized
  // block). A player prepares the next one while it streams from the current peer.
  const live = () => peers.filter((p) => !p.blacklisted);
  let turn = 0;
  const nextPeer = () => {
    const candidates = live();
    if (!candidates.length) throw new Error('every peer is blacklisted');
    const p = candidates[turn++ % candidates.length];
    return { peer: p, bundle: handshakeBundle(client, api, poolId, accountId(p.address)) };
  };
  const handshake = async ({ peer, bundle }) => {
    let bytes = await bundle;
    const t0 = performance.now();
    let r;
    try {
      r = await peer.call('handshake', { bundle: bytes, resourceId: manifest.resourceId });
    } catch (e) {
      // A light client that just started may have warp-synced past the prepared bundle's block,
      // or the prepared bundle grew older than the peer accepts: a fresh bundle (the node's
      // finalized block, which the light client reaches) does.
      if (e.code !== 'UnknownBlock' && e.code !== 'StaleBundle') throw e;
      log(`${peer.name}: ${e.message}; handing a fresh bundle`);
      bytes = await handshakeBundle(client, api, poolId, accountId(peer.address));
      r = await peer.call('handshake', { bundle: bytes, resourceId: manifest.resourceId });
    }
    const switchMs = performance.now() - t0;
    // The same switch on today's path (the peer asks an RPC node for the finalized hash).
    const t1 = performance.now();
    const { rpcMs } = await peer.call('handshakeViaRpc', { bundle: bytes, resourceId: manifest.resourceId });
    const rpcSwitchMs = performance.now() - t1;
    const first = !peer.handshaken;
    peer.handshaken = true;
    peer.status = 'verified';
    result.switches.push({ peer: peer.name, switchMs, lightMs: r.lightMs, rpcMs, rpcSwitchMs, first, coldStartMs: first ? r.coldStartMs : undefined });
    if (first) {
      log(`${peer.name}: first handshake verified by its light client at block #${r.block} (cold start → verified ${ms(r.coldStartMs)})`);
    }
    renderChart();
  };

  const file = [];
  let current = null;
  let upcoming = nextPeer();
  let servedByCurrent = 0;
  let loss = 0n;
  for (let index = 0; index < hashes.length; ) {
    if (!current || current.blacklisted || servedByCurrent >= CHUNKS_PER_PEER) {
      if (upcoming.peer.blacklisted) upcoming = nextPeer();
      await handshake(upcoming);
      current = upcoming.peer;
      servedByCurrent = 0;
      upcoming = nextPeer();
    }
    // ServicePayment first, then the chunk.
    const token = tokenHex(payer.pay(current.address, PRICE));
    current.vouchered += PRICE;
    const { bytes } = await current.call('chunk', { index, token });
    servedByCurrent++;
    if (!equal(blake2_256(bytes), hashes[index])) {
      result.badChunks++;
      loss += PRICE;
      current.blacklisted = true;
      log(`${current.name}: chunk ${index} does not match the hash list; blacklisted (loss so far ${units(loss)})`);
      renderPeers(peers);
      continue; // the same chunk again, from another peer
    }
    current.served++;
    file[index] = bytes;
    result.chunks++;
    index++;
    $('progress').value = index / hashes.length;
    renderPeers(peers);
  }
  // More switches for the timing distribution (?switches=N): handshakes only.
  const extra = Number(new URLSearchParams(location.search).get('switches') ?? 0);
  for (let i = 0; i < extra; i++) {
    await handshake(upcoming);
    upcoming = nextPeer();
  }
  result.loss = String(loss);
  result.lossBound = String(BigInt(peers.length) * PRICE);
  const whole = new Uint8Array(manifest.bytes);
  file.reduce((at, chunk) => (whole.set(chunk, at), at + chunk.length), 0);
  result.fileHash = toHex(blake2_256(whole));
  result.fileBase64 = btoa(Array.from(whole, (b) => String.fromCharCode(b)).join(''));
  const media = new Blob([whole], { type: manifest.type });
  $('player').src = URL.createObjectURL(media);
  log(`all ${hashes.length} chunks received and checked; the file plays below`);

  // Settlement: every paid peer submits its best voucher through its own light client.
  for (const p of peers.filter((x) => x.vouchered > 0n)) {
    p.status = 'settling';
    renderPeers(peers);
    const r = await p.call('settle');
    result.peers[p.name] = { address: p.address, vouchered: String(p.vouchered), paid: String(r.paid), fee: String(r.fee), blockHash: r.blockHash };
    p.status = 'settled';
    log(`${p.name}: settled ${units(r.paid)} (fee ${units(r.fee)}) in block ${short(r.blockHash ?? '')}`);
    renderPeers(peers);
  }
  // Balances from the chain, at the latest finalized block.
  const { hash } = await client.getFinalizedBlock();
  const after = await balances(api, accounts, hash);
  for (const [name, address] of accounts) {
    result.peers[name] = { ...(result.peers[name] ?? {}), address, balanceBefore: String(before[name]), balanceAfter: String(after[name]) };
  }
  const pool = await readPool(api, poolId, hash);
  result.depositLeft = String(pool?.deposit ?? 0n);
  result.finalizedAt = hash;
  renderPeers(peers);
  const verified = result.switches.filter((s) => s.first);
  $('summary').textContent =
    `${result.chunks} chunks from ${peers.length} peers, ${result.switches.length} switches with no transaction, ` +
    `${result.badChunks} bad chunk(s) caught, loss ${units(loss)} ≤ k·A = ${units(BigInt(peers.length) * PRICE)}; ` +
    `viewer paid ${units(before.viewer - after.viewer)} in all; deposit left ${units(pool?.deposit ?? 0n)}; ` +
    `handshakes verified by light clients: ${verified.map((s) => ms(s.lightMs)).join(', ')}`;
  await Promise.all(peers.map((p) => p.call('stop')));
  peers.forEach((p) => p.worker.terminate());
  client.destroy();
  result.done = true;
  log('done');
}

$('start').onclick = () =>
  run().catch((e) => {
    result.error = `${e.code ?? ''} ${e.message}`;
    log(`error: ${result.error}`);
    console.error(e);
  });
