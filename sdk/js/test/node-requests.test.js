// `withNodeRequests`: one connection shared by a polkadot-api client and the node methods outside
// the spec, tested against a provider that answers like a node, without one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MpoolError } from '../dist/index.js';
import { withNodeRequests } from '../dist/chain.js';

/** A provider answering every request with `{ method, params }` as its result, or an error for `fail_*`. */
function echoNode() {
  const sent = [];
  const provider = (onMessage) => ({
    send(message) {
      sent.push(message);
      const reply = message.method.startsWith('fail_')
        ? { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } }
        : { jsonrpc: '2.0', id: message.id, result: { method: message.method, params: message.params } };
      queueMicrotask(() => onMessage(reply));
    },
    disconnect() {},
  });
  return { provider, sent };
}

describe('withNodeRequests', () => {
  it("answers its own requests and passes everything else to the client, untouched", async () => {
    const node = echoNode();
    const { provider, request } = withNodeRequests(node.provider);
    const seen = [];
    const connection = provider((message) => seen.push(message));
    connection.send({ jsonrpc: '2.0', id: 'papi-1', method: 'chainHead_v1_follow', params: [true] });
    const proof = await request('state_getReadProof', [['0x01'], '0x02']);
    assert.deepEqual(proof, { method: 'state_getReadProof', params: [['0x01'], '0x02'] });
    // The client saw its own answer only, not the proof's.
    assert.deepEqual(seen.map((m) => m.id), ['papi-1']);
    assert.equal(node.sent.length, 2);
    assert.notEqual(node.sent[1].id, 'papi-1', 'its ids are not the client\'s');
  });

  it("turns the node's error into a named MpoolError", async () => {
    const { provider, request } = withNodeRequests(echoNode().provider);
    provider(() => {});
    await assert.rejects(request('fail_method', []), (e) => e instanceof MpoolError && e.code === 'Rpc' && /Method not found/.test(e.message));
  });

  it('refuses before a client connects and fails what is pending when it disconnects', async () => {
    const silent = (onMessage) => ({ send() {}, disconnect() {} });
    const { provider, request } = withNodeRequests(silent);
    await assert.rejects(request('state_getReadProof', []), (e) => e.code === 'Disconnected');
    const connection = provider(() => {});
    const pending = request('state_getReadProof', []);
    connection.disconnect();
    await assert.rejects(pending, (e) => e.code === 'Disconnected');
  });
});
