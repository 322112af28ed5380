/**
 * Reconstructs WMI event subscriptions from every source we read, one object per
 * subscription and host: WMI-Activity 5861 (MOF in PossibleCause), 5860 (temporary), 5859,
 * Sysmon 19/20/21, PowerShell 4103/4104 script blocks, WMIC / PowerShell command lines in
 * process creation events, and root\subscription audit output (channel WMI-Audit).
 * Feed events one by one (add), then finish() joins filters, consumers and bindings.
 */
import type { EvidenceReference } from '../../shared/model/detection';
import { fieldValue, type NormalizedEvent } from '../../shared/model/event';
import type { LifecycleAction, LifecycleEntry, WmiConsumer, WmiFilter, WmiSubscription } from '../../shared/model/subscription';
import { evidenceOf, type EventWithRow } from '../detection/evidence';
import { decodePayload } from './decode';
import { mofText, parseMofInstances, type MofInstance } from './mof';
import { parsePowerShellSubscriptions, parseWmicSubscription, type ScriptObject } from './script-parse';
import { consumerClassOfSysmonType, destinationField, NON_PAYLOAD, PAYLOAD_FIELDS, parseObjectRef, sysmonValue } from './values';
import { judge, type KnownBenignList } from './verdict';

const SYSMON = 'microsoft-windows-sysmon/operational';
const WMI_ACTIVITY = 'microsoft-windows-wmi-activity/operational';
const PS_CHANNELS = new Set(['microsoft-windows-powershell/operational', 'powershellcore/operational']);
export const WMI_AUDIT_CHANNEL = 'WMI-Audit';

interface Happening {
  action: LifecycleAction;
  object: LifecycleEntry['object'];
  time: string;
  source: string;
  user?: string;
  clientMachine?: string;
  evidence: EvidenceReference;
}

interface FilterState {
  filter: WmiFilter;
  events: Happening[];
}
interface ConsumerState {
  consumer: WmiConsumer;
  events: Happening[];
}
interface BindingState {
  filterName: string;
  consumerClass: string | null;
  consumerName: string;
  filterRef: string;
  consumerRef: string;
  events: Happening[];
}
interface TempState {
  query: string;
  namespace: string | null;
  name: string;
  script: string | null;
  events: Happening[];
}
/** A process started by a WMI consumer host (WmiPrvSE.exe runs CommandLine consumers, scrcons.exe hosts script consumers). */
interface WmiChildProcess {
  time: string;
  image: string;
  commandLine: string;
  parentImage: string;
  user?: string;
  evidence: EvidenceReference;
}

/** A WMI-Activity 5858 failure naming a subscription object, with the client machine. */
interface ClientOp {
  className: string;
  name: string;
  time: string;
  user?: string;
  clientMachine?: string;
  evidence: EvidenceReference;
}

interface HostState {
  display: string;
  children: WmiChildProcess[];
  clientOps: ClientOp[];
  filters: Map<string, FilterState>;
  consumers: Map<string, ConsumerState>;
  bindings: Map<string, BindingState>;
  temps: Map<string, TempState>;
}

const lc = (s: string) => s.toLowerCase();

function field(ev: NormalizedEvent, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = fieldValue(ev.data, n);
    if (v !== undefined) return v;
  }
  // case-insensitive fallback
  const keys = Object.keys(ev.data);
  for (const n of names) {
    const k = keys.find((x) => x.toLowerCase() === n.toLowerCase());
    if (k) return fieldValue(ev.data, k);
  }
  return undefined;
}

function sysmonAction(op: string | undefined): LifecycleAction {
  const o = (op ?? '').trim().toLowerCase();
  if (o === 'created') return 'created';
  if (o === 'modified') return 'modified';
  if (o === 'deleted') return 'deleted';
  return 'observed';
}

function isFilterClass(c: string): boolean {
  return lc(c) === '__eventfilter';
}
function isBindingClass(c: string): boolean {
  return lc(c) === '__filtertoconsumerbinding';
}
function isConsumerClass(c: string): boolean {
  return /eventconsumer$/i.test(c) || lc(c) === '__eventconsumer';
}

export class SubscriptionBuilder {
  private hosts = new Map<string, HostState>();

  constructor(private readonly benign: KnownBenignList) {}

  private host(name: string): HostState {
    const k = lc(name);
    let h = this.hosts.get(k);
    if (!h) {
      h = { display: name, children: [], clientOps: [], filters: new Map(), consumers: new Map(), bindings: new Map(), temps: new Map() };
      this.hosts.set(k, h);
    }
    return h;
  }

  private upsertFilter(h: HostState, f: Partial<WmiFilter> & { name: string }, ev: Happening): void {
    const k = lc(f.name);
    let st = h.filters.get(k);
    if (!st) {
      st = { filter: { name: f.name, query: null, queryLanguage: null, eventNamespace: null, namespace: null }, events: [] };
      h.filters.set(k, st);
    }
    // Later records win for changed values (a Modified event updates the query).
    if (f.query) st.filter.query = f.query;
    if (f.queryLanguage) st.filter.queryLanguage = f.queryLanguage;
    if (f.eventNamespace) st.filter.eventNamespace = f.eventNamespace;
    if (f.namespace) st.filter.namespace = f.namespace;
    st.events.push(ev);
  }

  private consumerKey(cls: string | null, name: string): string {
    return `${lc(cls ?? '?')}|${lc(name)}`;
  }

  private findConsumer(h: HostState, cls: string | null, name: string): ConsumerState | undefined {
    if (cls) {
      const c = h.consumers.get(this.consumerKey(cls, name));
      if (c) return c;
    }
    for (const [k, v] of h.consumers) if (k.endsWith(`|${lc(name)}`)) return v;
    return undefined;
  }

  private upsertConsumer(h: HostState, className: string, name: string, payload: Record<string, string>, ev: Happening, destination?: string): void {
    let st = this.findConsumer(h, className, name);
    if (st && lc(st.consumer.className) !== lc(className) && !/unknown/i.test(st.consumer.className)) st = undefined;
    if (!st) {
      st = { consumer: { className, name, payload: {} }, events: [] };
      h.consumers.set(this.consumerKey(className, name), st);
    }
    for (const [k, v] of Object.entries(payload)) if (v !== undefined && v !== '') st.consumer.payload[k] = v;
    if (destination !== undefined) st.consumer.destination = destination;
    st.events.push(ev);
  }

  private upsertBinding(h: HostState, filterRef: string, consumerRef: string, ev: Happening): void {
    const f = parseObjectRef(filterRef);
    const c = parseObjectRef(consumerRef);
    const filterName = f?.name ?? filterRef;
    const consumerName = c?.name ?? consumerRef;
    const consumerClass = c?.className ?? null;
    // A record naming only one side (WMIC `WHERE Filter=... DELETE`) belongs to the one binding of that side.
    if (!consumerName || !filterName) {
      const side = [...h.bindings.values()].filter((b) => (consumerName ? lc(b.consumerName) === lc(consumerName) : lc(b.filterName) === lc(filterName)));
      if (side.length === 1) {
        side[0].events.push(ev);
        return;
      }
    }
    const k = `${lc(filterName)}|${lc(consumerClass ?? '?')}|${lc(consumerName)}`;
    let st = h.bindings.get(k);
    if (!st) {
      st = { filterName, consumerClass, consumerName, filterRef, consumerRef, events: [] };
      h.bindings.set(k, st);
    }
    st.events.push(ev);
  }

  /** Feed one event (any channel; irrelevant events are ignored cheaply). */
  add(ev: EventWithRow): void {
    const ch = lc(ev.channel);
    if (ch === SYSMON) {
      if (ev.eventId >= 19 && ev.eventId <= 21) this.fromSysmon(ev);
      else if (ev.eventId === 1) {
        this.fromCommandLine(ev, field(ev, 'CommandLine'), field(ev, 'User'));
        this.noteWmiChild(ev, field(ev, 'Image'), field(ev, 'ParentImage'), field(ev, 'CommandLine'), field(ev, 'User'));
      }
      return;
    }
    if (ch === WMI_ACTIVITY) {
      if (ev.eventId === 5861) this.from5861(ev);
      else if (ev.eventId === 5860) this.from5860(ev);
      else if (ev.eventId === 5859) this.from5859(ev);
      else if (ev.eventId === 5858) this.from5858(ev);
      return;
    }
    if (PS_CHANNELS.has(ch)) {
      if (ev.eventId === 4104) this.fromScript(ev, field(ev, 'ScriptBlockText') ?? '', 'PowerShell 4104');
      else if (ev.eventId === 4103) this.fromScript(ev, [field(ev, 'Payload'), field(ev, 'ContextInfo')].filter(Boolean).join('\n'), 'PowerShell 4103');
      return;
    }
    if (ch === 'security' && ev.eventId === 4688) {
      const user = [field(ev, 'SubjectDomainName'), field(ev, 'SubjectUserName')].filter(Boolean).join('\\') || undefined;
      this.fromCommandLine(ev, field(ev, 'CommandLine'), user);
      this.noteWmiChild(ev, field(ev, 'NewProcessName'), field(ev, 'ParentProcessName'), field(ev, 'CommandLine'), user);
      return;
    }
    if (ch === lc(WMI_AUDIT_CHANNEL)) this.fromAudit(ev);
  }

  private happening(ev: EventWithRow, action: LifecycleAction, object: Happening['object'], source: string, user?: string, clientMachine?: string): Happening {
    return { action, object, time: ev.timeCreated, source, user: user || undefined, clientMachine: clientMachine || undefined, evidence: evidenceOf(ev) };
  }

  private fromSysmon(ev: EventWithRow): void {
    const h = this.host(ev.computer);
    const action = sysmonAction(field(ev, 'Operation'));
    const user = field(ev, 'User');
    const src = `Sysmon ${ev.eventId}`;
    if (ev.eventId === 19) {
      const name = sysmonValue(field(ev, 'Name'));
      this.upsertFilter(
        h,
        { name, query: sysmonValue(field(ev, 'Query')) || null, eventNamespace: sysmonValue(field(ev, 'EventNamespace')) || null, queryLanguage: null },
        this.happening(ev, action, 'filter', src, user),
      );
    } else if (ev.eventId === 20) {
      const name = sysmonValue(field(ev, 'Name'));
      const cls = consumerClassOfSysmonType(field(ev, 'Type') ?? '');
      const dest = sysmonValue(field(ev, 'Destination'));
      this.upsertConsumer(h, cls, name, dest ? { [destinationField(cls)]: dest } : {}, this.happening(ev, action, 'consumer', src, user), dest || undefined);
    } else {
      const c = sysmonValue(field(ev, 'Consumer'));
      const f = sysmonValue(field(ev, 'Filter'));
      if (c || f) this.upsertBinding(h, f, c, this.happening(ev, action, 'binding', src, user));
    }
  }

  private fromMof(h: HostState, ev: EventWithRow, instances: MofInstance[], source: string, action: LifecycleAction, user?: string): { filter?: string; consumer?: { cls: string; name: string } } {
    const out: { filter?: string; consumer?: { cls: string; name: string } } = {};
    for (const inst of instances) {
      const props: Record<string, string> = {};
      for (const [k, v] of Object.entries(inst.props)) {
        const t = mofText(v);
        if (t !== undefined) props[k] = t;
      }
      if (isFilterClass(inst.className)) {
        const name = props.Name ?? '';
        this.upsertFilter(h, { name, query: props.Query ?? null, queryLanguage: props.QueryLanguage ?? null, eventNamespace: props.EventNamespace ?? null }, this.happening(ev, action, 'filter', source, user));
        out.filter = name;
      } else if (isConsumerClass(inst.className)) {
        const name = props.Name ?? '';
        const payload: Record<string, string> = {};
        for (const [k, v] of Object.entries(props)) if (!NON_PAYLOAD.has(k)) payload[k] = v;
        this.upsertConsumer(h, inst.className, name, payload, this.happening(ev, action, 'consumer', source, user));
        out.consumer = { cls: inst.className, name };
      } else if (isBindingClass(inst.className)) {
        const f = props.Filter ?? '';
        const c = props.Consumer ?? '';
        if (f || c) this.upsertBinding(h, f, c, this.happening(ev, action, 'binding', source, user));
      }
    }
    return out;
  }

  private from5861(ev: EventWithRow): void {
    const h = this.host(ev.computer);
    const text = field(ev, 'PossibleCause') ?? ev.message ?? '';
    const user = field(ev, 'User') ?? undefined;
    const instances = parseMofInstances(text);
    const got = this.fromMof(h, ev, instances, 'WMI-Activity 5861', 'observed', user);
    // The binding: ESS names the filter, CONSUMER is `Class="Name"`.
    const ess = field(ev, 'ESS') ?? got.filter ?? '';
    const consumerField = field(ev, 'CONSUMER', 'Consumer');
    let consumerRef = '';
    if (consumerField) {
      const m = /^\s*([A-Za-z_]\w*)\s*=\s*"?(.*?)"?\s*$/.exec(consumerField);
      consumerRef = m ? `${m[1]}.Name="${m[2]}"` : consumerField;
    } else if (got.consumer) consumerRef = `${got.consumer.cls}.Name="${got.consumer.name}"`;
    if (ess || consumerRef) this.upsertBinding(h, `__EventFilter.Name="${ess}"`, consumerRef, this.happening(ev, 'created', 'binding', 'WMI-Activity 5861', user));
    const ns = field(ev, 'Namespace');
    if (ns && ess) {
      const st = h.filters.get(lc(ess));
      if (st && !st.filter.namespace) st.filter.namespace = ns;
    }
  }

  private from5860(ev: EventWithRow): void {
    const h = this.host(ev.computer);
    const query = field(ev, 'Query') ?? '';
    const ns = field(ev, 'NamespaceName', 'Namespace') ?? null;
    const pid = field(ev, 'processid', 'ProcessID', 'ClientProcessId') ?? '';
    const user = field(ev, 'User');
    const machine = field(ev, 'ClientMachine', 'MachineName');
    const key = `${lc(query)}|${pid}`;
    let st = h.temps.get(key);
    if (!st) {
      st = { query, namespace: ns, name: `temporary subscription of process ${pid || '?'}`, script: null, events: [] };
      h.temps.set(key, st);
    }
    st.events.push(this.happening(ev, 'created', 'subscription', 'WMI-Activity 5860', user, machine));
  }

  private noteWmiChild(ev: EventWithRow, image?: string, parent?: string, cmd?: string, user?: string): void {
    const img = (image ?? '').toLowerCase();
    const par = (parent ?? '').toLowerCase();
    if (!/\\(wmiprvse|scrcons)\.exe$/.test(par) && !img.endsWith('\\scrcons.exe')) return;
    this.host(ev.computer).children.push({ time: ev.timeCreated, image: image ?? '', commandLine: cmd ?? '', parentImage: parent ?? '', user, evidence: evidenceOf(ev) });
  }

  private from5858(ev: EventWithRow): void {
    const op = field(ev, 'Operation') ?? '';
    const m = /(__EventFilter|[A-Za-z_]*EventConsumer|__FilterToConsumerBinding)\.Name\s*=\s*\\?"([^"\\]*)\\?"/i.exec(op);
    if (!m) return;
    this.host(ev.computer).clientOps.push({
      className: m[1],
      name: m[2],
      time: ev.timeCreated,
      user: field(ev, 'User'),
      clientMachine: field(ev, 'ClientMachine'),
      evidence: evidenceOf(ev),
    });
  }

  private from5859(ev: EventWithRow): void {
    const h = this.host(ev.computer);
    const query = lc((field(ev, 'Query') ?? '').trim());
    if (!query) return;
    for (const st of h.filters.values()) {
      if (st.filter.query && lc(st.filter.query.trim()) === query) st.events.push(this.happening(ev, 'observed', 'filter', 'WMI-Activity 5859', field(ev, 'User')));
    }
  }

  private fromObjects(ev: EventWithRow, objs: ScriptObject[], source: string, user?: string): void {
    if (objs.length === 0) return;
    const h = this.host(ev.computer);
    for (const o of objs) {
      const act: LifecycleAction = o.action;
      if (isFilterClass(o.className)) {
        const name = o.props.Name ?? '';
        this.upsertFilter(h, { name, query: o.props.Query ?? null, queryLanguage: o.props.QueryLanguage ?? null, eventNamespace: o.props.EventNamespace ?? o.props.EventNameSpace ?? null }, this.happening(ev, act, 'filter', source, user));
      } else if (isConsumerClass(o.className)) {
        const payload: Record<string, string> = {};
        for (const [k, v] of Object.entries(o.props)) if (!NON_PAYLOAD.has(k)) payload[k] = v;
        this.upsertConsumer(h, o.className, o.props.Name ?? '', payload, this.happening(ev, act, 'consumer', source, user));
      } else if (isBindingClass(o.className)) {
        const f = o.filterRef ? `${o.filterRef.className}.Name="${o.filterRef.name}"` : o.props.Filter ?? '';
        const c = o.consumerRef ? `${o.consumerRef.className}.Name="${o.consumerRef.name}"` : o.props.Consumer ?? '';
        if (f || c) this.upsertBinding(h, f, c, this.happening(ev, act, 'binding', source, user));
      } else if (o.className === 'TemporarySubscription') {
        const key = `${lc(o.props.Query ?? '')}|ps:${lc(o.props.Name ?? '')}`;
        let st = h.temps.get(key);
        if (!st) {
          st = { query: o.props.Query ?? '', namespace: o.props.EventNamespace ?? null, name: o.props.Name ?? 'Register-WmiEvent', script: o.props.ScriptText ?? null, events: [] };
          h.temps.set(key, st);
        }
        st.events.push(this.happening(ev, 'created', 'subscription', source, user));
      }
    }
  }

  private fromScript(ev: EventWithRow, text: string, source: string): void {
    if (!text) return;
    this.fromObjects(ev, parsePowerShellSubscriptions(text), source, ev.userSid ?? undefined);
  }

  private fromCommandLine(ev: EventWithRow, cmd: string | undefined, user: string | undefined): void {
    if (!cmd) return;
    const src = ev.eventId === 4688 ? 'process creation (Security 4688)' : 'process creation (Sysmon 1)';
    const wm = parseWmicSubscription(cmd);
    if (wm.length) {
      this.fromObjects(ev, wm, src, user);
      return;
    }
    if (/__EventFilter|EventConsumer|Register-WmiEvent|Register-CimIndicationEvent/i.test(cmd)) {
      this.fromObjects(ev, parsePowerShellSubscriptions(cmd), src, user);
    } else if (/\s[-/]e[nc]/i.test(cmd) && /powershell|pwsh/i.test(cmd)) {
      for (const d of decodePayload(cmd)) {
        if (/__EventFilter|EventConsumer|Register-WmiEvent/i.test(d.text)) this.fromObjects(ev, parsePowerShellSubscriptions(d.text), `${src}, decoded`, user);
      }
    }
  }

  private fromAudit(ev: EventWithRow): void {
    const cls = field(ev, '__CLASS', 'CimClass', 'ClassName') ?? '';
    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(ev.data)) props[k] = typeof v === 'string' ? v : v.join(', ');
    const name = props.Name ?? '';
    const h = this.host(ev.computer);
    const hap = (object: Happening['object']) => this.happening(ev, 'observed', object, 'WMI audit (root\\subscription)');
    if (isFilterClass(cls)) {
      this.upsertFilter(h, { name, query: props.Query ?? null, queryLanguage: props.QueryLanguage ?? null, eventNamespace: props.EventNamespace ?? null, namespace: props.__NAMESPACE ?? null }, hap('filter'));
    } else if (isConsumerClass(cls)) {
      const payload: Record<string, string> = {};
      for (const [k, v] of Object.entries(props)) if (!NON_PAYLOAD.has(k) && v !== '') payload[k] = v;
      this.upsertConsumer(h, cls, name, payload, hap('consumer'));
    } else if (isBindingClass(cls)) {
      this.upsertBinding(h, props.Filter ?? '', props.Consumer ?? '', hap('binding'));
    }
  }

  /** Join everything into subscriptions, judged and sorted by host then creation time. */
  finish(): WmiSubscription[] {
    const out: WmiSubscription[] = [];
    for (const h of this.hosts.values()) {
      const usedFilters = new Set<FilterState>();
      const usedConsumers = new Set<ConsumerState>();
      for (const b of h.bindings.values()) {
        const f = h.filters.get(lc(b.filterName));
        const c = this.findConsumer(h, b.consumerClass, b.consumerName);
        if (f) usedFilters.add(f);
        if (c) usedConsumers.add(c);
        const filter = f?.filter ?? { name: b.filterName, query: null, queryLanguage: null, eventNamespace: null, namespace: null };
        const consumer = c?.consumer ?? { className: b.consumerClass ?? 'UnknownEventConsumer', name: b.consumerName, payload: {} };
        out.push(this.build(h, filter, consumer, { filterRef: b.filterRef, consumerRef: b.consumerRef }, [...(f?.events ?? []), ...(c?.events ?? []), ...b.events], false));
      }
      for (const f of h.filters.values()) if (!usedFilters.has(f)) out.push(this.build(h, f.filter, null, null, f.events, false));
      for (const c of h.consumers.values()) if (!usedConsumers.has(c)) out.push(this.build(h, null, c.consumer, null, c.events, false));
      for (const t of h.temps.values()) {
        const filter: WmiFilter = { name: t.name, query: t.query || null, queryLanguage: 'WQL', eventNamespace: t.namespace, namespace: null };
        const consumer: WmiConsumer | null = t.script ? { className: 'PowerShellEventAction', name: t.name, payload: { ScriptText: t.script, ScriptingEngine: 'PowerShell' } } : null;
        out.push(this.build(h, filter, consumer, null, t.events, true));
      }
    }
    out.sort((a, b) => a.host.localeCompare(b.host) || (a.created ?? a.lifecycle[0]?.time ?? '').localeCompare(b.created ?? b.lifecycle[0]?.time ?? ''));
    return out;
  }

  /** Process starts that are this consumer running: same host, inside its lifetime, matching its payload. */
  private executions(h: HostState, consumer: WmiConsumer | null, events: Happening[]): Happening[] {
    if (!consumer || h.children.length === 0) return [];
    const times = events.map((e) => e.time).filter(Boolean).sort();
    const from = events.filter((e) => e.action === 'created' || e.action === 'modified' || e.action === 'observed').map((e) => e.time).sort()[0] ?? times[0];
    const deletions = events.filter((e) => e.action === 'deleted').map((e) => e.time).sort();
    const until = deletions.length ? deletions[deletions.length - 1] : null;
    if (!from) return [];
    const norm = (x: string) => x.trim().replace(/^"([^"]*)"/, '$1').replace(/\s+/g, ' ').toLowerCase();
    const cmdT = consumer.payload.CommandLineTemplate ? norm(consumer.payload.CommandLineTemplate) : null;
    const exeT = consumer.payload.ExecutablePath ? norm(consumer.payload.ExecutablePath) : null;
    const out: Happening[] = [];
    for (const c of h.children) {
      if (c.time < from || (until && c.time > until)) continue;
      let hit = false;
      if (consumer.className === 'CommandLineEventConsumer' && /\\wmiprvse\.exe$/i.test(c.parentImage)) {
        const cl = norm(c.commandLine);
        hit = (cmdT !== null && (cl === cmdT || cl.startsWith(cmdT + ' '))) || (exeT !== null && norm(c.image) === exeT);
      } else if (consumer.className === 'ActiveScriptEventConsumer') {
        hit = /\\scrcons\.exe$/i.test(c.image) || /\\scrcons\.exe$/i.test(c.parentImage);
      }
      if (hit) {
        const source = /\\scrcons\.exe$/i.test(c.image) ? 'script consumer host scrcons.exe started' : `process started by ${c.parentImage.split('\\').pop()}`;
        out.push({ action: 'executed', object: 'consumer', time: c.time, source, user: c.user, evidence: c.evidence });
      }
    }
    return out;
  }

  /** WMI-Activity 5858 failures that name this subscription's objects (they carry the client machine). */
  private clientOpsOf(h: HostState, filter: WmiFilter | null, consumer: WmiConsumer | null): Happening[] {
    return h.clientOps
      .filter((o) => (filter && isFilterClass(o.className) && lc(o.name) === lc(filter.name)) || (consumer && lc(o.className) === lc(consumer.className) && lc(o.name) === lc(consumer.name)))
      .map((o) => ({ action: 'observed' as const, object: isFilterClass(o.className) ? ('filter' as const) : ('consumer' as const), time: o.time, source: 'WMI-Activity 5858', user: o.user, clientMachine: o.clientMachine, evidence: o.evidence }));
  }

  private build(
    h: HostState,
    filter: WmiFilter | null,
    consumer: WmiConsumer | null,
    binding: WmiSubscription['binding'],
    events0: Happening[],
    temporary: boolean,
  ): WmiSubscription {
    const events = [...events0, ...this.clientOpsOf(h, filter, consumer)];
    events.push(...this.executions(h, consumer, events));
    const sorted = [...events].sort((a, b) => a.time.localeCompare(b.time));
    const seen = new Set<string>();
    const evidence: EvidenceReference[] = [];
    for (const e of sorted) {
      const k = `${e.evidence.eventRowId}|${e.evidence.file}|${e.evidence.archivePath ?? ''}|${e.evidence.recordId}|${e.evidence.recordNumber}|${e.evidence.eventId}|${e.time}`;
      if (seen.has(k)) continue;
      seen.add(k);
      evidence.push(e.evidence);
    }
    const lifecycle: LifecycleEntry[] = sorted.map((e) => ({ action: e.action, object: e.object, time: e.time, source: e.source, user: e.user, evidence: e.evidence }));
    const firstOf = (a: LifecycleAction) => sorted.find((e) => e.action === a)?.time ?? null;
    const lastOf = (a: LifecycleAction, obj?: Happening['object']) => [...sorted].reverse().find((e) => e.action === a && (!obj || e.object === obj))?.time ?? null;
    const created = firstOf('created');
    const deleted = binding ? lastOf('deleted', 'binding') ?? lastOf('deleted') : lastOf('deleted');
    const modified = lastOf('modified');
    const creator = sorted.find((e) => e.action === 'created' && e.user) ?? sorted.find((e) => e.user);
    const client = sorted.find((e) => e.clientMachine);
    const decoded = [];
    if (consumer) {
      const texts = [...PAYLOAD_FIELDS.map((k) => consumer.payload[k]), consumer.destination].filter((x): x is string => typeof x === 'string' && x !== '');
      for (const t of new Set(texts)) decoded.push(...decodePayload(t));
    }
    const sub: WmiSubscription = {
      key: `${h.display}|${filter?.name ?? ''}|${consumer ? `${consumer.className}.${consumer.name}` : ''}${temporary ? '|temporary' : ''}`,
      host: h.display,
      filter,
      consumer,
      binding,
      temporary,
      lifecycle,
      created,
      modified,
      deleted,
      user: creator?.user ?? null,
      clientMachine: client?.clientMachine ?? null,
      evidence,
      decoded,
      verdict: 'unknown',
      reasons: [],
      tags: [],
    };
    const j = judge(sub, this.benign);
    sub.verdict = j.verdict;
    sub.reasons = j.reasons;
    sub.tags = j.tags;
    return sub;
  }
}

/** Reconstruct subscriptions from a sequence of events. */
export function reconstructSubscriptions(events: Iterable<EventWithRow>, benign: KnownBenignList): WmiSubscription[] {
  const b = new SubscriptionBuilder(benign);
  for (const e of events) b.add(e);
  return b.finish();
}
