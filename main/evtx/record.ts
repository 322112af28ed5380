/**
 * One event record inside a chunk:
 *   0 signature "\x2a\x2a\x00\x00"   4 size (u32)   8 record id (u64)   16 written time (FILETIME,
 *   not read: TimeCreated in the record says the same, and is what every output uses)
 *   24 BinXML ...                     size-4 copy of the size
 */
import type { XmlElement } from '../../shared/model/event-xml';
import { buildRecord, BinXmlError, type BinXmlContext } from './binxml/builder';
import { writeRecordXml } from './serialize/record-xml';
import { firstFiletime, instanceValueSpan, sameFragment } from './binxml/templates';
import type { XmlByteWriter } from './serialize/xml-writer';
import { rd32 } from './little-endian';

export const RECORD_HEADER_SIZE = 24;
export const MIN_RECORD_SIZE = 28;

export interface RecordHeader {
  /** Chunk-relative position of the record. */
  pos: number;
  size: number;
  recordId: number;
}

export interface ParsedRecord extends RecordHeader {
  /** The <Event> tree, or null when the BinXML could not be read. */
  tree: XmlElement | null;
  /** Why the record could not be read (null when it was). */
  error: string | null;
}

export function hasRecordSignature(b: Uint8Array, pos: number): boolean {
  return b[pos] === 0x2a && b[pos + 1] === 0x2a && b[pos + 2] === 0 && b[pos + 3] === 0;
}

/**
 * Read and check a record header at `pos` (record must end by `limit`).
 * Returns the header, or a string saying why there is no valid record there.
 */
export function readRecordHeader(b: Uint8Array, pos: number, limit: number): RecordHeader | string {
  if (pos + RECORD_HEADER_SIZE > limit) return 'truncated record header';
  if (!hasRecordSignature(b, pos)) return 'bad record signature';
  const size = rd32(b, pos + 4);
  if (size < MIN_RECORD_SIZE) return `record size ${size} too small`;
  if (size > limit - pos) return `record size ${size} overruns the chunk`;
  const copy = rd32(b, pos + size - 4);
  if (copy !== size) return `record size ${size} does not match its trailing copy ${copy}`;
  const lo = rd32(b, pos + 8);
  const hi = rd32(b, pos + 12);
  return { pos, size, recordId: hi * 4294967296 + lo };
}

/** The BinXML of the record `h` in `b`: [start, end). */
export function recordBody(h: RecordHeader): { start: number; end: number } {
  return { start: h.pos + RECORD_HEADER_SIZE, end: h.pos + h.size - 4 };
}

/** A lookup key for the event of the record `h` (its time: binxml/templates.ts, firstFiletime), or -1. */
export function eventKey(b: Uint8Array, h: RecordHeader): number {
  const { start, end } = recordBody(h);
  const v = instanceValueSpan(b, start, end);
  return v === null ? -1 : firstFiletime(b, v.start, v.end);
}

/** Whether the records `x` of `a` and `y` of `b` hold the same event, whatever their headers say (binxml/templates.ts, sameFragment). */
export function sameEvent(a: Uint8Array, x: RecordHeader, b: Uint8Array, y: RecordHeader): boolean {
  const p = recordBody(x);
  const q = recordBody(y);
  return sameFragment(a, p.start, p.end, b, q.start, q.end);
}

function bodyError(e: unknown): string {
  if (e instanceof BinXmlError) return `BinXML: ${e.message} at chunk offset 0x${e.offset.toString(16)}`;
  return `BinXML: ${e instanceof Error ? e.message : String(e)}`;
}

/** Build the record's event tree from its BinXML. Never throws for malformed content. */
export function parseRecordBody(ctx: BinXmlContext, h: RecordHeader): ParsedRecord {
  let tree: XmlElement | null = null;
  let error: string | null = null;
  try {
    tree = buildRecord(ctx, h.pos + RECORD_HEADER_SIZE, h.pos + h.size - 4);
  } catch (e) {
    error = bodyError(e);
  }
  return { pos: h.pos, size: h.size, recordId: h.recordId, tree, error };
}

/**
 * Write the record's XML and a newline into `w` (nothing when it fails: the writer is taken
 * back). Returns why the record could not be read, or null. Never throws for malformed content.
 */
export function writeRecordBodyXml(ctx: BinXmlContext, h: RecordHeader, w: XmlByteWriter): string | null {
  const mark = w.len;
  try {
    const unusable = writeRecordXml(ctx, h.pos + RECORD_HEADER_SIZE, h.pos + h.size - 4, w);
    if (unusable !== null) {
      w.truncate(mark);
      return bodyError(unusable);
    }
    w.byte(0x0a);
    return null;
  } catch (e) {
    w.truncate(mark);
    return bodyError(e);
  }
}
