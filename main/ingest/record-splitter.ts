/**
 * Cuts decoded text into records without holding the whole file: each format supplies a
 * `findRecord` that looks at the buffered text and says where the next record starts and
 * ends. The splitter keeps byte offsets and line numbers of every record start, and reports
 * stretches between records that are not allowed filler as rejected garbage.
 */
import { encodedLength, type TextPiece } from './text-stream';

export interface Span {
  /** Record text. */
  text: string;
  /** Byte offset of the record in the file. */
  byteOffset: number;
  /** 1-based line number of the record's first character. */
  line: number;
  encoding: TextPiece['encoding'];
}

export type FindResult =
  | { kind: 'record'; start: number; end: number }
  /** Not enough text buffered to decide; `keepFrom` is where unconsumed text starts. */
  | { kind: 'need-more'; keepFrom: number }
  /** Text that is neither a record nor filler, from start to end. */
  | { kind: 'garbage'; start: number; end: number }
  /** A record broken off before its end: `by` (the next record's start, or the container's end) begins at `end`. */
  | { kind: 'cut'; start: number; end: number; by: string }
  | { kind: 'done' };

export interface SplitterEvents {
  record(span: Span): void;
  garbage(span: Span): void;
  /** A record still open at the end of the input. */
  truncated(span: Span): void;
  /**
   * A record broken off before its end, where the next one begins (formats whose finder can
   * tell, XML). Without this handler such a stretch is reported as garbage.
   */
  cut?(span: Span, by: string): void;
  /** A record larger than the limit: skipped from its start up to `resumeAt`. */
  oversized(span: Span): void;
}

/** Largest record kept in memory; beyond it the record is rejected, never buffered further. */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

export async function splitRecords(
  pieces: AsyncIterable<TextPiece>,
  find: (buf: string, from: number, atEnd: boolean) => FindResult,
  on: SplitterEvents,
): Promise<void> {
  let buf = '';
  let bufByte = 0; // byte offset of buf[0]
  let bufLine = 1; // line of buf[0]
  let pos = 0; // scan position in buf
  let encoding: TextPiece['encoding'] = 'utf-8';
  // Position bookkeeping advances incrementally so offsets cost linear time overall.
  let markChar = 0;
  let markByte = 0;
  let markLine = 1;
  const locate = (charIndex: number): { byteOffset: number; line: number } => {
    if (charIndex < markChar) {
      markChar = 0;
      markByte = bufByte;
      markLine = bufLine;
    }
    const seg = buf.slice(markChar, charIndex);
    markByte += encodedLength(seg, encoding);
    for (let i = seg.indexOf('\n'); i >= 0; i = seg.indexOf('\n', i + 1)) markLine++;
    markChar = charIndex;
    return { byteOffset: markByte, line: markLine };
  };
  const span = (start: number, end: number): Span => ({ text: buf.slice(start, end), ...locate(start), encoding });
  const consume = (upTo: number) => {
    const at = locate(upTo);
    buf = buf.slice(upTo);
    bufByte = at.byteOffset;
    bufLine = at.line;
    markChar = 0;
    markByte = bufByte;
    markLine = bufLine;
    pos = 0;
  };

  const drain = (atEnd: boolean): void => {
    for (;;) {
      const r = find(buf, pos, atEnd);
      if (r.kind === 'record') {
        on.record(span(r.start, r.end));
        pos = r.end;
      } else if (r.kind === 'garbage' || r.kind === 'cut') {
        const s = span(r.start, r.end);
        if (r.kind === 'cut' && on.cut) on.cut(s, r.by);
        else on.garbage(s);
        pos = r.end;
      } else if (r.kind === 'need-more') {
        if (atEnd) {
          if (buf.slice(r.keepFrom).trim() !== '') on.truncated(span(r.keepFrom, buf.length));
          pos = buf.length;
          return;
        }
        if (buf.length - r.keepFrom > MAX_RECORD_CHARS) {
          on.oversized(span(r.keepFrom, r.keepFrom + 200));
          // Resynchronise at the next line after the oversized start.
          const nl = buf.indexOf('\n', r.keepFrom + 1);
          consume(nl < 0 ? buf.length : nl + 1);
          continue;
        }
        consume(r.keepFrom);
        return;
      } else {
        pos = buf.length;
        return;
      }
    }
  };

  for await (const piece of pieces) {
    if (buf.length === 0) {
      bufByte = piece.byteOffset;
      markByte = bufByte;
    }
    encoding = piece.encoding;
    buf += piece.text;
    drain(false);
  }
  drain(true);
}
