/**
 * The explorer's queries on a large real case (every EVTX file of the corpus, 306 distinct
 * event ids) plus an export with outlier times and events 100 ns apart: facet search finds
 * the rare values the top-50 facets leave out, a number typed in the search is an event id,
 * the time filter is exact to 100 ns whatever precision the source gave, and the histogram's
 * window leaves outliers out (counting them) and re-bins to any window asked for.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ClientCaseBackend } from '../../../main/api/case-backend';
import { WorkbenchApi } from '../../../main/api/workbench-api';
import { PLAUSIBLE_FROM } from '../../../main/api/explorer-queries';
import type { EventFilter } from '../../../shared/api/interfaces';
import { parseUtcInstant } from '../../../shared/model/utc-time';
import { corpus, tempDir } from '../../helpers/paths';
import { TIMED, writeTimedEvidence } from '../../helpers/timed-evidence';

describe('explorer queries on the whole EVTX corpus', () => {
  let api: WorkbenchApi;
  const tmp = tempDir('explorer-q');
  /** A number from read-only SQL (the independent answer). */
  const sql = async (q: string) => Number((await api.dispatch('sqlQuery', { sql: q })).rows[0][0]);
  const total = async (filter: EventFilter) => (await api.dispatch('eventsPage', { filter, columns: ['time'], offset: 0, limit: 1 })).total;

  before(async () => {
    api = new WorkbenchApi({ factory: ClientCaseBackend.factory(), shell: 'web', uploadsDir: path.join(tmp, 'uploads') });
    const { jobId } = await api.dispatch('startImport', { paths: [corpus('evtx'), writeTimedEvidence(tmp)] });
    await api.idle();
    const st = await api.dispatch('importStatus', { jobId });
    assert.equal(st.state, 'done', st.error);
  });
  after(async () => {
    await api.close();
  });

  it('finds rare event ids the top-50 facet leaves out, from the whole case', async () => {
    assert.ok((await sql('SELECT COUNT(DISTINCT event_id) FROM events')) > 300);
    const top = (await api.dispatch('facets', { filter: {}, limit: 50 })).facets.event_id.map((v) => v.value);
    for (const id of [20, 21, 4688]) {
      assert.ok(!top.includes(id), `${id} is outside the top 50 (the case the facet search is for)`);
      const { values } = await api.dispatch('facetValues', { facet: 'event_id', filter: {}, search: String(id) });
      assert.equal(values[0].value, id, `the exact id first: ${JSON.stringify(values.slice(0, 3))}`);
      assert.equal(values[0].count, await sql(`SELECT COUNT(*) FROM events WHERE event_id = ${id}`));
      for (const v of values) assert.ok(String(v.value).includes(String(id)));
    }
    // Under a filter, without the facet's own selection: Sysmon 21 (WmiEventConsumerToFilter).
    const sysmon = { facets: { channel: ['Microsoft-Windows-Sysmon/Operational'], event_id: [1] } };
    const { values } = await api.dispatch('facetValues', { facet: 'event_id', filter: sysmon, search: '21' });
    assert.deepEqual(values[0], {
      value: 21,
      count: await sql("SELECT COUNT(*) FROM events WHERE channel = 'Microsoft-Windows-Sysmon/Operational' AND event_id = 21"),
    });
    // Text facets: a case-insensitive substring, LIKE wildcards taken literally.
    const hosts = (await api.dispatch('facetValues', { facet: 'host', filter: {}, search: 'desktop-' })).values;
    assert.ok(hosts.length >= 2);
    for (const v of hosts) assert.match(String(v.value), /desktop-/i);
    assert.deepEqual((await api.dispatch('facetValues', { facet: 'host', filter: {}, search: '%' })).values, []);
  });

  it('lists a selected value outside the top values, with its count', async () => {
    const f = await api.dispatch('facets', { filter: { facets: { event_id: [21] } }, limit: 50 });
    const row = f.facets.event_id.find((v) => v.value === 21);
    assert.deepEqual(row, { value: 21, count: await sql('SELECT COUNT(*) FROM events WHERE event_id = 21') });
  });

  it('takes a number typed in the search as an event id too', async () => {
    const n4688 = await sql('SELECT COUNT(*) FROM events WHERE event_id = 4688');
    assert.ok(n4688 > 0);
    assert.equal(await total({ text: '4688', facets: { event_id: [4688] } }), n4688);
    assert.equal(await total({ text: '21', facets: { event_id: [21], channel: ['Microsoft-Windows-Sysmon/Operational'] } }), await sql("SELECT COUNT(*) FROM events WHERE event_id = 21 AND channel = 'Microsoft-Windows-Sysmon/Operational'"));
  });

  it('filters time to 100 ns, whatever precision the source gave', async () => {
    const at = (iso: string) => parseUtcInstant(iso)!;
    const a = at(TIMED.a);
    const b = at(TIMED.b);
    const range = (from: { ms: number; sub: number } | null, to: { ms: number; sub: number } | null): EventFilter => ({
      facets: { host: [TIMED.host] },
      ...(from ? { timeFrom: from.ms, timeFromSub: from.sub } : {}),
      ...(to ? { timeTo: to.ms, timeToSub: to.sub } : {}),
    });
    const images = async (f: EventFilter) =>
      (await api.dispatch('eventsPage', { filter: f, columns: ['image'], offset: 0, limit: 10 })).rows.map((r) => r[1]).sort();
    assert.deepEqual(await images(range(a, b)), ['C:\\a.exe']);
    assert.deepEqual(await images(range(b, at('2021-03-05'))), ['C:\\b.exe']);
    assert.deepEqual(await images(range(at('2021-03-04 05:06:07.1234'), a)), []);
    // The millisecond-precision event (.123) and the whole second (no digits) sit before a.
    assert.deepEqual(await images(range(at('2021-03-04 05:06:07'), a)), ['C:\\milli.exe', 'C:\\whole.exe']);
    assert.deepEqual(await images(range(at('2021-03-04 05:06:07.0000001'), a)), ['C:\\milli.exe']);
    assert.deepEqual(await images(range(at('2021-03-04 05:06:07.123'), at('2021-03-04 05:06:07.1230001'))), ['C:\\milli.exe']);
    // A 9-digit time from the corpus (2021-11-19T16:52:33.833733500Z) is compared at 100 ns.
    const nine = await sql("SELECT COUNT(*) FROM events WHERE time = '2021-11-19T16:52:33.833733500Z'");
    assert.equal(nine, 1);
    const t9 = at('2021-11-19 16:52:33.8337335');
    assert.equal(await total({ timeFrom: t9.ms, timeFromSub: t9.sub, timeTo: t9.ms, timeToSub: t9.sub + 1 }), 1);
    assert.equal(await total({ timeFrom: t9.ms, timeFromSub: t9.sub + 1, timeTo: t9.ms + 1 }), 0);
  });

  it('keeps outlier times out of the histogram window, counted and still filterable', async () => {
    const all = await sql('SELECT COUNT(*) FROM events');
    const h = await api.dispatch('histogram', { filter: {}, buckets: 160 });
    assert.deepEqual([h.outliers.before, h.outliers.after], [1, 1]);
    assert.equal(h.outliers.from, PLAUSIBLE_FROM);
    assert.equal(h.minTime, await sql('SELECT MIN(time_ms) FROM events WHERE time_ms >= ' + PLAUSIBLE_FROM));
    assert.equal(h.maxTime, await sql(`SELECT MAX(time_ms) FROM events WHERE time_ms < ${h.outliers.to}`));
    assert.equal(h.viewFrom, h.minTime);
    assert.equal(h.viewTo, h.maxTime! + 1);
    assert.ok(h.buckets.length > 20, `the real events spread over many bars, not one: ${h.buckets.length}`);
    assert.ok(h.bucketMs <= 31 * 86_400_000, `bucket ${h.bucketMs} ms`);
    assert.equal(h.buckets.reduce((s, b) => s + b.count, 0), all - 2);
    // The outliers are one filter away.
    assert.equal(await total({ timeTo: h.outliers.from }), 1);
    assert.equal(await total({ timeFrom: h.outliers.to }), 1);
    // A window reaching into them starts at them.
    const early = await api.dispatch('histogram', { filter: {}, view: { from: null, to: PLAUSIBLE_FROM } });
    assert.equal(early.viewFrom, parseUtcInstant(TIMED.zeroed)!.ms);
    assert.equal(early.buckets.reduce((s, b) => s + b.count, 0), 1);
  });

  it('re-bins to any window, down to milliseconds', async () => {
    const h = await api.dispatch('histogram', { filter: {}, buckets: 160 });
    // An hour around the corpus's busiest bucket.
    const busiest = [...h.buckets].sort((x, y) => y.count - x.count)[0];
    const from = busiest.start;
    const hour = await api.dispatch('histogram', { filter: {}, buckets: 160, view: { from, to: from + 3_600_000 } });
    assert.equal(hour.viewFrom, from);
    assert.equal(hour.viewTo, from + 3_600_000);
    assert.ok(hour.bucketMs <= 30_000, `${hour.bucketMs} ms buckets`);
    assert.equal(hour.buckets.reduce((s, b) => s + b.count, 0), await total({ timeFrom: from, timeTo: from + 3_600_000 }));
    for (const b of hour.buckets) assert.ok(b.start + hour.bucketMs > from && b.start < from + 3_600_000);
    const a = parseUtcInstant(TIMED.a)!;
    const milli = await api.dispatch('histogram', { filter: { facets: { host: [TIMED.host] } }, buckets: 160, view: { from: a.ms - 80, to: a.ms + 80 } });
    assert.equal(milli.bucketMs, 1);
    assert.deepEqual(milli.buckets, [{ start: a.ms, count: 3 }]);
    // An open end stops at the last event that is not an outlier.
    const open = await api.dispatch('histogram', { filter: {}, view: { from, to: null } });
    assert.equal(open.viewTo, h.maxTime! + 1);
  });
});
