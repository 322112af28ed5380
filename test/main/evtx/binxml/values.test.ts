/** Value rendering, type by type, as Windows renders it. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { renderScalar, renderValue, filetimeString, SCALAR_SURE_SIZE, scalarWellFormed, utf16 } from '../../../../main/evtx/binxml/values';
import { mulberry32 } from '../fuzz-lib';

const b = (...xs: number[]) => Uint8Array.from(xs);
const r = (bytes: Uint8Array, type: number) => renderValue(bytes, 0, bytes.length, type);
function le(n: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

test('strings: UTF-16 cut at NUL, ANSI (windows-1252), arrays one item each', () => {
  assert.equal(r(Buffer.from('héllo\0junk', 'utf16le'), 0x01), 'héllo');
  const long = 'x'.repeat(100) + 'é';
  assert.equal(r(Buffer.from(long, 'utf16le'), 0x01), long);
  assert.equal(r(b(0x41, 0xe9, 0x80, 0), 0x02), 'Aé€');
  assert.deepEqual(r(Buffer.from('a\0bc\0\0', 'utf16le'), 0x81), ['a', 'bc', '']);
  assert.deepEqual(r(b(0x61, 0, 0x62, 0x63, 0), 0x82), ['a', 'bc']);
  assert.equal(utf16(Buffer.from('Event', 'utf16le'), 0, 5), 'Event');
});

test('integers signed and unsigned 8..64, reals, bools', () => {
  assert.equal(r(b(0xff), 0x03), '-1');
  assert.equal(r(b(0xff), 0x04), '255');
  assert.equal(r(b(0xfe, 0xff), 0x05), '-2');
  assert.equal(r(b(0xfe, 0xff), 0x06), '65534');
  assert.equal(r(le(-5n & 0xffffffffn, 4), 0x07), '-5');
  assert.equal(r(le(4294967295n, 4), 0x08), '4294967295');
  assert.equal(r(le(-9007199254740993n & 0xffffffffffffffffn, 8), 0x09), '-9007199254740993');
  assert.equal(r(le(18446744073709551615n, 8), 0x0a), '18446744073709551615');
  assert.equal(r(le(123456789n, 8), 0x0a), '123456789');
  const f32 = new Uint8Array(new Float32Array([1.5]).buffer);
  assert.equal(r(f32, 0x0b), '1.5');
  const f64 = new Uint8Array(new Float64Array([-0.25]).buffer);
  assert.equal(r(f64, 0x0c), '-0.25');
  assert.equal(r(le(1n, 4), 0x0d), 'true');
  assert.equal(r(le(0n, 4), 0x0d), 'false');
  assert.equal(r(le(2n, 4), 0x0d), 'true');
  assert.deepEqual(r(Uint8Array.from([...le(1n, 4), ...le(0n, 4)]), 0x8d), ['true', 'false']);
  assert.deepEqual(r(Uint8Array.from([1, 0, 2, 0]), 0x86), ['1', '2']);
});

test('binary, GUID, hex, size_t, SID', () => {
  assert.equal(r(b(0x0a, 0xbc, 0x00), 0x0e), '0ABC00');
  const guid = b(0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d);
  assert.equal(r(guid, 0x0f), '{54849625-5478-4994-A5BA-3E3B0328C30D}');
  assert.equal(r(le(0x3e7n, 4), 0x14), '0x3e7');
  assert.equal(r(le(0x8020000000000000n, 8), 0x15), '0x8020000000000000');
  assert.equal(r(le(0x24cn, 8), 0x10), '0x24c');
  assert.equal(r(le(0x24cn, 4), 0x10), '0x24c');
  const sid = b(1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0xca, 0x8f, 0x1e, 0x0b, 1, 0, 0, 0, 2, 0, 0, 0, 0xf4, 1, 0, 0);
  assert.equal(r(sid, 0x13), 'S-1-5-21-186552266-1-2-500');
  assert.equal(r(b(1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0), 0x13), 'S-1-5-18');
  assert.deepEqual(r(b(1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 5, 19, 0, 0, 0), 0x93), ['S-1-5-18', 'S-1-5-19']);
  assert.equal(r(b(1, 9, 0, 0), 0x13), null, 'truncated SID is malformed');
});

test('FILETIME with 100 ns precision, SYSTEMTIME', () => {
  // 2016-07-08T18:12:51.6816408Z
  const ft = (BigInt(Date.UTC(2016, 6, 8, 18, 12, 51) / 1000) + 11644473600n) * 10000000n + 6816408n;
  assert.equal(r(le(ft, 8), 0x11), '2016-07-08T18:12:51.6816408Z');
  const late = (BigInt(Date.UTC(9999, 11, 31, 23, 59, 59) / 1000) + 11644473600n) * 10000000n + 9999999n;
  assert.equal(r(le(late, 8), 0x11), '9999-12-31T23:59:59.9999999Z');
  assert.equal(filetimeString(0, 0), '1601-01-01T00:00:00.0000000Z');
  const st = Uint8Array.from([...le(2020n, 2), ...le(1n, 2), ...le(3n, 2), ...le(2n, 2), ...le(13n, 2), ...le(4n, 2), ...le(5n, 2), ...le(6n, 2)]);
  assert.equal(r(st, 0x12), '2020-01-02T13:04:05.006Z');
});

test('wrong sizes and unknown types are malformed, not crashes', () => {
  assert.equal(r(b(1), 0x08), null);
  assert.equal(r(b(1, 2), 0x0f), null);
  assert.equal(r(b(1, 2, 3), 0x10), null);
  assert.equal(r(b(1), 0x7e), null);
});

test('scalarWellFormed says exactly when renderScalar renders (every type, sizes 0..24)', () => {
  const rnd = mulberry32(7);
  let checked = 0;
  for (let t = 0; t < 0x30; t++)
    for (let size = 0; size <= 24; size++)
      for (let k = 0; k < 4; k++) {
        const b = new Uint8Array(size + 8);
        for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
        if (k === 0 && size >= 2) b[1] = Math.floor(rnd() * 6); // SIDs with a sub-authority count that may fit
        assert.equal(scalarWellFormed(b, 0, size, t), renderScalar(b, 0, size, t) !== null, `type 0x${t.toString(16)}, ${size} bytes`);
        checked++;
      }
  assert.equal(checked, 0x30 * 25 * 4);
});

test('SCALAR_SURE_SIZE: every value at least that long is one scalarWellFormed accepts, for every type byte', () => {
  const b = new Uint8Array(64).fill(0xff); // (SID bytes that do not parse: the table must leave SIDs to the full check)
  let sure = 0;
  for (let t = 0; t < 256; t++)
    for (let size = 0; size <= 40; size++)
      if (size >= SCALAR_SURE_SIZE[t]) {
        sure++;
        assert.ok(scalarWellFormed(b, 0, size, t), `type 0x${t.toString(16)}, ${size} bytes`);
      }
  assert.ok(sure > 500, `${sure} sure cases`);
});
