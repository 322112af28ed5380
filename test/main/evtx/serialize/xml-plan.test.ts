/**
 * Containers written by plan (serialize/xml-program.ts, XPlan): on a hand-written template that
 * holds every kind of child a plan meets (leaves always written and optional ones, as first,
 * middle and last child; attributes always written, optional, and of several parts, on leaves,
 * empty elements and containers; empty and static elements; arrays and
 * nested BinXML in a leaf; mixed content; a container of optional leaves only; a nested value
 * holding a template instance with containers), every combination of null and present values is
 * written by the fast path exactly as the tree path writes it, and counts the same nodes.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BinXmlWriter } from '../binxml/binxml-writer';
import { buildRecord } from '../../../../main/evtx/binxml/builder';
import type { BinXmlContext } from '../../../../main/evtx/binxml/tokens';
import type { XmlElement, XmlNode } from '../../../../shared/model/event-xml';
import { writeRecordXml } from '../../../../main/evtx/serialize/record-xml';
import { recordToXml } from '../../../../main/evtx/serialize/xml';
import { XmlByteWriter } from '../../../../main/evtx/serialize/xml-writer';

const STR = 0x01;
const ANSI = 0x02;
const U32 = 0x08;
const STR_ARRAY = 0x81;
const BINXML = 0x21;

type Value = [type: number, bytes: number[]] | 'nested';

const utf16z = (s: string) => [...Buffer.from(s + '\0', 'utf16le')];
const NULL: [number, number[]] = [0x00, []];

/** Value slots of the outer template, and what each holds in the variant `bits` (bit set: null). */
function values(bits: number): Value[] {
  const v = (k: number, present: Value): Value => ((bits >> k) & 1 ? NULL : present);
  return [
    v(0, [STR, utf16z('always')]), // A: always written (null: <A/>)
    v(1, [STR, utf16z('opt')]), // B: optional
    [U32, [42, 0, 0, 0]], // C's attribute
    v(2, [STR, utf16z('q&"<')]), // D's optional attribute
    v(3, [STR, []]), // D's value: an empty string (renders <D/>)
    v(4, [STR, utf16z('last')]), // Last: optional, the last child of System
    v(5, [STR_ARRAY, [...Buffer.from('x\0y\0', 'utf16le')]]), // Data x: an array repeats the element
    v(6, 'nested'), // Data y: nested BinXML
    v(7, [ANSI, [...Buffer.from('caf\xe9 \x80<\0', 'latin1')]]), // Data z: ANSI, code page 1252
    v(8, [STR, utf16z('mixed')]), // in mixed content
    v(9, [STR, utf16z('o1')]), // Opt's only children: optional
    NULL, // (Opt's second)
    v(10, [STR, utf16z('m')]), // C's optional attribute
    [STR, utf16z('k')], // in C's attribute of several parts
    v(11, [STR, utf16z('s<')]), // System's attribute (always written, empty when null)
  ];
}

/** The nested value: a template instance whose template is a container of an always-written leaf and an optional one. */
function nestedFragment(at: number, optionalNull: boolean): number[] {
  const n = new BinXmlWriter();
  n.bytes = new Array(at).fill(0); // names and definitions sit at their final chunk offsets
  n.fragmentHeader();
  n.inlineTemplate(0x4e4e, () => {
    n.fragmentHeader();
    n.open('Inner', { dep: true }).closeStart();
    n.open('L', { dep: true }).closeStart().subst(0, STR).end();
    n.open('M', { dep: true }).closeStart().subst(1, STR, true).end();
    n.end().eof();
  });
  const vals: Array<[number, number[]]> = [[STR, utf16z('in')], optionalNull ? NULL : [STR, utf16z('m')]];
  n.u32(vals.length);
  for (const [t, d] of vals) n.u16(d.length).u8(t).u8(0);
  for (const [, d] of vals) for (const x of d) n.u8(x);
  n.eof();
  return n.bytes.slice(at);
}

function record(bits: number, nestedOptionalNull: boolean): { ctx: BinXmlContext; end: number } {
  const w = new BinXmlWriter();
  w.fragmentHeader();
  w.inlineTemplate(0x7a7a, () => {
    w.fragmentHeader();
    w.open('Event', { attrs: true, dep: true }).attr('xmlns').text('urn:e').closeStart();
    w.open('System', { attrs: true, dep: true }).attr('s').subst(14, STR).closeStart();
    w.open('A', { dep: true }).closeStart().subst(0, STR).end();
    w.open('B', { dep: true }).closeStart().subst(1, STR, true).end();
    w.open('C', { attrs: true, dep: true }).attr('n').subst(2, U32).attr('m').subst(12, STR, true).attr('k').text('a').subst(13, STR).text('b').closeEmpty();
    w.open('S', { attrs: true, dep: true }).attr('k').text('v').closeEmpty();
    w.open('D', { attrs: true, dep: true }).attr('q').subst(3, STR, true).closeStart().subst(4, STR).end();
    w.open('Last', { dep: true }).closeStart().subst(5, STR, true).end();
    w.end();
    w.open('EventData', { dep: true }).closeStart();
    for (const [name, i, t] of [['x', 6, STR_ARRAY], ['y', 7, BINXML], ['z', 8, ANSI]] as const)
      w.open('Data', { attrs: true, dep: true }).attr('Name').text(name).closeStart().subst(i, t).end();
    w.end();
    w.open('Mixed', { dep: true }).closeStart().text('t ').subst(9, STR).end();
    w.open('Opt', { dep: true }).closeStart();
    w.open('O1', { dep: true }).closeStart().subst(10, STR, true).end();
    w.open('O2', { dep: true }).closeStart().subst(11, STR, true).end();
    w.end();
    w.end().eof();
  });
  const vals = values(bits);
  w.u32(vals.length);
  const fixed = vals.map((v) => (v === 'nested' ? null : v));
  const descAt = w.pos;
  for (let i = 0; i < vals.length; i++) w.u32(0); // descriptors, filled in below
  const data: number[][] = [];
  for (let i = 0; i < vals.length; i++) {
    const f = fixed[i];
    data.push(f !== null ? f[1] : nestedFragment(w.pos + data.reduce((n, d) => n + d.length, 0), nestedOptionalNull));
  }
  for (let i = 0; i < vals.length; i++) {
    const type = fixed[i]?.[0] ?? BINXML;
    const d = data[i];
    w.bytes[descAt + 4 * i] = d.length & 0xff;
    w.bytes[descAt + 4 * i + 1] = d.length >> 8;
    w.bytes[descAt + 4 * i + 2] = type;
  }
  for (const d of data) for (const x of d) w.u8(x);
  w.eof();
  return { ctx: { buf: Buffer.from(w.build()), strings: new Map(), templates: new Map() }, end: w.pos };
}

function countNodes(n: XmlNode): number {
  if (typeof n === 'string') return 1;
  let c = 1;
  for (const ch of n.children) c += countNodes(ch);
  return c;
}

/** Nodes of the nested value (the children of `<Data Name="y">`). */
function nestedNodes(ev: XmlElement): number {
  const data = (ev.children.find((c) => typeof c !== 'string' && c.name === 'EventData') as XmlElement).children;
  const y = data.find((c) => typeof c !== 'string' && c.attrs[0]?.[1] === 'y') as XmlElement;
  return y.children.reduce((n, c) => n + countNodes(c), 0);
}

test('containers written by plan match the tree path for every combination of null values', () => {
  let variants = 0;
  for (let bits = 0; bits < 1 << 12; bits++)
    for (const nestedNull of [false, true]) {
      // (nested BinXML matters only when present)
      if (nestedNull && (bits >> 6) & 1) continue;
      const r = record(bits, nestedNull);
      const tree = buildRecord(r.ctx, 0, r.end);
      const expected = recordToXml(tree);
      const w = new XmlByteWriter(true, 64);
      const err = writeRecordXml({ ...r.ctx, strings: new Map(), templates: new Map() }, 0, r.end, w);
      assert.equal(err, null);
      assert.equal(w.buf.toString('utf8', 0, w.len), expected, `variant ${bits.toString(2)}${nestedNull ? ' (nested optional null)' : ''}`);
      // Every node written counts, except a nested value's, which are counted when it is read.
      assert.equal(w.nodes, countNodes(tree) - nestedNodes(tree), `nodes, variant ${bits.toString(2)}`);
      assert.equal(w.openElements, 0);
      variants++;
    }
  assert.equal(variants, 4096 + 2048);
});

test('the plan covers what it is for: the sample holds containers, and a last optional leaf closes its container', () => {
  // Everything null that may be: Last is left out, and System still closes.
  const r = record(0b111111111111, false);
  const w = new XmlByteWriter(true, 64);
  writeRecordXml(r.ctx, 0, r.end, w);
  const xml = w.buf.toString('utf8', 0, w.len);
  assert.match(xml, /<D\/>\n {2}<\/System>/);
  assert.match(xml, /<System s="">/);
  assert.match(xml, /<C n="42" k="akb"\/>/);
  assert.doesNotMatch(xml, /<Last|<B>|<O1/);
  assert.match(xml, /<Opt\/>/); // (its children are elements: it stays, empty)
  // Everything present: arrays repeat, nested BinXML is placed, ANSI is decoded as code page 1252.
  const all = record(0, false);
  const w2 = new XmlByteWriter(true, 64);
  writeRecordXml(all.ctx, 0, all.end, w2);
  const xml2 = w2.buf.toString('utf8', 0, w2.len);
  assert.match(xml2, /<Data Name="x">x<\/Data>\n {4}<Data Name="x">y<\/Data>/);
  assert.match(xml2, /<Data Name="y">\n {6}<Inner>\n {8}<L>in<\/L>\n {8}<M>m<\/M>\n {6}<\/Inner>\n {4}<\/Data>/);
  assert.match(xml2, /<Data Name="z">café €&lt;<\/Data>/);
  assert.match(xml2, /<D q="q&amp;&quot;&lt;"\/>/);
  assert.match(xml2, /<System s="s&lt;">/);
  assert.match(xml2, /<C n="42" m="m" k="akb"\/>/);
});
