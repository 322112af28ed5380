/**
 * Template definitions shared across chunks (binxml/template-store.ts): a copy of a definition
 * in another chunk, at another offset, is compiled once; a definition that differs in any byte,
 * or names another name, is never mistaken for it, whatever its GUID says.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BinXmlWriter } from './binxml-writer';
import { buildRecord } from '../../../../main/evtx/binxml/builder';
import type { BinXmlContext } from '../../../../main/evtx/binxml/tokens';
import { serializeXml } from '../../../../shared/model/event-xml';
import { writeRecordXml } from '../../../../main/evtx/serialize/record-xml';
import { XmlByteWriter } from '../../../../main/evtx/serialize/xml-writer';

interface Chunk {
  ctx: BinXmlContext;
  start: number;
  end: number;
  defOffset: number;
}

/**
 * A chunk-like buffer: `pad` bytes, a name entry (`shared`) that the template's second element
 * refers to, then one record: a template instance (id `id`) with its definition inline and one
 * string value. `substType` is the value type the definition declares.
 */
function chunk(opts: { pad: number; shared: string; id?: number; substType?: number; value?: string; root?: string }): Chunk {
  const w = new BinXmlWriter();
  for (let i = 0; i < opts.pad; i++) w.u8(0);
  const nameAt = w.pos;
  w.nameEntry(opts.shared);
  const start = w.pos;
  w.fragmentHeader();
  const defOffset = w.inlineTemplate(opts.id ?? 0x5151, () => {
    w.fragmentHeader();
    w.open(opts.root ?? 'Event', { dep: true }).closeStart();
    w.u8(0x01).u16(0xffff).u32(0).nameRef(nameAt).closeStart(); // <shared>, its name stored earlier
    w.subst(0, opts.substType ?? 0x01);
    w.end().end().eof();
  });
  const value = opts.value ?? 'v';
  w.u32(1).u16(2 * value.length).u8(0x01).u8(0).chars(value);
  w.eof();
  const buf = Buffer.from(w.build());
  return { ctx: { buf, strings: new Map(), templates: new Map() }, start, end: w.pos, defOffset };
}

function render(c: Chunk): { tree: string; fast: string } {
  const tree = serializeXml(buildRecord(c.ctx, c.start, c.end));
  const w = new XmlByteWriter(true, 1024);
  const err = writeRecordXml({ ...c.ctx, templates: new Map() }, c.start, c.end, w);
  assert.equal(err, null);
  return { tree, fast: w.buf.subarray(0, w.len).toString('utf8') };
}

test('a copy of a definition in another chunk, at another offset, shares its compiled template', () => {
  const first = chunk({ pad: 0, shared: 'Data', value: 'one' });
  const copy = chunk({ pad: 40, shared: 'Data', value: 'two' });
  assert.match(render(first).tree, /<Data>one<\/Data>/);
  const r = render(copy);
  assert.match(r.tree, /<Data>two<\/Data>/);
  assert.equal(r.fast, r.tree);
  assert.equal(copy.ctx.templates.get(copy.defOffset), first.ctx.templates.get(first.defOffset), 'one compiled template for both');
});

test('a definition naming another name (same GUID, same bytes, same size) is compiled on its own', () => {
  const first = chunk({ pad: 0, shared: 'Data', value: 'one' });
  render(first);
  const other = chunk({ pad: 40, shared: 'Evil', value: 'two' });
  const r = render(other);
  assert.match(r.tree, /<Evil>two<\/Evil>/);
  assert.equal(r.fast, r.tree);
  assert.notEqual(other.ctx.templates.get(other.defOffset), first.ctx.templates.get(first.defOffset));
});

test('a definition differing in one token byte under the same GUID and size is compiled on its own', () => {
  const first = chunk({ pad: 0, shared: 'Data', id: 0x6262 });
  render(first);
  // The substitution's declared type differs (UTF-16 string vs ANSI): one byte.
  const other = chunk({ pad: 8, shared: 'Data', id: 0x6262, substType: 0x02 });
  render(other);
  const a = first.ctx.templates.get(first.defOffset);
  const b = other.ctx.templates.get(other.defOffset);
  assert.ok(a !== undefined && b !== undefined);
  assert.notEqual(a, b);
});

test('a damaged name where the stored copy had a good one fails as the parse says', () => {
  render(chunk({ pad: 0, shared: 'Data', id: 0x7373 }));
  const bad = chunk({ pad: 16, shared: 'Data', id: 0x7373 });
  // Break the referenced name's hash.
  (bad.ctx.buf as Buffer)[16 + 4] ^= 0xff;
  assert.throws(() => buildRecord(bad.ctx, bad.start, bad.end), { message: /fails its hash check/ });
});

test('a stored definition is a copy: the buffer it was read from may be reused for other chunks', () => {
  // Workers read runs of chunks into one reused buffer: what was stored must not change with it.
  const first = chunk({ pad: 0, shared: 'Data', id: 0x8888, root: 'Event' });
  assert.match(render(first).tree, /^<Event>/);
  const next = chunk({ pad: 0, shared: 'Data', id: 0x8888, root: 'Evxnt' });
  (first.ctx.buf as Buffer).set(next.ctx.buf); // the same buffer, now holding another chunk
  const reused: Chunk = { ...first, ctx: { buf: first.ctx.buf, strings: new Map(), templates: new Map() } };
  const r = render(reused);
  assert.match(r.tree, /^<Evxnt>/);
  assert.equal(r.fast, r.tree);
});

test('a definition failing at a damaged name is remembered: its copies fail with the reason their own chunk gives, and one whose name is intact is compiled', () => {
  const damaged = (pad: number, how: (buf: Buffer, nameAt: number) => void) => {
    const c = chunk({ pad, shared: 'Data', id: 0x9191, value: 'v' });
    how(c.ctx.buf as Buffer, pad);
    return c;
  };
  const badHash = (buf: Buffer, at: number) => void (buf[at + 4] ^= 0xff);
  const reason = (c: Chunk) => {
    const err = writeRecordXml(c.ctx, c.start, c.end, new XmlByteWriter(true, 1024));
    assert.throws(() => buildRecord({ ...c.ctx, strings: new Map(), templates: new Map() }, c.start, c.end), { message: err?.message });
    return err?.message;
  };
  assert.equal(reason(damaged(0, badHash)), 'name at 0x0 fails its hash check (overwritten or damaged)');
  // Copies: the name's offset in the reason is the copy's own; another kind of damage gives its own reason.
  assert.equal(reason(damaged(40, badHash)), 'name at 0x28 fails its hash check (overwritten or damaged)');
  assert.equal(reason(damaged(64, (buf, at) => void buf.writeUInt16LE(0, at + 6))), 'empty name at 0x40 (overwritten or damaged)');
  // The same definition where the name is intact: compiled and written.
  const intact = chunk({ pad: 80, shared: 'Data', id: 0x9191, value: 'fine' });
  const r = render(intact);
  assert.match(r.tree, /<Data>fine<\/Data>/);
  assert.equal(r.fast, r.tree);
});

test('a definition holding no element is remembered as unusable: its copies are turned away with the same reason', () => {
  const empty = (pad: number): Chunk => {
    const w = new BinXmlWriter();
    for (let i = 0; i < pad; i++) w.u8(0);
    const start = w.pos;
    w.fragmentHeader();
    const defOffset = w.inlineTemplate(0xa1a1, () => void w.fragmentHeader().eof());
    w.u32(0).eof();
    const buf = Buffer.from(w.build());
    return { ctx: { buf, strings: new Map(), templates: new Map() }, start, end: w.pos, defOffset };
  };
  for (const pad of [0, 24]) {
    const c = empty(pad);
    const err = writeRecordXml(c.ctx, c.start, c.end, new XmlByteWriter(true, 1024));
    assert.equal(err?.message, 'empty template definition');
    assert.equal(err?.offset, c.defOffset);
    assert.throws(() => buildRecord({ ...c.ctx, templates: new Map() }, c.start, c.end), { message: 'empty template definition' });
  }
});
