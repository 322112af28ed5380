/**
 * The case database: sql.js (SQLite compiled to WebAssembly), in memory. Synchronous and
 * thread-agnostic: the db worker hosts one instance; analyses (detection, correlation) run
 * against it inside that worker, next to the data.
 */
import initSqlJs, { type Database, type SqlValue, type Statement } from 'sql.js';
import type { NormalizedEvent } from '../../shared/model/event';
import { markDuplicate, type LedgerEntry } from '../../shared/model/ledger';
import { ADDED_COLUMNS, CREATE_INDEXES, CREATE_SCHEMA, SCHEMA_VERSION } from './schema';
import { INSERT_EVENT, INSERT_RAW, NUMBER_COLUMNS, packEvents, TEXT_COLUMNS, type PackedBatch } from './event-row';

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;

/** The raw C entry points sql.js exports but does not type: the online backup API. */
interface SqlJsRaw {
  stringToNewUTF8(s: string): number;
  _free(ptr: number): void;
  _sqlite3_backup_init(dest: number, destName: number, src: number, srcName: number): number;
  _sqlite3_backup_step(backup: number, pages: number): number;
  _sqlite3_backup_finish(backup: number): number;
}
/** The sqlite3* handle inside a sql.js Database. */
const handleOf = (d: Database): number => (d as unknown as { db: number }).db;

/** Copy a whole schema between two connections, page by page (sqlite3_backup). */
function copySchema(SQL: SqlJs, dest: Database, destName: string, src: Database, srcName: string): void {
  const raw = SQL as unknown as SqlJsRaw;
  const dn = raw.stringToNewUTF8(destName);
  const sn = raw.stringToNewUTF8(srcName);
  try {
    const b = raw._sqlite3_backup_init(handleOf(dest), dn, handleOf(src), sn);
    if (b === 0) throw new Error('cannot start copying the case database');
    const rc = raw._sqlite3_backup_step(b, -1);
    raw._sqlite3_backup_finish(b);
    if (rc !== 101 /* SQLITE_DONE */) throw new Error(`copying the case database failed (sqlite code ${rc})`);
  } finally {
    raw._free(dn);
    raw._free(sn);
  }
}

/** A fresh connection with the in-memory case schema `c` attached (see schema.ts for why). */
function newShell(SQL: SqlJs): Database {
  const shell = new SQL.Database();
  shell.exec("ATTACH DATABASE ':memory:' AS c");
  return shell;
}
let sqlJs: Promise<SqlJs> | undefined;
function loadSqlJs(): Promise<SqlJs> {
  return (sqlJs ??= initSqlJs());
}

export interface StoredEvent extends NormalizedEvent {
  id: number;
}

export type Row = Record<string, SqlValue>;

/** An item of the ledger as the importer compares new items with it (CaseDb.hashedSources). */
export interface HashedSource {
  id: number;
  path: string;
  archivePath?: string;
  size: number;
  sha256: string;
  format: LedgerEntry['format'];
}

export class ReadOnlyQueryError extends Error {}

/** A copy of the case for analyst SQL (see snapshot-queries.ts): its change stamp, and its bytes unless the asker holds that stamp already. */
export interface CaseSnapshot {
  stamp: string;
  bytes?: Uint8Array;
}

/** Numbers the CaseDb instances of a thread, so two cases' change stamps never meet. */
let instances = 0;

/**
 * Statements an analyst may run: reads only. Enforced twice: by the first keyword (after the
 * comments before it) and by PRAGMA query_only.
 */
const READ_ONLY_START = /^(select|with|values|explain)\b/i;

/** The bytes SQLite's tokenizer takes as white space (not \v, not Unicode spaces). */
const SQL_SPACE = new Set([' ', '\t', '\n', '\f', '\r']);

/**
 * `sql` from its first token on: the white space, `-- line` and `/* block *\/` comments SQLite
 * skips before a statement removed ('' when nothing else is there; an unclosed block comment
 * runs to the end, as in SQLite).
 */
export function afterLeadingComments(sql: string): string {
  let i = 0;
  for (;;) {
    while (i < sql.length && SQL_SPACE.has(sql[i])) i++;
    if (sql.startsWith('--', i)) {
      const eol = sql.indexOf('\n', i + 2);
      if (eol < 0) return '';
      i = eol + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return '';
      i = end + 2;
    } else return sql.slice(i);
  }
}

/** What identifies a row of `sources`: its id, where it is, and its content's size, hash and format. */
function sourceIdentity(r: Row): HashedSource {
  return {
    id: Number(r.id),
    path: String(r.path),
    archivePath: (r.archive_path as string | null) ?? undefined,
    size: Number(r.size),
    sha256: String(r.sha256),
    format: r.format as LedgerEntry['format'],
  };
}

export class CaseDb {
  private insertStmt: Statement | undefined;
  private rawStmt: Statement | undefined;
  private indexed = false;
  private sourcePaths = new Map<number, { path: string; archivePath?: string }>();
  private readonly instance = ++instances;

  private constructor(
    private readonly SQL: SqlJs,
    private readonly db: Database,
  ) {}

  static async create(): Promise<CaseDb> {
    const SQL = await loadSqlJs();
    const db = new CaseDb(SQL, newShell(SQL));
    db.db.exec(CREATE_SCHEMA);
    db.db.run('INSERT OR REPLACE INTO c.case_meta VALUES (?, ?)', ['schema_version', String(SCHEMA_VERSION)]);
    db.db.run('INSERT OR REPLACE INTO c.case_meta VALUES (?, ?)', ['created', new Date().toISOString()]);
    return db;
  }

  /** The bytes of a case file as a connection of their own (its `main` database), checked to be a case this workbench reads. */
  private static async openFile(bytes: Uint8Array): Promise<{ SQL: SqlJs; raw: Database }> {
    const SQL = await loadSqlJs();
    const raw = new SQL.Database(bytes);
    let version: string | undefined;
    try {
      const r = raw.exec("SELECT value FROM case_meta WHERE key = 'schema_version'");
      version = r[0]?.values[0]?.[0] as string | undefined;
    } catch {
      version = undefined;
    }
    if (version === undefined) {
      raw.close();
      throw new Error('not a WMI Workbench case file (no case_meta table)');
    }
    if (Number(version) > SCHEMA_VERSION) {
      raw.close();
      throw new Error(`case file schema version ${version} is newer than this workbench (${SCHEMA_VERSION})`);
    }
    return { SQL, raw };
  }

  /** Reopen a saved case (the bytes of a case file). */
  static async open(bytes: Uint8Array): Promise<CaseDb> {
    const { SQL, raw } = await CaseDb.openFile(bytes);
    const shell = newShell(SQL);
    try {
      copySchema(SQL, shell, 'c', raw, 'main');
    } finally {
      raw.close();
    }
    const db = new CaseDb(SQL, shell);
    db.indexed = true;
    db.addMissingColumns();
    db.loadSourcePaths();
    return db;
  }

  /**
   * A case to read only (analyst SQL in the query worker, on a snapshot or a case file): the
   * bytes used as they are, as the connection's main database, not copied into the schema `c`
   * (which is there for fast inserts). On the EVTX corpus case (60.5 MB, medians of 4): peak
   * memory +60 MB rather than open()'s +124 MB, loaded in 20 ms rather than 110, queries as fast.
   * A case file saved before a column was added is opened in full (open()), which adds the column.
   * Nothing may write to it.
   */
  static async openToRead(bytes: Uint8Array): Promise<CaseDb> {
    const { SQL, raw } = await CaseDb.openFile(bytes);
    const missing = ADDED_COLUMNS.some(({ table, column }) => raw.exec('SELECT 1 FROM pragma_table_info(?) WHERE name = ?', [table, column]).length === 0);
    if (missing) {
      raw.close();
      return CaseDb.open(bytes);
    }
    const db = new CaseDb(SQL, raw);
    db.indexed = true;
    return db;
  }

  /** Bring a case saved by an earlier version up to the current columns (ADDED_COLUMNS). */
  private addMissingColumns(): void {
    for (const { table, column, add } of ADDED_COLUMNS) {
      const has = this.query(`SELECT 1 FROM pragma_table_info(?, 'c') WHERE name = ?`, [table, column]);
      if (has.length === 0) this.db.exec(add);
    }
  }

  private loadSourcePaths(): void {
    this.sourcePaths.clear();
    for (const r of this.query('SELECT id, path, archive_path FROM sources')) {
      this.sourcePaths.set(Number(r.id), { path: String(r.path), archivePath: (r.archive_path as string | null) ?? undefined });
    }
  }

  /** Insert a packed batch (built by packEvents, usually in a parse worker). One transaction per batch. */
  insertBatch(batch: PackedBatch): void {
    if (batch.count === 0) return;
    const stmt = (this.insertStmt ??= this.db.prepare(INSERT_EVENT));
    const rawStmt = (this.rawStmt ??= this.db.prepare(INSERT_RAW));
    const { cells, bytes } = batch;
    const nText = TEXT_COLUMNS.length;
    const nNumber = NUMBER_COLUMNS.length;
    const params: SqlValue[] = new Array(1 + 2 * nText + nNumber);
    const rawParams: SqlValue[] = [null, null, null];
    this.db.exec('BEGIN');
    try {
      for (let r = 0, c = 0; r < batch.count; r++) {
        const start = cells[c];
        const end = cells[c + 1];
        // Int8Array so sql.js copies the row with a plain memcpy into its heap.
        const blob = new Int8Array(bytes.buffer, bytes.byteOffset + start, end - start);
        params[0] = blob as unknown as SqlValue;
        let p = 1;
        c += 2;
        for (let i = 0; i < nText; i++, c += 2) {
          const off = cells[c];
          params[p++] = Number.isNaN(off) ? null : off;
          params[p++] = Number.isNaN(off) ? null : cells[c + 1];
        }
        const rawOff = cells[c];
        const rawLen = cells[c + 1];
        c += 2;
        for (let i = 0; i < nNumber; i++, c++) params[p++] = Number.isNaN(cells[c]) ? null : cells[c];
        stmt.run(params);
        if (!Number.isNaN(rawOff)) {
          rawParams[0] = blob as unknown as SqlValue;
          rawParams[1] = rawOff;
          rawParams[2] = rawLen;
          rawStmt.run(rawParams);
        }
      }
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
    this.indexed = false;
  }

  insertEvents(events: readonly NormalizedEvent[]): void {
    this.insertBatch(packEvents(events));
  }

  /** The record exactly as the source held it, for text formats (XML, JSON); null for binary sources. */
  rawOf(eventRowId: number): string | null {
    const r = this.query('SELECT raw FROM event_raw WHERE id = ?', [eventRowId]);
    return r.length ? String(r[0].raw) : null;
  }

  /** Record one evidence file of the ledger. */
  addSource(entry: LedgerEntry): void {
    this.db.run(
      `INSERT OR REPLACE INTO c.sources (id, path, archive_path, size, sha256, format, found, records, recovered, rejected,
        first_time, last_time, hosts, errors, imported_at, duplicate_of) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      [
        entry.id, entry.path, entry.archivePath ?? null, entry.size, entry.sha256, entry.format, entry.found, entry.records,
        entry.recovered, entry.rejected, entry.firstTime, entry.lastTime, JSON.stringify(entry.hosts),
        JSON.stringify(entry.errors), new Date().toISOString(), entry.duplicateOfId ?? null,
      ],
    );
    if (entry.rejectedRecords.length > 0) {
      const stmt = this.db.prepare('INSERT INTO c.rejected_records VALUES (?,?,?,?)');
      this.db.exec('BEGIN');
      for (const r of entry.rejectedRecords) stmt.run([entry.id, r.offset ?? null, r.recordNumber ?? null, r.reason]);
      this.db.exec('COMMIT');
      stmt.free();
    }
    this.sourcePaths.set(entry.id, { path: entry.path, archivePath: entry.archivePath });
  }

  /** The next free source id (ledger ids are unique within a case, across imports). */
  nextSourceId(): number {
    const r = this.query('SELECT COALESCE(MAX(id), 0) + 1 AS n FROM sources');
    return Number(r[0].n);
  }

  ledger(): LedgerEntry[] {
    const rejected = new Map<number, LedgerEntry['rejectedRecords']>();
    for (const r of this.query('SELECT source_id, file_offset, record_number, reason FROM rejected_records')) {
      const list = rejected.get(Number(r.source_id)) ?? [];
      list.push({
        offset: r.file_offset === null ? undefined : Number(r.file_offset),
        recordNumber: r.record_number === null ? undefined : Number(r.record_number),
        reason: String(r.reason),
      });
      rejected.set(Number(r.source_id), list);
    }
    const sql = `SELECT s.*, o.path AS first_path, o.archive_path AS first_archive_path
      FROM sources s LEFT JOIN sources o ON o.id = s.duplicate_of ORDER BY s.id`;
    return this.query(sql).map((r) => {
      const entry: LedgerEntry = {
        ...sourceIdentity(r),
        found: Number(r.found),
        records: Number(r.records),
        recovered: Number(r.recovered),
        rejected: Number(r.rejected),
        rejectedRecords: rejected.get(Number(r.id)) ?? [],
        errors: JSON.parse(String(r.errors)) as string[],
        firstTime: (r.first_time as string | null) ?? null,
        lastTime: (r.last_time as string | null) ?? null,
        hosts: JSON.parse(String(r.hosts)) as string[],
      };
      if (r.duplicate_of != null) {
        const first = { id: Number(r.duplicate_of), path: String(r.first_path ?? '?'), archivePath: (r.first_archive_path as string | null) ?? undefined };
        markDuplicate(entry, first);
      }
      return entry;
    });
  }

  /**
   * Items already in the case that a new item could be a byte-identical copy of (hashed, not
   * empty, not duplicates themselves), in ledger order, with what a duplicate's entry takes from them.
   */
  hashedSources(): HashedSource[] {
    const sql = `SELECT id, path, archive_path, size, sha256, format FROM sources
      WHERE sha256 <> '' AND size > 0 AND duplicate_of IS NULL ORDER BY id`;
    return this.query(sql).map(sourceIdentity);
  }

  /** Build the query indexes (after a bulk import). Idempotent. */
  ensureIndexes(): void {
    if (this.indexed) return;
    this.db.exec(CREATE_INDEXES);
    this.db.exec('ANALYZE');
    this.indexed = true;
  }

  /** Trusted internal query (parameterized). */
  query(sql: string, params: unknown[] = []): Row[] {
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params as SqlValue[]);
      const out: Row[] = [];
      while (stmt.step()) out.push(stmt.getAsObject() as Row);
      return out;
    } finally {
      stmt.free();
    }
  }

  /** Trusted internal statement(s) that write. */
  run(sql: string, params?: unknown[]): void {
    if (params) this.db.run(sql, params as SqlValue[]);
    else this.db.exec(sql);
  }

  /**
   * The analysts' SQL entry point: exactly one read-only statement, at most `maxRows` rows.
   * Anything that writes (including through a CTE) is refused by SQLite itself under query_only.
   */
  readOnlyQuery(sql: string, maxRows = 10_000): { columns: string[]; rows: SqlValue[][]; truncated: boolean } {
    if (!READ_ONLY_START.test(afterLeadingComments(sql))) throw new ReadOnlyQueryError('only SELECT, WITH, VALUES and EXPLAIN statements are allowed');
    let count = 0;
    for (const s of this.db.iterateStatements(sql)) {
      s.free();
      if (++count > 1) throw new ReadOnlyQueryError('only one statement is allowed');
    }
    this.ensureIndexes();
    this.db.exec('PRAGMA query_only = ON');
    try {
      return this.rows(sql, [], maxRows);
    } catch (e) {
      throw new ReadOnlyQueryError((e as Error).message);
    } finally {
      this.db.exec('PRAGMA query_only = OFF');
    }
  }

  /**
   * Trusted internal query read as arrays (far cheaper per row than objects when an
   * analysis reads hundreds of thousands of rows), at most `maxRows` rows.
   */
  rows(sql: string, params: unknown[] = [], maxRows = Number.MAX_SAFE_INTEGER): { columns: string[]; rows: SqlValue[][]; truncated: boolean } {
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params as SqlValue[]);
      const columns = stmt.getColumnNames();
      const rows: SqlValue[][] = [];
      let truncated = false;
      while (stmt.step()) {
        if (rows.length >= maxRows) {
          truncated = true;
          break;
        }
        rows.push(stmt.get());
      }
      return { columns, rows, truncated };
    } finally {
      stmt.free();
    }
  }

  /** Events as NormalizedEvent objects, in id order, optionally filtered by a WHERE clause over `events` columns. */
  *iterateEvents(filterSql?: string, params: unknown[] = []): IterableIterator<StoredEvent> {
    const stmt = this.db.prepare(`SELECT * FROM events${filterSql ? ` WHERE ${filterSql}` : ''} ORDER BY id`);
    try {
      stmt.bind(params as SqlValue[]);
      while (stmt.step()) yield this.rowToEvent(stmt.getAsObject() as Row);
    } finally {
      stmt.free();
    }
  }

  rowToEvent(r: Row): StoredEvent {
    const src = this.sourcePaths.get(Number(r.source_id));
    const num = (v: SqlValue) => (v === null || v === undefined ? null : Number(v));
    return {
      id: Number(r.id),
      timeCreated: String(r.time),
      channel: String(r.channel),
      provider: String(r.provider),
      eventId: Number(r.event_id),
      recordId: num(r.record_id),
      computer: String(r.host),
      userSid: (r.user_sid as string | null) ?? null,
      level: num(r.level),
      task: num(r.task),
      opcode: num(r.opcode),
      keywords: (r.keywords as string | null) ?? null,
      processId: num(r.process_id),
      threadId: num(r.thread_id),
      data: JSON.parse(String(r.data)),
      message: (r.message as string | null) ?? null,
      raw: null,
      recovered: r.recovered === 1,
      ref: {
        sourceId: Number(r.source_id),
        sourcePath: src?.path ?? '',
        archivePath: src?.archivePath,
        recordNumber: num(r.record_number) ?? undefined,
        offset: num(r.file_offset) ?? undefined,
      },
    };
  }

  eventCount(): number {
    return Number(this.query('SELECT COUNT(*) AS n FROM events')[0].n);
  }

  /**
   * What changes whenever the case's content does: rows written (SQLite's total_changes(), every
   * INSERT, UPDATE and DELETE on this connection) and the schema (its version, bumped by every
   * CREATE, DROP, ALTER), for this instance.
   */
  changeStamp(): string {
    const changes = Number(this.query('SELECT total_changes() AS n')[0].n);
    const schema = Number(this.query('PRAGMA c.schema_version')[0].schema_version);
    return `${this.instance}:${changes}:${schema}`;
  }

  /** The case for analyst SQL: its bytes, unless it has not changed since the snapshot stamped `have`. */
  snapshot(have?: string): CaseSnapshot {
    this.ensureIndexes(); // (before the stamp: the copy is made with its indexes)
    const stamp = this.changeStamp();
    return stamp === have ? { stamp } : { stamp, bytes: this.export() };
  }

  /** The whole case as SQLite database bytes (what a case file holds). */
  export(): Uint8Array {
    this.ensureIndexes();
    const out = new this.SQL.Database();
    try {
      copySchema(this.SQL, out, 'main', this.db, 'c');
      return out.export();
    } finally {
      out.close();
    }
  }

  close(): void {
    this.insertStmt?.free();
    this.rawStmt?.free();
    this.insertStmt = this.rawStmt = undefined;
    this.db.close();
  }
}
