/**
 * `npm run bench`: runs every benchmark module in this folder (`*.bench.js` once compiled),
 * or only those named on the command line (`npm run bench -- ingest evtx`).
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => only.length === 0 || only.includes(f.replace('.bench.js', '')))
    .sort();
  for (const f of files) {
    process.stdout.write(`\n=== ${f.replace('.bench.js', '')} ===\n`);
    const mod = (await import(path.join(__dirname, f))) as { bench?: () => Promise<void> };
    if (typeof mod.bench !== 'function') {
      process.stdout.write('(no bench() export)\n');
      continue;
    }
    const t = performance.now();
    await mod.bench();
    process.stdout.write(`(${((performance.now() - t) / 1000).toFixed(1)} s)\n`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
