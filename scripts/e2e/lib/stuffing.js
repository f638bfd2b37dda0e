// Block stuffing on a real dev node (docs/security.md, section 6): an attacker fills the normal
// class of every block with a remark that outbids a settlement offering no tip, which then
// stays out. Used by the suites that show what settles anyway (tests/censorship.test.js for the
// SDK's `settleWithTips`, tests/peer-censorship.test.js for the peer daemon).
//
// The stuffing remark is sized from the runtime's own limits, in both dimensions that
// `CheckWeight` counts for the normal class: the block's length (`BlockLength`, inherents
// included) and its proof size (`BlockWeights`: every extrinsic books its length as proof too,
// which is what binds on the parachain, whose blocks are limited by the PoV).
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { getPolkadotSigner } from 'polkadot-api/signer';
import { fromHex, ss58, toHex } from '../../../sdk/js/dist/index.js';

const UNIT = 1_000_000_000_000n;
/** The attacker's tip per stuffed block. */
const ATTACK_TIP = UNIT;
const FILLER_TIP = 1_000n;
/** Room left beside the big remark: a parachain block's inherents change size from block to block. */
const SLACK = 1_024;
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** The length of the compact length prefix an encoded extrinsic `x` starts with. */
export const prefixAt = (x) => [1, 2, 4, 5 + (x[0] >> 2)][x[0] & 3];

/**
 * Starts stuffing: two remarks queued ahead, one more at every new best block up to `until`
 * (a block number). //Ferdie (the returned `attacker`) sends the big remarks, //Dave the empty
 * ones. `settlementLength` is the length of the
 * settlement the stuffing is to keep out: a filler must be shorter, or the slack it packs could
 * still take one. Returns:
 * - `attacker`: the keyring pair of the big remarks' sender;
 * - `stuffedIn`: the best blocks a big remark got into (filled as it goes);
 * - `fillerErrors`: why the node refused fillers (filled as it goes);
 * - `watch(tx, onBlock)`: submits a transaction of the caller's and reports the best blocks it
 *   gets into, watched until `drain()` like the stuffing's own;
 * - `stop()`: adds no more stuffing;
 * - `drain()`: waits, bounded in blocks, until the attacker's queued remarks are finalized;
 * - `attackerSpent()`: what both accounts lost since the start, at the finalized block.
 */
export async function startStuffing({ client, api, node, until, settlementLength }) {
  const keyring = new Keyring({ type: 'sr25519' });
  const [attacker, filler] = ['//Ferdie', '//Dave'].map((u) => keyring.addFromUri(u));
  const signer = (pair) => getPolkadotSigner(pair.publicKey, 'Sr25519', (payload) => pair.sign(payload));
  const total = async (who, at = 'best') => {
    const { data } = await api.query.System.Account.getValue(ss58(who.publicKey), { at });
    return data.free + data.reserved;
  };
  const finalized = async () => (await client.getFinalizedBlock()).number;

  // The attacker fills the normal class of every block in both dimensions `CheckWeight` counts
  // for it: the block's length (`BlockLength`, inherents included) and its proof size
  // (`BlockWeights`; every extrinsic books its length as proof too). First one remark as long
  // as the class allows, less the block's inherents (its unsigned extrinsics: the version byte
  // after the length prefix has neither the signed nor the general bit) and a slack, since a
  // parachain block's inherents (the relay chain's state proof) change size from block to block;
  // then empty remarks from a second account, shorter than a settlement, pack the slack until
  // less room is left than a settlement needs. Their tips put all of them ahead of a settlement
  // that offers none, and the block builder tries transactions by priority.
  const normalMax = (await api.constants.System.BlockLength()).max.normal;
  const weights = await api.constants.System.BlockWeights();
  const normalClass = weights.per_class.normal;
  const maxProof = normalClass.max_total?.proof_size ?? weights.max_block.proof_size;
  // What an extrinsic books against the class's proof size besides its length: its weight and
  // the base extrinsic's (the runtime API takes the bytes without their length prefix).
  const proofBooked = async (tx) => {
    const info = await api.apis.TransactionPaymentApi.query_info(tx.slice(prefixAt(tx)), tx.length);
    return info.weight.proof_size + normalClass.base_extrinsic.proof_size;
  };
  const probe = await api.tx.System.remark({ remark: new Uint8Array(20_000) }).sign(signer(attacker), { nonce: 0 });
  const overhead = probe.length - 20_000;
  const body = (await client.getBlockBody((await client.getFinalizedBlock()).hash)).map((x) => (typeof x === 'string' ? fromHex(x) : x));
  const inherents = body.filter((x) => (x[prefixAt(x)] & 0xc0) === 0).reduce((n, x) => n + x.length, 0);
  const byLength = normalMax - inherents - overhead - SLACK;
  const byProof = Number(maxProof - (await proofBooked(probe))) - overhead - SLACK;
  const payload = new Uint8Array(Math.min(byLength, byProof)).fill(0x5a);
  const fillerLength = (await api.tx.System.remark({ remark: new Uint8Array(0) }).sign(signer(filler), { nonce: 0 })).length;
  assert.ok(fillerLength < settlementLength, `an empty remark (${fillerLength} B) is shorter than a settlement (${settlementLength} B)`);
  // Enough to pack the slack and what the inherents may shrink by, with more left over.
  const fillersPerBlock = Math.ceil((2 * SLACK) / fillerLength);
  let nonce = await api.apis.AccountNonceApi.account_nonce(ss58(attacker.publicKey));
  let fillerNonce = await api.apis.AccountNonceApi.account_nonce(ss58(filler.publicKey));
  const attackerBefore = (await total(attacker)) + (await total(filler));
  let stuffing = true;
  const stuffedIn = [];
  const fillerErrors = [];
  const watches = [];
  const watch = (tx, onBlock = () => {}) =>
    watches.push(
      client.submitAndWatch(tx).subscribe({
        next: (e) => {
          if (e.type === 'txBestBlocksState' && e.found) onBlock(e.block.number);
        },
        error: () => {},
      }),
    );
  const stuff = async () => {
    const tx = await api.tx.System.remark({ remark: payload }).sign(signer(attacker), { nonce: nonce++, tip: ATTACK_TIP });
    watch(tx, (n) => stuffedIn.includes(n) || stuffedIn.push(n));
    // Submitted, not watched: hundreds of watched transactions overrun the client's chainHead
    // subscription, which the node then stops.
    for (let i = 0; i < fillersPerBlock; i++) {
      const empty = await api.tx.System.remark({ remark: new Uint8Array(0) }).sign(signer(filler), { nonce: fillerNonce++, tip: FILLER_TIP });
      const { error } = await node.rpcRaw('author_submitExtrinsic', [toHex(empty)]);
      if (error) fillerErrors.push(error.message);
    }
  };
  // Two remarks queued ahead, one more for every block the best chain grows by, until the window
  // is over. The client may announce several new blocks at once (a loaded machine, a fork
  // choice): each one used a remark, so each gets its replacement, or the queue runs dry and an
  // untipped transaction finds a block with room.
  await stuff();
  await stuff();
  let lastHead = null;
  const heads = client.bestBlocks$.subscribe((blocks) => {
    const head = blocks[0]?.number ?? 0;
    if (lastHead === null) lastHead = head - 1;
    for (; stuffing && lastHead < Math.min(head, until); lastHead++) void stuff();
  });

  return {
    attacker,
    stuffedIn,
    fillerErrors,
    watch,
    stop() {
      stuffing = false;
      heads.unsubscribe();
    },
    async drain() {
      // The attacker's last queued remarks go through (bounded: a dropped one would never come).
      const drainBy = (await finalized()) + 20;
      const queued = async () =>
        (await api.apis.AccountNonceApi.account_nonce(ss58(attacker.publicKey), { at: 'finalized' })) < nonce ||
        (await api.apis.AccountNonceApi.account_nonce(ss58(filler.publicKey), { at: 'finalized' })) < fillerNonce;
      while ((await queued()) && (await finalized()) < drainBy) {
        await sleep(500);
      }
      for (const w of watches) w.unsubscribe();
    },
    async attackerSpent() {
      return attackerBefore - (await total(attacker, 'finalized')) - (await total(filler, 'finalized'));
    },
  };
}
