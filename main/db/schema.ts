/**
 * The case database schema. Designed for the queries analysts run (by host, time, channel,
 * event id, image, parent image, command line, user): those are real columns with indexes;
 * every other event field stays queryable through the JSON `data` column
 * (json_extract(data, '$.TargetObject')) and the `event_fields` view. The record as the
 * source held it (text formats) sits apart in `event_raw`, so scans over events stay small.
 *
 * Everything lives in the attached in-memory schema `c`: sql.js keeps its `main` database in
 * an emulated file system whose per-page cost caps inserts far below what a pure ':memory:'
 * database takes. Unqualified names resolve to `c`, so queries never name it.
 */
export const SCHEMA_VERSION = 1;

export const EVENT_COLUMNS = [
  'id', 'time', 'time_ms', 'host', 'channel', 'provider', 'event_id', 'record_id', 'user_sid',
  'level', 'task', 'opcode', 'keywords', 'process_id', 'thread_id',
  'image', 'parent_image', 'command_line', 'parent_command_line', 'user_name', 'process_guid', 'parent_process_guid',
  'data', 'message', 'source_id', 'record_number', 'file_offset', 'recovered',
] as const;

export const CREATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS c.case_meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS c.sources (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  archive_path TEXT,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  format TEXT NOT NULL,
  found INTEGER NOT NULL,
  records INTEGER NOT NULL,
  recovered INTEGER NOT NULL,
  rejected INTEGER NOT NULL,
  first_time TEXT,
  last_time TEXT,
  hosts TEXT NOT NULL,
  errors TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  duplicate_of INTEGER
);
CREATE TABLE IF NOT EXISTS c.rejected_records (
  source_id INTEGER NOT NULL,
  file_offset INTEGER,
  record_number INTEGER,
  reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS c.events (
  id INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  time_ms INTEGER,
  host TEXT NOT NULL,
  channel TEXT NOT NULL,
  provider TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  record_id INTEGER,
  user_sid TEXT,
  level INTEGER,
  task INTEGER,
  opcode INTEGER,
  keywords TEXT,
  process_id INTEGER,
  thread_id INTEGER,
  image TEXT,
  parent_image TEXT,
  command_line TEXT,
  parent_command_line TEXT,
  user_name TEXT,
  process_guid TEXT,
  parent_process_guid TEXT,
  data TEXT NOT NULL,
  message TEXT,
  source_id INTEGER NOT NULL,
  record_number INTEGER,
  file_offset INTEGER,
  recovered INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS c.event_raw (id INTEGER PRIMARY KEY, raw TEXT NOT NULL);
CREATE VIEW IF NOT EXISTS c.event_fields AS
  SELECT events.id AS event_rowid, j.key AS name, j.value AS value
  FROM events, json_each(events.data) AS j;
`;

/**
 * Columns added to a table after cases were first saved, with the statement that adds each to a
 * case saved before it. Additive only, so the schema version stays: an older workbench reads such
 * a case and ignores the column.
 */
export const ADDED_COLUMNS: ReadonlyArray<{ table: string; column: string; add: string }> = [
  // The ledger id of the item a byte-identical copy duplicates (its records were not imported again).
  { table: 'sources', column: 'duplicate_of', add: 'ALTER TABLE c.sources ADD COLUMN duplicate_of INTEGER' },
];

/**
 * Indexes are built after a bulk import rather than maintained row by row: SQLite sorts
 * once instead of paying a B-tree insert per index per row.
 */
export const CREATE_INDEXES = `
CREATE INDEX IF NOT EXISTS c.ix_events_time ON events(time_ms);
CREATE INDEX IF NOT EXISTS c.ix_events_host_time ON events(host, time_ms);
CREATE INDEX IF NOT EXISTS c.ix_events_channel_eid ON events(channel, event_id);
CREATE INDEX IF NOT EXISTS c.ix_events_eid ON events(event_id);
CREATE INDEX IF NOT EXISTS c.ix_events_image ON events(image COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS c.ix_events_parent_image ON events(parent_image COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS c.ix_events_user ON events(user_name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS c.ix_events_guid ON events(process_guid);
CREATE INDEX IF NOT EXISTS c.ix_events_parent_guid ON events(parent_process_guid);
CREATE INDEX IF NOT EXISTS c.ix_events_source ON events(source_id, record_number);
`;
