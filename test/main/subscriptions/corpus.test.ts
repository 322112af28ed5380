/**
 * Reconstruction on the real WMI samples of ../shared/corpus (README: WMI-related files).
 * Each subscription the samples contain is checked: filter, consumer, payload, binding,
 * lifecycle, evidence and verdict.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { knownBenignFile } from '../../../main/detection/paths';
import { reconstructSubscriptions } from '../../../main/subscriptions/reconstruct';
import { loadKnownBenign } from '../../../main/subscriptions/verdict';
import type { WmiSubscription } from '../../../shared/model/subscription';
import { CORPUS, readEvtx } from '../detection/corpus';

const KB = loadKnownBenign(knownBenignFile());
const SAMPLES = join(CORPUS, 'evtx', 'attack-samples');

async function subsOf(rel: string): Promise<WmiSubscription[]> {
  const r = await readEvtx(join(SAMPLES, rel));
  return reconstructSubscriptions(r.events, KB);
}

const lifecycleOf = (s: WmiSubscription) => s.lifecycle.map((l) => `${l.action} ${l.object} ${l.source} #${l.evidence.recordId}`);

describe('subscriptions in the attack samples', () => {
  test('Persistence/sysmon_20_21_1_CommandLineEventConsumer.evtx: BotFilter82 -> BotConsumer23 (cmd.exe), created and removed with WMIC', async (t) => {
    const subs = await subsOf('Persistence/sysmon_20_21_1_CommandLineEventConsumer.evtx');
    assert.equal(subs.length, 1, subs.map((s) => s.key).join(', '));
    const [s] = subs;
    assert.equal(s.host, 'IEWIN7');
    assert.deepEqual(s.filter, {
      name: 'BotFilter82',
      query: "SELECT * FROM __InstanceModificationEvent WITHIN 10 WHERE TargetInstance ISA 'Win32_PerfFormattedData_PerfOS_System'",
      queryLanguage: 'WQL',
      eventNamespace: 'root\\cimv2',
      namespace: null,
    });
    assert.equal(s.consumer?.className, 'CommandLineEventConsumer');
    assert.equal(s.consumer?.name, 'BotConsumer23');
    assert.equal(s.consumer?.payload.CommandLineTemplate, 'c:\\Windows\\System32\\cmd.exe');
    assert.equal(s.consumer?.payload.ExecutablePath, 'c:\\Windows\\System32\\cmd.exe');
    assert.equal(s.consumer?.destination, 'c:\\Windows\\System32\\cmd.exe');
    assert.deepEqual(s.binding, { filterRef: '__EventFilter.Name="BotFilter82"', consumerRef: 'CommandLineEventConsumer.Name="BotConsumer23"' });
    assert.deepEqual(lifecycleOf(s), [
      'created consumer process creation (Sysmon 1) #16110',
      'created consumer Sysmon 20 #16111',
      'created binding Sysmon 21 #16112',
      'created binding process creation (Sysmon 1) #16113',
      'created filter process creation (Sysmon 1) #16114',
      'created filter Sysmon 19 #16115',
      // cmd.exe started by WmiPrvSE.exe with exactly the consumer's CommandLineTemplate: the subscription ran.
      'executed consumer process started by WmiPrvSE.exe #16116',
      'deleted consumer process creation (Sysmon 1) #16119',
      'deleted consumer Sysmon 20 #16120',
      'deleted filter Sysmon 19 #16121',
      'deleted filter process creation (Sysmon 1) #16122',
      'deleted binding Sysmon 21 #16123',
      'deleted binding process creation (Sysmon 1) #16124',
    ]);
    assert.equal(s.created, '2019-05-11T17:58:23.2156596Z');
    assert.equal(s.deleted, '2019-05-11T17:58:55.1531596Z');
    assert.equal(s.user, 'IEWIN7\\IEUser');
    assert.equal(s.evidence.length, 13);
    assert.ok(s.evidence.every((e) => e.file.endsWith('sysmon_20_21_1_CommandLineEventConsumer.evtx') && e.recordId !== null));
    assert.equal(s.verdict, 'malicious');
    assert.ok(s.reasons.some((r) => /interpreter or LOLBin \(cmd\.exe\)/.test(r)));
    assert.ok(s.tags.includes('attack.t1546.003'));
  });

  test('Persistence/wmighost_sysmon_20_21_1.evtx: WMIGhost ActiveScript consumer ProbeScriptFint (modified)', async (t) => {
    const subs = await subsOf('Persistence/wmighost_sysmon_20_21_1.evtx');
    assert.equal(subs.length, 1);
    const [s] = subs;
    assert.equal(s.host, 'PC04.example.corp');
    assert.equal(s.filter?.name, 'ProbeScriptFint');
    assert.equal(s.filter?.query, null, 'the sample holds no Sysmon 19 for the filter');
    assert.equal(s.consumer?.className, 'ActiveScriptEventConsumer');
    assert.equal(s.consumer?.name, 'ProbeScriptFint');
    const script = s.consumer?.payload.ScriptText ?? '';
    assert.ok(script.startsWith('var sXmlUrl="http://kumardeep.sosblogs.com/The-first-blog-b1/RSS-b1-rss2-posts.htm;'), script.slice(0, 80));
    // Sysmon's escaping undone: the script's own \" and \\ are back to what WMI stored.
    assert.ok(script.includes(`GetObject('winmgmts:{impersonationLevel=impersonate}!\\\\\\\\.\\\\root\\\\cimv2')`), 'backslashes');
    assert.ok(script.includes(`like \\"%PCI%\\"`), 'quotes');
    assert.ok(script.endsWith('new MAIN().Fire();'));
    assert.deepEqual(s.binding, {
      filterRef: '\\\\.\\root\\subscription:__EventFilter.Name="ProbeScriptFint"',
      consumerRef: '\\\\.\\root\\subscription:ActiveScriptEventConsumer.Name="ProbeScriptFint"',
    });
    assert.deepEqual(lifecycleOf(s), [
      'modified consumer Sysmon 20 #7195',
      'modified binding Sysmon 21 #7197',
      // scrcons.exe, the ActiveScript consumer host, starts six seconds later.
      'executed consumer script consumer host scrcons.exe started #7203',
    ]);
    assert.equal(s.created, null);
    assert.equal(s.modified, '2019-04-03T18:11:54.1984960Z');
    assert.equal(s.deleted, null);
    assert.equal(s.user, 'PC04\\IEUser');
    assert.equal(s.verdict, 'malicious');
    assert.ok(s.tags.includes('attack.t1059.007'));
  });

  test('AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx: Atomic T1084 uptime subscription running notepad.exe', async (t) => {
    const subs = await subsOf('AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx');
    assert.equal(subs.length, 1);
    const [s] = subs;
    assert.equal(s.host, 'MSEDGEWIN10');
    assert.equal(s.filter?.name, 'AtomicRedTeam-WMIPersistence-Example');
    assert.equal(
      s.filter?.query,
      "SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA 'Win32_PerfFormattedData_PerfOS_System' AND TargetInstance.SystemUpTime >= 240 AND TargetInstance.SystemUpTime < 325",
    );
    assert.equal(s.filter?.eventNamespace, 'root\\CimV2');
    assert.equal(s.consumer?.className, 'CommandLineEventConsumer');
    assert.equal(s.consumer?.payload.CommandLineTemplate, 'C:\\Windows\\System32\\notepad.exe');
    assert.equal(s.binding?.consumerRef, '\\\\.\\ROOT\\subscription:CommandLineEventConsumer.Name="AtomicRedTeam-WMIPersistence-Example"');
    assert.deepEqual(lifecycleOf(s), [
      'created filter Sysmon 19 #4055',
      'created consumer Sysmon 20 #4056',
      'created binding Sysmon 21 #4057',
      'deleted binding Sysmon 21 #4058',
      'deleted consumer Sysmon 20 #4059',
      'deleted filter Sysmon 19 #4060',
    ]);
    assert.equal(s.created, '2019-07-19T14:54:57.0446236Z');
    assert.equal(s.deleted, '2019-07-19T14:57:02.8060455Z');
    assert.equal(s.user, 'MSEDGEWIN10\\IEUser');
    assert.equal(s.verdict, 'malicious');
    assert.ok(s.reasons.some((r) => /SystemUpTime/.test(r)));
  });
});
