/**
 * What running analyst SQL on a snapshot costs (main/db/snapshot-queries.ts), on the case of the
 * whole EVTX corpus: the snapshot itself (the case's bytes, made in the db worker), the first
 * query after the case changed (snapshot, move to the query worker, load, query), a query on the
 * snapshot held, and the same statement in the db worker for reference. Medians of 7 rounds.
 * Run with `npm run bench -- sql-snapshot`.
 */
import { CaseClient } from '../../main/db/case-client';
import type { CaseSnapshot } from '../../main/db/case-db';
import { corpus } from '../helpers/paths';

const ROUNDS = 7;
const SQL = "SELECT host, COUNT(*) AS n FROM events WHERE parent_image LIKE '%\\wmiprvse.exe' GROUP BY host";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

export async function bench(): Promise<void> {
  const client = await CaseClient.create();
  try {
    const t0 = performance.now();
    const r = await client.importEvidence([corpus('evtx')]);
    const events = Number((await client.query('SELECT COUNT(*) AS n FROM events'))[0].n);
    process.stdout.write(`EVTX corpus case: ${events.toLocaleString('en-US')} events from ${r.entries.length} files in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    const rows = { snapshot: [] as number[], changed: [] as number[], held: [] as number[], dbWorker: [] as number[] };
    let bytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      rows.snapshot.push(await timed(async () => (bytes = (await client.call<CaseSnapshot>('snapshot')).bytes!.byteLength)));
      await client.query('INSERT OR REPLACE INTO case_meta (key, value) VALUES (?, ?)', ['bench', String(i)]); // (a change)
      rows.changed.push(await timed(() => client.readOnlyQuery(SQL)));
      rows.held.push(await timed(() => client.readOnlyQuery(SQL)));
      rows.dbWorker.push(await timed(() => client.query(SQL)));
    }
    const line = (label: string, xs: number[]) => process.stdout.write(`${label.padEnd(58)} ${median(xs).toFixed(1).padStart(8)} ms\n`);
    process.stdout.write(`snapshot: ${(bytes / 1e6).toFixed(1)} MB\n`);
    line('snapshot in the db worker (the case as bytes)', rows.snapshot);
    line('query after a change (snapshot + load in the query worker)', rows.changed);
    line('query on the snapshot held', rows.held);
    line('the same statement in the db worker (reference)', rows.dbWorker);
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  bench().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
