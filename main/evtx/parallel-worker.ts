/**
 * Worker thread of the parallel EVTX path: reads a run of chunks of one file straight from disk
 * (chunks are independent: each has its own string and template cache) and returns its records,
 * rendered as asked: texts into the output memory it shares with the main thread (SharedOutput).
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as fs from 'node:fs';
import { CHUNK_SIZE, fileEndWarning, handleChunk, readHeaderBlock } from './reader';
import { FILE_HEADER_SIZE } from './file-header';
import type { ChunkRecord } from './chunk';
import { XmlByteWriter } from './serialize/xml-writer';
import { recordToJson } from './serialize/json';
import {
  deliverRecordTo, emptyRejects, RejectPacker, slotBytes, type ChunkTask, type ChunkTaskResult, type SharedOutput,
} from './parallel-types';

let runBuf = Buffer.allocUnsafe(16 * CHUNK_SIZE);
const headBuf = Buffer.allocUnsafe(FILE_HEADER_SIZE);
/**
 * A run's text, written here and then copied into the shared output: rendering straight into
 * shared memory ran 8% slower (V8's code for stores into a SharedArrayBuffer), a copy costs 1%.
 */
const out = new XmlByteWriter(true, 1 << 20);
const shared = (workerData as { output?: SharedOutput } | null)?.output;
const slots = shared ? Array.from({ length: shared.slots }, (_, i) => slotBytes(shared, i)) : [];
let nextSlot = 0;

/** A free slot of the shared output, now held; -1 when every one is held. */
function takeSlot(): number {
  if (!shared) return -1;
  for (let k = 0; k < shared.slots; k++) {
    const i = (nextSlot + k) % shared.slots;
    if (Atomics.compareExchange(shared.states, i, 0, 1) === 0) {
      nextSlot = i + 1;
      return i;
    }
  }
  return -1;
}

/**
 * Where the file's chunks start, how many there are, and the header's chunk count, from its header
 * block (read by every run: a few microseconds from the page cache). The file's first run adds what
 * the single-thread reader reports of the block and the file's end to `warnings`.
 */
function readLayout(fd: number, t: ChunkTask, warnings: string[]): { base: number; chunks: number; chunkCount: number | null } {
  const headLen = fs.readSync(fd, headBuf, 0, FILE_HEADER_SIZE, 0);
  const block = readHeaderBlock(headBuf.subarray(0, headLen));
  const chunks = t.size > block.base ? Math.ceil((t.size - block.base) / CHUNK_SIZE) : 0;
  if (t.header) {
    warnings.push(...block.warnings);
    const end = fileEndWarning(headLen, block, chunks);
    if (end !== null) warnings.push(end);
  }
  return { base: block.base, chunks, chunkCount: block.header?.chunkCount ?? null };
}

/** A run's result before anything is read, with these warnings. */
function emptyResult(t: ChunkTask, warnings: string[] = []): ChunkTaskResult {
  return { id: t.id, items: [], textAt: null, text: null, rejects: emptyRejects(), rejected: 0, warnings, records: 0, recovered: 0, bytes: 0 };
}

/** Parse a run; its text ('jsonl', 'xml') is written into `out`. */
function runTask(t: ChunkTask): ChunkTaskResult {
  const res = emptyResult(t);
  const rejects = new RejectPacker();
  let parts: string[] = [];
  // Encode each chunk's JSON lines right away: off-heap bytes keep the GC's young generation small.
  const flush = () => {
    if (parts.length === 0) return;
    parts.push('');
    out.utf8(parts.join('\n'), 0);
    parts = [];
  };
  if (t.count === 0 && !t.header) return res; // (the file could not be read when planned)
  const fd = fs.openSync(t.file, 'r');
  try {
    const started = Date.now();
    const { base, chunks, chunkCount } = readLayout(fd, t, res.warnings);
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
      handleChunk(buf, off, index, chunkCount, { typed: t.mode === 'jsonl', xml: t.mode === 'xml' ? out : undefined }, {
        record: (r: ChunkRecord) => {
          if (r.error !== null) {
            res.rejected++;
            if (t.rejectDetails) rejects.add(r.offset, r.recordId, r.error);
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
  return res;
}

/** A batch of runs (several small files travel together); one result per run. */
parentPort?.on('message', (batch: ChunkTask[]) => {
  const results: ChunkTaskResult[] = [];
  const transfer: ArrayBuffer[] = [];
  // (one mode a parse: only 'jsonl' and 'xml' write texts)
  const slot = batch.length > 0 && (batch[0].mode === 'xml' || batch[0].mode === 'jsonl') ? takeSlot() : -1;
  let used = 0; // bytes of the slot holding texts
  for (const t of batch) {
    out.truncate(0);
    let r: ChunkTaskResult;
    try {
      r = runTask(t);
    } catch (e) {
      out.truncate(0);
      r = emptyResult(t, [`worker failed: ${e instanceof Error ? e.message : String(e)}`]);
    }
    const n = out.len;
    if (n > 0) {
      if (slot >= 0 && used + n <= shared!.slotBytes) {
        slots[slot].set(out.buf.subarray(0, n), used);
        r.textAt = { slot, start: used, end: used + n };
        used += n;
      } else {
        // No slot free, or the slot is full: a buffer of its own (Node's pool would share it).
        const text = Buffer.allocUnsafeSlow(n);
        out.buf.copy(text, 0, 0, n);
        r.text = text;
        transfer.push(text.buffer as ArrayBuffer);
      }
    }
    results.push(r);
  }
  out.truncate(0);
  if (slot >= 0 && used === 0) Atomics.store(shared!.states, slot, 0); // (the main thread frees slots that hold texts)
  parentPort!.postMessage(results, transfer);
});
