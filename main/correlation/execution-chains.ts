/**
 * Execution chains: what each reconstructed WMI subscription caused. The consumer's payload
 * is matched to processes that wmiprvse.exe (CommandLineEventConsumer) or scrcons.exe
 * (ActiveScriptEventConsumer) started on the same host after the binding was created (and
 * before it was deleted); from there the chain follows descendants and what they did:
 * network connections (Sysmon 3), files written (Sysmon 11), registry changes (Sysmon
 * 12-14), services installed or changed (7045 / 7036), Defender and AMSI detections.
 * Every link carries the records that justify it and a confidence. A chain never leaves
 * its host: cross-host links are lateral-movement.ts's job.
 */
import type { EvidenceReference } from '../../shared/model/detection';
import { isoToEpochMs } from '../../shared/model/event';
import type { Confidence, ProcessInfo } from '../../shared/model/graph';
import type { WmiSubscription } from '../../shared/model/subscription';
import type { CaseDb, Row } from '../db/case-db';
import { knownBenignFile } from '../detection/paths';
import { reconstructSubscriptions } from '../subscriptions/reconstruct';
import { loadKnownBenign, type KnownBenignList } from '../subscriptions/verdict';
import { baseName, eventMs, imageMatches, msToIso, parsePid, REF_COLUMNS, SourceNames, str } from './case-rows';
import { GraphBuilder, nodeId } from './graph-builder';
import type { ProcessForest } from './process-tree';

/** Events the subscription reconstruction reads (the rest of the case cannot contribute). */
const SUBSCRIPTION_EVENTS = `id IN (
  SELECT id FROM events WHERE event_id IN (19, 20, 21, 5859, 5860, 5861, 4103, 4104)
  UNION ALL SELECT id FROM events WHERE channel = 'WMI-Audit'
  UNION ALL SELECT id FROM events WHERE event_id IN (1, 4688) AND (((image LIKE '%powershell%' OR image LIKE '%pwsh%') AND command_line LIKE '%-e%') OR command_line LIKE '%wmi%'
      OR command_line LIKE '%cim%' OR command_line LIKE '%consumer%' OR command_line LIKE '%eventfilter%' OR command_line LIKE '%mof%'))`;

/**
 * The subscriptions of a case, from main/subscriptions' reconstruction (the same the
 * detection pass runs), fed only the events it can use.
 */
export function subscriptionsOfCase(db: CaseDb, benign?: KnownBenignList): WmiSubscription[] {
  let list = benign;
  if (!list) {
    try {
      list = loadKnownBenign(knownBenignFile());
    } catch {
      list = { entries: [] };
    }
  }
  return reconstructSubscriptions(db.iterateEvents(SUBSCRIPTION_EVENTS), list);
}

export interface TriggeredProcess {
  processId: string;
  confidence: Confidence;
  reason: string;
  evidence: EvidenceReference[];
}

export interface ExecutionChain {
  subscriptionKey: string;
  host: string;
  filterName: string | null;
  consumerClass: string | null;
  consumerName: string | null;
  bindingNodeId: string;
  /** When the binding was created (or first seen), the lower bound for what it can have caused. */
  boundAt: string | null;
  deletedAt: string | null;
  /** Processes the consumer ran directly. */
  triggered: TriggeredProcess[];
  /** Every node and edge of the chain (ids into the graph). */
  nodeIds: string[];
  edgeIds: string[];
}

/** Graph node for a process. */
export function addProcessNode(b: GraphBuilder, p: ProcessInfo): void {
  b.node({
    id: p.id,
    type: 'process',
    label: `${baseName(p.image) || '(unknown)'}${p.pid !== null ? ` (${p.pid})` : ''}`,
    host: p.host,
    time: p.start,
    props: {
      image: p.image || null,
      commandLine: p.commandLine,
      pid: p.pid,
      guid: p.guid,
      user: p.user,
      start: p.start,
      end: p.end,
      sources: p.sources.join(','),
      wmi: p.wmi.map((m) => m.kind).join(',') || null,
      parentLink: p.parentLink ? `${p.parentLink.confidence}${p.parentLink.inferred ? ' (inferred)' : ''}` : null,
    },
    evidence: p.evidence,
  });
}

/** Add a process, its ancestors (spawned edges, with the tree's link confidence) up to the root. */
export function addProcessWithAncestors(b: GraphBuilder, forest: ProcessForest, p: ProcessInfo): void {
  addProcessNode(b, p);
  let cur = p;
  const seen = new Set<string>([p.id]);
  while (cur.parentId && !seen.has(cur.parentId)) {
    const parent = forest.processes.get(cur.parentId);
    if (!parent) break;
    seen.add(parent.id);
    addProcessNode(b, parent);
    b.edge('spawned', parent.id, cur.id, spawnLink(cur));
    cur = parent;
  }
}

export function spawnLink(child: ProcessInfo): { confidence: Confidence; reason: string; time: string | null; evidence: EvidenceReference[] } {
  return {
    confidence: child.parentLink?.confidence ?? 'inferred-time',
    reason: child.parentLink ? `${child.parentLink.reason}${child.parentLink.inferred ? ' [inferred]' : ''}` : 'parent link',
    time: child.start,
    evidence: child.evidence.filter((e) => e.eventId === 1 || e.eventId === 4688),
  };
}

/** Nodes and edges for one subscription: filter, consumer, binding, the host, and the processes that created them. */
export function addSubscriptionNodes(b: GraphBuilder, forest: ProcessForest, s: WmiSubscription): { binding: string; host: string } {
  const host = forest.hosts.canonical(s.host);
  const hostId = nodeId.host(host);
  b.node({ id: hostId, type: 'host', label: host, host, props: { inCase: true } });
  const objectEvidence = (obj: 'filter' | 'consumer' | 'binding') => s.lifecycle.filter((l) => l.object === obj || l.object === 'subscription').map((l) => l.evidence);
  const bindingId = nodeId.binding(s.key);
  const bindingTime = s.lifecycle.find((l) => l.object === 'binding')?.time ?? s.created;
  b.node({
    id: bindingId,
    type: 'binding',
    label: `${s.filter?.name ?? '?'} -> ${s.consumer?.name ?? '?'}`,
    host,
    time: bindingTime ?? null,
    props: {
      subscriptionKey: s.key,
      filterRef: s.binding?.filterRef ?? null,
      consumerRef: s.binding?.consumerRef ?? null,
      verdict: s.verdict,
      reasons: s.reasons.join('; ') || null,
      created: s.created,
      deleted: s.deleted,
      user: s.user,
      clientMachine: s.clientMachine,
      temporary: s.temporary,
    },
    evidence: objectEvidence('binding').length ? objectEvidence('binding') : s.evidence,
  });
  b.edge('runs-on', bindingId, hostId, { confidence: 'exact-id', reason: 'logged by this host', evidence: s.evidence.slice(0, 1) });
  if (s.filter) {
    const fid = nodeId.filter(host, s.filter.name);
    b.node({
      id: fid,
      type: 'filter',
      label: s.filter.name,
      host,
      props: { query: s.filter.query, eventNamespace: s.filter.eventNamespace, namespace: s.filter.namespace },
      evidence: objectEvidence('filter'),
    });
    b.edge('binds', bindingId, fid, { confidence: 'exact-id', reason: 'binding names this filter', evidence: objectEvidence('binding').slice(0, 3) });
  }
  if (s.consumer) {
    const cid = nodeId.consumer(host, s.consumer.className, s.consumer.name);
    const payload: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(s.consumer.payload)) if (typeof v === 'string') payload[`payload.${k}`] = v;
    b.node({
      id: cid,
      type: 'consumer',
      label: `${s.consumer.className}: ${s.consumer.name}`,
      host,
      props: { className: s.consumer.className, name: s.consumer.name, destination: s.consumer.destination ?? null, ...payload },
      evidence: objectEvidence('consumer'),
    });
    b.edge('binds', bindingId, cid, { confidence: 'exact-id', reason: 'binding names this consumer', evidence: objectEvidence('binding').slice(0, 3) });
  }
  // The process whose command line created an object (WMIC, PowerShell) -> the object.
  const byRow = processByEvidenceRow(forest);
  for (const l of s.lifecycle) {
    if (l.action !== 'created' && l.action !== 'modified') continue;
    if (l.evidence.eventId !== 1 && l.evidence.eventId !== 4688) continue;
    const p = l.evidence.eventRowId !== null ? byRow.get(l.evidence.eventRowId) : undefined;
    if (!p || p.host !== host) continue;
    const target =
      l.object === 'filter' && s.filter ? nodeId.filter(host, s.filter.name)
      : l.object === 'consumer' && s.consumer ? nodeId.consumer(host, s.consumer.className, s.consumer.name)
      : bindingId;
    addProcessWithAncestors(b, forest, p);
    b.edge('created', p.id, target, { confidence: 'exact-id', reason: `${l.action} by this process's command line (${l.source})`, time: l.time, evidence: [l.evidence] });
  }
  return { binding: bindingId, host };
}

const candidateIndex = new WeakMap<ProcessForest, Map<string, ProcessInfo[]>>();
/** Per host, the processes a consumer can have run: WmiPrvSE.exe / scrcons.exe children, and scrcons.exe itself. */
function consumerCandidates(forest: ProcessForest, host: string): ProcessInfo[] {
  let m = candidateIndex.get(forest);
  if (!m) {
    m = new Map();
    for (const [h, ids] of forest.byHost) {
      const list: ProcessInfo[] = [];
      for (const id of ids) {
        const p = forest.processes.get(id)!;
        if (p.wmi.some((w) => w.kind === 'child-of-wmiprvse' || w.kind === 'child-of-scrcons' || w.kind === 'scrcons-host')) list.push(p);
      }
      m.set(h, list);
    }
    candidateIndex.set(forest, m);
  }
  return m.get(host) ?? [];
}

const rowIndex = new WeakMap<ProcessForest, Map<number, ProcessInfo>>();
export function processByEvidenceRow(forest: ProcessForest): Map<number, ProcessInfo> {
  let m = rowIndex.get(forest);
  if (!m) {
    m = new Map();
    for (const p of forest.processes.values()) {
      if (p.sources.length === 1 && p.sources[0] === 'stub') continue;
      for (const e of p.evidence) if (e.eventRowId !== null && (e.eventId === 1 || e.eventId === 4688)) m.set(e.eventRowId, p);
    }
    rowIndex.set(forest, m);
  }
  return m;
}

// ---------------------------------------------------------------- command-line matching

function normalizeCommand(s: string): string {
  return s
    .toLowerCase()
    .replace(/^\\\?\?\\/, '')
    .replace(/%(systemroot|windir)%/g, 'c:\\windows')
    .replace(/%comspec%/g, 'c:\\windows\\system32\\cmd.exe')
    .replace(/"/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Does `text` consist of the pieces in order with anything between them (first anchored at the start, last at the end)? Linear time. */
function wildcardMatch(pieces: string[], text: string): boolean {
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const j = text.indexOf(pieces[i], at);
    if (j < 0 || j + pieces[i].length > end) return false;
    at = j + pieces[i].length;
  }
  return true;
}

/**
 * How well a process command line matches a consumer's CommandLineTemplate (or ExecutablePath):
 * 1 equal, 0.9 equal with %Property% substitutions as wildcards, 0.8 same executable path when
 * only ExecutablePath is known, else token overlap (0..1) when the executables agree.
 */
export function commandLineScore(template: string | undefined, executablePath: string | undefined, image: string, commandLine: string | null): number {
  const cl = normalizeCommand(commandLine ?? '');
  const img = normalizeCommand(image);
  if (template && template.trim() !== '') {
    const t = normalizeCommand(template);
    if (t === cl) return 1;
    // %Property% substitutions as wildcards: matched piece by piece (no backtracking regex on hostile text).
    const pieces = t.split(/%[^%\s]+%/);
    if (pieces.length > 1 && wildcardMatch(pieces, cl)) return 0.9;
    const tt = t.split(' ');
    const ct = cl.split(' ');
    const exeT = baseName(tt[0]);
    const exeC = baseName(ct[0]) || baseName(img);
    if (exeT !== exeC && exeT !== baseName(img)) return 0;
    if (tt.length === 1 && ct.length <= 1) return 0.85;
    const a = new Set(tt.slice(1));
    const c = new Set(ct.slice(1));
    let inter = 0;
    for (const x of a) if (c.has(x)) inter++;
    const union = new Set([...a, ...c]).size;
    return union === 0 ? 0.85 : 0.5 + 0.5 * (inter / union);
  }
  if (executablePath && executablePath.trim() !== '') return normalizeCommand(executablePath) === img ? 0.8 : 0;
  return 0;
}

const MATCH_THRESHOLD = 0.75;

// ---------------------------------------------------------------- chains

interface ChainContext {
  db: CaseDb;
  forest: ProcessForest;
  builder: GraphBuilder;
  sources: SourceNames;
}

export function buildExecutionChains(db: CaseDb, forest: ProcessForest, subscriptions: WmiSubscription[], builder: GraphBuilder): ExecutionChain[] {
  const ctx: ChainContext = { db, forest, builder, sources: new SourceNames(db) };
  const chains: ExecutionChain[] = [];
  for (const s of subscriptions) chains.push(chainOf(ctx, s));
  return chains;
}

function chainOf(ctx: ChainContext, s: WmiSubscription): ExecutionChain {
  const { forest, builder: b } = ctx;
  const done = b.track();
  const { binding, host } = addSubscriptionNodes(b, forest, s);
  const bindingEvents = s.lifecycle.filter((l) => l.object === 'binding' && (l.action === 'created' || l.action === 'modified'));
  const boundAt = bindingEvents[0]?.time ?? s.created ?? s.lifecycle.map((l) => l.time).filter(Boolean).sort()[0] ?? null;
  const boundMs = boundAt ? isoToEpochMs(boundAt) : NaN;
  const deletedMs = s.deleted ? isoToEpochMs(s.deleted) : NaN;
  const cls = (s.consumer?.className ?? '').toLowerCase();
  const payload = s.consumer?.payload ?? {};
  const template = payload.CommandLineTemplate ?? (cls === 'commandlineeventconsumer' ? s.consumer?.destination : undefined);
  const exe = payload.ExecutablePath;
  const triggered: TriggeredProcess[] = [];
  const bindingEvidence = (bindingEvents.length ? bindingEvents : s.lifecycle.slice(0, 1)).map((l) => l.evidence);

  const inWindow = (p: ProcessInfo): boolean => {
    if (!p.start || Number.isNaN(boundMs)) return false;
    const ms = isoToEpochMs(p.start);
    return ms >= boundMs && (Number.isNaN(deletedMs) || ms <= deletedMs);
  };

  for (const p of consumerCandidates(forest, host)) {
    if (p.sources.length === 1 && p.sources[0] === 'stub') continue;
    const parent = p.parentId ? forest.processes.get(p.parentId) : undefined;
    const parentImage = parent?.image || p.parentImage;
    if (cls === 'commandlineeventconsumer' || (cls !== 'activescripteventconsumer' && (template || exe))) {
      if (!imageMatches(parentImage, 'wmiprvse.exe') || !inWindow(p)) continue;
      const score = commandLineScore(template, exe, p.image, p.commandLine);
      if (score < MATCH_THRESHOLD) continue;
      triggered.push({
        processId: p.id,
        confidence: 'name-match',
        reason: `started by WmiPrvSE.exe after the binding; command line matches the consumer's ${template ? 'CommandLineTemplate' : 'ExecutablePath'} (score ${score.toFixed(2)})`,
        evidence: [...bindingEvidence, ...p.evidence.filter((e) => e.eventId === 1 || e.eventId === 4688)],
      });
    } else if (cls === 'activescripteventconsumer') {
      if (baseName(p.image) !== 'scrcons.exe' || !inWindow(p)) continue;
      triggered.push({
        processId: p.id,
        confidence: 'inferred-time',
        reason: 'scrcons.exe (the ActiveScriptEventConsumer host) started on this host after the binding',
        evidence: [...bindingEvidence, ...p.evidence.filter((e) => e.eventId === 1 || e.eventId === 4688)],
      });
    }
  }
  // scrcons.exe whose creation is not in the case, known from its children.
  if (cls === 'activescripteventconsumer') {
    for (const p of consumerCandidates(forest, host)) {
      if (!(p.sources.length === 1 && p.sources[0] === 'stub') || baseName(p.image) !== 'scrcons.exe') continue;
      const kids = p.childIds.map((c) => forest.processes.get(c)!).filter(inWindow);
      if (kids.length === 0) continue;
      triggered.push({
        processId: p.id,
        confidence: 'inferred-time',
        reason: 'scrcons.exe (known from its children) ran scripts on this host after the binding',
        evidence: [...bindingEvidence, ...kids.flatMap((k) => k.evidence.slice(0, 1))],
      });
    }
  }

  const chainProcs: ProcessInfo[] = [];
  for (const t of triggered) {
    const p = forest.processes.get(t.processId)!;
    addProcessWithAncestors(b, forest, p);
    b.edge('triggers', binding, p.id, { confidence: t.confidence, reason: t.reason, time: p.start, evidence: t.evidence });
    // Descendants, each edge as sure as the tree's parent link.
    const stack = [p];
    const seen = new Set<string>();
    while (stack.length) {
      const cur = stack.pop()!;
      if (seen.has(cur.id)) continue;
      seen.add(cur.id);
      chainProcs.push(cur);
      for (const cid of cur.childIds) {
        const c = forest.processes.get(cid);
        if (!c || c.host !== host) continue;
        addProcessNode(b, c);
        b.edge('spawned', cur.id, c.id, spawnLink(c));
        stack.push(c);
      }
    }
  }
  addActivity(ctx, host, chainProcs, t0(boundMs));

  const { nodes: nodeIds, edges: edgeIds } = done();
  return {
    subscriptionKey: s.key,
    host,
    filterName: s.filter?.name ?? null,
    consumerClass: s.consumer?.className ?? null,
    consumerName: s.consumer?.name ?? null,
    bindingNodeId: binding,
    boundAt,
    deletedAt: s.deleted,
    triggered,
    nodeIds,
    edgeIds,
  };
}

const recordCache = new WeakMap<CaseDb, { events: number; byHost: Map<string, { services: Row[]; detections: Row[] }> }>();
/** Service (7045/7036) and Defender/AMSI records per canonical host, read once per case state (few rows, by the event_id index). */
function hostRecords(db: CaseDb, forest: ProcessForest, host: string): { services: Row[]; detections: Row[] } {
  const events = db.eventCount();
  let hit = recordCache.get(db);
  if (!hit || hit.events !== events) {
    const byHost = new Map<string, { services: Row[]; detections: Row[] }>();
    const slot = (h: string) => byHost.get(h) ?? byHost.set(h, { services: [], detections: [] }).get(h)!;
    for (const r of db.query(
      `SELECT ${REF_COLUMNS}, json_extract(data, '$.ServiceName') AS f_name, json_extract(data, '$.ImagePath') AS f_path,
         json_extract(data, '$.param1') AS f_p1, json_extract(data, '$.param2') AS f_p2
       FROM events WHERE event_id IN (7045, 7036) ORDER BY id`,
    )) slot(forest.hosts.canonical(String(r.host))).services.push(r);
    for (const r of db.query(
      `SELECT ${REF_COLUMNS}, process_id, json_extract(data, '$."Process Name"') AS f_proc, json_extract(data, '$."Threat Name"') AS f_threat,
         json_extract(data, '$.Path') AS f_path, json_extract(data, '$.appname') AS f_app, json_extract(data, '$.contentname') AS f_content
       FROM events WHERE event_id IN (1116, 1117, 1101)
         AND ((event_id <> 1101 AND channel LIKE '%Defender%') OR (event_id = 1101 AND channel LIKE '%Antimalware-Scan-Interface%')) ORDER BY id`,
    )) slot(forest.hosts.canonical(String(r.host))).detections.push(r);
    hit = { events, byHost };
    recordCache.set(db, hit);
  }
  return hit.byHost.get(host) ?? { services: [], detections: [] };
}

const t0 = (ms: number): number | null => (Number.isNaN(ms) ? null : ms);

/**
 * What processes did on their host: Sysmon 3 / 11 / 12-14 by ProcessGuid (exact-id),
 * services installed (7045) whose image path appears in a process's command line
 * (name-match), Defender detections naming the process image (name-match) and AMSI records
 * from the process's PID while it ran (inferred-time).
 */
export function addActivity(ctx: { db: CaseDb; forest: ProcessForest; builder: GraphBuilder; sources: SourceNames }, host: string, procs: ProcessInfo[], sinceMs: number | null): void {
  if (procs.length === 0) return;
  const { db, builder: b, sources, forest } = ctx;
  const byGuid = new Map<string, ProcessInfo>();
  for (const p of procs) if (p.guid) byGuid.set(p.guid.toLowerCase(), p);
  const guids = [...new Set(procs.map((p) => p.guid).filter((g): g is string => !!g))];
  for (let i = 0; i < guids.length; i += 400) {
    const part = guids.slice(i, i + 400);
    const rows = db.query(
      `SELECT ${REF_COLUMNS}, process_guid, json_extract(data, '$.TargetFilename') AS f_file, json_extract(data, '$.TargetObject') AS f_key,
         json_extract(data, '$.Details') AS f_details, json_extract(data, '$.EventType') AS f_type,
         json_extract(data, '$.DestinationIp') AS f_dip, json_extract(data, '$.DestinationPort') AS f_dport,
         json_extract(data, '$.DestinationHostname') AS f_dhost, json_extract(data, '$.UtcTime') AS f_utc
       FROM events WHERE process_guid IN (${part.map(() => '?').join(',')}) AND event_id IN (3, 11, 12, 13, 14) ORDER BY id`,
      part,
    );
    for (const r of rows) {
      if (!String(r.channel).toLowerCase().includes('sysmon')) continue;
      if (forest.hosts.canonical(String(r.host)) !== host) continue;
      const p = byGuid.get(String(r.process_guid).toLowerCase());
      if (!p) continue;
      const ref = sources.ref(r, host);
      const time = msToIso(eventMs(r.f_utc, r.time_ms)) ?? str(r.time);
      const eid = Number(r.event_id);
      if (eid === 3) {
        const ip = str(r.f_dip);
        if (!ip) continue;
        const port = str(r.f_dport);
        const id = nodeId.endpoint(ip, port);
        b.node({ id, type: 'endpoint', label: `${ip}${port ? `:${port}` : ''}`, host: null, time, props: { address: ip, port, hostname: str(r.f_dhost) }, evidence: [ref] });
        b.edge('connected', p.id, id, { confidence: 'exact-id', reason: 'Sysmon 3 by this ProcessGuid', time, evidence: [ref] });
      } else if (eid === 11) {
        const f = str(r.f_file);
        if (!f) continue;
        const id = nodeId.file(host, f);
        b.node({ id, type: 'file', label: baseName(f) || f, host, time, props: { path: f }, evidence: [ref] });
        b.edge('wrote', p.id, id, { confidence: 'exact-id', reason: 'Sysmon 11 by this ProcessGuid', time, evidence: [ref] });
      } else {
        const k = str(r.f_key);
        if (!k) continue;
        const id = nodeId.registry(host, k);
        b.node({ id, type: 'registry', label: k.split('\\').slice(-2).join('\\'), host, time, props: { key: k, lastDetails: str(r.f_details), lastOperation: str(r.f_type) }, evidence: [ref] });
        b.edge('set-registry', p.id, id, { confidence: 'exact-id', reason: `Sysmon ${eid} by this ProcessGuid`, time, evidence: [ref] });
      }
    }
  }

  const after = (sinceMs ?? 0) - 1000;
  const { services, detections } = hostRecords(db, forest, host);
  const svc = services.filter((r) => r.time_ms === null || Number(r.time_ms) >= after);
  const installed = new Map<string, string>();
  for (const r of svc) {
    if (Number(r.event_id) !== 7045) continue;
    const name = str(r.f_name);
    const path = str(r.f_path);
    if (!name) continue;
    const pathN = path ? normalizeCommand(path) : null;
    for (const p of procs) {
      const cl = normalizeCommand(p.commandLine ?? '');
      const names = cl.includes(name.toLowerCase()) && /\b(sc(\.exe)?\s+create|new-service|create\s+service)\b/.test(cl);
      if (!(pathN && pathN.length > 3 && cl.includes(pathN)) && !names) continue;
      const id = nodeId.service(host, name);
      const ref = sources.ref(r, host);
      b.node({ id, type: 'service', label: name, host, time: str(r.time), props: { name, imagePath: path }, evidence: [ref] });
      b.edge('installed-service', p.id, id, { confidence: 'name-match', reason: names ? 'command line creates this service' : "service image path is in the process's command line", time: str(r.time), evidence: [ref, ...p.evidence.slice(0, 1)] });
      installed.set(name.toLowerCase(), id);
    }
  }
  for (const r of svc) {
    if (Number(r.event_id) !== 7036) continue;
    const name = str(r.f_p1);
    if (!name) continue;
    const ref = sources.ref(r, host);
    const known = installed.get(name.toLowerCase());
    if (known) b.node({ id: known, type: 'service', label: name, host, evidence: [ref] });
    for (const p of procs) {
      const cl = normalizeCommand(p.commandLine ?? '');
      if (!/\b(sc(\.exe)?|net1?(\.exe)?)\s+(start|stop)\b/.test(cl) || !cl.includes(name.toLowerCase())) continue;
      const id = known ?? nodeId.service(host, name);
      b.node({ id, type: 'service', label: name, host, props: { name }, evidence: [ref] });
      b.edge('changed-service', p.id, id, { confidence: 'name-match', reason: `command line starts/stops this service; 7036: ${str(r.f_p2) ?? 'state change'}`, time: str(r.time), evidence: [ref, ...p.evidence.slice(0, 1)] });
    }
  }

  // Defender (1116/1117) and AMSI (1101) detections on this host.
  const det = detections.filter((r) => r.time_ms === null || Number(r.time_ms) >= after);
  for (const r of det) {
    const ref = sources.ref(r, host);
    const ms = eventMs(undefined, r.time_ms);
    const eid = Number(r.event_id);
    const id = nodeId.detection(`row:${r.id}`);
    const label = eid === 1101 ? `AMSI: ${str(r.f_app) ?? 'scan'}` : `Defender: ${str(r.f_threat) ?? 'detection'}`;
    for (const p of procs) {
      let conf: Confidence | null = null;
      let why = '';
      if (eid !== 1101 && str(r.f_proc) && imageMatches(str(r.f_proc), p.image.includes('\\') ? p.image : baseName(p.image))) {
        conf = 'name-match';
        why = "Defender's Process Name is this process's image";
      } else if (eid === 1101 && parsePid(r.process_id) === p.pid && p.pid !== null) {
        const start = p.start ? isoToEpochMs(p.start) : NaN;
        const end = p.end ? isoToEpochMs(p.end) : NaN;
        if (ms !== null && !Number.isNaN(start) && ms >= start && (Number.isNaN(end) || ms <= end)) {
          conf = 'inferred-time';
          why = 'AMSI record from this PID while the process ran';
        }
      }
      if (!conf) continue;
      b.node({ id, type: 'detection', label, host, time: str(r.time), props: { source: eid === 1101 ? 'AMSI' : 'Defender', threat: str(r.f_threat), path: str(r.f_path) ?? str(r.f_content) }, evidence: [ref] });
      b.edge('detected', id, p.id, { confidence: conf, reason: why, time: str(r.time), evidence: [ref] });
    }
  }
}

