/**
 * The XML fast path (templates expanded straight into bytes) against the tree path (element
 * tree, then serialize/xml.ts's string serializer): the same bytes for every record of every
 * EVTX in the corpus, and the same verdict and reason for every record they reject, on the real
 * files and on fuzz-damaged ones (stale records in slack, broken templates, bad values).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareXmlPaths as compare } from './xml-paths';
import { CORPUS, findEvtx } from '../evtxexport';
import { loadSeeds, mulberry32, mutate, MUTATIONS } from '../fuzz-lib';

test('fast XML path writes every corpus record exactly as the tree path does', () => {
  const files = findEvtx(path.join(CORPUS, 'evtx')).concat(findEvtx(path.join(CORPUS, 'sigma', 'regression_data')));
  assert.ok(files.length > 300, `corpus has ${files.length} EVTX files`);
  let records = 0;
  let rejected = 0;
  for (const f of files) {
    const r = compare(path.relative(CORPUS, f), new Uint8Array(fs.readFileSync(f)));
    records += r.records;
    rejected += r.rejected;
  }
  // Both kinds are covered: records written, and stale or damaged records turned away.
  assert.ok(records - rejected > 27000, `${records - rejected} records written`);
  assert.ok(rejected > 1000, `${rejected} records rejected`);
});

test('fast XML path agrees with the tree path on 150 fuzz-damaged files', () => {
  const edge = path.join(CORPUS, 'evtx', 'parser-edge-cases');
  const names = ['security.evtx', 'system.evtx', 'sysmon.evtx', 'E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx', 'new-user-security.evtx', 'MSExchange_Management_wec.evtx'];
  const seeds = loadSeeds(names.map((n) => path.join(edge, n)));
  const rnd = mulberry32(0x5eed);
  let rejected = 0;
  for (let i = 0; i < 150; i++) {
    const m = MUTATIONS[Math.floor(rnd() * MUTATIONS.length)];
    rejected += compare(`case ${i} (${m} on ${names[i % names.length]})`, mutate(seeds[i % seeds.length], m, rnd)).rejected;
  }
  assert.ok(rejected > 0, 'the damage produced rejected records to compare');
});
