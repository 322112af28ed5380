import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatUtcInstant, MAX_EPOCH_MS, MIN_EPOCH_MS, parseUtcInstant } from '../../../shared/model/utc-time';

describe('UTC instants to 100 ns', () => {
  const ms = Date.UTC(2019, 3, 30, 20, 32, 51, 168);

  it('reads every form the workbench shows a time in', () => {
    const exact = { ms, sub: 5890 };
    for (const s of [
      '2019-04-30 20:32:51.1685890', // table cell, detail panel
      '2019-04-30 20:32:51.1685890 UTC', // detail header
      '2019-04-30T20:32:51.1685890Z', // record XML, SQL results
      '  2019-04-30T20:32:51.168589Z ',
      '2019-04-30 20:32:51.168589000', // 9 digits (some sources)
      '2019-04-30T20:32:51,1685890+00:00',
    ]) {
      assert.deepEqual(parseUtcInstant(s), exact, s);
    }
    assert.deepEqual(parseUtcInstant('2019-04-30 20:32:51.168'), { ms, sub: 0 }, 'a chip: milliseconds');
    assert.deepEqual(parseUtcInstant('2019-04-30 20:32:51'), { ms: ms - 168, sub: 0 }, 'the histogram axis: seconds');
    assert.deepEqual(parseUtcInstant('2019-04-30 20:32'), { ms: ms - 51_168, sub: 0 });
    assert.deepEqual(parseUtcInstant('2019-04-30'), { ms: Date.UTC(2019, 3, 30), sub: 0 });
    // Digits under 100 ns are dropped.
    assert.deepEqual(parseUtcInstant('2019-04-30 20:32:51.168589099'), { ms, sub: 5890 });
  });

  it('takes the years logs hold, a zeroed 1601 FILETIME and 9999 included', () => {
    assert.deepEqual(parseUtcInstant('1601-01-01 00:00:00.0000000'), { ms: Date.UTC(1601, 0, 1), sub: 0 });
    assert.deepEqual(parseUtcInstant('9999-12-31T23:59:59.9999999Z'), { ms: MAX_EPOCH_MS, sub: 9999 });
    assert.deepEqual(parseUtcInstant('0001-01-01'), { ms: MIN_EPOCH_MS, sub: 0 }, 'year 1, not 1901');
    assert.equal(formatUtcInstant(MIN_EPOCH_MS), '0001-01-01 00:00:00');
  });

  it('refuses what is not a real UTC time', () => {
    for (const s of ['', 'yesterday', '2019-02-29', '2019-04-31 00:00', '2019-04-30 24:00', '2019-04-30 20:60', '2019-04-30 20:32:60', '2019-04-30 20:32:51.1234567890', '2019-04-30T20:32:51+02:00', '2019-4-30', '0000-01-01']) {
      assert.equal(parseUtcInstant(s), null, s);
    }
    assert.deepEqual(parseUtcInstant('2020-02-29'), { ms: Date.UTC(2020, 1, 29), sub: 0 });
  });

  it('writes the shortest exact form, which reads back the same', () => {
    assert.equal(formatUtcInstant(ms, 5890), '2019-04-30 20:32:51.1685890');
    assert.equal(formatUtcInstant(ms, 1), '2019-04-30 20:32:51.1680001');
    assert.equal(formatUtcInstant(ms), '2019-04-30 20:32:51.168');
    assert.equal(formatUtcInstant(ms - 168), '2019-04-30 20:32:51');
    assert.equal(formatUtcInstant(Date.UTC(1601, 0, 1), 0), '1601-01-01 00:00:00');
    for (const [m, sub] of [[ms, 5890], [ms, 0], [ms - 168, 0], [Date.UTC(1601, 0, 1) + 5, 7], [MAX_EPOCH_MS, 9999]]) {
      assert.deepEqual(parseUtcInstant(formatUtcInstant(m, sub)), { ms: m, sub });
    }
  });
});
