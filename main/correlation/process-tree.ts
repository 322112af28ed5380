/**
 * Process trees per host, rebuilt from Sysmon 1 (ProcessGuid / ParentProcessGuid) and
 * Security 4688 (NewProcessId / ProcessId in hex, ParentProcessName when logged). Where a
 * 4688 names no parent, the creator is resolved by PID among earlier creations on the same
 * host, skipping creations whose process had already exited (4689 / Sysmon 5) - PIDs are
 * reused - and such links are marked inferred. A host with both sources gets one tree: a
 * 4688 that reports the same creation as a Sysmon 1 (same image, PID, within 2 s) joins it.
 * Processes are then marked when WMI launched them or they use WMI, with the reason.
 */
import type { EvidenceReference } from '../../shared/model/detection';
import type { ProcessInfo, WmiMark } from '../../shared/model/graph';
import type { CaseDb } from '../db/case-db';
import { baseName, dataField, eventMs, jsonStringValue, HostResolver, imageMatches, msToIso, parsePid, REF_COLUMNS, SourceNames, str } from './case-rows';

/** A process plus what the resolution needs (ms times, row order). Not sent over the worker boundary. */
interface Proc extends ProcessInfo {
  startMs: number | null;
  endMs: number | null;
  /** Event row id of the creation record (orders records when times are missing). */
  order: number;
  parentGuid: string | null;
  /** Unused except transiently for stubs. */
  parentCommandLine: string | null;
}

export interface ProcessForest {
  processes: Map<string, ProcessInfo>;
  /** Processes by "host|pid", in start order (PIDs are reused: several per key). */
  byPid: Map<string, ProcessInfo[]>;
  /** Process ids per (canonical) host, in start order. */
  byHost: Map<string, string[]>;
  hosts: HostResolver;
}

/** The same forest as plain arrays (what crosses the db worker boundary). */
export interface ProcessForestData {
  hosts: string[];
  processes: ProcessInfo[];
}

const MERGE_WINDOW_MS = 2000;

const WMI_CMDLETS =
  /\b(?:invoke-wmimethod|get-wmiobject|gwmi|set-wmiinstance|swmi|remove-wmiobject|register-wmievent|get-ciminstance|gcim|invoke-cimmethod|new-ciminstance|set-ciminstance|remove-ciminstance|register-cimindicationevent|new-cimsession)\b|\[wmi(?:class|searcher)?\]|management(?:class|object|objectsearcher)\b/i;

const isPowerShell = (image: string) => /^(?:powershell|powershell_ise|pwsh)\.exe$/.test(baseName(image));

function byStart(a: Proc, b: Proc): number {
  if (a.startMs !== null && b.startMs !== null && a.startMs !== b.startMs) return a.startMs - b.startMs;
  return a.order - b.order;
}

/** a happened before (or with) b: by time when both are dated, by record order otherwise. */
function notAfter(aMs: number | null, aOrder: number, bMs: number | null, bOrder: number): boolean {
  if (aMs !== null && bMs !== null && aMs !== bMs) return aMs < bMs;
  return aOrder <= bOrder;
}

export function buildProcessForest(db: CaseDb): ProcessForest {
  const hosts = HostResolver.fromCase(db);
  const sources = new SourceNames(db);
  const procs = new Map<string, Proc>();
  const byGuid = new Map<string, Proc>();
  /** Sysmon creations by host|pid, and (for records without a PID) by host|image: where a 4688 of the same creation is looked up. */
  const sysmonByPid = new Map<string, Proc[]>();
  const sysmonNoPid = new Map<string, Proc[]>();
  const securityRows: Array<{ r: ProcRow; host: string; ms: number | null; ref: EvidenceReference }> = [];
  const exits = new Map<string, Array<{ ms: number | null; order: number; image: string | null }>>();

  // Field values cut from the data text (no JSON parse per row; see dataField).
  const q = db.rows(
    `SELECT ${REF_COLUMNS}, image, parent_image, command_line, user_name, process_guid, parent_process_guid,
       ${dataField('ProcessId', 24)} AS f_pid, ${dataField('NewProcessId', 24)} AS f_newpid, ${dataField('ParentProcessId', 24)} AS f_ppid,
       ${dataField('UtcTime', 40)} AS f_utc, CASE WHEN event_id = 4689 THEN json_extract(data, '$.ProcessName') END AS f_pname
     FROM events WHERE event_id IN (1, 5, 4688, 4689)`,
  );
  const rows = toProcRows(q.columns, q.rows).sort((a, b) => (a.id as number) - (b.id as number));
  // Per distinct logged value, not per row.
  const hostOf = new Map<string, string>();
  const kindOf = new Map<string, 'sysmon' | 'security' | 'other'>();
  for (const r of rows) {
    const rawHost = String(r.host);
    let host = hostOf.get(rawHost);
    if (host === undefined) hostOf.set(rawHost, (host = hosts.canonical(rawHost)));
    const rawChannel = String(r.channel);
    let kind = kindOf.get(rawChannel);
    if (kind === undefined) {
      const ch = rawChannel.toLowerCase();
      kind = ch.includes('sysmon') ? 'sysmon' : ch === 'security' ? 'security' : 'other';
      kindOf.set(rawChannel, kind);
    }
    const eid = r.event_id as number;
    if ((eid === 1 || eid === 5) && kind !== 'sysmon') continue;
    if ((eid === 4688 || eid === 4689) && kind !== 'security') continue;
    r.f_pid = jsonStringValue(r.f_pid);
    if (eid === 4688) r.f_newpid = jsonStringValue(r.f_newpid);
    if (eid === 1) r.f_ppid = jsonStringValue(r.f_ppid);
    if (eid === 1 || eid === 5) r.f_utc = jsonStringValue(r.f_utc);
    const ref = sources.ref(r, host);
    if (eid === 1) {
      const guid = str(r.process_guid)?.toLowerCase() ?? null;
      const ms = eventMs(r.f_utc, r.time_ms);
      const existing = guid ? byGuid.get(`${host}|${guid}`) : undefined;
      if (existing) {
        // The same record from two evidence files (or a stub made earlier from a child): keep one node.
        existing.evidence.push(ref);
        if (existing.sources.includes('stub')) fillFromSysmon(existing, r, ms);
        continue;
      }
      const p = newProc(guid ? `process:${host}|guid:${guid}` : `process:${host}|row:${r.id}`, host, Number(r.id));
      fillFromSysmon(p, r, ms);
      p.evidence.push(ref);
      procs.set(p.id, p);
      if (guid) byGuid.set(`${host}|${guid}`, p);
      const k = p.pid !== null ? `${host}|${p.pid}` : `${host}|${baseName(p.image)}`;
      const index = p.pid !== null ? sysmonByPid : sysmonNoPid;
      (index.get(k) ?? index.set(k, []).get(k)!).push(p);
    } else if (eid === 4688) {
      securityRows.push({ r, host, ms: eventMs(undefined, r.time_ms), ref });
    } else if (eid === 5) {
      const guid = str(r.process_guid)?.toLowerCase();
      const ms = eventMs(r.f_utc, r.time_ms);
      const p = guid ? byGuid.get(`${host}|${guid}`) : undefined;
      if (p) {
        p.endMs = ms;
        p.end = msToIso(ms) ?? (String(r.time) || null);
        p.evidence.push(ref);
      }
      const pid = parsePid(r.f_pid);
      if (pid !== null) pushExit(exits, host, pid, ms, Number(r.id), str(r.image));
    } else if (eid === 4689) {
      const pid = parsePid(r.f_pid);
      if (pid !== null) pushExit(exits, host, pid, eventMs(undefined, r.time_ms), Number(r.id), str(r.f_pname));
    }
  }

  // Security 4688: join the Sysmon record of the same creation, or stand alone.
  const secProcs: Proc[] = [];
  for (const { r, host, ms, ref } of securityRows) {
    const image = str(r.image) ?? '';
    const pid = parsePid(r.f_newpid);
    const cl = str(r.command_line);
    const candidates = [...(pid !== null ? sysmonByPid.get(`${host}|${pid}`) ?? [] : []), ...(sysmonNoPid.get(`${host}|${baseName(image)}`) ?? [])];
    const same = candidates.find((s) => {
      if (s.sources.includes('security') || baseName(s.image) !== baseName(image)) return false;
      const pidSame = s.pid !== null && pid !== null && s.pid === pid;
      const clSame = cl !== null && s.commandLine !== null && cl === s.commandLine;
      // Dated on both sides: within 2 s and the same PID (or command line when Sysmon lacks the PID).
      if (s.startMs !== null && ms !== null) return Math.abs(s.startMs - ms) <= MERGE_WINDOW_MS && (s.pid !== null && pid !== null ? pidSame : clSame);
      // A side without a time: only the same PID and the same command line together.
      return pidSame && clSame;
    });
    if (same) {
      same.sources.push('security');
      same.evidence.push(ref);
      if (same.pid === null) same.pid = pid;
      if (same.parentPid === null) same.parentPid = parsePid(r.f_pid);
      continue;
    }
    const p = newProc(`process:${host}|sec:${r.id}`, host, Number(r.id));
    p.sources.push('security');
    p.pid = pid;
    p.image = image;
    p.commandLine = cl;
    p.user = str(r.user_name);
    p.startMs = ms;
    p.start = str(r.time);
    p.parentPid = parsePid(r.f_pid);
    p.parentImage = str(r.parent_image);
    p.evidence.push(ref);
    procs.set(p.id, p);
    secProcs.push(p);
  }

  // PID index per host (every process whose PID is known), in start order.
  const byPid = new Map<string, Proc[]>();
  for (const p of procs.values()) {
    if (p.pid === null) continue;
    const k = `${p.host}|${p.pid}`;
    (byPid.get(k) ?? byPid.set(k, []).get(k)!).push(p);
  }
  for (const list of byPid.values()) list.sort(byStart);
  for (const list of exits.values()) list.sort((a, b) => (a.ms !== null && b.ms !== null && a.ms !== b.ms ? a.ms - b.ms : a.order - b.order));

  const stubs = new Map<string, Proc>();
  const stubFor = (id: string, host: string, init: (s: Proc) => void): Proc => {
    let s = stubs.get(id);
    if (!s) {
      s = newProc(id, host, Number.MAX_SAFE_INTEGER);
      s.sources.push('stub');
      init(s);
      stubs.set(id, s);
    }
    return s;
  };

  /** The creation with this PID that was alive when `child` started: the latest earlier one not exited in between. */
  const creatorByPid = (child: Proc, ppid: number): Proc | null => {
    const list = byPid.get(`${child.host}|${ppid}`);
    if (!list) return null;
    const ex = exits.get(`${child.host}|${ppid}`) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i];
      if (c === child) continue;
      if (!notAfter(c.startMs, c.order, child.startMs, child.order)) continue;
      const exitedBetween = ex.some(
        (e) => notAfter(c.startMs, c.order, e.ms, e.order) && e.ms !== null && child.startMs !== null && e.ms < child.startMs &&
          (e.image === null || baseName(e.image) === baseName(c.image)),
      );
      if (exitedBetween) return null; // the PID was freed: whoever created `child` is not in the records
      return c;
    }
    return null;
  };

  const link = (child: Proc, parent: Proc, confidence: ProcessInfo['parentLink']) => {
    child.parentId = parent.id;
    child.parentLink = confidence;
    if (!child.parentImage) child.parentImage = parent.image || null;
    if (child.parentPid === null) child.parentPid = parent.pid;
    parent.childIds.push(child.id);
  };

  for (const p of [...procs.values()]) {
    if (p.parentGuid) {
      const parent = byGuid.get(`${p.host}|${p.parentGuid}`);
      if (parent && parent !== p) {
        link(p, parent, { confidence: 'exact-id', inferred: false, reason: 'ParentProcessGuid' });
        continue;
      }
      const stub = stubFor(`process:${p.host}|guid:${p.parentGuid}`, p.host, (s) => {
        s.guid = p.parentGuid;
        s.image = p.parentImage ?? '';
        s.pid = p.parentPid;
        // ParentCommandLine is read afterwards, for stubs only (see below).
        s.parentCommandLine = null;
        s.order = p.order;
      });
      stub.evidence.push(p.evidence[0]);
      link(p, stub, { confidence: 'exact-id', inferred: false, reason: 'ParentProcessGuid (parent creation not in the case; known from this record)' });
      continue;
    }
    if (p.parentPid === null) continue;
    const named = p.parentImage;
    const c = creatorByPid(p, p.parentPid);
    if (c && (!named || baseName(named) === baseName(c.image))) {
      link(
        p,
        c,
        named
          ? { confidence: 'name-match', inferred: false, reason: 'creator PID with the logged ParentProcessName, latest earlier creation still running' }
          : { confidence: 'inferred-time', inferred: true, reason: 'creator PID only: latest earlier creation of that PID on this host not exited before' },
      );
      continue;
    }
    const stub = stubFor(`process:${p.host}|pid:${p.parentPid}:${baseName(named)}`, p.host, (s) => {
      s.pid = p.parentPid;
      s.image = named ?? '';
    });
    stub.evidence.push(p.evidence[0]);
    link(p, stub, {
      confidence: 'exact-id',
      inferred: false,
      reason: named ? 'creator PID and ParentProcessName from this record (creation not in the case)' : 'creator PID from this record (creation not in the case)',
    });
  }
  for (const s of stubs.values()) procs.set(s.id, s);
  // A stub's command line is the ParentCommandLine of the child record it was made from.
  const stubRows = [...stubs.values()].filter((s) => s.guid !== null && s.order !== Number.MAX_SAFE_INTEGER);
  for (let i = 0; i < stubRows.length; i += 500) {
    const part = stubRows.slice(i, i + 500);
    const cl = new Map(db.query(`SELECT id, parent_command_line FROM events WHERE id IN (${part.map(() => '?').join(',')})`, part.map((s) => s.order)).map((r) => [Number(r.id), str(r.parent_command_line)]));
    for (const s of part) s.commandLine = cl.get(s.order) ?? null;
  }
  for (const s of stubs.values()) s.order = Number.MAX_SAFE_INTEGER;

  markWmi(db, procs, byPid, hosts, sources);

  const byHost = new Map<string, string[]>();
  for (const p of [...procs.values()].sort(byStart)) (byHost.get(p.host) ?? byHost.set(p.host, []).get(p.host)!).push(p.id);
  return { processes: procs as Map<string, ProcessInfo>, byPid: byPid as Map<string, ProcessInfo[]>, byHost, hosts };
}

/** One row of the process query, as a fixed-shape object (cheap to create by the hundred thousand). */
interface ProcRow {
  id: unknown; host: unknown; time: unknown; time_ms: unknown; channel: unknown; event_id: unknown; record_id: unknown;
  source_id: unknown; record_number: unknown; image: unknown; parent_image: unknown; command_line: unknown; user_name: unknown;
  process_guid: unknown; parent_process_guid: unknown; f_pid: unknown; f_newpid: unknown; f_ppid: unknown; f_utc: unknown; f_pname: unknown;
}

function toProcRows(columns: string[], rows: unknown[][]): ProcRow[] {
  const c = (n: string) => {
    const i = columns.indexOf(n);
    if (i < 0) throw new Error(`column ${n} missing`);
    return i;
  };
  const [id, host, time, timeMs, channel, eventId, recordId, sourceId, recordNumber, image, parentImage, commandLine, userName, guid, parentGuid, pid, newPid, ppid, utc, pname] = [
    'id', 'host', 'time', 'time_ms', 'channel', 'event_id', 'record_id', 'source_id', 'record_number', 'image', 'parent_image', 'command_line',
    'user_name', 'process_guid', 'parent_process_guid', 'f_pid', 'f_newpid', 'f_ppid', 'f_utc', 'f_pname',
  ].map(c);
  const out: ProcRow[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const a = rows[i];
    out[i] = {
      id: a[id], host: a[host], time: a[time], time_ms: a[timeMs], channel: a[channel], event_id: a[eventId], record_id: a[recordId],
      source_id: a[sourceId], record_number: a[recordNumber], image: a[image], parent_image: a[parentImage], command_line: a[commandLine],
      user_name: a[userName], process_guid: a[guid], parent_process_guid: a[parentGuid], f_pid: a[pid], f_newpid: a[newPid], f_ppid: a[ppid],
      f_utc: a[utc], f_pname: a[pname],
    };
  }
  return out;
}

function newProc(id: string, host: string, order: number): Proc {
  return {
    id, host, pid: null, guid: null, image: '', commandLine: null, user: null, start: null, end: null, parentId: null,
    parentPid: null, parentImage: null, parentLink: null, sources: [], childIds: [], wmi: [], evidence: [],
    startMs: null, endMs: null, order, parentGuid: null, parentCommandLine: null,
  };
}

function fillFromSysmon(p: Proc, r: ProcRow, ms: number | null): void {
  if (!p.sources.includes('sysmon')) p.sources.push('sysmon');
  const stub = p.sources.indexOf('stub');
  if (stub >= 0) p.sources.splice(stub, 1);
  p.order = Number(r.id);
  p.guid = str(r.process_guid);
  p.pid = parsePid(r.f_pid) ?? p.pid;
  p.image = str(r.image) ?? p.image;
  p.commandLine = str(r.command_line) ?? p.commandLine;
  p.user = str(r.user_name);
  p.startMs = ms;
  // The record's own time when it is at least as precise as UtcTime (EVTX: 7 digits); else UtcTime.
  const t = str(r.time);
  p.start = t && t.length >= 24 ? t : msToIso(ms) ?? t;
  p.parentGuid = str(r.parent_process_guid)?.toLowerCase() ?? null;
  p.parentPid = parsePid(r.f_ppid);
  p.parentImage = str(r.parent_image);
}

function pushExit(exits: Map<string, Array<{ ms: number | null; order: number; image: string | null }>>, host: string, pid: number, ms: number | null, order: number, image: string | null): void {
  const k = `${host}|${pid}`;
  (exits.get(k) ?? exits.set(k, []).get(k)!).push({ ms, order, image });
}

function addMark(p: ProcessInfo, mark: WmiMark): void {
  const same = p.wmi.find((m) => m.kind === mark.kind);
  if (same) same.evidence.push(...mark.evidence.filter((e) => !same.evidence.some((x) => x.eventRowId === e.eventRowId)));
  else p.wmi.push(mark);
}

function markWmi(db: CaseDb, procs: Map<string, Proc>, byPid: Map<string, Proc[]>, hosts: HostResolver, sources: SourceNames): void {
  for (const p of procs.values()) {
    const parent = p.parentId ? procs.get(p.parentId) : undefined;
    const parentImage = parent?.image || p.parentImage;
    const ev = p.evidence.slice(0, 2);
    if (imageMatches(parentImage, 'wmiprvse.exe')) {
      addMark(p, { kind: 'child-of-wmiprvse', why: 'parent is WmiPrvSE.exe: started through WMI (Win32_Process.Create or a CommandLineEventConsumer)', evidence: ev });
    }
    if (imageMatches(parentImage, 'scrcons.exe')) {
      addMark(p, { kind: 'child-of-scrcons', why: 'parent is scrcons.exe: started by an ActiveScriptEventConsumer script', evidence: ev });
    }
    const img = baseName(p.image);
    if (img === 'scrcons.exe') addMark(p, { kind: 'scrcons-host', why: 'scrcons.exe hosts ActiveScriptEventConsumer scripts', evidence: ev });
    if (img === 'wmic.exe') addMark(p, { kind: 'wmic', why: 'WMIC.exe: WMI command-line use', evidence: ev });
    if (img === 'mofcomp.exe') addMark(p, { kind: 'mofcomp', why: 'mofcomp.exe: compiles MOF into the WMI repository', evidence: ev });
    if (isPowerShell(p.image) && p.commandLine && WMI_CMDLETS.test(p.commandLine)) {
      addMark(p, { kind: 'powershell-wmi', why: 'PowerShell command line uses WMI/CIM cmdlets', evidence: ev });
    }
  }
  // PowerShell logging (4103/4104) names the hosting process by its System ProcessID.
  const rows = db.query(
    `SELECT ${REF_COLUMNS}, process_id, data FROM events
     WHERE event_id IN (4103, 4104) AND (data LIKE '%wmi%' OR data LIKE '%cim%' OR data LIKE '%management%')`,
  );
  for (const r of rows) {
    if (!WMI_CMDLETS.test(String(r.data))) continue;
    const pid = parsePid(r.process_id);
    if (pid === null) continue;
    const host = hosts.canonical(String(r.host));
    const list = byPid.get(`${host}|${pid}`);
    if (!list) continue;
    const ms = eventMs(undefined, r.time_ms);
    let hit: Proc | undefined;
    for (const c of list) if (isPowerShell(c.image) && notAfter(c.startMs, c.order, ms, Number(r.id)) && (c.endMs === null || ms === null || c.endMs >= ms)) hit = c;
    if (hit) addMark(hit, { kind: 'powershell-wmi', why: 'PowerShell logged WMI/CIM cmdlets in this process (4103/4104)', evidence: [sources.ref(r, host)] });
  }
}

/** Processes whose parent image matches (e.g. "wmiprvse.exe"), optionally on one host. */
export function processesByParentImage(forest: ProcessForest, parentImage: string, host?: string): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  const h = host ? forest.hosts.resolve(host) ?? host : undefined;
  for (const p of forest.processes.values()) {
    if (h && p.host !== h) continue;
    if (p.sources.length === 1 && p.sources[0] === 'stub') continue;
    const parent = p.parentId ? forest.processes.get(p.parentId) : undefined;
    if (imageMatches(parent?.image || p.parentImage, parentImage)) out.push(p);
  }
  return out.sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
}

/**
 * Event rows whose parent process image matches: as logged (parent_image column), plus the
 * process creations whose parent the tree resolved (4688 without ParentProcessName).
 */
export function eventsByParentImage(db: CaseDb, forest: ProcessForest, parentImage: string, host?: string): Array<{ eventRowId: number; resolved: boolean }> {
  const out = new Map<number, boolean>();
  const want = parentImage.trim().toLowerCase();
  const bare = !want.includes('\\') && !want.includes('/');
  const name = bare && !want.includes('.') ? `${want}.exe` : want;
  const like = bare ? `%\\${name.replace(/[!%_]/g, (c) => `!${c}`)}` : name;
  const rows = db.query(
    `SELECT id, host, parent_image FROM events WHERE parent_image IS NOT NULL AND (lower(parent_image) = ? OR lower(parent_image) LIKE ? ESCAPE '!')`,
    [name, like],
  );
  const h = host ? forest.hosts.resolve(host) ?? host : undefined;
  for (const r of rows) {
    if (h && forest.hosts.canonical(String(r.host)) !== h) continue;
    if (imageMatches(String(r.parent_image), parentImage)) out.set(Number(r.id), false);
  }
  for (const p of processesByParentImage(forest, parentImage, host)) {
    for (const e of p.evidence) if (e.eventRowId !== null && !out.has(e.eventRowId) && (e.eventId === 1 || e.eventId === 4688)) out.set(e.eventRowId, true);
  }
  return [...out].map(([eventRowId, resolved]) => ({ eventRowId, resolved })).sort((a, b) => a.eventRowId - b.eventRowId);
}

/** The forest as plain data, optionally only one host and/or the processes under a parent image (with their descendants). */
export function forestData(forest: ProcessForest, opts: { host?: string; parentImage?: string } = {}): ProcessForestData {
  const h = opts.host ? forest.hosts.resolve(opts.host) ?? opts.host : undefined;
  let ids: Set<string>;
  if (opts.parentImage) {
    ids = new Set();
    const matches = processesByParentImage(forest, opts.parentImage, opts.host);
    // Keep the matching processes, their parents (context) and every descendant.
    for (const m of matches) if (m.parentId) ids.add(m.parentId);
    const stack = matches.map((m) => m.id);
    const seen = new Set<string>();
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      ids.add(id);
      for (const c of forest.processes.get(id)?.childIds ?? []) stack.push(c);
    }
  } else ids = new Set(forest.processes.keys());
  const processes: ProcessInfo[] = [];
  const hosts = new Set<string>();
  for (const [host, list] of forest.byHost) {
    if (h && host !== h) continue;
    for (const id of list) {
      if (!ids.has(id)) continue;
      processes.push(strip(forest.processes.get(id)!));
      hosts.add(host);
    }
  }
  return { hosts: [...hosts].sort(), processes };
}

/** Drop the resolution-only fields so the object is exactly a ProcessInfo. */
function strip(p: ProcessInfo): ProcessInfo {
  const { id, host, pid, guid, image, commandLine, user, start, end, parentId, parentPid, parentImage, parentLink, sources, childIds, wmi, evidence } = p;
  return { id, host, pid, guid, image, commandLine, user, start, end, parentId, parentPid, parentImage, parentLink, sources, childIds, wmi, evidence };
}
