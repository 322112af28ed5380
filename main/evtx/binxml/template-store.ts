/**
 * Compiled template definitions shared across chunks and files. Every chunk carries its own copy
 * of each template its records use, so a file of a thousand chunks holds the same Security or
 * Sysmon templates a thousand times; parsing each copy was a sixth of the time of `dump`.
 *
 * A copy is recognised by its bytes, never by its GUID alone (the evidence is hostile): a stored
 * definition matches when its GUID, size and token bytes are equal, and every name it names is
 * the same name. Names are the one part of a definition that depends on its chunk: a name field
 * holds the chunk offset of the name, which is either right there (the name written inline, at
 * its first use in the chunk) or earlier in the chunk. So the fields themselves are not compared;
 * each must be inline where the stored copy's was, and a name elsewhere in the chunk must hold
 * the same characters and hash, in bounds (what the parser's readName checks). A definition
 * passing this check parses exactly as the stored one did, so its compiled template is shared as
 * it is (templates are read-only).
 *
 * Definitions that fail are kept too: slack holds damaged definitions by the hundred, copied from
 * chunk to chunk like the rest (483 were parsed again in a corpus reading, 21 now). One that reads
 * to its end without an element is kept whole, as above. One that fails at a name (overwritten
 * since, the usual damage) is kept up to that name's field: a copy whose bytes up to there and
 * whose earlier names are the same parses the same way up to that field, so it fails there too
 * exactly when that name fails to read in its own chunk; the name is read (and its error given)
 * there, each time. Other failures are not kept.
 */
import { rd16, rd32, viewOf } from '../little-endian';
import { nameError, readName, type BinXmlContext, type BinXmlError } from './tokens';

/** A definition kept, with what it compiles to (`value`: templates.ts's CompiledTemplate, opaque here). */
class StoredDefinition<T> {
  constructor(
    /** Its data size (the key's other half). */
    readonly size: number,
    /**
     * The definition from its GUID to the end of its tokens (header offset + 4 onward); for one
     * failing at a name, up to that name's field.
     */
    readonly bytes: Uint8Array,
    /** Name fields: positions relative to the header, whether the name is inline, and the name. */
    readonly fields: Int32Array,
    readonly inline: Uint8Array,
    readonly names: string[],
    /** Each name's stored hash (it passed readName's check). */
    readonly hashes: Uint16Array,
    /** What it compiles to; null: it fails at the name of its last field (see the module comment). */
    readonly value: T | null,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The bytes, for matches to compare four at a time. */
  readonly view: DataView;
}

/** Bounds: hostile files can hold any number of distinct definitions, each up to a chunk long. */
const MAX_DEFINITIONS = 4096;
const MAX_BYTES = 16 << 20;
const MAX_PER_KEY = 8;

export class TemplateStore<T> {
  private byKey = new Map<number, Array<StoredDefinition<T>>>();
  private count = 0;
  private bytes = 0;

  /** Lookup key: the GUID and the size. */
  private static key(b: Uint8Array, off: number): number {
    return (rd32(b, off + 4) ^ Math.imul(rd32(b, off + 8), 31) ^ Math.imul(rd32(b, off + 12), 961) ^ Math.imul(rd32(b, off + 16), 29791) ^ rd32(b, off + 20)) >>> 0;
  }

  /**
   * The stored compilation of the definition whose header is at chunk offset `off` (its data
   * checked to lie in the chunk), if one matches; for a copy of one that fails at a name, the
   * error that name gives here.
   */
  find(ctx: BinXmlContext, off: number, size: number): T | BinXmlError | undefined {
    const list = this.byKey.get(TemplateStore.key(ctx.buf, off));
    if (list === undefined) return undefined;
    for (const d of list) {
      if (d.size !== size || !matches(ctx, off, d)) continue;
      if (d.value !== null) return d.value;
      const failure = nameFailure(ctx, off + d.fields[d.fields.length - 1]);
      if (failure !== null) return failure;
    }
    return undefined;
  }

  /** Keep the compilation of the definition at `off`, whose name fields are at the chunk offsets `nameFields`. */
  add(ctx: BinXmlContext, off: number, size: number, nameFields: number[], value: T): void {
    this.keep(ctx, off, size, nameFields, 20 + size, value);
  }

  /** Keep the definition at `off` if it failed at the name of the last of `nameFields` (the name fields read before it failed). */
  addNameFailure(ctx: BinXmlContext, off: number, size: number, nameFields: number[]): void {
    const last = nameFields[nameFields.length - 1];
    if (last !== undefined && nameFailure(ctx, last) !== null) this.keep(ctx, off, size, nameFields, last - off - 4, null);
  }

  /** Keep the first `length` bytes of the definition at `off` (from its GUID on). */
  private keep(ctx: BinXmlContext, off: number, size: number, nameFields: number[], length: number, value: T | null): void {
    if (length > MAX_BYTES) return;
    if (this.count >= MAX_DEFINITIONS || this.bytes + length > MAX_BYTES) {
      this.byKey.clear();
      this.count = 0;
      this.bytes = 0;
    }
    const b = ctx.buf;
    const n = nameFields.length;
    const fields = new Int32Array(n);
    const inline = new Uint8Array(n);
    const names: string[] = [];
    const hashes = new Uint16Array(n);
    for (let k = 0; k < n; k++) {
      const at = nameFields[k];
      const target = rd32(b, at);
      fields[k] = at - off;
      inline[k] = target === at + 4 ? 1 : 0;
      if (value === null && k === n - 1) break; // (the name that fails)
      names.push(readName(ctx, target)); // (read by the parse just now: cached)
      hashes[k] = rd16(b, target + 4);
    }
    // A copy (Buffer's slice is a view): the chunk's buffer is reused for the next chunks read.
    const d = new StoredDefinition(size, Uint8Array.prototype.slice.call(b, off + 4, off + 4 + length), fields, inline, names, hashes, value);
    const key = TemplateStore.key(b, off);
    const list = this.byKey.get(key);
    if (list === undefined) this.byKey.set(key, [d]);
    else if (list.length < MAX_PER_KEY) list.push(d);
    else list[list.length - 1] = d;
    this.count++;
    this.bytes += d.bytes.length;
  }
}

/**
 * Whether the name stored at chunk offset `at` is `name`, and reads as readName reads it (in
 * bounds, with the stored hash `hash` that `name` passed): compared in place, without decoding.
 */
function sameName(b: Uint8Array, at: number, name: string, hash: number): boolean {
  const n = name.length;
  if (at + 8 + 2 * n > b.length) return false;
  if (rd16(b, at + 4) !== hash || rd16(b, at + 6) !== n) return false;
  for (let i = 0, q = at + 8; i < n; i++, q += 2) if (rd16(b, q) !== name.charCodeAt(i)) return false;
  return true;
}

/** The error the name whose field is at chunk offset `at` fails to read with (as readName would), or null when it reads. */
function nameFailure(ctx: BinXmlContext, at: number): BinXmlError | null {
  const off = rd32(ctx.buf, at);
  return ctx.strings.has(off) ? null : nameError(ctx.buf, off);
}

/**
 * Whether the definition at `off` is a copy of `d` (see the module comment); for one failing at a
 * name, up to that name's field, whose name is then read by the caller.
 */
function matches<T>(ctx: BinXmlContext, off: number, d: StoredDefinition<T>): boolean {
  const b = ctx.buf;
  const s = d.bytes;
  const fields = d.fields;
  const bv = viewOf(b);
  // Token bytes, skipping each name field and an inline name's link to the next name in the chunk
  // (both chunk offsets): s[i] is the byte at off + 4 + i.
  let p = 4;
  for (let k = 0; k <= fields.length; k++) {
    const stop = k < fields.length ? fields[k] : s.length + 4;
    if (!sameBytes(bv, off + p, d.view, p - 4, stop - p)) return false;
    p = stop;
    if (k === fields.length) break;
    const at = off + stop;
    const target = rd32(b, at);
    const isInline = target === at + 4;
    if (isInline !== (d.inline[k] === 1)) return false;
    if (d.value === null && k === fields.length - 1) return true;
    if (isInline) p = stop + 8;
    else {
      p = stop + 4;
      if (!sameName(b, target, d.names[k], d.hashes[k])) return false;
    }
  }
  return true;
}

/** Whether `n` bytes at `ap` in `a` equal those at `bp` in `b`, four at a time. */
function sameBytes(a: DataView, ap: number, b: DataView, bp: number, n: number): boolean {
  let i = 0;
  for (; i + 4 <= n; i += 4) if (a.getInt32(ap + i, true) !== b.getInt32(bp + i, true)) return false;
  for (; i < n; i++) if (a.getUint8(ap + i) !== b.getUint8(bp + i)) return false;
  return true;
}
