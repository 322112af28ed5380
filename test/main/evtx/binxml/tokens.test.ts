/** BinXML tokens, templates and the builder on hand-written BinXML covering every token type. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BinXmlWriter } from './binxml-writer';
import { buildFragment, buildRecord } from '../../../../main/evtx/binxml/builder';
import { serializeXml, type XmlElement } from '../../../../shared/model/event-xml';
import { BinXmlError, type BinXmlContext } from '../../../../main/evtx/binxml/tokens';
import { writeRecordXml } from '../../../../main/evtx/serialize/record-xml';
import { XmlByteWriter } from '../../../../main/evtx/serialize/xml-writer';

function ctx(buf: Uint8Array): BinXmlContext {
  return { buf, strings: new Map(), templates: new Map() };
}

/** A record: literal elements (no template), entity/char refs, CDATA, a PI, then a template instance. */
function sample(nullAttr = false): { buf: Uint8Array; end: number; defOffset: number } {
  const w = new BinXmlWriter();
  w.fragmentHeader();
  w.open('Event', { attrs: true }).attr('xmlns').text('urn:x').closeStart();
  w.open('Data').closeStart().text('a').u8(0x09).name('amp').u8(0x08).u16(0x41).u8(0x07).u16(3).chars('<c>').end();
  w.u8(0x0a).name('pi').u8(0x0b).u16(1).chars('x');
  // Template instance with an inline definition.
  w.u8(0x0c).u8(1).u32(0x1234);
  const defOffset = w.pos + 4;
  w.u32(defOffset);
  const sizeAt = defOffset + 20;
  w.u32(0).u32(0x1234).u32(0).u32(0).u32(0).u32(0); // next, GUID, size (patched)
  const dataStart = w.pos;
  w.fragmentHeader();
  w.open('T', { attrs: true, dep: true }).attr('n').subst(0, 0x01, true).closeStart();
  w.subst(1, 0x08);
  w.open('Arr', { dep: true }).closeStart().subst(2, 0x81).end();
  w.open('Opt', { dep: true }).closeStart().subst(3, 0x00, true).end();
  w.subst(4, 0x21);
  w.open('Static', { dep: true }).closeEmpty();
  w.end().eof();
  const size = w.pos - dataStart;
  w.bytes[sizeAt] = size & 0xff;
  w.bytes[sizeAt + 1] = size >> 8;
  // Values: descriptors then data.
  const nested = new BinXmlWriter();
  const values: Array<[number, number[]]> = [
    nullAttr ? [0x00, []] : [0x01, [...Buffer.from('nm\0', 'utf16le')]],
    [0x08, [7, 0, 0, 0]],
    [0x81, [...Buffer.from('x\0y\0', 'utf16le')]],
    [0x00, []],
    [0x21, []],
  ];
  w.u32(values.length);
  const nestedAt = w.pos + 4 * values.length + values.slice(0, 4).reduce((n, v) => n + v[1].length, 0);
  // Nested BinXML: elements without dependency id, positioned where they will sit in the buffer.
  nested.bytes = new Array(nestedAt).fill(0);
  nested.fragmentHeader().open('N').closeStart().text('z').end().eof();
  values[4][1] = nested.bytes.slice(nestedAt);
  for (const [t, d] of values) w.u16(d.length).u8(t).u8(0);
  for (const [, d] of values) for (const x of d) w.u8(x);
  w.end().eof();
  return { buf: w.build(), end: w.pos, defOffset };
}

test('every token type builds into the element tree', () => {
  const s = sample();
  const c = ctx(s.buf);
  const ev = buildRecord(c, 0, s.end);
  assert.equal(
    serializeXml(ev, '', ''),
    '<Event xmlns="urn:x"><Data>a&amp;A&lt;c&gt;</Data><T n="nm">7<Arr>x</Arr><Arr>y</Arr><N>z</N><Static/></T></Event>',
  );
  // The definition was cached by offset, and a second instance reuses it (and shares static subtrees).
  assert.ok(c.templates.has(s.defOffset));
  const again = buildRecord(c, 0, s.end);
  const t1 = ev.children[1] as XmlElement;
  const t2 = again.children[1] as XmlElement;
  assert.notEqual(t1, t2);
  assert.equal(t1.children[t1.children.length - 1], t2.children[t2.children.length - 1]);
});

test('optional substitution without a value drops the attribute; array items repeat the element', () => {
  const s = sample(true);
  const ev = buildRecord(ctx(s.buf), 0, s.end);
  const t = ev.children[1] as XmlElement;
  assert.deepEqual(t.attrs, []);
  assert.deepEqual(sample(false) && (buildRecord(ctx(sample().buf), 0, sample().end).children[1] as XmlElement).attrs, [['n', 'nm']]);
  assert.deepEqual(
    t.children.filter((x): x is XmlElement => typeof x !== 'string' && x.name === 'Arr').map((x) => x.children[0]),
    ['x', 'y'],
  );
  assert.equal(t.children.filter((x) => typeof x !== 'string' && x.name === 'Opt').length, 0);
});

test('malformed BinXML throws a bounded error, never reads past the fragment', () => {
  const s = sample();
  for (let cut = 1; cut < s.end; cut += 7) {
    try {
      buildFragment(ctx(s.buf.slice(0, cut)), 0, cut);
    } catch (e) {
      assert.ok(e instanceof BinXmlError, String(e));
    }
  }
  // Unknown token.
  assert.throws(() => buildFragment(ctx(Uint8Array.from([0x0f, 1, 1, 0, 0x7f])), 0, 5), { message: /unknown BinXML token/ });
  // Deep nesting is bounded.
  const w = new BinXmlWriter();
  for (let i = 0; i < 400; i++) w.open('e').closeStart();
  assert.throws(() => buildFragment(ctx(w.build()), 0, w.pos), { message: /nested too deeply/ });
});

test('a record of many instances of a large template is refused quickly (bounded expansion)', () => {
  const w = new BinXmlWriter();
  w.fragmentHeader();
  w.open('Event').closeStart();
  // First instance carries an inline definition of 2000 static elements.
  const def = w.inlineTemplate(0x77, () => {
    w.fragmentHeader().open('Big', { dep: true }).closeStart();
    for (let i = 0; i < 2000; i++) w.open('x', { dep: true }).closeEmpty();
    w.end().eof();
  });
  w.u32(0); // no values
  // Then 3000 more instances of it, 13 bytes each.
  for (let i = 0; i < 3000; i++) w.u8(0x0c).u8(1).u32(0x77).u32(def).u32(0);
  w.end().eof();
  const c = ctx(w.build());
  const t0 = Date.now();
  assert.throws(() => buildRecord(c, 0, w.pos), { message: /too many nodes/ });
  assert.ok(Date.now() - t0 < 2000);
});

test('one long value placed in thousands of slots is refused quickly, as tree and as XML (bounded text)', () => {
  const w = new BinXmlWriter();
  w.fragmentHeader();
  // One template instance with an inline definition: <Big> then 3000 x <D>%0</D>.
  w.inlineTemplate(0x99, () => {
    w.fragmentHeader().open('Big', { dep: true }).closeStart();
    const first = w.pos;
    w.open('D', { dep: true }).closeStart().subst(0, 0x01).end();
    const nameAt = first + 11; // the inline name of the first <D> (token, dependency id, size, name offset)
    for (let i = 1; i < 3000; i++) w.u8(0x01).u16(0xffff).u32(0).nameRef(nameAt).closeStart().subst(0, 0x01).end();
    w.end().eof();
  });
  // One value: a 30,000-character string, so the record would expand to 90 million characters.
  const value = Buffer.from('A'.repeat(30000), 'utf16le');
  w.u32(1).u16(value.length).u8(0x01).u8(0);
  for (const x of value) w.u8(x);
  w.eof();
  const buf = w.build();
  const t0 = Date.now();
  assert.throws(() => buildRecord(ctx(buf), 0, w.pos), { message: /more than 4000000 characters of text/ });
  const xml = new XmlByteWriter(true, 1024);
  assert.throws(() => writeRecordXml(ctx(Buffer.from(buf)), 0, w.pos, xml), { message: /more than 4000000 characters of text|passes \d+ bytes/ });
  assert.ok(Date.now() - t0 < 2000, `refused in ${Date.now() - t0} ms`);
  assert.ok(xml.buf.length <= 32 * 1048576, 'the writer never grew past its limit');
});
