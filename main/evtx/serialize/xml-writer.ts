/**
 * Event XML written straight to UTF-8 bytes, in the layout Windows renders (Event Viewer's XML
 * view / evtxexport): two-space indentation, every element child on its own line, `&amp; &lt; &gt;`
 * escaped in text and `&quot; &apos;` too in attributes, empty elements as `<Name/>`.
 *
 * The writer is streaming: open an element, add attributes, add text and child elements, close.
 * The layout of an element depends on what it turns out to hold (nothing: `<X/>`; only text:
 * `<X>text</X>`; element children: one per line, text runs between them kept only when they
 * are not blank), so text is written as it comes and taken back when a child element shows it
 * was a blank run between elements. The direct template renderer (record-xml.ts) drives it, and
 * writes trees through writeElement where it has them. serialize/xml.ts writes trees as strings
 * for import, in the same layout; a test holds the two to the same output on the whole corpus.
 *
 * Lone UTF-16 surrogates become U+FFFD, as Node's UTF-8 encoder does.
 */
import type { XmlElement, XmlNode } from '../../../shared/model/event-xml';
import { CP1252_80 } from '../binxml/values';
import { viewOf } from '../little-endian';
import { Piece } from './piece';

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const SPACE = 0x20;
const QUOTE = 0x22;
const NL = 0x0a;

/** True for the code units String.prototype.trim removes (so blank runs match the tree layout's `trim() !== ''`). */
export function isTrimSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** Escaped form of the ASCII characters that need one (index: code unit), for text and attribute values. */
const TEXT_ESC: Array<Uint8Array | undefined> = [];
const ATTR_ESC: Array<Uint8Array | undefined> = [];
const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
TEXT_ESC[0x26] = ATTR_ESC[0x26] = enc('&amp;');
TEXT_ESC[0x3c] = ATTR_ESC[0x3c] = enc('&lt;');
TEXT_ESC[0x3e] = ATTR_ESC[0x3e] = enc('&gt;');
ATTR_ESC[0x22] = enc('&quot;');
ATTR_ESC[0x27] = enc('&apos;');
/** 1 where an ASCII code unit needs escaping in text (bit 0) or in attributes (bit 1). */
const NEEDS_ESC = new Uint8Array(128);
for (let c = 0; c < 128; c++) NEEDS_ESC[c] = (TEXT_ESC[c] ? 1 : 0) | (ATTR_ESC[c] ? 2 : 0);

/** 1 for the ASCII code units written as they are, with no escaping, that are not blank: per escape mode (0, TEXT, ATTR). */
const PLAIN: Uint8Array[] = [0, 1, 2].map((mode) => {
  const t = new Uint8Array(128);
  for (let c = 0x21; c < 0x7f; c++) t[c] = (NEEDS_ESC[c] & mode) === 0 ? 1 : 0;
  return t;
});

/** From this many code units on, JavaScript strings are encoded natively. */
const NATIVE_MIN = 64;
const TEXT_SPECIAL = /[&<>]/;
const TEXT_SPECIALS = /[&<>]/g;
const ATTR_SPECIAL = /[&<>"']/;
const ATTR_SPECIALS = /[&<>"']/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const escapeChar = (c: string) => ESCAPES[c];

type NodeBuffer = Buffer & { utf8Write(s: string, offset: number): number; latin1Write(s: string, offset: number): number };

/** Where a string goes: element text or an attribute value (they escape differently). */
export const TEXT = 1;
export const ATTR = 2;
export type EscapeMode = typeof TEXT | typeof ATTR;

/** Bytes a piece copy may write past the end of the piece (its padding): always room for them after `len`. */
const PIECE_PAD = 3;
/** Longest copy made four bytes at a time: past it, TypedArray.set (a native copy, about 70 ns whatever the length) is faster. */
const WORD_COPY_MAX = 64;

export class XmlByteWriter {
  buf: NodeBuffer;
  len = 0;
  /** `buf`, several bytes a store (piece copies, digits written in pairs). */
  words: DataView;
  /** Elements open: their names, and per element its layout state (typed arrays, grown with the depth). */
  private names: string[] = [];
  /** Start tag still open (`<X a="b"` written, no `>` yet). */
  private startOpen = new Uint8Array(64);
  /** An element child has been written (one child per line). */
  private hasChild = new Uint8Array(64);
  /** Output position where the current text run began (-1: none), and whether it holds more than blanks. */
  private runStart = new Int32Array(64);
  private runNonBlank = new Uint8Array(64);
  private depth = 0;
  private readonly indents: Piece[] = [];
  /** Nodes written (elements, and text runs as a tree would hold them): what rendering costs against a record's budget. */
  nodes = 0;
  private maxLen = Infinity;
  /** How far output may reach with no check beyond this one: within the limit, and with room for a piece's padding (reserve). */
  private room = 0;

  /** `pretty`: one element per line, indented by two spaces; otherwise everything on one line. */
  constructor(readonly pretty = true, initialSize = 1 << 16) {
    this.buf = Buffer.allocUnsafeSlow(Math.max(initialSize, 16)) as NodeBuffer;
    this.words = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.room = this.buf.length - PIECE_PAD;
  }

  /** Past this length the writer refuses to grow (set per record: hostile records can expand without end). */
  get limit(): number {
    return this.maxLen;
  }

  set limit(n: number) {
    this.maxLen = n;
    this.room = Math.min(n, this.buf.length - PIECE_PAD);
  }

  private setBuffer(next: NodeBuffer): void {
    this.buf = next;
    this.words = new DataView(next.buffer, next.byteOffset, next.length);
    this.room = Math.min(this.maxLen, next.length - PIECE_PAD);
  }

  /** Open elements (0 when between records). */
  get openElements(): number {
    return this.depth;
  }

  /** Write into `next` from its start from now on; the buffer written so far is returned, the caller's to keep. */
  swapBuffer(next: Buffer): Buffer {
    const prev = this.buf;
    this.setBuffer(next as NodeBuffer);
    this.truncate(0);
    return prev;
  }

  /** Make room for n more bytes (and a piece's padding after them). */
  reserve(n: number): void {
    if (this.len + n <= this.room) return;
    if (this.len + n > this.maxLen) throw new Error(`record XML passes ${this.maxLen} bytes`);
    const need = this.len + n + PIECE_PAD;
    if (need <= this.buf.length) return;
    let size = Math.max(this.buf.length * 2, 64);
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafeSlow(size) as NodeBuffer;
    this.buf.copy(next, 0, 0, this.len);
    this.setBuffer(next);
  }

  /** Take the output back to `len` (a record that failed half-way) and forget open elements. */
  truncate(len: number): void {
    this.len = len;
    this.depth = 0;
  }

  /** Give back a buffer grown past `max` bytes by an unusually large record (empty writers only). */
  shrink(max: number): void {
    if (this.len === 0 && this.buf.length > max) this.setBuffer(Buffer.allocUnsafeSlow(1 << 16) as NodeBuffer);
  }

  /**
   * Start writing elements as if they were children of an element open at `depth - 1` whose
   * start tag is closed: what childCopy later places (a nested BinXML value rendered ahead).
   */
  beginFragment(depth: number): void {
    this.grow(depth);
    for (let d = 0; d < depth; d++) {
      this.startOpen[d] = 0;
      this.hasChild[d] = 1;
      this.runStart[d] = -1;
      this.names[d] = '';
    }
    this.depth = depth;
  }

  /** Room for elements open `depth` deep. */
  private grow(depth: number): void {
    if (depth < this.startOpen.length) return;
    const n = Math.max(2 * this.startOpen.length, depth + 1);
    const u8 = (a: Uint8Array) => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    this.startOpen = u8(this.startOpen);
    this.hasChild = u8(this.hasChild);
    this.runNonBlank = u8(this.runNonBlank);
    const rs = new Int32Array(n);
    rs.set(this.runStart);
    this.runStart = rs;
  }

  /**
   * Continue at `depth`, as a child of an element whose start tag is closed and which has
   * children (a container written by plan, record-xml.ts, hands an element to the general writer).
   */
  enterAt(depth: number): void {
    this.depth = depth;
    if (depth === 0) return;
    this.grow(depth);
    const p = depth - 1;
    this.startOpen[p] = 0;
    this.hasChild[p] = 1;
    this.runStart[p] = -1;
  }

  /** Place child elements rendered ahead by `src` (after beginFragment at this depth), bytes [start, end) of its output. */
  childCopy(src: XmlByteWriter, start: number, end: number): void {
    if (end <= start) return;
    this.childStart();
    const n = end - start;
    this.reserve(n);
    const at = this.len;
    const from = src.buf;
    if (n > WORD_COPY_MAX) this.buf.set(new Uint8Array(from.buffer, from.byteOffset + start, n), at);
    else {
      // (src keeps room after its output, as every writer does: the word reads stay in its buffer)
      const words = src.words;
      const dst = this.words;
      for (let i = 0; i < n; i += 4) dst.setUint32(at + i, words.getUint32(start + i, true), true);
    }
    this.len = at + n;
  }

  /** Place a child element written ahead whole (a static element of a template). */
  childPiece(p: Piece): void {
    if (p.length === 0) return;
    this.childStart();
    this.piece(p);
  }

  /** The current element gets a child element: close its start tag, drop a blank text run before it. */
  private childStart(): void {
    const p = this.depth - 1;
    if (p < 0) return;
    if (this.startOpen[p] !== 0) {
      this.byte(GT);
      this.startOpen[p] = 0;
    }
    if (this.runStart[p] >= 0) {
      if (this.runNonBlank[p] === 0) this.len = this.runStart[p];
      this.runStart[p] = -1;
    }
    this.hasChild[p] = 1;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  byte2(a: number, b: number): void {
    this.reserve(2);
    this.buf[this.len++] = a;
    this.buf[this.len++] = b;
  }

  /** A piece: four bytes at a time (its padding lands past the end, in room reserve keeps); a long one by TypedArray.set. */
  piece(b: Piece): void {
    const n = b.length;
    this.reserve(n);
    const at = this.len;
    if (n > WORD_COPY_MAX) this.buf.set(b.bytes, at);
    else {
      const src = b.words;
      const dst = this.words;
      for (let i = 0; i < n; i += 4) dst.setUint32(at + i, src.getUint32(i, true), true);
    }
    this.len = at + n;
  }

  /** Characters known to need no escaping and to be ASCII (names, numbers, dates). */
  ascii(s: string): void {
    const n = s.length;
    this.reserve(n);
    if (n > 16) {
      this.len += this.buf.latin1Write(s, this.len);
      return;
    }
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.len = p;
  }

  private indent(depth: number): void {
    if (!this.pretty) return;
    let ind = this.indents[depth];
    if (ind === undefined) {
      const b = new Uint8Array(1 + 2 * depth).fill(SPACE);
      b[0] = NL;
      ind = this.indents[depth] = new Piece(b);
    }
    this.piece(ind);
  }

  // ---- structure ----

  /**
   * Start an element named `name`. Callers that have it pre-encoded pass `open`: a newline, the
   * indentation of this depth (pretty layout, below the root) and `<name`.
   */
  open(name: string, open?: Piece): void {
    const d = this.depth;
    this.nodes++;
    // A child element: the text run before it stays only when it is not blank.
    if (d > 0) this.childStart();
    if (open !== undefined) this.piece(open);
    else {
      if (d > 0) this.indent(d);
      this.byte(LT);
      this.utf8(name, 0);
    }
    if (d >= this.startOpen.length) this.grow(d);
    this.names[d] = name;
    this.startOpen[d] = 1;
    this.hasChild[d] = 0;
    this.runStart[d] = -1;
    this.runNonBlank[d] = 0;
    this.depth = d + 1;
  }

  /**
   * Start an element the caller writes whole, start to end, with no layout state (a leaf of
   * known shape): `open` is its start, indentation included, as for open().
   */
  openLeaf(open: Piece): void {
    this.nodes++;
    if (this.depth > 0) this.childStart();
    this.piece(open);
  }

  /** A child element starts here, which the caller writes whole (its start included) and counts. */
  beginChild(): void {
    if (this.depth > 0) this.childStart();
  }

  /** Begin an attribute: ` name="`; write its value with the ATTR writers, then attrEnd(). */
  attrStart(name: string, prefix?: Piece): void {
    if (prefix !== undefined) this.piece(prefix);
    else {
      this.byte(SPACE);
      this.utf8(name, 0);
      this.byte(0x3d);
      this.byte(QUOTE);
    }
  }

  attrEnd(): void {
    this.byte(QUOTE);
  }

  /** Text content follows: close the start tag and begin (or continue) a text run. */
  private textStart(): void {
    const d = this.depth - 1;
    if (this.startOpen[d] !== 0) {
      this.byte(GT);
      this.startOpen[d] = 0;
    }
    if (this.runStart[d] < 0) {
      this.runStart[d] = this.len;
      this.runNonBlank[d] = 0;
      this.nodes++;
    }
  }

  /** Text content given as a string (escaped here). Empty text adds nothing, as in a tree. */
  text(s: string): void {
    if (s.length === 0 || this.depth === 0) return;
    this.textStart();
    if (this.utf8(s, TEXT)) this.runNonBlank[this.depth - 1] = 1;
  }

  /** Text content already escaped and encoded; `nonBlank` says whether it holds more than blanks. */
  textPiece(b: Piece, nonBlank: boolean): void {
    if (b.length === 0 || this.depth === 0) return;
    this.textStart();
    this.piece(b);
    if (nonBlank) this.runNonBlank[this.depth - 1] = 1;
  }

  /** Text content of `n` UTF-16LE code units at src[off..], up to the first NUL when `toNul` (escaped and encoded here). */
  textUtf16(src: Uint8Array, off: number, n: number, toNul = false): void {
    // Empty text adds nothing, as in a tree.
    if (n <= 0 || this.depth === 0 || (toNul && src[off] === 0 && src[off + 1] === 0)) return;
    this.textStart();
    if (this.utf16(src, off, n, TEXT, toNul)) this.runNonBlank[this.depth - 1] = 1;
  }

  /** Text content of ANSI (Windows-1252) bytes src[off, off+n), up to the first NUL (escaped and encoded here). */
  textAnsi(src: Uint8Array, off: number, n: number): void {
    if (n <= 0 || this.depth === 0 || src[off] === 0) return;
    this.textStart();
    if (this.ansi(src, off, n, TEXT)) this.runNonBlank[this.depth - 1] = 1;
  }

  /** Text content known to be ASCII that needs no escaping and is not blank (numbers, dates). */
  textAscii(s: string): void {
    if (s.length === 0 || this.depth === 0) return;
    this.textStart();
    this.ascii(s);
    this.runNonBlank[this.depth - 1] = 1;
  }

  /** Close the innermost element. */
  close(closeTag?: Piece): void {
    const d = --this.depth;
    if (this.hasChild[d] === 0) {
      if (this.startOpen[d] !== 0) {
        this.byte(SLASH);
        this.byte(GT);
        return;
      }
    } else {
      if (this.runStart[d] >= 0 && this.runNonBlank[d] === 0) this.len = this.runStart[d];
      this.indent(d);
    }
    if (closeTag !== undefined) this.piece(closeTag);
    else {
      this.byte(LT);
      this.byte(SLASH);
      this.utf8(this.names[d], 0);
      this.byte(GT);
    }
  }

  /** Write a whole element tree at the current position. */
  writeElement(el: XmlElement): void {
    this.open(el.name);
    const attrs = el.attrs;
    for (let i = 0; i < attrs.length; i++) {
      this.attrStart(attrs[i][0]);
      this.utf8(attrs[i][1], ATTR);
      this.attrEnd();
    }
    const ch: XmlNode[] = el.children;
    for (let i = 0; i < ch.length; i++) {
      const c = ch[i];
      if (typeof c === 'string') this.text(c);
      else this.writeElement(c);
    }
    this.close();
  }

  // ---- encoders ----

  /** Escapes by regular expression, encoding by Node (`s` not empty). */
  private utf8Native(s: string, mode: number): boolean {
    if (mode === TEXT) {
      if (TEXT_SPECIAL.test(s)) s = s.replace(TEXT_SPECIALS, escapeChar);
    } else if (mode === ATTR) {
      if (ATTR_SPECIAL.test(s)) s = s.replace(ATTR_SPECIALS, escapeChar);
    }
    this.reserve(3 * s.length);
    this.len += this.buf.utf8Write(s, this.len);
    return !isTrimSpace(s.charCodeAt(0)) || s.trim() !== '';
  }

  /**
   * Encode a string as UTF-8, escaped for `mode` (0: not escaped). Returns whether it held a
   * character that is not blank (for text runs). Strings reach here from trees (records written
   * without templates), names and array items; short ones are encoded here, long ones by Node.
   */
  utf8(s: string, mode: number): boolean {
    const n = s.length;
    if (n === 0) return false;
    return n < NATIVE_MIN ? this.utf8Short(s, mode) : this.utf8Native(s, mode);
  }

  /**
   * Encode `n` UTF-16LE code units at src[off..] (up to the first NUL when `toNul`) as UTF-8,
   * escaped for `mode`; returns whether any was not blank.
   */
  utf16(src: Uint8Array, off: number, n: number, mode: number, toNul = false): boolean {
    // (All lengths here: with two characters a read, this beat Node's decoding and encoding even for long strings.)
    // Worst case per code unit: 3 bytes, or 6 for an escape (`&quot;`).
    this.reserve(6 * n);
    const b = this.buf;
    let p = this.len;
    let nonBlank = false;
    const plain = PLAIN[mode];
    const end = off + 2 * n;
    const view = viewOf(src);
    for (let q = off; q < end; q += 2) {
      // Two printable ASCII characters needing no escape at a time (most text), from one 32-bit read.
      while (q + 4 <= end) {
        const x = view.getUint32(q, true);
        if ((x & 0xff80ff80) !== 0) break;
        const c0 = x & 0x7f;
        const c1 = x >>> 16;
        if (plain[c0] === 0 || plain[c1] === 0) break;
        b[p] = c0;
        b[p + 1] = c1;
        p += 2;
        q += 4;
        nonBlank = true;
      }
      if (q >= end) break;
      const lo = src[q];
      const hi = src[q + 1];
      // Most characters: printable ASCII needing no escape, copied as they are.
      if (hi === 0 && lo < 0x80 && plain[lo] !== 0) {
        b[p++] = lo;
        nonBlank = true;
        continue;
      }
      const c = lo | (hi << 8);
      if (c === 0 && toNul) break;
      if (!nonBlank && !isTrimSpace(c)) nonBlank = true;
      const d = q + 3 < end ? src[q + 2] | (src[q + 3] << 8) : 0;
      p = encodeUnit(b, p, c, d, mode);
      if (isPair(c, d)) q += 2;
    }
    this.len = p;
    return nonBlank;
  }

  /** A string of fewer than NATIVE_MIN code units, encoded here (see utf8). */
  private utf8Short(s: string, mode: number): boolean {
    const n = s.length;
    this.reserve(6 * n);
    const b = this.buf;
    let p = this.len;
    let nonBlank = false;
    const plain = PLAIN[mode];
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80 && plain[c] !== 0) {
        b[p++] = c;
        nonBlank = true;
        continue;
      }
      if (!nonBlank && !isTrimSpace(c)) nonBlank = true;
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      p = encodeUnit(b, p, c, d, mode);
      if (isPair(c, d)) i++;
    }
    this.len = p;
    return nonBlank;
  }

  /**
   * Encode ANSI bytes src[off, off+n) as UTF-8, up to the first NUL, read as Windows-1252 (as
   * values.ts decodes them) and escaped for `mode`; returns whether any was not blank.
   */
  ansi(src: Uint8Array, off: number, n: number, mode: number): boolean {
    // Worst case per byte: 3 bytes (0x80..0x9F map above U+07FF), or 6 for an escape.
    this.reserve(6 * n);
    const b = this.buf;
    let p = this.len;
    let nonBlank = false;
    const plain = PLAIN[mode];
    const end = off + n;
    for (let q = off; q < end; q++) {
      let c = src[q];
      if (c < 0x80 && plain[c] !== 0) {
        b[p++] = c;
        nonBlank = true;
        continue;
      }
      if (c === 0) break;
      if (c >= 0x80 && c < 0xa0) c = CP1252_80[c - 0x80];
      if (!nonBlank && !isTrimSpace(c)) nonBlank = true;
      p = encodeUnit(b, p, c, 0, mode);
    }
    this.len = p;
    return nonBlank;
  }
}

/** A high surrogate followed by a low one: one character, written from both. */
function isPair(c: number, d: number): boolean {
  return c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff;
}

/**
 * Write UTF-16 code unit `c` at b[p] as UTF-8, escaped for `mode`; `d` is the unit after it (0
 * at the end). A surrogate pair is written whole (the caller skips `d`, see isPair); a lone
 * surrogate becomes U+FFFD, as Node's encoder does. Returns the position after.
 */
function encodeUnit(b: Uint8Array, p: number, c: number, d: number, mode: number): number {
  if (c < 0x80) {
    if (mode !== 0 && (NEEDS_ESC[c] & mode) !== 0) {
      const e = (mode === TEXT ? TEXT_ESC : ATTR_ESC)[c]!;
      for (let k = 0; k < e.length; k++) b[p++] = e[k];
    } else b[p++] = c;
    return p;
  }
  if (c < 0x800) {
    b[p++] = 0xc0 | (c >> 6);
    b[p++] = 0x80 | (c & 0x3f);
    return p;
  }
  if (c >= 0xd800 && c <= 0xdfff) {
    if (isPair(c, d)) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      b[p++] = 0xf0 | (cp >> 18);
      b[p++] = 0x80 | ((cp >> 12) & 0x3f);
      b[p++] = 0x80 | ((cp >> 6) & 0x3f);
      b[p++] = 0x80 | (cp & 0x3f);
      return p;
    }
    c = 0xfffd;
  }
  b[p++] = 0xe0 | (c >> 12);
  b[p++] = 0x80 | ((c >> 6) & 0x3f);
  b[p++] = 0x80 | (c & 0x3f);
  return p;
}

const encoder = new XmlByteWriter(false, 1024);

/** A string escaped for `mode` (0: not escaped) and encoded, with whether it is more than blanks (for template text encoded once). */
export function encodeEscaped(s: string, mode: EscapeMode | 0): { piece: Piece; nonBlank: boolean } {
  encoder.len = 0;
  const nonBlank = encoder.utf8(s, mode);
  return { piece: new Piece(encoder.buf.subarray(0, encoder.len)), nonBlank }; // (a copy)
}
