/**
 * Hostile and damaged evidence: every case gives a clear, positioned error in the ledger,
 * never crashes or hangs the import, and the rest of the evidence still imports.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaseClient, type ImportResult } from '../../../main/db/case-client';
import type { LedgerEntry } from '../../../shared/model/ledger';
import { corpus, tempDir } from '../../helpers/paths';
import { buildZip } from '../../helpers/zip-writer';

const line = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ EventTime: '2024-01-02 03:04:05', Hostname: 'HOST-A', Channel: 'Security', SourceName: 'Microsoft-Windows-Security-Auditing', EventID: 4688, RecordNumber: i, NewProcessName: `C:\\x\\p${i}.exe`, ...extra });
const jsonl = (n: number) => Array.from({ length: n }, (_, i) => line(i + 1)).join('\n') + '\n';

function xmlEvent(id: number, data = 'ok'): string {
  return `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="P"/><EventID>1</EventID><TimeCreated SystemTime="2024-01-02T03:04:05.1234567Z"/><EventRecordID>${id}</EventRecordID><Channel>C</Channel><Computer>HOST-X</Computer></System><EventData><Data Name="V">${data}</Data></EventData></Event>`;
}

describe('hostile and damaged evidence', () => {
  const dir = tempDir('hostile');
  const outside = path.join(dir, 'outside');
  let client: CaseClient;
  let result: ImportResult;
  let protoExpected: Record<string, string>;
  const entry = (suffix: string): LedgerEntry => {
    const e = result.entries.find((x) => (x.archivePath ?? x.path).endsWith(suffix));
    assert.ok(e, `ledger entry for ${suffix}`);
    return e;
  };

  before(async () => {
    const ev = path.join(dir, 'evidence');
    mkdirSync(path.join(ev, 'sub'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(ev, 'slip.zip'), buildZip([{ name: '../../outside/evil.jsonl', data: Buffer.from(jsonl(3)) }]));
    const bomb = Buffer.alloc(64 * 1024 * 1024);
    writeFileSync(path.join(ev, 'bomb.zip'), buildZip([{ name: 'zeros.json', data: bomb }, { name: 'good.jsonl', data: Buffer.from(jsonl(5)) }]));
    writeFileSync(path.join(ev, 'liar.zip'), buildZip([{ name: 'liar.jsonl', data: Buffer.from(jsonl(2000)), declaredSize: 100 }]));
    const inner = buildZip([{ name: 'inner.jsonl', data: Buffer.from(jsonl(7)) }]);
    writeFileSync(path.join(ev, 'sub', 'outer.zip'), buildZip([{ name: 'nested/inner.zip', data: inner }]));
    writeFileSync(path.join(ev, 'truncated.jsonl'), jsonl(10) + line(11).slice(0, 40));
    writeFileSync(path.join(ev, 'garbage-lines.jsonl'), jsonl(3) + 'this is not json\n' + '{"broken": \n' + jsonl(2));
    writeFileSync(path.join(ev, 'bad-xml.xml'), `<Events>${xmlEvent(1)}${xmlEvent(2).replace('</EventID>', '</EventIDX>')}${xmlEvent(3)}</Events>`);
    writeFileSync(path.join(ev, 'cut.xml'), `<Events>${xmlEvent(1)}${xmlEvent(2).slice(0, 100)}`);
    writeFileSync(path.join(ev, 'utf16-nobom.xml'), Buffer.from(`<Events>${xmlEvent(1, 'ünïcödé')}${xmlEvent(2)}</Events>`, 'utf16le'));
    writeFileSync(path.join(ev, 'bad-utf8.jsonl'), Buffer.concat([Buffer.from(jsonl(2)), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a]), Buffer.from(jsonl(2))]));
    writeFileSync(path.join(ev, 'entity.xml'), `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Events>${xmlEvent(1, '&b;&b;&b;')}</Events>`);
    // Fields named like what every object inherits: 'constructor' repeated made the XML file's
    // parse fail ('prev.push is not a function'), '__proto__' was dropped.
    const inherited = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    const protoData = inherited.map((n) => `<Data Name="${n}">${n}-1</Data><Data Name="${n}">${n}-2</Data>`).join('');
    writeFileSync(path.join(ev, 'proto.xml'), `<Events>${xmlEvent(1).replace(/<EventData>.*<\/EventData>/, `<EventData>${protoData}</EventData>`)}${xmlEvent(2)}</Events>`);
    const protoFields = Object.fromEntries(inherited.map((n) => [n, `${n}-v`]));
    writeFileSync(path.join(ev, 'proto.jsonl'), [
      `{"Event":{"System":{"EventID":1,"Channel":"C","Computer":"H","EventRecordID":1},"EventData":{${inherited.map((n) => `"${n}":"${n}-v"`).join(',')}}}}`,
      `{"EventTime":"2024-01-02 03:04:05","Hostname":"H","Channel":"C","SourceName":"S","EventID":1,"RecordNumber":2,${inherited.map((n) => `"${n}":"${n}-v"`).join(',')}}`,
      `{"@timestamp":"2024-01-02T03:04:05Z","winlog":{"channel":"C","event_id":1,"record_id":3,"computer_name":"H","event_data":{${inherited.map((n) => `"${n}":"${n}-v"`).join(',')}}}}`,
    ].join('\n') + '\n');
    writeFileSync(path.join(ev, 'proto-audit.txt'), `\r\n__GENUS   : 2\r\n__CLASS   : __EventFilter\r\nName      : x\r\n__proto__ : p\r\n            q\r\nconstructor : c\r\n`);
    protoExpected = protoFields;
    writeFileSync(path.join(ev, 'random.bin'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
    writeFileSync(path.join(ev, 'empty.json'), '');
    const evtx = readFileSync(corpus('evtx', 'parser-edge-cases', 'security.evtx'));
    writeFileSync(path.join(ev, 'cut.evtx'), evtx.subarray(0, 4096 + 65536 + 30000));
    writeFileSync(path.join(outside, 'secret.jsonl'), jsonl(1));
    symlinkSync(path.join(outside, 'secret.jsonl'), path.join(ev, 'link.jsonl'));
    client = await CaseClient.create();
    result = await client.importEvidence([ev]);
  });
  after(() => client.close());

  it('reconciles found = imported + rejected for every file', () => {
    for (const e of result.entries) assert.equal(e.found, e.records + e.rejected, e.archivePath ?? e.path);
  });

  it('reads a zip-slip member in place, flags it and writes nothing outside', () => {
    const e = entry('evil.jsonl');
    assert.equal(e.records, 3);
    assert.match(e.errors.join('\n'), /zip-slip/);
    assert.equal(existsSync(path.join(outside, 'evil.jsonl')), false);
    assert.equal(existsSync(path.resolve(dir, '..', 'outside', 'evil.jsonl')), false);
  });

  it('refuses a zip bomb by ratio and still imports the archive\'s other member', () => {
    const bomb = entry('zeros.json');
    assert.equal(bomb.records, 0);
    assert.match(bomb.errors.join('\n'), /zip bomb: compression ratio \d+:1/);
    assert.equal(entry('good.jsonl').records, 5);
  });

  it('stops a member that inflates past its declared size, with an error', () => {
    const e = entry('liar.jsonl');
    assert.ok(e.errors.some((x) => /too many bytes|read failed|size/i.test(x)), e.errors.join('\n'));
    assert.equal(e.found, e.records + e.rejected);
  });

  it('opens a zip inside a zip inside a folder', () => {
    const e = entry('nested/inner.zip/inner.jsonl');
    assert.equal(e.records, 7);
    assert.equal(e.format, 'json-flat');
  });

  it('rejects a truncated last JSON record with its line and offset', () => {
    const e = entry('truncated.jsonl');
    assert.equal(e.records, 10);
    assert.equal(e.rejected, 1);
    assert.equal(e.rejectedRecords[0].recordNumber, 11);
    assert.equal(e.rejectedRecords[0].offset, Buffer.byteLength(jsonl(10)));
    assert.match(e.rejectedRecords[0].reason, /truncated JSON record \(line 11\)/);
  });

  it('rejects garbage lines between JSON records and keeps the rest', () => {
    const e = entry('garbage-lines.jsonl');
    assert.equal(e.records, 5);
    assert.ok(e.rejected >= 1);
    assert.equal(e.rejectedRecords[0].recordNumber, 4);
  });

  it('rejects a malformed XML event with its position, imports its neighbours', () => {
    const e = entry('bad-xml.xml');
    assert.equal(e.records, 2);
    assert.equal(e.rejected, 1);
    assert.match(e.rejectedRecords[0].reason, /malformed XML event at line 1/);
    assert.equal(e.rejectedRecords[0].offset, '<Events>'.length + xmlEvent(1).length);
    const cut = entry('cut.xml');
    assert.equal(cut.records, 1);
    assert.match(cut.rejectedRecords[0].reason, /truncated XML event/);
  });

  it('keeps fields named like inherited members (__proto__, constructor, toString) in every format', async () => {
    const xml = entry('proto.xml');
    assert.deepEqual([xml.found, xml.records, xml.rejected, xml.errors], [2, 2, 0, []]);
    const [x] = await client.query('SELECT data FROM events WHERE source_id = ? ORDER BY id LIMIT 1', [xml.id]);
    assert.deepEqual(JSON.parse(String(x.data)), Object.fromEntries(Object.keys(protoExpected).map((n) => [n, [`${n}-1`, `${n}-2`]])));
    const json = entry('proto.jsonl');
    assert.deepEqual([json.found, json.records, json.rejected], [3, 3, 0]);
    const rows = await client.query('SELECT record_id, data FROM events WHERE source_id = ? ORDER BY record_id', [json.id]);
    assert.equal(rows.length, 3);
    for (const r of rows) {
      const data = JSON.parse(String(r.data));
      for (const [k, v] of Object.entries(protoExpected)) assert.equal(Object.prototype.hasOwnProperty.call(data, k) && data[k], v, `record ${r.record_id} field ${k}`);
    }
    const audit = entry('proto-audit.txt');
    assert.deepEqual([audit.format, audit.records, audit.errors], ['wmi-audit', 1, []]);
    const [a] = await client.query('SELECT data FROM events WHERE source_id = ?', [audit.id]);
    const ad = JSON.parse(String(a.data));
    assert.equal(Object.prototype.hasOwnProperty.call(ad, '__proto__') && ad.__proto__, 'pq');
    assert.equal(ad.constructor, 'c');
  });

  it('decodes UTF-16LE without a BOM', async () => {
    const e = entry('utf16-nobom.xml');
    assert.equal(e.records, 2);
    const [r] = await client.query(`SELECT json_extract(data, '$.V') AS v FROM events WHERE source_id = ? ORDER BY id LIMIT 1`, [e.id]);
    assert.equal(r.v, 'ünïcödé');
  });

  it('names the byte offset of invalid UTF-8 and imports the records', () => {
    const e = entry('bad-utf8.jsonl');
    assert.match(e.errors.join('\n'), /invalid text encoding at byte offset \d+/);
    assert.equal(e.records, 4);
  });

  it('never expands entities declared by the evidence', async () => {
    const e = entry('entity.xml');
    assert.equal(e.found, e.records + e.rejected);
    const rows = await client.query(`SELECT data FROM events WHERE source_id = ?`, [e.id]);
    for (const r of rows) assert.doesNotMatch(String(r.data), /aaaaaaaaaa/);
  });

  it('says when content is not evidence, and when a file is empty', () => {
    assert.match(entry('random.bin').errors.join('\n'), /unrecognised content/);
    assert.equal(entry('random.bin').format, 'unknown');
    assert.match(entry('empty.json').errors.join('\n'), /empty file/);
  });

  it('parses what it can of a truncated EVTX file', () => {
    const e = entry('cut.evtx');
    assert.equal(e.format, 'evtx');
    assert.ok(e.records > 100, `records from the complete chunk: ${e.records}`);
    assert.equal(e.found, e.records + e.rejected);
  });

  it('does not follow symbolic links found inside folders', () => {
    assert.ok(result.inputErrors.some((x) => x.path.endsWith('link.jsonl') && /symbolic link/.test(x.error)));
    assert.equal(result.entries.some((x) => x.path.endsWith('link.jsonl')), false);
  });
});
