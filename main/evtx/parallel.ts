/**
 * Parallel EVTX parsing with worker_threads, across files and across chunks (chunks are
 * independent). Files are cut into runs of chunks; runs go to a pool of workers; results come
 * back in file order, with a bounded number of runs in flight (memory stays flat).
 */
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FILE_HEADER_SIZE } from './file-header';
import { CHUNK_SIZE } from './chunk';
import {
  OUTPUT_CLOSED, OUTPUT_OPEN, orderedOutput, outputFailure, rejectAt, TURN_NEXT, TURN_STATE, type BatchMessage, type BatchResult, type ChunkTask,
  type ChunkTaskResult, type OrderedOutput, type ParallelMode,
} from './parallel-types';
import type { RejectedRecord } from '../../shared/model/ledger';
import type { NormalizedEvent } from '../../shared/model/event';

export type { ParallelMode } from './parallel-types';

export interface ParallelFile {
  path: string;
  sourceId?: number;
  archivePath?: string;
}

export interface ParallelHandlers {
  /** 'events' mode: each normalized event, in file order. */
  item?(fileIndex: number, item: NormalizedEvent): void;
  /**
   * 'jsonl' / 'xml' modes, without ParallelOptions.output: renderings of a run of records, one per line, UTF-8, in file order.
   * `text` is a view of a worker's output buffer, handed back to the worker (and emptied here)
   * once the handler returns, or once the promise it returns settles (e.g. once the text is
   * written), which also holds back further work; copy it to keep it longer.
   */
  text?(fileIndex: number, text: Uint8Array): Promise<void> | void;
  /** Each rejected record, in file order. Without this handler they are only counted (ParallelStats.rejected): their details stay in the workers. */
  reject?(fileIndex: number, r: RejectedRecord): void;
  warning?(fileIndex: number, message: string): void;
  /** Bytes and records done, over all files. */
  progress?(bytes: number, records: number): void;
  /** All of a file's records have been delivered. */
  fileDone?(fileIndex: number): void;
}

export interface ParallelOptions {
  mode: ParallelMode;
  /** Worker count; default: the machine's available parallelism. */
  threads?: number;
  /** Chunks per task; default 16 (1 MiB). */
  chunksPerTask?: number;
  /** Per-file time bound (per run of chunks). */
  timeLimitMs?: number;
  /**
   * 'jsonl' / 'xml' modes: a file descriptor the workers write the renderings to themselves, in
   * file order, instead of handing them to ParallelHandlers.text (no copy between threads; the
   * parse settles once all is written). Should its reader go away (EPIPE) the rest is not written
   * (ParallelStats.outputClosed); any other write error fails the parse.
   */
  output?: number;
}

export interface ParallelStats {
  files: number;
  bytes: number;
  records: number;
  recovered: number;
  rejected: number;
  /** The ordered output's reader went away before everything was written (ParallelOptions.output). */
  outputClosed: boolean;
}

interface Plan {
  fileIndex: number;
  task: ChunkTask;
  /** Why the file cannot be read at all (delivered in place of its records). */
  warnings: string[];
  last: boolean;
}

/** Chunks in one run of a file, and in one batch of runs handed to a worker. */
function chunksPerTask(opts: ParallelOptions): number {
  return Math.max(1, opts.chunksPerTask ?? 16);
}

/**
 * A file cut into runs of chunks. Only its size is read here: this thread plans while the
 * workers parse, and reading every file's header here held both workers idle for a twentieth of
 * a corpus reading. The workers read the header (parallel-worker.ts): the first run reports what
 * it says, and the last run reads to the end of the file, wherever the chunks turn out to start.
 */
function planFile(f: ParallelFile, fileIndex: number, opts: ParallelOptions, rejectDetails: boolean, nextId: () => number): Plan[] {
  const task = (size: number, first: number, count: number, last: boolean, timeLimitMs: number): ChunkTask => ({
    id: nextId(), file: f.path, size, first, count, header: first === 0, last, rejectDetails, mode: opts.mode, timeLimitMs,
    sourceId: f.sourceId ?? fileIndex, sourcePath: f.path, archivePath: f.archivePath,
  });
  let size: number;
  try {
    size = fs.statSync(f.path).size;
  } catch (e) {
    // (a run of no chunks that is not the first: the worker does not open the file)
    return [{ fileIndex, warnings: [`cannot read file: ${e instanceof Error ? e.message : String(e)}`], last: true, task: { ...task(0, 0, 0, true, 0), header: false } }];
  }
  // Chunks follow the 4 KiB header block (the worker finds out when there is none).
  const chunks = size > FILE_HEADER_SIZE ? Math.ceil((size - FILE_HEADER_SIZE) / CHUNK_SIZE) : 0;
  const per = chunksPerTask(opts);
  const timeLimitMs = opts.timeLimitMs ?? 60000 + Math.ceil(size / 1048576) * 1000;
  const plans: Plan[] = [];
  for (let first = 0; first === 0 || first < chunks; first += per) {
    const last = first + per >= chunks;
    plans.push({ fileIndex, warnings: [], last, task: task(size, first, Math.min(per, Math.max(0, chunks - first)), last, timeLimitMs) });
  }
  return plans;
}

/**
 * The worker pool, kept between calls (warm JIT) and unref'd so it never keeps the process alive.
 * Calls are serialized: one parse at a time uses the pool.
 */
let pool: PoolWorker[] = [];
/** Tasks handed to a worker ahead of its results. */
const TASKS_QUEUED_PER_WORKER = 2;
let queue: Promise<unknown> = Promise.resolve();

interface PoolWorker {
  worker: Worker;
  /** Output buffers whose texts are all consumed, to send back with the worker's next batch (BatchResult). */
  spare: SharedArrayBuffer[];
}

/** A batch's output buffer on this side: the texts in it not yet consumed; sent back to its worker when none is left. */
class OutputBuffer {
  private unread = 0;

  constructor(
    private readonly buffer: SharedArrayBuffer,
    private readonly owner: PoolWorker,
  ) {}

  /** The text at [start, end): a view, valid until release(). */
  open(start: number, end: number): Buffer {
    this.unread++;
    return Buffer.from(this.buffer, start, end - start);
  }

  release(): void {
    if (--this.unread === 0) this.owner.spare.push(this.buffer);
  }
}

function getWorkers(n: number): PoolWorker[] {
  const script = path.join(__dirname, 'parallel-worker.js');
  while (pool.length < n) {
    // (V8's default young generation: limits of 16 or 64 MB made no difference, paired)
    const w = new Worker(script);
    w.unref();
    pool.push({ worker: w, spare: [] });
  }
  return pool.slice(0, n);
}

/** Stop the pool's workers (tests, shutdown). */
export async function closeParallelPool(): Promise<void> {
  const ws = pool;
  pool = [];
  await Promise.all(ws.map((w) => w.worker.terminate()));
}

/** Parse files with a pool of workers; handlers see every file's records in order. */
export function parseFilesParallel(files: ParallelFile[], opts: ParallelOptions, h: ParallelHandlers): Promise<ParallelStats> {
  const run = queue.then(() => runParallel(files, opts, h));
  queue = run.catch(() => undefined);
  return run;
}

async function runParallel(files: ParallelFile[], opts: ParallelOptions, h: ParallelHandlers): Promise<ParallelStats> {
  const threads = Math.max(1, opts.threads ?? os.availableParallelism());
  const stats: ParallelStats = { files: files.length, bytes: 0, records: 0, recovered: 0, rejected: 0, outputClosed: false };
  const output: OrderedOutput | null = opts.output !== undefined && (opts.mode === 'xml' || opts.mode === 'jsonl') ? orderedOutput(opts.output) : null;
  if (files.length === 0) return stats;

  // Files are planned as batches are handed out: the first batches go out after planning a file.
  let ids = 0;
  const plans: Plan[] = [];
  let filesPlanned = 0;
  let plansBatched = 0;
  const per = chunksPerTask(opts);
  /** Runs of small files are handed out together: one message per run cost more than parsing them. */
  const nextBatch = (): ChunkTask[] | null => {
    const batch: ChunkTask[] = [];
    let chunks = 0;
    while (chunks < per && batch.length < 64) {
      if (plansBatched === plans.length) {
        if (filesPlanned === files.length) break;
        plans.push(...planFile(files[filesPlanned], filesPlanned, opts, h.reject !== undefined, () => ids++));
        filesPlanned++;
        continue;
      }
      const t = plans[plansBatched++].task;
      batch.push(t);
      chunks += Math.max(1, t.count);
    }
    return batch.length > 0 ? batch : null;
  };
  // As many workers as there are batches, up to `threads`.
  const ready: ChunkTask[][] = [];
  for (let b; ready.length < threads && (b = nextBatch()) !== null; ) ready.push(b);
  const pooled = getWorkers(ready.length);
  const workers = pooled.map((p) => p.worker);

  /** Results not yet delivered, by task, with the shared output their text is in. */
  const results = new Map<number, { r: ChunkTaskResult; from: OutputBuffer | null }>();
  let nextEmit = 0; // plan
  /** Plan index after each dispatched batch's last run; batches whose runs are all delivered. */
  const batchEnd: number[] = [];
  let batchesEmitted = 0;
  let plansDispatched = 0;
  // Results are delivered in file order: room for a slow batch to be overtaken without stalling the others.
  const maxInFlight = threads * 16; // batches

  return await new Promise<ParallelStats>((resolve, reject) => {
    let finished = false;
    const listeners: Array<[Worker, (m: BatchResult) => void, (e: Error) => void]> = [];
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      for (const [w, onMsg, onErr] of listeners) {
        w.off('message', onMsg);
        w.off('error', onErr);
        w.unref();
      }
      if (err) {
        // A failed worker is dropped from the pool.
        void closeParallelPool();
        reject(err);
      } else {
        if (output !== null) stats.outputClosed = Atomics.load(output.turn, TURN_STATE) === OUTPUT_CLOSED;
        resolve(stats);
      }
    };
    let allEmitted = false;
    const emitReady = () => {
      while (nextEmit < plans.length && results.has(plans[nextEmit].task.id)) {
        const p = plans[nextEmit];
        const { r, from } = results.get(p.task.id)!;
        results.delete(p.task.id);
        for (const w of p.warnings) h.warning?.(p.fileIndex, w);
        for (const w of r.warnings) h.warning?.(p.fileIndex, w);
        if (h.item) for (const it of r.items) h.item(p.fileIndex, it);
        const wait = h.text && r.text !== null && r.text.length > 0 ? h.text(p.fileIndex, r.text) : undefined;
        if (wait) {
          const settled = () => {
            from?.release();
            if (backpressure === bp) backpressure = null;
          };
          const bp: Promise<void> = wait.then(settled, settled);
          backpressure = bp;
        } else from?.release();
        const rejects = r.rejects;
        if (h.reject && rejects !== null) for (let k = 0; k < rejects.offsets.length; k++) h.reject(p.fileIndex, rejectAt(rejects, k));
        stats.bytes += r.bytes;
        stats.records += r.records;
        stats.recovered += r.recovered;
        stats.rejected += r.rejected;
        h.progress?.(stats.bytes, stats.records);
        if (p.last) h.fileDone?.(p.fileIndex);
        nextEmit++;
      }
      while (batchesEmitted < batchEnd.length && batchEnd[batchesEmitted] <= nextEmit) batchesEmitted++;
      settleIfDone();
    };
    /** The ordered output's reader went away (or a write failed): no more work is handed out. */
    const outputGone = () => output !== null && Atomics.load(output.turn, TURN_STATE) !== OUTPUT_OPEN;
    /** Once every run handed out is delivered and nothing is left (or the output is gone), and once all is written: finish. */
    const settleIfDone = () => {
      if (allEmitted || nextEmit !== plansDispatched) return;
      if (!outputGone() && !(plansBatched === plans.length && filesPlanned === files.length && ready.length === 0)) return;
      allEmitted = true;
      if (output === null) finish();
      else
        void written(output, batchEnd.length, () => finished).then(() => {
          const failure = outputFailure(output);
          finish(failure === null ? undefined : new Error(`writing the output failed: ${failure}`));
        });
    };
    let backpressure: Promise<void> | null = null;
    let waitingForDrain = false;
    // Each worker holds up to two tasks, so it starts the next as soon as it posts a result
    // (one at a time, it idled for every round trip through this thread).
    const queued = new Map<Worker, number>(workers.map((w) => [w, 0]));
    const fill = (): void => {
      if (finished) return;
      if (outputGone()) {
        settleIfDone();
        return;
      }
      if (backpressure !== null) {
        // The consumer is behind (output not drained): wait before handing out more work.
        if (!waitingForDrain) {
          waitingForDrain = true;
          void backpressure.then(() => {
            waitingForDrain = false;
            fill();
          });
        }
        return;
      }
      for (let round = 0; round < TASKS_QUEUED_PER_WORKER; round++)
        for (const pw of pooled) {
          const w = pw.worker;
          if (batchEnd.length - batchesEmitted >= maxInFlight) return;
          if (queued.get(w)! > round) continue;
          const batch = ready.shift() ?? nextBatch();
          if (batch === null) return;
          // Output buffers consumed since the last batch go back with this one.
          const spare = pw.spare.splice(0);
          const message: BatchMessage = { tasks: batch, seq: batchEnd.length, output, spare };
          w.postMessage(message);
          plansDispatched += batch.length;
          batchEnd.push(plansDispatched);
          queued.set(w, queued.get(w)! + 1);
        }
    };
    for (const pw of pooled) {
      const w = pw.worker;
      const onMsg = ({ results: rs, buffer }: BatchResult) => {
        queued.set(w, queued.get(w)! - 1);
        const shared = buffer === null ? null : new OutputBuffer(buffer, pw);
        for (const r of rs) {
          const at = r.textAt;
          if (at !== null && shared !== null) r.text = shared.open(at.start, at.end);
          results.set(r.id, { r, from: r.text === null ? null : shared });
        }
        emitReady();
        fill();
      };
      const onErr = (e: Error) => finish(e);
      listeners.push([w, onMsg, onErr]);
      w.on('message', onMsg);
      w.on('error', onErr);
      w.ref();
    }
    fill();
  });
}

/**
 * Settles once the workers have written the texts of the first `batches` batches to the ordered
 * output, or the parse has ended otherwise (`ended`: a worker failed meanwhile).
 */
async function written(output: OrderedOutput, batches: number, ended: () => boolean): Promise<void> {
  // (Atomics.waitAsync is in Node 16 on; TypeScript's es2023 library does not declare it yet)
  const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, ms: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
  for (;;) {
    const next = Atomics.load(output.turn, TURN_NEXT);
    if (next >= batches || ended()) return;
    const w = waitAsync(output.turn, TURN_NEXT, next, 100);
    if (w.async) await w.value;
  }
}
