/**
 * Accumulates evidence-graph nodes and edges from the correlation passes. Adding the same
 * node or edge twice merges their evidence; an edge keeps the strongest confidence it was
 * given. The one invariant the builder enforces: an edge may join nodes of two different
 * hosts only when it is a cross-host link type (CROSS_HOST_EDGE_TYPES); anything else is
 * refused and counted, so records of different hosts never end up in one chain unlinked.
 */
import type { EvidenceReference } from '../../shared/model/detection';
import {
  CROSS_HOST_EDGE_TYPES,
  type Confidence,
  type EdgeType,
  type GraphEdge,
  type GraphNode,
  type NodeType,
  type PropValue,
} from '../../shared/model/graph';

const RANK: Record<Confidence, number> = { 'exact-id': 3, 'name-match': 2, 'inferred-time': 1 };

export function strongest(a: Confidence, b: Confidence): Confidence {
  return RANK[a] >= RANK[b] ? a : b;
}
export function weakest(a: Confidence, b: Confidence): Confidence {
  return RANK[a] <= RANK[b] ? a : b;
}

const evKey = (e: EvidenceReference) => `${e.eventRowId}|${e.file}|${e.recordId}|${e.eventId}`;

export function mergeEvidence(into: EvidenceReference[], more: readonly EvidenceReference[]): void {
  if (more.length === 0) return;
  if (into.length === 0 && more.length === 1) {
    into.push(more[0]);
    return;
  }
  const seen = new Set(into.map(evKey));
  for (const e of more) {
    const k = evKey(e);
    if (!seen.has(k)) {
      seen.add(k);
      into.push(e);
    }
  }
}

/** Node ids: type-prefixed, host-scoped where the thing belongs to one host, lower-cased names. */
export const nodeId = {
  host: (host: string) => `host:${host.toLowerCase()}`,
  user: (user: string) => `user:${user.toLowerCase()}`,
  filter: (host: string, name: string) => `filter:${host.toLowerCase()}|${name.toLowerCase()}`,
  consumer: (host: string, cls: string, name: string) => `consumer:${host.toLowerCase()}|${cls.toLowerCase()}|${name.toLowerCase()}`,
  binding: (subscriptionKey: string) => `binding:${subscriptionKey.toLowerCase()}`,
  file: (host: string, path: string) => `file:${host.toLowerCase()}|${path.toLowerCase()}`,
  registry: (host: string, key: string) => `registry:${host.toLowerCase()}|${key.toLowerCase()}`,
  endpoint: (address: string, port: string | null) => `endpoint:${address.toLowerCase()}${port ? `|${port}` : ''}`,
  service: (host: string, name: string) => `service:${host.toLowerCase()}|${name.toLowerCase()}`,
  detection: (key: string) => `detection:${key}`,
};

export interface NodeInput {
  id: string;
  type: NodeType;
  label: string;
  host: string | null;
  time?: string | null;
  props?: Record<string, PropValue>;
  evidence?: readonly EvidenceReference[];
}

export interface EdgeInput {
  confidence: Confidence;
  reason: string;
  time?: string | null;
  evidence?: readonly EvidenceReference[];
}

export class GraphBuilder {
  readonly nodes = new Map<string, GraphNode>();
  readonly edges = new Map<string, GraphEdge>();
  /** Edges refused because they would join two hosts without being a cross-host link. */
  refusedCrossHost = 0;
  private tracking: { nodes: Set<string>; edges: Set<string> } | null = null;

  /** Record the ids of every node and edge added or merged from now until the returned function is called. */
  track(): () => { nodes: string[]; edges: string[] } {
    const t = { nodes: new Set<string>(), edges: new Set<string>() };
    this.tracking = t;
    return () => {
      if (this.tracking === t) this.tracking = null;
      return { nodes: [...t.nodes], edges: [...t.edges] };
    };
  }

  node(n: NodeInput): GraphNode {
    let g = this.nodes.get(n.id);
    if (!g) {
      // The caller's props object is taken over (callers build it fresh for each call).
      g = { id: n.id, type: n.type, label: n.label, host: n.host, time: n.time ?? null, props: n.props ?? {}, evidence: [] };
      this.nodes.set(n.id, g);
    } else {
      if (n.time && (!g.time || n.time < g.time)) g.time = n.time;
      if (!g.label && n.label) g.label = n.label;
      for (const [k, v] of Object.entries(n.props ?? {})) if (v !== null && v !== '' && (g.props[k] === undefined || g.props[k] === null)) g.props[k] = v;
    }
    mergeEvidence(g.evidence, n.evidence ?? []);
    this.tracking?.nodes.add(g.id);
    return g;
  }

  edge(type: EdgeType, source: string, target: string, e: EdgeInput): GraphEdge | null {
    const s = this.nodes.get(source);
    const t = this.nodes.get(target);
    if (!s || !t) throw new Error(`edge ${type} between unknown nodes ${source} -> ${target}`);
    if (source === target) return null;
    const crossHost = s.host !== null && t.host !== null && s.host.toLowerCase() !== t.host.toLowerCase();
    if (crossHost && !CROSS_HOST_EDGE_TYPES.has(type)) {
      this.refusedCrossHost++;
      return null;
    }
    const id = `${type}:${source}->${target}`;
    let g = this.edges.get(id);
    if (!g) {
      g = { id, type, source, target, time: e.time ?? null, confidence: e.confidence, reason: e.reason, crossHost, evidence: [] };
      this.edges.set(id, g);
    } else {
      if (RANK[e.confidence] > RANK[g.confidence]) {
        g.confidence = e.confidence;
        g.reason = e.reason;
      }
      if (e.time && (!g.time || e.time < g.time)) g.time = e.time;
    }
    mergeEvidence(g.evidence, e.evidence ?? []);
    this.tracking?.edges.add(g.id);
    return g;
  }
}
