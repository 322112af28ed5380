/**
 * Correlation entry points for the db worker (registered in main/db/analysis-tasks.ts).
 * Arguments arrive from callers (CLI, web shell, IPC) and are validated here; results are
 * plain structured-cloneable data. One correlation per case state is cached: a new import
 * (more events) recomputes it.
 */
import type { EdgeType, EvidenceGraphData, GraphFilter, NodeType, ProcessInfo } from '../../shared/model/graph';
import { EDGE_TYPES, NODE_TYPES } from '../../shared/model/graph';
import type { CaseDb } from '../db/case-db';
import { correlateCase, selectSubgraph, type CorrelationResult } from './evidence-graph';
import { detectionReport, latestDetectionRun } from '../detection/store';
import type { ExecutionChain } from './execution-chains';
import { exportGraph, type GraphFormat } from './graph-export';
import type { LateralMovementResult } from './lateral-movement';
import { eventsByParentImage, forestData, processesByParentImage, type ProcessForestData } from './process-tree';

const cache = new WeakMap<CaseDb, { events: number; run: number | null; result: CorrelationResult }>();

/**
 * The case's correlation, with the rule hits of its latest detection run as detection nodes
 * (our pack's, run now and stored, when none has run: `graph` had none). Recomputed when events
 * are added or detection runs again.
 */
export function correlationOf(db: CaseDb): CorrelationResult {
  const events = db.eventCount();
  const hit = cache.get(db);
  if (hit && hit.events === events && hit.run !== null && hit.run === latestDetectionRun(db)) return hit.result;
  const { detections } = detectionReport(db);
  const result = correlateCase(db, { detections });
  cache.set(db, { events, run: latestDetectionRun(db), result });
  return result;
}

type Args = Record<string, unknown>;
/** Longest text a task takes as a selector (a host, an image, a subscription name). */
const MAX_TEXT_ARG = 4096;
const obj = (a: unknown): Args => (a && typeof a === 'object' ? (a as Args) : {});
const optString = (a: Args, k: string): string | undefined => {
  const v = a[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`${k} must be a string`);
  if (v.length > MAX_TEXT_ARG) throw new Error(`${k} is longer than ${MAX_TEXT_ARG} characters`);
  return v;
};
function optList<T extends string>(a: Args, k: string, allowed: readonly T[]): T[] | undefined {
  const v = a[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => !allowed.includes(x as T))) throw new Error(`${k} must be a list of: ${allowed.join(', ')}`);
  return v as T[];
}

export function processTreesTask(db: CaseDb, args: unknown): ProcessForestData {
  const a = obj(args);
  return forestData(correlationOf(db).forest, { host: optString(a, 'host'), parentImage: optString(a, 'parentImage') });
}

export function processesByParentImageTask(db: CaseDb, args: unknown): ProcessInfo[] {
  const a = obj(args);
  const image = optString(a, 'parentImage');
  if (!image) throw new Error('parentImage is required');
  return processesByParentImage(correlationOf(db).forest, image, optString(a, 'host'));
}

export function eventsByParentImageTask(db: CaseDb, args: unknown): Array<{ eventRowId: number; resolved: boolean }> {
  const a = obj(args);
  const image = optString(a, 'parentImage');
  if (!image) throw new Error('parentImage is required');
  return eventsByParentImage(db, correlationOf(db).forest, image, optString(a, 'host'));
}

export function executionChainsTask(db: CaseDb): ExecutionChain[] {
  return correlationOf(db).chains;
}

export function lateralMovementTask(db: CaseDb): LateralMovementResult {
  return correlationOf(db).lateral;
}

export interface EvidenceGraphTaskResult {
  graph: EvidenceGraphData | null;
  /** The export text when a format was asked for. */
  text: string | null;
  nodes: number;
  edges: number;
  refusedCrossHost: number;
  timings: Record<string, number>;
}

export function evidenceGraphTask(db: CaseDb, args: unknown): EvidenceGraphTaskResult {
  const a = obj(args);
  const format = optString(a, 'format');
  if (format !== undefined && format !== 'cytoscape' && format !== 'graphml') throw new Error('format must be cytoscape or graphml');
  const c = correlationOf(db);
  let g = selectSubgraph(c.graph, { subscription: optString(a, 'subscription'), host: optString(a, 'host'), process: optString(a, 'process') });
  const depth = a.depth;
  const around = optString(a, 'around');
  if (around) g = g.neighbourhood(around, typeof depth === 'number' && depth >= 0 && depth <= 50 ? depth : 2);
  const filter: GraphFilter = {
    nodeTypes: optList<NodeType>(a, 'nodeTypes', NODE_TYPES),
    edgeTypes: optList<EdgeType>(a, 'edgeTypes', EDGE_TYPES),
    from: optString(a, 'from'),
    to: optString(a, 'to'),
  };
  if (filter.nodeTypes || filter.edgeTypes || filter.from || filter.to) g = g.filter(filter);
  const data = g.toData();
  return {
    graph: format ? null : data,
    text: format ? exportGraph(data, format as GraphFormat) : null,
    nodes: g.nodeCount,
    edges: g.edgeCount,
    refusedCrossHost: c.refusedCrossHost,
    timings: c.timings,
  };
}
