/**
 * WMI lateral movement, seen from both ends.
 * - Target: a network logon (4624, LogonType 3) followed by processes WmiPrvSE.exe started
 *   in that session (Sysmon 1 LogonId = 4624 TargetLogonId: exact-id) or, failing that,
 *   shortly after it (inferred-time).
 * - Source: explicit-credential logons (4648) naming another machine, `wmic /node:` and
 *   `Invoke-WmiMethod` / `Get-WmiObject` / CIM `-ComputerName` command lines, and
 *   subscriptions whose client machine is not the host that logged them.
 * Source and target hosts are linked (host -> host, created-remotely) only when both are in
 * the case and the records name each other (host name, or an address the source host used).
 */
import type { EvidenceReference } from '../../shared/model/detection';
import type { Confidence, ProcessInfo } from '../../shared/model/graph';
import type { WmiSubscription } from '../../shared/model/subscription';
import type { CaseDb } from '../db/case-db';
import { bulkRows, dataField, dataFieldPlain, eventMs, jsonStringValue, imageMatches, parsePid, REF_COLUMNS, SourceNames, str } from './case-rows';
import { addProcessWithAncestors, addSubscriptionNodes } from './execution-chains';
import { GraphBuilder, nodeId } from './graph-builder';
import type { ProcessForest } from './process-tree';

export type MovementKind = 'network-logon-wmi-exec' | 'explicit-credentials' | 'wmic-node' | 'powershell-computername' | 'remote-subscription';

export interface MovementIndicator {
  kind: MovementKind;
  /** The host that logged the record. */
  loggedBy: string;
  side: 'source' | 'target';
  /** The other end as logged (host name or address). */
  peer: string;
  /** The other end resolved to a host of the case, when it is one. */
  peerHost: string | null;
  time: string | null;
  user: string | null;
  /** Processes involved on the logging host (graph node ids). */
  processIds: string[];
  confidence: Confidence;
  reason: string;
  evidence: EvidenceReference[];
}

export interface HostLink {
  source: string;
  target: string;
  /** Indicators on either side that name the other. */
  indicators: MovementIndicator[];
  /** True when both ends logged something about the movement. */
  bothSides: boolean;
}

export interface LateralMovementResult {
  indicators: MovementIndicator[];
  hostLinks: HostLink[];
  /** Case hosts by the IPv4/IPv6 addresses findings named (Sysmon 3, Initiated = true). */
  addresses: Record<string, string>;
}

const SESSION_WINDOW_MS = 120_000;

const isLocalAddress = (a: string) => /^(?:-|::1|127\.|0:0:0:0:0:0:0:1$|::ffff:127\.|fe80:|0\.0\.0\.0$)/i.test(a.trim()) || a.trim() === '';

/**
 * The case host that used an address as the source of its own outbound connections
 * (Sysmon 3, Initiated = true); null when none or more than one did. Looked up per address,
 * only for addresses a finding needs (cached).
 */
class AddressBook {
  private readonly cache = new Map<string, string | null>();
  constructor(private readonly db: CaseDb, private readonly forest: ProcessForest) {}
  resolve(ip: string | null): string | null {
    if (!ip || isLocalAddress(ip) || !/^[0-9a-fA-F.:]{2,45}$/.test(ip)) return null;
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit;
    const rows = this.db.query(
      `SELECT DISTINCT host FROM events
       WHERE event_id = 3 AND instr(data, ?) > 0 AND (instr(data, '"Initiated":"true"') > 0 OR instr(data, '"Initiated":"True"') > 0)`,
      [`"SourceIp":"${ip}"`],
    );
    const hosts = new Set(rows.map((r) => this.forest.hosts.canonical(String(r.host))));
    const h = hosts.size === 1 ? [...hosts][0] : null;
    this.cache.set(ip, h);
    return h;
  }
  /** Resolve several addresses with one scan. */
  prefetch(ips: string[]): void {
    const want = [...new Set(ips)].filter((ip) => ip && !isLocalAddress(ip) && /^[0-9a-fA-F.:]{2,45}$/.test(ip) && !this.cache.has(ip));
    if (want.length === 0) return;
    if (want.length === 1) {
      this.resolve(want[0]);
      return;
    }
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < want.length; i += 200) {
      const part = want.slice(i, i + 200);
      const rows = this.db.query(
        `SELECT DISTINCT host, ip FROM (SELECT host, ${dataFieldPlain('SourceIp', 80)} AS ip FROM events
           WHERE event_id = 3 AND (instr(data, '"Initiated":"true"') > 0 OR instr(data, '"Initiated":"True"') > 0))
         WHERE ip IN (${part.map(() => '?').join(',')})`,
        part,
      );
      for (const r of rows) {
        const ip = String(r.ip);
        (seen.get(ip) ?? seen.set(ip, new Set()).get(ip)!).add(this.forest.hosts.canonical(String(r.host)));
      }
    }
    for (const ip of want) {
      const hs = seen.get(ip);
      this.cache.set(ip, hs && hs.size === 1 ? [...hs][0] : null);
    }
  }

  known(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [ip, h] of this.cache) if (h) out[ip] = h;
    return out;
  }
}

/** Remote targets a command line names: `wmic /node:X`, `-ComputerName X` / `-cn X` with WMI/CIM cmdlets. */
export function remoteTargetsOf(commandLine: string): Array<{ kind: 'wmic-node' | 'powershell-computername'; target: string }> {
  const out: Array<{ kind: 'wmic-node' | 'powershell-computername'; target: string }> = [];
  const cl = commandLine.slice(0, 65536);
  for (const m of cl.matchAll(/\/node\s*:\s*(?:"([^"]*)"|'([^']*)'|([^\s/]+))/gi)) {
    for (const t of (m[1] ?? m[2] ?? m[3] ?? '').split(',')) {
      const v = t.trim();
      if (v && !v.startsWith('@')) out.push({ kind: 'wmic-node', target: v });
    }
  }
  if (/\b(?:invoke-wmimethod|get-wmiobject|gwmi|set-wmiinstance|remove-wmiobject|register-wmievent|invoke-cimmethod|get-ciminstance|new-cimsession|new-ciminstance)\b/i.test(cl)) {
    for (const m of cl.matchAll(/-(?:computername|computer|cn)\s+(?:@\(\s*)?(?:"([^"]*)"|'([^']*)'|([^\s;|)"',]+))/gi)) {
      for (const t of (m[1] ?? m[2] ?? m[3] ?? '').split(',')) {
        const v = t.trim();
        if (v && !v.startsWith('$')) out.push({ kind: 'powershell-computername', target: v });
      }
    }
  }
  return out;
}

export function findLateralMovement(db: CaseDb, forest: ProcessForest, subscriptions: WmiSubscription[], b: GraphBuilder): LateralMovementResult {
  const sources = new SourceNames(db);
  const addresses = new AddressBook(db, forest);
  const indicators: MovementIndicator[] = [];
  const resolvePeer = (name: string | null, ip: string | null): string | null => {
    const byName = name ? forest.hosts.resolve(name) : null;
    if (byName) return byName;
    return addresses.resolve(ip);
  };
  const hostNode = (h: string, inCase: boolean) => {
    const id = nodeId.host(h);
    b.node({ id, type: 'host', label: h, host: h, props: { inCase } });
    return id;
  };

  // ---- target side: network logons and WmiPrvSE children
  // Only hosts with WMI-launched processes can show remote WMI execution.
  const wmiHosts = new Set<string>();
  for (const p of forest.processes.values()) if (p.wmi.some((m) => m.kind === 'child-of-wmiprvse')) wmiHosts.add(p.host);
  const loggedAs = db.query('SELECT DISTINCT host FROM events').map((r) => String(r.host)).filter((h) => wmiHosts.has(forest.hosts.canonical(h)));
  const logons = loggedAs.length === 0 ? [] : bulkRows(
    db,
    `SELECT ${REF_COLUMNS}, ${dataField('LogonType', 8)} AS f_type, ${dataField('TargetUserName', 300)} AS f_user,
       ${dataField('TargetDomainName', 300)} AS f_domain, ${dataField('TargetLogonId', 40)} AS f_logon,
       ${dataField('IpAddress', 80)} AS f_ip, ${dataField('WorkstationName', 300)} AS f_ws
     FROM events WHERE event_id = 4624 AND lower(channel) = 'security' AND host IN (${loggedAs.map(() => '?').join(',')})
       AND instr(data, '"LogonType":"3"') > 0`,
    loggedAs,
  ).sort((a, b) => Number(a.id) - Number(b.id));
  for (const r of logons) for (const k of ['f_type', 'f_user', 'f_domain', 'f_logon', 'f_ip', 'f_ws']) r[k] = jsonStringValue(r[k]);
  interface Logon { host: string; ms: number | null; order: number; user: string; logonId: number | null; ip: string | null; ws: string | null; ref: EvidenceReference; time: string | null }
  const logonsByHost = new Map<string, Logon[]>();
  for (const r of logons) {
    if (String(r.f_type) !== '3') continue;
    const host = forest.hosts.canonical(String(r.host));
    const user = [str(r.f_domain), str(r.f_user)].filter(Boolean).join('\\') || '?';
    const l: Logon = {
      host, ms: eventMs(undefined, r.time_ms), order: Number(r.id), user, logonId: parsePid(r.f_logon), ip: str(r.f_ip), ws: str(r.f_ws),
      ref: sources.ref(r, host), time: str(r.time),
    };
    (logonsByHost.get(host) ?? logonsByHost.set(host, []).get(host)!).push(l);
  }
  // Sysmon LogonId of each WmiPrvSE child (exact session match).
  const logonIdOfRow = new Map<number, number>();
  for (const r of db.query(`SELECT id, ${dataField('LogonId', 40)} AS f_logon FROM events WHERE event_id = 1 AND parent_image LIKE '%wmiprvse.exe'`)) {
    const v = parsePid(jsonStringValue(r.f_logon));
    if (v !== null) logonIdOfRow.set(Number(r.id), v);
  }
  const targetGroups: Array<{ host: string; groups: Map<Logon, { conf: Confidence; procs: ProcessInfo[] }> }> = [];
  for (const [host, list] of logonsByHost) {
    const children = (forest.byHost.get(host) ?? []).map((id) => forest.processes.get(id)!).filter((p) => p.wmi.some((m) => m.kind === 'child-of-wmiprvse'));
    if (children.length === 0) continue;
    const groups = new Map<Logon, { conf: Confidence; procs: ProcessInfo[] }>();
    for (const p of children) {
      const sysmonRow = p.evidence.find((e) => e.eventId === 1)?.eventRowId;
      const lid = sysmonRow !== undefined && sysmonRow !== null ? logonIdOfRow.get(sysmonRow) : undefined;
      let match: Logon | undefined;
      let conf: Confidence = 'inferred-time';
      if (lid !== undefined) {
        match = list.find((l) => l.logonId === lid);
        if (match) conf = 'exact-id';
      }
      if (!match) {
        const pms = p.start ? Date.parse(p.start) : NaN;
        if (Number.isNaN(pms)) continue;
        // The latest remote (non-local address) network logon shortly before the process.
        for (const l of list) {
          if (l.ms === null || l.ms > pms || pms - l.ms > SESSION_WINDOW_MS) continue;
          if (!l.ip || isLocalAddress(l.ip)) continue;
          if (!match || (match.ms ?? 0) <= l.ms) match = l;
        }
      }
      if (!match) continue;
      const g = groups.get(match) ?? { conf, procs: [] };
      if (conf === 'exact-id') g.conf = 'exact-id';
      g.procs.push(p);
      groups.set(match, g);
    }
    targetGroups.push({ host, groups });
  }
  // One pass over Sysmon 3 for every address these logons came from.
  addresses.prefetch(targetGroups.flatMap(({ groups }) => [...groups.keys()].filter((l) => !(l.ws && l.ws !== '-' && forest.hosts.resolve(l.ws))).map((l) => l.ip ?? '')));
  for (const { host, groups } of targetGroups) {
    for (const [l, g] of groups) {
      const peerHost = resolvePeer(l.ws && l.ws !== '-' ? l.ws : null, l.ip);
      const peer = l.ws && l.ws !== '-' ? l.ws : l.ip ?? '?';
      const ind: MovementIndicator = {
        kind: 'network-logon-wmi-exec',
        loggedBy: host,
        side: 'target',
        peer,
        peerHost: peerHost && peerHost !== host ? peerHost : null,
        time: l.time,
        user: l.user,
        processIds: g.procs.map((p) => p.id),
        confidence: g.conf,
        reason: g.conf === 'exact-id' ? 'WmiPrvSE.exe children run in this network logon session (LogonId)' : 'WmiPrvSE.exe children started shortly after this network logon',
        evidence: [l.ref, ...g.procs.flatMap((p) => p.evidence.filter((e) => e.eventId === 1 || e.eventId === 4688).slice(0, 1))],
      };
      indicators.push(ind);
      const hid = hostNode(host, true);
      const uid = nodeId.user(l.user);
      b.node({ id: uid, type: 'user', label: l.user, host: null });
      b.edge('logged-on', uid, hid, { confidence: 'exact-id', reason: `network logon (type 3) from ${peer}`, time: l.time, evidence: [l.ref] });
      for (const p of g.procs) {
        addProcessWithAncestors(b, forest, p);
        b.edge('logged-on', uid, p.id, { confidence: g.conf, reason: ind.reason, time: p.start, evidence: [l.ref, ...p.evidence.slice(0, 1)] });
      }
      if (l.ip && !isLocalAddress(l.ip)) {
        const eid = nodeId.endpoint(l.ip, null);
        b.node({ id: eid, type: 'endpoint', label: l.ip, host: null, props: { address: l.ip, workstation: l.ws } });
        b.edge('logged-on', eid, hid, { confidence: 'exact-id', reason: 'network logon from this address', time: l.time, evidence: [l.ref] });
      }
    }
  }

  // ---- source side: 4648 explicit credentials naming another machine
  const creds = db.query(
    `SELECT ${REF_COLUMNS}, json_extract(data, '$.TargetServerName') AS f_server, json_extract(data, '$.TargetInfo') AS f_info,
       json_extract(data, '$.SubjectUserName') AS f_subject, json_extract(data, '$.SubjectDomainName') AS f_sdomain,
       json_extract(data, '$.TargetUserName') AS f_user, json_extract(data, '$.TargetDomainName') AS f_domain,
       json_extract(data, '$.ProcessId') AS f_pid, json_extract(data, '$.ProcessName') AS f_pname
     FROM events WHERE event_id = 4648 AND lower(channel) = 'security' ORDER BY id`,
  );
  for (const r of creds) {
    const host = forest.hosts.canonical(String(r.host));
    const server = str(r.f_server);
    if (!server || server === '-' || forest.hosts.same(server, host) || /^localhost$/i.test(server)) continue;
    const peerHost = forest.hosts.resolve(server);
    const user = [str(r.f_domain), str(r.f_user)].filter(Boolean).join('\\') || '?';
    const ref = sources.ref(r, host);
    const ms = eventMs(undefined, r.time_ms);
    // The process that used the credentials, by PID and image among the host's processes alive then.
    const pid = parsePid(r.f_pid);
    const pname = str(r.f_pname);
    let proc: string | null = null;
    if (pid !== null) {
      let best: { id: string; start: number } | null = null;
      for (const p of forest.byPid.get(`${host}|${pid}`) ?? []) {
        if (p.pid !== pid || (pname && !imageMatches(p.image, pname.split('\\').pop() ?? pname))) continue;
        const s = p.start ? Date.parse(p.start) : NaN;
        if (Number.isNaN(s) || ms === null || s > ms) continue;
        if (p.end && Date.parse(p.end) < ms) continue;
        if (!best || s >= best.start) best = { id: p.id, start: s };
      }
      proc = best?.id ?? null;
    }
    const kind: MovementKind = 'explicit-credentials';
    const ind: MovementIndicator = {
      kind, loggedBy: host, side: 'source', peer: server, peerHost: peerHost && peerHost !== host ? peerHost : null, time: str(r.time), user,
      processIds: proc ? [proc] : [], confidence: 'name-match',
      reason: `explicit credentials (${user}) used against ${server}${str(r.f_info) ? ` (${str(r.f_info)})` : ''}${pname ? ` by ${pname}` : ''}`,
      evidence: [ref],
    };
    indicators.push(ind);
    const targetName = peerHost ?? server;
    const tid = hostNode(targetName, peerHost !== null);
    const uid = nodeId.user(user);
    b.node({ id: uid, type: 'user', label: user, host: null });
    b.edge('used-credentials', uid, tid, { confidence: 'name-match', reason: ind.reason, time: str(r.time), evidence: [ref] });
    hostNode(host, true);
    if (proc) {
      addProcessWithAncestors(b, forest, forest.processes.get(proc)!);
      b.edge('targeted', proc, tid, { confidence: 'name-match', reason: ind.reason, time: str(r.time), evidence: [ref, ...forest.processes.get(proc)!.evidence.slice(0, 1)] });
    }
  }

  // ---- source side: command lines naming a remote machine
  for (const p of forest.processes.values()) {
    if (!p.commandLine || !/node|computer|-cn\b/i.test(p.commandLine)) continue;
    for (const t of remoteTargetsOf(p.commandLine)) {
      if (forest.hosts.same(t.target, p.host) || /^(localhost|\.|127\.0\.0\.1)$/i.test(t.target)) continue;
      const peerHost = resolvePeer(t.target, t.target);
      const ev = p.evidence.filter((e) => e.eventId === 1 || e.eventId === 4688);
      const ind: MovementIndicator = {
        kind: t.kind, loggedBy: p.host, side: 'source', peer: t.target, peerHost: peerHost && peerHost !== p.host ? peerHost : null, time: p.start,
        user: p.user, processIds: [p.id], confidence: 'name-match',
        reason: t.kind === 'wmic-node' ? `wmic /node:${t.target}` : `WMI/CIM cmdlet with -ComputerName ${t.target}`, evidence: ev,
      };
      indicators.push(ind);
      const tid = hostNode(peerHost ?? t.target, peerHost !== null);
      addProcessWithAncestors(b, forest, p);
      b.edge('targeted', p.id, tid, { confidence: 'name-match', reason: ind.reason, time: p.start, evidence: ev });
    }
  }

  // ---- source side: PowerShell logging (4103 parameter bindings, 4104 script blocks) naming a remote machine
  const psRows = db.query(
    `SELECT ${REF_COLUMNS}, process_id, json_extract(data, '$.Payload') AS f_payload, json_extract(data, '$.ScriptBlockText') AS f_script
     FROM events WHERE event_id IN (4103, 4104) AND data LIKE '%computer%' ORDER BY id`,
  );
  for (const r of psRows) {
    const host = forest.hosts.canonical(String(r.host));
    const text = `${str(r.f_payload) ?? ''}\n${str(r.f_script) ?? ''}`.slice(0, 262144);
    const targets = new Set<string>();
    for (const m of text.matchAll(/ParameterBinding\((?:Invoke-WmiMethod|Get-WmiObject|Set-WmiInstance|Remove-WmiObject|Register-WmiEvent|Invoke-CimMethod|Get-CimInstance|New-CimSession|New-CimInstance)\): name="ComputerName"; value="([^"]+)"/gi)) {
      for (const t of m[1].split(/[,\s]+/)) if (t) targets.add(t);
    }
    for (const t of remoteTargetsOf(text)) targets.add(t.target);
    const ref = sources.ref(r, host);
    for (const target of targets) {
      if (forest.hosts.same(target, host) || /^(localhost|\.|127\.0\.0\.1)$/i.test(target)) continue;
      const peerHost = resolvePeer(target, target);
      const pid = parsePid(r.process_id);
      const proc = pid === null ? undefined : (forest.byPid.get(`${host}|${pid}`) ?? []).filter((p) => /powershell|pwsh/i.test(p.image)).pop();
      const ind: MovementIndicator = {
        kind: 'powershell-computername', loggedBy: host, side: 'source', peer: target, peerHost: peerHost && peerHost !== host ? peerHost : null,
        time: str(r.time), user: null, processIds: proc ? [proc.id] : [], confidence: 'name-match',
        reason: `PowerShell ${r.event_id}: WMI/CIM cmdlet with -ComputerName ${target}`, evidence: [ref],
      };
      indicators.push(ind);
      const tid = hostNode(peerHost ?? target, peerHost !== null);
      hostNode(host, true);
      if (proc) {
        addProcessWithAncestors(b, forest, proc);
        b.edge('targeted', proc.id, tid, { confidence: 'name-match', reason: ind.reason, time: str(r.time), evidence: [ref] });
      } else {
        b.edge('targeted', nodeId.host(host), tid, { confidence: 'name-match', reason: ind.reason, time: str(r.time), evidence: [ref] });
      }
    }
  }

  // ---- remote subscription creation
  for (const s of subscriptions) {
    const host = forest.hosts.canonical(s.host);
    const client = s.clientMachine;
    if (!client || forest.hosts.same(client, host) || /^(localhost|\.|127\.0\.0\.1|::1)$/i.test(client)) continue;
    const peerHost = resolvePeer(client, client);
    const ev = s.lifecycle.filter((l) => l.evidence).map((l) => l.evidence);
    const ind: MovementIndicator = {
      kind: 'remote-subscription', loggedBy: host, side: 'target', peer: client, peerHost: peerHost && peerHost !== host ? peerHost : null,
      time: s.created, user: s.user, processIds: [], confidence: 'name-match', reason: `subscription created from client machine ${client}`, evidence: ev,
    };
    indicators.push(ind);
    const { binding } = addSubscriptionNodes(b, forest, s);
    const cid = hostNode(peerHost ?? client, peerHost !== null);
    b.edge('created-remotely', cid, binding, { confidence: 'name-match', reason: ind.reason, time: s.created, evidence: ev });
  }

  // ---- link hosts that are both in the case
  const links = new Map<string, HostLink>();
  for (const ind of indicators) {
    if (!ind.peerHost) continue;
    const [source, target] = ind.side === 'source' ? [ind.loggedBy, ind.peerHost] : [ind.peerHost, ind.loggedBy];
    if (source === target) continue;
    const k = `${source}\u0000${target}`;
    const l = links.get(k) ?? { source, target, indicators: [], bothSides: false };
    l.indicators.push(ind);
    links.set(k, l);
  }
  for (const l of links.values()) {
    l.bothSides = l.indicators.some((i) => i.side === 'source') && l.indicators.some((i) => i.side === 'target');
    const sid = hostNode(l.source, true);
    const tid = hostNode(l.target, true);
    const conf: Confidence = l.indicators.some((i) => i.confidence === 'exact-id') || l.bothSides ? 'name-match' : l.indicators[0].confidence;
    b.edge('created-remotely', sid, tid, {
      confidence: conf,
      reason: `WMI lateral movement: ${[...new Set(l.indicators.map((i) => i.kind))].join(', ')}${l.bothSides ? ' (seen on both hosts)' : ''}`,
      time: l.indicators.map((i) => i.time).filter((t): t is string => !!t).sort()[0] ?? null,
      evidence: l.indicators.flatMap((i) => i.evidence),
    });
  }
  return { indicators, hostLinks: [...links.values()], addresses: addresses.known() };
}

