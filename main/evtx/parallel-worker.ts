/**
 * Worker thread of the parallel EVTX path: reads a run of chunks of one file straight from disk
 * (chunks are independent: each has its own string and template cache) and returns its records,
 * rendered as asked.
 */
import { parentPort } from 'node:worker_threads';
import * as fs from 'node:fs';
import { CHUNK_SIZE, handleChunk } from './reader';
import { hasChunkMagic } from './chunk';
import { FILE_HEADER_SIZE, parseFileHeader } from './file-header';
import type { ChunkRecord } from './chunk';
import { XmlByteWriter } from './serialize/xml-writer';
import { recordToJson } from './serialize/json';
import { deliverRecordTo, emptyRejects, RejectPacker, type ChunkTask, type ChunkTaskResult } from './parallel-types';

let runBuf = Buffer.allocUnsafe(16 * CHUNK_SIZE);
const headBuf = Buffer.allocUnsafe(FILE_HEADER_SIZE);
/** 'xml' mode: records are written straight to XML here (no trees). */
const xmlOut = new XmlByteWriter(true, 1 << 20);

/**
 * Where the file's chunks start, and how many there are, from its header block (read by every
 * run: a few microseconds from the page cache). The file's first run adds what the header says
 * to `warnings`, as the single-thread reader does.
 */
function readLayout(fd: number, t: ChunkTask, warnings: string[]): { base: number; chunks: number } {
  const headLen = fs.readSync(fd, headBuf, 0, FILE_HEADER_SIZE, 0);
  const head = headBuf.subarray(0, headLen);
  const header = parseFileHeader(head);
  const said: string[] = [];
  let base = FILE_HEADER_SIZE;
  if (header) said.push(...header.warnings);
  else if (hasChunkMagic(head)) {
    base = 0;
    said.push('no EVTX file header: data starts with a chunk; reading chunks from offset 0');
  } else said.push('no EVTX file header (bad signature); reading chunks anyway');
  const chunks = t.size > base ? Math.ceil((t.size - base) / CHUNK_SIZE) : 0;
  if (headLen < FILE_HEADER_SIZE && base !== 0) said.push(`file truncated inside the file header (${headLen} bytes)`);
  else if (header && chunks < header.chunkCount) said.push(`file holds ${chunks} chunks, header says ${header.chunkCount}`);
  if (t.header) warnings.push(...said);
  chunkCount = header ? header.chunkCount : null;
  return { base, chunks };
}
/** The header's chunk count, set by readLayout. */
let chunkCount: number | null = null;

function runTask(t: ChunkTask): ChunkTaskResult {
  const res: ChunkTaskResult = { id: t.id, items: [], text: null, rejects: emptyRejects(), warnings: [], records: 0, recovered: 0, bytes: 0 };
  const rejects = new RejectPacker();
  let parts: string[] = [];
  const encoded: Buffer[] = [];
  // Encode each chunk's renderings right away: off-heap bytes keep the GC's young generation small.
  const flush = () => {
    if (parts.length === 0) return;
    parts.push('');
    encoded.push(Buffer.from(parts.join('\n'), 'utf8'));
    parts = [];
  };
  xmlOut.truncate(0);
  if (t.count === 0 && !t.header) return res; // (the file could not be read when planned)
  const fd = fs.openSync(t.file, 'r');
  try {
    const started = Date.now();
    const { base, chunks } = readLayout(fd, t, res.warnings);
    const count = t.last ? Math.max(0, chunks - t.first) : t.count;
    // One read for the whole run of chunks (reused buffer); chunks are then parsed in place.
    const want = count * CHUNK_SIZE;
    if (runBuf.length < want) runBuf = Buffer.allocUnsafe(want);
    const got = count > 0 ? fs.readSync(fd, runBuf, 0, want, base + t.first * CHUNK_SIZE) : 0;
    for (let i = 0; i < count; i++) {
      if (Date.now() - started > t.timeLimitMs) {
        res.warnings.push(`time limit exceeded at chunk ${t.first + i}; the rest of the run was not read`);
        break;
      }
      const index = t.first + i;
      const off = base + index * CHUNK_SIZE;
      const n = Math.min(CHUNK_SIZE, got - i * CHUNK_SIZE);
      if (n <= 0) break;
      res.bytes += n;
      if (n < CHUNK_SIZE) res.warnings.push(`file truncated: last chunk has ${n} of ${CHUNK_SIZE} bytes`);
      const buf = runBuf.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + n);
      handleChunk(buf, off, index, chunkCount, { typed: t.mode === 'jsonl', xml: t.mode === 'xml' ? xmlOut : undefined }, {
        record: (r: ChunkRecord) => {
          if (r.error !== null) {
            rejects.add(r.offset, r.recordId, r.error);
            return;
          }
          res.records++;
          if (r.recovered) res.recovered++;
          if (t.mode === 'jsonl') parts.push(recordToJson(r.tree!));
          else if (t.mode === 'events') res.items.push(deliverRecordTo(t, r));
        },
        warning: (m) => res.warnings.push(m),
      });
      flush();
    }
  } finally {
    fs.closeSync(fd);
  }
  flush();
  res.rejects = rejects.pack();
  if (xmlOut.len > 0) res.text = xmlOut.take();
  else if (encoded.length > 0) res.text = encoded.length === 1 ? encoded[0] : Buffer.concat(encoded);
  return res;
}

/** A batch of runs (several small files travel together); one result per run, texts transferred. */
parentPort?.on('message', (batch: ChunkTask[]) => {
  const out: ChunkTaskResult[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const t of batch) {
    let r: ChunkTaskResult;
    try {
      r = runTask(t);
    } catch (e) {
      r = { id: t.id, items: [], text: null, rejects: emptyRejects(), warnings: [`worker failed: ${e instanceof Error ? e.message : String(e)}`], records: 0, recovered: 0, bytes: 0 };
    }
    const t2 = r.text;
    // XML comes in a buffer of its own (see take); other text only when it fills its buffer (not pooled).
    if (t2 && (t.mode === 'xml' || (t2.byteOffset === 0 && t2.byteLength === t2.buffer.byteLength))) transfer.push(t2.buffer as ArrayBuffer);
    out.push(r);
  }
  parentPort!.postMessage(out, transfer);
});
