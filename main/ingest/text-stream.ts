/**
 * Decodes a byte stream of text evidence (UTF-8 with or without BOM, UTF-16LE/BE with BOM,
 * or BOM-less UTF-16LE as PowerShell redirection writes it) into string pieces, keeping the
 * byte offset of each piece so parsers can report positions in the file. Invalid byte
 * sequences are reported once per piece with their offset and replaced (U+FFFD), so a
 * wrongly encoded file still imports what it can.
 */
import { TextDecoder } from "node:util";

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export function detectEncoding(head: Uint8Array): { encoding: TextEncoding; bomLength: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  // BOM-less UTF-16: ASCII text leaves every other byte zero.
  if (head.length >= 4) {
    let evenZero = 0;
    let oddZero = 0;
    const n = Math.min(head.length, 512) & ~1;
    for (let i = 0; i < n; i += 2) {
      if (head[i] === 0) evenZero++;
      if (head[i + 1] === 0) oddZero++;
    }
    if (oddZero > n / 4 && evenZero === 0) return { encoding: 'utf-16le', bomLength: 0 };
    if (evenZero > n / 4 && oddZero === 0) return { encoding: 'utf-16be', bomLength: 0 };
  }
  return { encoding: 'utf-8', bomLength: 0 };
}

export interface TextPiece {
  text: string;
  /** Byte offset in the file of the first byte decoded into this piece. */
  byteOffset: number;
  encoding: TextEncoding;
}

/**
 * Yields decoded pieces. `onInvalid` is told the approximate byte range of undecodable
 * bytes. The decoder is streaming, so multi-byte sequences split across chunks are kept.
 */
export async function* decodeText(
  chunks: AsyncIterable<Uint8Array>,
  onInvalid: (byteOffset: number) => void,
): AsyncGenerator<TextPiece> {
  let decoder: TextDecoder | undefined;
  let strict: TextDecoder | undefined;
  let offset = 0;
  let first = true;
  for await (let chunk of chunks) {
    let pieceOffset = offset;
    offset += chunk.length;
    if (first) {
      first = false;
      const { encoding, bomLength } = detectEncoding(chunk);
      decoder = new TextDecoder(encoding, { ignoreBOM: true });
      strict = new TextDecoder(encoding, { ignoreBOM: true, fatal: true });
      chunk = chunk.subarray(bomLength);
      pieceOffset += bomLength;
    }
    const text = decoder!.decode(chunk, { stream: true });
    if (text.includes('\ufffd')) {
      // Tell real replacement characters in the evidence from undecodable bytes.
      try {
        strict!.decode(chunk, { stream: true });
      } catch {
        onInvalid(pieceOffset + Math.max(0, text.indexOf('\ufffd')));
        strict = new TextDecoder(decoder!.encoding, { ignoreBOM: true, fatal: true });
      }
    }
    if (text) yield { text, byteOffset: pieceOffset, encoding: decoder!.encoding as TextEncoding };
  }
  const tail = decoder?.decode();
  if (tail) yield { text: tail, byteOffset: offset, encoding: decoder!.encoding as TextEncoding };
}

/** Bytes a string takes in the file's encoding (for offsets of records inside a piece). */
export function encodedLength(s: string, encoding: TextEncoding): number {
  return encoding === 'utf-8' ? Buffer.byteLength(s, 'utf8') : s.length * 2;
}
