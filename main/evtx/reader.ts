/**
 * The file layer: the file header, then the chunks one by one (64 KiB each after the 4 KiB
 * header block), from a byte stream without ever holding more than one chunk. Dirty files are
 * handled by reading every chunk present, past the header's chunk count too.
 */
import { FILE_HEADER_SIZE, hasFileMagic, parseFileHeader, type FileHeader } from './file-header';
import { CHUNK_SIZE, hasChunkMagic, parseChunk, readChunkRecords, type Chunk, type ChunkRecord, type PreviousChunk } from './chunk';
import type { XmlByteWriter } from './serialize/xml-writer';

export { CHUNK_SIZE } from './chunk';

export interface EvtxHandlers {
  header?(h: FileHeader | null): void;
  /** Every record found: imported (tree set) or rejected (error set). */
  record(r: ChunkRecord, chunk: Chunk): void;
  /** File-level problems. */
  warning?(message: string): void;
  /** Bytes consumed so far. */
  progress?(bytes: number): void;
}

export interface EvtxReadOptions {
  /** Stop (with a warning) when parsing one file takes longer than this. Default: 60 s + 1 s per MiB. */
  timeLimitMs?: number;
  /** Record value types on the trees (needed by the JSON serializer). */
  typed?: boolean;
  /**
   * Write each imported record's XML into this writer, followed by a newline, instead of building
   * its tree (the fast path of XML output; ChunkRecord.tree stays null, error null means written).
   */
  xml?: XmlByteWriter;
}

/** What a file's header block (its first 4 KiB, or what there is of them) says. */
export interface HeaderBlock {
  header: FileHeader | null;
  /** File offset of chunk 0: after the block, or 0 for data cut from unallocated space that starts with a chunk. */
  base: number;
  /** What to report about it. */
  warnings: string[];
}

export function readHeaderBlock(head: Uint8Array): HeaderBlock {
  const header = parseFileHeader(head);
  if (header) return { header, base: FILE_HEADER_SIZE, warnings: header.warnings };
  if (hasChunkMagic(head)) return { header, base: 0, warnings: ['no EVTX file header: data starts with a chunk; reading chunks from offset 0'] };
  // A header cut short, signature intact: not a bad signature (fileEndWarning reports the truncation).
  if (hasFileMagic(head)) return { header, base: FILE_HEADER_SIZE, warnings: [] };
  return { header, base: FILE_HEADER_SIZE, warnings: ['no EVTX file header (bad signature); reading chunks anyway'] };
}

/**
 * What to report at the end of a file whose header block was `headLen` bytes long and which held
 * `chunks` chunks: a header block cut short (then no chunk follows), or fewer chunks than the header
 * counts; null when neither.
 */
export function fileEndWarning(headLen: number, block: HeaderBlock, chunks: number): string | null {
  if (headLen < FILE_HEADER_SIZE && block.base !== 0) return `file truncated inside the file header (${headLen} bytes)`;
  if (block.header && chunks < block.header.chunkCount) return `file holds ${chunks} chunks, header says ${block.header.chunkCount}`;
  return null;
}

/** Incremental reader: feed bytes in order, then end(). */
export class EvtxFileReader {
  private head = new Uint8Array(FILE_HEADER_SIZE);
  private headLen = 0;
  /** Bytes of a chunk that arrives in pieces (made when first needed: whole buffers never need it). */
  private chunk: Uint8Array | null = null;
  private chunkLen = 0;
  private chunkIndex = 0;
  private consumed = 0;
  private headerDone = false;
  private block: HeaderBlock | null = null;
  private readonly started = Date.now();
  private stopped = false;
  /**
   * The chunk read last, for the next chunk's slack (chunk.ts, SlackCopies): a view of the data
   * pushed, copied into `lastCopy` before that data may change (when push() returns, or when the
   * chunk was assembled in `chunk`, before the next one is).
   */
  private last: Uint8Array | null = null;
  private lastCopy: Uint8Array | null = null;

  constructor(private readonly h: EvtxHandlers, private readonly opts: EvtxReadOptions = {}, private readonly totalSize = 0) {}

  private get limitMs(): number {
    return this.opts.timeLimitMs ?? 60000 + Math.ceil(this.totalSize / 1048576) * 1000;
  }

  push(data: Uint8Array): void {
    let p = 0;
    if (!this.headerDone) {
      const n = Math.min(FILE_HEADER_SIZE - this.headLen, data.length);
      this.head.set(data.subarray(0, n), this.headLen);
      this.headLen += n;
      p = n;
      if (this.headLen === FILE_HEADER_SIZE) this.finishHeader();
    }
    if (this.headerDone && p < data.length) this.feedChunks(data.subarray(p));
    this.consumed += data.length;
    // (The caller may reuse `data`; nothing to keep once the whole file is in.)
    if (this.totalSize === 0 || this.consumed < this.totalSize) this.keepLast();
    this.h.progress?.(this.consumed);
  }

  /** Make the chunk read last a copy of its own (see `last`). */
  private keepLast(): void {
    const last = this.last;
    if (last === null || (this.lastCopy !== null && last.buffer === this.lastCopy.buffer)) return;
    const copy = (this.lastCopy ??= new Uint8Array(CHUNK_SIZE));
    copy.set(last);
    this.last = copy.subarray(0, last.length);
  }

  private feedChunks(data: Uint8Array): void {
    let p = 0;
    while (p < data.length && !this.stopped) {
      const n = Math.min(CHUNK_SIZE - this.chunkLen, data.length - p);
      if (this.chunkLen === 0 && n === CHUNK_SIZE) {
        // Whole chunk available in the input: parse in place (no copy).
        this.processChunk(data.subarray(p, p + CHUNK_SIZE));
        p += CHUNK_SIZE;
        continue;
      }
      const chunk = (this.chunk ??= new Uint8Array(CHUNK_SIZE));
      chunk.set(data.subarray(p, p + n), this.chunkLen);
      this.chunkLen += n;
      p += n;
      if (this.chunkLen === CHUNK_SIZE) {
        this.processChunk(chunk);
        this.keepLast(); // (the next chunk is assembled in the same bytes)
        this.chunkLen = 0;
      }
    }
  }

  end(): void {
    if (this.stopped) return;
    if (!this.headerDone) this.finishHeader();
    if (this.chunkLen > 0) {
      this.h.warning?.(`file truncated: last chunk has ${this.chunkLen} of ${CHUNK_SIZE} bytes`);
      this.processChunk(this.chunk!.subarray(0, this.chunkLen));
      this.chunkLen = 0;
    }
    const w = fileEndWarning(this.headLen, this.block!, this.chunkIndex);
    if (w !== null) this.h.warning?.(w);
  }

  private finishHeader(): void {
    this.headerDone = true;
    const head = this.head.subarray(0, this.headLen);
    const block = (this.block = readHeaderBlock(head));
    this.h.header?.(block.header);
    for (const w of block.warnings) this.h.warning?.(w);
    // (no file header, data starting with a chunk: the block is that chunk's start)
    if (block.base === 0) this.feedChunks(head);
  }

  private processChunk(buf: Uint8Array): void {
    const index = this.chunkIndex++;
    if (Date.now() - this.started > this.limitMs) {
      this.stopped = true;
      this.h.warning?.(`time limit exceeded at chunk ${index}; the rest of the file was not read`);
      return;
    }
    const block = this.block!;
    const previous = this.last;
    handleChunk(buf, block.base + index * CHUNK_SIZE, index, block.header?.chunkCount ?? null, this.opts, this.h, previous === null ? undefined : () => previous);
    this.last = buf;
  }
}

/** Parse one chunk and report its warnings and records. `chunkCount` is the header's, when there is one. */
export function handleChunk(buf: Uint8Array, fileOffset: number, index: number, chunkCount: number | null, opts: EvtxReadOptions, h: EvtxHandlers, previous?: PreviousChunk): void {
  const c = parseChunk(buf, fileOffset, index, opts.typed === true);
  if (c.empty) return;
  if (chunkCount !== null && chunkCount > 0 && index >= chunkCount && c.magicOk && !c.damaged)
    h.warning?.(`chunk ${index} is past the header's chunk count ${chunkCount} (dirty file); read`);
  for (const w of c.warnings) h.warning?.(w);
  readChunkRecords(c, (r) => h.record(r, c), opts.xml, previous);
}

/** Read a whole in-memory file. */
export function readEvtxBuffer(buf: Uint8Array, h: EvtxHandlers, opts?: EvtxReadOptions): void {
  const r = new EvtxFileReader(h, opts, buf.length);
  r.push(buf);
  r.end();
}

/** Read a file from a byte stream, chunk by chunk. */
export async function readEvtxStream(stream: AsyncIterable<Uint8Array>, h: EvtxHandlers, opts?: EvtxReadOptions, size = 0): Promise<void> {
  const r = new EvtxFileReader(h, opts, size);
  for await (const data of stream) r.push(data);
  r.end();
}
