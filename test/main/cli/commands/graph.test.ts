/** `graph` and `tree` as an analyst runs them: real processes, real corpus files, a saved case and on-the-fly import. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { CLI, corpus, tempDir } from '../../../helpers/paths';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
const CMDLINE = corpus('evtx', 'attack-samples', 'Persistence', 'sysmon_20_21_1_CommandLineEventConsumer.evtx');
const TARGET = corpus('evtx', 'attack-samples', 'Lateral Movement', 'LM_WMI_4624_4688_TargetHost.evtx');
const SOURCE = corpus('evtx', 'attack-samples', 'Lateral Movement', 'LM_WMIC_4648_rpcss.evtx');

describe('wmi-workbench graph / tree', () => {
  const dir = tempDir('graph');

  it('graph --subscription on evidence imported on the fly: Cytoscape JSON with binding -> cmd.exe', () => {
    const r = run('graph', CMDLINE, '--subscription', 'BotConsumer23');
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { elements: { nodes: Array<{ data: Record<string, unknown> }>; edges: Array<{ data: Record<string, unknown> }> } };
    const trig = doc.elements.edges.find((e) => e.data.type === 'triggers');
    assert.ok(trig);
    const target = doc.elements.nodes.find((n) => n.data.id === trig.data.target)!;
    assert.equal(target.data.p_image, 'C:\\Windows\\System32\\cmd.exe');
    assert.equal(target.data.p_pid, 2544);
    assert.ok((trig.data.evidence as Array<{ recordId: number }>).some((e) => e.recordId === 16116));
    assert.match(r.stderr, /evidence graph: \d+ nodes/);
    // Rule hits are in the graph, each linked to what its record shows (the help lists them; there were none).
    const dets = doc.elements.nodes.filter((n) => n.data.type === 'detection');
    assert.ok(dets.length > 0, 'detection nodes');
    const detected = doc.elements.edges.filter((e) => e.data.type === 'detected');
    assert.ok(dets.every((d) => detected.some((e) => e.data.source === d.data.id)));
    assert.ok(dets.some((d) => String(d.data.label).startsWith('WMI Subscription Object Created')), JSON.stringify(dets.map((d) => d.data.label)));
  });

  it('graph from a saved case, --host, GraphML to a file', () => {
    const kase = path.join(dir, 'pair.wmicase');
    const s = run('scan', SOURCE, TARGET, '--case', kase);
    assert.equal(s.status, 0, s.stderr);
    const out = path.join(dir, 'win77.graphml');
    const r = run('graph', kase, '--host', 'WIN-77LTAPHIQ1R', '--format', 'graphml', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const xml = readFileSync(out, 'utf8');
    assert.equal(XMLValidator.validate(xml), true);
    assert.match(xml, /created-remotely/);
    assert.match(xml, /calc\.exe/);
    // From the other host only what the cross-host links name: PC01 itself and the WMIC.exe that targeted this host,
    // not WMIC's parent (pid 0x86c = 2156) or anything else on PC01.
    assert.match(xml, /<data key="n_label">PC01\.example\.corp<\/data>/);
    assert.match(xml, /<data key="n_label">wmic\.exe \(1100\)<\/data>/);
    assert.doesNotMatch(xml, /\(2156\)/);
  });

  it('graph rejects two selectors and unknown formats', () => {
    assert.equal(run('graph', CMDLINE, '--host', 'a', '--process', 'b').status, 2);
    assert.equal(run('graph', CMDLINE, '--format', 'dot').status, 2);
  });

  it('tree --parent-image wmiprvse.exe on a 4688-only host shows calc.exe under WmiPrvSE, parent inferred from the PID', () => {
    const r = run('tree', TARGET, '--parent-image', 'wmiprvse.exe');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /host WIN-77LTAPHIQ1R\.example\.corp/);
    assert.match(r.stdout, /WmiPrvSE\.exe \[2792\][^\n]*\{4688#563298\}\n\s+└─ calc\.exe \[1060\][^\n]*parent: inferred from PID\s+WMI: child-of-wmiprvse\s+\{4688#563299\}/);
    const j = run('tree', TARGET, '--json', '--host', 'WIN-77LTAPHIQ1R.example.corp');
    assert.equal(j.status, 0, j.stderr);
    const data = JSON.parse(j.stdout) as { processes: Array<{ image: string; wmi: Array<{ kind: string }> }> };
    assert.ok(data.processes.some((p) => p.image.endsWith('calc.exe') && p.wmi.some((m) => m.kind === 'child-of-wmiprvse')));
    const none = run('tree', TARGET, '--host', 'nowhere');
    assert.equal(none.status, 0);
    assert.match(none.stdout, /no matching processes/);
  });
});
