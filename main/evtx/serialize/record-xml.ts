/**
 * The XML fast path: a record's template instance expanded straight into the XML writer, with
 * no element tree in between. Nearly every record is one template instance; building a tree for
 * it and then walking the tree to print it cost most of the time of `dump --format xml`.
 *
 * It reuses the tree path's pieces and mirrors its rules exactly, so both print the same bytes
 * (a test checks every record of the corpus and the fuzz cases both ways):
 *   - template definitions: the same compiled TElement trees (binxml/templates.ts), compiled
 *     once more for output (xml-program.ts);
 *   - values: read and checked when the instance is read (a malformed value rejects the record,
 *     as in the tree path), rendered where the template places them, UTF-16 straight to UTF-8;
 *   - nested BinXML values (most records keep their EventData in one) are rendered when they are
 *     read, as the tree path builds them then, into a scratch writer at the depth the template
 *     places them, and copied into place; a value placed at another depth is written as a tree;
 *   - fragments that are not a single template instance (records written without templates, or
 *     with more tokens around the instance) go through the tree builder and are written as trees
 *     through the same writer.
 * The record's node budget is charged as in the tree path: template weights, array items, and
 * the nodes of a nested value each time it is placed; its text budget for its templates' names
 * and static text; and the bytes it writes are bounded (MAX_RECORD_XML_BYTES).
 */
import { BinXmlError, binxmlError, T_EOF, T_FRAGMENT_HEADER, T_TEMPLATE_INSTANCE, type BinXmlContext } from '../binxml/tokens';
import { chargeArrays, chargeNodes, MAX_RECORD_TEXT, MAX_TEMPLATE_DEPTH, readInstanceHead } from '../binxml/templates';
import { buildFragment, buildRecord, MAX_RECORD_NODES } from '../binxml/builder';
import { renderScalar, renderValue, SCALAR_SURE_SIZE, scalarWellFormed, VT_ANSI, VT_ARRAY, VT_BINXML, VT_EVTXML, VT_NULL, VT_STRING } from '../binxml/values';
import { writeScalarBytes } from './value-bytes';
import { viewOf } from '../little-endian';
import { ATTR, TEXT, XmlByteWriter } from './xml-writer';
import { Piece } from './piece';
import { writeTokensXml } from './token-xml';
import {
  GENERAL, LEAF_EMPTY, OP_ATTR, OP_ATTR_VALUE, OP_COPY, OP_LEAF, programOf, STATIC, SUBST_NODE, TEXT_NODE, XElem, XSubst, type XAttr,
  type XPlan, type XProgram,
} from './xml-program';

// ---- values ----

/**
 * A nested BinXML value, rendered when read: bytes in a scratch writer, for placement at `depth`.
 * Kept by its frame, one per value index, and set again for each instance (as the frame's arrays are).
 */
class NestedXml {
  w: XmlByteWriter | null = null;
  start = 0;
  end = 0;
  /** Nodes it holds (charged each time it is placed). */
  weight = 0;
  depth = 0;
  /** Where the value is, and its template nesting level, to write it as a tree elsewhere. */
  pos = 0;
  size = 0;
  level = 0;
}

/** The values of one template instance being rendered; one frame per template nesting level. */
class ValueFrame {
  count = 0;
  off = new Int32Array(64);
  size = new Int32Array(64);
  type = new Uint8Array(64);
  /**
   * Values rendered when read: arrays (item strings) and nested BinXML (most instances have none);
   * as long as the typed arrays, emptied where set (an array grown per instance cost an allocation
   * for each of the many instances holding a nested value).
   */
  private read: Array<string[] | NestedXml | undefined> = new Array<undefined>(64).fill(undefined);
  /** Entries of `read` set since the last reset: [0, readEnd). */
  private readEnd = 0;
  /** This frame's nested values, by index (see NestedXml). */
  private nested: NestedXml[] = [];

  reset(count: number): void {
    if (count > this.off.length) {
      let n = this.off.length;
      while (n < count) n *= 2;
      this.off = new Int32Array(n);
      this.size = new Int32Array(n);
      this.type = new Uint8Array(n);
      while (this.read.length < n) this.read.push(undefined);
    }
    this.count = count;
    if (this.readEnd > 0) {
      this.read.fill(undefined, 0, this.readEnd);
      this.readEnd = 0;
    }
  }

  /** Value i as rendered when read (array items, nested BinXML), or undefined for a scalar. */
  readAt(i: number): string[] | NestedXml | undefined {
    return i < this.readEnd ? this.read[i] : undefined;
  }

  setRead(i: number, v: string[] | NestedXml): void {
    this.read[i] = v;
    if (i >= this.readEnd) this.readEnd = i + 1;
  }

  /** The NestedXml of value i, to set. */
  nestedAt(i: number): NestedXml {
    return (this.nested[i] ??= new NestedXml());
  }

  isNull(i: number): boolean {
    return i >= this.count || this.type[i] === VT_NULL;
  }
}

const frames: ValueFrame[] = [];
function frameAt(level: number): ValueFrame {
  while (frames.length <= level) frames.push(new ValueFrame());
  return frames[level];
}

/** Scratch writers for nested values, one per nesting level and layout; emptied for each record. */
const scratch: Array<Record<'pretty' | 'compact', XmlByteWriter | undefined>> = [];
function scratchAt(level: number, pretty: boolean): XmlByteWriter {
  while (scratch.length <= level) scratch.push({ pretty: undefined, compact: undefined });
  const key = pretty ? 'pretty' : 'compact';
  let sw = scratch[level][key];
  if (sw === undefined) {
    sw = scratch[level][key] = new XmlByteWriter(pretty, 1 << 16);
    sw.limit = MAX_RECORD_XML_BYTES;
  }
  return sw;
}

/**
 * Read and check the values of the instance whose descriptors start at `pos` into frame `level`
 * (nested BinXML rendered now, at the depth `prog` places it below `base`); returns the position
 * after the values, or the error a nested value's template came back with (see readInstanceHead).
 */
function readValues(ctx: BinXmlContext, prog: XProgram, count: number, pos: number, end: number, level: number, base: number, pretty: boolean): number | BinXmlError {
  const f = frameAt(level);
  f.reset(count);
  const b = ctx.buf;
  let arrays: Array<string[]> | null = null;
  const view = viewOf(b);
  let dp = pos + count * 4;
  for (let i = 0; i < count; i++) {
    // Descriptor: u16 size, u8 type, u8 padding (in the record: readInstanceHead checked the count).
    const d = view.getUint32(pos + 4 * i, true);
    const size = d & 0xffff;
    const type = (d >>> 16) & 0xff;
    if (dp + size > end) throw binxmlError(`template value ${i} overruns the record`, dp);
    f.off[i] = dp;
    f.size[i] = size;
    f.type[i] = type;
    if (type === VT_NULL) {
      // nothing to check
    } else if (type === VT_BINXML) {
      const rel = prog.substDepth.get(i);
      const depth = base + (rel === undefined || rel < 0 ? 1 : rel);
      const sw = scratchAt(level + 1, pretty);
      const start = sw.len;
      const nodes = sw.nodes;
      if (size > 0) {
        sw.beginFragment(depth);
        const err = writeFragment(ctx, dp, dp + size, level + 1, sw);
        if (err !== null) return err;
      }
      const nx = f.nestedAt(i);
      nx.w = sw;
      nx.start = start;
      nx.end = sw.len;
      nx.weight = sw.nodes - nodes;
      nx.depth = rel === undefined || rel < 0 ? -1 : depth;
      nx.pos = dp;
      nx.size = size;
      nx.level = level + 1;
      f.setRead(i, nx);
    } else if ((type & VT_ARRAY) !== 0) {
      const v = renderValue(b, dp, size, type) as string[] | null;
      if (v === null) throw binxmlError(`malformed value ${i} (type 0x${type.toString(16)}, ${size} bytes)`, dp);
      f.setRead(i, v);
      (arrays ??= []).push(v);
    } else if (size < SCALAR_SURE_SIZE[type] && !scalarWellFormed(b, dp, size, type)) {
      throw binxmlError(`malformed value ${i} (type 0x${type.toString(16)}, ${size} bytes)`, dp);
    }
    dp += size;
  }
  if (arrays !== null) chargeArrays(ctx, arrays, pos);
  return dp;
}

// ---- output ----

/** What rendering one instance needs: the chunk, the writer, the instance's values. */
interface Out {
  ctx: BinXmlContext;
  w: XmlByteWriter;
  f: ValueFrame;
}

/**
 * Scalar value i's bytes as values.ts renders it, escaped for `mode`, with no layout of their
 * own (inside an attribute value, or a leaf's text): nothing when it renders empty.
 */
function writeValue(o: Out, i: number, mode: typeof TEXT | typeof ATTR): void {
  const { f, w } = o;
  const b = o.ctx.buf;
  const t = f.type[i];
  const off = f.off[i];
  const size = f.size[i];
  if (t === VT_STRING || t === VT_EVTXML) w.utf16(b, off, size >>> 1, mode, true); // (up to the first NUL)
  else if (t === VT_ANSI) w.ansi(b, off, size, mode); // (code page text may hold anything: escaped)
  // Integers, hex, GUIDs, times, SIDs straight to bytes; the other types render as ASCII letters,
  // digits and punctuation that need no escaping.
  else if (!writeScalarBytes(w, b, off, size, t)) w.ascii(renderScalar(b, off, size, t) ?? '');
}

/** Scalar value i as element content among other content: a text run of the writer's layout. */
function writeScalarText(o: Out, i: number): void {
  const { f, w } = o;
  const b = o.ctx.buf;
  const t = f.type[i];
  const off = f.off[i];
  const size = f.size[i];
  if (t === VT_STRING || t === VT_EVTXML) w.textUtf16(b, off, size >>> 1, true);
  else if (t === VT_ANSI) w.textAnsi(b, off, size);
  else w.textAscii(renderScalar(b, off, size, t) ?? '');
}

/** Place a nested BinXML value's elements. */
function placeNested(o: Out, r: NestedXml): void {
  const { ctx, w } = o;
  chargeNodes(ctx, r.weight, 'nested BinXML placed repeatedly', 0);
  if (r.depth === w.openElements) w.childCopy(r.w!, r.start, r.end);
  else if (r.size > 0) {
    // Placed at another depth than rendered for: written again, as a tree (already charged).
    const saved = ctx.budget;
    const savedText = ctx.textBudget;
    for (const n of buildFragment(ctx, r.pos, r.pos + r.size, r.level)) if (typeof n !== 'string') w.writeElement(n);
    ctx.budget = saved;
    ctx.textBudget = savedText;
  }
}

/** Write value i where a substitution stands in element content (not as an array slot). */
function writeSubst(o: Out, s: XSubst): void {
  const i = s.index;
  if (o.f.isNull(i)) return;
  const r = o.f.readAt(i);
  if (r === undefined) writeScalarText(o, i);
  else if (r instanceof NestedXml) placeNested(o, r);
  else o.w.text(r.join(' '));
}

function writeAttrs(o: Out, x: XElem): void {
  const dattrs = x.dattrs;
  if (dattrs === null) return; // (static attributes are part of the element's start)
  for (let a = 0; a < dattrs.length; a++) writeAttr(o, dattrs[a]);
}

/** One attribute holding substitutions: ` name="value"`, or nothing when an optional one has no value. */
function writeAttr(o: Out, at: XAttr): void {
  const { w, f } = o;
  const one = at.single;
  if (one !== null) {
    if (one.optional && f.isNull(one.index)) return; // (left out)
    w.piece(at.prefix);
    writeAttrValue(o, one.index);
    w.attrEnd();
    return;
  }
  const parts = at.parts;
  // An optional substitution without a value leaves the attribute out.
  if (at.hasOptional)
    for (let k = 0; k < parts.length; k++) {
      const p = parts[k];
      if (p.kind === SUBST_NODE && p.optional && f.isNull(p.index)) return;
    }
  w.piece(at.prefix);
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k];
    if (p.kind === TEXT_NODE) w.piece(p.piece);
    else writeAttrValue(o, p.index);
  }
  w.attrEnd();
}

/** Value i inside an attribute value (nothing when null; nested BinXML has no attribute rendering). */
function writeAttrValue(o: Out, i: number): void {
  const f = o.f;
  if (f.isNull(i)) return;
  const r = f.readAt(i);
  if (r === undefined) writeValue(o, i, ATTR);
  else if (Array.isArray(r)) o.w.utf8(r.join(' '), ATTR);
}

function writeChildren(o: Out, x: XElem, slot: XSubst | null, item: string | null): void {
  const ch = x.children;
  for (let k = 0; k < ch.length; k++) {
    const c = ch[k];
    if (c.kind === TEXT_NODE) o.w.textPiece(c.piece, c.nonBlank);
    else if (c.kind !== SUBST_NODE) writeElem(o, c, false);
    else if (c === slot) {
      if (item !== null) o.w.text(item);
    } else writeSubst(o, c);
  }
}

/** A static element: its bytes at this depth are made once per template and copied after. */
function writeStatic(w: XmlByteWriter, x: XElem): void {
  const d = w.openElements;
  if (d === 0) {
    w.writeElement(x.el);
    return;
  }
  w.childPiece(x.staticPiece(d, w.pretty));
  w.nodes += x.staticNodes;
}

const SLASH_GT = new Piece(Uint8Array.of(0x2f, 0x3e));

/**
 * The rest of a leaf whose start (and attributes) is written, for scalar value i: `>value` and
 * `close`, or `empty` when the value renders empty. (`close` and `empty` may carry the bytes
 * after the leaf: see XPlan.)
 */
function leafValue(o: Out, i: number, close: Piece, empty: Piece): void {
  const w = o.w;
  const mark = w.len;
  w.byte(0x3e);
  writeValue(o, i, TEXT);
  if (w.len === mark + 1) {
    w.len = mark;
    w.piece(empty);
  } else {
    w.piece(close);
    w.nodes++; // the text node
  }
}

/**
 * The leaf fast paths: an element holding at most one scalar value, written in one go (start,
 * attributes, `/>` or `>value</X>`) with no layout state. Returns null when the value is an array
 * or nested BinXML (the general path handles those), else whether the element was written.
 */
function writeLeaf(o: Out, x: XElem): boolean | null {
  const { w, f } = o;
  let i = -1; // the value, if there is one
  if (x.kind !== LEAF_EMPTY) {
    const sub = x.children[0] as XSubst;
    if (!f.isNull(sub.index)) {
      if (f.readAt(sub.index) !== undefined) return null;
      i = sub.index;
    } else if (sub.optional) return false;
  }
  w.openLeaf(x.openPiece(w.openElements, w.pretty));
  writeAttrs(o, x);
  if (i < 0) w.byte2(0x2f, 0x3e);
  else leafValue(o, i, x.closeTag, SLASH_GT);
  return true;
}

/** Write a container by its plan (see XPlan), at the writer's depth. */
function writePlan(o: Out, plan: XPlan): void {
  const { w, f } = o;
  const base = w.openElements;
  w.beginChild();
  const ops = plan.ops;
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    switch (op.kind) {
      case OP_COPY:
        w.piece(op.bytes!);
        w.nodes += op.nodes;
        break;
      case OP_LEAF: {
        const x = op.elem!;
        const i = op.index;
        const present = !f.isNull(i);
        if (!present && op.optional) {
          w.piece(op.after);
          w.nodes += op.afterNodes;
          break;
        }
        if (present && f.readAt(i) !== undefined) {
          // An array or nested BinXML: the general path writes the element (its start, when
          // written ahead with the bytes before it, is taken back).
          if (!op.optional) {
            w.len -= op.bytes!.length;
            w.nodes--;
          }
          w.enterAt(base + op.depth);
          writeElem(o, x, false);
          w.piece(op.after);
          w.nodes += op.afterNodes;
          break;
        }
        if (op.optional) {
          w.piece(op.bytes!);
          w.nodes++;
        }
        if (x.dattrs !== null) writeAttrs(o, x);
        if (present) leafValue(o, i, op.closeAfter, op.emptyAfter);
        else w.piece(op.emptyAfter);
        w.nodes += op.afterNodes;
        break;
      }
      case OP_ATTR_VALUE:
        writeAttrValue(o, op.index);
        break;
      case OP_ATTR:
        writeAttr(o, op.attr!);
        break;
      default:
        w.enterAt(base + op.depth);
        writeElem(o, op.elem!, false);
    }
  }
  w.enterAt(base);
}

/** Write one template element with the current values; returns whether anything was written. */
function writeElem(o: Out, x: XElem, onlyFirst: boolean): boolean {
  const el = x.el;
  const { w, f } = o;
  if (x.kind === STATIC) {
    writeStatic(w, x);
    return true;
  }
  if (x.kind !== GENERAL) {
    const done = writeLeaf(o, x);
    if (done !== null) return done;
  } else {
    const plan = x.planAt(w.openElements, w.pretty);
    if (plan !== null) {
      writePlan(o, plan);
      return true;
    }
  }
  if (x.optionalOnly) {
    let any = false;
    for (const c of x.children) if (!f.isNull((c as XSubst).index)) any = true;
    if (!any) return false;
  }
  // An array value directly inside the element repeats the element once per item.
  let slot: XSubst | null = null;
  let items: string[] | null = null;
  if (x.hasSubstChild)
    for (const c of x.children)
      if (c.kind === SUBST_NODE && !f.isNull(c.index)) {
        const r = f.readAt(c.index);
        if (Array.isArray(r)) {
          slot = c;
          items = r;
          break;
        }
      }
  if (items === null || items.length <= 1) {
    w.open(el.name, x.openPiece(w.openElements, w.pretty));
    writeAttrs(o, x);
    writeChildren(o, x, slot, items !== null && items.length === 1 ? items[0] : null);
    w.close(x.closeTag);
    return true;
  }
  for (const item of items) {
    w.open(el.name, x.openPiece(w.openElements, w.pretty));
    writeAttrs(o, x);
    writeChildren(o, x, slot, item);
    w.close(x.closeTag);
    if (onlyFirst) break;
  }
  return true;
}

/**
 * The template instance at the start of a fragment, when the fragment is just that (header or
 * not, instance, end): read, with its values, ready to write; null for any other shape; the
 * error when its template (or a nested value's) is unusable (see readInstanceHead).
 */
function readSingleInstance(ctx: BinXmlContext, start: number, end: number, level: number, w: XmlByteWriter): XProgram | null | BinXmlError {
  const b = ctx.buf;
  let pos = start;
  // Records begin with a fragment header; nested BinXML values mostly do not.
  if (pos < end && (b[pos] & 0xbf) === T_FRAGMENT_HEADER) {
    if (pos + 4 > end) return null;
    pos += 4;
  }
  if (pos >= end || (b[pos] & 0xbf) !== T_TEMPLATE_INSTANCE) return null;
  const budget = ctx.budget;
  const textBudget = ctx.textBudget;
  const head = readInstanceHead(ctx, pos + 1, end, level);
  if (head instanceof BinXmlError) return head;
  const prog = programOf(head.tpl);
  const next = readValues(ctx, prog, head.count, head.descPos, end, level, w.openElements, w.pretty);
  if (typeof next !== 'number') return next;
  if (next < end && (b[next] & 0xbf) !== T_EOF) {
    ctx.budget = budget; // read again, as a tree
    ctx.textBudget = textBudget;
    return null;
  }
  return prog;
}

/**
 * What rendering an instance at each template nesting level uses: one per level, as the frames
 * (an instance is written before the next one at its level is read).
 */
const outs: Out[] = [];
function outAt(level: number, ctx: BinXmlContext, w: XmlByteWriter): Out {
  const o = outs[level];
  if (o === undefined) return (outs[level] = { ctx, w, f: frameAt(level) });
  o.ctx = ctx;
  o.w = w;
  return o;
}

/** Write every element of the nested fragment ctx.buf[start, end) (as buildFragment builds them); returns an error as readSingleInstance does. */
function writeFragment(ctx: BinXmlContext, start: number, end: number, level: number, w: XmlByteWriter): BinXmlError | null {
  if (level > MAX_TEMPLATE_DEPTH) throw binxmlError('BinXML nested too deeply', start);
  const one = readSingleInstance(ctx, start, end, level, w);
  if (one instanceof BinXmlError) return one;
  if (one !== null) {
    const out = outAt(level, ctx, w);
    for (const x of one.roots) writeElem(out, x, false);
    return null;
  }
  // Written without templates: straight from the tokens when it can be, else as a tree.
  if (writeTokensXml(ctx, start, end, w, true)) return null;
  for (const n of buildFragment(ctx, start, end, level)) if (typeof n !== 'string') w.writeElement(n);
  return null;
}

/** A scratch writer emptied for the next record (one unused since, and not grown past 4 MiB, is left as it is: most records leave most levels unused). */
function resetScratch(sw: XmlByteWriter | undefined): void {
  if (sw === undefined || (sw.len === 0 && sw.buf.length <= 1 << 22)) return;
  sw.truncate(0);
  sw.shrink(1 << 22);
}

/**
 * Most bytes one record's XML may take (with the text budget, what keeps a hostile record from
 * expanding without end: one long value placed in thousands of slots). Real records take a few KiB.
 */
export const MAX_RECORD_XML_BYTES = 16 * 1048576;

/**
 * Write the record whose BinXML is ctx.buf[start, end) as XML: its root element, the one the
 * tree path's buildRecord keeps. Returns why the record is unreadable when its template (or a
 * nested value's) is unusable, else null; throws BinXmlError for other damage. On failure the
 * caller takes the writer back to where the record began.
 */
export function writeRecordXml(ctx: BinXmlContext, start: number, end: number, w: XmlByteWriter): BinXmlError | null {
  if (end > ctx.buf.length) end = ctx.buf.length;
  ctx.budget = MAX_RECORD_NODES;
  ctx.textBudget = MAX_RECORD_TEXT;
  for (let k = 0; k < scratch.length; k++) {
    resetScratch(scratch[k].pretty);
    resetScratch(scratch[k].compact);
  }
  const limit = w.limit;
  w.limit = Math.min(limit, w.len + MAX_RECORD_XML_BYTES);
  try {
    const one = readSingleInstance(ctx, start, end, 0, w);
    if (one instanceof BinXmlError) return one;
    if (one === null) {
      // Written without templates: straight from the tokens when it can be, else as a tree.
      if (!writeTokensXml(ctx, start, end, w, false)) w.writeElement(buildRecord(ctx, start, end));
      return null;
    }
    const out = outAt(0, ctx, w);
    for (const x of one.roots) if (writeElem(out, x, true)) return null;
    throw binxmlError('record holds no element', start);
  } finally {
    w.limit = limit;
  }
}
