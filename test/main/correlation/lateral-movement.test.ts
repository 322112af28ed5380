import assert from 'node:assert/strict';
import { test } from 'node:test';
import { remoteTargetsOf } from '../../../main/correlation/lateral-movement';
import { correlated, recs, SAMPLES } from './helpers';

test('WMIC source (4648) and 4688-only target in one case: hosts linked, both sides in evidence', async () => {
  const { c } = await correlated(SAMPLES.wmic4648, SAMPLES.targetHost4688);
  const link = c.lateral.hostLinks.find((l) => l.source === 'PC01.example.corp' && l.target === 'WIN-77LTAPHIQ1R.example.corp');
  assert.ok(link, 'PC01 -> WIN-77LTAPHIQ1R');
  assert.equal(link.bothSides, true);
  const ev = link.indicators.flatMap((i) => recs(i.evidence));
  // Source: 4648 records 433340 and 433350 by WMIC.exe (pid 0x44c) naming WIN-77LTAPHIQ1R.example.corp.
  assert.ok(ev.includes('4648:433340') && ev.includes('4648:433350'));
  const byWmic = link.indicators.filter((i) => i.kind === 'explicit-credentials' && i.processIds.length === 1);
  assert.ok(byWmic.length >= 2);
  assert.equal(c.forest.processes.get(byWmic[0].processIds[0])!.pid, 0x44c);
  // Target: network logon 563297 (NTLM from workstation PC01, 10.0.2.17) then calc.exe (4688 563299) under WmiPrvSE.
  const target = link.indicators.find((i) => i.side === 'target')!;
  assert.equal(target.kind, 'network-logon-wmi-exec');
  assert.deepEqual(recs(target.evidence), ['4624:563297', '4688:563299']);
  assert.equal(target.peer, 'PC01');
  assert.equal(target.confidence, 'inferred-time');
  // The graph edge host -> host is the only link between the two hosts' records.
  const e = c.graph.edges().find((x) => x.type === 'created-remotely' && x.crossHost);
  assert.ok(e);
  assert.deepEqual([c.graph.node(e.source)!.label, c.graph.node(e.target)!.label], ['PC01.example.corp', 'WIN-77LTAPHIQ1R.example.corp']);
});

test('without the source host in the case, the target side stands alone (no host link)', async () => {
  const { c } = await correlated(SAMPLES.targetHost4688);
  assert.equal(c.lateral.hostLinks.length, 0);
  const ind = c.lateral.indicators.find((i) => i.kind === 'network-logon-wmi-exec')!;
  assert.equal(ind.peerHost, null);
  assert.equal(ind.peer, 'PC01');
  assert.ok(c.graph.edges().every((e) => !e.crossHost));
});

test('OTRF covenant: 4624 session of pgustavo (LogonId) runs GruntHTTP2 via WmiPrvSE; source resolved by address', async () => {
  const { c } = await correlated(SAMPLES.covenant);
  const ind = c.lateral.indicators.find((i) => i.kind === 'network-logon-wmi-exec' && i.loggedBy === 'WORKSTATION6.theshire.local');
  assert.ok(ind);
  assert.equal(ind.confidence, 'exact-id');
  assert.deepEqual(recs(ind.evidence), ['4624:99363', '1:334850']);
  assert.equal(ind.peer, '172.18.39.5');
  assert.equal(c.lateral.addresses['172.18.39.5'], 'WORKSTATION5.theshire.local');
  assert.equal(ind.peerHost, 'WORKSTATION5.theshire.local');
  assert.ok(c.lateral.hostLinks.some((l) => l.source === 'WORKSTATION5.theshire.local' && l.target === 'WORKSTATION6.theshire.local'));
});

test('OTRF empire: Invoke-WmiMethod -ComputerName in PowerShell 4103 on the source, WmiPrvSE child on the target', async () => {
  const { c } = await correlated(SAMPLES.empire);
  const link = c.lateral.hostLinks.find((l) => l.source === 'WORKSTATION5.theshire.local' && l.target === 'WORKSTATION6.theshire.local');
  assert.ok(link);
  assert.equal(link.bothSides, true);
  const ev = link.indicators.flatMap((i) => recs(i.evidence));
  assert.ok(ev.includes('4103:91836'), 'ParameterBinding(Invoke-WmiMethod) ComputerName');
  assert.ok(ev.includes('4624:768453') && ev.includes('1:3215160'));
});

test('remote targets in command lines', () => {
  assert.deepEqual(remoteTargetsOf('wmic /node:"10.0.0.5" process call create "cmd.exe /c x"'), [{ kind: 'wmic-node', target: '10.0.0.5' }]);
  assert.deepEqual(remoteTargetsOf('WMIC.exe /NODE:srv1,srv2 os get'), [{ kind: 'wmic-node', target: 'srv1' }, { kind: 'wmic-node', target: 'srv2' }]);
  assert.deepEqual(remoteTargetsOf('Invoke-WmiMethod -Path Win32_process -Name create -ComputerName @("WS6.corp") -ArgumentList x'), [{ kind: 'powershell-computername', target: 'WS6.corp' }]);
  assert.deepEqual(remoteTargetsOf('Get-Process -ComputerName srv1'), []);
  assert.deepEqual(remoteTargetsOf('wmic /node:@hosts.txt process list'), []);
});
