/** The command line as an analyst runs it: real processes, real files, exit codes. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CLI, corpus, tempDir } from '../../helpers/paths';
import { buildZip } from '../../helpers/zip-writer';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });

describe('wmi-workbench CLI', () => {
  const dir = tempDir('cli');

  it('prints usage and fails without a command', () => {
    const r = run();
    assert.equal(r.status, 2);
    assert.match(r.stdout, /Usage:/);
    assert.match(r.stdout, /scan/);
  });

  it('rejects unknown commands and options with exit code 2', () => {
    assert.equal(run('frobnicate').status, 2);
    const r = run('scan', '--nope', 'x');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown option --nope/);
    // An overlong value is named by its option (it reached the task as 'parentImage must be a string').
    const long = run('tree', 'x.evtx', '--parent-image', 'w'.repeat(5000));
    assert.equal(long.status, 2);
    assert.match(long.stderr, /--parent-image: the value is longer than 4096 characters/);
  });

  it('scan writes the JSON result and the case; query reads it', () => {
    const json = path.join(dir, 'scan.json');
    const kase = path.join(dir, 'scan.wmicase');
    const evtx = corpus('evtx', 'attack-samples', 'Persistence', 'sysmon_20_21_1_CommandLineEventConsumer.evtx');
    const r = run('scan', corpus('json', 'otrf', 'wmic_remote_xsl_jscript.zip'), evtx, '--json', json, '--case', kase);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /events imported/);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    assert.ok(Array.isArray(doc.evidence));
    for (const e of doc.evidence) {
      for (const k of ['path', 'sha256', 'format', 'records', 'rejected']) assert.ok(k in e, `evidence.${k}`);
      assert.equal(e.found, e.records + e.rejected);
    }
    const evtxEntry = doc.evidence.find((e: { path: string }) => e.path.endsWith('CommandLineEventConsumer.evtx'));
    assert.equal(evtxEntry.format, 'evtx');
    assert.equal(doc.stats.records, doc.evidence.reduce((a: number, e: { records: number }) => a + e.records, 0));
    const q = run('query', kase, 'SELECT COUNT(*) AS n FROM events', '--json');
    assert.equal(q.status, 0, q.stderr);
    assert.equal(JSON.parse(q.stdout).rows[0].n, doc.stats.records);
    const w = run('query', kase, 'DELETE FROM events');
    assert.equal(w.status, 1);
    assert.match(w.stderr, /only SELECT/);
    assert.equal(statSync(kase).mode & 0o777, 0o600, 'the case file is readable by its owner only');
    // Comments before the statement, as the SQL screen's example has them.
    const c = run('query', kase, '-- events per id\n/* all of them */\nSELECT COUNT(*) AS n FROM events', '--json');
    assert.equal(c.status, 0, c.stderr);
    assert.equal(JSON.parse(c.stdout).rows[0].n, doc.stats.records);
    assert.equal(run('query', kase, '-- no\nDELETE FROM events').status, 1);
  });

  it('query stops a statement that does not end after --time-limit seconds (30 by default)', () => {
    const kase = path.join(dir, 'endless.wmicase');
    assert.equal(run('scan', corpus('evtx', 'attack-samples', 'Persistence', 'wmighost_sysmon_20_21_1.evtx'), '--case', kase).status, 0);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [CLI, 'query', kase, 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c', '--time-limit', '1.5'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /query stopped after 1\.5 s/);
    assert.ok(Date.now() - t0 < 20_000, `${Date.now() - t0} ms`);
    for (const bad of ['0', '-1', 'soon', '']) {
      const u = run('query', kase, 'SELECT 1', '--time-limit', bad);
      assert.equal(u.status, 2, bad);
      assert.match(u.stderr, /--time-limit takes a number of seconds/);
    }
  });

  it('never writes an output over evidence: --json swallowing an evidence file, inputs, read-only files; --force for the rest', () => {
    const ev = path.join(dir, 'ev');
    mkdirSync(ev);
    const a = path.join(ev, 'wmighost_sysmon_20_21_1.evtx');
    const b = path.join(ev, 'sysmon_20_21_1_CommandLineEventConsumer.evtx');
    copyFileSync(corpus('evtx', 'attack-samples', 'Persistence', 'wmighost_sysmon_20_21_1.evtx'), a);
    copyFileSync(corpus('evtx', 'attack-samples', 'Persistence', 'sysmon_20_21_1_CommandLineEventConsumer.evtx'), b);
    for (const f of [a, b]) chmodSync(f, 0o644); // (copies keep the read-only corpus's mode)
    const original = readFileSync(a);
    const unchanged = () => assert.ok(readFileSync(a).equals(original), 'the evidence file is unchanged');
    // The slip: --json meant as a switch takes the first evidence file as its value.
    let r = run('scan', '--json', a, b);
    assert.equal(r.status, 2, r.stdout);
    assert.match(r.stderr, /--json .*wmighost_sysmon_20_21_1\.evtx: exists; add --force to replace it/);
    assert.doesNotMatch(r.stdout, /events imported/, 'refused before any work');
    unchanged();
    for (const cmd of [['hunt', '--json', a, b], ['graph', b, '--out', a]]) {
      r = run(...cmd);
      assert.equal(r.status, 2, `${cmd[0]}: ${r.stderr}`);
      unchanged();
    }
    // Named as an input, or inside an input folder: never, --force or not.
    r = run('scan', a, '--json', a, '--force');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /is evidence named as an input; it is never replaced/);
    r = run('scan', ev, '--case', a, '--force');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /is evidence named as an input/);
    unchanged();
    // Read-only (as evidence is kept): never, even for the superuser these tests may run as.
    chmodSync(a, 0o444);
    r = run('hunt', b, '--json', a, '--force');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /exists and is read-only; it is never replaced/);
    unchanged();
    // An earlier result of ours, replaced on request only.
    const out = path.join(dir, 'earlier.json');
    writeFileSync(out, '{"earlier": true}');
    assert.equal(run('scan', b, '--json', out).status, 2);
    assert.equal(readFileSync(out, 'utf8'), '{"earlier": true}');
    r = run('scan', b, '--json', out, '--force');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).tool, 'wmi-workbench');
    // A folder that does not exist is named at once, not after the import.
    r = run('scan', b, '--json', path.join(dir, 'no-such-folder', 'x.json'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /folder .*no-such-folder does not exist/);
  });

  it('exit code 1 when an input could not be read (not for an empty file); FIFOs and devices reported, never read', () => {
    const d = path.join(dir, 'odd');
    mkdirSync(d);
    const notes = path.join(d, 'notes.evtx');
    writeFileSync(notes, 'these are not events\n');
    const empty = path.join(d, 'empty.evtx');
    writeFileSync(empty, '');
    const trunc = path.join(d, 'trunc.zip');
    const zip = readFileSync(corpus('json', 'otrf', 'wmic_remote_xsl_jscript.zip'));
    writeFileSync(trunc, zip.subarray(0, zip.length >> 1));
    let r = run('scan', notes);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /unrecognised content/);
    r = run('hunt', notes);
    assert.equal(r.status, 1);
    r = run('scan', trunc);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /unreadable archive/);
    r = run('scan', empty);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /empty file/);
    // A FIFO in a folder is named, not skipped in silence nor waited on; given directly, likewise; a device too.
    const fifo = path.join(d, 'fifo.evtx');
    execFileSync('mkfifo', [fifo]);
    r = spawnSync(process.execPath, [CLI, 'scan', d], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /fifo\.evtx: not a regular file \(a FIFO, socket or device\): not read/);
    assert.match(r.stdout, /empty\.evtx/, 'the rest of the folder is read');
    for (const args of [['scan', fifo], ['scan', '/dev/zero']]) {
      r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /not a regular file/);
    }
    for (const [target, why] of [[fifo, /not a regular file/], [d, /is a folder: dump takes EVTX files/]] as const) {
      r = spawnSync(process.execPath, [CLI, 'dump', target], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, why);
    }
  });

  it('scan and hunt: a zip of the logs beside them adds no records, the ledger names each copy, exit code 0', () => {
    const logs = path.join(dir, 'logs');
    mkdirSync(logs);
    const names = ['sysmon_20_21_1_CommandLineEventConsumer.evtx', 'wmighost_sysmon_20_21_1.evtx'];
    for (const n of names) copyFileSync(corpus('evtx', 'attack-samples', 'Persistence', n), path.join(logs, n));
    const zip = path.join(dir, 'logs.zip');
    writeFileSync(zip, buildZip(names.map((n) => ({ name: n, data: readFileSync(path.join(logs, n)) }))));
    const json = path.join(dir, 'copies.json');
    const r = run('scan', logs, zip, '--json', json);
    assert.equal(r.status, 0, r.stderr);
    for (const n of names) {
      assert.ok(r.stdout.includes(`      = identical to ${path.join(logs, n)} (same SHA-256): its records were not imported again\n`), r.stdout);
    }
    assert.match(r.stdout, /from 5 files \(2 identical to files imported before them: not imported again\)/);
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(doc.stats.duplicates, 2);
    const copies = doc.evidence.filter((e: { duplicateOf?: string }) => e.duplicateOf);
    assert.deepEqual(copies.map((e: { archivePath: string; duplicateOf: string }) => [e.archivePath, e.duplicateOf]), names.map((n) => [n, path.join(logs, n)]));
    for (const e of copies) assert.deepEqual([e.found, e.records, e.rejected], [0, 0, 0]);
    const detections = (out: string) => out.match(/^Detections: (\d+)$/m)?.[1];
    const once = run('hunt', logs);
    const twice = run('hunt', logs, zip);
    assert.equal(twice.status, 0, twice.stderr);
    assert.ok(Number(detections(once.stdout)) > 0, once.stdout);
    assert.equal(detections(twice.stdout), detections(once.stdout));
    assert.match(twice.stderr, /from 5 files \(2 identical to files imported before them: not imported again\)/);
  });

  it('fails with exit code 1 when an input does not exist', () => {
    const r = run('scan', path.join(dir, 'missing.evtx'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /missing\.evtx: cannot read/);
  });
});
