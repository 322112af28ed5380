/** The EvidenceParser (main/ingest/formats/evtx.ts): sniffing, streaming, the sink contract, parallel path. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS, findEvtx } from './evtxexport';
import { EvtxParser, evtxParser } from '../../../main/ingest/formats/evtx';
import type { RecordSink } from '../../../main/ingest/evidence-parser';
import type { NormalizedEvent } from '../../../shared/model/event';
import type { RejectedRecord } from '../../../shared/model/ledger';
import { parseFilesParallel } from '../../../main/evtx/parallel';

const EDGE = path.join(CORPUS, 'evtx', 'parser-edge-cases');

async function run(file: string, pieceSize: number) {
  const events: NormalizedEvent[] = [];
  const rejects: RejectedRecord[] = [];
  const errors: string[] = [];
  let progress = 0;
  const sink: RecordSink = {
    accept: (e) => events.push(e),
    reject: (r) => rejects.push(r),
    error: (m) => errors.push(m),
    progress: (n) => (progress = n),
  };
  const size = fs.statSync(file).size;
  await evtxParser.parse(
    {
      sourceId: 7,
      path: file,
      size,
      stream: () => fs.createReadStream(file, { highWaterMark: pieceSize }) as AsyncIterable<Uint8Array>,
    },
    sink,
  );
  return { events, rejects, errors, progress, size };
}

test('sniff: EVTX by content, not extension', () => {
  const head = fs.readFileSync(path.join(EDGE, 'security.evtx')).subarray(0, 65536);
  assert.equal(evtxParser.sniff(head), true);
  assert.equal(evtxParser.sniff(head.subarray(4096)), true, 'data starting with a chunk');
  assert.equal(evtxParser.sniff(new TextEncoder().encode('{"Event":{}}')), false);
  assert.equal(evtxParser.format, 'evtx');
});

test('streaming in odd-sized pieces gives the same events as whole-file reading; refs point at the records', async () => {
  const f = path.join(EDGE, 'security.evtx');
  const a = await run(f, 4093);
  const b = await run(f, 1 << 20);
  assert.equal(a.events.length, 2261);
  assert.deepEqual(a.events.map((e) => e.recordId), b.events.map((e) => e.recordId));
  assert.equal(a.progress, a.size);
  const buf = fs.readFileSync(f);
  for (const e of a.events.slice(0, 50)) {
    assert.equal(e.ref.sourceId, 7);
    assert.equal(buf.readUInt32LE(e.ref.offset!), 0x2a2a);
    assert.equal(Number(buf.readBigUInt64LE(e.ref.offset! + 8)), e.ref.recordNumber);
    assert.ok(e.raw!.startsWith('<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">'));
    assert.match(e.timeCreated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
  }
  const e4624 = a.events.find((e) => e.eventId === 4624)!;
  assert.equal(e4624.channel, 'Security');
  assert.equal(e4624.provider, 'Microsoft-Windows-Security-Auditing');
  assert.ok(typeof e4624.data.TargetUserName === 'string');
});

test('recovered and rejected records are reported, file problems go to error()', async () => {
  const r = await run(path.join(EDGE, 'sample_with_a_bad_chunk_magic.evtx'), 65536);
  assert.ok(r.events.filter((e) => e.recovered).length > 0);
  assert.ok(r.errors.some((m) => /bad chunk signature/.test(m)));
  for (const x of r.rejects) assert.ok(x.offset !== undefined && x.reason.length > 0);
  const r2 = await run(path.join(EDGE, 'issue_201.evtx'), 65536);
  assert.equal(r2.events.length, 1);
  assert.equal(r2.rejects.length, 9);
});

test('non-EVTX input: an error, no crash', async () => {
  const events: NormalizedEvent[] = [];
  const errors: string[] = [];
  const data = new TextEncoder().encode('not an evtx file at all');
  await new EvtxParser().parse(
    { sourceId: 1, path: 'x', size: data.length, stream: async function* () { yield data; } },
    { accept: (e) => events.push(e), reject: () => {}, error: (m) => errors.push(m), progress: () => {} },
  );
  assert.equal(events.length, 0);
  assert.ok(errors.length > 0);
});

test('parallel path (worker threads, chunk runs) gives exactly the sequential results, in order', async () => {
  const files = [...findEvtx(EDGE).slice(0, 8), ...findEvtx(path.join(CORPUS, 'evtx', 'attack-samples')).slice(0, 10)];
  const seq: string[] = [];
  for (const f of files) {
    const r = await run(f, 65536);
    for (const e of r.events) seq.push(`${files.indexOf(f)}:${e.recordId}:${e.ref.offset}:${e.eventId}`);
  }
  const par: string[] = [];
  const stats = await parseFilesParallel(files.map((p) => ({ path: p })), { mode: 'events', threads: 2, chunksPerTask: 3 }, {
    item: (i, ev) => {
      par.push(`${i}:${ev.recordId}:${ev.ref.offset}:${ev.eventId}`);
    },
  });
  assert.equal(stats.records, seq.length);
  assert.deepEqual(par, seq);
});
