/** Fuzz: a few hundred deterministic mutations of corpus files; no throw, no hang, nothing lost. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CORPUS } from './evtxexport';
import { loadSeeds, mulberry32, mutate, MUTATIONS, runCase } from './fuzz-lib';

const EDGE = path.join(CORPUS, 'evtx', 'parser-edge-cases');
const SEEDS = [
  'security.evtx',
  'system.evtx',
  'issue_201.evtx',
  'E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx',
  'sample_with_a_bad_chunk_magic.evtx',
  'Application_no_crc32.evtx',
  'new-user-security.evtx',
].map((f) => path.join(EDGE, f));

test('fuzz: 300 mutated corpus files parse without throwing, hanging or losing records', async () => {
  const seeds = loadSeeds(SEEDS);
  const rnd = mulberry32(0xe7a3);
  let cases = 0;
  let totalImported = 0;
  let totalRejected = 0;
  for (let i = 0; i < 300; i++) {
    const seed = seeds[i % seeds.length];
    const m = MUTATIONS[Math.floor(rnd() * MUTATIONS.length)];
    const b = mutate(seed, m, rnd);
    const r = await runCase(b, rnd);
    const label = `case ${i} (${m} on ${path.basename(SEEDS[i % seeds.length])})`;
    assert.equal(r.found, r.imported + r.rejected, `${label}: found ${r.found} != imported ${r.imported} + rejected ${r.rejected}`);
    assert.equal(r.badRef, 0, `${label}: record without a valid offset/reason`);
    assert.ok(r.ms < 10000, `${label}: took ${r.ms} ms`);
    cases++;
    totalImported += r.imported;
    totalRejected += r.rejected;
  }
  assert.equal(cases, 300);
  // The damage must not wipe everything out: most records of most cases are still read.
  assert.ok(totalImported > totalRejected, `imported ${totalImported} vs rejected ${totalRejected}`);
});
