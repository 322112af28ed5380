/**
 * Files evtxexport cannot read (or reads only partly): our results, checked by hand once
 * (record ids contiguous and consistent with the chunk headers, values read against the raw
 * BinXML and against the Rust evtx crate's published snapshot of the MSExchange record) and pinned.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CORPUS } from './evtxexport';
import { normalize, parseFile } from './diff-helpers';
import { recordToJsonObject } from '../../../main/evtx/serialize/json';
import { readEvtxBuffer } from '../../../main/evtx/reader';
import * as fs from 'node:fs';

const EDGE = path.join(CORPUS, 'evtx', 'parser-edge-cases');

function imported(file: string) {
  const r = parseFile(path.join(EDGE, file));
  return {
    ok: r.records.filter((x) => x.tree !== null && !x.recovered),
    recovered: r.records.filter((x) => x.tree !== null && x.recovered),
    rejected: r.records.filter((x) => x.tree === null),
  };
}

for (const file of ['issue_201.evtx', 'MSExchange_Management_wec.evtx']) {
  test(`record written without a template: ${file}`, () => {
    const r = imported(file);
    // The chunk header says one record (first = last = 1); the rest are stale records in slack whose templates are gone.
    assert.equal(r.ok.length, 1);
    const e = normalize(r.ok[0].tree!);
    assert.equal(e.recordId, 3229);
    assert.equal(e.eventId, 1);
    assert.equal(e.provider, 'MSExchange CmdletLogs');
    assert.equal(e.channel, 'MSExchange Management');
    assert.equal(e.computer, 'WEC.ave.local');
    // Written as text by the forwarder (no template, no FILETIME): kept as the record holds it.
    assert.equal(e.timeCreated, '2021-11-19T16:52:33.833733500Z');
    assert.equal(e.level, 4);
    const data = e.data.Data as string[];
    assert.equal(data.length, 27);
    assert.equal(data[0], 'Set-Mailbox');
    assert.equal(data[1], '-Identity "Administrateur" -DeliverToMailboxAndForward "False" -ForwardingSmtpAddress "smtp:test2@example.com"');
    assert.equal(data[3], 'S-1-5-21-186559946-3925841745-111227986-500');
    assert.equal(data[26], 'fr-FR');
    assert.equal(r.ok[0].offset, 4096 + 512);
    // Slack records are reported, each with its offset and a reason.
    assert.equal(r.rejected.length, 9);
    for (const x of r.rejected) assert.match(x.error!, /chunk slack/);
  });
}

test('MSExchange record renders in the evtx_dump JSON shape (untyped values stay strings)', () => {
  const trees: any[] = [];
  readEvtxBuffer(new Uint8Array(fs.readFileSync(path.join(EDGE, 'MSExchange_Management_wec.evtx'))), { record: (r) => r.tree && !r.recovered && trees.push(r.tree) }, { typed: true });
  const j = recordToJsonObject(trees[0]) as any;
  assert.deepEqual(j.Event.System.EventID, { '#attributes': { Qualifiers: '16384' }, '#text': '1' });
  assert.equal(j.Event.System.EventRecordID, '3229');
  assert.equal(j.Event.System.Security, null);
  assert.equal(j.Event.EventData.Data['#text'].length, 27);
});

test('CAPI2 log that evtxexport stops reading after 24 records: all 340 read', () => {
  const r = imported('E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx');
  assert.equal(r.ok.length, 340);
  assert.equal(r.rejected.length, 0);
  const ids = r.ok.map((x) => x.recordId);
  assert.deepEqual(ids, Array.from({ length: 340 }, (_, i) => i + 1));
  const events = r.ok.map((x) => normalize(x.tree!));
  for (const e of events) {
    assert.equal(e.channel, 'Microsoft-Windows-CAPI2/Operational');
    assert.equal(e.provider, 'Microsoft-Windows-CAPI2');
    assert.match(e.timeCreated, /^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
  }
  // Record 25, the first evtxexport cannot read.
  const e25 = events[24];
  assert.equal(e25.recordId, 25);
  assert.ok(e25.eventId > 0);
  assert.ok(Object.keys(e25.data).length > 0, 'record 25 has UserData fields');
});

test('CAPI2 shadow-copy log that evtxexport stops reading after 89 records: 459 read, stale slack records reported', () => {
  const r = imported('E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx');
  assert.equal(r.ok.length, 459);
  // The log has wrapped: file order is 466..719 then 261..465.
  const ids = r.ok.map((x) => x.recordId!);
  assert.equal(ids[0], 466);
  assert.equal(ids[254], 261);
  assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: 459 }, (_, i) => i + 261));
  const events = r.ok.map((x) => normalize(x.tree!));
  for (const e of events) assert.equal(e.channel, 'Microsoft-Windows-CAPI2/Operational');
  // Records 247..260 are stale copies in chunk slack whose names were overwritten: found, reported, not imported.
  assert.deepEqual(r.rejected.map((x) => x.recordId), Array.from({ length: 14 }, (_, i) => i + 247));
  for (const x of r.rejected) assert.match(x.error!, /chunk slack/);
});
