/**
 * BinXML value types and their rendering, exactly as Windows renders them in event XML.
 * Reads are bounds-checked against [off, off+size) which the caller has checked against the buffer.
 */
import { rd16, rd32 } from '../little-endian';

export const VT_NULL = 0x00;
export const VT_STRING = 0x01;
export const VT_ANSI = 0x02;
export const VT_INT8 = 0x03;
export const VT_UINT8 = 0x04;
export const VT_INT16 = 0x05;
export const VT_UINT16 = 0x06;
export const VT_INT32 = 0x07;
export const VT_UINT32 = 0x08;
export const VT_INT64 = 0x09;
export const VT_UINT64 = 0x0a;
export const VT_REAL32 = 0x0b;
export const VT_REAL64 = 0x0c;
export const VT_BOOL = 0x0d;
export const VT_BINARY = 0x0e;
export const VT_GUID = 0x0f;
export const VT_SIZET = 0x10;
export const VT_FILETIME = 0x11;
export const VT_SYSTIME = 0x12;
export const VT_SID = 0x13;
export const VT_HEX32 = 0x14;
export const VT_HEX64 = 0x15;
export const VT_EVTHANDLE = 0x20;
export const VT_BINXML = 0x21;
export const VT_EVTXML = 0x23;
export const VT_ARRAY = 0x80;

/** A rendered value: one string, or one string per array item. */
export type RenderedValue = string | string[];

const longDecoder = new TextDecoder('utf-16le');

/** Windows-1252 (the default ANSI code page) bytes 0x80..0x9F; the rest map to the same code point. */
export const CP1252_80 = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

function cp1252(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let p = start; p < end; p++) {
    const c = buf[p];
    s += String.fromCharCode(c >= 0x80 && c < 0xa0 ? CP1252_80[c - 0x80] : c);
  }
  return s;
}

type Ucs2Buffer = Uint8Array & { ucs2Slice?: (start: number, end: number) => string };

/**
 * Decode `n` UTF-16LE code units at buf[off..]. Very short strings by hand; longer ones with
 * Node's native UCS-2 slice when `buf` is a Buffer (chunks are), else TextDecoder.
 */
export function utf16(buf: Uint8Array, off: number, n: number): string {
  if (n <= 0) return '';
  if (n <= 6) {
    let s = '';
    for (let i = 0, p = off; i < n; i++, p += 2) s += String.fromCharCode(buf[p] | (buf[p + 1] << 8));
    return s;
  }
  const slice = (buf as Ucs2Buffer).ucs2Slice;
  if (slice !== undefined) return slice.call(buf, off, off + 2 * n);
  return longDecoder.decode(buf.subarray(off, off + 2 * n));
}

/** UTF-16LE string of `size` bytes, cut at the first NUL. */
function utf16Value(buf: Uint8Array, off: number, size: number): string {
  const n = size >>> 1;
  if (n > 6 && (buf as Ucs2Buffer).ucs2Slice !== undefined) {
    // Native decode, then a native search for the terminator.
    const s = utf16(buf, off, n);
    const z = s.indexOf('\0');
    return z < 0 ? s : s.slice(0, z);
  }
  let end = n;
  for (let i = 0, p = off; i < n; i++, p += 2) {
    if (buf[p] === 0 && buf[p + 1] === 0) {
      end = i;
      break;
    }
  }
  return utf16(buf, off, end);
}

function utf16Array(buf: Uint8Array, off: number, size: number): string[] {
  const out: string[] = [];
  const n = size >>> 1;
  let start = 0;
  for (let i = 0, p = off; i < n; i++, p += 2) {
    if (buf[p] === 0 && buf[p + 1] === 0) {
      out.push(utf16(buf, off + 2 * start, i - start));
      start = i + 1;
    }
  }
  if (start < n) out.push(utf16(buf, off + 2 * start, n - start));
  return out;
}

function ansiValue(buf: Uint8Array, off: number, size: number): string {
  let end = off + size;
  for (let p = off; p < off + size; p++)
    if (buf[p] === 0) {
      end = p;
      break;
    }
  return cp1252(buf, off, end);
}

function ansiArray(buf: Uint8Array, off: number, size: number): string[] {
  const out: string[] = [];
  let start = off;
  const end = off + size;
  for (let p = off; p < end; p++)
    if (buf[p] === 0) {
      out.push(cp1252(buf, start, p));
      start = p + 1;
    }
  if (start < end) out.push(cp1252(buf, start, end));
  return out;
}

const HEX = '0123456789ABCDEF';
const HEX_BYTE: string[] = [];
for (let i = 0; i < 256; i++) HEX_BYTE.push(HEX[i >> 4] + HEX[i & 15]);

export function hexUpper(buf: Uint8Array, off: number, size: number): string {
  let s = '';
  for (let i = 0; i < size; i++) s += HEX_BYTE[buf[off + i]];
  return s;
}

export function guidString(b: Uint8Array, o: number): string {
  return (
    '{' +
    HEX_BYTE[b[o + 3]] + HEX_BYTE[b[o + 2]] + HEX_BYTE[b[o + 1]] + HEX_BYTE[b[o]] + '-' +
    HEX_BYTE[b[o + 5]] + HEX_BYTE[b[o + 4]] + '-' +
    HEX_BYTE[b[o + 7]] + HEX_BYTE[b[o + 6]] + '-' +
    HEX_BYTE[b[o + 8]] + HEX_BYTE[b[o + 9]] + '-' +
    HEX_BYTE[b[o + 10]] + HEX_BYTE[b[o + 11]] + HEX_BYTE[b[o + 12]] + HEX_BYTE[b[o + 13]] + HEX_BYTE[b[o + 14]] + HEX_BYTE[b[o + 15]] +
    '}'
  );
}

function hex64(lo: number, hi: number): string {
  return hi === 0 ? '0x' + lo.toString(16) : '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}

function uint64Dec(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * 4294967296 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

function int64Dec(lo: number, hi: number): string {
  if (hi & 0x80000000) {
    const v = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    return v.toString();
  }
  return uint64Dec(lo, hi);
}

const pad2 = (n: number) => (n < 10 ? '0' + n : String(n));

/** FILETIME (100 ns ticks since 1601-01-01 UTC) as ISO 8601 with 7 fractional digits. */
export function filetimeString(lo: number, hi: number): string {
  // ticks = hi * 2^32 + lo exceeds 2^53: split 2^32 = 429 * 1e7 + 4967296 to stay exact.
  let secs: number;
  let frac: number;
  if (hi < 1e9) {
    const rest = hi * 4967296 + lo;
    const q = Math.floor(rest / 1e7);
    secs = hi * 429 + q;
    frac = rest - q * 1e7;
  } else {
    const big = (BigInt(hi) << 32n) | BigInt(lo);
    secs = Number(big / 10000000n);
    frac = Number(big % 10000000n);
  }
  if (secs !== lastSecs) {
    const d = new Date((secs - 11644473600) * 1000);
    if (!Number.isFinite(d.getTime())) return '';
    const y = d.getUTCFullYear();
    const ys = y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : String(y);
    lastPrefix =
      ys + '-' + pad2(d.getUTCMonth() + 1) + '-' + pad2(d.getUTCDate()) + 'T' + pad2(d.getUTCHours()) + ':' +
      pad2(d.getUTCMinutes()) + ':' + pad2(d.getUTCSeconds()) + '.';
    lastSecs = secs;
  }
  return lastPrefix + (frac >= 1000000 ? String(frac) : String(frac).padStart(7, '0')) + 'Z';
}

/** Records of a chunk are close in time: the date part of the last FILETIME is reused. */
let lastSecs = -1;
let lastPrefix = '';

export function filetimeAt(b: Uint8Array, o: number): string {
  return filetimeString(rd32(b, o), rd32(b, o + 4));
}

function systimeAt(b: Uint8Array, o: number): string {
  const y = rd16(b, o);
  return (
    String(y).padStart(4, '0') + '-' + pad2(rd16(b, o + 2)) + '-' + pad2(rd16(b, o + 6)) + 'T' + pad2(rd16(b, o + 8)) + ':' +
    pad2(rd16(b, o + 10)) + ':' + pad2(rd16(b, o + 12)) + '.' + String(rd16(b, o + 14)).padStart(3, '0') + 'Z'
  );
}

/** Bytes of the SID at b[o..o+size) (revision, count, authority, count sub-authorities), or -1 when it does not fit. */
export function sidLength(b: Uint8Array, o: number, size: number): number {
  if (size < 8) return -1;
  const len = 8 + 4 * b[o + 1];
  return len > size ? -1 : len;
}

/** SID at b[o..o+size): S-rev-authority-sub... ; returns [string, byteLength] or null if malformed. */
function sidAt(b: Uint8Array, o: number, size: number): [string, number] | null {
  const len = sidLength(b, o, size);
  if (len < 0) return null;
  const rev = b[o];
  const count = b[o + 1];
  let auth = 0;
  for (let i = 2; i < 8; i++) auth = auth * 256 + b[o + i];
  let s = 'S-' + rev + '-' + (auth >= 2 ** 32 ? '0x' + auth.toString(16).toUpperCase().padStart(12, '0') : String(auth));
  for (let i = 0; i < count; i++) s += '-' + rd32(b, o + 8 + 4 * i);
  return [s, len];
}

function realString(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'INF';
  if (v === -Infinity) return '-INF';
  return String(v);
}

/** Fixed item size of each scalar type, for arrays (0 = variable). */
function itemSize(t: number, size: number): number {
  switch (t) {
    case VT_INT8: case VT_UINT8: return 1;
    case VT_INT16: case VT_UINT16: return 2;
    case VT_INT32: case VT_UINT32: case VT_REAL32: case VT_BOOL: case VT_HEX32: return 4;
    case VT_INT64: case VT_UINT64: case VT_REAL64: case VT_FILETIME: case VT_HEX64: return 8;
    case VT_GUID: case VT_SYSTIME: return 16;
    case VT_SIZET: return size % 8 === 0 ? 8 : 4;
    default: return 0;
  }
}

/** Render one scalar of type `t` at b[o..o+size). Returns null when the value is malformed (wrong size). */
export function renderScalar(b: Uint8Array, o: number, size: number, t: number): string | null {
  switch (t) {
    case VT_NULL: return '';
    case VT_STRING: return utf16Value(b, o, size);
    case VT_ANSI: return ansiValue(b, o, size);
    case VT_INT8: return size >= 1 ? String((b[o] << 24) >> 24) : null;
    case VT_UINT8: return size >= 1 ? String(b[o]) : null;
    case VT_INT16: return size >= 2 ? String((rd16(b, o) << 16) >> 16) : null;
    case VT_UINT16: return size >= 2 ? String(rd16(b, o)) : null;
    case VT_INT32: return size >= 4 ? String(rd32(b, o) | 0) : null;
    case VT_UINT32: return size >= 4 ? String(rd32(b, o)) : null;
    case VT_INT64: return size >= 8 ? int64Dec(rd32(b, o), rd32(b, o + 4)) : null;
    case VT_UINT64: return size >= 8 ? uint64Dec(rd32(b, o), rd32(b, o + 4)) : null;
    case VT_REAL32: return size >= 4 ? realString(new DataView(b.buffer, b.byteOffset + o, 4).getFloat32(0, true)) : null;
    case VT_REAL64: return size >= 8 ? realString(new DataView(b.buffer, b.byteOffset + o, 8).getFloat64(0, true)) : null;
    case VT_BOOL: {
      if (size >= 4) return rd32(b, o) !== 0 ? 'true' : 'false';
      if (size >= 1) return b[o] !== 0 ? 'true' : 'false';
      return null;
    }
    case VT_BINARY: return hexUpper(b, o, size);
    case VT_GUID: return size >= 16 ? guidString(b, o) : null;
    case VT_SIZET:
      // Windows renders pointers (size_t) as unpadded hex, like HexInt64.
      if (size === 4) return '0x' + rd32(b, o).toString(16);
      if (size === 8) return hex64(rd32(b, o), rd32(b, o + 4));
      return null;
    case VT_FILETIME: return size >= 8 ? filetimeAt(b, o) : null;
    case VT_SYSTIME: return size >= 16 ? systimeAt(b, o) : null;
    case VT_SID: {
      const r = sidAt(b, o, size);
      return r ? r[0] : null;
    }
    case VT_HEX32: return size >= 4 ? '0x' + rd32(b, o).toString(16) : null;
    case VT_HEX64: return size >= 8 ? hex64(rd32(b, o), rd32(b, o + 4)) : null;
    case VT_EVTHANDLE:
      if (size === 4) return String(rd32(b, o));
      if (size === 8) return uint64Dec(rd32(b, o), rd32(b, o + 4));
      return hexUpper(b, o, size);
    case VT_EVTXML: return utf16Value(b, o, size);
    default: return null;
  }
}

/**
 * Whether renderScalar would render this scalar (true) or call it malformed (false), without
 * rendering it: the XML renderer checks values when it reads them and renders them where they go.
 */
/**
 * Per type (index: the type byte), a size from which a scalar is surely well formed: what
 * scalarWellFormed checks, for a table lookup first (most values pass on it, a hundred thousand
 * a corpus reading); 0x10000 (no size) for the types it checks otherwise or rejects.
 */
export const SCALAR_SURE_SIZE: Int32Array = (() => {
  const t = new Int32Array(256).fill(0x10000);
  for (const v of [VT_NULL, VT_STRING, VT_ANSI, VT_BINARY, VT_EVTHANDLE, VT_EVTXML]) t[v] = 0;
  for (const v of [VT_INT8, VT_UINT8, VT_BOOL]) t[v] = 1;
  for (const v of [VT_INT16, VT_UINT16]) t[v] = 2;
  for (const v of [VT_INT32, VT_UINT32, VT_REAL32, VT_HEX32]) t[v] = 4;
  for (const v of [VT_INT64, VT_UINT64, VT_REAL64, VT_FILETIME, VT_HEX64]) t[v] = 8;
  for (const v of [VT_GUID, VT_SYSTIME]) t[v] = 16;
  return t;
})();

export function scalarWellFormed(b: Uint8Array, o: number, size: number, t: number): boolean {
  switch (t) {
    case VT_NULL: case VT_STRING: case VT_ANSI: case VT_BINARY: case VT_EVTHANDLE: case VT_EVTXML: return true;
    case VT_INT8: case VT_UINT8: case VT_BOOL: return size >= 1;
    case VT_INT16: case VT_UINT16: return size >= 2;
    case VT_INT32: case VT_UINT32: case VT_REAL32: case VT_HEX32: return size >= 4;
    case VT_INT64: case VT_UINT64: case VT_REAL64: case VT_FILETIME: case VT_HEX64: return size >= 8;
    case VT_GUID: case VT_SYSTIME: return size >= 16;
    case VT_SIZET: return size === 4 || size === 8;
    case VT_SID: return sidLength(b, o, size) >= 0;
    default: return false;
  }
}

/**
 * Render a substitution value (scalar or array, not BinXML) at b[o..o+size).
 * Arrays give one string per item. Returns null when malformed or of unknown type.
 */
export function renderValue(b: Uint8Array, o: number, size: number, type: number): RenderedValue | null {
  if ((type & VT_ARRAY) === 0) return renderScalar(b, o, size, type);
  const t = type & 0x7f;
  if (t === VT_STRING) return utf16Array(b, o, size);
  if (t === VT_ANSI) return ansiArray(b, o, size);
  if (t === VT_SID) {
    const out: string[] = [];
    let p = o;
    const end = o + size;
    while (p < end) {
      const r = sidAt(b, p, end - p);
      if (!r) return null;
      out.push(r[0]);
      p += r[1];
    }
    return out;
  }
  const is = itemSize(t, size);
  if (is === 0) return null;
  const out: string[] = [];
  const n = Math.floor(size / is);
  for (let i = 0; i < n; i++) {
    const v = renderScalar(b, o + i * is, is, t);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}
