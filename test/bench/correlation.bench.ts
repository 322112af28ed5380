/**
 * Correlation over a generated case of 1 million events: 8 hosts (two of them Security-only,
 * 4688 without parent names), Sysmon process creations with GUID trees, exits with PID reuse,
 * network / file / registry activity, network logons, explicit-credential logons between
 * hosts, and 24 WMI subscriptions whose consumers fire through WmiPrvSE.exe / scrcons.exe.
 * Prints the time of each pass and events/s.
 */
import type { NormalizedEvent } from '../../shared/model/event';
import { CaseDb } from '../../main/db/case-db';
import { correlateCase } from '../../main/correlation/evidence-graph';

const TOTAL = 1_000_000;
const HOSTS = ['WS01.corp.local', 'WS02.corp.local', 'WS03.corp.local', 'WS04.corp.local', 'SRV01.corp.local', 'SRV02.corp.local', 'DC01.corp.local', 'WS05.corp.local'];
const SECURITY_ONLY = new Set(['SRV02.corp.local', 'WS05.corp.local']);
const IMAGES = ['C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\explorer.exe', 'C:\\Program Files\\App\\app.exe', 'C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\System32\\conhost.exe', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'];

/** Deterministic PRNG (mulberry32) so runs are comparable. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface HostState {
  procs: Array<{ guid: string; pid: number; image: string }>;
  nextPid: number;
  seq: number;
}

export function* generateEvents(total = TOTAL): Generator<NormalizedEvent> {
  const r = rng(42);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const start = Date.parse('2024-03-01T00:00:00Z');
  const state = new Map<string, HostState>(HOSTS.map((h) => [h, { procs: [], nextPid: 1000, seq: 0 }]));
  let record = 1;
  const base = (host: string, ms: number, channel: string, provider: string, eventId: number, data: Record<string, string>): NormalizedEvent => ({
    timeCreated: new Date(ms).toISOString().replace('Z', '0000Z'), channel, provider, eventId, recordId: record++, computer: host, userSid: null,
    level: 4, task: null, opcode: null, keywords: null, processId: 4, threadId: null, data, message: null, raw: null, recovered: false,
    ref: { sourceId: 1, sourcePath: 'generated' },
  });
  const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
  const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  const guidOf = (h: number, n: number) => `{AAAA${h.toString(16).padStart(4, '0')}-0000-0000-0000-${n.toString(16).padStart(12, '0')}}`;
  const subs: Array<{ host: string; at: number; name: string; script: boolean }> = [];
  for (let i = 0; i < 24; i++) subs.push({ host: HOSTS[i % 6], at: start + (i + 1) * 3_000_000, name: `Updater${i}`, script: i % 4 === 3 });
  let subIdx = 0;
  for (let i = 0; record <= total; i++) {
    const ms = start + i * 90; // ~25 hours of activity
    // Subscriptions: filter / consumer / binding, then the consumer firing a few times.
    if (subIdx < subs.length && ms >= subs[subIdx].at) {
      const s = subs[subIdx++];
      const cmd = `C:\\Windows\\System32\\cmd.exe /c C:\\ProgramData\\${s.name}.exe`;
      yield base(s.host, ms, SYSMON, 'Microsoft-Windows-Sysmon', 19, { EventType: 'WmiFilterEvent', UtcTime: utc(ms), Operation: 'Created', User: 'CORP\\adm', EventNamespace: ' "root\\\\cimv2"', Name: ` "${s.name}"`, Query: ' "SELECT * FROM __InstanceModificationEvent WITHIN 60"' });
      yield base(s.host, ms + 1, SYSMON, 'Microsoft-Windows-Sysmon', 20, { EventType: 'WmiConsumerEvent', UtcTime: utc(ms + 1), Operation: 'Created', User: 'CORP\\adm', Name: ` "${s.name}"`, Type: s.script ? 'Script' : 'Command Line', Destination: s.script ? ' "var x=new ActiveXObject(\\"WScript.Shell\\");"' : ` "${cmd.replace(/\\/g, '\\\\')}"` });
      yield base(s.host, ms + 2, SYSMON, 'Microsoft-Windows-Sysmon', 21, { EventType: 'WmiBindingEvent', UtcTime: utc(ms + 2), Operation: 'Created', User: 'CORP\\adm', Consumer: ` "${s.script ? 'ActiveScriptEventConsumer' : 'CommandLineEventConsumer'}.Name=\\"${s.name}\\""`, Filter: ` "__EventFilter.Name=\\"${s.name}\\""` });
      const st = state.get(s.host)!;
      const hostIdx = HOSTS.indexOf(s.host);
      for (let k = 0; k < 3; k++) {
        const t = ms + 60_000 * (k + 1);
        const wmi = { guid: guidOf(hostIdx, ++st.seq), pid: st.nextPid++, image: s.script ? 'C:\\Windows\\System32\\wbem\\scrcons.exe' : 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe' };
        yield base(s.host, t, SYSMON, 'Microsoft-Windows-Sysmon', 1, { UtcTime: utc(t), ProcessGuid: wmi.guid, ProcessId: String(wmi.pid), Image: wmi.image, CommandLine: `${wmi.image} -Embedding`, User: 'NT AUTHORITY\\SYSTEM', ParentProcessGuid: guidOf(hostIdx, 0), ParentProcessId: '600', ParentImage: 'C:\\Windows\\System32\\svchost.exe' });
        if (!s.script) {
          const child = { guid: guidOf(hostIdx, ++st.seq), pid: st.nextPid++ };
          yield base(s.host, t + 5, SYSMON, 'Microsoft-Windows-Sysmon', 1, { UtcTime: utc(t + 5), ProcessGuid: child.guid, ProcessId: String(child.pid), Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: cmd, User: 'NT AUTHORITY\\SYSTEM', ParentProcessGuid: wmi.guid, ParentProcessId: String(wmi.pid), ParentImage: wmi.image });
          yield base(s.host, t + 9, SYSMON, 'Microsoft-Windows-Sysmon', 3, { UtcTime: utc(t + 9), ProcessGuid: child.guid, ProcessId: String(child.pid), Image: 'C:\\Windows\\System32\\cmd.exe', Initiated: 'true', SourceIp: `10.0.0.${hostIdx + 10}`, DestinationIp: '203.0.113.7', DestinationPort: '443' });
          i += 2;
        }
        i += 1;
      }
      i += 3;
      continue;
    }
    const host = HOSTS[i % HOSTS.length];
    const hostIdx = i % HOSTS.length;
    const st = state.get(host)!;
    const secOnly = SECURITY_ONLY.has(host);
    const x = r();
    if (x < 0.22 || st.procs.length < 5) {
      // Process creation (parents among recent processes).
      const parent = st.procs.length ? st.procs[st.procs.length - 1 - Math.floor(r() * Math.min(50, st.procs.length))] : null;
      const p = { guid: guidOf(hostIdx, ++st.seq), pid: st.nextPid, image: pick(IMAGES) };
      st.nextPid = st.nextPid >= 60000 ? 1000 : st.nextPid + 4; // PIDs wrap: reuse
      st.procs.push(p);
      if (st.procs.length > 400) st.procs.shift();
      const cl = `${p.image} --task ${Math.floor(r() * 1000)}`;
      if (secOnly) {
        yield base(host, ms, 'Security', 'Microsoft-Windows-Security-Auditing', 4688, { SubjectUserName: 'user', SubjectDomainName: 'CORP', NewProcessId: `0x${p.pid.toString(16)}`, NewProcessName: p.image, ProcessId: `0x${(parent?.pid ?? 4).toString(16)}`, CommandLine: cl });
      } else {
        yield base(host, ms, SYSMON, 'Microsoft-Windows-Sysmon', 1, { UtcTime: utc(ms), ProcessGuid: p.guid, ProcessId: String(p.pid), Image: p.image, CommandLine: cl, User: 'CORP\\user', ParentProcessGuid: parent?.guid ?? guidOf(hostIdx, 0), ParentProcessId: String(parent?.pid ?? 600), ParentImage: parent?.image ?? 'C:\\Windows\\System32\\services.exe' });
        if (r() < 0.5) yield base(host, ms + 1, 'Security', 'Microsoft-Windows-Security-Auditing', 4688, { SubjectUserName: 'user', SubjectDomainName: 'CORP', NewProcessId: `0x${p.pid.toString(16)}`, NewProcessName: p.image, ProcessId: `0x${(parent?.pid ?? 600).toString(16)}`, ParentProcessName: parent?.image ?? 'C:\\Windows\\System32\\services.exe', CommandLine: cl });
        i++;
      }
    } else if (x < 0.3) {
      const p = st.procs.splice(Math.floor(r() * st.procs.length), 1)[0];
      if (secOnly) yield base(host, ms, 'Security', 'Microsoft-Windows-Security-Auditing', 4689, { ProcessId: `0x${p.pid.toString(16)}`, ProcessName: p.image });
      else yield base(host, ms, SYSMON, 'Microsoft-Windows-Sysmon', 5, { UtcTime: utc(ms), ProcessGuid: p.guid, ProcessId: String(p.pid), Image: p.image });
    } else if (x < 0.5 && !secOnly) {
      const p = pick(st.procs);
      yield base(host, ms, SYSMON, 'Microsoft-Windows-Sysmon', 3, { UtcTime: utc(ms), ProcessGuid: p.guid, ProcessId: String(p.pid), Image: p.image, Initiated: 'true', SourceIp: `10.0.0.${hostIdx + 10}`, SourcePort: String(40000 + (i % 20000)), DestinationIp: `10.0.1.${i % 200}`, DestinationPort: '443' });
    } else if (x < 0.65 && !secOnly) {
      const p = pick(st.procs);
      yield base(host, ms, SYSMON, 'Microsoft-Windows-Sysmon', 11, { UtcTime: utc(ms), ProcessGuid: p.guid, ProcessId: String(p.pid), Image: p.image, TargetFilename: `C:\\Users\\user\\AppData\\Local\\Temp\\f${i % 5000}.tmp` });
    } else if (x < 0.8 && !secOnly) {
      const p = pick(st.procs);
      yield base(host, ms, SYSMON, 'Microsoft-Windows-Sysmon', 13, { UtcTime: utc(ms), EventType: 'SetValue', ProcessGuid: p.guid, ProcessId: String(p.pid), Image: p.image, TargetObject: `HKLM\\SOFTWARE\\App\\k${i % 3000}`, Details: 'DWORD (0x00000001)' });
    } else if (x < 0.9) {
      const type = r() < 0.3 ? '3' : '2';
      yield base(host, ms, 'Security', 'Microsoft-Windows-Security-Auditing', 4624, { TargetUserName: 'user', TargetDomainName: 'CORP', TargetLogonId: `0x${(i + 0x10000).toString(16)}`, LogonType: type, IpAddress: type === '3' ? `10.0.0.${((hostIdx + 1) % HOSTS.length) + 10}` : '-', WorkstationName: '-' });
    } else if (x < 0.901) {
      yield base(host, ms, 'Security', 'Microsoft-Windows-Security-Auditing', 4648, { SubjectUserName: 'user', SubjectDomainName: 'CORP', TargetUserName: 'adm', TargetDomainName: 'CORP', TargetServerName: HOSTS[(hostIdx + 1) % HOSTS.length], ProcessId: '0x4', ProcessName: 'C:\\Windows\\System32\\wbem\\WMIC.exe' });
    } else {
      yield base(host, ms, SYSMON, 'Microsoft-Windows-Sysmon', 7, { UtcTime: utc(ms), ProcessGuid: guidOf(hostIdx, 0), ProcessId: '600', Image: 'C:\\Windows\\System32\\svchost.exe', ImageLoaded: 'C:\\Windows\\System32\\ntdll.dll' });
    }
  }
}

export async function bench(): Promise<void> {
  const out = (s: string) => process.stdout.write(s);
  const db = await CaseDb.create();
  try {
    const t0 = performance.now();
    let batch: NormalizedEvent[] = [];
    for (const e of generateEvents()) {
      batch.push(e);
      if (batch.length === 20_000) {
        db.insertEvents(batch);
        batch = [];
      }
    }
    if (batch.length) db.insertEvents(batch);
    db.ensureIndexes();
    const events = db.eventCount();
    out(`generated and stored ${events} events in ${((performance.now() - t0) / 1000).toFixed(1)} s (not part of the measurement)\n`);
    const t1 = performance.now();
    const c = correlateCase(db);
    const s = (performance.now() - t1) / 1000;
    const wmi = [...c.forest.processes.values()].filter((p) => p.wmi.length > 0).length;
    out(
      `correlation: ${s.toFixed(2)} s, ${Math.round(events / s)} events/s; ${c.forest.processes.size} processes on ${c.forest.byHost.size} hosts ` +
        `(${wmi} WMI-marked), ${c.subscriptions.length} subscriptions, ${c.chains.reduce((a, ch) => a + ch.triggered.length, 0)} consumer runs linked, ` +
        `${c.lateral.indicators.length} movement indicators, ${c.lateral.hostLinks.length} host links; graph ${c.graph.nodeCount} nodes / ${c.graph.edgeCount} edges\n`,
    );
    out(`passes (ms): ${Object.entries(c.timings).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
  } finally {
    db.close();
  }
}

if (require.main === module) {
  bench().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
