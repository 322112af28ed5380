/** Chunks: header, CRCs, caches by offset, damaged and dirty files, slack, truncation. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS } from './evtxexport';
import { parseChunk, readChunkRecords, type ChunkRecord } from '../../../main/evtx/chunk';
import { readEvtxBuffer } from '../../../main/evtx/reader';
import { normalize } from './diff-helpers';

const EDGE = path.join(CORPUS, 'evtx', 'parser-edge-cases');
const read = (f: string) => new Uint8Array(fs.readFileSync(path.join(EDGE, f)));

function all(b: Uint8Array) {
  const records: ChunkRecord[] = [];
  const warnings: string[] = [];
  readEvtxBuffer(b, { record: (r) => records.push(r), warning: (w) => warnings.push(w) });
  return { records, warnings, ok: records.filter((r) => r.tree && !r.recovered), recovered: records.filter((r) => r.tree && r.recovered) };
}

test('a healthy chunk: CRCs check, records walk from 512 to the free-space offset, caches fill by offset', () => {
  const b = read('security.evtx');
  const c = parseChunk(b.subarray(4096, 4096 + 65536), 4096, 0);
  assert.ok(c.magicOk && c.headerCrcOk && c.recordsCrcOk && !c.damaged);
  const recs: ChunkRecord[] = [];
  readChunkRecords(c, (r) => recs.push(r));
  const ok = recs.filter((r) => r.tree && !r.recovered);
  assert.equal(ok.length, c.header!.lastRecordNumber - c.header!.firstRecordNumber + 1);
  assert.equal(ok[0].recordId, c.header!.firstRecordId);
  assert.equal(ok[ok.length - 1].recordId, c.header!.lastRecordId);
  assert.equal(ok[0].offset, 4096 + 512);
  assert.ok(c.ctx.templates.size > 0 && c.ctx.strings.size > 0);
  for (const k of c.ctx.templates.keys()) assert.ok(k >= 512 && k < 65536);
});

test('bad chunk magic: records are recovered by scanning and flagged', () => {
  const r = all(read('sample_with_a_bad_chunk_magic.evtx'));
  assert.match(r.warnings.join('\n'), /bad chunk signature/);
  assert.equal(r.ok.length, 267); // what evtxexport reads as allocated records
  assert.ok(r.recovered.length > 0);
  for (const x of r.recovered) assert.ok(normalize(x.tree!).eventId >= 0);
});

test('records CRC damage is reported, the records still read', () => {
  const b = read('security.evtx').slice();
  b[4096 + 1000] ^= 0xff; // inside a record's data
  const r = all(b);
  assert.match(r.warnings.join('\n'), /records CRC mismatch/);
  assert.ok(r.ok.length >= 2261 - 1);
});

test('dirty file: chunks past the header chunk count are read', () => {
  const b = read('security.evtx').slice();
  const before = all(b).ok.length;
  b[42] = 1; // header says one chunk
  b[43] = 0;
  const r = all(b);
  assert.equal(r.ok.length, before);
  assert.match(r.warnings.join('\n'), /past the header's chunk count/);
});

test('damaged chunk header (implausible offsets): scanned, records flagged recovered', () => {
  const b = read('security.evtx').slice();
  b.set([0xff, 0xff, 0xff, 0x7f], 4096 + 48); // free-space offset
  const r = all(b);
  assert.match(r.warnings.join('\n'), /implausible chunk header/);
  const first = parseChunk(read('security.evtx').subarray(4096, 4096 + 65536), 4096, 0);
  const n = first.header!.lastRecordNumber - first.header!.firstRecordNumber + 1;
  assert.ok(r.recovered.length >= n, `${r.recovered.length} recovered`);
});

test('record with a wrong size: rejected with offset and reason, the walk resyncs', () => {
  const b = read('security.evtx').slice();
  const c = parseChunk(b.subarray(4096, 4096 + 65536), 4096, 0);
  const recs: ChunkRecord[] = [];
  readChunkRecords(c, (r) => recs.push(r));
  const victim = recs[5];
  const p = victim.offset + 4;
  b.set([0x10, 0, 0, 0], p); // size 16 < minimum
  const r = all(b);
  const rej = r.records.find((x) => x.offset === victim.offset)!;
  assert.equal(rej.tree, null);
  assert.match(rej.error!, /too small/);
  assert.ok(r.records.some((x) => x.recordId === recs[6].recordId && x.tree));
});

test('truncated file: whole records kept, the cut record rejected, truncation reported', () => {
  const full = read('security.evtx');
  const b = full.slice(0, 4096 + 65536 + 30000);
  const r = all(b);
  assert.match(r.warnings.join('\n'), /truncated/);
  assert.ok(r.ok.length > 100);
  for (const x of r.records) assert.ok(x.offset < b.length);
});

test('the header block: missing (data starts with a chunk), cut short, or counting more chunks than the file holds', () => {
  const full = read('security.evtx'); // 33 chunks; its header counts 26 (a dirty file)
  const records = all(full).records.length;
  // Chunks without the header block: read from offset 0, every record of those chunks found.
  const headerless = all(full.slice(4096, 4096 + 2 * 65536));
  assert.deepEqual(headerless.warnings, ['no EVTX file header: data starts with a chunk; reading chunks from offset 0']);
  assert.equal(headerless.records.length, all(full.slice(0, 4096 + 2 * 65536)).records.length);
  assert.ok(headerless.records.every((r) => r.offset < 2 * 65536));
  // Cut inside the block: said, and nothing about the chunk count.
  assert.deepEqual(all(full.slice(0, 2000)).warnings, ['file truncated inside the file header (2000 bytes)']);
  assert.deepEqual(all(new Uint8Array(0)).warnings, ['no EVTX file header (bad signature); reading chunks anyway', 'file truncated inside the file header (0 bytes)']);
  // Cut before the end of the header's 128 bytes, signature intact: a truncation, not a bad signature.
  assert.deepEqual(all(full.slice(0, 15)).warnings, ['file truncated inside the file header (15 bytes)']);
  // Fewer chunks than the header counts.
  const three = all(full.slice(0, 4096 + 3 * 65536));
  assert.deepEqual(three.warnings.filter((w) => w.startsWith('file holds')), ['file holds 3 chunks, header says 26']);
  assert.ok(three.records.length < records);
});
