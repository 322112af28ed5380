/**
 * Analyst SQL on snapshots of the case in a query worker: a query that does not end is stopped
 * by the time limit while the case (its worker, every other call) goes on; a snapshot is taken
 * again only when the case changed.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaseClient } from '../../../main/db/case-client';
import { CaseDb, type CaseSnapshot } from '../../../main/db/case-db';
import { QueryTimeLimitError, SnapshotQueries } from '../../../main/db/snapshot-queries';
import { corpus, tempDir } from '../../helpers/paths';

const ENDLESS = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';

describe('analyst SQL on a snapshot, with a time limit', () => {
  const dir = tempDir('snapshot');
  let client: CaseClient;
  let events: number;
  before(async () => {
    client = await CaseClient.create({ queryTimeLimitMs: 1000 });
    await client.importEvidence([corpus('evtx', 'attack-samples', 'Persistence', 'wmighost_sysmon_20_21_1.evtx')]);
    events = Number((await client.query('SELECT COUNT(*) AS n FROM events'))[0].n);
    assert.ok(events > 0);
  });
  after(() => client.close());

  it('stops a query that does not end; the case answers meanwhile, and saves and queries after', { timeout: 60_000 }, async () => {
    const t0 = performance.now();
    const stopped = assert.rejects(client.readOnlyQuery(ENDLESS), (e: unknown) => e instanceof QueryTimeLimitError && /^query stopped after 1 s/.test(e.message));
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const [n] = await client.query('SELECT COUNT(*) AS n FROM events');
      assert.equal(Number(n.n), events);
      assert.ok(performance.now() - t < 500, `the db worker answered in ${performance.now() - t} ms`);
    }
    await stopped;
    assert.ok(performance.now() - t0 < 10_000);
    await client.save(path.join(dir, 'after.wmicase'));
    assert.deepEqual((await client.readOnlyQuery('SELECT COUNT(*) FROM events')).rows, [[events]]);
    // A limit of its own for one query.
    await assert.rejects(client.readOnlyQuery(ENDLESS, 10, 300), /query stopped after 0\.3 s/);
  });

  it('queries wait their turn: one that does not end delays, never loses, the next', { timeout: 60_000 }, async () => {
    const first = client.readOnlyQuery(ENDLESS);
    const second = client.readOnlyQuery('SELECT COUNT(*) FROM events');
    await assert.rejects(first, QueryTimeLimitError);
    assert.deepEqual((await second).rows, [[events]]);
  });

  it('takes a snapshot only when the case changed since the last one', async () => {
    const db = await CaseDb.create();
    let copies = 0;
    const queries = new SnapshotQueries(async (have): Promise<CaseSnapshot> => {
      const s = db.snapshot(have);
      if (s.bytes) copies++;
      return s;
    });
    try {
      const meta = "SELECT value FROM case_meta WHERE key = 'note'";
      assert.deepEqual((await queries.query(meta)).rows, []);
      assert.deepEqual((await queries.query('SELECT COUNT(*) FROM events')).rows, [[0]]);
      assert.equal(copies, 1, 'the second query used the same snapshot');
      db.run("INSERT INTO case_meta (key, value) VALUES ('note', 'one')");
      assert.deepEqual((await queries.query(meta)).rows, [['one']]);
      db.run("UPDATE case_meta SET value = 'two' WHERE key = 'note'");
      assert.deepEqual((await queries.query(meta)).rows, [['two']]);
      assert.equal(copies, 3);
      db.run('CREATE TABLE c.notes (text TEXT)'); // (a change of schema alone, no row)
      assert.deepEqual((await queries.query('SELECT COUNT(*) FROM notes')).rows, [[0]]);
      assert.equal(copies, 4);
      // A write through analyst SQL is refused, and would reach only the copy.
      await assert.rejects(queries.query("INSERT INTO case_meta VALUES ('x', 'y')"), /only SELECT/);
      await assert.rejects(queries.query('-- x\nWITH a AS (SELECT 1) DELETE FROM case_meta'), Error);
      assert.equal(db.query("SELECT value FROM case_meta WHERE key = 'note'")[0].value, 'two');
      assert.equal(copies, 4);
    } finally {
      await queries.close();
      db.close();
    }
  });

  it('a query running when the case closes ends with an error, not never', { timeout: 60_000 }, async () => {
    const other = await CaseClient.create();
    const running = other.readOnlyQuery(ENDLESS);
    await new Promise((r) => setTimeout(r, 300));
    await other.close();
    await assert.rejects(running, /the case was closed while the query ran/);
  });
});
