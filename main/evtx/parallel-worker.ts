/**
 * Worker thread of the parallel EVTX path: reads a run of chunks of one file straight from disk
 * (chunks are independent: each has its own string and template cache) and returns its records,
 * rendered as asked: texts into the worker's own memory, then either written to the ordered output
 * by the worker itself when the batch's turn comes (OrderedOutput), or copied into a shared output
 * buffer sent to the main thread with the batch's results, and sent back once consumed (BatchResult).
 */
import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import * as fs from 'node:fs';
import { CHUNK_SIZE, fileEndWarning, handleChunk, readHeaderBlock } from './reader';
import { FILE_HEADER_SIZE } from './file-header';
import type { ChunkRecord } from './chunk';
import { XmlByteWriter } from './serialize/xml-writer';
import { recordToJson } from './serialize/json';
import {
  deliverRecordTo, failOutput, OUTPUT_CLOSED, OUTPUT_OPEN, RejectPacker, TURN_NEXT, TURN_STATE, type BatchMessage, type BatchResult,
  type ChunkTask, type ChunkTaskResult, type OrderedOutput,
} from './parallel-types';

let runBuf = Buffer.allocUnsafe(16 * CHUNK_SIZE);
const headBuf = Buffer.allocUnsafe(FILE_HEADER_SIZE);
/** Size of a new output buffer (a batch's text is 1 to 3 MiB; the writer grows when needed). */
const OUTPUT_BYTES = 4 << 20;
/**
 * The batch's texts, one run after another, in this worker's own memory, never handed to another
 * thread (see BatchResult): written out from here, or copied into a shared output buffer.
 */
const out = new XmlByteWriter(true, OUTPUT_BYTES);
/** Shared output buffers the main thread is done with, to copy texts into again. */
const spare: SharedArrayBuffer[] = [];
/** Spare buffers kept at most (more come back only after a batch outgrew every spare one). */
const MAX_SPARE = 8;

/** A batch's text waiting for its turn to be written to the ordered output, in the buffer it was written into. */
interface Waiting {
  seq: number;
  buf: Buffer;
  len: number;
  output: OrderedOutput;
}
/** Batches done whose texts wait for their turn, in order. */
const waiting: Waiting[] = [];
/** Texts waiting at most: past them the worker takes no more work until its turn comes (memory stays flat). */
const MAX_WAITING = 4;
/** The worker's own buffers, written out and free to write the next batch into. */
const free: Buffer[] = [];

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
  return { id: t.id, items: [], textAt: null, text: null, rejects: null, rejected: 0, warnings, records: 0, recovered: 0, bytes: 0 };
}

/** Parse a run; its text ('jsonl', 'xml') is written into `out`. */
/** The chunk before a run's first one (its slack may hold copies of that chunk's records), read into a buffer of its own. */
const previousBuf = Buffer.allocUnsafeSlow(CHUNK_SIZE);
function readPrevious(fd: number, at: number): Uint8Array | null {
  const got = fs.readSync(fd, previousBuf, 0, CHUNK_SIZE, at);
  return got === CHUNK_SIZE ? previousBuf : null;
}

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
      // The chunk before, for this one's slack (chunk.ts, SlackCopies): in this run, or read when needed.
      const previous = i > 0 ? () => runBuf.subarray((i - 1) * CHUNK_SIZE, i * CHUNK_SIZE) : index > 0 ? () => readPrevious(fd, off - CHUNK_SIZE) : undefined;
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
      }, previous);
      flush();
    }
  } finally {
    fs.closeSync(fd);
  }
  flush();
  res.rejects = rejects.pack();
  return res;
}

/**
 * A shared output buffer holding `n` bytes: the spare one large enough that came back last (the
 * memory most likely still in cache: the copy into it is a worker's largest cost after parsing),
 * or a new one.
 */
function outputBuffer(n: number): SharedArrayBuffer {
  for (let i = spare.length - 1; i >= 0; i--) if (spare[i].byteLength >= n) return spare.splice(i, 1)[0];
  return new SharedArrayBuffer(Math.max(OUTPUT_BYTES, n));
}

/** A batch of runs (several small files travel together); one result per run. */
function runBatch({ tasks, seq, output, spare: returned }: BatchMessage): void {
  for (const b of returned) if (spare.length < MAX_SPARE) spare.push(b);
  const results: ChunkTaskResult[] = [];
  // (one mode a parse: only 'jsonl' and 'xml' write texts)
  const texts = tasks.length > 0 && (tasks[0].mode === 'xml' || tasks[0].mode === 'jsonl');
  for (const t of tasks) {
    const start = out.len;
    let r: ChunkTaskResult;
    try {
      r = runTask(t);
    } catch (e) {
      out.truncate(start);
      r = emptyResult(t, [`worker failed: ${e instanceof Error ? e.message : String(e)}`]);
    }
    if (out.len > start) r.textAt = { start, end: out.len };
    results.push(r);
  }
  const message: BatchResult = { results, buffer: null };
  if (output !== null) {
    // Written here when its turn comes, from the buffer it is in (the writer goes on in another).
    for (const r of results) r.textAt = null;
    const len = out.len;
    waiting.push({ seq, buf: out.swapBuffer(free.pop() ?? Buffer.allocUnsafeSlow(OUTPUT_BYTES)), len, output });
  } else if (texts && out.len > 0) {
    const buffer = outputBuffer(out.len);
    new Uint8Array(buffer, 0, out.len).set(out.buf.subarray(0, out.len));
    message.buffer = buffer;
  }
  out.truncate(0);
  out.shrink(OUTPUT_BYTES * 4);
  parentPort!.postMessage(message);
}

/**
 * Write the waiting texts whose turn has come. While texts wait, the worker goes on with the
 * batches already handed to it (taken from its port here, as they come), and waits for the turn
 * only when it has none or MAX_WAITING texts wait. The turn always comes: the batch it waits on
 * was handed out before any batch waiting here, to this worker (then taken before them) or to
 * another, which writes it or takes it before anything later.
 */
function settle(): void {
  while (waiting.length > 0) {
    const w = waiting[0];
    const next = Atomics.load(w.output.turn, TURN_NEXT);
    if (next === w.seq) {
      waiting.shift();
      writeOut(w);
      Atomics.store(w.output.turn, TURN_NEXT, next + 1);
      Atomics.notify(w.output.turn, TURN_NEXT);
      continue;
    }
    if (waiting.length < MAX_WAITING) {
      const m = receiveMessageOnPort(parentPort!);
      if (m !== undefined) {
        runBatch(m.message as BatchMessage);
        continue;
      }
    }
    // (a batch handed out meanwhile is looked for again a millisecond on)
    Atomics.wait(w.output.turn, TURN_NEXT, next, 1);
  }
}

/** Write a waiting text out whole (unless the output has closed or failed), and keep its buffer. */
function writeOut(w: Waiting): void {
  const turn = w.output.turn;
  for (let at = 0; at < w.len && Atomics.load(turn, TURN_STATE) === OUTPUT_OPEN; ) {
    try {
      at += fs.writeSync(w.output.fd, w.buf, at, w.len - at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(turn, TURN_STATE, OUTPUT_OPEN, 1); // a non-blocking pipe that is full: a moment
        continue;
      }
      if (code === 'EPIPE') Atomics.compareExchange(turn, TURN_STATE, OUTPUT_OPEN, OUTPUT_CLOSED);
      else failOutput(w.output, e instanceof Error ? e.message : String(e));
    }
  }
  if (free.length < MAX_SPARE && w.buf.length <= 4 * OUTPUT_BYTES) free.push(w.buf);
}

parentPort?.on('message', (m: BatchMessage) => {
  runBatch(m);
  settle();
});
