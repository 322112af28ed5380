/**
 * Recovery of records from damaged chunks and slack space: scan for the record signature,
 * keep candidates whose size and trailing size copy agree and whose BinXML starts with a fragment header.
 */
import { hasRecordSignature, readRecordHeader, type RecordHeader } from './record';

/** A carved candidate must also start its BinXML with a fragment header (0x0f 01 01 00), as every record does. */
function plausible(b: Uint8Array, h: RecordHeader): boolean {
  const p = h.pos + 24;
  return b[p] === 0x0f && b[p + 1] === 0x01 && b[p + 2] === 0x01 && b[p + 3] === 0x00;
}

/** Chunk-relative positions of plausible records in b[from, to), in order, non-overlapping. */
export function carveRecordHeaders(b: Uint8Array, from: number, to: number): RecordHeader[] {
  const out: RecordHeader[] = [];
  if (to > b.length) to = b.length;
  let pos = Math.max(0, from);
  while (pos + 4 <= to) {
    const i = b.indexOf(0x2a, pos);
    if (i < 0 || i + 4 > to) break;
    if (hasRecordSignature(b, i)) {
      const h = readRecordHeader(b, i, to);
      if (typeof h !== 'string' && plausible(b, h)) {
        out.push(h);
        pos = i + h.size;
        continue;
      }
    }
    pos = i + 1;
  }
  return out;
}

/** Next position >= from in b[from, to) holding a plausible record; -1 if none. */
export function findNextRecord(b: Uint8Array, from: number, to: number): number {
  const hs = carveNext(b, from, to);
  return hs ? hs.pos : -1;
}

function carveNext(b: Uint8Array, from: number, to: number): RecordHeader | null {
  let pos = from;
  while (pos + 4 <= to) {
    const i = b.indexOf(0x2a, pos);
    if (i < 0 || i + 4 > to) return null;
    if (hasRecordSignature(b, i)) {
      const h = readRecordHeader(b, i, to);
      if (typeof h !== 'string' && plausible(b, h)) return h;
    }
    pos = i + 1;
  }
  return null;
}
