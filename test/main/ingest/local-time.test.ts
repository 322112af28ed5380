/** Zone-less local times: per-host offsets, events held until their offset is known, and the fallback. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalTimeResolver, parseLocalTime } from '../../../main/ingest/local-time';
import type { NormalizedEvent } from '../../../shared/model/event';

const ev = (host: string, n: number): NormalizedEvent => ({
  timeCreated: '', channel: 'C', provider: 'P', eventId: n, recordId: n, computer: host, userSid: null, level: null, task: null,
  opcode: null, keywords: null, processId: null, threadId: null, data: {}, message: null, raw: null, recovered: false,
  ref: { sourceId: 1, sourcePath: 'x' },
});

describe('LocalTimeResolver', () => {
  it('holds a host\'s events until a UTC reference gives its offset, then releases them corrected', () => {
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    r.add(ev('A', 1), parseLocalTime('2020-10-18 02:17:00.011')!, NaN);
    r.add(ev('B', 2), parseLocalTime('2020-10-18 09:00:00')!, NaN);
    assert.equal(out.length, 0);
    r.add(ev('A', 3), parseLocalTime('2020-10-18 02:17:17.852')!, Date.parse('2020-10-18T06:17:17.851Z'));
    assert.deepEqual(out.map((e) => [e.eventId, e.timeCreated]), [
      [1, '2020-10-18T06:17:00.011Z'],
      [3, '2020-10-18T06:17:17.852Z'],
    ]);
    r.add(ev('a', 4), parseLocalTime('2020-10-18 03:00:00')!, NaN);
    assert.equal(out[2].timeCreated, '2020-10-18T07:00:00Z', 'host names compare case-insensitively');
    r.finish();
    assert.equal(out[3].timeCreated, '2020-10-18T09:00:00Z');
    assert.deepEqual([...r.assumedUtc], [['b', 1]]);
  });

  it('ignores implausible references (over 14 hours away)', () => {
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    r.add(ev('A', 1), parseLocalTime('2020-10-18 02:00:00')!, Date.parse('2020-10-19T20:00:00Z'));
    r.finish();
    assert.equal(out[0].timeCreated, '2020-10-18T02:00:00Z');
    assert.equal(r.assumedUtc.get('a'), 1);
  });
});
