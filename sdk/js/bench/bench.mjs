// The JS SDK's figures for docs/results.md (scripts/bench/sdk.sh runs it beside the Rust
// benches): voucher verifications per second on one core, the wasm handshake check of a bundle
// proving a pool among 100,000, the browser entry's size, the token's size. Prints JSON.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { HandshakeVerifier, Payer, SessionKey, fromHex, tokenHex, verifyVoucher } from '../dist/index.js';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const progress = (msg) => process.stderr.write(`${msg}\n`);

// Voucher verification: sr25519, raw payload, as the peer checks each chunk's token: in the
// wasm checker (what VoucherBook uses when given one) and in pure JS (@scure/sr25519).
const session = SessionKey.fromSeed(new Uint8Array(32).fill(9));
const peer = new Uint8Array(32).fill(1);
const checker = await HandshakeVerifier.load();
const payer = new Payer(session, new Uint8Array(32).fill(0x42), 1n, 1n << 100n, checker);
const vouchers = Array.from({ length: 400 }, () => payer.pay(peer, 1n));
function rate(name, check) {
  const rates = [];
  for (let round = 0; round < 7; round++) {
    const start = process.hrtime.bigint();
    for (const v of vouchers) if (check(v) !== 'raw') throw new Error('a voucher failed');
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    rates.push(vouchers.length / seconds);
    progress(`${name} round ${round + 1}/7: ${Math.round(rates.at(-1))}/s`);
  }
  return median(rates);
}
const pureJs = rate('verify (pure JS)', (v) => verifyVoucher(v, session.publicKey));
const wasmRate = rate('verify (wasm)', (v) => checker.verifyVoucher(v, session.publicKey));

// Handshake: the bundle written by client/tests/bench_bundle.rs.
const input = JSON.parse(readFileSync(process.env.MPOOL_BENCH_BUNDLE, 'utf8'));
const bundle = fromHex(input.bundle);
const loadStart = process.hrtime.bigint();
const verifier = await HandshakeVerifier.load();
const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
// The bundle of client/tests/bench_bundle.rs: pool 7 for "stream-1" proven at block 7.
const policy = { me: input.target, trustedHash: input.block_hash, now: 7, resourceId: 'stream-1' };
for (let i = 0; i < 50; i++) verifier.verify(bundle, policy); // warm up
const times = [];
for (let i = 0; i < 1_000; i++) {
  const start = process.hrtime.bigint();
  verifier.verify(bundle, policy);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
progress(`handshake: median ${median(times).toFixed(3)} ms over ${times.length}`);

// The browser entry as a bundler ships it: minified ESM, wasm embedded, then gzip -9.
async function shipped(entry) {
  const out = await build({
    entryPoints: [new URL(entry, import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  });
  const bytes = out.outputFiles[0].contents;
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
const browser = await shipped('../dist/index.js');
const chain = await shipped('../dist/chain.js');

console.log(
  JSON.stringify(
    {
      js_verify_per_s: Math.round(wasmRate),
      js_pure_verify_per_s: Math.round(pureJs),
      handshake_pools: input.pools,
      handshake_proof_nodes: input.proof_nodes,
      handshake_proof_bytes: input.proof_bytes,
      handshake_wasm_load_ms: Number(loadMs.toFixed(2)),
      handshake_median_ms: Number(median(times).toFixed(4)),
      handshake_p99_ms: Number(quantile(times, 0.99).toFixed(4)),
      browser_entry_min_bytes: browser.min,
      browser_entry_min_gzip_bytes: browser.gzip,
      chain_entry_min_gzip_bytes: chain.gzip,
      token_bytes: fromHex(tokenHex(vouchers[0])).length,
    },
    null,
    1,
  ),
);
