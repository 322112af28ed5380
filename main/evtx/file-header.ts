/**
 * EVTX file header (the first 4096-byte block). Layout per libyal's EVTX notes:
 *   0  "ElfFile\0"            8  first chunk number (u64)   16 last chunk number (u64)
 *   24 next record id (u64)   32 header size (u32, 128)      36 minor version (u16)
 *   38 major version (u16)    40 header block size (u16)     42 chunk count (u16)
 *   120 file flags (u32: 1 dirty, 2 full)                    124 CRC32 of bytes 0..120
 */
import { crc32 } from './crc32';

export const FILE_MAGIC = [0x45, 0x6c, 0x66, 0x46, 0x69, 0x6c, 0x65, 0x00]; // "ElfFile\0"
export const FILE_HEADER_SIZE = 4096;
export const FLAG_DIRTY = 1;
export const FLAG_FULL = 2;

export interface FileHeader {
  firstChunk: number;
  lastChunk: number;
  nextRecordId: number;
  headerSize: number;
  minorVersion: number;
  majorVersion: number;
  blockSize: number;
  chunkCount: number;
  flags: number;
  dirty: boolean;
  full: boolean;
  storedCrc: number;
  computedCrc: number;
  crcOk: boolean;
  /** Problems worth reporting (unknown version, CRC mismatch...). The header is still usable. */
  warnings: string[];
}

export function hasFileMagic(buf: Uint8Array): boolean {
  if (buf.length < 8) return false;
  for (let i = 0; i < 8; i++) if (buf[i] !== FILE_MAGIC[i]) return false;
  return true;
}

function u64(dv: DataView, off: number): number {
  return dv.getUint32(off, true) + dv.getUint32(off + 4, true) * 4294967296;
}

/** Parse the file header; null when `buf` is too short or has no "ElfFile" magic. */
export function parseFileHeader(buf: Uint8Array): FileHeader | null {
  if (buf.length < 128 || !hasFileMagic(buf)) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, 128);
  const flags = dv.getUint32(120, true);
  const storedCrc = dv.getUint32(124, true);
  const computedCrc = crc32(buf, 0, 120);
  const h: FileHeader = {
    firstChunk: u64(dv, 8),
    lastChunk: u64(dv, 16),
    nextRecordId: u64(dv, 24),
    headerSize: dv.getUint32(32, true),
    minorVersion: dv.getUint16(36, true),
    majorVersion: dv.getUint16(38, true),
    blockSize: dv.getUint16(40, true),
    chunkCount: dv.getUint16(42, true),
    flags,
    dirty: (flags & FLAG_DIRTY) !== 0,
    full: (flags & FLAG_FULL) !== 0,
    storedCrc,
    computedCrc,
    crcOk: storedCrc === computedCrc,
    warnings: [],
  };
  if (h.majorVersion !== 3 || (h.minorVersion !== 1 && h.minorVersion !== 2))
    h.warnings.push(`unknown file format version ${h.majorVersion}.${h.minorVersion}`);
  if (!h.crcOk) h.warnings.push(`file header CRC mismatch (stored 0x${storedCrc.toString(16)}, computed 0x${computedCrc.toString(16)})`);
  if (h.headerSize !== 128) h.warnings.push(`unexpected file header size ${h.headerSize}`);
  if (h.blockSize !== 4096) h.warnings.push(`unexpected header block size ${h.blockSize}`);
  return h;
}
