/**
 * BinXML token stream reader. Turns the tokens of one fragment (a record's BinXML, a
 * template definition, or a nested BinXML value) into element nodes. In template mode,
 * substitution tokens become placeholders (Subst) and elements are TElements that know
 * whether they hold any; in record mode, template instances are handed to a hook.
 *
 * Every read is bounds-checked against `end`; element nesting is bounded.
 */
import type { XmlElement, XmlNode } from '../../../shared/model/event-xml';
import { renderScalar, utf16, VT_ANSI, VT_STRING } from './values';
import { rd16 } from '../little-endian';

export const T_EOF = 0x00;
export const T_OPEN_START = 0x01;
export const T_CLOSE_START = 0x02;
export const T_CLOSE_EMPTY = 0x03;
export const T_END_ELEMENT = 0x04;
export const T_VALUE = 0x05;
export const T_ATTRIBUTE = 0x06;
export const T_CDATA = 0x07;
export const T_CHARREF = 0x08;
export const T_ENTITYREF = 0x09;
export const T_PI_TARGET = 0x0a;
export const T_PI_DATA = 0x0b;
export const T_TEMPLATE_INSTANCE = 0x0c;
export const T_NORMAL_SUBST = 0x0d;
export const T_OPTIONAL_SUBST = 0x0e;
export const T_FRAGMENT_HEADER = 0x0f;
export const T_MORE = 0x40;

export const MAX_ELEMENT_DEPTH = 256;

/** What the BinXML layers need from a chunk: its bytes (offsets are chunk-relative) and its caches. */
export interface BinXmlContext {
  buf: Uint8Array;
  /** Names by chunk offset. */
  strings: Map<number, string>;
  /** Compiled template definitions (or the error they failed with) by chunk offset; owned by templates.ts. */
  templates: Map<number, unknown>;
  /** Record the value type of substituted values on the elements (for typed renderings such as JSON). */
  typed?: boolean;
  /**
   * Nodes the current record may still expand to (set per record by the builder). Small template
   * instances can name large templates: this bounds what one record can cost in time and memory.
   */
  budget?: number;
  /**
   * Characters the current record may still expand to: names, attribute values and text (set
   * per record with the node budget). Nodes alone do not bound it: one long value may stand in
   * thousands of places, and one long name in thousands of elements.
   */
  textBudget?: number;
  /** When set, the chunk offset of every name field read is added (templates.ts, to store a definition). */
  nameFields?: number[];
}

/**
 * A chunk's context, with every field set up front: one shape for all of them, which V8's
 * optimized code for the BinXML layers is specialized to (see primeReadName).
 */
export function chunkContext(buf: Uint8Array, typed: boolean): BinXmlContext {
  return { buf, strings: new Map(), templates: new Map(), typed, budget: undefined, textBudget: undefined, nameFields: undefined };
}

/**
 * An element built with `typed` set: `types` maps an attribute name, or '#text' for the content,
 * to the BinXML value type of the single substitution that produced it.
 */
export interface TypedXmlElement extends XmlElement {
  types?: Record<string, number>;
}

/**
 * Why a piece of BinXML is unreadable, and where. Not an Error: damaged data is an expected
 * outcome, met by the thousand in slack (stale records), and an Error's construction (even with
 * no stack captured) cost as much as the rest of such a record. Thrown and returned as a value;
 * the record layer (record.ts) turns it into the record's rejection reason.
 */
export class BinXmlError {
  constructor(readonly message: string, readonly offset: number) {}
}

/** The BinXmlError for `message` at chunk offset `offset`. */
export function binxmlError(message: string, offset: number): BinXmlError {
  return new BinXmlError(message, offset);
}

/** A substitution placeholder in a template definition. */
export class Subst {
  constructor(readonly index: number, readonly optional: boolean, readonly type: number) {}
}

/** An attribute of a template element whose value holds substitutions. */
export interface TAttr {
  name: string;
  parts: Array<string | Subst>;
}

/**
 * An element of a template definition. When `dyn` is false the element and its subtree hold no
 * substitution and are shared, as they are, by every instance (treat them as read-only).
 */
export class TElement implements XmlElement {
  attrs: Array<[string, string]> = [];
  children: XmlNode[] = [];
  /** True when this element or a descendant holds a substitution. */
  dyn = false;
  /** All attributes in order, when at least one holds a substitution. */
  dattrs: TAttr[] | null = null;
  constructor(readonly name: string) {}
}

export type TemplateHook = (pos: number, end: number, depth: number) => { nodes: XmlNode[]; next: number };

/**
 * Why the name stored at chunk offset `off` cannot be read, or null when it can: in bounds, not
 * empty, and with the hash it stores (the low 16 bits of h = h * 65599 + c over its UTF-16 units),
 * which tells an intact name from bytes overwritten since (stale records in slack point at names
 * that may be gone).
 */
export function nameError(b: Uint8Array, off: number): BinXmlError | null {
  if (off + 8 > b.length) return binxmlError(`name offset 0x${off.toString(16)} out of bounds`, off);
  const n = rd16(b, off + 6);
  if (n === 0) return binxmlError(`empty name at 0x${off.toString(16)} (overwritten or damaged)`, off);
  if (off + 8 + 2 * n > b.length) return binxmlError(`name at 0x${off.toString(16)} overruns the chunk`, off);
  let h = 0;
  for (let i = 0, p = off + 8; i < n; i++, p += 2) h = (h * 65599 + (b[p] | (b[p + 1] << 8))) & 0xffff;
  if (h !== rd16(b, off + 4)) return binxmlError(`name at 0x${off.toString(16)} fails its hash check (overwritten or damaged)`, off);
  return null;
}

/** The name stored at chunk offset `off` (cached per chunk); throws nameError's error. */
export function readName(ctx: BinXmlContext, off: number): string {
  const cached = ctx.strings.get(off);
  if (cached !== undefined) return cached;
  const b = ctx.buf;
  const err = nameError(b, off);
  if (err !== null) throw err;
  const s = utf16(b, off + 8, rd16(b, off + 6));
  ctx.strings.set(off, s);
  return s;
}

/**
 * Read names that fail each of nameError's checks once, at load. V8 compiles a branch that has not
 * run when a function is optimized as a bailout to the interpreter, and Node 20's V8 keeps the
 * optimized code after it bails out: every later damaged name (stale records in slack meet them by
 * the thousand) bailed out again, at about 18 us each, a few hundred times a corpus reading. V8
 * keeps the feedback that compiles those branches only once a function has run a few times, hence
 * the good names read first; and the context is of the one shape chunks' contexts have, or the
 * optimized code would bail out on the chunks' (a "wrong map").
 */
function primeReadName(): void {
  const b = new Uint8Array(64);
  const ctx = chunkContext(b, false);
  const name = (off: number, hash: number, n: number) => {
    b[off + 4] = hash;
    b[off + 6] = n;
    for (let i = 0; i < n && off + 9 + 2 * i < b.length; i++) b[off + 8 + 2 * i] = 0x41;
  };
  name(0, 0x41, 1); // "A", intact
  name(16, 0x42, 1); // its hash damaged
  name(32, 0, 0); // empty
  name(48, 0, 9); // overruns the buffer
  for (let i = 0; i < 32; i++) {
    ctx.strings.clear();
    readName(ctx, 0);
  }
  for (const off of [16, 32, 48, 60]) {
    try {
      readName(ctx, off);
    } catch {
      // (each fails, as meant)
    }
  }
}
primeReadName();

/** Position after the last name reference read by nameRef (avoids allocating a tuple per name). */
let nameEnd = 0;

/** Read a name reference at pos; sets nameEnd to the position after it (and after the name if inline). */
function nameRef(ctx: BinXmlContext, pos: number, end: number): string {
  if (pos + 4 > end) throw binxmlError('truncated name reference', pos);
  const b = ctx.buf;
  const off = (b[pos] | (b[pos + 1] << 8) | (b[pos + 2] << 16) | (b[pos + 3] << 24)) >>> 0;
  if (ctx.nameFields !== undefined) ctx.nameFields.push(pos);
  pos += 4;
  const name = readName(ctx, off);
  if (off === pos) {
    pos += 10 + 2 * (b[off + 6] | (b[off + 7] << 8));
    if (pos > end) throw binxmlError('inline name overruns the fragment', off);
  }
  nameEnd = pos;
  return name;
}

/** The five entities XML predefines (a Map: a hostile name such as `constructor` must not find anything else). */
const ENTITIES = new Map([['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"]]);

/** The text an entity reference stands for: a predefined entity's character, else the reference itself. */
export function entityText(name: string): string {
  return ENTITIES.get(name) ?? `&${name};`;
}

/** Bytes of a value token's value of type t (other than strings), or -1 for a type a value token cannot hold. */
const VALUE_TEXT_SIZES = new Int8Array(256).fill(-1);
for (const [t, n] of [[3, 1], [4, 1], [5, 2], [6, 2], [7, 4], [8, 4], [9, 8], [10, 8], [11, 4], [12, 8], [13, 4], [15, 16], [17, 8], [18, 16], [20, 4], [21, 8]]) VALUE_TEXT_SIZES[t] = n;
export function valueTextSize(t: number): number {
  return VALUE_TEXT_SIZES[t];
}

/** Text of a BinXML value token (0x05): [text, next position]. */
function valueText(b: Uint8Array, pos: number, end: number): [string, number] {
  if (pos + 1 > end) throw binxmlError('truncated value', pos);
  const t = b[pos++];
  if (t === VT_STRING || t === VT_ANSI) {
    if (pos + 2 > end) throw binxmlError('truncated value', pos);
    const n = rd16(b, pos);
    pos += 2;
    const size = t === VT_STRING ? 2 * n : n;
    if (pos + size > end) throw binxmlError('value overruns the fragment', pos);
    const s = t === VT_STRING ? utf16(b, pos, n) : (renderScalar(b, pos, size, t) ?? '');
    return [s, pos + size];
  }
  const size = valueTextSize(t);
  if (size < 0) throw binxmlError(`unsupported value text type 0x${t.toString(16)}`, pos - 1);
  if (pos + size > end) throw binxmlError('value overruns the fragment', pos);
  return [renderScalar(b, pos, size, t) ?? '', pos + size];
}

function appendText(children: XmlNode[], s: string): void {
  if (s === '') return;
  const last = children.length - 1;
  if (last >= 0 && typeof children[last] === 'string') children[last] = (children[last] as string) + s;
  else children.push(s);
}

/**
 * Parse tokens from `start` until EOF or `end`. Template mode: elements carry a dependency id,
 * substitutions become Subst placeholders. Record mode: elements have no dependency id and
 * template instances are passed to `onTemplate`.
 */
export function parseTokens(
  ctx: BinXmlContext,
  start: number,
  end: number,
  templateMode: boolean,
  depth: number,
  onTemplate: TemplateHook | null,
): { nodes: XmlNode[]; next: number } {
  const b = ctx.buf;
  if (end > b.length) end = b.length;
  const top: XmlNode[] = [];
  const stack: Array<XmlElement | TElement> = [];
  let open: XmlElement | TElement | null = null; // element whose start tag is still open (attributes)
  let attr: TAttr | null = null; // attribute being read
  let pos = start;

  const closeAttr = () => {
    if (attr === null || open === null) return;
    const a = attr;
    attr = null;
    if (templateMode) {
      const el = open as TElement;
      let isStatic = true;
      for (const p of a.parts) if (typeof p !== 'string') isStatic = false;
      if (!isStatic && el.dattrs === null) {
        el.dattrs = el.attrs.map(([k, v]) => ({ name: k, parts: [v] }));
      }
      if (el.dattrs !== null) el.dattrs.push(a);
      if (!isStatic) el.dyn = true;
      else el.attrs.push([a.name, a.parts.join('')]);
    } else {
      open.attrs.push([a.name, a.parts.join('')]);
    }
  };
  const markDyn = () => {
    for (const el of stack) (el as TElement).dyn = true;
  };
  const attach = (node: XmlNode) => {
    const parent = stack.length > 0 ? stack[stack.length - 1] : null;
    if (parent) {
      if (typeof node === 'string') appendText(parent.children, node);
      else parent.children.push(node);
    } else if (typeof node !== 'string') top.push(node);
  };
  const addContent = (part: string | Subst) => {
    if (attr !== null) {
      attr.parts.push(part);
      return;
    }
    if (open !== null) throw binxmlError('content inside a start tag', pos);
    if (typeof part === 'string') {
      if (stack.length > 0) appendText(stack[stack.length - 1].children, part);
      return;
    }
    if (stack.length === 0) throw binxmlError('substitution outside an element', pos);
    stack[stack.length - 1].children.push(part as unknown as XmlNode);
    markDyn();
  };

  while (pos < end) {
    const tokPos = pos;
    const tok = b[pos++];
    switch (tok & 0xbf) {
      case T_EOF:
        if (stack.length > 0) throw binxmlError('end of fragment inside an element', tokPos);
        return { nodes: top, next: pos };
      case T_FRAGMENT_HEADER:
        if (pos + 3 > end) throw binxmlError('truncated fragment header', tokPos);
        pos += 3;
        break;
      case T_OPEN_START: {
        if (open !== null) throw binxmlError('element start inside a start tag', tokPos);
        if (templateMode) pos += 2;
        if (pos + 8 > end) throw binxmlError('truncated element start', tokPos);
        pos += 4; // data size
        const name = nameRef(ctx, pos, end);
        pos = nameEnd;
        if (tok & T_MORE) pos += 4; // attribute list size
        if (stack.length >= MAX_ELEMENT_DEPTH) throw binxmlError('elements nested too deeply', tokPos);
        const el: XmlElement | TElement = templateMode ? new TElement(name) : { name, attrs: [], children: [] };
        attach(el);
        stack.push(el);
        open = el;
        break;
      }
      case T_CLOSE_START:
        if (open === null) throw binxmlError('close start tag without an open element', tokPos);
        closeAttr();
        open = null;
        break;
      case T_CLOSE_EMPTY:
        if (open === null) throw binxmlError('close empty element without an open element', tokPos);
        closeAttr();
        open = null;
        stack.pop();
        break;
      case T_END_ELEMENT:
        if (open !== null || stack.length === 0) throw binxmlError('unbalanced end element', tokPos);
        stack.pop();
        break;
      case T_ATTRIBUTE: {
        if (open === null) throw binxmlError('attribute outside a start tag', tokPos);
        closeAttr();
        const name = nameRef(ctx, pos, end);
        pos = nameEnd;
        attr = { name, parts: [] };
        break;
      }
      case T_VALUE: {
        let s: string;
        [s, pos] = valueText(b, pos, end);
        addContent(s);
        break;
      }
      case T_CDATA: {
        if (pos + 2 > end) throw binxmlError('truncated CDATA', tokPos);
        const n = rd16(b, pos);
        pos += 2;
        if (pos + 2 * n > end) throw binxmlError('CDATA overruns the fragment', tokPos);
        addContent(utf16(b, pos, n));
        pos += 2 * n;
        break;
      }
      case T_CHARREF: {
        if (pos + 2 > end) throw binxmlError('truncated character reference', tokPos);
        addContent(String.fromCharCode(rd16(b, pos)));
        pos += 2;
        break;
      }
      case T_ENTITYREF: {
        const name = nameRef(ctx, pos, end);
        pos = nameEnd;
        addContent(entityText(name));
        break;
      }
      case T_PI_TARGET: {
        nameRef(ctx, pos, end);
        pos = nameEnd;
        break;
      }
      case T_PI_DATA: {
        if (pos + 2 > end) throw binxmlError('truncated PI data', tokPos);
        const n = rd16(b, pos);
        pos += 2 + 2 * n;
        if (pos > end) throw binxmlError('PI data overruns the fragment', tokPos);
        break;
      }
      case T_TEMPLATE_INSTANCE: {
        if (templateMode || onTemplate === null) throw binxmlError('template instance inside a template definition', tokPos);
        if (open !== null) throw binxmlError('template instance inside a start tag', tokPos);
        const r = onTemplate(pos, end, depth);
        pos = r.next;
        for (const n of r.nodes) attach(n);
        break;
      }
      case T_NORMAL_SUBST:
      case T_OPTIONAL_SUBST: {
        if (!templateMode) throw binxmlError('substitution outside a template definition', tokPos);
        if (pos + 3 > end) throw binxmlError('truncated substitution', tokPos);
        addContent(new Subst(rd16(b, pos), (tok & 0xbf) === T_OPTIONAL_SUBST, b[pos + 2]));
        pos += 3;
        break;
      }
      default:
        throw binxmlError(`unknown BinXML token 0x${tok.toString(16)}`, tokPos);
    }
  }
  if (stack.length > 0) throw binxmlError('fragment ends inside an element', pos);
  return { nodes: top, next: pos };
}
