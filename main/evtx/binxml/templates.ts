/**
 * Template definitions (cached per chunk by offset, compiled once into TElement trees with
 * substitution slots) and template instances (value descriptors + values, instantiated into
 * XmlElement trees). Array values repeat their containing element once per item (MS-EVEN6).
 */
import type { XmlNode } from '../../../shared/model/event-xml';
import { BinXmlError, binxmlError, parseTokens, Subst, T_FRAGMENT_HEADER, T_TEMPLATE_INSTANCE, TElement, type BinXmlContext, type TAttr, type TypedXmlElement } from './tokens';
import { renderValue, VT_BINXML, VT_FILETIME, VT_NULL, type RenderedValue } from './values';
import { rd16, rd32 } from '../little-endian';
import { TemplateStore } from './template-store';

/** Template nesting / nested-BinXML depth bound. */
export const MAX_TEMPLATE_DEPTH = 8;

export interface CompiledTemplate {
  /** Nodes in the template tree: what one instance costs against the record's budget. */
  weight: number;
  /** Characters of its names, static attribute values and static text: charged to the text budget per instance. */
  chars: number;
  /** First 32 bits of the definition's GUID: what template instances name as their template id. */
  id: number;
  nodes: XmlNode[];
  /** The XML renderer's compiled form of this template, made on its first use (serialize/record-xml.ts). */
  xml?: unknown;
}

/** Nested BinXML (value type 0x21), already built into nodes. */
class Nested {
  /** Nodes in the fragment, and their characters: charged each time a template places it. */
  readonly weight: number;
  readonly chars: number;
  constructor(readonly nodes: XmlNode[]) {
    let w = 0;
    let chars = 0;
    const count = (n: XmlNode): void => {
      w++;
      if (typeof n === 'string') {
        chars += n.length;
        return;
      }
      chars += n.name.length;
      for (const [k, v] of n.attrs) chars += k.length + v.length;
      for (const c of n.children) count(c);
    };
    for (const n of nodes) count(n);
    this.weight = w;
    this.chars = chars;
  }
}

/** Most characters one record may expand to. Real records hold at most a chunk's worth (64 KiB). */
export const MAX_RECORD_TEXT = 4_000_000;

/** Charge `n` nodes of the current record to its node budget; `what` says what expanded. */
export function chargeNodes(ctx: BinXmlContext, n: number, what: string, pos: number): void {
  if (ctx.budget === undefined) return;
  ctx.budget -= n;
  if (ctx.budget < 0) throw binxmlError(`record expands to too many nodes (${what})`, pos);
}

/** Charge `n` characters placed by the current record to its text budget. */
export function chargeText(ctx: BinXmlContext, n: number, pos: number): void {
  if (ctx.textBudget === undefined) return;
  ctx.textBudget -= n;
  if (ctx.textBudget < 0) throw binxmlError(`record expands to more than ${MAX_RECORD_TEXT} characters of text`, pos);
}
type Val = RenderedValue | Nested | null;

export type NestedParser = (start: number, end: number, depth: number) => XmlNode[];

/** What the store keeps for a definition that reads to its end without an element (unusable). */
class EmptyDefinition {}
const EMPTY_DEFINITION = new EmptyDefinition();

/** Definitions seen in earlier chunks (each chunk holds its own copy of the templates it uses). */
const store = new TemplateStore<CompiledTemplate | EmptyDefinition>();

/**
 * The compiled template whose definition header is at chunk offset `off`: looked up once per
 * chunk, parsed unless a copy was seen in an earlier chunk (template-store.ts). A definition
 * that is unusable comes back as the error, kept for the chunk: stale records in slack name such
 * definitions by the thousand, and throwing cost more than the rest of such a record.
 */
function loadTemplate(ctx: BinXmlContext, off: number): CompiledTemplate | BinXmlError {
  const cached = ctx.templates.get(off);
  if (cached !== undefined) return cached as CompiledTemplate | BinXmlError;
  const b = ctx.buf;
  if (off < 0 || off + 24 > b.length) return failed(ctx, off, binxmlError(`template definition offset 0x${off.toString(16)} out of bounds`, off));
  const size = rd32(b, off + 20);
  const start = off + 24;
  if (start + size > b.length) return failed(ctx, off, binxmlError(`template definition at 0x${off.toString(16)} is missing or damaged (its data overruns the chunk)`, off));
  const seen = store.find(ctx, off, size);
  if (seen !== undefined) {
    if (seen instanceof BinXmlError) return failed(ctx, off, seen);
    if (seen instanceof EmptyDefinition) return failed(ctx, off, binxmlError('empty template definition', off));
    ctx.templates.set(off, seen);
    return seen;
  }
  const nameFields: number[] = [];
  ctx.nameFields = nameFields;
  let nodes: XmlNode[];
  try {
    nodes = parseTokens(ctx, start, start + size, true, 0, null).nodes;
  } catch (e) {
    store.addNameFailure(ctx, off, size, nameFields);
    return failed(ctx, off, e instanceof BinXmlError ? e : binxmlError(e instanceof Error ? e.message : String(e), off));
  } finally {
    ctx.nameFields = undefined;
  }
  if (nodes.length === 0) {
    store.add(ctx, off, size, nameFields, EMPTY_DEFINITION);
    return failed(ctx, off, binxmlError('empty template definition', off));
  }
  let weight = 0;
  let chars = 0;
  const count = (n: XmlNode | Subst): void => {
    weight++;
    if (typeof n === 'string') chars += n.length;
    else if (n instanceof TElement) {
      chars += n.name.length;
      if (n.dattrs === null) for (const [k, v] of n.attrs) chars += k.length + v.length;
      else for (const a of n.dattrs) chars += a.name.length + a.parts.reduce((m, p) => m + (typeof p === 'string' ? p.length : 0), 0);
      for (const c of n.children) count(c);
    }
  };
  for (const n of nodes) count(n);
  const t: CompiledTemplate = { id: rd32(b, off + 4), nodes, weight, chars };
  ctx.templates.set(off, t);
  store.add(ctx, off, size, nameFields, t);
  return t;
}

function failed(ctx: BinXmlContext, off: number, err: BinXmlError): BinXmlError {
  ctx.templates.set(off, err);
  return err;
}

/** A template instance's header, read and checked: its template, and where its value descriptors start. */
export interface InstanceHead {
  tpl: CompiledTemplate;
  /** Number of values. */
  count: number;
  /** Position of the value descriptors (count x 4 bytes); the values follow them. */
  descPos: number;
}

/**
 * Read the header of a template instance whose token byte is just before `pos`, and charge the
 * template's weight to the record's budget. A definition already known to be unusable, or one
 * that is not the template the record names, is returned as the error (stale records in slack
 * meet these by the thousand, and a throw costs more than the rest of such a record); other
 * damage throws.
 * Layout: u8 unknown, u32 template id, u32 definition offset, [inline definition],
 * u32 value count, count x (u16 size, u8 type, u8 pad), then the values.
 */
export function readInstanceHead(ctx: BinXmlContext, pos: number, end: number, depth: number): InstanceHead | BinXmlError {
  if (depth > MAX_TEMPLATE_DEPTH) throw binxmlError('templates nested too deeply', pos);
  const b = ctx.buf;
  if (pos + 9 > end) throw binxmlError('truncated template instance', pos);
  const tplId = rd32(b, pos + 1);
  const defOff = rd32(b, pos + 5);
  pos += 9;
  if (defOff === pos) {
    if (pos + 24 > end) throw binxmlError('truncated inline template definition', pos);
    pos += 24 + rd32(b, pos + 20);
    if (pos > end) throw binxmlError('inline template definition overruns the record', defOff);
  }
  const tpl = loadTemplate(ctx, defOff);
  if (tpl instanceof BinXmlError) return tpl;
  // A stale record (slack, damaged chunk) may point at an offset now holding another template: never render with it.
  if (tpl.id !== tplId)
    return binxmlError(`template id mismatch: the record names template 0x${tplId.toString(16)}, the definition at 0x${defOff.toString(16)} is 0x${tpl.id.toString(16)}`, defOff);
  chargeNodes(ctx, tpl.weight, 'template instances of large templates', pos);
  chargeText(ctx, tpl.chars, pos);
  if (pos + 4 > end) throw binxmlError('truncated template values', pos);
  const count = rd32(b, pos);
  pos += 4;
  if (count * 4 > end - pos) throw binxmlError(`template value count ${count} overruns the record`, pos - 4);
  return { tpl, count, descPos: pos };
}

/**
 * Where the values of a fragment that is a single template instance lie in `b` (after its fragment
 * header, instance token, template id, definition offset and an inline definition): the template
 * id and the span from the value count to `end`. Null for any other shape.
 */
export function instanceValueSpan(b: Uint8Array, start: number, end: number): { templateId: number; start: number; end: number } | null {
  let p = start;
  if (p + 4 <= end && (b[p] & 0xbf) === T_FRAGMENT_HEADER) p += 4;
  if (p + 10 > end || (b[p] & 0xbf) !== T_TEMPLATE_INSTANCE) return null;
  const templateId = rd32(b, p + 2);
  const defOff = rd32(b, p + 6);
  p += 10;
  if (defOff === p) {
    if (p + 24 > end) return null;
    p += 24 + rd32(b, p + 20);
  }
  return p + 4 <= end ? { templateId, start: p, end } : null;
}

/**
 * The first FILETIME among the values of the instance whose values start at `at` (the event's
 * TimeCreated in Windows' templates), as a lookup key (hi * 2^32 + lo, rounded), or -1.
 */
export function firstFiletime(b: Uint8Array, at: number, end: number): number {
  const count = rd32(b, at);
  let dp = at + 4 + 4 * count;
  if (count > 4096 || dp > end) return -1;
  for (let i = 0; i < count; i++) {
    const size = rd16(b, at + 4 + 4 * i);
    if (b[at + 6 + 4 * i] === VT_FILETIME && size === 8 && dp + 8 <= end) return rd32(b, dp + 4) * 4294967296 + rd32(b, dp);
    dp += size;
  }
  return -1;
}

/**
 * Whether the BinXML fragments a[aStart, aEnd) and b[bStart, bEnd) hold the same event: equal
 * bytes, or template instances of the same template id whose values are equal one by one, nested
 * BinXML compared the same way. Whether a template is defined inline (at its first use in a chunk)
 * or referred to does not count: a record copied into another chunk differs only there.
 */
export function sameFragment(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number, depth = 0): boolean {
  const n = aEnd - aStart;
  if (n === bEnd - bStart && Buffer.compare(a.subarray(aStart, aEnd), b.subarray(bStart, bEnd)) === 0) return true;
  if (depth > MAX_TEMPLATE_DEPTH) return false;
  const x = instanceValueSpan(a, aStart, aEnd);
  const y = instanceValueSpan(b, bStart, bEnd);
  if (x === null || y === null || x.templateId !== y.templateId) return false;
  const count = rd32(a, x.start);
  if (count !== rd32(b, y.start) || x.start + 4 + 4 * count > x.end || y.start + 4 + 4 * count > y.end) return false;
  let ap = x.start + 4 + 4 * count;
  let bp = y.start + 4 + 4 * count;
  for (let i = 0; i < count; i++) {
    const as = rd16(a, x.start + 4 + 4 * i);
    const bs = rd16(b, y.start + 4 + 4 * i);
    const type = a[x.start + 6 + 4 * i];
    if (type !== b[y.start + 6 + 4 * i] || ap + as > x.end || bp + bs > y.end) return false;
    if (type === VT_BINXML) {
      if (!sameFragment(a, ap, ap + as, b, bp, bp + bs, depth + 1)) return false;
    } else if (as !== bs || Buffer.compare(a.subarray(ap, ap + as), b.subarray(bp, bp + bs)) !== 0) return false;
    ap += as;
    bp += bs;
  }
  return true;
}

/** Charge array values (each item repeats its element) to the record's budget. */
export function chargeArrays(ctx: BinXmlContext, vals: ArrayLike<unknown>, pos: number): void {
  let items = 0;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (Array.isArray(v)) items += v.length;
  }
  chargeNodes(ctx, 8 * items, 'array values', pos);
}

/** Read a template instance whose token byte is just before `pos`, and instantiate it into nodes. */
export function readTemplateInstance(
  ctx: BinXmlContext,
  pos: number,
  end: number,
  depth: number,
  nested: NestedParser,
): { nodes: XmlNode[]; next: number } {
  const head = readInstanceHead(ctx, pos, end, depth);
  if (head instanceof BinXmlError) throw head;
  const { tpl, count } = head;
  const b = ctx.buf;
  pos = head.descPos;
  const vals: Val[] = new Array(count);
  const vtypes: number[] | null = ctx.typed ? new Array(count) : null;
  let dp = pos + count * 4;
  for (let i = 0; i < count; i++) {
    const dpos = pos + 4 * i;
    const size = rd16(b, dpos);
    const type = b[dpos + 2];
    if (vtypes !== null) vtypes[i] = type;
    if (dp + size > end) throw binxmlError(`template value ${i} overruns the record`, dp);
    if (type === VT_NULL) vals[i] = null;
    else if (type === VT_BINXML) vals[i] = new Nested(size > 0 ? nested(dp, dp + size, depth + 1) : []);
    else {
      const v = renderValue(b, dp, size, type);
      if (v === null) throw binxmlError(`malformed value ${i} (type 0x${type.toString(16)}, ${size} bytes)`, dp);
      vals[i] = v;
    }
    dp += size;
  }
  chargeArrays(ctx, vals, pos);
  const out: XmlNode[] = [];
  for (const n of tpl.nodes) instantiate(n, vals, out, vtypes, ctx);
  return { nodes: out, next: dp };
}

function pushText(out: XmlNode[], s: string): void {
  if (s === '') return;
  const last = out.length - 1;
  if (last >= 0 && typeof out[last] === 'string') out[last] = (out[last] as string) + s;
  else out.push(s);
}

function attrValue(a: TAttr, vals: Val[], ctx: BinXmlContext): string | null {
  let s = '';
  for (const p of a.parts) {
    if (typeof p === 'string') {
      s += p;
      continue;
    }
    const v = p.index < vals.length ? vals[p.index] : null;
    if (v === null || v === undefined) {
      if (p.optional) return null;
      continue;
    }
    const add = typeof v === 'string' ? v : Array.isArray(v) ? v.join(' ') : '';
    chargeText(ctx, add.length, 0);
    s += add;
  }
  return s;
}

/** The attributes of an instance of `el`: its static ones, or those with values filled in (an optional one without a value left out). */
function instanceAttrs(el: TElement, vals: Val[], ctx: BinXmlContext): Array<[string, string]> {
  if (el.dattrs === null) return el.attrs;
  const attrs: Array<[string, string]> = [];
  for (const a of el.dattrs) {
    const v = attrValue(a, vals, ctx);
    if (v !== null) attrs.push([a.name, v]);
  }
  return attrs;
}

/** Instantiate a template node with values into `out`. */
function instantiate(node: XmlNode | Subst, vals: Val[], out: XmlNode[], vtypes: number[] | null, ctx: BinXmlContext): void {
  if (typeof node === 'string') {
    pushText(out, node);
    return;
  }
  if (node instanceof Subst) {
    const v = node.index < vals.length ? vals[node.index] : null;
    if (v === null || v === undefined) return;
    if (typeof v === 'string') {
      chargeText(ctx, v.length, 0);
      pushText(out, v);
    } else if (v instanceof Nested) {
      chargeNodes(ctx, v.weight, 'nested BinXML placed repeatedly', 0);
      chargeText(ctx, v.chars, 0);
      for (const n of v.nodes) out.push(n);
    } else {
      const joined = v.join(' ');
      chargeText(ctx, joined.length, 0);
      pushText(out, joined);
    }
    return;
  }
  const el = node as TElement;
  if (!el.dyn) {
    out.push(el);
    return;
  }
  // Fast path, the common shape: <X attrs>%n</X> with a scalar value.
  if (el.children.length === 1 && vtypes === null) {
    const c = el.children[0] as unknown;
    if (c instanceof Subst) {
      const v = c.index < vals.length ? vals[c.index] : null;
      if (v === null || v === undefined) {
        if (c.optional) return;
      }
      // (arrays and nested BinXML take the general path below)
      if (v === null || v === undefined || typeof v === 'string') {
        const attrs = instanceAttrs(el, vals, ctx);
        if (typeof v === 'string') chargeText(ctx, v.length, 0);
        out.push({ name: el.name, attrs, children: v === null || v === undefined || v === '' ? [] : [v] });
        return;
      }
    }
  }
  // An array substitution directly inside this element repeats the element once per item.
  let arr: string[] | null = null;
  let arrSlot: Subst | null = null;
  for (const c of el.children) {
    if (c instanceof Subst) {
      const v = c.index < vals.length ? vals[c.index] : null;
      if (Array.isArray(v)) {
        arr = v;
        arrSlot = c;
        break;
      }
    }
  }
  // An element whose only content is optional substitutions without a value is not rendered.
  if (el.children.length > 0) {
    let allEmptyOptional = true;
    for (const c of el.children) {
      if (!(c instanceof Subst) || !c.optional) {
        allEmptyOptional = false;
        break;
      }
      const v = c.index < vals.length ? vals[c.index] : null;
      if (v !== null && v !== undefined) {
        allEmptyOptional = false;
        break;
      }
    }
    if (allEmptyOptional) return;
  }
  const attrs = instanceAttrs(el, vals, ctx);
  let types: Record<string, number> | undefined;
  if (vtypes !== null) {
    if (el.dattrs !== null)
      for (const a of el.dattrs)
        if (a.parts.length === 1 && a.parts[0] instanceof Subst) (types ??= {})[a.name] = vtypes[(a.parts[0] as Subst).index] ?? 0;
    if (el.children.length === 1 && el.children[0] instanceof Subst) (types ??= {})['#text'] = vtypes[(el.children[0] as unknown as Subst).index] ?? 0;
  }
  if (arr === null || arr.length <= 1) {
    const children: XmlNode[] = [];
    for (const c of el.children) {
      if ((c as unknown) === arrSlot) {
        if (arr !== null && arr.length === 1) {
          chargeText(ctx, arr[0].length, 0);
          pushText(children, arr[0]);
        }
      } else instantiate(c, vals, children, vtypes, ctx);
    }
    const e: TypedXmlElement = { name: el.name, attrs, children };
    if (types !== undefined) e.types = types;
    out.push(e);
    return;
  }
  for (const item of arr) {
    const children: XmlNode[] = [];
    for (const c of el.children) {
      if ((c as unknown) === arrSlot) {
        chargeText(ctx, item.length, 0);
        pushText(children, item);
      }
      else instantiate(c, vals, children, vtypes, ctx);
    }
    const e: TypedXmlElement = { name: el.name, attrs: attrs === el.attrs ? attrs : attrs.slice(), children };
    if (types !== undefined) e.types = { ...types, '#text': (types['#text'] ?? 0x80) & 0x7f };
    out.push(e);
  }
}
