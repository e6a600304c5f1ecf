// Parses each Mermaid block of the given files with Mermaid itself; exits
// non-zero when a file has none or one does not parse (.ci/mermaid-check.sh).
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
let failed = 0;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, 'utf8');
  const blocks = [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (blocks.length === 0) { console.error(`${file}: no mermaid block`); failed++; continue; }
  for (const block of blocks) {
    try { await mermaid.parse(block); console.log(`${file}: ok`); }
    catch (error) { console.error(`${file}: ${error.message}`); failed++; }
  }
}
process.exit(failed ? 1 : 0);
