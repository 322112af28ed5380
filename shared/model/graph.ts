/**
 * The evidence graph: one typed graph of what happened in a case (hosts, users, WMI
 * subscription objects, processes, files, registry keys, network endpoints, services,
 * detections) where every node and every edge names the event records behind it.
 * Pure types and constants: no Node or browser imports.
 */
import type { EvidenceReference } from './detection';

export const NODE_TYPES = [
  'host', 'user', 'filter', 'consumer', 'binding', 'process', 'file', 'registry', 'endpoint', 'service', 'detection',
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export const EDGE_TYPES = [
  /** binding -> filter, binding -> consumer */
  'binds',
  /** binding -> process the consumer ran (or the scrcons.exe that hosted its script) */
  'triggers',
  /** parent process -> child process */
  'spawned',
  /** process -> file (Sysmon 11) */
  'wrote',
  /** process -> registry key (Sysmon 12-14) */
  'set-registry',
  /** process -> network endpoint (Sysmon 3) */
  'connected',
  /** process / host -> service (7045 installed, 7036 state change) */
  'installed-service',
  'changed-service',
  /** user -> host (4624) */
  'logged-on',
  /** user -> host: explicit credentials used against it (4648) */
  'used-credentials',
  /** host -> host: WMI lateral movement seen on both sides; host -> binding: remote subscription creation */
  'created-remotely',
  /** process -> host it targeted (wmic /node:, Invoke-WmiMethod -ComputerName) */
  'targeted',
  /** process -> subscription object it created (WMIC / PowerShell command line, Sysmon 19-21 in its lifetime) */
  'created',
  /** detection -> process / object it fired on */
  'detected',
  /** process / subscription object -> host it ran on */
  'runs-on',
] as const;
export type EdgeType = (typeof EDGE_TYPES)[number];

/**
 * How sure a link is:
 * - exact-id: the records share an identifier (ProcessGuid, PID with matching image name and time order, object name);
 * - name-match: names or command lines match (consumer payload vs. process command line, host names);
 * - inferred-time: only time order and host tie the records together.
 */
export type Confidence = 'exact-id' | 'name-match' | 'inferred-time';

export type PropValue = string | number | boolean | null;

export interface GraphNode {
  /** Stable id within one graph (type-prefixed). */
  id: string;
  type: NodeType;
  /** Short display text (attacker-controlled: escape before rendering). */
  label: string;
  /** Host the node belongs to; null for nodes that are not bound to one host (users, remote endpoints). */
  host: string | null;
  /** First time the evidence shows the node (ISO UTC), when known. */
  time: string | null;
  props: Record<string, PropValue>;
  evidence: EvidenceReference[];
}

export interface GraphEdge {
  id: string;
  type: EdgeType;
  source: string;
  target: string;
  time: string | null;
  confidence: Confidence;
  /** Why the link was made, in words. */
  reason: string;
  /** True when the edge joins nodes of two different hosts (only cross-host link types may). */
  crossHost: boolean;
  evidence: EvidenceReference[];
}

export interface EvidenceGraphData {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Edge types allowed to join nodes of two different hosts: they are the cross-host links. */
export const CROSS_HOST_EDGE_TYPES: ReadonlySet<EdgeType> = new Set<EdgeType>(['created-remotely', 'targeted', 'used-credentials']);

export interface GraphFilter {
  nodeTypes?: NodeType[];
  edgeTypes?: EdgeType[];
  /** Keep nodes/edges whose time is inside [from, to] (ISO UTC); undated items are kept. */
  from?: string;
  to?: string;
}

/** Why a process is considered WMI-launched or WMI-using. */
export type WmiMarkKind =
  | 'child-of-wmiprvse'
  | 'child-of-scrcons'
  | 'scrcons-host'
  | 'wmic'
  | 'mofcomp'
  | 'powershell-wmi';

export interface WmiMark {
  kind: WmiMarkKind;
  /** In words, e.g. "parent is WmiPrvSE.exe: Win32_Process.Create or CommandLineEventConsumer". */
  why: string;
  evidence: EvidenceReference[];
}

/** One process as rebuilt from Sysmon 1 / Security 4688 (both merged when a host has both). */
export interface ProcessInfo {
  /** Graph node id ("process:<host>|<key>"). */
  id: string;
  host: string;
  pid: number | null;
  guid: string | null;
  image: string;
  commandLine: string | null;
  user: string | null;
  start: string | null;
  end: string | null;
  parentId: string | null;
  parentPid: number | null;
  parentImage: string | null;
  /** How the parent link was made; `inferred` when the parent came from the PID alone (no GUID, no logged parent name). */
  parentLink: { confidence: Confidence; inferred: boolean; reason: string } | null;
  /** 'sysmon' (event 1), 'security' (4688); both when merged; 'stub' for a parent known only from its child's record. */
  sources: Array<'sysmon' | 'security' | 'stub'>;
  childIds: string[];
  wmi: WmiMark[];
  evidence: EvidenceReference[];
}
