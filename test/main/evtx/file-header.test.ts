/** File header and chunk header parsing, CRCs, dirty files, damaged chunks. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS } from './evtxexport';
import { parseFileHeader } from '../../../main/evtx/file-header';
import { crc32 } from '../../../main/evtx/crc32';

const EDGE = path.join(CORPUS, 'evtx', 'parser-edge-cases');
const read = (f: string) => new Uint8Array(fs.readFileSync(path.join(EDGE, f)));

test('file header of a real log: version, counts, flags, CRC', () => {
  const b = read('security.evtx');
  const h = parseFileHeader(b)!;
  assert.equal(h.majorVersion, 3);
  assert.ok(h.minorVersion === 1 || h.minorVersion === 2);
  assert.equal(h.headerSize, 128);
  assert.equal(h.blockSize, 4096);
  // This log's header counts 26 chunks; the file holds 33 (the rest are read as a dirty file's extra chunks).
  assert.equal(h.chunkCount, 26);
  assert.equal((b.length - 4096) / 65536, 33);
  assert.ok(h.crcOk);
  assert.deepEqual(h.warnings, []);
  // Damage one byte covered by the CRC.
  const d = new Uint8Array(b.subarray(0, 4096));
  d[30] ^= 1;
  const hd = parseFileHeader(d)!;
  assert.equal(hd.crcOk, false);
  assert.match(hd.warnings.join(), /CRC mismatch/);
  assert.equal(parseFileHeader(b.subarray(4096)), null);
  assert.equal(parseFileHeader(b.subarray(0, 20)), null);
});

test('dirty/full flags and versions 3.1 and 3.2 are read', () => {
  const seen = new Set<string>();
  for (const f of fs.readdirSync(EDGE)) {
    const h = parseFileHeader(read(f));
    if (!h) continue;
    seen.add(`${h.majorVersion}.${h.minorVersion}`);
    assert.equal(h.dirty, (h.flags & 1) !== 0);
    assert.equal(h.full, (h.flags & 2) !== 0);
  }
  assert.ok(seen.has('3.1') || seen.has('3.2'));
  const b = new Uint8Array(read('security.evtx').subarray(0, 4096));
  b[120] = 3;
  b.set(new Uint8Array(new Uint32Array([crc32(b, 0, 120)]).buffer), 124);
  const h = parseFileHeader(b)!;
  assert.ok(h.dirty && h.full && h.crcOk);
});

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new TextEncoder().encode('123456789'), 3, 9, crc32(new TextEncoder().encode('123'))), 0xcbf43926);
});
