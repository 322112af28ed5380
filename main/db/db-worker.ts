/**
 * The worker thread that owns the case database. It answers CaseClient calls on its
 * parent port and takes event batches from parse workers on ports handed to it, so the
 * main thread (CLI display, web shell, Electron IPC) never waits on SQLite.
 */
import { promises as fs } from 'node:fs';
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { LedgerEntry } from '../../shared/model/ledger';
import { ANALYSIS_TASKS } from './analysis-tasks';
import { CaseDb } from './case-db';
import { writeCaseFile } from './case-file';
import type { DbPortMessage, DbRequest, DbResponse, ParsePortMessage } from './worker-protocol';

let db: CaseDb | undefined;
const need = (): CaseDb => {
  if (!db) throw new Error('no case is open');
  return db;
};

const methods: Record<string, (...args: any[]) => unknown> = {
  async create() {
    db?.close();
    db = await CaseDb.create();
    return true;
  },
  async open(path: string) {
    const bytes = await fs.readFile(path);
    const next = await CaseDb.open(bytes);
    db?.close();
    db = next;
    return true;
  },
  async save(path: string) {
    await writeCaseFile(path, need().export());
    return true;
  },
  exportBytes: () => need().export(),
  query: (sql: string, params?: unknown[]) => need().query(sql, params),
  // (Analyst SQL never runs here: it runs on a snapshot in a query worker, snapshot-queries.ts.)
  snapshot: (have?: string) => need().snapshot(have),
  ledger: () => need().ledger(),
  hashedSources: () => need().hashedSources(),
  addSource: (entry: LedgerEntry) => need().addSource(entry),
  nextSourceId: () => need().nextSourceId(),
  ensureIndexes: () => need().ensureIndexes(),
  rawOf: (id: number) => need().rawOf(id),
  eventById: (id: number) => {
    const [e] = need().iterateEvents('id = ?', [id]);
    return e ?? null;
  },
  runTask: (name: string, args: unknown) => {
    const task = ANALYSIS_TASKS[name];
    if (!task) throw new Error(`unknown analysis task: ${name}`);
    return task(need(), args);
  },
  attachParsePort: (port: MessagePort) => {
    port.on('message', (m: ParsePortMessage) => {
      let reply: DbPortMessage;
      try {
        if (m.type === 'batch') {
          need().insertBatch(m.batch);
          reply = { type: 'ack' };
        } else {
          need().addSource(m.entry);
          reply = { type: 'source-stored', sourceId: m.entry.id };
        }
      } catch (e) {
        reply = { type: 'failed', error: (e as Error).message };
      }
      port.postMessage(reply);
    });
    return true;
  },
  close: () => {
    db?.close();
    db = undefined;
    return true;
  },
};

parentPort!.on('message', async (req: DbRequest) => {
  let res: DbResponse;
  try {
    const fn = methods[req.method];
    if (!fn) throw new Error(`unknown method ${req.method}`);
    res = { id: req.id, ok: true, result: await fn(...req.args) };
  } catch (e) {
    res = { id: req.id, ok: false, error: (e as Error).message, name: (e as Error).name };
  }
  const bytes = !res.ok ? undefined : res.result instanceof Uint8Array ? res.result : (res.result as { bytes?: unknown } | null)?.bytes;
  const transfer = bytes instanceof Uint8Array ? [bytes.buffer as ArrayBuffer] : [];
  parentPort!.postMessage(res, transfer);
});
