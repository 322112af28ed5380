/**
 * BinXML written without templates, straight from its tokens into the XML writer, with no element
 * tree in between: records written that way (forwarded events, some PowerShell logs) and, far
 * more often, nested BinXML values that are (CAPI2 keeps its UserData so, every element,
 * attribute and value a token of its own). Building the tree, decoding every value into a string
 * and encoding it again took most of the time of such records, which are large.
 *
 * This path takes the plain case only and mirrors the tree path's rules (binxml/tokens.ts
 * parseTokens, then XmlByteWriter.writeElement of the elements kept) exactly. Anything else makes
 * it give up, having written nothing that stays: template instances and substitutions, damage of
 * any kind, content inside a start tag before any attribute, a record's second root element, a
 * string piece that begins or ends with a surrogate (the tree joins adjacent pieces, which may
 * pair it). The tree path then reads the fragment, and says why it is unreadable where it is. A
 * test holds the two to the same bytes on every record of the corpus.
 */
import {
  entityText, MAX_ELEMENT_DEPTH, readName, T_ATTRIBUTE, T_CDATA, T_CHARREF, T_CLOSE_EMPTY, T_CLOSE_START, T_END_ELEMENT,
  T_ENTITYREF, T_EOF, T_FRAGMENT_HEADER, T_MORE, T_OPEN_START, T_PI_DATA, T_PI_TARGET, T_VALUE, valueTextSize, type BinXmlContext,
} from '../binxml/tokens';
import { renderScalar, VT_ANSI, VT_STRING } from '../binxml/values';
import { rd16, rd32 } from '../little-endian';
import { ATTR, XmlByteWriter } from './xml-writer';
import { openedAt, tagPiece } from './xml-program';
import type { Piece } from './piece';

/** A name of the chunk as the writer places it: `<name` (indented per depth), `</name>`, ` name="`. */
class Tag {
  readonly open: Piece;
  readonly closeTag: Piece;
  readonly attrPrefix: Piece;
  private openAt: Piece[] = [];

  constructor(readonly name: string) {
    this.open = tagPiece('<', name, '');
    this.closeTag = tagPiece('</', name, '>');
    this.attrPrefix = tagPiece(' ', name, '="');
  }

  openPiece(depth: number, pretty: boolean): Piece {
    return openedAt(this.openAt, this.open, depth, pretty);
  }
}

/** Tags by name, across chunks and files (bounded: hostile files can hold any number of names). */
const byName = new Map<string, Tag>();
const MAX_TAGS = 4096;

/** Tags of the chunk being read, by the chunk offset of their name (a chunk's records are read one after another). */
let chunkOf: BinXmlContext | null = null;
const inChunk = new Map<number, Tag>();

/** The tag whose name is at chunk offset `off`, read and checked as the tree path reads it (throws as readName does). */
function tagAt(ctx: BinXmlContext, off: number): Tag {
  if (chunkOf !== ctx) {
    inChunk.clear();
    chunkOf = ctx;
  }
  let t = inChunk.get(off);
  if (t === undefined) {
    const name = readName(ctx, off);
    t = byName.get(name);
    if (t === undefined) {
      t = new Tag(name);
      if (byName.size >= MAX_TAGS) byName.clear();
      byName.set(name, t);
    }
    inChunk.set(off, t);
  }
  return t;
}

/** Position after the name reference at `at` (naming chunk offset `off`): past the name when it is inline there, or -1 when that overruns `end`. */
function nameRefEnd(b: Uint8Array, at: number, off: number, end: number): number {
  const next = at + 4;
  if (off !== next) return next;
  const after = next + 10 + 2 * rd16(b, off + 6);
  return after > end ? -1 : after;
}

function isSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdfff;
}

/** Elements open while a record is written: their tags. */
const open: Tag[] = [];

/**
 * Write the BinXML fragment ctx.buf[start, end), written without templates, into `w` at its
 * depth, as the tree path writes it: a record's first element (`allRoots` false), or every
 * element of a nested value. Returns false, with the writer as it was, when the fragment is not
 * the plain case (see the module comment): the caller reads it as a tree.
 */
export function writeTokensXml(ctx: BinXmlContext, start: number, end: number, w: XmlByteWriter, allRoots: boolean): boolean {
  const mark = w.len;
  const nodes = w.nodes;
  const base = w.openElements;
  try {
    if (walk(ctx, start, end, w, allRoots)) return true;
  } catch {
    // (damage, or a record past the writer's limit: the tree path says which)
  }
  w.truncate(mark);
  w.beginFragment(base);
  w.nodes = nodes;
  return false;
}

function walk(ctx: BinXmlContext, start: number, end: number, w: XmlByteWriter, allRoots: boolean): boolean {
  const b = ctx.buf;
  if (end > b.length) end = b.length;
  let depth = 0;
  /** A start tag is open (attributes may follow), and an attribute value is being written. */
  let inStart = false;
  let inAttr = false;
  let rootDone = false;
  let pos = start;
  while (pos < end) {
    const tok = b[pos++];
    switch (tok & 0xbf) {
      case T_EOF:
        return depth === 0 && (rootDone || allRoots);
      case T_FRAGMENT_HEADER:
        if (pos + 3 > end) return false;
        pos += 3;
        break;
      case T_OPEN_START: {
        if (inStart || (rootDone && !allRoots) || depth >= MAX_ELEMENT_DEPTH || pos + 8 > end) return false;
        const at = pos + 4; // (after the data size)
        const off = rd32(b, at);
        const tag = tagAt(ctx, off);
        pos = nameRefEnd(b, at, off, end);
        if (pos < 0) return false;
        if (tok & T_MORE) pos += 4; // attribute list size
        w.open(tag.name, tag.openPiece(w.openElements, w.pretty));
        open[depth++] = tag;
        inStart = true;
        break;
      }
      case T_ATTRIBUTE: {
        if (!inStart || pos + 4 > end) return false;
        if (inAttr) w.attrEnd();
        const off = rd32(b, pos);
        const tag = tagAt(ctx, off);
        pos = nameRefEnd(b, pos, off, end);
        if (pos < 0) return false;
        w.attrStart(tag.name, tag.attrPrefix);
        inAttr = true;
        break;
      }
      case T_CLOSE_START:
        if (!inStart) return false;
        if (inAttr) w.attrEnd();
        inStart = inAttr = false;
        break;
      case T_CLOSE_EMPTY:
      case T_END_ELEMENT:
        if ((tok & 0xbf) === T_CLOSE_EMPTY ? !inStart : inStart || depth === 0) return false;
        if (inAttr) w.attrEnd();
        inStart = inAttr = false;
        w.close(open[--depth].closeTag);
        if (depth === 0) rootDone = true;
        break;
      case T_VALUE: {
        if (pos + 1 > end) return false;
        const t = b[pos++];
        if (t === VT_STRING || t === VT_ANSI) {
          if (pos + 2 > end) return false;
          const n = rd16(b, pos);
          pos += 2;
          const size = t === VT_STRING ? 2 * n : n;
          if (pos + size > end) return false;
          if (!(t === VT_STRING ? utf16Content(w, b, pos, n, inStart, inAttr, depth) : ansiContent(w, b, pos, n, inStart, inAttr, depth))) return false;
          pos += size;
          break;
        }
        const size = valueTextSize(t);
        if (size < 0 || pos + size > end) return false;
        if (!stringContent(w, renderScalar(b, pos, size, t) ?? '', inStart, inAttr, depth)) return false;
        pos += size;
        break;
      }
      case T_CDATA: {
        if (pos + 2 > end) return false;
        const n = rd16(b, pos);
        pos += 2;
        if (pos + 2 * n > end || !utf16Content(w, b, pos, n, inStart, inAttr, depth)) return false;
        pos += 2 * n;
        break;
      }
      case T_CHARREF: {
        if (pos + 2 > end) return false;
        const c = rd16(b, pos);
        if (isSurrogate(c) || !stringContent(w, String.fromCharCode(c), inStart, inAttr, depth)) return false;
        pos += 2;
        break;
      }
      case T_ENTITYREF: {
        if (pos + 4 > end) return false;
        const off = rd32(b, pos);
        const tag = tagAt(ctx, off);
        pos = nameRefEnd(b, pos, off, end);
        if (pos < 0 || !stringContent(w, entityText(tag.name), inStart, inAttr, depth)) return false;
        break;
      }
      case T_PI_TARGET: {
        // (processing instructions are read, and left out, as the tree path does)
        if (pos + 4 > end) return false;
        const off = rd32(b, pos);
        readName(ctx, off); // (checked as the tree path checks it; no tag is needed)
        pos = nameRefEnd(b, pos, off, end);
        if (pos < 0) return false;
        break;
      }
      case T_PI_DATA:
        if (pos + 2 > end) return false;
        pos += 2 + 2 * rd16(b, pos);
        if (pos > end) return false;
        break;
      default:
        // Template instances, substitutions, unknown tokens.
        return false;
    }
  }
  return depth === 0 && (rootDone || allRoots);
}

/*
 * Content (the functions below): an attribute's value, or text inside an element; outside every
 * element it is dropped, as the tree keeps no text there; inside a start tag before any attribute,
 * the tree path's error. Each returns false to give up.
 */

function utf16Content(w: XmlByteWriter, b: Uint8Array, off: number, n: number, inStart: boolean, inAttr: boolean, depth: number): boolean {
  if (depth === 0) return true;
  if (inStart && !inAttr) return false; // (an empty string too: the tree path's error all the same)
  if (n === 0) return true;
  if (isSurrogate(rd16(b, off)) || isSurrogate(rd16(b, off + 2 * n - 2))) return false;
  if (inAttr) w.utf16(b, off, n, ATTR);
  else w.textUtf16(b, off, n);
  return true;
}

function ansiContent(w: XmlByteWriter, b: Uint8Array, off: number, n: number, inStart: boolean, inAttr: boolean, depth: number): boolean {
  if (depth === 0) return true;
  if (inStart && !inAttr) return false;
  if (inAttr) w.ansi(b, off, n, ATTR);
  else w.textAnsi(b, off, n);
  return true;
}

function stringContent(w: XmlByteWriter, s: string, inStart: boolean, inAttr: boolean, depth: number): boolean {
  if (depth === 0) return true;
  if (inStart && !inAttr) return false;
  if (inAttr) w.utf8(s, ATTR);
  else w.text(s);
  return true;
}
