/**
 * Template definitions compiled for XML output (used by record-xml.ts): each element knows how
 * it is written (cached bytes when static, the leaf fast paths, or in general), with its start
 * (`<name` and static attributes), end tag and static text encoded once, and the depth at which
 * each substitution places a nested BinXML value. Chunks each carry their own copy of the
 * templates their records use; a key of everything that fixes the output lets equal templates
 * share one compiled program across chunks and files.
 */
import { Subst, TElement, type TAttr } from '../binxml/tokens';
import type { CompiledTemplate } from '../binxml/templates';
import { ATTR, encodeEscaped, TEXT, XmlByteWriter } from './xml-writer';
import { escapeXmlAttr } from '../../../shared/model/event-xml';
import { EMPTY_PIECE, joinPieces, Piece } from './piece';

/**
 * Node kinds of a compiled template: one number field on every node, which the writer switches
 * on. Elements: how they are written (as cached bytes, by the leaf fast paths, or in general);
 * then static text and substitutions.
 */
export const STATIC = 0;
/** No children; attributes with substitutions: always `<X a="…"/>`. */
export const LEAF_EMPTY = 1;
/** One substitution as its only child: `<X …>value</X>`, or `<X …/>` when the value renders empty. */
export const LEAF_VALUE = 2;
export const GENERAL = 3;
export const TEXT_NODE = 4;
export const SUBST_NODE = 5;

/** Static text of a template, escaped and encoded once. */
export class XText {
  readonly kind: typeof TEXT_NODE = TEXT_NODE;
  constructor(readonly piece: Piece, readonly nonBlank: boolean) {}
}

/** A substitution: the value with this index stands here. */
export class XSubst {
  readonly kind: typeof SUBST_NODE = SUBST_NODE;
  constructor(readonly index: number, readonly optional: boolean) {}
}

export interface XAttr {
  /** ` name="` */
  prefix: Piece;
  /** Static parts (escaped, encoded) and substitutions. */
  parts: Array<XText | XSubst>;
  hasOptional: boolean;
  /** The value is one substitution and nothing else (most are): written without walking parts. */
  single: XSubst | null;
}

type XNode = XElem | XText | XSubst;

/** A template element, compiled for output. */
export class XElem {
  readonly kind: typeof STATIC | typeof LEAF_EMPTY | typeof LEAF_VALUE | typeof GENERAL;
  /** `<name` (with the static attributes when none holds a substitution), and `</name>`. */
  readonly open: Piece;
  readonly closeTag: Piece;
  readonly dattrs: XAttr[] | null;
  readonly children: XNode[];
  /** Children are all optional substitutions: the element is left out when none has a value. */
  readonly optionalOnly: boolean;
  /** A substitution is a direct child (an array value there repeats the element). */
  readonly hasSubstChild: boolean;
  /** `open` after a newline and the indentation of each depth (pretty layout). */
  private openAt: Piece[] = [];
  /** A static element (no substitution below it) as written at each depth (indented, or on one line), and its node count. */
  staticAt: Piece[] = [];
  staticCompact: Piece | null = null;
  staticNodes = 0;

  constructor(readonly el: TElement, depth: number, substDepth: Map<number, number>) {
    this.open = el.dattrs === null ? joinPieces([tagPiece('<', el.name, ''), attrsBytes(el.attrs)]) : tagPiece('<', el.name, '');
    this.closeTag = tagPiece('</', el.name, '>');
    this.dattrs = el.dattrs === null ? null : el.dattrs.map(compileAttr);
    this.children = el.children.map((c) => compileNode(c as TElement | Subst | string, depth + 1, substDepth));
    this.optionalOnly = this.children.length > 0 && this.children.every((c) => c.kind === SUBST_NODE && c.optional);
    this.hasSubstChild = this.children.some((c) => c.kind === SUBST_NODE);
    if (!el.dyn) this.kind = STATIC;
    else if (el.children.length === 0) this.kind = LEAF_EMPTY;
    else if (el.children.length === 1 && this.hasSubstChild) this.kind = LEAF_VALUE;
    else this.kind = GENERAL;
  }

  /** This element written whole at `depth` when it is static (see writeStatic in record-xml.ts), made once per depth and layout. */
  staticPiece(depth: number, pretty: boolean): Piece {
    let bytes = pretty ? this.staticAt[depth] : this.staticCompact;
    if (bytes === undefined || bytes === null) {
      const sw = new XmlByteWriter(pretty, 256);
      sw.beginFragment(depth);
      sw.writeElement(this.el);
      bytes = new Piece(sw.buf.subarray(0, sw.len));
      if (pretty) this.staticAt[depth] = bytes;
      else this.staticCompact = bytes;
      this.staticNodes = sw.nodes;
    }
    return bytes;
  }

  /**
   * The plan that writes this element and everything below it at `depth` (see XPlan), or null
   * when its layout depends on its values (it is not a container, see isContainer).
   */
  planAt(depth: number, pretty: boolean): XPlan | null {
    if (pretty) {
      let p = this.plans[depth];
      if (p === undefined) p = this.plans[depth] = isContainer(this) ? compilePlan(this, depth, pretty) : null;
      return p;
    }
    if (this.planCompact === undefined) this.planCompact = isContainer(this) ? compilePlan(this, depth, pretty) : null;
    return this.planCompact;
  }
  private plans: Array<XPlan | null> = [];
  private planCompact: XPlan | null | undefined = undefined;

  /** The start of this element opened at `depth` (indentation included in the pretty layout). */
  openPiece(depth: number, pretty: boolean): Piece {
    return openedAt(this.openAt, this.open, depth, pretty);
  }
}

/**
 * An element's start `open` as written at `depth`: as it is on one line or at the root, else on a
 * line of its own, indented (made once per depth, kept in `cache`).
 */
export function openedAt(cache: Piece[], open: Piece, depth: number, pretty: boolean): Piece {
  if (!pretty || depth === 0) return open;
  return (cache[depth] ??= new Piece(indented(open.bytes, depth)));
}

/** A compiled template: its root elements, and the depth (relative to the roots) at which each substitution places its value. */
export interface XProgram {
  roots: XElem[];
  /** Value index -> depth of the elements a nested BinXML value there becomes; -1 when placed at several depths. */
  substDepth: Map<number, number>;
}

/** `bytes` on a line of their own at `depth`: a newline and two spaces a level before them (pretty layout). */
function indented(bytes: Uint8Array, depth: number): Uint8Array {
  const b = new Uint8Array(1 + 2 * depth + bytes.length).fill(0x20);
  b[0] = 0x0a;
  b.set(bytes, 1 + 2 * depth);
  return b;
}

/** `<name`, `</name>` (names are written unescaped, as the tree layout does), shared across chunks. */
const tags = new Map<string, Piece>();
export function tagPiece(before: string, name: string, after: string): Piece {
  const key = before + name + after;
  let b = tags.get(key);
  if (b === undefined) {
    b = encodeEscaped(key, 0).piece;
    // Bounded: names in hostile files can be many and long (up to a chunk).
    if (tags.size < 4096 && key.length <= 256) tags.set(key, b);
  }
  return b;
}

function attrsBytes(attrs: Array<[string, string]>): Piece {
  if (attrs.length === 0) return EMPTY_PIECE;
  let s = '';
  for (const [k, v] of attrs) s += ' ' + k + '="' + escapeXmlAttr(v) + '"';
  return encodeEscaped(s, 0).piece;
}

function compileAttr(a: TAttr): XAttr {
  const parts = a.parts.map((p) => (typeof p === 'string' ? new XText(encodeEscaped(p, ATTR).piece, true) : new XSubst(p.index, p.optional)));
  return {
    prefix: tagPiece(' ', a.name, '="'),
    parts,
    hasOptional: a.parts.some((p) => p instanceof Subst && p.optional),
    single: parts.length === 1 && parts[0].kind === SUBST_NODE ? parts[0] : null,
  };
}

function compileNode(n: TElement | Subst | string, depth: number, substDepth: Map<number, number>): XNode {
  if (typeof n === 'string') {
    const e = encodeEscaped(n, TEXT);
    return new XText(e.piece, e.nonBlank);
  }
  if (n instanceof Subst) {
    const d = substDepth.get(n.index);
    substDepth.set(n.index, d === undefined || d === depth ? depth : -1);
    return new XSubst(n.index, n.optional);
  }
  return new XElem(n, depth, substDepth);
}

/**
 * What fixes a template's output: names, static attributes and text, and where substitutions
 * stand. Chunks each hold their own copy of the templates they use; equal keys share one
 * compiled program across chunks and files.
 */
function templateKey(nodes: Array<TElement | Subst | string>): string {
  let k = '';
  const str = (s: string) => {
    k += s.length + ':' + s;
  };
  const walk = (n: TElement | Subst | string): void => {
    if (typeof n === 'string') {
      k += 't';
      str(n);
    } else if (n instanceof Subst) k += (n.optional ? '?' : '%') + n.index + ';';
    else {
      k += '<';
      str(n.name);
      if (n.dattrs === null)
        for (const [a, v] of n.attrs) {
          k += '@';
          str(a);
          str(v);
        }
      else
        for (const a of n.dattrs) {
          k += '@';
          str(a.name);
          for (const p of a.parts) {
            if (typeof p === 'string') str(p);
            else k += (p.optional ? '?' : '%') + p.index + ';';
          }
        }
      for (const c of n.children) walk(c as TElement | Subst | string);
      k += '>';
    }
  };
  for (const n of nodes) walk(n);
  return k;
}

const programs = new Map<string, XProgram>();
/** Characters of the keys held: with the count, what bounds the cache (a key is as long as its template). */
let programKeyChars = 0;

export function programOf(tpl: CompiledTemplate): XProgram {
  if (tpl.xml === undefined) {
    const key = templateKey(tpl.nodes as TElement[]);
    let prog = programs.get(key);
    if (prog === undefined) {
      const substDepth = new Map<number, number>();
      prog = { roots: tpl.nodes.map((n) => new XElem(n as TElement, 0, substDepth)), substDepth };
      // Bounded: hostile files can hold any number of distinct templates, each up to a chunk long.
      if (programs.size >= 4096 || programKeyChars + key.length > 8_000_000) {
        programs.clear();
        programKeyChars = 0;
      }
      programs.set(key, prog);
      programKeyChars += key.length;
    }
    tpl.xml = prog;
  }
  return tpl.xml as XProgram;
}

// ---- plans: containers written as flat operations ----

/**
 * Most of a record is containers (System, EventData) of leaves (EventID, Data): the layout of
 * such an element does not depend on its values, only each leaf's does (`<X>v</X>`, `<X/>` or
 * nothing). A plan writes a container at one depth as a list of operations: static bytes (tags,
 * indentation, static elements, merged across element boundaries), one operation per leaf, and
 * the general element writer for anything else. It gives the same bytes as writing each element
 * by itself (a test holds the two to the same output on the whole corpus).
 */
export const OP_COPY = 0;
/** A leaf holding one value: `>value</X>` or `/>`, its start written before (or by it, when optional). */
export const OP_LEAF = 1;
/** An attribute (with its name) of an element whose start was just written. */
export const OP_ATTR = 2;
/** An element written by the general writer, opened at `depth` below the plan's. */
export const OP_ELEMENT = 3;
/** The value of an attribute always written, whose name is in the bytes before it. */
export const OP_ATTR_VALUE = 4;

export class PlanOp {
  constructor(
    readonly kind: number,
    readonly elem: XElem | null,
    /** OP_COPY: bytes and nodes; OP_LEAF: the element's start (written by the op only when the leaf is optional). */
    public bytes: Piece | null,
    public nodes: number,
    /** Depth of the element below the plan's root. */
    readonly depth: number,
  ) {}
  /** OP_ATTR: the attribute. */
  attr: XAttr | null = null;
  /** OP_LEAF, OP_ATTR_VALUE: the value. OP_LEAF: whether the leaf is left out when null, and the static bytes after it (with their nodes). */
  index = 0;
  optional = false;
  after: Piece = EMPTY_PIECE;
  afterNodes = 0;
  /** `</X>` + after, and `/>` + after. */
  closeAfter: Piece = EMPTY_PIECE;
  emptyAfter: Piece = EMPTY_PIECE;
}

export interface XPlan {
  ops: PlanOp[];
}

const GT = Uint8Array.of(0x3e);
const QUOTE = Uint8Array.of(0x22);
const SLASH_GT = Uint8Array.of(0x2f, 0x3e);

/** Always written, whatever the values: then a container holding it never renders as `<X/>`. */
function alwaysWritten(x: XElem): boolean {
  if (x.kind === LEAF_VALUE) return !(x.children[0] as XSubst).optional;
  return x.kind !== GENERAL || !x.optionalOnly;
}

/** An element whose children are all elements, one at least always written: its layout is fixed. */
function isContainer(x: XElem): boolean {
  if (x.kind !== GENERAL || x.optionalOnly || x.children.length === 0) return false;
  let always = false;
  for (const c of x.children) {
    if (c.kind === TEXT_NODE || c.kind === SUBST_NODE) return false;
    if (alwaysWritten(c)) always = true;
  }
  return always;
}

function compilePlan(root: XElem, depth: number, pretty: boolean): XPlan {
  const ops: PlanOp[] = [];
  let pending: Array<Piece | Uint8Array> = [];
  let pendingNodes = 0;
  const put = (b: Piece | Uint8Array, nodes: number) => {
    pending.push(b);
    pendingNodes += nodes;
  };
  const flush = () => {
    if (pending.length === 0 && pendingNodes === 0) return;
    ops.push(new PlanOp(OP_COPY, null, joinPieces(pending), pendingNodes, 0));
    pending = [];
    pendingNodes = 0;
  };
  // Attributes of an element always written: the name of one always written (a single value,
  // not optional) goes with the bytes before it.
  const attrs = (x: XElem, d: number) => {
    for (const at of x.dattrs!) {
      const one = at.single;
      if (one !== null && !one.optional) {
        put(at.prefix, 0);
        flush();
        const op = new PlanOp(OP_ATTR_VALUE, x, null, 0, d - depth);
        op.index = one.index;
        ops.push(op);
        put(QUOTE, 0);
      } else {
        flush();
        const op = new PlanOp(OP_ATTR, x, null, 0, d - depth);
        op.attr = at;
        ops.push(op);
      }
    }
  };
  const emit = (x: XElem, d: number) => {
    if (x.kind === STATIC) {
      const bytes = x.staticPiece(d, pretty); // (counts its nodes)
      put(bytes, x.staticNodes);
    } else if (x.kind === LEAF_EMPTY) {
      put(x.openPiece(d, pretty), 1);
      attrs(x, d);
      put(SLASH_GT, 0);
    } else if (x.kind === LEAF_VALUE) {
      const sub = x.children[0] as XSubst;
      // A leaf always written has its start merged into the bytes before it.
      if (!sub.optional) put(x.openPiece(d, pretty), 1);
      flush();
      const op = new PlanOp(OP_LEAF, x, x.openPiece(d, pretty), 0, d - depth);
      op.index = sub.index;
      op.optional = sub.optional;
      ops.push(op);
    } else if (isContainer(x)) {
      put(x.openPiece(d, pretty), 1);
      if (x.dattrs !== null) attrs(x, d);
      put(GT, 0);
      for (const c of x.children) emit(c as XElem, d + 1);
      put(pretty ? indented(x.closeTag.bytes, d) : x.closeTag, 0);
    } else {
      flush();
      ops.push(new PlanOp(OP_ELEMENT, x, null, 0, d - depth));
    }
  };
  emit(root, depth);
  flush();
  // Each leaf takes the static bytes after it: one copy per leaf, of `</X>` or `/>` and what follows.
  const out: PlanOp[] = [];
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    if (op.kind === OP_LEAF) {
      const next = ops[k + 1];
      if (next !== undefined && next.kind === OP_COPY) {
        op.after = next.bytes!;
        op.afterNodes = next.nodes;
        k++;
      }
      op.closeAfter = joinPieces([op.elem!.closeTag, op.after]);
      op.emptyAfter = joinPieces([SLASH_GT, op.after]);
    }
    out.push(op);
  }
  return { ops: out };
}
