/**
 * Events explorer over a generated case of 1 million events: time to the first page and to
 * apply a facet filter (target < 200 ms each), plus a deep page, the facet counts and the
 * histogram for reference. Run with `npm run bench -- explorer`.
 */
import { CaseDb } from '../../main/db/case-db';
import { LocalCaseBackend } from '../../main/api/case-backend';
import { WorkbenchApi } from '../../main/api/workbench-api';
import type { NormalizedEvent } from '../../shared/model/event';
import type { ColumnRef } from '../../shared/api/interfaces';

const N = Number(process.env.EXPLORER_BENCH_EVENTS ?? 1_000_000);
const BATCH = 10_000;
const COLUMNS: ColumnRef[] = ['time', 'host', 'channel', 'event_id', 'image', 'parent_image', 'command_line', 'user_name'];

/** A deterministic generator with the shape of real Sysmon / Security / WMI-Activity logs. */
function* generate(n: number): Generator<NormalizedEvent> {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)];
  const hosts = Array.from({ length: 40 }, (_, i) => `WS${String(i).padStart(3, '0')}.corp.example`);
  const images = ['C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\explorer.exe', 'C:\\Windows\\System32\\rundll32.exe', 'C:\\Windows\\System32\\wbem\\WMIC.exe', 'C:\\Program Files\\App\\app.exe'];
  const parents = [...images, 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', 'C:\\Windows\\System32\\wbem\\scrcons.exe', 'C:\\Windows\\System32\\services.exe'];
  const users = ['CORP\\alice', 'CORP\\bob', 'NT AUTHORITY\\SYSTEM', 'CORP\\svc_backup', 'CORP\\carol'];
  const kinds = [
    { channel: 'Microsoft-Windows-Sysmon/Operational', provider: 'Microsoft-Windows-Sysmon', ids: [1, 3, 7, 10, 11, 12, 13, 19, 20, 21] },
    { channel: 'Security', provider: 'Microsoft-Windows-Security-Auditing', ids: [4624, 4625, 4648, 4672, 4688, 4689] },
    { channel: 'Microsoft-Windows-WMI-Activity/Operational', provider: 'Microsoft-Windows-WMI-Activity', ids: [5857, 5858, 5860, 5861] },
  ];
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const k = pick(kinds);
    const image = pick(images);
    const parent = pick(parents);
    const t = new Date(t0 + Math.floor((i / n) * 30 * 86_400_000) + Math.floor(rnd() * 1000)).toISOString();
    yield {
      timeCreated: t,
      channel: k.channel,
      provider: k.provider,
      eventId: pick(k.ids),
      recordId: i + 1,
      computer: pick(hosts),
      userSid: 'S-1-5-21-1-2-3-1001',
      level: 4,
      task: 1,
      opcode: 0,
      keywords: '0x8000000000000000',
      processId: 1000 + (i % 5000),
      threadId: 2000 + (i % 300),
      data: {
        UtcTime: t,
        ProcessGuid: `{${(i % 65536).toString(16).padStart(8, '0')}-0000-0000-0000-000000000000}`,
        ProcessId: String(1000 + (i % 5000)),
        Image: image,
        CommandLine: `"${image}" /c task-${i % 977} --flag ${i % 13}`,
        ParentImage: parent,
        ParentCommandLine: `"${parent}" -Embedding`,
        User: pick(users),
        IntegrityLevel: 'High',
      },
      message: null,
      raw: null,
      recovered: false,
      ref: { sourceId: 1, sourcePath: 'generated.evtx', recordNumber: i + 1 },
    };
  }
}

async function time<T>(label: string, target: number | null, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await f();
  const d = performance.now() - t;
  const verdict = target === null ? '' : d < target ? `  (target < ${target} ms: ok)` : `  (target < ${target} ms: MISSED)`;
  process.stdout.write(`${label.padEnd(44)} ${d.toFixed(1).padStart(8)} ms${verdict}\n`);
  return r;
}

export async function bench(): Promise<void> {
  const db = await CaseDb.create();
  const tBuild = performance.now();
  let batch: NormalizedEvent[] = [];
  for (const e of generate(N)) {
    batch.push(e);
    if (batch.length === BATCH) {
      db.insertEvents(batch);
      batch = [];
    }
  }
  if (batch.length) db.insertEvents(batch);
  db.addSource({
    id: 1, path: 'generated.evtx', size: 0, sha256: '0'.repeat(64), format: 'evtx', found: N, records: N, recovered: 0,
    rejected: 0, rejectedRecords: [], errors: [], firstTime: null, lastTime: null, hosts: [],
  });
  db.ensureIndexes();
  process.stdout.write(`generated case: ${N.toLocaleString('en-US')} events in ${((performance.now() - tBuild) / 1000).toFixed(1)} s\n`);

  const backend = new LocalCaseBackend(db);
  const api = new WorkbenchApi({ factory: { create: async () => backend, open: async () => backend }, shell: 'web' });
  const page = (filter: object, offset = 0) => api.dispatch('eventsPage', { filter, columns: COLUMNS, offset, limit: 200 });

  const first = await time('first page (200 rows + total count)', 200, () => page({}));
  if (first.total !== N) throw new Error(`expected ${N} events, got ${first.total}`);
  await time('next page (offset 200)', null, () => page({}, 200));
  await time(`deep page (offset ${Math.floor(N * 0.9).toLocaleString('en-US')})`, null, () => page({}, Math.floor(N * 0.9)));
  const host = 'WS007.corp.example';
  const filtered = await time('facet filter host= (first page + count)', 200, () => page({ facets: { host: [host] } }));
  await time('facet filter host= + event_id=1', 200, () => page({ facets: { host: [host], event_id: [1] } }));
  await time('parent wmiprvse.exe (first page + count)', null, () => page({ parentImages: ['wmiprvse.exe'] }));
  await time('facet counts (7 facets, unfiltered)', null, () => api.dispatch('facets', { filter: {} }));
  await time('facet counts again (cached per filter)', null, () => api.dispatch('facets', { filter: {} }));
  await time('facet counts (7 facets, host filter)', null, () => api.dispatch('facets', { filter: { facets: { host: [host] } } }));
  await time('histogram (160 buckets, unfiltered)', null, () => api.dispatch('histogram', { filter: {}, buckets: 160 }));
  await time('histogram (host filter)', null, () => api.dispatch('histogram', { filter: { facets: { host: [host] } }, buckets: 160 }));
  await time('histogram (text filter "task-42 ")', null, () => api.dispatch('histogram', { filter: { text: 'task-42 ' }, buckets: 160 }));
  const day = Date.parse('2024-01-15T00:00:00Z');
  await time('histogram (a one-hour window)', null, () => api.dispatch('histogram', { filter: {}, buckets: 160, view: { from: day, to: day + 3_600_000 } }));
  await time('full-text search "task-42 "', null, () => page({ text: 'task-42 ' }));
  await time('full-text search "4688" (also an event id)', null, () => page({ text: '4688' }));
  await time('facet search event_id "46"', null, () => api.dispatch('facetValues', { facet: 'event_id', filter: {}, search: '46' }));
  await time('facet search image "power"', null, () => api.dispatch('facetValues', { facet: 'image', filter: {}, search: 'power' }));
  await time('time filter to 100 ns (first page + count)', null, () => page({ timeFrom: day, timeFromSub: 1234, timeTo: day + 3_600_000, timeToSub: 5 }));
  process.stdout.write(`(host filter matched ${filtered.total.toLocaleString('en-US')} events)\n`);
  await api.close();
}

if (require.main === module) {
  bench().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
