import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NormalizedEvent } from '../../../shared/model/event';
import type { ProcessInfo } from '../../../shared/model/graph';
import { CaseDb } from '../../../main/db/case-db';
import { buildProcessForest, eventsByParentImage, forestData, processesByParentImage } from '../../../main/correlation/process-tree';
import { correlated, recs, SAMPLES } from './helpers';

const byRecord = (procs: Iterable<ProcessInfo>, eventId: number, recordId: number): ProcessInfo => {
  const p = [...procs].find((x) => x.evidence.some((e) => e.eventId === eventId && e.recordId === recordId) && !x.sources.includes('stub'));
  assert.ok(p, `process of ${eventId}:${recordId}`);
  return p;
};

test('4688-only target host: the parent of calc.exe comes from the creator PID, marked inferred', async () => {
  const { c } = await correlated(SAMPLES.targetHost4688);
  const procs = [...c.forest.processes.values()];
  const wmiprvse = byRecord(procs, 4688, 563298);
  const calc = byRecord(procs, 4688, 563299);
  assert.equal(wmiprvse.image, 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe');
  assert.equal(wmiprvse.pid, 0xae8);
  assert.equal(calc.image, 'C:\\Windows\\System32\\calc.exe');
  assert.equal(calc.parentPid, 0xae8);
  assert.equal(calc.parentId, wmiprvse.id);
  assert.deepEqual(calc.parentLink && { c: calc.parentLink.confidence, i: calc.parentLink.inferred }, { c: 'inferred-time', i: true });
  assert.deepEqual(calc.wmi.map((m) => m.kind), ['child-of-wmiprvse']);
  // WmiPrvSE's own creator (0x248, svchost DcomLaunch) is not in the file: a stub known from the record.
  const stub = c.forest.processes.get(wmiprvse.parentId!)!;
  assert.deepEqual(stub.sources, ['stub']);
  assert.equal(stub.pid, 0x248);
  assert.deepEqual(recs(stub.evidence), ['4688:563298']);
  // The filter "parent process = wmiprvse.exe" over the tree and over events.
  assert.deepEqual(processesByParentImage(c.forest, 'wmiprvse.exe').map((p) => p.id), [calc.id]);
  assert.deepEqual(processesByParentImage(c.forest, 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe').map((p) => p.id), [calc.id]);
  assert.deepEqual(processesByParentImage(c.forest, 'svchost.exe'), []);
});

test('events filter by parent image: logged parent names and PID-resolved parents', async () => {
  const { db, c } = await correlated(SAMPLES.targetHost4688);
  const rows = eventsByParentImage(db, c.forest, 'WMIPRVSE');
  const calcRow = c.forest.processes.get(processesByParentImage(c.forest, 'wmiprvse')[0].id)!.evidence[0].eventRowId;
  assert.deepEqual(rows, [{ eventRowId: calcRow, resolved: true }]);
  const { db: db2, c: c2 } = await correlated(SAMPLES.wmiexec);
  const logged = eventsByParentImage(db2, c2.forest, 'wmiprvse.exe');
  assert.equal(logged.length, 3);
  assert.ok(logged.every((r) => !r.resolved));
});

test('impacket wmiexec: cmd.exe children of WmiPrvSE by ParentProcessGuid, whoami under cmd.exe', async () => {
  const { c } = await correlated(SAMPLES.wmiexec);
  const procs = [...c.forest.processes.values()];
  const cmds = [9826, 9827, 9828].map((r) => byRecord(procs, 1, r));
  const parent = c.forest.processes.get(cmds[0].parentId!)!;
  assert.equal(parent.guid, '{365abb72-b0c0-5cc8-0000-001017c31c00}');
  assert.equal(parent.image, 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe');
  assert.equal(parent.pid, 836);
  // Known only from its children's records (ParentCommandLine of 9826).
  assert.deepEqual(parent.sources, ['stub']);
  assert.equal(parent.commandLine, 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding');
  for (const cmd of cmds) {
    assert.equal(cmd.parentId, parent.id);
    assert.equal(cmd.parentLink?.confidence, 'exact-id');
    assert.equal(cmd.parentLink?.inferred, false);
    assert.ok(cmd.wmi.some((m) => m.kind === 'child-of-wmiprvse'));
  }
  const whoami = byRecord(procs, 1, 9829);
  assert.equal(whoami.parentId, cmds[2].id);
  assert.deepEqual(whoami.wmi, []);
  const data = forestData(c.forest, { parentImage: 'wmiprvse.exe' });
  assert.deepEqual(data.processes.map((p) => p.pid).sort((a, b) => a! - b!), [836, 2504, 2828, 3328, 3840]);
});

test('WMIC with explicit credentials (4688 only): WMIC.exe marked, creator from the record', async () => {
  const { c } = await correlated(SAMPLES.wmic4648);
  const wmic = byRecord(c.forest.processes.values(), 4688, 433308);
  assert.equal(wmic.pid, 0x44c);
  assert.deepEqual(wmic.wmi.map((m) => m.kind), ['wmic']);
  const parent = c.forest.processes.get(wmic.parentId!)!;
  assert.equal(parent.pid, 0x86c);
  assert.deepEqual(parent.sources, ['stub']);
});

test('OTRF covenant (NXLog JSON): Sysmon 1 and 4688 of one creation merge; GruntHTTP2 under WmiPrvSE', async () => {
  const { c } = await correlated(SAMPLES.covenant);
  const procs = [...c.forest.processes.values()];
  const grunt = byRecord(procs, 1, 334850);
  assert.deepEqual(recs(grunt.evidence).sort(), ['1:334850', '4688:99387']);
  assert.deepEqual(grunt.sources, ['sysmon', 'security']);
  assert.equal(grunt.host, 'WORKSTATION6.theshire.local');
  const wmiprvse = c.forest.processes.get(grunt.parentId!)!;
  assert.ok(recs(wmiprvse.evidence).includes('1:334801') && recs(wmiprvse.evidence).includes('4688:99368'));
  assert.equal(grunt.parentLink?.confidence, 'exact-id');
  assert.ok(grunt.wmi.some((m) => m.kind === 'child-of-wmiprvse'));
  const conhost = byRecord(procs, 4688, 99388);
  assert.equal(conhost.parentId, grunt.id);
  // One node per creation: the 4688 of GruntHTTP2 did not create a second process.
  assert.equal(procs.filter((p) => /GruntHTTP2/i.test(p.image)).length, 1);
});

test('OTRF empire: PowerShell started by WmiPrvSE, marked for WMI parent and WMI cmdlets', async () => {
  const { c } = await correlated(SAMPLES.empire);
  const ps = byRecord(c.forest.processes.values(), 1, 3215160);
  assert.ok(recs(ps.evidence).includes('4688:768477'));
  assert.equal(c.forest.processes.get(ps.parentId!)!.evidence.some((e) => e.recordId === 3215112), true);
  assert.ok(ps.wmi.some((m) => m.kind === 'child-of-wmiprvse'));
  // PowerShell logging (4103, System ProcessID 9804 = this process) shows Get-WmiObject in it.
  const cmdlets = ps.wmi.find((m) => m.kind === 'powershell-wmi');
  assert.ok(cmdlets);
  assert.deepEqual(recs(cmdlets.evidence).slice(0, 2), ['4103:8683', '4103:8684']);
  const whoami = byRecord(c.forest.processes.values(), 1, 3215794);
  assert.equal(whoami.parentId, ps.id);
});

// ---- PID reuse, on records built for the purpose

function sec(eventId: 4688 | 4689, time: string, recordId: number, data: Record<string, string>): NormalizedEvent {
  return {
    timeCreated: time, channel: 'Security', provider: 'Microsoft-Windows-Security-Auditing', eventId, recordId, computer: 'HOSTA',
    userSid: null, level: 0, task: null, opcode: null, keywords: null, processId: 4, threadId: null, data, message: null, raw: null,
    recovered: false, ref: { sourceId: 1, sourcePath: 'synthetic' },
  };
}

test('PID reuse: a 4688 creator PID resolves to the creation alive at the time, never across an exit', async () => {
  const db = await CaseDb.create();
  db.insertEvents([
    sec(4688, '2024-01-01T10:00:00.0000000Z', 1, { NewProcessId: '0x100', NewProcessName: 'C:\\a\\first.exe', ProcessId: '0x4', CommandLine: '' }),
    sec(4688, '2024-01-01T10:00:01.0000000Z', 2, { NewProcessId: '0x200', NewProcessName: 'C:\\a\\early.exe', ProcessId: '0x100', CommandLine: '' }),
    sec(4689, '2024-01-01T10:00:02.0000000Z', 3, { ProcessId: '0x100', ProcessName: 'C:\\a\\first.exe' }),
    sec(4688, '2024-01-01T10:00:03.0000000Z', 4, { NewProcessId: '0x300', NewProcessName: 'C:\\a\\orphan.exe', ProcessId: '0x100', CommandLine: '' }),
    sec(4688, '2024-01-01T10:00:04.0000000Z', 5, { NewProcessId: '0x100', NewProcessName: 'C:\\b\\second.exe', ProcessId: '0x4', CommandLine: '' }),
    sec(4688, '2024-01-01T10:00:05.0000000Z', 6, { NewProcessId: '0x400', NewProcessName: 'C:\\a\\late.exe', ProcessId: '0x100', CommandLine: '' }),
    sec(4688, '2024-01-01T10:00:06.0000000Z', 7, { NewProcessId: '0x500', NewProcessName: 'C:\\a\\named.exe', ProcessId: '0x100', ParentProcessName: 'C:\\b\\second.exe', CommandLine: '' }),
    sec(4688, '2024-01-01T10:00:07.0000000Z', 8, { NewProcessId: '0x600', NewProcessName: 'C:\\a\\liar.exe', ProcessId: '0x100', ParentProcessName: 'C:\\x\\other.exe', CommandLine: '' }),
  ]);
  db.ensureIndexes();
  const forest = buildProcessForest(db);
  const procs = [...forest.processes.values()];
  const rec = (r: number) => byRecord(procs, 4688, r);
  assert.equal(rec(2).parentId, rec(1).id);
  assert.equal(rec(2).parentLink?.inferred, true);
  // Created after first.exe exited and before second.exe existed: its creator is not in the records.
  const orphanParent = forest.processes.get(rec(4).parentId!)!;
  assert.deepEqual(orphanParent.sources, ['stub']);
  assert.notEqual(orphanParent.id, rec(1).id);
  assert.equal(rec(6).parentId, rec(5).id);
  assert.equal(rec(6).parentLink?.confidence, 'inferred-time');
  assert.equal(rec(7).parentId, rec(5).id);
  assert.deepEqual({ c: rec(7).parentLink?.confidence, i: rec(7).parentLink?.inferred }, { c: 'name-match', i: false });
  // A logged parent name that contradicts the PID's live creation is not overridden.
  const liarParent = forest.processes.get(rec(8).parentId!)!;
  assert.equal(liarParent.image, 'C:\\x\\other.exe');
  assert.deepEqual(liarParent.sources, ['stub']);
  db.close();
});
