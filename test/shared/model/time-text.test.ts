/** Time strings read by an explicit grammar: the forms exporters write, and nothing else. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoAt, parseTimeText, utcMsOf } from '../../../shared/model/time-text';

/** The wall-clock time, the fraction and the zone a text reads as, or null. */
const read = (s: string) => {
  const t = parseTimeText(s);
  return t && { wall: new Date(t.wallMs).toISOString().slice(0, 19), fraction: t.fraction, zoneMin: t.zoneMs === null ? null : t.zoneMs / 60_000, monthFirst: t.monthFirst };
};

describe('parseTimeText', () => {
  it('reads ISO 8601 and NXLog forms, with and without fractions and zones', () => {
    assert.deepEqual(read('2020-09-21 00:14:36'), { wall: '2020-09-21T00:14:36', fraction: '', zoneMin: null, monthFirst: false });
    assert.deepEqual(read('2020-09-21T00:14:36.1234567'), { wall: '2020-09-21T00:14:36', fraction: '.1234567', zoneMin: null, monthFirst: false });
    assert.deepEqual(read('2020-09-21T04:14:36.1234567Z'), { wall: '2020-09-21T04:14:36', fraction: '.1234567', zoneMin: 0, monthFirst: false });
    assert.deepEqual(read('2020-09-21T00:14:36-04:00'), { wall: '2020-09-21T00:14:36', fraction: '', zoneMin: -240, monthFirst: false });
    assert.deepEqual(read('2020-09-21T00:14:36.123456-0400'), { wall: '2020-09-21T00:14:36', fraction: '.123456', zoneMin: -240, monthFirst: false });
    assert.deepEqual(read('2020-09-21 00:14:36 -0400'), { wall: '2020-09-21T00:14:36', fraction: '', zoneMin: -240, monthFirst: false });
    assert.deepEqual(read('2020-09-21 05:59:36+05:45'), { wall: '2020-09-21T05:59:36', fraction: '', zoneMin: 345, monthFirst: false });
    assert.deepEqual(read('  2020-09-21 00:14:36+02 '), { wall: '2020-09-21T00:14:36', fraction: '', zoneMin: 120, monthFirst: false });
  });

  it('reads Windows and NXLog en-US forms month first, 24-hour and AM/PM', () => {
    assert.deepEqual(read('09/21/2020 00:14:36'), { wall: '2020-09-21T00:14:36', fraction: '', zoneMin: null, monthFirst: true });
    assert.deepEqual(read('9/21/2020 12:14:36 AM'), { wall: '2020-09-21T00:14:36', fraction: '', zoneMin: null, monthFirst: true });
    assert.deepEqual(read('9/21/2020 12:14:36 PM'), { wall: '2020-09-21T12:14:36', fraction: '', zoneMin: null, monthFirst: true });
    assert.deepEqual(read('9/1/2020 3:04:05.678 pm'), { wall: '2020-09-01T15:04:05', fraction: '.678', zoneMin: null, monthFirst: true });
    assert.deepEqual(read('12/31/2020 23:59:59.9999999'), { wall: '2020-12-31T23:59:59', fraction: '.9999999', zoneMin: null, monthFirst: true });
  });

  it('refuses what is not a real time or not one of those forms', () => {
    for (const s of [
      '', 'now', '2020-09-21', '2020-09-21 00:14', '2020-02-30 00:00:00', '2019-02-29 00:00:00', '2020-09-21 24:00:00', '2020-09-21 00:60:00',
      '2020-09-21 00:00:60', '2020-09-21T00:00:00+15:00', '13/21/2020 00:14:36', '21/09/2020 00:14:36', '9/21/2020 13:14:36 PM',
      '9/21/2020 0:14:36 AM', '21.09.2020 00:14:36', 'Sep 21, 2020 @ 04:14:36.000', 'Mon, 21 Sep 2020 04:14:36 GMT', '1600661676000', '/Date(1600661676000)/',
    ]) assert.equal(parseTimeText(s), null, s);
    assert.ok(parseTimeText('2020-02-29 00:00:00') && parseTimeText('2000-02-29 00:00:00'), 'leap days');
    assert.equal(parseTimeText('1900-02-29 00:00:00'), null);
  });

  it('puts a time in UTC by the given offset, keeping every fractional digit; far dates too', () => {
    const t = parseTimeText('9/21/2020 11:59:30.1234567 PM')!;
    assert.equal(isoAt(t, 4 * 3600_000), '2020-09-22T03:59:30.1234567Z');
    assert.equal(isoAt(t, 0), '2020-09-21T23:59:30.1234567Z');
    assert.equal(isoAt(parseTimeText('1601-01-01 00:00:00')!, 0), '1601-01-01T00:00:00Z');
    assert.equal(isoAt(parseTimeText('0099-12-31 10:00:00')!, 0), '0099-12-31T10:00:00Z', 'no 1900s for two-digit years');
    assert.equal(utcMsOf(parseTimeText('2020-09-21T00:14:36.5-04:00')!), Date.parse('2020-09-21T04:14:36.500Z'));
    assert.equal(utcMsOf(parseTimeText('2020-09-21 04:14:36.5')!), Date.parse('2020-09-21T04:14:36.500Z'), 'no zone: UTC');
  });
});
