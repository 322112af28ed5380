/**
 * Analyst SQL (the SQL screen, the sqlQuery API, the `query` command) runs here, never in the db
 * worker: in a worker thread of its own (query-worker.ts), on a snapshot of the case (the bytes
 * a case file holds), with a time limit. sql.js exposes neither sqlite3_interrupt nor a progress
 * handler, so a query that does not end (a recursive CTE without a bound) can only be stopped by
 * terminating its thread; that thread holds nothing but a copy, so the case, its worker and every
 * other request go on untouched. A snapshot is taken again only when the case has changed since
 * the one the worker holds (CaseDb.changeStamp); queries run one at a time, in order.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ReadOnlyQueryError, type CaseSnapshot } from './case-db';
import type { QueryWorkerReply, QueryWorkerRequest } from './worker-protocol';

/** How long one analyst query may run by default. */
export const DEFAULT_QUERY_TIME_LIMIT_MS = 30_000;

export interface ReadOnlyResult {
  columns: string[];
  rows: unknown[][];
  truncated: boolean;
}

/** Where snapshots come from: given the stamp of the one held (if any), the current stamp, with bytes when it differs. */
export type SnapshotSource = (have: string | undefined) => Promise<CaseSnapshot>;

/** A query stopped by the time limit. */
export class QueryTimeLimitError extends ReadOnlyQueryError {}

/** "30 s", "1.5 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** `bytes` as a buffer of its own, so it can be moved to the worker rather than copied. */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
}

export class SnapshotQueries {
  private worker: Worker | undefined;
  /** The stamp of the snapshot the worker holds. */
  private loaded: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly source: SnapshotSource,
    readonly timeLimitMs: number = DEFAULT_QUERY_TIME_LIMIT_MS,
  ) {}

  /** A snapshot source reading a saved case file (what the `query` command runs on). */
  static ofFile(file: string, read: (file: string) => Promise<Uint8Array>): SnapshotSource {
    return async (have) => (have === 'file' ? { stamp: 'file' } : { stamp: 'file', bytes: await read(file) });
  }

  /** One read-only statement (CaseDb.readOnlyQuery's rules), stopped with a QueryTimeLimitError after `timeLimitMs`. */
  query(sql: string, maxRows?: number, timeLimitMs: number = this.timeLimitMs): Promise<ReadOnlyResult> {
    const run = this.queue.then(() => this.runOne(sql, maxRows, timeLimitMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runOne(sql: string, maxRows: number | undefined, timeLimitMs: number): Promise<ReadOnlyResult> {
    if (this.closed) throw new Error('the case is closed');
    const snap = await this.source(this.worker ? this.loaded : undefined);
    if (this.closed) throw new Error('the case is closed');
    const w = (this.worker ??= new Worker(path.join(__dirname, 'query-worker.js')));
    if (snap.stamp !== this.loaded) {
      if (!snap.bytes) throw new Error('the case snapshot came without its bytes');
      this.loaded = undefined;
      const bytes = ownBuffer(snap.bytes);
      const r = await this.ask(w, { type: 'load', bytes }, [bytes.buffer as ArrayBuffer]);
      if (r.type === 'failed') throw new Error(r.error);
      this.loaded = snap.stamp;
    }
    // The time limit counts from the query's start: loading the snapshot is not the analyst's doing.
    const r = await this.ask(w, { type: 'query', sql, maxRows }, [], timeLimitMs);
    if (r.type === 'failed') throw new ReadOnlyQueryError(r.error);
    if (r.type !== 'result') throw new Error(`unexpected answer from the query worker: ${r.type}`);
    return r.result;
  }

  /** Post one request and wait for its answer; past `timeLimitMs` the worker is terminated and the query refused. */
  private ask(w: Worker, msg: QueryWorkerRequest, transfer: ArrayBuffer[], timeLimitMs?: number): Promise<QueryWorkerReply> {
    return new Promise<QueryWorkerReply>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const onMessage = (m: QueryWorkerReply) => {
        settle();
        resolve(m);
      };
      const onError = (e: Error) => {
        settle();
        this.discard(w);
        reject(new Error(`the query worker failed: ${e.message}`));
      };
      const onExit = () => {
        settle();
        this.discard(w);
        reject(new Error(this.closed ? 'the case was closed while the query ran' : 'the query worker stopped'));
      };
      if (timeLimitMs !== undefined) {
        timer = setTimeout(() => {
          settle();
          this.discard(w);
          void w.terminate();
          reject(new QueryTimeLimitError(`query stopped after ${seconds(timeLimitMs)} (the time limit for one query); the case is unchanged`));
        }, timeLimitMs);
      }
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage(msg, transfer);
    });
  }

  /** Forget a worker that is gone or being terminated (the next query starts another, with a fresh snapshot). */
  private discard(w: Worker): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    this.loaded = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.discard(w as Worker);
    await w?.terminate();
  }
}
