/**
 * Evidence graph export: Cytoscape.js JSON (elements: nodes and edges with `data`) and
 * GraphML. Every label and property is attacker-controlled text; GraphML output escapes
 * the five XML specials and replaces characters XML 1.0 cannot carry (C0 controls, lone
 * surrogates, U+FFFE/U+FFFF) so any record yields a well-formed document.
 */
import type { EvidenceGraphData, GraphEdge, GraphNode } from '../../shared/model/graph';

export type GraphFormat = 'cytoscape' | 'graphml';

export interface CytoscapeJson {
  elements: {
    nodes: Array<{ data: Record<string, unknown> }>;
    edges: Array<{ data: Record<string, unknown> }>;
  };
}

export function toCytoscape(g: EvidenceGraphData): CytoscapeJson {
  return {
    elements: {
      nodes: g.nodes.map((n) => ({
        data: { id: n.id, label: n.label, type: n.type, host: n.host, time: n.time, ...prefixed(n.props), evidence: n.evidence },
      })),
      edges: g.edges.map((e) => ({
        data: {
          id: e.id, source: e.source, target: e.target, type: e.type, label: e.type, time: e.time, confidence: e.confidence,
          reason: e.reason, crossHost: e.crossHost, evidence: e.evidence,
        },
      })),
    },
  };
}

/** Node props under `p_` so an attacker-chosen property name cannot overwrite id/source/target. */
function prefixed(props: GraphNode['props']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) out[`p_${k}`] = v;
  return out;
}

// Characters outside the XML 1.0 Char production, and lone surrogates.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlEscape(s: string): string {
  return s
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

const NODE_KEYS = ['type', 'label', 'host', 'time', 'props', 'evidence'] as const;
const EDGE_KEYS = ['type', 'time', 'confidence', 'reason', 'crossHost', 'evidence'] as const;

export function toGraphML(g: EvidenceGraphData): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">');
  for (const k of NODE_KEYS) out.push(`  <key id="n_${k}" for="node" attr.name="${k}" attr.type="string"/>`);
  for (const k of EDGE_KEYS) out.push(`  <key id="e_${k}" for="edge" attr.name="${k}" attr.type="${k === 'crossHost' ? 'boolean' : 'string'}"/>`);
  out.push('  <graph id="evidence" edgedefault="directed">');
  for (const n of g.nodes) {
    out.push(`    <node id="${xmlEscape(n.id)}">`);
    out.push(data('n_type', n.type), data('n_label', n.label), data('n_host', n.host), data('n_time', n.time));
    out.push(data('n_props', JSON.stringify(n.props)), data('n_evidence', JSON.stringify(n.evidence)));
    out.push('    </node>');
  }
  for (const e of g.edges) out.push(edgeXml(e));
  out.push('  </graph>');
  out.push('</graphml>');
  return out.filter((l) => l !== '').join('\n') + '\n';
}

function data(key: string, v: string | null): string {
  return v === null ? '' : `      <data key="${key}">${xmlEscape(v)}</data>`;
}

function edgeXml(e: GraphEdge): string {
  return [
    `    <edge id="${xmlEscape(e.id)}" source="${xmlEscape(e.source)}" target="${xmlEscape(e.target)}">`,
    data('e_type', e.type), data('e_time', e.time), data('e_confidence', e.confidence), data('e_reason', e.reason),
    data('e_crossHost', String(e.crossHost)), data('e_evidence', JSON.stringify(e.evidence)),
    '    </edge>',
  ].filter((l) => l !== '').join('\n');
}

export function exportGraph(g: EvidenceGraphData, format: GraphFormat): string {
  return format === 'graphml' ? toGraphML(g) : JSON.stringify(toCytoscape(g), null, 1) + '\n';
}
