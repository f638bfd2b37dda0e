// Reads the PoVs a collator exported (`--export-pov-to-path`) for the blocks of a load test, has
// each one validated by `cumulus-pov-validator` (the relay chain's `validate_block` on the
// runtime's wasm, as a validator runs it), and reports their sizes and validation times beside
// the vouchers each block settled.
//
//   node pov-report.mjs <pov-dir> <validation-code.wasm> <cumulus-pov-validator> <blocks.csv> [out.md]
//
// blocks.csv is `mpool-sim load`'s per-block CSV (hash, vouchers settled, block body size). A PoV
// file is the SCALE encoding of `PoV { block_data }` (a zstd blob behind sp-maybe-compressed-blob's
// 8-byte magic) followed by the `PersistedValidationData`, whose last field is the relay chain's
// `max_pov_size` (u32, little endian).
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [povDir, code, validator, csv, out] = process.argv.slice(2);
if (!povDir || !code || !validator || !csv) {
  console.error('usage: pov-report.mjs <pov-dir> <validation-code.wasm> <cumulus-pov-validator> <blocks.csv> [out.md]');
  process.exit(2);
}

/** SCALE compact integer at `offset`: [value, bytes read]. */
function compact(bytes, offset) {
  const mode = bytes[offset] & 3;
  if (mode === 0) return [bytes[offset] >> 2, 1];
  if (mode === 1) return [(bytes[offset] | (bytes[offset + 1] << 8)) >> 2, 2];
  if (mode === 2) return [bytes.readUInt32LE(offset) >>> 2, 4];
  throw new Error('a PoV larger than 1 GiB');
}

const ZSTD_MAGIC = Buffer.from([0x52, 0xbc, 0x53, 0x76, 0x46, 0xdb, 0x8e, 0x05]);

function readPov(path) {
  const file = readFileSync(path);
  const [len, read] = compact(file, 0);
  const blob = file.subarray(read, read + len);
  let uncompressed = blob.length;
  if (blob.subarray(0, 8).equals(ZSTD_MAGIC)) {
    uncompressed = execFileSync('zstd', ['-d', '-c', '-q'], { input: blob.subarray(8), maxBuffer: 1 << 30 }).length;
  }
  return { compressed: blob.length, uncompressed, maxPov: file.readUInt32LE(file.length - 4) };
}

function validate(path) {
  const run = spawnSync(validator, ['--validation-code', code, '--pov', path], { encoding: 'utf8' });
  const log = `${run.stdout}${run.stderr}`;
  const ms = Number(/Validation took (\d+)ms/.exec(log)?.[1]);
  const ok = run.status === 0 && /Validation was successful/.test(log);
  return { ok, ms, log };
}

const [header, ...lines] = readFileSync(csv, 'utf8').trim().split('\n');
const col = Object.fromEntries(header.split(',').map((name, i) => [name, i]));
const blocks = new Map(
  lines.map((line) => {
    const f = line.split(',');
    return [
      f[col.hash],
      {
        number: Number(f[col.number]),
        vouchers: Number(f[col.vouchers_settled]),
        bodyBytes: Number(f[col.extrinsics_kb]) * 1e3,
        proofKb: Number(f[col.proof_kb]),
      },
    ];
  }),
);

const rows = [];
// The smallest PoV the collator built (a block of inherents only, before or after the load):
// subtracted, so the per-voucher figures are what the vouchers add.
let empty = null;
for (const name of readdirSync(povDir).filter((n) => n.endsWith('.pov'))) {
  const pov = readPov(join(povDir, name));
  if (!empty || pov.uncompressed < empty.uncompressed) empty = { name, ...pov };
  const block = blocks.get(name.split('_')[0]);
  // Built but replaced before finality, or not followed by the load test.
  if (block && block.vouchers > 0) rows.push({ name, ...block, ...pov });
}
const busy = rows.sort((a, b) => b.uncompressed - a.uncompressed);
if (busy.length === 0) {
  console.error(`no exported PoV in ${povDir} is one of the load test's blocks with vouchers`);
  process.exit(1);
}

let failures = 0;
const validated = [];
for (const r of busy) {
  const v = validate(join(povDir, r.name));
  if (!v.ok) {
    failures++;
    console.error(`validation of ${r.name} failed:\n${v.log}`);
  }
  validated.push({ ...r, ...v });
  console.error(`pov-report: #${r.number}: ${r.vouchers} vouchers, ${(r.uncompressed / 1e3).toFixed(0)} kB (${(r.compressed / 1e3).toFixed(0)} kB compressed), validated in ${v.ms} ms`);
}
const max = (f) => Math.max(...validated.map(f));
const largest = validated[0];
const vouchers = validated.reduce((a, r) => a + r.vouchers, 0);
const added = (f, base) => validated.reduce((a, r) => a + f(r) - base, 0) / vouchers;
const perVoucher = added((r) => r.uncompressed, empty.uncompressed);
const perVoucherCompressed = added((r) => r.compressed, empty.compressed);
const worstPerVoucher = max((r) => (r.uncompressed - empty.uncompressed) / r.vouchers);
// The block body includes the inherents (a few kB per block): at most ~2 B per voucher here.
const bodyPerVoucher = validated.reduce((a, r) => a + r.bodyBytes, 0) / vouchers;
const maxPov = largest.maxPov;
const kb = (b) => `${(b / 1e3).toFixed(0)} kB`;

let md = '';
md += `PoVs exported by the collator (\`--export-pov-to-path\`) for the ${validated.length} blocks with vouchers, each validated by \`cumulus-pov-validator\` 0.15.0 with the runtime's wasm; the smallest PoV of the run (a block of inherents only: ${kb(empty.uncompressed)}, ${kb(empty.compressed)} compressed) is the baseline.\n\n`;
md += '| PoV | value |\n|---|---|\n';
md += `| largest PoV of the run (#${largest.number}, ${largest.vouchers} vouchers): uncompressed / compressed | ${kb(largest.uncompressed)} / ${kb(largest.compressed)} |\n`;
md += `| largest PoV ÷ the relay chain's max_pov_size (${kb(maxPov)}); the collator's default cap is 85 % | ${((100 * largest.uncompressed) / maxPov).toFixed(1)} % |\n`;
md += `| validation time, largest PoV / max of the run (2 s of execution per block) | ${largest.ms} ms / ${max((r) => r.ms)} ms (${((100 * max((r) => r.ms)) / 2000).toFixed(1)} %) |\n`;
md += `| validations passed | ${validated.length - failures} of ${validated.length} |\n`;
md += `| PoV per settled voucher above the empty block, mean: uncompressed / compressed; worst block, uncompressed | ${perVoucher.toFixed(0)} B / ${perVoucherCompressed.toFixed(0)} B; ${worstPerVoucher.toFixed(0)} B |\n`;
md += `| of which the voucher's share of the block body / of the storage proof (the rest) | ${bodyPerVoucher.toFixed(0)} B / ${(perVoucher - bodyPerVoucher).toFixed(0)} B |\n`;
md += `| proof size the runtime recorded per voucher (System.BlockWeight, normal class) | ${((1e3 * validated.reduce((a, r) => a + r.proofKb, 0)) / vouchers).toFixed(0)} B |\n`;
console.log(md);
if (out) writeFileSync(out, md);
process.exit(failures === 0 ? 0 : 1);
