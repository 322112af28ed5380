/** Little-endian integers read from bytes, as every EVTX structure stores them (bounds checked by the callers). */

export function rd16(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

export function rd32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** A u64 as a number (exact below 2^53, which record ids and chunk numbers stay under). */
export function rd64(b: Uint8Array, o: number): number {
  return rd32(b, o) + rd32(b, o + 4) * 4294967296;
}

/** A DataView of the last buffer asked for, for reads several bytes wide (the chunk being parsed, one after another). */
let viewSrc: Uint8Array | null = null;
let view: DataView = new DataView(new ArrayBuffer(0));
export function viewOf(b: Uint8Array): DataView {
  if (b !== viewSrc) {
    view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    viewSrc = b;
  }
  return view;
}
