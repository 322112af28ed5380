/**
 * The case as the rest of the application sees it: an async proxy to the db worker, plus
 * the import pipeline (enumerate evidence -> parse workers -> db worker). Used by the CLI,
 * the web shell and the Electron main process alike.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { ledgerPath, markDuplicate, type EvidenceFormat, type LedgerEntry } from '../../shared/model/ledger';
import { archivePathOf, enumerateEvidence, type ArchiveLimits, DEFAULT_LIMITS, type EnumeratedEvidence } from '../ingest/evidence-sources';
import type { CaseSnapshot, HashedSource, StoredEvent } from './case-db';
import { SnapshotQueries, type ReadOnlyResult } from './snapshot-queries';
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
  /** When its parse started and ended (epoch ms): a file's rate is over its own parse time. */
  startedAt?: number;
  finishedAt?: number;
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

/** The first item of a content in the case: what its copies' ledger entries name (format: known once it is parsed). */
interface FirstCopy {
  id: number;
  path: string;
  archivePath?: string;
  format?: EvidenceFormat;
}

export interface CaseClientOptions {
  /** How long one analyst query (readOnlyQuery) may run, in milliseconds. */
  queryTimeLimitMs?: number;
}

export class CaseClient {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Analyst SQL, on snapshots of this case in a worker of its own (never in the db worker). */
  private readonly queries: SnapshotQueries;

  private constructor(
    private readonly worker: Worker,
    opts: CaseClientOptions,
  ) {
    this.queries = new SnapshotQueries((have) => this.call<CaseSnapshot>('snapshot', have), opts.queryTimeLimitMs);
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

  private static spawn(opts: CaseClientOptions): CaseClient {
    return new CaseClient(new Worker(path.join(__dirname, 'db-worker.js')), opts);
  }

  static async create(opts: CaseClientOptions = {}): Promise<CaseClient> {
    const c = CaseClient.spawn(opts);
    await c.call('create');
    return c;
  }

  static async open(file: string, opts: CaseClientOptions = {}): Promise<CaseClient> {
    const c = CaseClient.spawn(opts);
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
  /**
   * The analysts' SQL: one read-only statement (CaseDb.readOnlyQuery's rules) on a snapshot of
   * the case, stopped after the time limit (the client's, or `timeLimitMs`) without touching the case.
   */
  readOnlyQuery(sql: string, maxRows?: number, timeLimitMs?: number): Promise<ReadOnlyResult> {
    return this.queries.query(sql, maxRows, timeLimitMs);
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
    await this.queries.close();
    await this.worker.terminate();
  }

  /** A parse worker with its own port to the db worker. */
  private async spawnParseWorker(): Promise<Worker> {
    const channel = new MessageChannel();
    await new Promise<void>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve: () => resolve(), reject });
      this.worker.postMessage({ id, method: 'attachParsePort', args: [channel.port2] } satisfies DbRequest, [channel.port2]);
    });
    return new Worker(path.join(__dirname, '../ingest/parse-worker.js'), {
      workerData: { dbPort: channel.port1 },
      transferList: [channel.port1],
    });
  }

  /**
   * Import evidence files, folders and archives into this case. Each content is imported once:
   * an item byte-identical (same SHA-256) to one before it in ledger order, in this import or
   * an earlier one into the case, gets a ledger entry naming that item and no records. Items
   * are hashed before anything is parsed where a copy is possible at all (another item of the
   * same size), so which copy is first never depends on which worker finishes first.
   */
  async importEvidence(inputs: string[], opts: ImportOptions = {}): Promise<ImportResult> {
    const started = Date.now();
    const { items, errors: inputErrors } = await enumerateEvidence(inputs, opts.limits ?? DEFAULT_LIMITS);
    const firstId = await this.call<number>('nextSourceId');
    const files: FileProgress[] = items.map((it, i) => ({
      sourceId: firstId + i,
      path: it.locator.path,
      archivePath: archivePathOf(it.locator),
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
    const entries = new Map<number, LedgerEntry>();
    const byId = new Map(files.map((f) => [f.sourceId, f]));
    const itemOf = (sourceId: number) => items[sourceId - firstId];
    const workerCount = Math.max(1, Math.min(items.length, opts.workers ?? os.availableParallelism()));
    const workers: Worker[] = [];
    try {
      workers.push(...(await Promise.all(Array.from({ length: workerCount }, () => this.spawnParseWorker()))));
      /** Post one task to a worker; resolves with its answer (done, hashed or failed), following its progress. */
      const perform = (w: Worker, task: ParseTask) =>
        new Promise<ParseWorkerMessage>((resolve, reject) => {
          const f = byId.get(task.sourceId)!;
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
            resolve(m);
          };
          const onError = (e: Error) => reject(e);
          w.on('message', onMessage);
          w.on('error', onError);
          if (task.type === 'task') {
            f.state = 'parsing';
            f.startedAt ??= Date.now();
          }
          w.postMessage(task);
        });
      /** Tasks spread over the workers, each worker taking the next task when it is done with one. */
      const runAll = async (tasks: ParseTask[], answered: (task: ParseTask, m: ParseWorkerMessage) => void) => {
        const queue = [...tasks];
        await Promise.all(
          workers.map(async (w) => {
            for (let task = queue.shift(); task; task = queue.shift()) answered(task, await perform(w, task));
          }),
        );
      };

      // 1. Hash the items that could be copies: those whose size another item of this import or
      // of the case also has. The rest (most of a collection of text exports, a unique archive) are read once.
      const earlier = await this.call<HashedSource[]>('hashedSources');
      const hashable = (it: EnumeratedEvidence) => !it.refused && it.size > 0;
      const sizes = new Map<number, number>();
      for (const s of earlier) sizes.set(s.size, (sizes.get(s.size) ?? 0) + 1);
      for (const it of items) if (hashable(it)) sizes.set(it.size, (sizes.get(it.size) ?? 0) + 1);
      const hashTasks = items.flatMap((item, i): ParseTask[] =>
        hashable(item) && sizes.get(item.size)! > 1 ? [{ type: 'hash', sourceId: firstId + i, item }] : [],
      );
      const hashes = new Map<number, string>();
      // An item that cannot be hashed is parsed, and its entry tells why it could not be read.
      await runAll(hashTasks, (task, m) => {
        if (m.type === 'hashed') hashes.set(task.sourceId, m.sha256);
        opts.onProgress?.(progress()); // (a live display keeps ticking while a large collection is hashed)
      });

      // 2. In ledger order, the first item of each content is parsed, the later ones are its copies.
      const firstOf = new Map<string, FirstCopy>();
      for (const s of earlier) if (!firstOf.has(s.sha256)) firstOf.set(s.sha256, s);
      for (let todo = items.map((_, i) => firstId + i); todo.length > 0; ) {
        const parse: number[] = [];
        const copies: Array<{ sourceId: number; first: FirstCopy }> = [];
        for (const sourceId of todo) {
          const sha256 = hashes.get(sourceId);
          const first = sha256 === undefined ? undefined : firstOf.get(sha256);
          if (first) copies.push({ sourceId, first });
          else {
            const f = byId.get(sourceId)!;
            if (sha256 !== undefined) firstOf.set(sha256, { id: sourceId, path: f.path, archivePath: f.archivePath });
            parse.push(sourceId);
          }
        }
        const tasks = parse.map((sourceId): ParseTask => ({ type: 'task', sourceId, item: itemOf(sourceId), sha256: hashes.get(sourceId) }));
        await runAll(tasks, (task, m) => {
          const f = byId.get(task.sourceId)!;
          f.finishedAt = Date.now();
          if (m.type === 'done') {
            entries.set(m.entry.id, m.entry);
            f.state = 'done';
            f.bytes = f.size;
            f.records = m.entry.records;
            f.rejected = m.entry.rejected;
            f.errors = m.entry.errors.length;
          } else if (m.type === 'failed') {
            f.state = 'failed';
            inputErrors.push({ path: ledgerPath(f), error: m.error });
          }
          opts.onProgress?.(progress());
        });
        // A first item whose parse did not read the bytes it was hashed with (it changed during
        // the import, or failed) stands for no content: its copies are parsed in the next round.
        for (const sourceId of parse) {
          const sha256 = hashes.get(sourceId);
          if (sha256 !== undefined && entries.get(sourceId)?.sha256 !== sha256 && firstOf.get(sha256)?.id === sourceId) firstOf.delete(sha256);
        }
        todo = [];
        for (const { sourceId, first } of copies) {
          const sha256 = hashes.get(sourceId)!;
          if (firstOf.get(sha256) !== first) {
            todo.push(sourceId);
            continue;
          }
          const f = byId.get(sourceId)!;
          const item = itemOf(sourceId);
          const entry = markDuplicate(
            {
              id: sourceId,
              path: f.path,
              archivePath: f.archivePath,
              size: f.size,
              sha256,
              format: first.format ?? entries.get(first.id)?.format ?? 'unknown',
              found: 0,
              records: 0,
              recovered: 0,
              rejected: 0,
              rejectedRecords: [],
              errors: item.errors.slice(),
              firstTime: null,
              lastTime: null,
              hosts: [],
            },
            first,
          );
          await this.call('addSource', entry);
          entries.set(sourceId, entry);
          f.state = 'done';
          f.bytes = f.size;
          f.errors = entry.errors.length;
          opts.onProgress?.(progress());
        }
      }
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
    await this.ensureIndexes();
    const p = progress();
    opts.onProgress?.(p);
    return { entries: [...entries.values()].sort((a, b) => a.id - b.id), inputErrors, records: p.records, elapsedMs: p.elapsedMs };
  }
}
