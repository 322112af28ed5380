/**
 * What WorkbenchApi needs from a case: the async surface of CaseClient (a worker thread
 * hosting the CaseDb, plus the import pipeline). ClientCaseBackend is the real one;
 * LocalCaseBackend adapts an in-process CaseDb to the same surface, for tests and benches
 * that build a case directly.
 */
import { promises as fs } from 'node:fs';
import { writeCaseFile } from '../db/case-file';
import { CaseDb, type Row } from '../db/case-db';
import { CaseClient, type CaseClientOptions, type FileProgress } from '../db/case-client';
import { SnapshotQueries, type ReadOnlyResult } from '../db/snapshot-queries';
import type { LedgerEntry } from '../../shared/model/ledger';

export type { ReadOnlyResult, Row };

/** Progress of each evidence file of an import, as CaseClient reports it. */
export type BackendProgress = FileProgress;

export interface BackendImportResult {
  /** Inputs that could not be read at all. */
  inputErrors: Array<{ path: string; error: string }>;
}

export interface CaseBackend {
  query(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Analyst SQL: one read-only statement on a snapshot of the case, stopped after `timeLimitMs` (default 30 s). */
  readOnlyQuery(sql: string, maxRows?: number, timeLimitMs?: number): Promise<ReadOnlyResult>;
  ledger(): Promise<LedgerEntry[]>;
  importEvidence(paths: string[], onProgress: (files: BackendProgress[]) => void): Promise<BackendImportResult>;
  /** Write the case file atomically. */
  save(path: string): Promise<void>;
  close(): Promise<void>;
}

export interface CaseBackendFactory {
  create(): Promise<CaseBackend>;
  open(path: string): Promise<CaseBackend>;
}

/** The normal backend: the lead's CaseClient (db worker + parse workers). */
export class ClientCaseBackend implements CaseBackend {
  constructor(readonly client: CaseClient) {}

  static factory(opts: CaseClientOptions = {}): CaseBackendFactory {
    return {
      create: async () => new ClientCaseBackend(await CaseClient.create(opts)),
      open: async (p: string) => new ClientCaseBackend(await CaseClient.open(p, opts)),
    };
  }

  query(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.client.query(sql, params) as Promise<Row[]>;
  }
  readOnlyQuery(sql: string, maxRows?: number, timeLimitMs?: number): Promise<ReadOnlyResult> {
    return this.client.readOnlyQuery(sql, maxRows, timeLimitMs);
  }
  ledger(): Promise<LedgerEntry[]> {
    return this.client.ledger();
  }
  async importEvidence(paths: string[], onProgress: (files: BackendProgress[]) => void): Promise<BackendImportResult> {
    const r = await this.client.importEvidence(paths, { onProgress: (p) => onProgress(p.files) });
    return { inputErrors: r.inputErrors };
  }
  save(p: string): Promise<void> {
    return this.client.save(p);
  }
  close(): Promise<void> {
    return this.client.close();
  }
}

export type LocalImporter = (db: CaseDb, paths: string[], onProgress: (files: BackendProgress[]) => void) => Promise<BackendImportResult>;

/** An in-process CaseDb behind the CaseBackend surface. */
export class LocalCaseBackend implements CaseBackend {
  /** Analyst SQL runs on snapshots in a query worker here too (the same path as the db worker's). */
  private readonly queries = new SnapshotQueries(async (have) => this.db.snapshot(have));

  constructor(
    readonly db: CaseDb,
    private readonly importer?: LocalImporter,
  ) {}

  static factory(importer?: LocalImporter): CaseBackendFactory {
    return {
      create: async () => new LocalCaseBackend(await CaseDb.create(), importer),
      open: async (p: string) => new LocalCaseBackend(await CaseDb.open(await fs.readFile(p)), importer),
    };
  }

  async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.db.query(sql, params);
  }

  readOnlyQuery(sql: string, maxRows?: number, timeLimitMs?: number): Promise<ReadOnlyResult> {
    return this.queries.query(sql, maxRows, timeLimitMs);
  }

  async ledger(): Promise<LedgerEntry[]> {
    return this.db.ledger();
  }

  async importEvidence(paths: string[], onProgress: (files: BackendProgress[]) => void): Promise<BackendImportResult> {
    if (!this.importer) throw new Error('this case cannot import evidence (no importer configured)');
    const r = await this.importer(this.db, paths, onProgress);
    this.db.ensureIndexes();
    return r;
  }

  async save(target: string): Promise<void> {
    await writeCaseFile(target, this.db.export());
  }

  async close(): Promise<void> {
    await this.queries.close();
    this.db.close();
  }
}
