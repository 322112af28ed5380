/**
 * The same evidence imported twice (a log and its copy in a zip, a live copy and a VSS copy,
 * a file brought again by a later import into the case) counts once: the copy's ledger entry
 * names the first item and holds no records, and detections, subscriptions and process trees
 * are those of one import.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import initSqlJs from 'sql.js';
import { readFile } from 'node:fs/promises';
import { CaseClient, type ImportResult } from '../../../main/db/case-client';
import { SnapshotQueries } from '../../../main/db/snapshot-queries';
import type { DetectionResult } from '../../../shared/model/detection';
import type { LedgerEntry } from '../../../shared/model/ledger';
import { corpus, tempDir } from '../../helpers/paths';
import { buildZip } from '../../helpers/zip-writer';

// Three different logs of one size (69632 bytes): a copy is possible by size, never by content.
// In the order a folder lists them (by name).
const LOGS = [
  corpus('evtx', 'attack-samples', 'Lateral Movement', 'LM_wmiexec_impacket_sysmon_whoami.evtx'),
  corpus('evtx', 'attack-samples', 'Persistence', 'sysmon_20_21_1_CommandLineEventConsumer.evtx'),
  corpus('evtx', 'attack-samples', 'Persistence', 'wmighost_sysmon_20_21_1.evtx'),
];
const NAMES = LOGS.map((f) => path.basename(f));

interface Imported {
  result: ImportResult;
  ledger: LedgerEntry[];
  events: number;
  hunt: DetectionResult;
  wmiChildren: number;
}

async function importAll(inputs: string[][], workers = 2): Promise<Imported> {
  const client = await CaseClient.create();
  try {
    let result!: ImportResult;
    for (const batch of inputs) result = await client.importEvidence(batch, { workers });
    const events = Number((await client.query('SELECT COUNT(*) AS n FROM events'))[0].n);
    const hunt = await client.runTask<DetectionResult>('hunt', {});
    const wmiChildren = (await client.runTask<unknown[]>('processesByParentImage', { parentImage: 'wmiprvse.exe' })).length;
    return { result, ledger: await client.ledger(), events, hunt, wmiChildren };
  } finally {
    await client.close();
  }
}

const where = (e: LedgerEntry) => (e.archivePath ? `${e.path}!${e.archivePath}` : e.path);

function assertCopy(e: LedgerEntry, first: LedgerEntry): void {
  assert.equal(e.duplicateOf, where(first), where(e));
  assert.equal(e.duplicateOfId, first.id);
  assert.equal(e.sha256, first.sha256);
  assert.equal(e.format, first.format);
  assert.equal(e.size, first.size);
  assert.deepEqual([e.found, e.records, e.recovered, e.rejected], [0, 0, 0, 0]);
  assert.deepEqual(e.notes, [`identical to ${where(first)} (same SHA-256): its records were not imported again`]);
}

describe('evidence imported twice is imported once', () => {
  const dir = tempDir('duplicates');
  const folder = path.join(dir, 'logs');
  const zip = path.join(dir, 'collection.zip');
  let single: Imported;

  before(async () => {
    mkdirSync(folder);
    for (const f of LOGS) copyFileSync(f, path.join(folder, path.basename(f)));
    const members = LOGS.map((f) => ({ name: `C/Windows/System32/winevt/Logs/${path.basename(f)}`, data: readFileSync(f) }));
    // The first log again, two archives deep (a VSS copy zipped inside the collection).
    const vss = buildZip([{ name: `vss1/${NAMES[0]}`, data: readFileSync(LOGS[0]) }]);
    writeFileSync(zip, buildZip([...members, { name: 'vss.zip', data: vss }]));
    single = await importAll([[folder]]);
  });

  it('a folder and a zip of the same logs: every record once, the zip members name the files they copy', async () => {
    const both = await importAll([[folder, zip]]);
    assert.equal(single.result.records, single.events);
    assert.ok(single.events > 0);
    assert.equal(both.result.records, single.result.records);
    assert.equal(both.events, single.events);

    const e = both.result.entries;
    assert.deepEqual(
      e.map((x) => x.archivePath ?? path.basename(x.path)),
      [...NAMES, 'collection.zip', ...NAMES.map((n) => `C/Windows/System32/winevt/Logs/${n}`), 'vss.zip', `vss.zip/vss1/${NAMES[0]}`],
    );
    assert.deepEqual(e.map((x) => x.id), e.map((_, i) => i + 1), 'ledger order');
    for (const x of e) assert.equal(x.found, x.records + x.rejected, where(x));
    const files = e.slice(0, 3);
    for (const f of files) assert.equal(f.duplicateOf, undefined);
    for (let i = 0; i < 3; i++) assertCopy(e[4 + i], files[i]);
    assertCopy(e[8], files[0]);
    for (const archive of [e[3], e[7]]) assert.equal(archive.duplicateOf, undefined, 'each archive is new content');
    // The case's ledger says the same (it is what a saved case reopens with).
    assert.deepEqual(both.ledger, e);
  });

  it('detections, WMI subscriptions and processes started by the WMI host are those of one import', async () => {
    const both = await importAll([[folder, zip]]);
    assert.ok(single.hunt.detections.length > 0);
    assert.equal(both.hunt.detections.length, single.hunt.detections.length);
    const evidence = (r: DetectionResult) => r.subscriptions.map((s) => s.evidence.length).sort();
    assert.deepEqual(evidence(both.hunt), evidence(single.hunt));
    assert.ok(single.wmiChildren > 0);
    assert.equal(both.wmiChildren, single.wmiChildren);
  });

  it('the first item in ledger order is the one imported, whatever the order the workers finish in', async () => {
    for (const workers of [1, 3]) {
      const zipFirst = await importAll([[zip, folder]], workers);
      const e = zipFirst.result.entries;
      assert.equal(zipFirst.events, single.events);
      assert.equal(e[1].archivePath, `C/Windows/System32/winevt/Logs/${NAMES[0]}`);
      assert.ok(e[1].records > 0);
      assertCopy(e[5], e[1]); // vss.zip/vss1/… is the first log's copy
      for (let i = 0; i < 3; i++) assertCopy(e[6 + i], e[1 + i]);
    }
  });

  it('a file brought again by a later import into the case is a copy too, also after the case is saved and reopened', async () => {
    const again = path.join(dir, 'again');
    mkdirSync(again);
    copyFileSync(LOGS[1], path.join(again, 'renamed.evtx'));
    const twice = await importAll([[folder], [again]]);
    assert.equal(twice.events, single.events);
    assert.equal(twice.result.entries.length, 1);
    const first = twice.ledger.find((x) => x.path.endsWith(NAMES[1]))!;
    assertCopy(twice.result.entries[0], first);
    assert.equal(twice.result.entries[0].id, 4);
    assert.equal(twice.hunt.detections.length, single.hunt.detections.length);

    const client = await CaseClient.create();
    const kase = path.join(dir, 'case.wmicase');
    try {
      await client.importEvidence([folder]);
      await client.save(kase);
    } finally {
      await client.close();
    }
    const reopened = await CaseClient.open(kase);
    try {
      const r = await reopened.importEvidence([zip]);
      assert.equal(r.records, 0);
      assert.equal(Number((await reopened.query('SELECT COUNT(*) AS n FROM events'))[0].n), single.events);
      const ledger = await reopened.ledger();
      for (let i = 0; i < 3; i++) assertCopy(ledger[4 + i], ledger[i]);
      assertCopy(ledger[8], ledger[0]);
    } finally {
      await reopened.close();
    }
  });

  it('a case saved before the ledger recorded copies gets the column when reopened', async () => {
    const client = await CaseClient.create();
    let bytes: Uint8Array;
    try {
      await client.importEvidence([LOGS[0]]);
      bytes = await client.exportBytes();
    } finally {
      await client.close();
    }
    const SQL = await initSqlJs();
    const old = new SQL.Database(bytes);
    old.exec('ALTER TABLE sources DROP COLUMN duplicate_of');
    const kase = path.join(dir, 'old.wmicase');
    writeFileSync(kase, old.export());
    old.close();
    // Analyst SQL on the file itself (the `query` command's snapshot) sees the column too.
    const queries = new SnapshotQueries(SnapshotQueries.ofFile(kase, (f) => readFile(f)));
    try {
      assert.deepEqual((await queries.query('SELECT id, duplicate_of FROM sources')).rows, [[1, null]]);
    } finally {
      await queries.close();
    }
    const reopened = await CaseClient.open(kase);
    try {
      assert.equal((await reopened.ledger())[0].duplicateOf, undefined);
      const r = await reopened.importEvidence([folder]);
      assert.deepEqual(r.entries.map((x) => x.duplicateOfId), [1, undefined, undefined]);
    } finally {
      await reopened.close();
    }
  });

  it('different files are not copies: same size, different bytes; empty files', async () => {
    assert.equal(new Set(LOGS.map((f) => readFileSync(f).length)).size, 1, 'the three logs have one size');
    for (const x of single.result.entries) {
      assert.equal(x.duplicateOf, undefined);
      assert.ok(x.records > 0);
    }
    assert.equal(new Set(single.result.entries.map((x) => x.sha256)).size, 3);
    const empties = path.join(dir, 'empties');
    mkdirSync(empties);
    writeFileSync(path.join(empties, 'a.json'), '');
    writeFileSync(path.join(empties, 'b.json'), '');
    const r = await importAll([[empties]]);
    // Nothing to import twice: each says it is empty, neither is called a copy.
    for (const x of r.result.entries) {
      assert.equal(x.duplicateOf, undefined);
      assert.match(x.errors.join('\n'), /empty file/);
    }
  });
});
