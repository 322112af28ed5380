/**
 * EVTX chunk (64 KiB): header, per-chunk string and template caches keyed by chunk offset,
 * and the walk over its records. Layout of the 512-byte chunk header:
 *   0 "ElfChnk\0"   8 first record number   16 last record number   24 first record id
 *   32 last record id   40 header size (128)   44 last record offset   48 free space offset
 *   52 records CRC32 (bytes 512..free space)   120 flags   124 header CRC32 (0..120 + 128..512)
 *   128 string offset table (64 x u32)   384 template offset table (32 x u32)   512 records
 * Chunks are independent: everything a record refers to lives in its own chunk.
 */
import { crc32 } from './crc32';
import { carveRecordHeaders, findNextRecord } from './carve';
import { hasRecordSignature, parseRecordBody, readRecordHeader, writeRecordBodyXml, type RecordHeader } from './record';
import type { XmlByteWriter } from './serialize/xml-writer';
import { chunkContext, type BinXmlContext } from './binxml/tokens';
import type { XmlElement } from '../../shared/model/event-xml';
import { rd32, rd64 } from './little-endian';

export const CHUNK_SIZE = 65536;
export const CHUNK_HEADER_SIZE = 512;
const CHUNK_MAGIC = [0x45, 0x6c, 0x66, 0x43, 0x68, 0x6e, 0x6b, 0x00]; // "ElfChnk\0"

export interface ChunkHeader {
  firstRecordNumber: number;
  lastRecordNumber: number;
  firstRecordId: number;
  lastRecordId: number;
  headerSize: number;
  lastRecordOffset: number;
  freeSpaceOffset: number;
  recordsCrc: number;
  flags: number;
  headerCrc: number;
}

export interface Chunk {
  /** File offset of the chunk. */
  fileOffset: number;
  /** Index of the chunk in the file (0-based). */
  index: number;
  buf: Uint8Array;
  header: ChunkHeader | null;
  magicOk: boolean;
  headerCrcOk: boolean;
  recordsCrcOk: boolean;
  /** Header unusable (bad magic or impossible values): records are found by scanning and flagged recovered. */
  damaged: boolean;
  /** True when the chunk holds nothing at all (all zero), as in preallocated space. */
  empty: boolean;
  /** Chunk-level problems, for the file's error list. */
  warnings: string[];
  /** String cache (names by offset) and template cache (compiled definitions by offset). */
  ctx: BinXmlContext;
}

/** One record as read from a chunk: imported (error null; tree set unless written as XML) or rejected (error set). */
export interface ChunkRecord {
  /** File offset of the record. */
  offset: number;
  recordId: number | undefined;
  recovered: boolean;
  tree: XmlElement | null;
  error: string | null;
}

export function hasChunkMagic(b: Uint8Array, off = 0): boolean {
  if (off + 8 > b.length) return false;
  for (let i = 0; i < 8; i++) if (b[off + i] !== CHUNK_MAGIC[i]) return false;
  return true;
}

const ZERO = new Uint8Array(CHUNK_SIZE);

function isAllZero(b: Uint8Array): boolean {
  // Native comparison (memcmp) against a zero chunk.
  return Buffer.from(b.buffer, b.byteOffset, b.length).equals(ZERO.subarray(0, b.length));
}

/** Parse a chunk's header and check its CRCs. `buf` is the chunk's bytes (shorter when the file is truncated). */
export function parseChunk(bytes: Uint8Array, fileOffset: number, index: number, typed = false): Chunk {
  // A Buffer view (no copy): same bytes, plus Node's native UTF-16 decoding for the string values.
  const buf: Uint8Array = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const ctx = chunkContext(buf, typed);
  const c: Chunk = {
    fileOffset, index, buf, header: null, magicOk: false, headerCrcOk: false, recordsCrcOk: false,
    damaged: true, empty: false, warnings: [], ctx,
  };
  const where = `chunk ${index} at offset ${fileOffset}`;
  c.magicOk = hasChunkMagic(buf);
  if (!c.magicOk) {
    c.empty = isAllZero(buf);
    if (!c.empty) c.warnings.push(`${where}: bad chunk signature; records recovered by scanning`);
    return c;
  }
  if (buf.length < CHUNK_HEADER_SIZE) {
    c.warnings.push(`${where}: truncated chunk header (${buf.length} bytes)`);
    return c;
  }
  const h: ChunkHeader = {
    firstRecordNumber: rd64(buf, 8),
    lastRecordNumber: rd64(buf, 16),
    firstRecordId: rd64(buf, 24),
    lastRecordId: rd64(buf, 32),
    headerSize: rd32(buf, 40),
    lastRecordOffset: rd32(buf, 44),
    freeSpaceOffset: rd32(buf, 48),
    recordsCrc: rd32(buf, 52),
    flags: rd32(buf, 120),
    headerCrc: rd32(buf, 124),
  };
  c.header = h;
  c.headerCrcOk = crc32(buf, 128, CHUNK_HEADER_SIZE, crc32(buf, 0, 120)) === h.headerCrc;
  const sane =
    h.headerSize === 128 &&
    h.freeSpaceOffset >= CHUNK_HEADER_SIZE &&
    h.freeSpaceOffset <= CHUNK_SIZE &&
    (h.lastRecordOffset === 0 || (h.lastRecordOffset >= CHUNK_HEADER_SIZE && h.lastRecordOffset < h.freeSpaceOffset));
  c.damaged = !sane;
  if (!sane) {
    c.warnings.push(`${where}: implausible chunk header; records recovered by scanning`);
    return c;
  }
  if (!c.headerCrcOk) c.warnings.push(`${where}: chunk header CRC mismatch`);
  if (h.freeSpaceOffset <= buf.length) {
    c.recordsCrcOk = crc32(buf, CHUNK_HEADER_SIZE, h.freeSpaceOffset) === h.recordsCrc;
    if (!c.recordsCrcOk) c.warnings.push(`${where}: records CRC mismatch`);
  } else c.warnings.push(`${where}: chunk truncated at ${buf.length} bytes`);
  return c;
}

/**
 * Every record of the chunk, in order, to `emit`: the allocated records (walked from the header),
 * then records recovered from slack after the free-space offset; for a damaged chunk, every record
 * found by scanning (flagged recovered). With `xml`, records are written there as XML (one per
 * line) instead of built into trees. Never throws for malformed content.
 */
export function readChunkRecords(c: Chunk, emit: (r: ChunkRecord) => void, xml?: XmlByteWriter): void {
  const b = c.buf;
  const one = (h: RecordHeader, recovered: boolean) => {
    let tree: XmlElement | null = null;
    let err: string | null;
    if (xml === undefined) {
      const p = parseRecordBody(c.ctx, h);
      tree = p.tree;
      err = p.error;
    } else err = writeRecordBodyXml(c.ctx, h, xml);
    const error = err !== null && recovered ? `record recovered from ${c.damaged ? 'a damaged chunk' : 'chunk slack'} is unreadable: ${err}` : err;
    emit({ offset: c.fileOffset + h.pos, recordId: h.recordId, recovered, tree, error });
  };
  if (c.damaged) {
    for (const h of carveRecordHeaders(b, 0, b.length)) one(h, true);
    return;
  }
  const h = c.header!;
  const limit = Math.min(h.freeSpaceOffset, b.length);
  let pos = CHUNK_HEADER_SIZE;
  let resynced = false;
  while (pos + 4 <= limit) {
    const rh = readRecordHeader(b, pos, limit);
    if (typeof rh !== 'string') {
      one(rh, resynced);
      pos += rh.size;
      continue;
    }
    if (isAllZero(b.subarray(pos, limit))) break;
    if (hasRecordSignature(b, pos)) {
      const id = pos + 16 <= b.length ? rd64(b, pos + 8) : undefined;
      emit({ offset: c.fileOffset + pos, recordId: id, recovered: false, tree: null, error: rh });
    } else c.warnings.push(`chunk ${c.index}: unreadable bytes at offset ${c.fileOffset + pos} (${rh})`);
    const next = findNextRecord(b, pos + 1, limit);
    if (next < 0) break;
    pos = next;
    resynced = true;
  }
  // Slack after the free-space offset: stale records left by earlier writes.
  if (h.freeSpaceOffset < b.length) for (const s of carveRecordHeaders(b, h.freeSpaceOffset, b.length)) one(s, true);
}
