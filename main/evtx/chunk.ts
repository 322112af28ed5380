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
import { eventKey, hasRecordSignature, sameEvent, parseRecordBody, readRecordHeader, writeRecordBodyXml, type RecordHeader } from './record';
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
export function readChunkRecords(c: Chunk, emit: (r: ChunkRecord) => void, xml?: XmlByteWriter, previous?: PreviousChunk): void {
  const b = c.buf;
  const read = (h: RecordHeader, recovered: boolean): ChunkRecord => {
    let tree: XmlElement | null = null;
    let err: string | null;
    if (xml === undefined) {
      const p = parseRecordBody(c.ctx, h);
      tree = p.tree;
      err = p.error;
    } else err = writeRecordBodyXml(c.ctx, h, xml);
    const error = err !== null && recovered ? `record recovered from ${c.damaged ? 'a damaged chunk' : 'chunk slack'} is unreadable: ${err}` : err;
    return { offset: c.fileOffset + h.pos, recordId: h.recordId, recovered, tree, error };
  };
  const one = (h: RecordHeader, recovered: boolean) => emit(read(h, recovered));
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
  // Slack after the free-space offset: stale records left by earlier writes, less copies of live ones.
  if (h.freeSpaceOffset < b.length) {
    const slack = carveRecordHeaders(b, h.freeSpaceOffset, b.length);
    const copies = slack.length > 0 ? new SlackCopies(c, previous) : null;
    for (const s of slack) {
      // A copy with its live record's id (Windows' copies) is known before it is read; one renumbered
      // only once it reads (most slack records do not: their templates are gone), then taken back.
      let twin = copies!.twinOf(s, false);
      let r: ChunkRecord | null = null;
      if (twin < 0) {
        const mark = xml?.len ?? 0;
        r = read(s, true);
        if (r.error === null) {
          twin = copies!.twinOf(s, true);
          if (twin >= 0) xml?.truncate(mark);
        }
      }
      emit(twin < 0 ? r! : { offset: c.fileOffset + s.pos, recordId: s.recordId, recovered: true, tree: null, error: `${COPY_OF_LIVE} at offset ${twin}: not imported again` });
    }
  }
}

/** The bytes of the chunk before the one being read (null for a file's first chunk), fetched only when needed. */
export type PreviousChunk = () => Uint8Array | null;

/** The rejection reason of a slack record holding a live record's event (followed by where that record is). */
export const COPY_OF_LIVE = 'record recovered from chunk slack holds the same event as the live record';

/**
 * Copies of live records in a chunk's slack. Windows leaves byte-identical copies of records in
 * slack, of records live at the end of the chunk before: all 1,232 such copies among the corpus's
 * 15,183 slack candidates. A log rewritten by an export tool may keep the original beside its
 * live copy in the same chunk: a Sigma regression sample has record 1 live and record 120555 in
 * slack, the same event, its template defined inline in one and referred to in the other.
 * Imported, each of those events would count twice: in detections, process trees, subscription
 * evidence. A slack record is such a copy when a live record of its chunk or the chunk before
 * holds the same event: the same template and values (binxml/templates.ts, sameFragment), which
 * include its EventRecordID and time, whatever the record headers say. One that differs is kept
 * (recovered): it may hold what a live record held before it was altered.
 */
class SlackCopies {
  private own: LiveEvents | null = null;
  private before: LiveEvents | null = null;
  private previousBytes: Uint8Array | null | undefined;

  constructor(private readonly c: Chunk, private readonly previous: PreviousChunk | undefined) {}

  /**
   * The file offset of the live record the slack record `h` holds a copy of, or -1: the live
   * record of its id, or with `byTime` those of its time (indexed only when first asked for).
   */
  twinOf(h: RecordHeader, byTime: boolean): number {
    const b = this.c.buf;
    const p = twinIn((this.own ??= liveRecords(b)), b, b, h, byTime);
    if (p >= 0) return this.c.fileOffset + p;
    if (this.previousBytes === undefined) this.previousBytes = this.previous?.() ?? null;
    const pb = this.previousBytes;
    if (pb === null) return -1;
    const q = twinIn((this.before ??= liveRecords(pb)), pb, b, h, byTime);
    return q >= 0 ? this.c.fileOffset - CHUNK_SIZE + q : -1;
  }
}

/** The live records of a chunk: by record id, and by their event's key (record.ts, eventKey), made when first needed. */
interface LiveEvents {
  buf: Uint8Array;
  byId: Map<number, RecordHeader>;
  byKey: Map<number, RecordHeader[]> | null;
}

/** The live records of the chunk `b`, walked from its header as readChunkRecords walks them (up to the first bad one). */
function liveRecords(b: Uint8Array): LiveEvents {
  const live: LiveEvents = { buf: b, byId: new Map(), byKey: null };
  if (b.length < CHUNK_HEADER_SIZE || !hasChunkMagic(b)) return live;
  const free = rd32(b, 48);
  if (free < CHUNK_HEADER_SIZE || free > CHUNK_SIZE) return live;
  const limit = Math.min(free, b.length);
  for (let pos = CHUNK_HEADER_SIZE; pos + 4 <= limit; ) {
    const r = readRecordHeader(b, pos, limit);
    if (typeof r === 'string') break;
    live.byId.set(r.recordId, r);
    pos += r.size;
  }
  return live;
}

/** The live records by their event's key (records without one are found by id only). */
function byKeyOf(live: LiveEvents): Map<number, RecordHeader[]> {
  if (live.byKey !== null) return live.byKey;
  const m = (live.byKey = new Map());
  for (const r of live.byId.values()) {
    const key = eventKey(live.buf, r);
    if (key < 0) continue;
    const same = m.get(key);
    if (same === undefined) m.set(key, [r]);
    else same.push(r);
  }
  return m;
}

/**
 * Live records a slack record is compared with by key, at most: real records share their time
 * with a few others; hostile chunks could make thousands share one. Past it, a slack record is
 * kept (recovered), the safe side.
 */
const MAX_TWIN_CANDIDATES = 16;

/**
 * The position of the live record of `a` (`live`: its live records) holding the event of the
 * record `h` of `b`, or -1: the one of its id, or with `byTime` those of its time (a renumbered copy).
 */
function twinIn(live: LiveEvents, a: Uint8Array, b: Uint8Array, h: RecordHeader, byTime: boolean): number {
  const byId = live.byId.get(h.recordId);
  if (!byTime) return byId !== undefined && sameEvent(a, byId, b, h) ? byId.pos : -1;
  const key = eventKey(b, h);
  const same = key < 0 ? undefined : byKeyOf(live).get(key);
  if (same === undefined) return -1;
  for (let i = 0; i < same.length && i < MAX_TWIN_CANDIDATES; i++) if (same[i] !== byId && sameEvent(a, same[i], b, h)) return same[i].pos;
  return -1;
}
