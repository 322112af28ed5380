/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as used by EVTX headers and chunks. */
import * as zlib from 'node:zlib';

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** Continue a CRC over buf[start, end). Pass the previous result as `crc` (0 to begin). */
export function crc32(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  if (start < 0) start = 0;
  if (end > buf.length) end = buf.length;
  if (end <= start) return crc >>> 0;
  if (native) return native(buf.subarray(start, end), crc) >>> 0;
  let c = ~crc;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
