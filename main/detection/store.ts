/**
 * Detection results in the case database: `detections`, `subscriptions` and
 * `subscription_evidence` (plus one `detection_runs` row per run), created on first use and
 * replaced by each run. Written through the CaseDb API only.
 */
import type { Detection, DetectionResult, DetectionSummary } from '../../shared/model/detection';
import type { WmiSubscription } from '../../shared/model/subscription';
import type { CaseDb } from '../db/case-db';
import { runDetection, type DetectionOptions } from './run';

/** The schema holding the case tables: `c.` when the case is an attached database, else none. */
function schemaPrefix(db: CaseDb): string {
  const rows = db.query('PRAGMA database_list');
  return rows.some((r) => r.name === 'c') ? 'c.' : '';
}

export function ensureDetectionTables(db: CaseDb): string {
  const p = schemaPrefix(db);
  db.run(`CREATE TABLE IF NOT EXISTS ${p}detection_runs (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    summary TEXT NOT NULL
  )`);
  db.run(`CREATE TABLE IF NOT EXISTS ${p}detections (
    id INTEGER PRIMARY KEY,
    rule_id TEXT NOT NULL,
    rule_title TEXT NOT NULL,
    level TEXT NOT NULL,
    tags TEXT NOT NULL,
    rule_source TEXT NOT NULL,
    rule_file TEXT NOT NULL,
    host TEXT NOT NULL,
    time TEXT NOT NULL,
    event_row_id INTEGER,
    file TEXT NOT NULL,
    archive_path TEXT,
    record_id INTEGER,
    record_number INTEGER,
    event_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    benign_reason TEXT
  )`);
  db.run(`CREATE TABLE IF NOT EXISTS ${p}subscriptions (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    host TEXT NOT NULL,
    filter_name TEXT,
    filter_query TEXT,
    consumer_class TEXT,
    consumer_name TEXT,
    temporary INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    created TEXT,
    modified TEXT,
    deleted TEXT,
    user TEXT,
    client_machine TEXT,
    object TEXT NOT NULL
  )`);
  db.run(`CREATE TABLE IF NOT EXISTS ${p}subscription_evidence (
    subscription_id INTEGER NOT NULL,
    event_row_id INTEGER,
    file TEXT NOT NULL,
    archive_path TEXT,
    record_id INTEGER,
    record_number INTEGER,
    event_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    time TEXT NOT NULL
  )`);
  db.run(`CREATE INDEX IF NOT EXISTS ${p}detections_rule ON detections (rule_id)`);
  db.run(`CREATE INDEX IF NOT EXISTS ${p}detections_event ON detections (event_row_id)`);
  db.run(`CREATE INDEX IF NOT EXISTS ${p}subscription_evidence_sub ON subscription_evidence (subscription_id)`);
  return p;
}

/** Replace the stored detection results with this run's. */
export function saveDetectionResult(db: CaseDb, r: DetectionResult): void {
  const p = ensureDetectionTables(db);
  db.run('BEGIN');
  try {
    db.run(`DELETE FROM ${p}detections`);
    db.run(`DELETE FROM ${p}subscription_evidence`);
    db.run(`DELETE FROM ${p}subscriptions`);
    db.run(`INSERT INTO ${p}detection_runs (time, summary) VALUES (?, ?)`, [new Date().toISOString(), JSON.stringify(r.summary)]);
    for (const d of r.detections) {
      const e = d.evidence;
      db.run(
        `INSERT INTO ${p}detections (rule_id, rule_title, level, tags, rule_source, rule_file, host, time, event_row_id, file, archive_path,
          record_id, record_number, event_id, channel, benign_reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
        [
          d.ruleId, d.ruleTitle, d.level, JSON.stringify(d.tags), d.ruleSource, d.ruleFile, d.host, d.time, e.eventRowId, e.file,
          e.archivePath ?? null, e.recordId, e.recordNumber ?? null, e.eventId, e.channel, d.benign?.reason ?? null,
        ],
      );
    }
    r.subscriptions.forEach((s, i) => {
      const id = i + 1;
      db.run(
        `INSERT INTO ${p}subscriptions (id, key, host, filter_name, filter_query, consumer_class, consumer_name, temporary, verdict,
          created, modified, deleted, user, client_machine, object) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
        [
          id, s.key, s.host, s.filter?.name ?? null, s.filter?.query ?? null, s.consumer?.className ?? null, s.consumer?.name ?? null,
          s.temporary ? 1 : 0, s.verdict, s.created, s.modified, s.deleted, s.user, s.clientMachine, JSON.stringify(s),
        ],
      );
      for (const e of s.evidence) {
        db.run(
          `INSERT INTO ${p}subscription_evidence (subscription_id, event_row_id, file, archive_path, record_id, record_number, event_id, channel, time)
            VALUES (?,?,?,?,?,?,?,?,?)`,
          [id, e.eventRowId, e.file, e.archivePath ?? null, e.recordId, e.recordNumber ?? null, e.eventId, e.channel, e.time],
        );
      }
    });
    db.run('COMMIT');
  } catch (e) {
    db.run('ROLLBACK');
    throw e;
  }
}

/** The id of the latest detection run stored in the case, or null when none has run: what results built on them are keyed by. */
export function latestDetectionRun(db: CaseDb): number | null {
  const p = ensureDetectionTables(db);
  const v = db.query(`SELECT MAX(id) AS id FROM ${p}detection_runs`)[0]?.id;
  return v === null || v === undefined ? null : Number(v);
}

/** The stored results, or null when detection has not run on this case. */
export function loadDetectionResult(db: CaseDb): DetectionResult | null {
  const p = ensureDetectionTables(db);
  const run = db.query(`SELECT summary FROM ${p}detection_runs ORDER BY id DESC LIMIT 1`);
  if (run.length === 0) return null;
  const summary = JSON.parse(String(run[0].summary)) as DetectionSummary;
  const detections: Detection[] = db.query(`SELECT * FROM ${p}detections ORDER BY id`).map((r) => {
    const d: Detection = {
      ruleId: String(r.rule_id),
      ruleTitle: String(r.rule_title),
      level: String(r.level) as Detection['level'],
      tags: JSON.parse(String(r.tags)) as string[],
      ruleSource: String(r.rule_source) as Detection['ruleSource'],
      ruleFile: String(r.rule_file),
      host: String(r.host),
      time: String(r.time),
      evidence: {
        eventRowId: r.event_row_id === null ? null : Number(r.event_row_id),
        file: String(r.file),
        recordId: r.record_id === null ? null : Number(r.record_id),
        eventId: Number(r.event_id),
        channel: String(r.channel),
        time: String(r.time),
        host: String(r.host),
      },
    };
    if (r.archive_path !== null) d.evidence.archivePath = String(r.archive_path);
    if (r.record_number !== null) d.evidence.recordNumber = Number(r.record_number);
    if (r.benign_reason !== null) d.benign = { reason: String(r.benign_reason) };
    return d;
  });
  const subscriptions = db.query(`SELECT object FROM ${p}subscriptions ORDER BY id`).map((r) => JSON.parse(String(r.object)) as WmiSubscription);
  return { summary, detections, subscriptions };
}

/**
 * The `subscriptions` and `detections` sections of `scan --json`: the stored results, or a
 * run with our pack (stored for next time) when detection has not run on this case yet.
 */
export function detectionReport(db: CaseDb, options: DetectionOptions = {}): { subscriptions: WmiSubscription[]; detections: Detection[]; detectionSummary: DetectionSummary } {
  let r = options.rules?.length ? null : loadDetectionResult(db);
  if (!r) {
    r = runDetection(db, options);
    saveDetectionResult(db, r);
  }
  return { subscriptions: r.subscriptions, detections: r.detections, detectionSummary: r.summary };
}
