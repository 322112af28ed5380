import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import cytoscape from 'cytoscape';
import { CROSS_HOST_EDGE_TYPES, type EvidenceGraphData } from '../../../shared/model/graph';
import { EvidenceGraph } from '../../../main/correlation/evidence-graph';
import { HostResolver } from '../../../main/correlation/case-rows';
import { toCytoscape, toGraphML, xmlEscape } from '../../../main/correlation/graph-export';
import { correlated, recs, SAMPLES } from './helpers';

const ALL = Object.values(SAMPLES);

test('no edge joins records of different hosts unless it is a cross-host link (all samples in one case)', async () => {
  const { db, c } = await correlated(...ALL);
  const hosts = HostResolver.fromCase(db);
  assert.equal(c.refusedCrossHost, 0);
  let checked = 0;
  for (const e of c.graph.edges()) {
    const s = c.graph.node(e.source)!;
    const t = c.graph.node(e.target)!;
    const bound = [s.host, t.host].filter((h): h is string => h !== null);
    if (new Set(bound.map((h) => h.toLowerCase())).size > 1) {
      assert.ok(e.crossHost && CROSS_HOST_EDGE_TYPES.has(e.type), `edge ${e.id} joins two hosts`);
      continue;
    }
    if (CROSS_HOST_EDGE_TYPES.has(e.type)) continue;
    for (const ev of e.evidence) {
      for (const h of bound) assert.equal(hosts.canonical(ev.host), h, `edge ${e.id} cites a record of ${ev.host}`);
      checked++;
    }
  }
  for (const n of c.graph.nodes()) {
    if (n.host === null) continue;
    for (const ev of n.evidence) assert.equal(hosts.canonical(ev.host), n.host, `node ${n.id} cites a record of ${ev.host}`);
  }
  assert.ok(checked > 300, `checked ${checked} evidence references`);
  // The cross-host links that are there: WMIC (PC01) -> WIN-77LTAPHIQ1R, WORKSTATION5 -> WORKSTATION6.
  const links = c.graph.edges().filter((e) => e.type === 'created-remotely' && c.graph.node(e.source)!.type === 'host').map((e) => `${c.graph.node(e.source)!.label} -> ${c.graph.node(e.target)!.label}`).sort();
  assert.deepEqual(links, ['PC01.example.corp -> WIN-77LTAPHIQ1R.example.corp', 'WORKSTATION5.theshire.local -> WORKSTATION6.theshire.local']);
  // Every edge and every non-host node names its records.
  for (const e of c.graph.edges()) assert.ok(e.evidence.length > 0, `edge ${e.id} has evidence`);
});

test('graph API: subscription subgraph, path, neighbourhood, host, process, filters', async () => {
  const { c } = await correlated(SAMPLES.commandLineConsumer);
  const g = c.graph;
  const sub = g.subscription('BotConsumer23');
  const types = sub.nodes().map((n) => n.type).sort();
  assert.deepEqual([...new Set(types)], ['binding', 'consumer', 'filter', 'host', 'process']);
  const cmd = sub.nodes().find((n) => n.type === 'process' && n.props.pid === 2544);
  assert.ok(cmd, 'cmd.exe in the subscription subgraph');
  // The WMIC.exe that created the binding and its ancestors (python.exe, cmd.exe stub) are there too.
  assert.ok(sub.nodes().some((n) => n.evidence.some((e) => e.recordId === 16113) && n.type === 'process'));
  assert.deepEqual(g.subscription('BotFilter82').nodeCount, sub.nodeCount);
  assert.equal(g.subscription('no such thing').nodeCount, 0);

  const binding = sub.nodes().find((n) => n.type === 'binding')!;
  const p = g.path(binding.id, cmd.id)!;
  assert.deepEqual(p.edges.map((e) => e.type), ['triggers']);
  const wmicBinding = sub.nodes().find((n) => n.type === 'process' && n.evidence.some((e) => e.recordId === 16113))!;
  const p2 = g.path(wmicBinding.id, cmd.id)!;
  assert.deepEqual(p2.edges.map((e) => e.type), ['created', 'triggers']);
  assert.equal(g.path(binding.id, 'process:nowhere'), null);

  const n1 = g.neighbourhood(binding.id, 1);
  assert.deepEqual(n1.nodes().map((n) => n.type).sort(), ['binding', 'consumer', 'filter', 'host', 'process', 'process']);
  assert.ok(g.neighbourhood(binding.id, 3).nodeCount > n1.nodeCount);
  assert.deepEqual(g.neighbourhood(binding.id, 1, ['binds']).nodes().map((n) => n.type).sort(), ['binding', 'consumer', 'filter']);

  assert.equal(g.host('iewin7').nodeCount, g.nodeCount);
  assert.equal(g.host('other').nodeCount, 0);
  const proc = g.process('{365ABB72-0D5A-5CD7-0000-001069031700}');
  assert.ok(proc.nodes().some((n) => n.type === 'binding'), 'what triggered the process');
  assert.ok(proc.nodes().some((n) => n.type === 'process' && /WmiPrvSE/.test(String(n.props.image))));

  const onlyProcs = g.filter({ nodeTypes: ['process'], edgeTypes: ['spawned'] });
  assert.ok(onlyProcs.nodes().every((n) => n.type === 'process'));
  assert.ok(onlyProcs.edges().every((e) => e.type === 'spawned'));
  // Time window: before the binding was created only the processes started before 17:58:23.4 remain.
  const early = g.filter({ to: '2019-05-11T17:58:23.3Z', nodeTypes: ['process'] });
  assert.ok(early.nodes().every((n) => n.time === null || n.time <= '2019-05-11T17:58:23.3Z'));
  assert.ok(!early.nodes().some((n) => n.props.pid === 2544));
});

test('exports: Cytoscape.js JSON loads in cytoscape; GraphML is well-formed and keeps hostile text intact', async () => {
  const { c } = await correlated(SAMPLES.wmiGhost);
  const data = c.graph.toData();
  const cy = cytoscape({ headless: true, elements: toCytoscape(data).elements as never });
  assert.equal(cy.nodes().length, data.nodes.length);
  assert.equal(cy.edges().length, data.edges.length);

  const hostile = '<script>&"\'\u0001\u0007\u001b[31m\ud800 x]]></data>';
  const evil: EvidenceGraphData = {
    nodes: [
      { id: 'a<&>"', type: 'process', label: hostile, host: 'H', time: null, props: { commandLine: hostile, id: 'x' }, evidence: [] },
      { id: 'b', type: 'file', label: 'f', host: 'H', time: null, props: {}, evidence: [] },
    ],
    edges: [{ id: 'e1', type: 'wrote', source: 'a<&>"', target: 'b', time: null, confidence: 'exact-id', reason: hostile, crossHost: false, evidence: [] }],
  };
  const xml = toGraphML(evil);
  assert.equal(XMLValidator.validate(xml), true);
  const doc = new XMLParser({ ignoreAttributes: false, processEntities: true, htmlEntities: false }).parse(xml);
  const node = doc.graphml.graph.node[0];
  assert.equal(node['@_id'], 'a<&>"');
  const label = node.data.find((d: Record<string, string>) => d['@_key'] === 'n_label')['#text'];
  assert.equal(label, '<script>&"\'\uFFFD\uFFFD\uFFFD[31m\uFFFD x]]></data>');
  assert.equal(xmlEscape('a\u0000b'), 'a\uFFFDb');
  // Real graph as GraphML too.
  assert.equal(XMLValidator.validate(toGraphML(data)), true);
  // Cytoscape data: node props cannot overwrite the element id.
  assert.equal(toCytoscape(evil).elements.nodes[0].data.id, 'a<&>"');
});

test('EvidenceGraph drops dangling edges', () => {
  const g = new EvidenceGraph({
    nodes: [{ id: 'x', type: 'host', label: 'x', host: 'x', time: null, props: {}, evidence: [] }],
    edges: [{ id: 'e', type: 'runs-on', source: 'x', target: 'y', time: null, confidence: 'exact-id', reason: '', crossHost: false, evidence: [] }],
  });
  assert.equal(g.edgeCount, 0);
});

test('evidence references carry file, record id and event id', async () => {
  const { c } = await correlated(SAMPLES.commandLineConsumer);
  const trig = c.graph.edges().find((e) => e.type === 'triggers')!;
  const ref = trig.evidence.find((e) => e.recordId === 16116)!;
  assert.equal(ref.eventId, 1);
  assert.match(ref.file, /sysmon_20_21_1_CommandLineEventConsumer\.evtx$/);
  assert.equal(typeof ref.eventRowId, 'number');
  assert.deepEqual(recs(trig.evidence), ['21:16112', '1:16113', '1:16116']);
});
