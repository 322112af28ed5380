/**
 * Long fuzz run (not part of the normal test run; `node --test dist/test/` loads every file
 * under test/, so without arguments this does nothing):
 *   node dist/test/main/evtx/fuzz-long.js <cases> [seed=1]      e.g. 20000 cases
 * Mutates every EVTX in the corpus and checks each case like fuzz.test.ts, and that the XML fast
 * path writes each record as the tree path does (like serialize/record-xml.test.ts).
 */
import * as path from 'node:path';
import { CORPUS, findEvtx } from './evtxexport';
import { loadSeeds, mulberry32, mutate, MUTATIONS, runCase } from './fuzz-lib';
import { compareXmlPaths } from './serialize/xml-paths';

async function main(): Promise<void> {
  const cases = Number(process.argv[2]);
  const seed = Number(process.argv[3] ?? 1);
  const files = findEvtx(path.join(CORPUS, 'evtx')).concat(findEvtx(path.join(CORPUS, 'sigma', 'regression_data')));
  const seeds = loadSeeds(files);
  const rnd = mulberry32(seed);
  let failures = 0;
  let slowest = 0;
  const t0 = Date.now();
  for (let i = 0; i < cases; i++) {
    const k = Math.floor(rnd() * seeds.length);
    const m = MUTATIONS[Math.floor(rnd() * MUTATIONS.length)];
    const b = mutate(seeds[k], m, rnd);
    try {
      const r = await runCase(b, rnd);
      slowest = Math.max(slowest, r.ms);
      if (r.found !== r.imported + r.rejected || r.badRef > 0 || r.ms > 10000) {
        failures++;
        console.log(`FAIL case ${i}: ${m} on ${files[k]}: ${JSON.stringify(r)}`);
      }
      compareXmlPaths(`case ${i}: ${m} on ${files[k]}`, b);
    } catch (e) {
      failures++;
      console.log(`THROW case ${i}: ${m} on ${files[k]}: ${e instanceof Error ? e.stack : String(e)}`);
    }
    if ((i + 1) % 500 === 0) console.log(`${i + 1} cases, ${failures} failures, slowest ${slowest} ms, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(`done: ${cases} cases, ${failures} failures, slowest case ${slowest} ms`);
  process.exitCode = failures > 0 ? 1 : 0;
}

if (process.argv.length > 2) void main();
else console.log('fuzz-long: pass a case count to run, e.g. node dist/test/main/evtx/fuzz-long.js 20000');
