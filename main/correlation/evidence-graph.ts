/**
 * The evidence graph of a case: process trees, subscription execution chains and lateral
 * movement joined in one typed graph (shared/model/graph.ts), with a query API: the
 * neighbourhood of a node to depth N, a path between two nodes, the subgraph of one
 * subscription, one host or one process, and filters by node/edge type and time window.
 * A plain adjacency structure: no graph library.
 */
import type { Detection } from '../../shared/model/detection';
import type { EdgeType, EvidenceGraphData, GraphEdge, GraphFilter, GraphNode, NodeType, ProcessInfo } from '../../shared/model/graph';
import type { WmiSubscription } from '../../shared/model/subscription';
import type { CaseDb } from '../db/case-db';
import { SourceNames } from './case-rows';
import { addActivity, addProcessNode, buildExecutionChains, spawnLink, subscriptionsOfCase, type ExecutionChain } from './execution-chains';
import { GraphBuilder, nodeId } from './graph-builder';
import { findLateralMovement, type LateralMovementResult } from './lateral-movement';
import { buildProcessForest, type ProcessForest } from './process-tree';

export class EvidenceGraph {
  private readonly nodeMap = new Map<string, GraphNode>();
  private readonly edgeMap = new Map<string, GraphEdge>();
  private readonly outE = new Map<string, GraphEdge[]>();
  private readonly inE = new Map<string, GraphEdge[]>();

  constructor(data: EvidenceGraphData) {
    for (const n of data.nodes) this.nodeMap.set(n.id, n);
    for (const e of data.edges) {
      if (!this.nodeMap.has(e.source) || !this.nodeMap.has(e.target)) continue;
      this.edgeMap.set(e.id, e);
      (this.outE.get(e.source) ?? this.outE.set(e.source, []).get(e.source)!).push(e);
      (this.inE.get(e.target) ?? this.inE.set(e.target, []).get(e.target)!).push(e);
    }
  }

  get nodeCount(): number {
    return this.nodeMap.size;
  }
  get edgeCount(): number {
    return this.edgeMap.size;
  }
  node(id: string): GraphNode | undefined {
    return this.nodeMap.get(id);
  }
  nodes(): GraphNode[] {
    return [...this.nodeMap.values()];
  }
  edges(): GraphEdge[] {
    return [...this.edgeMap.values()];
  }
  outgoing(id: string): readonly GraphEdge[] {
    return this.outE.get(id) ?? [];
  }
  incoming(id: string): readonly GraphEdge[] {
    return this.inE.get(id) ?? [];
  }
  toData(): EvidenceGraphData {
    return { nodes: this.nodes(), edges: this.edges() };
  }

  /** The graph made of these nodes and every edge between two of them. */
  induced(ids: Iterable<string>): EvidenceGraph {
    const keep = new Set<string>();
    for (const id of ids) if (this.nodeMap.has(id)) keep.add(id);
    const nodes = [...keep].map((id) => this.nodeMap.get(id)!);
    const edges = this.edges().filter((e) => keep.has(e.source) && keep.has(e.target));
    return new EvidenceGraph({ nodes, edges });
  }

  /** Nodes within `depth` edges of `id` (either direction), optionally only over some edge types. */
  neighbourhood(id: string, depth: number, edgeTypes?: EdgeType[]): EvidenceGraph {
    if (!this.nodeMap.has(id)) return new EvidenceGraph({ nodes: [], edges: [] });
    const allowed = edgeTypes ? new Set(edgeTypes) : null;
    const seen = new Set([id]);
    let frontier = [id];
    for (let d = 0; d < depth && frontier.length; d++) {
      const next: string[] = [];
      for (const n of frontier) {
        for (const e of [...this.outgoing(n), ...this.incoming(n)]) {
          if (allowed && !allowed.has(e.type)) continue;
          const o = e.source === n ? e.target : e.source;
          if (!seen.has(o)) {
            seen.add(o);
            next.push(o);
          }
        }
      }
      frontier = next;
    }
    const g = this.induced(seen);
    return allowed ? g.filter({ edgeTypes: [...allowed] }) : g;
  }

  /** A shortest path between two nodes, ignoring edge direction; null when they are not connected. */
  path(from: string, to: string, edgeTypes?: EdgeType[]): { nodes: GraphNode[]; edges: GraphEdge[] } | null {
    if (!this.nodeMap.has(from) || !this.nodeMap.has(to)) return null;
    const allowed = edgeTypes ? new Set(edgeTypes) : null;
    const via = new Map<string, GraphEdge | null>([[from, null]]);
    const queue = [from];
    for (let i = 0; i < queue.length && !via.has(to); i++) {
      const n = queue[i];
      for (const e of [...this.outgoing(n), ...this.incoming(n)]) {
        if (allowed && !allowed.has(e.type)) continue;
        const o = e.source === n ? e.target : e.source;
        if (via.has(o)) continue;
        via.set(o, e);
        queue.push(o);
      }
    }
    if (!via.has(to)) return null;
    const nodes: GraphNode[] = [];
    const edges: GraphEdge[] = [];
    let cur = to;
    for (;;) {
      nodes.unshift(this.nodeMap.get(cur)!);
      const e = via.get(cur);
      if (!e) break;
      edges.unshift(e);
      cur = e.source === cur ? e.target : e.source;
    }
    return { nodes, edges };
  }

  /** Keep only some node/edge types and a time window (undated items stay). */
  filter(f: GraphFilter): EvidenceGraph {
    const nt = f.nodeTypes ? new Set<NodeType>(f.nodeTypes) : null;
    const et = f.edgeTypes ? new Set<EdgeType>(f.edgeTypes) : null;
    const inTime = (t: string | null) => !t || ((!f.from || t >= f.from) && (!f.to || t <= f.to));
    const nodes = this.nodes().filter((n) => (!nt || nt.has(n.type)) && inTime(n.time));
    const keep = new Set(nodes.map((n) => n.id));
    const edges = this.edges().filter((e) => keep.has(e.source) && keep.has(e.target) && (!et || et.has(e.type)) && inTime(e.time));
    return new EvidenceGraph({ nodes, edges });
  }

  /** Nodes reachable from `start` following edges forward (only the given types when set). */
  private reach(start: Iterable<string>, types: ReadonlySet<EdgeType>): Set<string> {
    const seen = new Set<string>();
    const stack = [...start];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const e of this.outgoing(n)) if (types.has(e.type)) stack.push(e.target);
    }
    return seen;
  }

  /** Bindings of a subscription, by key, filter name or consumer name (case-insensitive). */
  findSubscription(name: string): GraphNode[] {
    const w = name.toLowerCase();
    return this.nodes().filter((n) => {
      if (n.type !== 'binding') return false;
      if (String(n.props.subscriptionKey ?? '').toLowerCase() === w) return true;
      return this.outgoing(n.id).some((e) => e.type === 'binds' && ['filter', 'consumer'].includes(this.nodeMap.get(e.target)!.type) &&
        (String(this.nodeMap.get(e.target)!.props.name ?? this.nodeMap.get(e.target)!.label).toLowerCase() === w || this.nodeMap.get(e.target)!.label.toLowerCase() === w));
    });
  }

  /**
   * One subscription's subgraph: its filter, consumer and binding, the host, what created it
   * (process and ancestors, remote client), and everything the binding caused (forward).
   */
  subscription(name: string): EvidenceGraph {
    const bindings = this.findSubscription(name).map((n) => n.id);
    const ids = this.reach(bindings, DOWNSTREAM);
    for (const id of [...ids]) {
      for (const e of this.incoming(id)) {
        if (e.type === 'created' || e.type === 'created-remotely' || e.type === 'detected') {
          ids.add(e.source);
          if (e.type === 'created') for (const a of this.ancestors(e.source)) ids.add(a);
        }
      }
      for (const e of this.outgoing(id)) if (e.type === 'runs-on') ids.add(e.target);
    }
    return this.induced(ids);
  }

  /** Everything on one host, the global nodes (users, endpoints) it touches, and hosts linked to it. */
  host(name: string): EvidenceGraph {
    const w = name.toLowerCase();
    const short = w.split('.')[0];
    const mine = (h: string | null) => !!h && (h.toLowerCase() === w || h.toLowerCase().split('.')[0] === short);
    const ids = new Set<string>();
    for (const n of this.nodes()) if (mine(n.host)) ids.add(n.id);
    for (const id of [...ids]) {
      for (const e of [...this.outgoing(id), ...this.incoming(id)]) {
        const o = e.source === id ? e.target : e.source;
        const on = this.nodeMap.get(o)!;
        if (on.host === null || e.crossHost) ids.add(o);
      }
    }
    return this.induced(ids);
  }

  /** One process (by GUID, node id or PID on a host): ancestors, descendants, what they did, and what triggered them. */
  process(ref: string): EvidenceGraph {
    const w = ref.toLowerCase().replace(/^\{?/, '{').replace(/\}?$/, '}');
    const starts = this.nodes().filter((n) => n.type === 'process' && (n.id === ref || String(n.props.guid ?? '').toLowerCase() === w));
    const ids = this.reach(starts.map((n) => n.id), DOWNSTREAM);
    for (const s of starts) for (const a of this.ancestors(s.id)) ids.add(a);
    for (const id of [...ids]) {
      for (const e of this.incoming(id)) if (e.type === 'triggers' || e.type === 'detected' || e.type === 'logged-on') ids.add(e.source);
    }
    for (const id of [...ids]) {
      const n = this.nodeMap.get(id)!;
      if (n.type === 'binding') for (const e of this.outgoing(id)) if (e.type === 'binds') ids.add(e.target);
    }
    return this.induced(ids);
  }

  private ancestors(id: string): string[] {
    const out: string[] = [];
    let cur = id;
    const seen = new Set([id]);
    for (;;) {
      const up = this.incoming(cur).find((e) => e.type === 'spawned');
      if (!up || seen.has(up.source)) break;
      seen.add(up.source);
      out.push(up.source);
      cur = up.source;
    }
    return out;
  }
}

const DOWNSTREAM: ReadonlySet<EdgeType> = new Set<EdgeType>([
  'binds', 'triggers', 'spawned', 'wrote', 'set-registry', 'connected', 'installed-service', 'changed-service', 'targeted',
]);

export interface CorrelationOptions {
  /** Subscriptions to use instead of reconstructing them from the case. */
  subscriptions?: WmiSubscription[];
  /** Detections (rule hits) to attach to the nodes whose records they fired on. */
  detections?: Detection[];
}

export interface CorrelationResult {
  graph: EvidenceGraph;
  forest: ProcessForest;
  subscriptions: WmiSubscription[];
  chains: ExecutionChain[];
  lateral: LateralMovementResult;
  /** Edges refused because they would have joined two hosts without a cross-host link (should be 0). */
  refusedCrossHost: number;
  timings: Record<string, number>;
}

/** Run every correlation pass over a case and join the results in one evidence graph. */
export function correlateCase(db: CaseDb, opts: CorrelationOptions = {}): CorrelationResult {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - t);
    t = now;
  };
  db.ensureIndexes();
  const forest = buildProcessForest(db);
  lap('processTrees');
  const subscriptions = opts.subscriptions ?? subscriptionsOfCase(db);
  lap('subscriptions');
  const b = new GraphBuilder();
  for (const h of forest.byHost.keys()) b.node({ id: nodeId.host(h), type: 'host', label: h, host: h, props: { inCase: true } });
  // Every process and its parent link.
  for (const p of forest.processes.values()) addProcessNode(b, p);
  for (const p of forest.processes.values()) if (p.parentId) b.edge('spawned', p.parentId, p.id, spawnLink(p));
  lap('processNodes');
  const chains = buildExecutionChains(db, forest, subscriptions, b);
  lap('executionChains');
  const lateral = findLateralMovement(db, forest, subscriptions, b);
  lap('lateralMovement');
  // What WMI-launched processes (and their descendants) did, chains or not.
  const sources = new SourceNames(db);
  const wmiByHost = new Map<string, ProcessInfo[]>();
  for (const p of forest.processes.values()) {
    if (!p.wmi.some((m) => m.kind === 'child-of-wmiprvse' || m.kind === 'child-of-scrcons')) continue;
    const stack = [p];
    const seen = new Set<string>();
    while (stack.length) {
      const c = stack.pop()!;
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      (wmiByHost.get(c.host) ?? wmiByHost.set(c.host, []).get(c.host)!).push(c);
      for (const k of c.childIds) stack.push(forest.processes.get(k)!);
    }
  }
  for (const [host, procs] of wmiByHost) addActivity({ db, forest, builder: b, sources }, host, procs, null);
  lap('activity');
  if (opts.detections?.length) {
    const byRow = new Map<number, string[]>();
    for (const n of b.nodes.values()) for (const e of n.evidence) if (e.eventRowId !== null) (byRow.get(e.eventRowId) ?? byRow.set(e.eventRowId, []).get(e.eventRowId)!).push(n.id);
    for (const d of opts.detections) {
      const row = d.evidence.eventRowId;
      if (row === null) continue;
      const targets = (byRow.get(row) ?? []).filter((id) => b.nodes.get(id)!.type !== 'host' && b.nodes.get(id)!.type !== 'detection');
      if (targets.length === 0) continue;
      const host = forest.hosts.canonical(d.host);
      const id = nodeId.detection(`${d.ruleId}|${row}`);
      b.node({ id, type: 'detection', label: d.ruleTitle, host, time: d.time, props: { ruleId: d.ruleId, level: d.level, ruleSource: d.ruleSource }, evidence: [d.evidence] });
      for (const tgt of targets) b.edge('detected', id, tgt, { confidence: 'exact-id', reason: `rule fired on this record`, time: d.time, evidence: [d.evidence] });
    }
    lap('detections');
  }
  const graph = new EvidenceGraph({ nodes: [...b.nodes.values()], edges: [...b.edges.values()] });
  lap('graph');
  return { graph, forest, subscriptions, chains, lateral, refusedCrossHost: b.refusedCrossHost, timings };
}

/** Pick the subgraph the CLI / API asked for. */
export function selectSubgraph(graph: EvidenceGraph, sel: { subscription?: string; host?: string; process?: string }): EvidenceGraph {
  if (sel.subscription) return graph.subscription(sel.subscription);
  if (sel.host) return graph.host(sel.host);
  if (sel.process) return graph.process(sel.process);
  return graph;
}
