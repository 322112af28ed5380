/**
 * Import throughput. Three figures, each against a baseline measured in the same run:
 *  1. normalized events into sql.js (pack + insert, one thread) on 1,000,000 generated
 *     events, against a baseline of the same rows inserted with plain sql.js bindings of
 *     JS values (the straightforward way), so the ratio shows what the insert path buys;
 *  2. the whole pipeline (read, parse JSONL, normalize, insert) on a generated 1,000,000-line
 *     NXLog-style file, through CaseClient with its worker threads;
 *  3. the corpus (EVTX, JSON zips) through the same pipeline.
 */
import { createWriteStream, rmSync } from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { CaseDb } from '../../main/db/case-db';
import { CaseClient } from '../../main/db/case-client';
import { packEvents } from '../../main/db/event-row';
import type { NormalizedEvent } from '../../shared/model/event';
import { corpus, tempDir } from '../helpers/paths';

const N = 1_000_000;
const HOSTS = ['WKS-01.corp.local', 'WKS-02.corp.local', 'SRV-DB.corp.local', 'DC01.corp.local'];
const IMAGES = ['C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'C:\\Windows\\System32\\whoami.exe', 'C:\\Program Files\\App\\app.exe'];
const PARENTS = ['C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', 'C:\\Windows\\explorer.exe', 'C:\\Windows\\System32\\services.exe'];

function flatRecord(i: number): Record<string, unknown> {
  const t = new Date(Date.UTC(2024, 0, 1) + i * 37).toISOString();
  return {
    EventTime: t.slice(0, 19).replace('T', ' '),
    '@timestamp': t,
    Hostname: HOSTS[i % HOSTS.length],
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    SourceName: 'Microsoft-Windows-Sysmon',
    EventID: 1,
    RecordNumber: i + 1,
    UtcTime: t.slice(0, 23).replace('T', ' '),
    ProcessGuid: `{8f1a${(i % 65536).toString(16).padStart(4, '0')}-5c2f-5f2b-e703-${i.toString(16).padStart(12, '0')}}`,
    ProcessId: String(1000 + (i % 30000)),
    Image: IMAGES[i % IMAGES.length],
    CommandLine: `${IMAGES[i % IMAGES.length]} /c task ${i}`,
    User: 'CORP\\analyst',
    ParentImage: PARENTS[i % PARENTS.length],
    ParentProcessGuid: `{8f1a0000-5c2f-5f2b-e703-${(i >> 3).toString(16).padStart(12, '0')}}`,
  };
}

function normalized(i: number): NormalizedEvent {
  const r = flatRecord(i);
  const data: Record<string, string> = {};
  for (const k of ['UtcTime', 'ProcessGuid', 'ProcessId', 'Image', 'CommandLine', 'User', 'ParentImage', 'ParentProcessGuid']) data[k] = String(r[k]);
  return {
    timeCreated: String(r['@timestamp']).replace('Z', '0000Z'),
    channel: String(r.Channel), provider: String(r.SourceName), eventId: 1, recordId: i + 1, computer: String(r.Hostname),
    userSid: 'S-1-5-18', level: 4, task: 1, opcode: 0, keywords: '0x8000000000000000', processId: 2032, threadId: 2020,
    data, message: null, raw: null, recovered: false, ref: { sourceId: 1, sourcePath: 'generated', recordNumber: i + 1 },
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function insertPath(): Promise<void> {
  // Baseline: the straightforward sql.js way, one bound JS value per column, on 100,000 rows.
  const base = 100_000;
  const SQL = await initSqlJs();
  const plain = new SQL.Database();
  plain.exec('CREATE TABLE events (time, host, channel, provider, event_id, record_id, image, parent_image, command_line, user_name, process_guid, parent_process_guid, data)');
  const stmt = plain.prepare('INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)');
  let t = performance.now();
  plain.exec('BEGIN');
  for (let i = 0; i < base; i++) {
    const e = normalized(i);
    const d = e.data as Record<string, string>;
    stmt.run([e.timeCreated, e.computer, e.channel, e.provider, e.eventId, e.recordId, d.Image, d.ParentImage, d.CommandLine, d.User, d.ProcessGuid, d.ParentProcessGuid, JSON.stringify(d)]);
  }
  plain.exec('COMMIT');
  const baseRate = (base * 1000) / (performance.now() - t);
  plain.close();

  const db = await CaseDb.create();
  let packMs = 0;
  let insertMs = 0;
  const batch: NormalizedEvent[] = [];
  for (let i = 0; i < N; i++) {
    batch.push(normalized(i));
    if (batch.length === 2000 || i === N - 1) {
      t = performance.now();
      const packed = packEvents(batch);
      packMs += performance.now() - t;
      t = performance.now();
      db.insertBatch(packed);
      insertMs += performance.now() - t;
      batch.length = 0;
    }
  }
  t = performance.now();
  db.ensureIndexes();
  const indexMs = performance.now() - t;
  const rate = (N * 1000) / (packMs + insertMs);
  console.log(`normalized events into sql.js: ${fmt(N)} events, pack ${fmt(packMs)} ms + insert ${fmt(insertMs)} ms -> ${fmt(rate)} events/s (one thread)`);
  console.log(`  insert alone (the db worker's share; packing runs in parse workers): ${fmt((N * 1000) / insertMs)} events/s`);
  console.log(`  baseline, plain sql.js bindings, same rows: ${fmt(baseRate)} events/s -> ratio ${(rate / baseRate).toFixed(2)}x`);
  console.log(`  index build after import: ${fmt(indexMs)} ms; case size ${(db.export().length / 1e6).toFixed(0)} MB`);
  db.close();
}

async function pipeline(): Promise<void> {
  const dir = tempDir('bench-ingest');
  const file = path.join(dir, 'generated.jsonl');
  const out = createWriteStream(file);
  for (let i = 0; i < N; i++) {
    if (!out.write(JSON.stringify(flatRecord(i)) + '\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  const client = await CaseClient.create();
  const t = performance.now();
  const r = await client.importEvidence([file]);
  const ms = performance.now() - t;
  console.log(`full pipeline, generated NXLog JSONL (${fmt(N)} lines): ${fmt(r.records)} events in ${fmt(ms)} ms -> ${fmt((r.records * 1000) / ms)} events/s`);
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}

async function corpusImport(): Promise<void> {
  for (const [label, input] of [
    ['EVTX corpus', corpus('evtx')],
    ['JSON corpus (zips)', corpus('json')],
  ] as const) {
    const client = await CaseClient.create();
    const t = performance.now();
    const r = await client.importEvidence([input]);
    const ms = performance.now() - t;
    const bytes = r.entries.reduce((a, e) => a + (e.format === 'zip' ? 0 : e.size), 0);
    console.log(`${label}: ${r.entries.length} files, ${fmt(r.records)} events, ${(bytes / 1e6).toFixed(1)} MB in ${fmt(ms)} ms -> ${fmt((r.records * 1000) / ms)} events/s, ${((bytes / 1e6) / (ms / 1000)).toFixed(1)} MB/s`);
    await client.close();
  }
}

export async function bench(): Promise<void> {
  await insertPath();
  await pipeline();
  await corpusImport();
}
