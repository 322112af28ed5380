/** Zone-less local times: one offset per host from its records' UTC references, disagreements reported, and the fallback. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalTimeResolver, MAX_PENDING, QUORUM, type UtcReference } from '../../../main/ingest/local-time';
import type { NormalizedEvent } from '../../../shared/model/event';
import { parseTimeText } from '../../../shared/model/time-text';

const ev = (host: string, n: number): NormalizedEvent => ({
  timeCreated: '', channel: 'C', provider: 'P', eventId: n, recordId: n, computer: host, userSid: null, level: null, task: null,
  opcode: null, keywords: null, processId: null, threadId: null, data: {}, message: null, raw: null, recovered: false,
  ref: { sourceId: 1, sourcePath: 'x', recordNumber: n },
});
const at = (s: string) => parseTimeText(s)!;
const ts = (iso: string): UtcReference => ({ ms: Date.parse(iso), field: '@timestamp' });

describe('LocalTimeResolver', () => {
  it('holds a host\'s events to the end, then gives all of them the offset its references agree on', () => {
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    r.add(ev('A', 1), at('2020-10-18 02:17:00.011'), null);
    r.add(ev('B', 2), at('2020-10-18 09:00:00'), null);
    r.add(ev('A', 3), at('2020-10-18 02:17:17.852'), { ms: Date.parse('2020-10-18T06:17:17.851Z'), field: 'UtcTime' });
    r.add(ev('a', 4), at('2020-10-18 03:00:00'), null);
    assert.equal(out.length, 0);
    r.finish();
    assert.deepEqual(out.map((e) => [e.eventId, e.timeCreated]), [
      [1, '2020-10-18T06:17:00.011Z'],
      [2, '2020-10-18T09:00:00Z'],
      [3, '2020-10-18T06:17:17.852Z'],
      [4, '2020-10-18T07:00:00Z'], // host names compare case-insensitively
    ], 'in input order');
    assert.deepEqual([...r.assumedUtc], [['b', 1]]);
    assert.deepEqual(r.report(), ['1 events of host B carry local times with no zone and no usable UTC reference to infer one: taken as UTC']);
  });

  it('a record shipped late keeps the host\'s offset, and the disagreement is reported', () => {
    // nxlog_lagged_timestamp: UTC-4, record 2's @timestamp arrives 9.5 minutes late (it used to give UTC-04:15, 04:30:00Z).
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    r.add(ev('WS1', 1), at('2020-09-21 00:14:36'), ts('2020-09-21T04:14:36.000Z'));
    r.add(ev('WS1', 2), at('2020-09-21 00:15:00'), ts('2020-09-21T04:24:30.000Z'));
    r.add(ev('WS1', 3), at('2020-09-21 00:15:10'), ts('2020-09-21T04:15:11.000Z'));
    r.finish();
    assert.deepEqual(out.map((e) => e.timeCreated), ['2020-09-21T04:14:36Z', '2020-09-21T04:15:00Z', '2020-09-21T04:15:10Z']);
    assert.equal(r.offsetOf('ws1'), 4 * 3600_000);
    assert.deepEqual(r.report(), [
      "1 of 3 events of host WS1: their own UTC reference (@timestamp) is +9m30s off the time the host's zone offset UTC-04:00 gives (more than 2 minutes; first at line 2); " +
        "they keep the host's offset, which 2 of 3 references agree on (a reference lags when shipped late, or the host's zone changed)",
    ]);
  });

  it('a backlog shipped hours later, even first in the file, does not move the host\'s times', () => {
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    const wall = (i: number) => `2020-09-21 00:${String(i).padStart(2, '0')}:00`;
    for (let i = 0; i < 4; i++) r.add(ev('H', i), at(wall(i)), ts(`2020-09-21T07:30:00Z`)); // backlog: sent 3.5 h late
    for (let i = 4; i < 10; i++) r.add(ev('H', i), at(wall(i)), ts(`2020-09-21T04:${String(i).padStart(2, '0')}:02Z`));
    r.finish();
    assert.deepEqual(out.map((e) => e.timeCreated), Array.from({ length: 10 }, (_, i) => `2020-09-21T04:${String(i).padStart(2, '0')}:00Z`));
    const [line] = r.report();
    assert.match(line, /^4 of 10 events of host H: .* is \+3h27m0s to \+3h30m0s off .* UTC-04:00 gives \(more than 2 minutes; first at line 0\); .* which 6 of 10 references agree on/);
  });

  it('lags under the tolerance are no disagreement; an exact tie goes to the smaller offset (a lag only adds)', () => {
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    r.add(ev('A', 1), at('2020-09-21 00:00:00'), ts('2020-09-21T04:01:59Z'));
    r.add(ev('B', 2), at('2020-09-21 00:00:00'), ts('2020-09-21T04:20:00Z'));
    r.add(ev('B', 3), at('2020-09-21 00:00:00'), ts('2020-09-21T04:00:00Z'));
    r.finish();
    assert.deepEqual(out.map((e) => e.timeCreated), ['2020-09-21T04:00:00Z', '2020-09-21T04:00:00Z', '2020-09-21T04:00:00Z']);
    assert.equal(r.report().length, 1);
    assert.match(r.report()[0], /^1 of 2 events of host B: .* is \+20m0s off .*; first at line 2\)/);
  });

  it('a record whose own time states a numeric zone votes that offset for its host', () => {
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    r.add(ev('WS3', 1), at('09/21/2020 00:14:36'), null);
    r.addZoneVote('ws3', at('2020-09-21T00:14:36-04:00').zoneMs!);
    r.finish();
    assert.equal(out[0].timeCreated, '2020-09-21T04:14:36Z');
    assert.deepEqual(r.report(), []);
  });

  it('ignores implausible references (over 14 hours away)', () => {
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    r.add(ev('A', 1), at('2020-10-18 02:00:00'), ts('2020-10-19T20:00:00Z'));
    r.finish();
    assert.equal(out[0].timeCreated, '2020-10-18T02:00:00Z');
    assert.equal(r.assumedUtc.get('a'), 1);
  });

  it('a host whose first QUORUM references agree leaves then, in order, and later ones at once', () => {
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    for (let i = 0; i < QUORUM - 1; i++) r.add(ev('A', i), at('2020-01-01 01:00:00'), ts('2020-01-01T06:00:03Z'));
    assert.equal(out.length, 0);
    r.add(ev('A', QUORUM - 1), at('2020-01-01 01:00:00'), ts('2020-01-01T06:00:00Z'));
    assert.equal(out.length, QUORUM);
    assert.deepEqual(out.map((e) => e.eventId), Array.from({ length: QUORUM }, (_, i) => i));
    r.add(ev('A', -1), at('2020-01-01 01:00:00'), null);
    assert.equal(out.length, QUORUM + 1);
    assert.ok(out.every((e) => e.timeCreated === '2020-01-01T06:00:00Z'));
  });

  it('references split at the quorum wait to the end of the file, where the offset most of all agree on is taken', () => {
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    // A backlog first: 850 of the first 1000 references 3.5 hours late (UTC-07:30); the rest, and the 2000 after, on time (UTC-04:00).
    for (let i = 0; i < 3000; i++) r.add(ev('H', i), at('2020-09-21 00:00:00'), ts(i < 850 ? '2020-09-21T07:30:00Z' : '2020-09-21T04:00:01Z'));
    assert.equal(out.length, 0, '85% agreement is not enough to decide early');
    r.finish();
    assert.ok(out.every((e) => e.timeCreated === '2020-09-21T04:00:00Z'));
    assert.match(r.report()[0], /^850 of 3000 events of host H: .* is \+3h30m0s off .* UTC-04:00 gives .* which 2150 of 3000 references agree on/);
  });

  it('past the bound of events held, the host with most waiting is decided from what it has, and keeps that offset', () => {
    const out: NormalizedEvent[] = [];
    const r = new LocalTimeResolver((e) => out.push(e));
    r.add(ev('B', -1), at('2020-01-01 00:00:00'), null);
    // Two references in three agree (UTC-05:00), one says UTC-06:00: not enough to decide early.
    const ref = (i: number) => (i % 4 < 2 ? ts('2020-01-01T06:00:00Z') : i % 4 === 2 ? ts('2020-01-01T07:00:00Z') : null);
    for (let i = 0; i < MAX_PENDING - 1; i++) r.add(ev('A', i), at('2020-01-01 01:00:00'), ref(i));
    assert.equal(out.length, 0);
    r.add(ev('A', MAX_PENDING - 1), at('2020-01-01 01:00:00'), ref(MAX_PENDING - 1));
    assert.equal(out.length, MAX_PENDING, 'A released when the bound was passed; B still waits');
    assert.ok(out.every((e) => e.computer === 'A' && e.timeCreated === '2020-01-01T06:00:00Z'));
    r.add(ev('A', -2), at('2020-01-01 02:00:00'), ts('2020-01-01T03:00:00Z'));
    assert.equal(out.at(-1)!.timeCreated, '2020-01-01T07:00:00Z', 'decided: a later reference does not change it');
    r.finish();
    assert.equal(out.at(-1)!.computer, 'B');
    assert.match(r.report()[0], /^1 events of host B /);
    assert.match(r.report()[1], /^12501 of 50001 events of host A: .* is -4h0m0s to \+1h0m0s off .* UTC-05:00 gives .* which 25000 of 37501 references agree on/);
  });
});
