/** Values written straight to bytes are, byte for byte, what values.ts renders. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeScalarBytes } from '../../../../main/evtx/serialize/value-bytes';
import { XmlByteWriter } from '../../../../main/evtx/serialize/xml-writer';
import {
  renderScalar, VT_BINARY, VT_FILETIME, VT_GUID, VT_SID, VT_HEX32, VT_HEX64, VT_INT16, VT_INT32, VT_INT8, VT_SIZET, VT_UINT16, VT_UINT32, VT_UINT64, VT_UINT8,
} from '../../../../main/evtx/binxml/values';
import { mulberry32 } from '../fuzz-lib';

const TYPES: Array<[number, number[]]> = [
  [VT_INT8, [1]], [VT_UINT8, [1]], [VT_INT16, [2]], [VT_UINT16, [2]], [VT_INT32, [4]], [VT_UINT32, [4]], [VT_UINT64, [8]],
  [VT_HEX32, [4]], [VT_HEX64, [8]], [VT_SIZET, [4, 8]], [VT_GUID, [16]], [VT_FILETIME, [8]], [VT_BINARY, [0, 1, 7, 300]],
];

test('integers, hex, binary, GUIDs and FILETIMEs: same text as renderScalar, or left to it', () => {
  const rnd = mulberry32(42);
  const w = new XmlByteWriter(false, 16);
  let direct = 0;
  for (const [t, sizes] of TYPES)
    for (const size of sizes)
      for (let k = 0; k < 3000; k++) {
        const b = new Uint8Array(size);
        for (let i = 0; i < size; i++) b[i] = Math.floor(rnd() * 256);
        // Bias towards the shapes real logs hold: small numbers, times of this era, high bits clear.
        if (k % 3 === 0) for (let i = Math.ceil(size / 2); i < size; i++) b[i] = 0;
        if (t === VT_FILETIME && k % 2 === 0) {
          const ticks = BigInt(Math.floor(rnd() * 2 ** 52)) * 100n + 116444736000000000n;
          for (let i = 0; i < 8; i++) b[i] = Number((ticks >> BigInt(8 * i)) & 0xffn);
        }
        const start = (w.len = 0);
        const wrote = writeScalarBytes(w, b, 0, size, t);
        const expected = renderScalar(b, 0, size, t);
        if (wrote) {
          direct++;
          assert.equal(w.buf.toString('latin1', start, w.len), expected, `type 0x${t.toString(16)} bytes ${Buffer.from(b).toString('hex')}`);
        } else assert.equal(w.len, 0, 'nothing written when the value is left to values.ts');
      }
  assert.ok(direct > 30000, `${direct} values written directly`);
});

test('SIDs: same text as renderScalar (authorities of 2^32 and over left to it)', () => {
  const rnd = mulberry32(7);
  const w = new XmlByteWriter(false, 16);
  let direct = 0;
  for (let k = 0; k < 5000; k++) {
    const count = Math.floor(rnd() * 16);
    const size = 8 + 4 * count + (k % 4 === 0 ? Math.floor(rnd() * 8) : 0); // (a value may hold bytes after its SID)
    const b = new Uint8Array(size);
    for (let i = 0; i < size; i++) b[i] = Math.floor(rnd() * 256);
    b[1] = count;
    if (k % 3 !== 0) b[2] = b[3] = 0; // authorities as Windows writes them: under 2^32
    w.len = 0;
    const wrote = writeScalarBytes(w, b, 0, size, VT_SID);
    const expected = renderScalar(b, 0, size, VT_SID);
    if (wrote) {
      direct++;
      assert.equal(w.buf.toString('latin1', 0, w.len), expected, `SID ${Buffer.from(b).toString('hex')}`);
    } else assert.equal(w.len, 0);
  }
  assert.ok(direct > 3000, `${direct} SIDs written directly`);
});

test('integers and hex of every digit count, at each boundary: same text as renderScalar', () => {
  const w = new XmlByteWriter(false, 16);
  const values = new Set<number>([0, 1, 0xffffffff]);
  for (let v = 1; v <= 0xffffffff; v *= 10) for (const d of [-1, 0, 1]) values.add(v + d);
  for (let v = 1; v <= 0xffffffff; v *= 16) for (const d of [-1, 0, 1]) values.add(v + d);
  let checked = 0;
  for (const v of values) {
    if (v < 0 || v > 0xffffffff) continue;
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, v, true);
    for (const [t, size] of [[VT_UINT32, 4], [VT_HEX32, 4], [VT_HEX64, 8], [VT_SIZET, 4]]) {
      w.len = 0;
      assert.ok(writeScalarBytes(w, b, 0, size, t));
      assert.equal(w.buf.toString('latin1', 0, w.len), renderScalar(b, 0, size, t), `type 0x${t.toString(16)} value ${v}`);
      checked++;
    }
    // The same value as a hex64's high half: the low half is then written padded to 8 digits.
    const hi = new Uint8Array(8);
    new DataView(hi.buffer).setUint32(4, v, true);
    w.len = 0;
    writeScalarBytes(w, hi, 0, 8, VT_HEX64);
    assert.equal(w.buf.toString('latin1', 0, w.len), renderScalar(hi, 0, 8, VT_HEX64), `hex64 high half ${v}`);
  }
  assert.ok(checked > 200, `${checked} values`);
});
