/** Chunks: header, CRCs, caches by offset, damaged and dirty files, slack, truncation. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS } from './evtxexport';
import { COPY_OF_LIVE, parseChunk, readChunkRecords, type ChunkRecord } from '../../../main/evtx/chunk';
import { EvtxFileReader, readEvtxBuffer } from '../../../main/evtx/reader';
import { readRecordHeader } from '../../../main/evtx/record';
import { buildRecord } from '../../../main/evtx/binxml/builder';
import { recordToXml } from '../../../main/evtx/serialize/xml';
import { parseFilesParallel } from '../../../main/evtx/parallel';
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

test('slack copies of live records are not imported again: counted rejected, naming the live record; one that differs is kept', () => {
  const copyRe = new RegExp(`^${COPY_OF_LIVE} at offset (\\d+): not imported again$`);
  /** A record's event as its own chunk renders it, or null when it does not render there. */
  const renderAt = (b: Uint8Array, offset: number): string | null => {
    const at = offset - 4096;
    const chunkStart = 4096 + Math.floor(at / 65536) * 65536;
    const c = parseChunk(b.subarray(chunkStart, chunkStart + 65536), chunkStart, 0);
    const h = readRecordHeader(c.buf, offset - chunkStart, 65536);
    if (typeof h === 'string') return null;
    try {
      return recordToXml(buildRecord(c.ctx, h.pos + 24, h.pos + h.size - 4));
    } catch {
      return null;
    }
  };
  // Windows' copies, in the slack of the chunk after the live records (all such copies of the corpus are).
  const sec = read('security.evtx');
  const r = all(sec);
  const copies = r.records.filter((x) => x.error !== null && copyRe.test(x.error));
  assert.ok(copies.length >= 20, `${copies.length} copies`);
  const liveXml = new Map(r.ok.map((x) => [x.offset, recordToXml(x.tree!)]));
  const recordBytes = (b: Uint8Array, offset: number) => Buffer.from(b.subarray(offset, offset + new DataView(b.buffer, b.byteOffset).getUint32(offset + 4, true)));
  for (const c of copies) {
    assert.ok(c.recovered);
    const twin = Number(copyRe.exec(c.error!)![1]);
    assert.ok(liveXml.has(twin), `the named live record at ${twin} was imported`);
    assert.equal(Math.floor((c.offset - 4096) / 65536) - Math.floor((twin - 4096) / 65536), 1, 'Windows\' copies: in the chunk after');
    // Byte for byte (their templates are gone from the chunk they sit in: they do not render there).
    assert.ok(recordBytes(sec, c.offset).equals(recordBytes(sec, twin)));
  }
  assert.equal(new Set(r.ok.map((x) => x.recordId)).size, r.ok.length, 'no event imported twice');
  for (const x of r.recovered) assert.ok(!r.ok.some((o) => o.recordId === x.recordId && recordToXml(o.tree!) === recordToXml(x.tree!)));
  // An export tool's file: the original in slack beside its renumbered live copy, template inline in one, referred to in the other.
  const sigma = new Uint8Array(
    fs.readFileSync(path.join(CORPUS, 'sigma', 'regression_data', 'rules', 'windows', 'process_creation', 'proc_creation_win_pua_adfind_enumeration', '455b9d50-15a1-4b99-853f-8d37655a4c1b.evtx')),
  );
  const s = all(sigma);
  const imported = [...s.ok, ...s.recovered].map((x) => normalize(x.tree!).recordId);
  assert.equal(imported.filter((id) => id === 650014).length, 1, 'event 650014 once');
  const sc = s.records.find((x) => x.error !== null && copyRe.test(x.error))!;
  assert.equal(sc.offset, 52136);
  assert.equal(Number(copyRe.exec(sc.error!)![1]), 4608);
  // Not the same bytes (template inline in the live one, renumbered), but the same event where both render, in their chunk.
  assert.ok(!recordBytes(sigma, 52136).equals(recordBytes(sigma, 4608)));
  assert.equal(renderAt(sigma, 52136), renderAt(sigma, 4608));
  assert.notEqual(renderAt(sigma, 4608), null);
  // A slack record with a live record's id but other content is kept, recovered: it may hold what the live one held before.
  const lm = all(new Uint8Array(fs.readFileSync(path.join(CORPUS, 'evtx', 'attack-samples', 'Lateral Movement', 'LM_wmiexec_impacket_sysmon_whoami.evtx'))));
  const kept = lm.recovered.filter((x) => x.recordId === 7);
  assert.equal(kept.length, 1);
  assert.equal(lm.ok.filter((x) => x.recordId === 7).length, 1);
  assert.notEqual(recordToXml(kept[0].tree!), recordToXml(lm.ok.find((x) => x.recordId === 7)!.tree!));
});

test('slack copies: the same in every way of reading a file (whole, in runs, streamed in pieces, workers at run boundaries)', async () => {
  const file = path.join(EDGE, 'security.evtx');
  const b = read('security.evtx');
  const summary = (recs: ChunkRecord[]) => ({ ok: recs.filter((x) => x.error === null).length, copies: recs.filter((x) => x.error?.startsWith(COPY_OF_LIVE)).length });
  const whole = summary(all(b).records);
  assert.ok(whole.copies > 0);
  // Streamed in odd pieces (chunks assembled across pushes; the chunk before is kept as a copy).
  const streamed: ChunkRecord[] = [];
  const reader = new EvtxFileReader({ record: (x: ChunkRecord) => streamed.push(x) }, {}, b.length);
  for (let at = 0; at < b.length; at += 40000) reader.push(b.slice(at, at + 40000)); // (copies: the reader must not keep views)
  reader.end();
  assert.deepEqual(summary(streamed), whole);
  // Workers, a run per chunk: every chunk's previous one is read from the file.
  for (const chunksPerTask of [1, 3]) {
    const st = await parseFilesParallel([{ path: file }], { mode: 'events', chunksPerTask, threads: 2 }, {});
    assert.equal(st.records, whole.ok, `records, ${chunksPerTask} chunks a run`);
    assert.equal(st.rejected, all(b).records.filter((x) => x.error !== null).length, `rejected, ${chunksPerTask} chunks a run`);
  }
});
