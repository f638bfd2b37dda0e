// tsc emits only our own sources: the descriptors papi generated from the runtime's metadata
// (src/descriptors/dist, JavaScript with type declarations) are copied beside them, so that the
// package carries them and needs no generated dependency of its own at install time.
//
// papi writes its declarations' relative imports without an extension ("./mpool"), which a
// TypeScript user resolving with `moduleResolution: node16/nodenext` cannot follow: every type
// of the chain entry would silently become `any`. The copies name the file ("./mpool.js").
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

const from = new URL('../src/descriptors/dist/', import.meta.url);
const to = new URL('../dist/descriptors/dist/', import.meta.url);
if (!existsSync(from)) {
  console.error('error: no src/descriptors/dist: run `npx papi generate` (npm install runs it)');
  process.exit(1);
}
cpSync(from, to, { recursive: true });
for (const name of readdirSync(to).filter((n) => n.endsWith('.d.ts'))) {
  const file = new URL(name, to);
  const text = readFileSync(file, 'utf8').replace(
    /(from\s+|import\()(['"])(\.\.?\/[^'"]+?)(?<!\.js)\2/g,
    (_, lead, quote, path) => `${lead}${quote}${path}.js${quote}`,
  );
  writeFileSync(file, text);
}
