/**
 * Parallel EVTX parsing with worker_threads, across files and across chunks (chunks are
 * independent). Files are cut into runs of chunks; runs go to a pool of workers; results come
 * back in file order, with a bounded number of runs in flight (memory stays flat).
 */
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FILE_HEADER_SIZE, parseFileHeader } from './file-header';
import { CHUNK_SIZE, hasChunkMagic } from './chunk';
import { rejectAt, type ChunkTask, type ChunkTaskResult, type ParallelMode } from './parallel-types';
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
   * 'jsonl' / 'xml' modes: renderings of a run of records, one per line, UTF-8, in file order.
   * Return a promise (e.g. until the output drains) to hold back further work until it settles.
   */
  text?(fileIndex: number, text: Uint8Array): Promise<void> | void;
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
}

export interface ParallelStats {
  files: number;
  bytes: number;
  records: number;
  recovered: number;
  rejected: number;
}

interface Plan {
  fileIndex: number;
  task: ChunkTask;
  /** Warnings found while planning (file header), delivered before the first run. */
  headerWarnings: string[];
  last: boolean;
}

/** Chunks in one run of a file, and in one batch of runs handed to a worker. */
function chunksPerTask(opts: ParallelOptions): number {
  return Math.max(1, opts.chunksPerTask ?? 16);
}

function planFile(f: ParallelFile, fileIndex: number, opts: ParallelOptions, nextId: () => number): Plan[] {
  const plans: Plan[] = [];
  const warnings: string[] = [];
  let size = 0;
  const head = Buffer.alloc(FILE_HEADER_SIZE);
  let headLen = 0;
  try {
    size = fs.statSync(f.path).size;
    const fd = fs.openSync(f.path, 'r');
    try {
      headLen = fs.readSync(fd, head, 0, FILE_HEADER_SIZE, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    warnings.push(`cannot read file: ${e instanceof Error ? e.message : String(e)}`);
  }
  const hv = new Uint8Array(head.buffer, head.byteOffset, headLen);
  const header = parseFileHeader(hv);
  let base = FILE_HEADER_SIZE;
  if (header) warnings.push(...header.warnings);
  else if (hasChunkMagic(hv)) {
    base = 0;
    warnings.push('no EVTX file header: data starts with a chunk; reading chunks from offset 0');
  } else if (headLen > 0) warnings.push('no EVTX file header (bad signature); reading chunks anyway');
  if (headLen > 0 && headLen < FILE_HEADER_SIZE && base !== 0) warnings.push(`file truncated inside the file header (${headLen} bytes)`);
  const chunks = size > base ? Math.ceil((size - base) / CHUNK_SIZE) : 0;
  if (header && chunks < header.chunkCount) warnings.push(`file holds ${chunks} chunks, header says ${header.chunkCount}`);
  const per = chunksPerTask(opts);
  const timeLimitMs = opts.timeLimitMs ?? 60000 + Math.ceil(size / 1048576) * 1000;
  for (let first = 0; first < chunks || (first === 0 && plans.length === 0); first += per) {
    plans.push({
      fileIndex,
      headerWarnings: first === 0 ? warnings : [],
      last: first + per >= chunks,
      task: {
        id: nextId(), file: f.path, base, first, count: Math.min(per, Math.max(0, chunks - first)),
        chunkCount: header ? header.chunkCount : null, mode: opts.mode, timeLimitMs,
        sourceId: f.sourceId ?? fileIndex, sourcePath: f.path, archivePath: f.archivePath,
      },
    });
    if (chunks === 0) break;
  }
  return plans;
}

/**
 * The worker pool, kept between calls (warm JIT) and unref'd so it never keeps the process alive.
 * Calls are serialized: one parse at a time uses the pool.
 */
let pool: Worker[] = [];
/** Tasks handed to a worker ahead of its results. */
const TASKS_QUEUED_PER_WORKER = 2;
let queue: Promise<unknown> = Promise.resolve();

function getWorkers(n: number): Worker[] {
  const script = path.join(__dirname, 'parallel-worker.js');
  while (pool.length < n) {
    // A young generation as large as the main thread's: with the workers' smaller default, one
    // worker ran a quarter slower than the same parse in the main thread (more scavenges).
    const w = new Worker(script, { resourceLimits: { maxYoungGenerationSizeMb: 64 } });
    w.unref();
    pool.push(w);
  }
  return pool.slice(0, n);
}

/** Stop the pool's workers (tests, shutdown). */
export async function closeParallelPool(): Promise<void> {
  const ws = pool;
  pool = [];
  await Promise.all(ws.map((w) => w.terminate()));
}

/** Parse files with a pool of workers; handlers see every file's records in order. */
export function parseFilesParallel(files: ParallelFile[], opts: ParallelOptions, h: ParallelHandlers): Promise<ParallelStats> {
  const run = queue.then(() => runParallel(files, opts, h));
  queue = run.catch(() => undefined);
  return run;
}

async function runParallel(files: ParallelFile[], opts: ParallelOptions, h: ParallelHandlers): Promise<ParallelStats> {
  const threads = Math.max(1, opts.threads ?? os.availableParallelism());
  let ids = 0;
  const plans: Plan[] = [];
  files.forEach((f, i) => plans.push(...planFile(f, i, opts, () => ids++)));
  const stats: ParallelStats = { files: files.length, bytes: 0, records: 0, recovered: 0, rejected: 0 };
  if (plans.length === 0) return stats;

  // Runs of small files are handed out together: one message per run cost more than parsing them.
  const per = chunksPerTask(opts);
  const batches: ChunkTask[][] = [];
  /** Plan index after each batch's last run. */
  const batchEnd: number[] = [];
  for (let i = 0, chunks = 0; i < plans.length; i++) {
    if (batches.length === 0 || chunks >= per || batches[batches.length - 1].length >= 64) {
      batches.push([]);
      batchEnd.push(i);
      chunks = 0;
    }
    batches[batches.length - 1].push(plans[i].task);
    batchEnd[batchEnd.length - 1] = i + 1;
    chunks += Math.max(1, plans[i].task.count);
  }

  const workers = getWorkers(Math.min(threads, batches.length));
  const results = new Map<number, ChunkTaskResult>();
  let nextDispatch = 0; // batch
  let nextEmit = 0; // plan
  let batchesEmitted = 0;
  // Results are delivered in file order: room for a slow batch to be overtaken without stalling the others.
  const maxInFlight = threads * 16; // batches

  return await new Promise<ParallelStats>((resolve, reject) => {
    let finished = false;
    const listeners: Array<[Worker, (r: ChunkTaskResult[]) => void, (e: Error) => void]> = [];
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
      } else resolve(stats);
    };
    const emitReady = () => {
      while (nextEmit < plans.length && results.has(plans[nextEmit].task.id)) {
        const p = plans[nextEmit];
        const r = results.get(p.task.id)!;
        results.delete(p.task.id);
        for (const w of p.headerWarnings) h.warning?.(p.fileIndex, w);
        for (const w of r.warnings) h.warning?.(p.fileIndex, w);
        if (h.item) for (const it of r.items) h.item(p.fileIndex, it);
        if (h.text && r.text !== null && r.text.length > 0) {
          const wait = h.text(p.fileIndex, r.text);
          if (wait) {
            const bp = wait.then(() => {
              if (backpressure === bp) backpressure = null;
            });
            backpressure = bp;
          }
        }
        if (h.reject) for (let k = 0; k < r.rejects.offsets.length; k++) h.reject(p.fileIndex, rejectAt(r.rejects, k));
        stats.bytes += r.bytes;
        stats.records += r.records;
        stats.recovered += r.recovered;
        stats.rejected += r.rejects.offsets.length;
        h.progress?.(stats.bytes, stats.records);
        if (p.last) h.fileDone?.(p.fileIndex);
        nextEmit++;
      }
      while (batchesEmitted < batches.length && batchEnd[batchesEmitted] <= nextEmit) batchesEmitted++;
      if (nextEmit >= plans.length) finish();
    };
    let backpressure: Promise<void> | null = null;
    let waitingForDrain = false;
    // Each worker holds up to two tasks, so it starts the next as soon as it posts a result
    // (one at a time, it idled for every round trip through this thread).
    const queued = new Map<Worker, number>(workers.map((w) => [w, 0]));
    const fill = (): void => {
      if (finished) return;
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
        for (const w of workers) {
          if (nextDispatch >= batches.length || nextDispatch - batchesEmitted >= maxInFlight) return;
          if (queued.get(w)! > round) continue;
          w.postMessage(batches[nextDispatch++]);
          queued.set(w, queued.get(w)! + 1);
        }
    };
    for (const w of workers) {
      const onMsg = (rs: ChunkTaskResult[]) => {
        queued.set(w, queued.get(w)! - 1);
        for (const r of rs) results.set(r.id, r);
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
