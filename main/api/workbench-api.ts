/**
 * The core behind both shells: plain Node, no Electron, no HTTP. Every public method
 * implements one method of WorkbenchApiContract; `dispatch` validates a raw request with
 * the zod schemas before calling it, which is the only way the shells reach this class.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FACETS,
  type ApiErrorBody,
  type ApiMethod,
  type ApiResponse,
  type CaseInfo,
  type Cell,
  type EventDetail,
  type EventFilter,
  type FacetName,
  type FacetsResponse,
  type FacetValuesRequest,
  type FacetValuesResponse,
  type HistogramRequest,
  type HistogramResponse,
  type ImportStatus,
  type PageRequest,
  type PageResponse,
  type SavedQuery,
  type ShellInfo,
  type SqlResult,
  type UploadResponse,
  type WorkbenchApiContract,
  type LedgerEntry,
} from '../../shared/api/interfaces';
import { serializeXml, type XmlElement } from '../../shared/model/event-xml';
import { isWithin, outputRefusal } from '../db/output-file';
import { DEFAULT_QUERY_TIME_LIMIT_MS } from '../db/snapshot-queries';
import type { BackendProgress, CaseBackend, CaseBackendFactory } from './case-backend';
import {
  bucketWidth,
  countQuery,
  edgeTimeQuery,
  facetCountsQuery,
  facetQuery,
  facetSearchQuery,
  facetValueKey,
  FIELD_NAMES_QUERY,
  histogramQuery,
  outlierCountQuery,
  pageIdsQuery,
  PLAUSIBLE_FROM,
  plausibleTo,
  rowsByIdQuery,
} from './explorer-queries';
import { ApiValidationError, LIMITS, validateRequest } from './validation';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly kind: ApiErrorBody['kind'] = 'refused',
  ) {
    super(message);
  }
}

/** Native dialogs, provided by the Electron shell only. */
export interface DialogProvider {
  chooseEvidence(): Promise<string[] | null>;
  chooseCaseToOpen(): Promise<string | null>;
  chooseCaseToSave(): Promise<string | null>;
}

export interface WorkbenchApiOptions {
  factory: CaseBackendFactory;
  shell: 'electron' | 'web';
  version?: string;
  dialogs?: DialogProvider;
  /** Where uploaded evidence is kept for the run (a private temp folder by default). */
  uploadsDir?: string;
  /** How long one analyst SQL query (sqlQuery) may run, in milliseconds (30 s by default). */
  sqlTimeLimitMs?: number;
}

const CASE_EXT = '.wmicase';
const SAVED_QUERIES_KEY = 'saved_queries';
const MAX_JOBS_KEPT = 20;

function cell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Uint8Array) return `<blob ${v.byteLength} bytes>`;
  return String(v);
}

function newId(): string {
  return randomBytes(12).toString('base64url');
}

interface Job {
  status: ImportStatus;
  started: number;
  /** When each file started and ended parsing (for its rate), by its index in the import. */
  t0: Map<number, number>;
  t1: Map<number, number>;
}

export class WorkbenchApi implements WorkbenchApiContract {
  private backend: CaseBackend | undefined;
  private casePath: string | null = null;
  /** The name of the uploaded case file the open case was read from: it has no file of its own on the server. */
  private uploadedCopy: string | null = null;
  private dirty = false;
  /** Bumped whenever the case content changes; caches key on it. */
  private generation = 0;
  private countCache = new Map<string, number>();
  /** Facet counts per filter (a facet scan of a big case takes seconds; the same filter comes back often). */
  private facetCache = new Map<string, FacetsResponse['facets']>();
  private fieldCache: { gen: number; fields: string[] } | undefined;
  private jobs = new Map<string, Job>();
  private running: Promise<unknown> | undefined;
  private uploads = new Map<string, { path: string; name: string; size: number }>();
  private uploadsDir: string | undefined;

  constructor(private readonly opts: WorkbenchApiOptions) {
    this.uploadsDir = opts.uploadsDir;
  }

  /** Validate a raw request and run the method. The only entry point the shells use. */
  async dispatch<M extends ApiMethod>(method: M, body: unknown): Promise<ApiResponse<M>> {
    let req;
    try {
      req = validateRequest(method, body);
    } catch (e) {
      if (e instanceof ApiValidationError) throw new ApiError(e.message, 'invalid-request');
      throw e;
    }
    const fn = this[method] as (r: unknown) => Promise<ApiResponse<M>>;
    return fn.call(this, req);
  }

  private creating: Promise<CaseBackend> | undefined;

  /** The open case; the first call creates an empty one (concurrent first calls share it). */
  private async db(): Promise<CaseBackend> {
    if (this.backend) return this.backend;
    this.creating ??= this.opts.factory.create().then(
      (b) => {
        this.backend = b;
        this.casePath = null;
        this.uploadedCopy = null;
        this.dirty = false;
        this.touch();
        this.creating = undefined;
        return b;
      },
      (e: unknown) => {
        this.creating = undefined;
        throw e;
      },
    );
    return this.creating;
  }

  private touch(): void {
    this.generation++;
    this.countCache.clear();
    this.facetCache.clear();
  }

  private assertIdle(): void {
    if (this.running) throw new ApiError('an import is running; wait for it to finish', 'refused');
  }

  async shellInfo(): Promise<ShellInfo> {
    return {
      shell: this.opts.shell,
      version: this.opts.version ?? '0.0.0',
      nativeDialogs: !!this.opts.dialogs,
      sqlTimeLimitMs: this.sqlTimeLimitMs(),
    };
  }

  private sqlTimeLimitMs(): number {
    return this.opts.sqlTimeLimitMs ?? DEFAULT_QUERY_TIME_LIMIT_MS;
  }

  async caseInfo(): Promise<CaseInfo> {
    const db = await this.db();
    const r = (await db.query('SELECT COUNT(*) AS n FROM events'))[0];
    const lo = (await db.query('SELECT time FROM events WHERE time_ms IS NOT NULL ORDER BY time_ms ASC LIMIT 1'))[0];
    const hi = (await db.query('SELECT time FROM events WHERE time_ms IS NOT NULL ORDER BY time_ms DESC LIMIT 1'))[0];
    const s = (await db.query('SELECT COUNT(*) AS n FROM sources'))[0];
    return {
      path: this.casePath,
      uploadedCopy: this.uploadedCopy,
      dirty: this.dirty,
      events: Number(r?.n ?? 0),
      sources: Number(s?.n ?? 0),
      firstTime: (lo?.time as string | undefined) ?? null,
      lastTime: (hi?.time as string | undefined) ?? null,
    };
  }

  async newCase(): Promise<CaseInfo> {
    this.assertIdle();
    const next = await this.opts.factory.create();
    await this.replace(next, null);
    return this.caseInfo();
  }

  async openCase(req: { path: string }): Promise<CaseInfo> {
    this.assertIdle();
    const p = path.resolve(req.path);
    const st = await fs.stat(p).catch(() => undefined);
    if (!st?.isFile()) throw new ApiError(`no case file at ${p}`, 'not-found');
    let next: CaseBackend;
    try {
      next = await this.opts.factory.open(p);
    } catch (e) {
      throw new ApiError(`cannot open ${p}: ${(e as Error).message}`, 'refused');
    }
    await this.replace(next, p);
    return this.caseInfo();
  }

  /** Whether `p` lies in this run's uploads folder (removed when the workbench stops). */
  private inUploads(p: string): boolean {
    return !!this.uploadsDir && isWithin(p, [this.uploadsDir]);
  }

  private async replace(next: CaseBackend, p: string | null): Promise<void> {
    const prev = this.backend;
    this.backend = next;
    // A case read from an upload has no home on the server: Save must ask where it goes.
    const uploaded = p !== null && this.inUploads(p);
    this.casePath = uploaded ? null : p;
    this.uploadedCopy = uploaded ? path.basename(p) : null;
    this.dirty = false;
    this.touch();
    await prev?.close().catch(() => undefined);
  }

  /**
   * Save the case: to its own file (no path), or to `path` (Save as…). The rules of every output
   * file (db/output-file.ts): an existing file is replaced only with `overwrite` (its own file by
   * Save), and never when it is read-only or evidence of the case; nothing goes into the uploads
   * folder, which is removed when the workbench stops. Case files are readable by their owner only.
   */
  async saveCase(req: { path?: string; overwrite?: boolean }): Promise<CaseInfo> {
    this.assertIdle();
    let target = req.path ?? this.casePath;
    if (!target) throw new ApiError('choose where to save the case', 'invalid-request');
    if (!path.isAbsolute(target)) throw new ApiError('the case path must be absolute', 'invalid-request');
    if (!target.toLowerCase().endsWith(CASE_EXT)) target += CASE_EXT;
    if (this.inUploads(target)) {
      throw new ApiError(`${target} is in the uploads folder, which is deleted when the workbench stops; save the case in another folder`, 'refused');
    }
    const db = await this.db();
    const evidence = (await db.ledger()).map((e) => e.path);
    const refusal = outputRefusal(target, evidence, req.path === undefined || req.overwrite === true);
    if (refusal) {
      switch (refusal.reason) {
        case 'no-folder':
          throw new ApiError(`no folder ${refusal.folder}`, 'not-found');
        case 'not-a-file':
          throw new ApiError(`${target} exists and is not a regular file; choose another name`, 'refused');
        case 'input':
          throw new ApiError(`${target} is evidence of this case; it is never replaced`, 'refused');
        case 'read-only':
          throw new ApiError(`${target} exists and is read-only; it is never replaced`, 'refused');
        case 'exists':
          throw new ApiError(`${target} already exists`, 'exists');
      }
    }
    await db.save(target);
    this.casePath = target;
    this.uploadedCopy = null;
    this.dirty = false;
    return this.caseInfo();
  }

  async chooseEvidence(): Promise<{ paths: string[] | null }> {
    if (!this.opts.dialogs) throw new ApiError('native dialogs are not available in this shell', 'refused');
    return { paths: await this.opts.dialogs.chooseEvidence() };
  }

  async chooseCaseToOpen(): Promise<{ path: string | null }> {
    if (!this.opts.dialogs) throw new ApiError('native dialogs are not available in this shell', 'refused');
    return { path: await this.opts.dialogs.chooseCaseToOpen() };
  }

  async chooseCaseToSave(): Promise<{ path: string | null }> {
    if (!this.opts.dialogs) throw new ApiError('native dialogs are not available in this shell', 'refused');
    return { path: await this.opts.dialogs.chooseCaseToSave() };
  }

  private async uploadFolder(): Promise<string> {
    if (!this.uploadsDir) this.uploadsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wmi-workbench-uploads-'));
    await fs.mkdir(this.uploadsDir, { recursive: true, mode: 0o700 });
    return this.uploadsDir;
  }

  /** Keep an uploaded evidence file under its own name in a private folder; import it with startImport. */
  async uploadEvidence(req: { name: string; bytes: Uint8Array }): Promise<UploadResponse> {
    const uploadId = newId();
    const dir = path.join(await this.uploadFolder(), uploadId);
    await fs.mkdir(dir, { mode: 0o700 });
    const name = path.basename(req.name.replace(/[\\/]/g, '_')) || 'evidence';
    const p = path.join(dir, name === '.' || name === '..' ? 'evidence' : name);
    await fs.writeFile(p, req.bytes, { mode: 0o600, flag: 'wx' });
    this.uploads.set(uploadId, { path: p, name, size: req.bytes.byteLength });
    return { uploadId, name, size: req.bytes.byteLength };
  }

  /** Register a file the web shell already streamed to disk (same folder, same rules). */
  async registerUpload(name: string, write: (target: string) => Promise<number>): Promise<UploadResponse> {
    const uploadId = newId();
    const dir = path.join(await this.uploadFolder(), uploadId);
    await fs.mkdir(dir, { mode: 0o700 });
    const safe = path.basename(name.replace(/[\\/]/g, '_')) || 'evidence';
    const p = path.join(dir, safe === '.' || safe === '..' ? 'evidence' : safe);
    const size = await write(p);
    this.uploads.set(uploadId, { path: p, name: safe, size });
    return { uploadId, name: safe, size };
  }

  /** Where an upload was stored (web shell: opening an uploaded case file). */
  uploadPath(uploadId: string): string {
    const u = this.uploads.get(uploadId);
    if (!u) throw new ApiError('unknown upload', 'not-found');
    return u.path;
  }

  /** Write a copy of the case (download) without changing where the case is saved. */
  async exportCase(target: string): Promise<void> {
    this.assertIdle();
    await (await this.db()).save(target);
  }

  async startImport(req: { paths?: string[]; uploadIds?: string[] }): Promise<{ jobId: string }> {
    this.assertIdle();
    const paths: string[] = [];
    for (const p of req.paths ?? []) {
      const abs = path.resolve(p);
      const st = await fs.stat(abs).catch(() => undefined);
      if (!st) throw new ApiError(`no evidence at ${abs}`, 'not-found');
      paths.push(abs);
    }
    for (const id of req.uploadIds ?? []) {
      const u = this.uploads.get(id);
      if (!u) throw new ApiError('unknown upload', 'not-found');
      paths.push(u.path);
    }
    const db = await this.db();
    const jobId = newId();
    const job: Job = {
      status: { jobId, state: 'running', files: [], startedAt: new Date().toISOString(), elapsedMs: 0, records: 0, inputErrors: [] },
      started: Date.now(),
      t0: new Map(),
      t1: new Map(),
    };
    this.jobs.set(jobId, job);
    while (this.jobs.size > MAX_JOBS_KEPT) this.jobs.delete(this.jobs.keys().next().value as string);
    const run = db
      .importEvidence(paths, (files) => this.progress(job, files))
      .then(
        (r) => {
          job.status.state = 'done';
          job.status.inputErrors = r.inputErrors.slice(0, 1000);
        },
        (e: unknown) => {
          job.status.state = 'failed';
          job.status.error = (e as Error)?.message ?? String(e);
        },
      )
      .finally(() => {
        for (const f of job.status.files) if (f.state === 'parsing' || f.state === 'queued') f.state = job.status.state === 'failed' ? 'failed' : 'done';
        job.status.elapsedMs = Date.now() - job.started;
        this.dirty = true;
        this.touch();
        this.running = undefined;
      });
    this.running = run;
    return { jobId };
  }

  private progress(job: Job, files: BackendProgress[]): void {
    const now = Date.now();
    job.status.files = files.map((p, i) => {
      // A file's own parse time: from when it started to when it ended (or now, while it parses),
      // as the importer reports them; seen here first when a backend does not report them.
      if (p.state !== 'queued' && !job.t0.has(i)) job.t0.set(i, p.startedAt ?? now);
      if ((p.state === 'done' || p.state === 'failed') && !job.t1.has(i)) job.t1.set(i, p.finishedAt ?? now);
      const t0 = job.t0.get(i);
      const elapsedMs = t0 === undefined ? 0 : Math.max(0, (job.t1.get(i) ?? now) - t0);
      return {
        path: p.path,
        archivePath: p.archivePath,
        records: p.records,
        rejected: p.rejected ?? 0,
        errors: p.errors ?? 0,
        bytesDone: Math.min(p.bytes, p.size),
        bytesTotal: p.size,
        rate: elapsedMs > 0 ? Math.round((p.records * 1000) / elapsedMs) : 0,
        elapsedMs,
        state: p.state,
      };
    });
    job.status.records = files.reduce((a, f) => a + f.records, 0);
  }

  /** Resolves when the running import (if any) has finished. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async importStatus(req: { jobId: string }): Promise<ImportStatus> {
    const job = this.jobs.get(req.jobId);
    if (!job) throw new ApiError('unknown import job', 'not-found');
    if (job.status.state === 'running') job.status.elapsedMs = Date.now() - job.started;
    return { ...job.status, files: job.status.files.map((f) => ({ ...f })) };
  }

  async ledger(): Promise<{ entries: LedgerEntry[] }> {
    return { entries: await (await this.db()).ledger() };
  }

  private async count(db: CaseBackend, filter: EventFilter): Promise<number> {
    const key = JSON.stringify(filter);
    const hit = this.countCache.get(key);
    if (hit !== undefined) return hit;
    const q = countQuery(filter);
    const n = Number((await db.query(q.sql, q.params))[0]?.n ?? 0);
    if (this.countCache.size > 200) this.countCache.clear();
    this.countCache.set(key, n);
    return n;
  }

  async eventsPage(req: PageRequest): Promise<PageResponse> {
    const t0 = performance.now();
    const db = await this.db();
    const total = await this.count(db, req.filter);
    const idsQ = pageIdsQuery(req.filter, req.sort, req.offset, req.limit);
    const ids = (await db.query(idsQ.sql, idsQ.params)).map((r) => Number(r.id));
    let rows: Cell[][] = [];
    if (ids.length) {
      const q = rowsByIdQuery(req.columns, ids);
      const byId = new Map<number, Cell[]>();
      for (const r of await db.query(q.sql, q.params)) {
        byId.set(Number(r.id), [Number(r.id), ...req.columns.map((_, i) => cell(r[`c${i}`]))]);
      }
      rows = ids.map((id) => byId.get(id) ?? [id, ...req.columns.map(() => null)]);
    }
    return { columns: req.columns, rows, offset: req.offset, total, elapsedMs: performance.now() - t0 };
  }

  async facets(req: { filter: EventFilter; limit?: number }): Promise<FacetsResponse> {
    const t0 = performance.now();
    const db = await this.db();
    const key = JSON.stringify([req.filter, req.limit ?? 50]);
    const hit = this.facetCache.get(key);
    if (hit) return { facets: hit, elapsedMs: performance.now() - t0 };
    const out = {} as FacetsResponse['facets'];
    for (const f of FACETS as readonly FacetName[]) {
      const q = facetQuery(req.filter, f, req.limit ?? 50);
      out[f] = (await db.query(q.sql, q.params)).map((r) => ({ value: cell(r.v) as string | number | null, count: Number(r.n) }));
      // Selected values outside the top ones are listed too (found through facetValues), with their counts.
      const key = (v: unknown) => facetValueKey(f, v);
      const listed = new Set(out[f].map((v) => key(v.value)));
      const missing = (req.filter.facets?.[f] ?? []).filter((v) => !listed.has(key(v)));
      if (missing.length) {
        const c = facetCountsQuery(req.filter, f, missing);
        const counts = new Map((await db.query(c.sql, c.params)).map((r) => [key(cell(r.v)), Number(r.n)]));
        for (const v of missing) out[f].push({ value: v, count: counts.get(key(v)) ?? 0 });
      }
    }
    if (this.facetCache.size > 50) this.facetCache.clear();
    this.facetCache.set(key, out);
    return { facets: out, elapsedMs: performance.now() - t0 };
  }

  /** The first or last event time in [lo, hi) (either end open), or null. */
  private async edgeTime(db: CaseBackend, edge: 'first' | 'last', lo: number | null, hi: number | null): Promise<number | null> {
    const q = edgeTimeQuery(edge, lo, hi);
    const t = (await db.query(q.sql, q.params))[0]?.t;
    return t === null || t === undefined ? null : Number(t);
  }

  async histogram(req: HistogramRequest): Promise<HistogramResponse> {
    const t0 = performance.now();
    const db = await this.db();
    const pFrom = PLAUSIBLE_FROM;
    const pTo = plausibleTo(Date.now());
    // The case's span without outliers, or with them when it has nothing else.
    let minTime = await this.edgeTime(db, 'first', pFrom, pTo);
    let maxTime = minTime === null ? null : await this.edgeTime(db, 'last', pFrom, pTo);
    if (minTime === null) {
      minTime = await this.edgeTime(db, 'first', null, null);
      maxTime = await this.edgeTime(db, 'last', null, null);
    }
    const oq = outlierCountQuery(req.filter, pFrom, pTo);
    const o = (await db.query(oq.sql, oq.params))[0];
    const outliers = { before: Number(o?.before ?? 0), after: Number(o?.after ?? 0), from: pFrom, to: pTo };
    if (minTime === null || maxTime === null) {
      return { buckets: [], bucketMs: 0, viewFrom: null, viewTo: null, minTime: null, maxTime: null, outliers, elapsedMs: performance.now() - t0 };
    }
    // The window: as asked, an open end reaching the last (first) plausible event on that side, else any event.
    let from = req.view?.from ?? null;
    let to = req.view?.to ?? null;
    if (from === null && to === null) {
      from = minTime;
      to = maxTime + 1;
    } else if (from === null) {
      from = (await this.edgeTime(db, 'first', pFrom, to)) ?? (await this.edgeTime(db, 'first', null, to)) ?? to! - 1;
    } else if (to === null) {
      const last = (await this.edgeTime(db, 'last', from, pTo)) ?? (await this.edgeTime(db, 'last', from, null));
      to = last === null ? from + 1 : last + 1;
    }
    if (to! <= from) to = from + 1;
    const width = bucketWidth(from, to! - 1, req.buckets ?? 120);
    const origin = Math.floor(from / width) * width;
    const q = histogramQuery(req.filter, origin, width, from, to!);
    const buckets = (await db.query(q.sql, q.params)).map((r) => ({ start: origin + Number(r.b) * width, count: Number(r.n) }));
    return { buckets, bucketMs: width, viewFrom: from, viewTo: to!, minTime, maxTime, outliers, elapsedMs: performance.now() - t0 };
  }

  async facetValues(req: FacetValuesRequest): Promise<FacetValuesResponse> {
    const t0 = performance.now();
    const db = await this.db();
    const q = facetSearchQuery(req.filter, req.facet, req.search.trim(), req.limit ?? 50);
    const values = (await db.query(q.sql, q.params)).map((r) => ({ value: cell(r.v) as string | number | null, count: Number(r.n) }));
    return { values, elapsedMs: performance.now() - t0 };
  }

  async eventDetail(req: { id: number }): Promise<EventDetail> {
    const db = await this.db();
    const rows = await db.query('SELECT * FROM events WHERE id = ?', [req.id]);
    const r = rows[0];
    if (!r) throw new ApiError('no such event', 'not-found');
    const columns: Record<string, Cell> = {};
    for (const [k, v] of Object.entries(r)) if (k !== 'data') columns[k] = cell(v);
    let fields: Record<string, string | string[]> = {};
    try {
      fields = JSON.parse(String(r.data)) as Record<string, string | string[]>;
    } catch {
      fields = {};
    }
    const raw = (await db.query('SELECT raw FROM event_raw WHERE id = ?', [req.id]))[0]?.raw;
    const src = (await db.query('SELECT id, path, archive_path, format FROM sources WHERE id = ?', [r.source_id]))[0];
    return {
      id: req.id,
      columns,
      fields,
      xml: eventXml(columns, fields),
      raw: raw === undefined || raw === null ? null : String(raw),
      source: src
        ? { id: Number(src.id), path: String(src.path), archivePath: (src.archive_path as string | null) ?? undefined, format: String(src.format) }
        : null,
    };
  }

  async fieldNames(): Promise<{ fields: string[] }> {
    if (this.fieldCache?.gen === this.generation) return { fields: this.fieldCache.fields };
    const db = await this.db();
    const fields = (await db.query(FIELD_NAMES_QUERY)).map((r) => String(r.k)).filter((k) => k.length <= 256 && !/["\\\u0000-\u001f\u007f]/.test(k));
    this.fieldCache = { gen: this.generation, fields };
    return { fields };
  }

  async sqlQuery(req: { sql: string; maxRows?: number }): Promise<SqlResult> {
    const t0 = performance.now();
    const db = await this.db();
    try {
      const r = await db.readOnlyQuery(req.sql, req.maxRows ?? 10_000, this.sqlTimeLimitMs());
      return { columns: r.columns, rows: r.rows.map((row) => row.map(cell)), truncated: r.truncated, elapsedMs: performance.now() - t0 };
    } catch (e) {
      throw new ApiError((e as Error).message, 'refused');
    }
  }

  private async readSaved(db: CaseBackend): Promise<SavedQuery[]> {
    const r = (await db.query('SELECT value FROM case_meta WHERE key = ?', [SAVED_QUERIES_KEY]))[0];
    if (!r) return [];
    try {
      const v = JSON.parse(String(r.value)) as unknown;
      return Array.isArray(v)
        ? v.filter((q): q is SavedQuery => typeof q?.name === 'string' && typeof q?.sql === 'string')
        : [];
    } catch {
      return [];
    }
  }

  private async writeSaved(db: CaseBackend, list: SavedQuery[]): Promise<void> {
    await db.query('INSERT OR REPLACE INTO case_meta (key, value) VALUES (?, ?)', [SAVED_QUERIES_KEY, JSON.stringify(list)]);
    this.dirty = true;
  }

  /** Saved queries live in the case (case_meta), so they travel with it. */
  async savedQueries(): Promise<{ queries: SavedQuery[] }> {
    return { queries: await this.readSaved(await this.db()) };
  }

  async saveQuery(req: SavedQuery): Promise<{ queries: SavedQuery[] }> {
    const db = await this.db();
    const list = (await this.readSaved(db)).filter((q) => q.name !== req.name);
    if (list.length >= LIMITS.savedQueries) throw new ApiError('too many saved queries', 'refused');
    list.push({ name: req.name, sql: req.sql });
    list.sort((a, b) => a.name.localeCompare(b.name));
    await this.writeSaved(db, list);
    return { queries: list };
  }

  async deleteQuery(req: { name: string }): Promise<{ queries: SavedQuery[] }> {
    const db = await this.db();
    const list = (await this.readSaved(db)).filter((q) => q.name !== req.name);
    await this.writeSaved(db, list);
    return { queries: list };
  }

  async close(): Promise<void> {
    await this.idle().catch(() => undefined);
    await this.creating?.catch(() => undefined);
    await this.backend?.close().catch(() => undefined);
    this.backend = undefined;
    if (this.uploadsDir && !this.opts.uploadsDir) await fs.rm(this.uploadsDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Windows event XML for a stored event (System from the columns, EventData from the fields). */
export function eventXml(c: Record<string, Cell>, fields: Record<string, string | string[]>): string {
  const text = (name: string, v: Cell): XmlElement => ({ name, attrs: [], children: v === null ? [] : [String(v)] });
  const sys: XmlElement = { name: 'System', attrs: [], children: [] };
  sys.children.push({ name: 'Provider', attrs: [['Name', String(c.provider ?? '')]], children: [] });
  sys.children.push(text('EventID', c.event_id));
  for (const [n, k] of [['Level', 'level'], ['Task', 'task'], ['Opcode', 'opcode'], ['Keywords', 'keywords']] as const) {
    if (c[k] !== null && c[k] !== undefined) sys.children.push(text(n, c[k]));
  }
  sys.children.push({ name: 'TimeCreated', attrs: [['SystemTime', String(c.time ?? '')]], children: [] });
  if (c.record_id !== null) sys.children.push(text('EventRecordID', c.record_id));
  const exec: Array<[string, string]> = [];
  if (c.process_id !== null) exec.push(['ProcessID', String(c.process_id)]);
  if (c.thread_id !== null) exec.push(['ThreadID', String(c.thread_id)]);
  if (exec.length) sys.children.push({ name: 'Execution', attrs: exec, children: [] });
  sys.children.push(text('Channel', c.channel));
  sys.children.push(text('Computer', c.host));
  sys.children.push({ name: 'Security', attrs: c.user_sid ? [['UserID', String(c.user_sid)]] : [], children: [] });
  const data: XmlElement = { name: 'EventData', attrs: [], children: [] };
  for (const [k, v] of Object.entries(fields)) {
    for (const one of Array.isArray(v) ? v : [v]) data.children.push({ name: 'Data', attrs: [['Name', k]], children: one === '' ? [] : [String(one)] });
  }
  const ev: XmlElement = { name: 'Event', attrs: [['xmlns', 'http://schemas.microsoft.com/win/2004/08/events/event']], children: [sys, data] };
  return serializeXml(ev);
}

/** Turn any thrown value into the body a shell sends back. */
export function errorBody(e: unknown): { error: string; kind: ApiError['kind'] } {
  if (e instanceof ApiError) return { error: e.message, kind: e.kind };
  return { error: (e as Error)?.message ?? 'internal error', kind: 'internal' };
}
