// A peer in a web worker: it trusts no RPC node. Its own light client (smoldot) follows the
// chain's finality; the viewer's handshake bundle is checked against the hash that client
// finalized, then the peer follows the pool at every block its client finalizes; vouchers go
// into a voucher book under the peer policy (in wasm: fresh terms, the deposit left, an exposure
// cap); chunks come from its copy of the resource; it settles its best voucher through the light
// client. A "bad" peer serves corrupted chunks (the viewer must catch it).
//
// For comparison only, each handshake is also timed on today's path, trusting an RPC node for
// the finalized hash; its result is not used.
import { HandshakeVerifier, MemoryStore, VoucherBook, decodeBundle, decodeHeader, fromHex, ss58 } from '@mpool/sdk';
import { seedSigner, settle } from '@mpool/sdk/chain';
import { LightPeer, startLightClient } from '@mpool/sdk/light';

let cfg, me, signer, verifier, light, peer, book, poolId, coldStart, firstVerified, following;
const copies = new Map();

async function rpcHash(number) {
  const response = await fetch(cfg.rpcHttp, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'chain_getBlockHash', params: [number] }),
  });
  return (await response.json()).result;
}

async function chunk(index) {
  if (!copies.has(index)) {
    const bytes = new Uint8Array(await (await fetch(`/media/chunk/${index}`)).arrayBuffer());
    if (cfg.bad) for (let i = 0; i < bytes.length; i += 97) bytes[i] ^= 0x5a;
    copies.set(index, bytes);
  }
  return copies.get(index).slice();
}

const handlers = {
  async init(msg) {
    coldStart = performance.now();
    cfg = msg;
    const key = seedSigner(cfg.seed);
    me = key.publicKey;
    signer = key.signer;
    verifier = await HandshakeVerifier.load();
    light = startLightClient(cfg.chainSpec, { maxLogLevel: 1 });
    peer = new LightPeer(light.client, verifier);
    const { genesisHash } = await light.client.getChainSpecData();
    book = await VoucherBook.open({ me, genesisHash: fromHex(genesisHash), store: new MemoryStore(), verifier });
    return { address: ss58(me) };
  },

  async handshake({ bundle, resourceId }) {
    const t0 = performance.now();
    const pool = await peer.verifyBundle(bundle, { me, resourceId: fromHex(resourceId) }, 30_000);
    const lightMs = performance.now() - t0;
    firstVerified ??= performance.now() - coldStart;
    poolId = pool.poolId;
    await book.recordHandshake(pool);
    // Beyond the bundle's first answer (a small allowance), the peer relies on its own reads of
    // the pool: started here, not waited for, so the switch stays instant.
    following ??= peer.follow(book, poolId, me);
    return { lightMs, coldStartMs: firstVerified, block: pool.blockNumber, deposit: pool.deposit };
  },

  // Today's path, timed for comparison after the switch: the finalized hash from an RPC node.
  async handshakeViaRpc({ bundle, resourceId }) {
    const t0 = performance.now();
    const { number } = decodeHeader(decodeBundle(bundle).header);
    verifier.verify(bundle, { me, trustedHash: await rpcHash(number), now: number, resourceId: fromHex(resourceId) });
    return { rpcMs: performance.now() - t0 };
  },

  async chunk({ index, token }) {
    let accepted;
    try {
      accepted = await book.accept(token);
    } catch (e) {
      // Past the allowance on the bundle alone: once the peer's own read is in, judge again.
      if (e.code !== 'Unconfirmed') throw e;
      await following;
      accepted = await book.accept(token);
    }
    const bytes = await chunk(index);
    return { bytes, unsettled: accepted.unsettled, transfer: [bytes.buffer] };
  },

  async settle() {
    const best = book.unsettled(poolId);
    if (!best) return { paid: 0n, amount: 0n, fee: 0n };
    const r = await settle((await peer.pool()).api, signer, best);
    await book.markSettled(poolId, r.amount, r.paid);
    return { paid: r.paid, amount: r.amount, fee: r.fee, blockHash: r.blockHash };
  },

  async balance({ at }) {
    const { data } = await (await peer.pool()).api.query.System.Account.getValue(ss58(me), { at: at ?? 'finalized' });
    return { free: data.free, reserved: data.reserved };
  },

  async stop() {
    (await following)?.();
    peer?.stop();
    await light?.stop();
    return {};
  },
};

self.onmessage = async ({ data }) => {
  const { id, type, ...args } = data;
  try {
    const { transfer, ...result } = await handlers[type](args);
    self.postMessage({ id, ok: result }, transfer ?? []);
  } catch (e) {
    self.postMessage({ id, error: { code: e.code ?? 'Error', message: String(e.message ?? e) } });
  }
};
