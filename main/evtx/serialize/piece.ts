/**
 * Bytes the XML writer copies again and again, unchanged: start and end tags with their
 * indentation, attribute names, a plan's static text. Two in three output bytes are such pieces,
 * a million copies a corpus reading, most of them 2 to 40 bytes long: copied a byte at a time (or
 * by TypedArray.set) they cost a tenth of a pass. A piece keeps its bytes padded with zeros to whole
 * 32-bit words and a DataView over them, so XmlByteWriter.piece copies four bytes at a time.
 */
export class Piece {
  /** The bytes (a view of `length` bytes of the padded copy). */
  readonly bytes: Uint8Array;
  readonly length: number;
  /** The padded copy, read 32 bits at a time. */
  readonly words: DataView;

  constructor(bytes: Uint8Array) {
    const padded = new Uint8Array((bytes.length + 3) & ~3);
    padded.set(bytes);
    this.bytes = padded.subarray(0, bytes.length);
    this.length = bytes.length;
    this.words = new DataView(padded.buffer);
  }
}

export const EMPTY_PIECE = new Piece(new Uint8Array(0));

/** One piece of the parts' bytes, one after another. */
export function joinPieces(parts: Array<Piece | Uint8Array>): Piece {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p instanceof Piece ? p.bytes : p, o);
    o += p.length;
  }
  return new Piece(out);
}
