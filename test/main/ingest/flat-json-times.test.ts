/**
 * Times of flat (NXLog/Mordor) JSON records end to end, through the case client: local
 * times put in UTC with one offset per host, records shipped late neither moved nor
 * passed over in silence, every exporter time form read the same on any workstation
 * whatever its zone, unreadable times imported with no time and counted, and 64-bit
 * integers kept exact. The inputs are the records of the exploratory run's crafted files.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaseClient, type ImportResult } from '../../../main/db/case-client';
import type { LedgerEntry } from '../../../shared/model/ledger';
import { REPO_ROOT, tempDir } from '../../helpers/paths';

const security = { Channel: 'Security', SourceName: 'Microsoft-Windows-Security-Auditing' };
const jsonl = (records: object[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** nxlog_lagged_timestamp.jsonl: UTC-4; record 101's @timestamp arrives 9.5 minutes late (EventReceivedTime is local, as NXLog writes it). */
const lagged = [
  ['2020-09-21 00:14:36', '2020-09-21T04:14:36.000Z'],
  ['2020-09-21 00:15:00', '2020-09-21T04:24:30.000Z'],
  ['2020-09-21 00:15:10', '2020-09-21T04:15:11.000Z'],
].map(([local, ts], i) => ({
  EventTime: local, EventReceivedTime: local, '@timestamp': ts, Hostname: 'WS1.corp.local', ...security, EventID: 4688, RecordNumber: 100 + i,
  NewProcessName: 'C:\\Windows\\System32\\cmd.exe', ParentProcessName: 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', CommandLine: `cmd.exe /c whoami #${i}`,
}));

/** nxlog_time_formats.jsonl: one moment (04:14:36 UTC, local UTC-4) in the forms exporters write it, plus an en-US 12-hour one. */
const formats = [
  '2020-09-21T00:14:36-04:00', '2020-09-21T00:14:36.123456-0400', '2020-09-21 00:14:36 -0400', '2020-09-21T04:14:36.1234567Z',
  '09/21/2020 00:14:36', '2020-09-21T00:14:36', '9/21/2020 12:14:36 AM',
].map((t, i) => ({ EventTime: t, Hostname: 'WS3', ...security, EventID: 4624, RecordNumber: i + 1 }));

/** Times no exporter we know writes, and an empty one: imported with no time, never read in the workstation's zone. */
const unread = [
  { EventTime: '21.09.2020 00:14:36', Hostname: 'WS4', ...security, EventID: 4624, RecordNumber: 1 },
  { EventTime: '2020-09-21 00:14:36', Hostname: 'WS4', ...security, EventID: 4624, RecordNumber: 2 },
  { EventTime: 'Sep 21 2020 12:14:36 AM', Hostname: 'WS4', ...security, EventID: 4624, RecordNumber: 3 },
  { EventTime: '', Hostname: 'WS4', ...security, EventID: 4624, RecordNumber: 4 },
];

/** 64-bit integers as NXLog writes them (Keywords is a signed 64-bit mask), in the three JSON shapes. */
const bigIntegers =
  '{"EventTime":"2020-09-21 00:14:36","@timestamp":"2020-09-21T04:14:38.806Z","Hostname":"WS5","Channel":"Security","SourceName":"S","EventID":4624,"RecordNumber":1,"Keywords":-9223372036854775808,"TargetLogonId":18446744073709551615,"Small":12}\n' +
  '{"@timestamp":"2020-09-21T04:14:38.806Z","winlog":{"channel":"Security","event_id":4624,"computer_name":"WS5","keywords":[-9214364837600034816],"event_data":{"TargetLogonId":18446744073709551615}}}\n' +
  '{"Event":{"System":{"EventID":4624,"Channel":"Security","Computer":"WS5","TimeCreated":{"#attributes":{"SystemTime":"2020-09-21T04:14:36Z"}}},"EventData":{"TargetLogonId":18446744073709551615}}}\n';

function writeInputs(dir: string): void {
  writeFileSync(path.join(dir, 'nxlog_lagged_timestamp.jsonl'), jsonl(lagged));
  writeFileSync(path.join(dir, 'nxlog_time_formats.jsonl'), jsonl(formats));
  writeFileSync(path.join(dir, 'unread_times.jsonl'), jsonl(unread));
  writeFileSync(path.join(dir, 'big_integers.jsonl'), bigIntegers);
}

describe('flat JSON times and numbers', () => {
  const dir = tempDir('flat-times');
  let client: CaseClient;
  let result: ImportResult;
  const entry = (name: string): LedgerEntry => result.entries.find((e) => e.path.endsWith(name))!;
  const times = async (name: string) =>
    (await client.query('SELECT record_id, time, time_ms FROM events WHERE source_id = ? ORDER BY record_id', [entry(name).id])).map((r) => [r.record_id, r.time, r.time_ms]);

  before(async () => {
    writeInputs(dir);
    client = await CaseClient.create();
    result = await client.importEvidence([dir]);
  });
  after(() => client.close());

  it('one offset per host: a record shipped late keeps its own time and order, and its disagreement is in the ledger', async () => {
    assert.deepEqual(await times('nxlog_lagged_timestamp.jsonl'), [
      [100, '2020-09-21T04:14:36Z', Date.parse('2020-09-21T04:14:36Z')],
      [101, '2020-09-21T04:15:00Z', Date.parse('2020-09-21T04:15:00Z')], // was 04:30:00Z, after record 102
      [102, '2020-09-21T04:15:10Z', Date.parse('2020-09-21T04:15:10Z')],
    ]);
    const e = entry('nxlog_lagged_timestamp.jsonl');
    assert.equal(e.records, 3);
    assert.equal(e.errors.length, 1);
    assert.match(
      e.errors[0],
      /nxlog_lagged_timestamp\.jsonl: 1 of 3 events of host WS1\.corp\.local: their own UTC reference \(@timestamp\) is \+9m30s off the time the host's zone offset UTC-04:00 gives \(more than 2 minutes; first at line 2\); they keep the host's offset, which 2 of 3 references agree on/,
    );
  });

  it('reads every exporter form; zone-less ones take the offset the host\'s zoned records state', async () => {
    assert.deepEqual((await times('nxlog_time_formats.jsonl')).map((r) => r[1]), [
      '2020-09-21T04:14:36Z', '2020-09-21T04:14:36.123456Z', '2020-09-21T04:14:36Z', '2020-09-21T04:14:36.1234567Z',
      '2020-09-21T04:14:36Z', '2020-09-21T04:14:36Z', '2020-09-21T04:14:36Z',
    ]);
    assert.deepEqual(entry('nxlog_time_formats.jsonl').errors.map((x) => x.replace(/^.*?jsonl: /, '')), [
      '2 events write their time month first (M/D/YYYY, as Windows and NXLog print it in en-US), read so (first at line 5: "09/21/2020 00:14:36"); a day-first export would be misread',
    ]);
  });

  it('an unreadable time is no time, counted with the first one in the ledger; the record is imported', async () => {
    assert.deepEqual(await times('unread_times.jsonl'), [
      [1, '', null],
      [2, '2020-09-21T00:14:36Z', Date.parse('2020-09-21T00:14:36Z')],
      [3, '', null],
      [4, '', null],
    ]);
    const e = entry('unread_times.jsonl');
    assert.equal(e.records, 4);
    assert.equal(e.firstTime, '2020-09-21T00:14:36Z');
    assert.deepEqual(e.errors.map((x) => x.replace(/^.*?jsonl: /, '')), [
      '1 events of host WS4 carry local times with no zone and no usable UTC reference to infer one: taken as UTC',
      '3 events have a time in no format we read, imported with no time (first at line 1: "21.09.2020 00:14:36")',
    ]);
  });

  it('keeps integers beyond 2^53 exact in every JSON shape', async () => {
    const rows = await client.query(
      `SELECT keywords, json_extract(data, '$.TargetLogonId') AS logon, json_extract(data, '$.Small') AS small FROM events WHERE source_id = ? ORDER BY record_number`,
      [entry('big_integers.jsonl').id],
    );
    assert.deepEqual(rows.map((r) => [r.keywords, r.logon, r.small ?? null]), [
      ['-9223372036854775808', '18446744073709551615', '12'],
      ['-9214364837600034816', '18446744073709551615', null],
      [null, '18446744073709551615', null],
    ]);
  });

  it('gives the same times and ledger whatever the workstation\'s zone', () => {
    const code = `
      const { CaseClient } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist/main/db/case-client.js'))});
      (async () => {
        const c = await CaseClient.create();
        const r = await c.importEvidence([${JSON.stringify(dir)}]);
        const rows = await c.query('SELECT source_id, record_id, time, time_ms FROM events ORDER BY source_id, record_id, id');
        const zone = new Date(Date.UTC(2020, 8, 21)).getTimezoneOffset();
        process.stdout.write(JSON.stringify({ zone, rows, ledger: r.entries.map((e) => [e.path, e.firstTime, e.lastTime, e.errors]) }));
        await c.close();
      })();`;
    const run = (TZ: string) => JSON.parse(execFileSync(process.execPath, ['-e', code], { env: { ...process.env, TZ }, encoding: 'utf8' }));
    const utc = run('UTC');
    assert.equal(utc.zone, 0);
    for (const tz of ['America/New_York', 'Asia/Tokyo']) {
      const other = run(tz);
      assert.notEqual(other.zone, 0, `${tz} is in effect in the child`);
      assert.deepEqual(other.rows, utc.rows, tz);
      assert.deepEqual(other.ledger, utc.ledger, tz);
    }
    assert.ok(utc.rows.some((r: { time: string }) => r.time === '2020-09-21T04:14:36Z'));
  });
});
