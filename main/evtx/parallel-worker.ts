/**
 * Worker thread of the parallel EVTX path: reads a run of chunks of one file straight from disk
 * (chunks are independent: each has its own string and template cache) and returns its records,
 * rendered as asked.
 */
import { parentPort } from 'node:worker_threads';
import * as fs from 'node:fs';
import { CHUNK_SIZE, handleChunk } from './reader';
import type { ChunkRecord } from './chunk';
import { XmlByteWriter } from './serialize/xml-writer';
import { recordToJson } from './serialize/json';
import { deliverRecordTo, emptyRejects, RejectPacker, type ChunkTask, type ChunkTaskResult } from './parallel-types';

let runBuf = Buffer.allocUnsafe(16 * CHUNK_SIZE);
/** 'xml' mode: records are written straight to XML here (no trees). */
const xmlOut = new XmlByteWriter(true, 1 << 20);

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
  if (t.count === 0) return res;
  const fd = fs.openSync(t.file, 'r');
  try {
    const started = Date.now();
    // One read for the whole run of chunks (reused buffer); chunks are then parsed in place.
    const want = t.count * CHUNK_SIZE;
    if (runBuf.length < want) runBuf = Buffer.allocUnsafe(want);
    const got = fs.readSync(fd, runBuf, 0, want, t.base + t.first * CHUNK_SIZE);
    for (let i = 0; i < t.count; i++) {
      if (Date.now() - started > t.timeLimitMs) {
        res.warnings.push(`time limit exceeded at chunk ${t.first + i}; the rest of the run was not read`);
        break;
      }
      const index = t.first + i;
      const off = t.base + index * CHUNK_SIZE;
      const n = Math.min(CHUNK_SIZE, got - i * CHUNK_SIZE);
      if (n <= 0) break;
      res.bytes += n;
      if (n < CHUNK_SIZE) res.warnings.push(`file truncated: last chunk has ${n} of ${CHUNK_SIZE} bytes`);
      const buf = runBuf.subarray(i * CHUNK_SIZE, i * CHUNK_SIZE + n);
      handleChunk(buf, off, index, t.chunkCount, { typed: t.mode === 'jsonl', xml: t.mode === 'xml' ? xmlOut : undefined }, {
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
