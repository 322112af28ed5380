import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClientCaseBackend } from '../../../main/api/case-backend';
import { ApiError, WorkbenchApi } from '../../../main/api/workbench-api';
import { pageQuery, whereOf } from '../../../main/api/explorer-queries';
import { tempDir } from '../../helpers/paths';

/** Paths resolve from the repo root (dist/test/main/api -> four levels up). */
const ROOT = path.resolve(__dirname, '../../../..');
const CORPUS = path.resolve(ROOT, '../shared/corpus');
const LM = path.join(CORPUS, 'evtx/attack-samples/Lateral Movement');

describe('WorkbenchApi on a real case', () => {
  let api: WorkbenchApi;
  let tmp: string;

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'wmiwb-api-'));
    api = new WorkbenchApi({ factory: ClientCaseBackend.factory(), shell: 'web', uploadsDir: path.join(tmp, 'uploads') });
    const { jobId } = await api.dispatch('startImport', {
      paths: [
        path.join(LM, 'LM_wmiexec_impacket_sysmon_whoami.evtx'),
        path.join(LM, 'LM_WMI_4624_4688_TargetHost.evtx'),
        path.join(LM, 'wmi_remote_registry_sysmon.evtx'),
      ],
    });
    await api.idle();
    const st = await api.dispatch('importStatus', { jobId });
    assert.equal(st.state, 'done', st.error);
    assert.equal(st.files.length, 3);
    assert.ok(st.records > 0);
  });

  after(async () => {
    await api.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('reports the case and its ledger', async () => {
    const info = await api.dispatch('caseInfo', {});
    assert.ok(info.events > 0);
    assert.equal(info.sources, 3);
    assert.equal(info.dirty, true);
    const { entries } = await api.dispatch('ledger', {});
    assert.equal(entries.length, 3);
    for (const e of entries) {
      assert.match(e.sha256, /^[0-9a-f]{64}$/);
      assert.equal(e.format, 'evtx');
      assert.equal(e.found, e.records + e.rejected);
    }
  });

  it('pages events with any field as a column, and counts the total', async () => {
    const all = await api.dispatch('eventsPage', { filter: {}, columns: ['time', 'host', 'event_id', 'data.CommandLine'], offset: 0, limit: 10 });
    const info = await api.dispatch('caseInfo', {});
    assert.equal(all.total, info.events);
    assert.equal(all.rows.length, Math.min(10, info.events));
    assert.equal(all.rows[0].length, 5);
    // sorted by time ascending
    const times = all.rows.map((r) => String(r[1]));
    assert.deepEqual([...times].sort(), times);
    const page2 = await api.dispatch('eventsPage', { filter: {}, columns: ['time'], offset: 5, limit: 5 });
    assert.deepEqual(page2.rows.map((r) => r[0]), all.rows.slice(5, 10).map((r) => r[0]));
  });

  it('filters to the wmiprvse.exe parent and combines facets', async () => {
    const wmi = await api.dispatch('eventsPage', {
      filter: { parentImages: ['wmiprvse.exe'] },
      columns: ['parent_image', 'host', 'event_id'],
      offset: 0,
      limit: 500,
    });
    assert.ok(wmi.total > 0, 'the wmiexec sample has processes spawned by WmiPrvSE');
    for (const r of wmi.rows) assert.match(String(r[1]), /\\wmiprvse\.exe$/i);
    const f = await api.dispatch('facets', { filter: { parentImages: ['wmiprvse.exe'] } });
    const host = f.facets.host[0];
    assert.ok(host.count > 0);
    const sum = f.facets.event_id.reduce((a, v) => a + v.count, 0);
    assert.equal(sum, wmi.total);
    const combined = await api.dispatch('eventsPage', {
      filter: { parentImages: ['wmiprvse.exe'], facets: { host: [host.value as string], event_id: [1] } },
      columns: ['host', 'event_id'],
      offset: 0,
      limit: 500,
    });
    for (const r of combined.rows) {
      assert.equal(r[1], host.value);
      assert.equal(r[2], 1);
    }
    // A facet's own counts ignore its own selection, so selections can be widened.
    const f2 = await api.dispatch('facets', { filter: { facets: { event_id: [1] } } });
    assert.ok(f2.facets.event_id.length > 1);
  });

  it('searches full text, including backslashes and LIKE wildcards literally', async () => {
    const r = await api.dispatch('eventsPage', { filter: { text: 'whoami' }, columns: ['command_line'], offset: 0, limit: 100 });
    assert.ok(r.total > 0);
    const bs = await api.dispatch('eventsPage', { filter: { text: 'Windows\\System32' }, columns: ['image'], offset: 0, limit: 5 });
    assert.ok(bs.total > 0, 'a backslash path matches inside the JSON data too');
    const none = await api.dispatch('eventsPage', { filter: { text: '%_%_%zzq' }, columns: ['image'], offset: 0, limit: 5 });
    assert.equal(none.total, 0);
  });

  it('gives a histogram, a time range filter and event details with the original record', async () => {
    const h = await api.dispatch('histogram', { filter: {}, buckets: 50 });
    assert.ok(h.buckets.length > 0);
    const info = await api.dispatch('caseInfo', {});
    assert.equal(h.buckets.reduce((a, b) => a + b.count, 0), info.events);
    const first = h.buckets[0];
    const ranged = await api.dispatch('eventsPage', {
      filter: { timeFrom: first.start, timeTo: first.start + h.bucketMs },
      columns: ['time'],
      offset: 0,
      limit: 1,
    });
    assert.equal(ranged.total, first.count);
    const page = await api.dispatch('eventsPage', { filter: { parentImages: ['wmiprvse.exe'] }, columns: ['image'], offset: 0, limit: 1 });
    const id = Number(page.rows[0][0]);
    const d = await api.dispatch('eventDetail', { id });
    assert.equal(d.id, id);
    assert.ok(Object.keys(d.fields).length > 3);
    assert.ok(d.source?.path.endsWith('.evtx'));
    // pivot on a data field: events with this value
    const pivot = await api.dispatch('eventsPage', {
      filter: { equals: [{ field: 'data.ParentImage', value: d.fields.ParentImage as string }] },
      columns: ['parent_image'],
      offset: 0,
      limit: 10,
    });
    assert.ok(pivot.total >= 1);
    await assert.rejects(api.dispatch('eventDetail', { id: 999_999_999 }), (e: unknown) => e instanceof ApiError && e.kind === 'not-found');
  });

  it('lists field names for the column chooser', async () => {
    const { fields } = await api.dispatch('fieldNames', {});
    assert.ok(fields.includes('CommandLine'));
    assert.ok(fields.includes('ParentImage'));
  });

  it('runs read-only SQL and refuses writes', async () => {
    const r = await api.dispatch('sqlQuery', { sql: 'SELECT event_id, COUNT(*) AS n FROM events GROUP BY 1 ORDER BY 2 DESC' });
    assert.deepEqual(r.columns, ['event_id', 'n']);
    assert.ok(r.rows.length > 0);
    await assert.rejects(api.dispatch('sqlQuery', { sql: 'DELETE FROM events' }), ApiError);
    await assert.rejects(api.dispatch('sqlQuery', { sql: 'WITH x AS (SELECT 1) DELETE FROM events' }), ApiError);
    await assert.rejects(api.dispatch('sqlQuery', { sql: 'SELECT 1; DROP TABLE events' }), ApiError);
    const after = await api.dispatch('caseInfo', {});
    assert.ok(after.events > 0);
  });

  it('validates every request before it reaches the core', async () => {
    const bad: Array<[string, unknown]> = [
      ['eventsPage', { filter: {}, columns: ['data) FROM events; --'], offset: 0, limit: 1 }],
      ['eventsPage', { filter: {}, columns: ['data.a"b'], offset: 0, limit: 1 }],
      ['eventsPage', { filter: {}, columns: ['time'], offset: -1, limit: 1 }],
      ['eventsPage', { filter: {}, columns: ['time'], offset: 0, limit: 1_000_000 }],
      ['eventsPage', { filter: { facets: { 'host; DROP': ['x'] } }, columns: ['time'], offset: 0, limit: 1 }],
      ['eventsPage', { filter: {}, columns: ['time'], offset: 0, limit: 1, extra: 1 }],
      ['sqlQuery', { sql: 42 }],
      ['openCase', { path: 'a\u0000b' }],
      ['saveQuery', { name: '', sql: 'select 1' }],
    ];
    for (const [m, body] of bad) {
      await assert.rejects(api.dispatch(m as 'eventsPage', body), (e: unknown) => e instanceof ApiError && e.kind === 'invalid-request', m);
    }
    await assert.rejects(api.dispatch('constructor' as 'eventsPage', {}), ApiError);
    await assert.rejects(api.dispatch('close' as 'eventsPage', {}), ApiError);
  });

  it('never concatenates values into SQL', () => {
    const evil = "x' OR 1=1 --";
    const q = pageQuery({ text: evil, facets: { host: [evil] }, equals: [{ field: 'data.Foo', value: evil }] }, ['data.Bar'], undefined, 0, 10);
    assert.ok(!q.sql.includes(evil));
    assert.ok(q.params.includes(evil));
    assert.ok(!whereOf({ parentImages: [evil] }).sql.includes(evil));
  });

  it('keeps saved queries in the case and saves and reopens it', async () => {
    await api.dispatch('saveQuery', { name: 'by event id', sql: 'SELECT event_id, COUNT(*) FROM events GROUP BY 1' });
    const { queries } = await api.dispatch('savedQueries', {});
    assert.deepEqual(queries.map((q) => q.name), ['by event id']);
    const before = await api.dispatch('caseInfo', {});
    const file = path.join(tmp, 'saved');
    const saved = await api.dispatch('saveCase', { path: file });
    assert.equal(saved.path, file + '.wmicase');
    assert.equal(saved.dirty, false);
    await api.dispatch('newCase', {});
    assert.equal((await api.dispatch('caseInfo', {})).events, 0);
    const reopened = await api.dispatch('openCase', { path: file + '.wmicase' });
    assert.equal(reopened.events, before.events);
    assert.equal(reopened.sources, before.sources);
    assert.deepEqual((await api.dispatch('savedQueries', {})).queries.map((q) => q.name), ['by event id']);
    await assert.rejects(api.dispatch('saveCase', { path: 'relative.wmicase' }), ApiError);
  });

  it('imports uploaded evidence and refuses dialogs in the web shell', async () => {
    await assert.rejects(api.dispatch('chooseEvidence', {}), ApiError);
    await assert.rejects(api.dispatch('startImport', {}), ApiError);
    await assert.rejects(api.dispatch('startImport', { uploadIds: ['nope'] }), ApiError);
  });
});

describe('WorkbenchApi: where a case is saved, and analyst SQL that does not end', () => {
  const dir = tempDir('api-save');
  const evidence = path.join(dir, 'evidence');
  let api: WorkbenchApi;
  const refusedAs = (kind: ApiError['kind'], message: RegExp) => (e: unknown) =>
    e instanceof ApiError && e.kind === kind && message.test(e.message);
  const mode = (f: string) => statSync(f).mode & 0o777;

  before(async () => {
    mkdirSync(evidence);
    // Evidence whose name ends like a case file: a Save as… to it must never replace it.
    copyFileSync(path.join(LM, 'LM_wmiexec_impacket_sysmon_whoami.evtx'), path.join(evidence, 'whoami.wmicase'));
    chmodSync(path.join(evidence, 'whoami.wmicase'), 0o644); // (copies keep the read-only corpus's mode)
    api = new WorkbenchApi({ factory: ClientCaseBackend.factory(), shell: 'web', uploadsDir: path.join(dir, 'uploads'), sqlTimeLimitMs: 1000 });
    await api.dispatch('startImport', { paths: [evidence] });
    await api.idle();
    assert.ok((await api.dispatch('caseInfo', {})).events > 0);
  });
  after(() => api.close());

  it('stops a query that does not end after the time limit; the case answers meanwhile and saves after', { timeout: 60_000 }, async () => {
    const t0 = performance.now();
    const endless = api.dispatch('sqlQuery', { sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c' });
    const stopped = assert.rejects(endless, refusedAs('refused', /^query stopped after 1 s\b/));
    await new Promise((r) => setTimeout(r, 300));
    const t1 = performance.now();
    const info = await api.dispatch('caseInfo', {});
    assert.ok(performance.now() - t1 < 500, `caseInfo took ${performance.now() - t1} ms while the query ran`);
    assert.ok(info.events > 0);
    await stopped;
    assert.ok(performance.now() - t0 < 10_000);
    const r = await api.dispatch('sqlQuery', { sql: 'SELECT COUNT(*) AS n FROM events' });
    assert.equal(r.rows[0][0], info.events);
    const saved = await api.dispatch('saveCase', { path: path.join(dir, 'after-endless.wmicase') });
    assert.equal(saved.dirty, false);
    assert.equal((await api.dispatch('shellInfo', {})).sqlTimeLimitMs, 1000, 'the screen can say what the limit is');
  });

  it('takes a statement after leading comments, and still only one read-only statement', async () => {
    const example = "-- Read-only SQL over the case.\n-- Any event field: json_extract(data, '$.FieldName')\nSELECT event_id, COUNT(*) AS n\nFROM events GROUP BY 1";
    assert.ok((await api.dispatch('sqlQuery', { sql: example })).rows.length > 0);
    assert.deepEqual((await api.dispatch('sqlQuery', { sql: '/* a\n   block */ -- and a line\n\tVALUES (42)' })).rows, [[42]]);
    for (const sql of ['-- x\nDELETE FROM events', '/* x */ DROP TABLE events', '-- x\n/* y */ WITH a AS (SELECT 1) DELETE FROM events', '-- x\nSELECT 1; DELETE FROM events', '/* x */ ; DELETE FROM events', '-- only a comment', '/* SELECT 1']) {
      await assert.rejects(api.dispatch('sqlQuery', { sql }), ApiError, sql);
    }
    assert.ok((await api.dispatch('caseInfo', {})).events > 0);
  });

  it('writes case files readable by their owner only (0600), as uploads are', async () => {
    const a = path.join(dir, 'owner-only.wmicase');
    await api.dispatch('saveCase', { path: a });
    assert.equal(mode(a), 0o600);
  });

  it('Save as asks before replacing a file, and never replaces a read-only file or evidence', async () => {
    const a = path.join(dir, 'a.wmicase');
    await api.dispatch('saveCase', { path: a });
    const before = readFileSync(a);
    await api.dispatch('saveQuery', { name: 'q', sql: 'SELECT 1' }); // (a change, so a replaced file would differ)
    await assert.rejects(api.dispatch('saveCase', { path: a }), refusedAs('exists', /a\.wmicase already exists$/));
    await assert.rejects(api.dispatch('saveCase', { path: path.join(dir, 'a') }), refusedAs('exists', /a\.wmicase already exists$/));
    assert.ok(readFileSync(a).equals(before), 'not replaced without overwrite');
    const saved = await api.dispatch('saveCase', { path: a, overwrite: true });
    assert.equal(saved.path, a);
    assert.ok(!readFileSync(a).equals(before));
    assert.equal(mode(a), 0o600);
    await api.dispatch('saveCase', {}); // (Save: its own file, no question)

    const ro = path.join(dir, 'ro.wmicase');
    writeFileSync(ro, 'an older case, kept read-only');
    chmodSync(ro, 0o444);
    await assert.rejects(api.dispatch('saveCase', { path: ro, overwrite: true }), refusedAs('refused', /read-only; it is never replaced/));
    assert.equal(readFileSync(ro, 'utf8'), 'an older case, kept read-only');

    const ev = path.join(evidence, 'whoami.wmicase');
    const evBytes = readFileSync(ev);
    await assert.rejects(api.dispatch('saveCase', { path: ev, overwrite: true }), refusedAs('refused', /evidence of this case; it is never replaced/));
    assert.ok(readFileSync(ev).equals(evBytes), 'the evidence is unchanged');
    assert.equal((await api.dispatch('caseInfo', {})).path, a, 'the case still belongs to its file');
  });

  it('a case opened from an upload has no file on the server: Save asks where, never into the uploads folder', async () => {
    const src = path.join(dir, 'shared.wmicase');
    await api.dispatch('saveCase', { path: src });
    const up = await api.registerUpload('shared.wmicase', async (target) => {
      copyFileSync(src, target);
      return statSync(target).size;
    });
    const info = await api.dispatch('openCase', { path: api.uploadPath(up.uploadId) });
    assert.equal(info.path, null);
    assert.equal(info.uploadedCopy, 'shared.wmicase');
    assert.equal(info.dirty, false);
    await assert.rejects(api.dispatch('saveCase', {}), refusedAs('invalid-request', /choose where to save the case/));
    const inUploads = path.join(path.dirname(api.uploadPath(up.uploadId)), 'kept.wmicase');
    await assert.rejects(api.dispatch('saveCase', { path: inUploads }), refusedAs('refused', /uploads folder, which is deleted when the workbench stops/));
    assert.ok(!existsSync(inUploads));
    await assert.rejects(api.dispatch('saveCase', { path: api.uploadPath(up.uploadId), overwrite: true }), refusedAs('refused', /uploads folder/));
    const home = path.join(dir, 'home.wmicase');
    const saved = await api.dispatch('saveCase', { path: home });
    assert.equal(saved.path, home);
    assert.equal(saved.uploadedCopy, null);
    assert.equal(saved.events, info.events);
  });
});

describe('WorkbenchApi import progress', () => {
  it("freezes a finished file's rate at its own parse time while other files parse", async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'wmiwb-rate-'));
    const api = new WorkbenchApi({ factory: ClientCaseBackend.factory(), shell: 'web', uploadsDir: path.join(tmp, 'uploads') });
    try {
      const edge = path.join(CORPUS, 'evtx/parser-edge-cases');
      // A small log first, then large ones that keep the import (and its progress reports) going after it.
      const paths = [
        path.join(LM, 'LM_wmiexec_impacket_sysmon_whoami.evtx'),
        path.join(edge, 'security.evtx'),
        path.join(edge, 'sysmon.evtx'),
        path.join(edge, 'system.evtx'),
        path.join(edge, 'sample-with-irregular-bool-values.evtx'),
      ];
      const { jobId } = await api.dispatch('startImport', { paths });
      /** Per file, every (rate, elapsedMs) seen once it was done. */
      const seen = paths.map(() => new Set<string>());
      let doneWhileRunning = 0;
      for (;;) {
        const st = await api.dispatch('importStatus', { jobId });
        st.files.forEach((f, i) => {
          if (f.state !== 'done') return;
          seen[i].add(`${f.rate} rec/s over ${f.elapsedMs} ms`);
          if (st.state === 'running' && i === 0) doneWhileRunning++;
        });
        if (st.state !== 'running') break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const st = await api.dispatch('importStatus', { jobId });
      assert.equal(st.state, 'done', st.error);
      assert.ok(doneWhileRunning > 1, 'the small log was seen done while the others parsed');
      for (const [i, f] of st.files.entries()) {
        assert.equal(seen[i].size, 1, `${path.basename(f.path)}: ${[...seen[i]].join(', ')}`);
        assert.ok(f.records > 0 && f.elapsedMs > 0 && f.elapsedMs <= st.elapsedMs, `${path.basename(f.path)}: ${f.records} records in ${f.elapsedMs} ms of ${st.elapsedMs}`);
        assert.equal(f.rate, Math.round((f.records * 1000) / f.elapsedMs));
      }
    } finally {
      await api.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
