/**
 * The commonest values written straight into the XML writer, as ASCII bytes: unsigned integers,
 * hex, binary, GUIDs, FILETIMEs and SIDs without building their strings first; signed integers through
 * values.ts. The output is, byte for byte, what binxml/values.ts renders (a test checks it on
 * random values); every other type, and any value outside the ranges handled here, goes through
 * values.ts.
 */
import {
  renderScalar, VT_BINARY, VT_FILETIME, VT_GUID, VT_SID, VT_HEX32, VT_HEX64, VT_INT16, VT_INT32, VT_INT8, VT_SIZET, VT_UINT16, VT_UINT32,
  VT_UINT64, VT_UINT8,
} from '../binxml/values';
import type { XmlByteWriter } from './xml-writer';
import { rd16, rd32 } from '../little-endian';

/**
 * Digits are written two at a time, one 16-bit store each: a byte's two hex digits (upper and
 * lower case), a number below 100's two decimal digits, as the little-endian value that stores them.
 */
function digitPairs(digits: string, count: number): Uint16Array {
  const base = digits.length;
  return Uint16Array.from({ length: count }, (_, v) => digits.charCodeAt(Math.floor(v / base)) | (digits.charCodeAt(v % base) << 8));
}
const HEX_UPPER = digitPairs('0123456789ABCDEF', 256);
const HEX_LOWER = digitPairs('0123456789abcdef', 256);
const DECIMAL = digitPairs('0123456789', 100);
const LOWER = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** Lower-case hex of `v` (< 2^32) without leading zeros, or padded to 8 digits. */
function hex32(w: XmlByteWriter, v: number, pad: boolean): void {
  const digits = pad ? 8 : v === 0 ? 1 : (35 - Math.clz32(v)) >>> 2;
  w.reserve(digits);
  const out = w.words;
  let p = w.len + digits;
  w.len = p;
  for (let i = digits; i >= 2; i -= 2) {
    p -= 2;
    out.setUint16(p, HEX_LOWER[v & 0xff], true);
    v >>>= 8;
  }
  if (p > w.len - digits) out.setUint8(p - 1, LOWER[v & 15]);
}

function hex64(w: XmlByteWriter, lo: number, hi: number): void {
  w.byte2(0x30, 0x78); // 0x
  if (hi === 0) hex32(w, lo, false);
  else {
    hex32(w, hi, false);
    hex32(w, lo, true);
  }
}

/** How many decimal digits `v` (0 <= v < 2^32) has. */
function decimalDigits(v: number): number {
  if (v < 100000) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  return v < 10000000 ? (v < 1000000 ? 6 : 7) : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

/** Decimal digits of `v` (0 <= v < 2^32). */
function decimal(w: XmlByteWriter, v: number): void {
  const digits = decimalDigits(v);
  w.reserve(digits);
  const out = w.words;
  let p = w.len + digits;
  w.len = p;
  while (v >= 100) {
    const q = (v / 100) >>> 0;
    p -= 2;
    out.setUint16(p, DECIMAL[v - 100 * q], true);
    v = q;
  }
  if (v >= 10) out.setUint16(p - 2, DECIMAL[v], true);
  else out.setUint8(p - 1, 0x30 + v);
}

/** A SID (checked well-formed) as S-revision-authority-sub…; false for authorities of 2^32 and over (written in hex by values.ts). */
function sid(w: XmlByteWriter, b: Uint8Array, o: number): boolean {
  if (b[o + 2] !== 0 || b[o + 3] !== 0) return false;
  const auth = ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0; // big-endian
  w.byte2(0x53, 0x2d); // S-
  decimal(w, b[o]);
  w.byte(0x2d);
  decimal(w, auth);
  const count = b[o + 1];
  for (let i = 0; i < count; i++) {
    w.byte(0x2d);
    decimal(w, rd32(b, o + 8 + 4 * i));
  }
  return true;
}

/** Binary as upper-case hex, two digits a byte (`size` > 0). */
function binary(w: XmlByteWriter, b: Uint8Array, o: number, size: number): void {
  w.reserve(2 * size);
  const out = w.words;
  let p = w.len;
  for (let i = 0; i < size; i++, p += 2) out.setUint16(p, HEX_UPPER[b[o + i]], true);
  w.len = p;
}

/** GUID bytes in the order they print: Data1, Data2, Data3 little-endian, then Data4 as stored. */
const GUID_ORDER = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];

function guid(w: XmlByteWriter, b: Uint8Array, o: number): void {
  w.reserve(38);
  const out = w.words;
  let p = w.len;
  out.setUint8(p++, 0x7b); // {
  for (let k = 0; k < GUID_ORDER.length; k++) {
    const i = GUID_ORDER[k];
    if (i < 0) out.setUint8(p++, 0x2d); // -
    else {
      out.setUint16(p, HEX_UPPER[b[o + i]], true);
      p += 2;
    }
  }
  out.setUint8(p++, 0x7d); // }
  w.len = p;
}

/** The date and time part (`YYYY-MM-DDTHH:MM:SS.`) of the last second written, reused while records stay in it. */
let lastSecs = -1;
const prefix = new Uint8Array(20);
const prefixWords = new DataView(prefix.buffer);

/** Seconds from 1601-01-01 to 1970-01-01, and the days of 400 years. */
const EPOCH_1601 = 11644473600;

function two(out: Uint8Array, p: number, v: number): void {
  out[p] = 0x30 + Math.floor(v / 10);
  out[p + 1] = 0x30 + (v % 10);
}

/** FILETIME as values.ts's filetimeString: ISO 8601 with 7 fractional digits. False when out of the range handled here. */
function filetime(w: XmlByteWriter, lo: number, hi: number): boolean {
  // 100 ns ticks = hi * 2^32 + lo; years 1601..9999 keep hi well under 2^22.
  if (hi >= 0x24c85a5e) return false; // ~ year 9999
  const rest = hi * 4967296 + lo;
  const q = Math.floor(rest / 1e7);
  const secs = hi * 429 + q;
  const frac = rest - q * 1e7;
  if (secs !== lastSecs) {
    // Civil date from days since 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
    const unix = secs - EPOCH_1601;
    const days = Math.floor(unix / 86400);
    const sod = unix - days * 86400;
    const z = days + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    if (y < 1601 || y > 9999) return false;
    two(prefix, 0, Math.floor(y / 100));
    two(prefix, 2, y % 100);
    prefix[4] = 0x2d;
    two(prefix, 5, m);
    prefix[7] = 0x2d;
    two(prefix, 8, d);
    prefix[10] = 0x54; // T
    two(prefix, 11, Math.floor(sod / 3600));
    prefix[13] = 0x3a;
    two(prefix, 14, Math.floor((sod % 3600) / 60));
    prefix[16] = 0x3a;
    two(prefix, 17, sod % 60);
    prefix[19] = 0x2e; // .
    lastSecs = secs;
  }
  w.reserve(28);
  const out = w.words;
  const p = w.len;
  for (let i = 0; i < 20; i += 4) out.setUint32(p + i, prefixWords.getUint32(i, true), true);
  // 7 digits: three pairs from the end, then one (ints: digit arithmetic on doubles is several times slower).
  let f = frac | 0;
  for (let i = 25; i >= 21; i -= 2) {
    const q = (f / 100) | 0;
    out.setUint16(p + i, DECIMAL[f - 100 * q], true);
    f = q;
  }
  out.setUint8(p + 20, 0x30 + f);
  out.setUint8(p + 27, 0x5a); // Z
  w.len = p + 28;
  return true;
}

/**
 * Write the scalar of type `t` at b[o, o+size) (checked well-formed) as values.ts renders it.
 * Returns false, having written nothing, for types and values this module leaves to values.ts.
 * Nothing written here is empty or needs escaping.
 */
export function writeScalarBytes(w: XmlByteWriter, b: Uint8Array, o: number, size: number, t: number): boolean {
  switch (t) {
    case VT_UINT8:
      decimal(w, b[o]);
      return true;
    case VT_UINT16:
      decimal(w, rd16(b, o));
      return true;
    case VT_UINT32:
      decimal(w, rd32(b, o));
      return true;
    case VT_UINT64:
      if (rd32(b, o + 4) === 0) decimal(w, rd32(b, o));
      else w.ascii(renderScalar(b, o, size, t)!);
      return true;
    case VT_INT8: case VT_INT16: case VT_INT32:
      w.ascii(renderScalar(b, o, size, t)!);
      return true;
    case VT_HEX32:
      w.byte2(0x30, 0x78);
      hex32(w, rd32(b, o), false);
      return true;
    case VT_HEX64:
      hex64(w, rd32(b, o), rd32(b, o + 4));
      return true;
    case VT_SIZET:
      if (size === 4) {
        w.byte2(0x30, 0x78);
        hex32(w, rd32(b, o), false);
      } else hex64(w, rd32(b, o), rd32(b, o + 4));
      return true;
    case VT_GUID:
      guid(w, b, o);
      return true;
    case VT_FILETIME:
      return filetime(w, rd32(b, o), rd32(b, o + 4));
    case VT_SID:
      return sid(w, b, o);
    case VT_BINARY:
      if (size === 0) return false; // (renders empty)
      binary(w, b, o, size);
      return true;
    default:
      return false;
  }
}
