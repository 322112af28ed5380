/** `hunt` on a saved case, as tree and graph take one: the same report as on the evidence it was saved from. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CLI, corpus, tempDir } from '../../../helpers/paths';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
const LOGS = [
  corpus('evtx', 'attack-samples', 'Persistence', 'sysmon_20_21_1_CommandLineEventConsumer.evtx'),
  corpus('evtx', 'attack-samples', 'Lateral Movement', 'LM_WMI_4624_4688_TargetHost.evtx'),
];

describe('wmi-workbench hunt on a saved case', () => {
  const dir = tempDir('hunt');

  it('reports what hunt on the evidence reports; --json lists the case and its ledger', () => {
    const kase = path.join(dir, 'lm.wmicase');
    const scanned = run('scan', ...LOGS, '--case', kase);
    assert.equal(scanned.status, 0, scanned.stderr);
    const onEvidence = run('hunt', ...LOGS, '--json', path.join(dir, 'evidence.json'));
    const onCase = run('hunt', kase, '--json', path.join(dir, 'case.json'));
    assert.equal(onEvidence.status, 0, onEvidence.stderr);
    assert.equal(onCase.status, 0, onCase.stderr);
    assert.match(onEvidence.stdout, /^Detections: [1-9]\d*$/m);
    assert.match(onEvidence.stdout, /^WMI subscriptions: 1$/m);
    const report = (out: string) => out.slice(0, out.indexOf('JSON result written'));
    assert.equal(report(onCase.stdout), report(onEvidence.stdout));
    const events = Number(/^(\d+) events imported from 2 files$/m.exec(onEvidence.stderr)?.[1]);
    assert.ok(events > 0, onEvidence.stderr);
    assert.ok(onCase.stderr.includes(`case ${kase}: ${events} events from 2 files\n`), onCase.stderr);
    const ev = JSON.parse(readFileSync(path.join(dir, 'evidence.json'), 'utf8'));
    const cs = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8'));
    assert.equal(cs.case, kase);
    assert.deepEqual(cs.evidence.map((e: { path: string; sha256: string; records: number }) => [e.path, e.sha256, e.records]), ev.evidence.map((e: { path: string; sha256: string; records: number }) => [e.path, e.sha256, e.records]));
    assert.deepEqual(cs.inputErrors, []);
    assert.deepEqual(cs.summary, ev.summary);
    assert.deepEqual(cs.detections.length, ev.detections.length);
  });

  it('a case file with evidence is a usage error naming it', () => {
    const kase = path.join(dir, 'lm.wmicase');
    const r = run('hunt', kase, LOGS[0]);
    assert.equal(r.status, 2);
    assert.ok(r.stderr.includes(`${kase} is a case file: give it alone, not with evidence`), r.stderr);
  });
});
