/**
 * Winlogbeat's Sysmon module moves Sysmon fields out of winlog.event_data into ECS fields
 * (Image to process.executable, User to user.domain and user.name, a WMI consumer's
 * Destination to process.executable, …). Corpus Sysmon logs are imported from EVTX, written
 * again as that module writes them, imported from JSON lines, and the two compared: the same
 * fields, columns, detections and WMI subscriptions.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaseClient } from '../../../../main/db/case-client';
import { CLI, corpus, tempDir } from '../../../helpers/paths';

type Obj = Record<string, any>;

const WMI_LOGS = [
  corpus('evtx', 'attack-samples', 'Persistence', 'sysmon_20_21_1_CommandLineEventConsumer.evtx'),
  corpus('evtx', 'attack-samples', 'Lateral Movement', 'LM_wmiexec_impacket_sysmon_whoami.evtx'),
];
const LOGS = [...WMI_LOGS, corpus('evtx', 'parser-edge-cases', 'sysmon.evtx')];

/**
 * The module's renames (winlogbeat-sysmon.js, its Convert processors in rename mode) for the
 * event IDs of these logs: Sysmon field, ECS field, converted to a number or not.
 */
const PROC: Array<[string, string, boolean?]> = [['ProcessGuid', 'process.entity_id'], ['ProcessId', 'process.pid', true], ['Image', 'process.executable']];
const RENAMES: Record<number, Array<[string, string, boolean?]>> = {
  1: [
    ...PROC,
    ['CommandLine', 'process.command_line'],
    ['CurrentDirectory', 'process.working_directory'],
    ['ParentProcessGuid', 'process.parent.entity_id'],
    ['ParentProcessId', 'process.parent.pid', true],
    ['ParentImage', 'process.parent.executable'],
    ['ParentCommandLine', 'process.parent.command_line'],
    ['OriginalFileName', 'process.pe.original_file_name'],
  ],
  3: [
    ...PROC,
    ['Protocol', 'network.transport'],
    ['SourceIp', 'source.ip'],
    ['SourceHostname', 'source.domain'],
    ['SourcePort', 'source.port', true],
    ['DestinationIp', 'destination.ip'],
    ['DestinationHostname', 'destination.domain'],
    ['DestinationPort', 'destination.port', true],
    ['DestinationPortName', 'network.protocol'],
  ],
  10: [['SourceProcessGUID', 'process.entity_id'], ['SourceProcessId', 'process.pid', true], ['SourceThreadId', 'process.thread.id', true], ['SourceImage', 'process.executable']],
  11: [...PROC, ['TargetFilename', 'file.path']],
  12: PROC,
  13: PROC,
  15: [...PROC, ['TargetFilename', 'file.path']],
  16: [],
  19: [],
  20: [['Destination', 'process.executable']],
  21: [],
};
/** Events whose User the module splits into user.domain and user.name (addUser). */
const SPLITS_USER = new Set([1, 3, 19, 20, 21, 23, 24, 25]);
/** Fields the module changes beyond a move, which are not read back (see ecs-sysmon.ts). */
const NOT_READ_BACK = new Set(['UtcTime', 'Hashes', 'Hash', 'Initiated', 'SourceIsIpv6', 'DestinationIsIpv6', 'QueryResults', 'QueryStatus']);

function put(doc: Obj, dotted: string, v: unknown): void {
  const keys = dotted.split('.');
  let o = doc;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys[keys.length - 1]] = v;
}

/** One event as Winlogbeat's Sysmon module writes it, from the row the EVTX import gave. */
function winlogbeat(row: Obj): Obj {
  const id = Number(row.event_id);
  const ed: Obj = JSON.parse(row.data);
  const renames = RENAMES[id];
  assert.ok(renames, `the test knows the module's processing of Sysmon event ${id}`);
  const doc: Obj = {
    '@timestamp': ed.UtcTime ? `${ed.UtcTime.replace(' ', 'T')}Z` : row.time,
    agent: { type: 'winlogbeat', version: '8.11.0' },
    event: { code: String(id), kind: 'event', provider: row.provider, module: 'sysmon' },
    host: { name: String(row.host).toLowerCase() },
    log: { level: 'information' },
    winlog: { channel: row.channel, computer_name: row.host, event_id: String(id), provider_name: row.provider, record_id: row.record_id, process: { pid: row.process_id, thread: { id: row.thread_id } }, user: { identifier: row.user_sid } },
  };
  delete ed.UtcTime;
  for (const [from, to, long] of renames) {
    if (!(from in ed)) continue;
    const v = long ? Number(ed[from]) : ed[from];
    if (long && !Number.isInteger(v)) continue; // a failed conversion leaves the field (fail_on_error: false)
    put(doc, to, v);
    delete ed[from];
  }
  if (id !== 16) {
    const rule = ed.RuleName;
    delete ed.RuleName;
    if (rule && rule !== '-') put(doc, 'rule.name', rule);
  }
  const user = typeof ed.User === 'string' ? ed.User.split('\\') : [];
  if (SPLITS_USER.has(id) && user.length === 2) {
    put(doc, 'user.domain', user[0]);
    put(doc, 'user.name', user[1]);
    delete ed.User;
  }
  for (const h of ['Hashes', 'Hash']) {
    if (typeof ed[h] !== 'string') continue;
    for (const kv of ed[h].split(',')) {
      const [k, v] = kv.split('=');
      if (v) put(doc, `${id === 1 ? 'process' : 'file'}.hash.${k.toLowerCase()}`, v.toLowerCase());
    }
    delete ed[h];
  }
  if (id === 3) {
    if (ed.Initiated) put(doc, 'network.direction', ed.Initiated === 'true' ? 'egress' : 'ingress');
    delete ed.Initiated;
    delete ed.SourceIsIpv6;
    delete ed.DestinationIsIpv6;
  }
  if (Object.keys(ed).length) doc.winlog.event_data = ed; // removeEmptyEventData
  return doc;
}

const COLUMNS = ['image', 'parent_image', 'command_line', 'parent_command_line', 'user_name', 'process_guid', 'parent_process_guid'] as const;

describe('Winlogbeat Sysmon module records: fields moved to ECS are read back', () => {
  const dir = tempDir('ecs-sysmon');
  let evtx: CaseClient;
  let ecs: CaseClient;
  let rows: Obj[];
  let moved = 0;

  before(async () => {
    evtx = await CaseClient.create();
    const ledger = (await evtx.importEvidence(LOGS)).entries;
    rows = await evtx.query(`SELECT * FROM events WHERE channel = 'Microsoft-Windows-Sysmon/Operational' ORDER BY id`);
    const docs = rows.map(winlogbeat);
    for (const d of docs) moved += d.process || d.file || d.user || d.destination ? 1 : 0;
    const wmiIds = new Set(ledger.filter((e) => WMI_LOGS.includes(e.path)).map((e) => e.id));
    writeFileSync(path.join(dir, 'sysmon.ndjson'), docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    writeFileSync(path.join(dir, 'wmi.ndjson'), docs.filter((_, i) => wmiIds.has(rows[i].source_id)).map((d) => JSON.stringify(d)).join('\n') + '\n');
    ecs = await CaseClient.create();
    await ecs.importEvidence([path.join(dir, 'sysmon.ndjson')]);
  });
  after(async () => {
    await evtx.close();
    await ecs.close();
  });

  it('the JSON holds what the module moves (no Image, CommandLine, User… left in event_data)', () => {
    const docs = readFileSync(path.join(dir, 'sysmon.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(docs.length, rows.length);
    assert.ok(rows.length > 350, `Sysmon events: ${rows.length}`);
    assert.ok(moved > 350, `events with ECS fields: ${moved}`);
    for (const d of docs) for (const f of ['Image', 'CommandLine', 'ParentImage', 'Destination', 'SourceImage']) assert.equal(d.winlog.event_data?.[f], undefined, f);
  });

  it('every event has the EVTX record\'s fields and columns, but those the module rewrites', async () => {
    const got = await ecs.query('SELECT * FROM events ORDER BY id');
    assert.equal(got.length, rows.length);
    let compared = 0;
    got.forEach((g, i) => {
      const r = rows[i];
      assert.equal(g.record_id, r.record_id);
      for (const c of COLUMNS) assert.equal(g[c], r[c], `record ${r.record_id} (event ${r.event_id}) ${c}`);
      const want: Obj = JSON.parse(r.data);
      for (const k of Object.keys(want)) if (NOT_READ_BACK.has(k) || (k === 'RuleName' && (want[k] === '' || want[k] === '-'))) delete want[k];
      assert.deepEqual(JSON.parse(String(g.data)), want, `record ${r.record_id} (event ${r.event_id})`);
      compared += COLUMNS.filter((c) => r[c] !== null).length;
    });
    assert.ok(compared > 1000, `non-empty columns compared: ${compared}`);
  });

  it('hunt finds the same detections and WMI subscription in the Winlogbeat records as in the EVTX files', () => {
    const hunt = (name: string, ...inputs: string[]) => {
      const json = path.join(dir, `${name}.json`);
      const r = spawnSync(process.execPath, [CLI, 'hunt', ...inputs, '--json', json], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const doc = JSON.parse(readFileSync(json, 'utf8'));
      return {
        byRule: doc.summary.byRule.map((b: Obj) => [b.ruleId, b.count]).sort(),
        subscriptions: doc.subscriptions.map((s: Obj) => ({
          host: s.host, filter: s.filter, consumer: s.consumer, binding: s.binding, user: s.user, verdict: s.verdict, reasons: s.reasons, records: s.evidence.length,
        })),
      };
    };
    const fromEvtx = hunt('evtx', ...WMI_LOGS);
    const fromEcs = hunt('ecs', path.join(dir, 'wmi.ndjson'));
    assert.ok(fromEvtx.byRule.length >= 5, JSON.stringify(fromEvtx.byRule));
    assert.equal(fromEvtx.subscriptions.length, 1);
    assert.equal(fromEvtx.subscriptions[0].consumer.payload.CommandLineTemplate, 'c:\\Windows\\System32\\cmd.exe');
    assert.deepEqual(fromEcs, fromEvtx);
  });

  it('event_data wins over an ECS field; a record with only ECS fields (the exploratory run\'s) gets its process columns', async () => {
    const base = {
      '@timestamp': '2019-05-11T17:58:50.090Z',
      winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', computer_name: 'IEWIN7', event_id: '1', provider_name: 'Microsoft-Windows-Sysmon', process: { pid: 1828, thread: { id: 372 } }, user: { identifier: 'S-1-5-18' } },
      process: {
        entity_id: '{365ABB72-0D3E-5CD7-0000-0010680E1601}', pid: 3501, executable: 'C:\\Windows\\System32\\cmd.exe', command_line: 'c:\\Windows\\System32\\cmd.exe /c calc', name: 'cmd.exe',
        parent: { entity_id: '{365ABB72-0C15-5CD7-0000-0010FB1C1500}', pid: 2000, executable: 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', command_line: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', name: 'WmiPrvSE.exe' },
      },
      user: { name: 'SYSTEM', domain: 'NT AUTHORITY' },
    };
    const onlyEcs = { ...base, winlog: { ...base.winlog, record_id: 16117, event_data: { RuleName: '-', IntegrityLevel: 'System', TerminalSessionId: '0', LogonId: '0x3e7' } } };
    const both = { ...base, winlog: { ...base.winlog, record_id: 16118, event_data: { Image: 'C:\\evidence\\wins.exe', User: 'HOST\\someone' } } };
    const file = path.join(dir, 'crafted.jsonl');
    writeFileSync(file, [onlyEcs, both].map((d) => JSON.stringify(d)).join('\n') + '\n');
    const c = await CaseClient.create();
    try {
      await c.importEvidence([file]);
      const [a, b] = await c.query('SELECT record_id, image, command_line, parent_image, parent_command_line, user_name, process_guid, parent_process_guid, data FROM events ORDER BY record_id');
      assert.deepEqual(
        { ...a, data: JSON.parse(String(a.data)) },
        {
          record_id: 16117,
          image: 'C:\\Windows\\System32\\cmd.exe',
          command_line: 'c:\\Windows\\System32\\cmd.exe /c calc',
          parent_image: 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe',
          parent_command_line: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding',
          user_name: 'NT AUTHORITY\\SYSTEM',
          process_guid: '{365ABB72-0D3E-5CD7-0000-0010680E1601}',
          parent_process_guid: '{365ABB72-0C15-5CD7-0000-0010FB1C1500}',
          data: {
            RuleName: '-', IntegrityLevel: 'System', TerminalSessionId: '0', LogonId: '0x3e7',
            ProcessGuid: '{365ABB72-0D3E-5CD7-0000-0010680E1601}', ProcessId: '3501', Image: 'C:\\Windows\\System32\\cmd.exe', User: 'NT AUTHORITY\\SYSTEM',
            CommandLine: 'c:\\Windows\\System32\\cmd.exe /c calc', ParentProcessGuid: '{365ABB72-0C15-5CD7-0000-0010FB1C1500}', ParentProcessId: '2000',
            ParentImage: 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', ParentCommandLine: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding',
          },
        },
      );
      assert.equal(b.image, 'C:\\evidence\\wins.exe');
      assert.equal(b.user_name, 'HOST\\someone');
      assert.equal(b.command_line, 'c:\\Windows\\System32\\cmd.exe /c calc', 'what event_data lacks still comes from ECS');
    } finally {
      await c.close();
    }
  });
});
