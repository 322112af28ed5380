/**
 * The case as the rest of the application sees it: an async proxy to the db worker, plus
 * the import pipeline (enumerate evidence -> parse workers -> db worker). Used by the CLI,
 * the web shell and the Electron main process alike.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { LedgerEntry } from '../../shared/model/ledger';
import { enumerateEvidence, type ArchiveLimits, DEFAULT_LIMITS } from '../ingest/evidence-sources';
import type { StoredEvent } from './case-db';
import type { DbRequest, DbResponse, ParseTask, ParseWorkerMessage } from './worker-protocol';

export interface FileProgress {
  sourceId: number;
  path: string;
  archivePath?: string;
  size: number;
  bytes: number;
  records: number;
  state: 'queued' | 'parsing' | 'done' | 'failed';
  rejected?: number;
  errors?: number;
}

export interface ImportProgress {
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  records: number;
  elapsedMs: number;
  /** Records per second since the import started. */
  rate: number;
  files: FileProgress[];
}

export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
  /** Parse workers; defaults to the number of cores. */
  workers?: number;
  limits?: ArchiveLimits;
}

export interface ImportResult {
  entries: LedgerEntry[];
  /** Inputs that could not be read at all (missing paths, unlistable folders). */
  inputErrors: Array<{ path: string; error: string }>;
  records: number;
  elapsedMs: number;
}

export class CaseError extends Error {}

export class CaseClient {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (res: DbResponse) => {
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (res.ok) p.resolve(res.result);
      else {
        const err = new CaseError(res.error);
        if (res.name) err.name = res.name;
        p.reject(err);
      }
    });
    worker.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  private static spawn(): CaseClient {
    return new CaseClient(new Worker(path.join(__dirname, 'db-worker.js')));
  }

  static async create(): Promise<CaseClient> {
    const c = CaseClient.spawn();
    await c.call('create');
    return c;
  }

  static async open(file: string): Promise<CaseClient> {
    const c = CaseClient.spawn();
    try {
      await c.call('open', path.resolve(file));
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    const req: DbRequest = { id, method, args };
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage(req);
    });
  }

  save(file: string): Promise<void> {
    return this.call('save', path.resolve(file));
  }
  exportBytes(): Promise<Uint8Array> {
    return this.call('exportBytes');
  }
  query(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
    return this.call('query', sql, params);
  }
  readOnlyQuery(sql: string, maxRows?: number): Promise<{ columns: string[]; rows: unknown[][]; truncated: boolean }> {
    return this.call('readOnlyQuery', sql, maxRows);
  }
  ledger(): Promise<LedgerEntry[]> {
    return this.call('ledger');
  }
  rawOf(eventRowId: number): Promise<string | null> {
    return this.call('rawOf', eventRowId);
  }
  eventById(eventRowId: number): Promise<StoredEvent | null> {
    return this.call('eventById', eventRowId);
  }
  ensureIndexes(): Promise<void> {
    return this.call('ensureIndexes');
  }
  /** Run a named analysis (main/db/analysis-tasks.ts) inside the db worker. */
  runTask<T = unknown>(name: string, args?: unknown): Promise<T> {
    return this.call('runTask', name, args);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  /** Import evidence files, folders and archives into this case. */
  async importEvidence(inputs: string[], opts: ImportOptions = {}): Promise<ImportResult> {
    const started = Date.now();
    const { items, errors: inputErrors } = await enumerateEvidence(inputs, opts.limits ?? DEFAULT_LIMITS);
    const firstId = await this.call<number>('nextSourceId');
    const files: FileProgress[] = items.map((it, i) => ({
      sourceId: firstId + i,
      path: it.locator.path,
      archivePath: it.locator.members.length ? it.locator.members.map((m) => m.name).join('/') : undefined,
      size: it.size,
      bytes: 0,
      records: 0,
      state: 'queued',
    }));
    const progress = (): ImportProgress => {
      const elapsedMs = Date.now() - started;
      const records = files.reduce((a, f) => a + f.records, 0);
      return {
        filesTotal: files.length,
        filesDone: files.filter((f) => f.state === 'done' || f.state === 'failed').length,
        bytesTotal: files.reduce((a, f) => a + f.size, 0),
        bytesDone: files.reduce((a, f) => a + Math.min(f.bytes, f.size), 0),
        records,
        elapsedMs,
        rate: elapsedMs > 0 ? Math.round((records * 1000) / elapsedMs) : 0,
        files,
      };
    };
    const entries: LedgerEntry[] = [];
    const queue = items.map((item, i) => ({ type: 'task', sourceId: firstId + i, item }) as ParseTask);
    const workerCount = Math.max(1, Math.min(queue.length, opts.workers ?? os.availableParallelism()));
    const byId = new Map(files.map((f) => [f.sourceId, f]));
    const workers: Worker[] = [];
    try {
      await Promise.all(
        Array.from({ length: workerCount }, async () => {
          const channel = new MessageChannel();
          await new Promise<void>((resolve, reject) => {
            const id = this.nextId++;
            this.pending.set(id, { resolve: () => resolve(), reject });
            this.worker.postMessage({ id, method: 'attachParsePort', args: [channel.port2] } satisfies DbRequest, [channel.port2]);
          });
          const w = new Worker(path.join(__dirname, '../ingest/parse-worker.js'), {
            workerData: { dbPort: channel.port1 },
            transferList: [channel.port1],
          });
          workers.push(w);
          for (;;) {
            const task = queue.shift();
            if (!task) break;
            const f = byId.get(task.sourceId)!;
            f.state = 'parsing';
            const entry = await new Promise<LedgerEntry | undefined>((resolve, reject) => {
              const onMessage = (m: ParseWorkerMessage) => {
                if (m.sourceId !== task.sourceId) return;
                if (m.type === 'progress') {
                  f.bytes = m.bytes;
                  f.records = m.records;
                  opts.onProgress?.(progress());
                  return;
                }
                w.off('message', onMessage);
                w.off('error', onError);
                if (m.type === 'done') resolve(m.entry);
                else {
                  f.state = 'failed';
                  inputErrors.push({ path: f.archivePath ? `${f.path}!${f.archivePath}` : f.path, error: m.error });
                  resolve(undefined);
                }
              };
              const onError = (e: Error) => reject(e);
              w.on('message', onMessage);
              w.on('error', onError);
              w.postMessage(task);
            });
            if (entry) {
              entries.push(entry);
              f.state = 'done';
              f.bytes = f.size;
              f.records = entry.records;
              f.rejected = entry.rejected;
              f.errors = entry.errors.length;
            }
            opts.onProgress?.(progress());
          }
        }),
      );
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
    await this.ensureIndexes();
    entries.sort((a, b) => a.id - b.id);
    const p = progress();
    opts.onProgress?.(p);
    return { entries, inputErrors, records: p.records, elapsedMs: p.elapsedMs };
  }
}
