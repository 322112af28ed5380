/** The command line as an analyst runs it: real processes, real files, exit codes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CLI, corpus, tempDir } from '../../helpers/paths';

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
  });

  it('fails with exit code 1 when an input does not exist', () => {
    const r = run('scan', path.join(dir, 'missing.evtx'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /missing\.evtx: cannot read/);
  });
});
