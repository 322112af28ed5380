/**
 * BinXML written without templates, straight from its tokens (token-xml.ts), against the tree path
 * (parseTokens, then XmlByteWriter.writeElement): the same bytes and node counts for every token
 * kind it takes, and, for everything it must leave to the tree path, no output left behind.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BinXmlWriter } from '../binxml/binxml-writer';
import { buildFragment, buildRecord } from '../../../../main/evtx/binxml/builder';
import type { BinXmlContext } from '../../../../main/evtx/binxml/tokens';
import { writeTokensXml } from '../../../../main/evtx/serialize/token-xml';
import { XmlByteWriter } from '../../../../main/evtx/serialize/xml-writer';

function ctx(buf: Uint8Array): BinXmlContext {
  return { buf, strings: new Map(), templates: new Map() };
}

/** A value token of type `t` (fixed size) holding `data`. */
function value(w: BinXmlWriter, t: number, data: number[]): BinXmlWriter {
  w.u8(0x05).u8(t);
  for (const x of data) w.u8(x);
  return w;
}

/** A value token holding ANSI (code page) bytes. */
function ansi(w: BinXmlWriter, latin1: string): BinXmlWriter {
  w.u8(0x05).u8(0x02).u16(latin1.length);
  for (const x of Buffer.from(latin1, 'latin1')) w.u8(x);
  return w;
}

/** A fragment: the header when `header`, then what `body` writes, then EOF. */
function fragment(body: (w: BinXmlWriter) => void, header = true): Uint8Array {
  const w = new BinXmlWriter();
  if (header) w.fragmentHeader();
  body(w);
  w.eof();
  return w.build();
}

/** Both paths on a record (`allRoots` false) or a nested value written at `depth`; the direct path's result first. */
function bothWays(buf: Uint8Array, allRoots: boolean, depth = 0, pretty = true): { direct: boolean; fast: string; tree: string; fastNodes: number; treeNodes: number } {
  const fast = new XmlByteWriter(pretty, 64);
  fast.beginFragment(depth);
  fast.byte(0x7c); // (output before the fragment stays as it is)
  const direct = writeTokensXml(ctx(buf), 0, buf.length, fast, allRoots);
  const tree = new XmlByteWriter(pretty, 64);
  tree.beginFragment(depth);
  tree.byte(0x7c);
  if (allRoots) {
    for (const n of buildFragment(ctx(buf), 0, buf.length, 1)) if (typeof n !== 'string') tree.writeElement(n);
  } else tree.writeElement(buildRecord(ctx(buf), 0, buf.length));
  return { direct, fast: fast.buf.toString('utf8', 0, fast.len), tree: tree.buf.toString('utf8', 0, tree.len), fastNodes: fast.nodes, treeNodes: tree.nodes };
}

/** Every token kind the direct path takes, in one record. */
const everyKind = (w: BinXmlWriter) => {
  w.open('Event', { attrs: true }).attr('xmlns', true).text('urn:x').attr('q').text('a"b').u8(0x08).u16(0x27).closeStart();
  w.open('System').closeStart();
  w.open('Empty', { attrs: true }).attr('v').closeEmpty();
  ansi(w.open('Ansi').closeStart(), 'caf\xe9 <&>\0tail').end();
  w.end();
  w.open('Data', { attrs: true }).attr('Name').text('CommandLine').closeStart();
  w.text('  cmd.exe /c "x & y" <z> ').u8(0x08).u16(0x263a).u8(0x09).name('amp').u8(0x09).name('constructor');
  w.u8(0x07).u16(5).chars(']]>&<');
  w.u8(0x0a).name('pi').u8(0x0b).u16(2).chars('ok');
  w.end();
  w.open('Blank').closeStart().text('   ').open('Child').closeEmpty().text(' \n ').end();
  w.open('Numbers', { attrs: true }).attr('u8');
  value(w, 0x04, [200]).attr('i32');
  value(w, 0x07, [0xfe, 0xff, 0xff, 0xff]).attr('hex64');
  value(w, 0x15, [1, 0, 0, 0, 0, 0, 0, 0x80]).attr('guid');
  value(w, 0x0f, [...Array(16).keys()]).attr('time');
  value(w, 0x11, [0x00, 0x80, 0x3e, 0xd5, 0xde, 0xb1, 0x9d, 0x01]).closeStart();
  value(w, 0x08, [7, 0, 0, 0]);
  w.end();
  w.end();
};

test('every token kind: the same bytes and node counts as the tree path, pretty and on one line', () => {
  const buf = fragment(everyKind);
  for (const pretty of [true, false]) {
    const r = bothWays(buf, false, 0, pretty);
    assert.ok(r.direct, 'written straight from the tokens');
    assert.equal(r.fast, r.tree);
    assert.equal(r.fastNodes, r.treeNodes);
  }
  const r = bothWays(buf, false);
  // What the tree rules make of it: escapes, references, a dropped blank run, a hostile entity name.
  assert.match(r.fast, /<Event xmlns="urn:x" q="a&quot;b&apos;">/);
  assert.match(r.fast, /<Ansi>café &lt;&amp;&gt;<\/Ansi>/);
  assert.match(r.fast, /cmd\.exe \/c "x &amp; y" &lt;z&gt; ☺&amp;&amp;constructor;\]\]&gt;&amp;&lt;<\/Data>/);
  assert.match(r.fast, /<Blank>\n\s+<Child\/>\n\s+<\/Blank>/);
  assert.match(r.fast, /<Numbers u8="200" i32="-2" hex64="0x8000000000000001" guid="\{03020100-0504-0706-0809-0A0B0C0D0E0F\}"/);
});

test('a nested value: every root element at the depth it is placed, text outside them dropped', () => {
  const buf = fragment((w) => {
    w.text('dropped');
    w.open('A', { attrs: true }).attr('k').text('v').closeStart().text('x').end();
    w.u8(0x08).u16(0x41);
    w.open('B').closeEmpty();
  }, false);
  for (const depth of [1, 3]) {
    const r = bothWays(buf, true, depth);
    assert.ok(r.direct);
    assert.equal(r.fast, r.tree);
    assert.equal(r.fastNodes, r.treeNodes);
    assert.ok(!r.fast.includes('dropped'));
  }
  // An empty nested value writes nothing, as an empty tree does.
  const empty = bothWays(fragment(() => undefined), true, 2);
  assert.ok(empty.direct);
  assert.equal(empty.fast, '|');
});

test('what it leaves to the tree path: nothing written, the writer as it was', () => {
  const cases: Array<[string, Uint8Array, boolean]> = [
    ['a template instance', fragment((w) => void w.open('E').closeStart().u8(0x0c)), false],
    ['a substitution', fragment((w) => void w.open('E').closeStart().subst(0, 1).end()), false],
    ['a second root element of a record', fragment((w) => void w.open('A').closeEmpty().open('B').closeEmpty()), false],
    ['content in a start tag before any attribute', fragment((w) => void w.open('E', { attrs: true }).text('x').closeEmpty()), false],
    ['an empty string in a start tag before any attribute', fragment((w) => void w.open('E', { attrs: true }).text('').closeEmpty()), false],
    ['an empty CDATA section in a start tag before any attribute', fragment((w) => void w.open('E', { attrs: true }).u8(0x07).u16(0).closeEmpty()), false],
    ['an element left open', fragment((w) => void w.open('E').closeStart().text('x')), false],
    ['an unbalanced end', fragment((w) => void w.open('E').closeEmpty().end()), true],
    ['a record with no element', fragment((w) => void w.text('x')), false],
    ['a damaged name', (() => {
      const b = fragment((w) => void w.open('Event').closeEmpty());
      b[b.indexOf(0x45) + 2] ^= 1; // a character of the name: its hash no longer matches
      return b;
    })(), false],
    ['a value cut short', fragment((w) => void w.open('E').closeStart().u8(0x05).u8(0x01).u16(40).chars('ab')), false],
    ['an unknown value type', fragment((w) => void value(w.open('E').closeStart(), 0x30, [1, 2]).end()), false],
    // A surrogate pair split over two pieces: the tree joins them into one character.
    ['a piece ending in a high surrogate', fragment((w) => void w.open('E').closeStart().text('a\ud83d').text('\ude00b').end()), false],
    ['a surrogate character reference', fragment((w) => void w.open('E').closeStart().text('a').u8(0x08).u16(0xd83d).end()), false],
  ];
  for (const [what, buf, allRoots] of cases) {
    const w = new XmlByteWriter(true, 64);
    w.beginFragment(2);
    w.byte(0x7c);
    const nodes = w.nodes;
    assert.equal(writeTokensXml(ctx(buf), 0, buf.length, w, allRoots), false, what);
    assert.equal(w.len, 1, `${what}: output taken back`);
    assert.equal(w.nodes, nodes, `${what}: node count as it was`);
    assert.equal(w.openElements, 2, `${what}: depth as it was`);
  }
  // The split pair as the tree path writes it: one character.
  const split = fragment((w) => void w.open('E').closeStart().text('a\ud83d').text('\ude00b').end());
  const t = new XmlByteWriter(true, 64);
  t.writeElement(buildRecord(ctx(split), 0, split.length));
  assert.equal(t.buf.toString('utf8', 0, t.len), '<E>a😀b</E>');
});
