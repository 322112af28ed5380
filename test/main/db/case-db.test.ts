/** The case database: save and reopen identically, atomic saves, and the read-only SQL entry point. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeFileAtomic } from '../../../main/db/atomic-write';
import { CaseClient } from '../../../main/db/case-client';
import { afterLeadingComments } from '../../../main/db/case-db';
import { isCaseFile } from '../../../main/db/case-file';
import { corpus, tempDir } from '../../helpers/paths';

async function fingerprint(c: CaseClient): Promise<string> {
  const h = createHash('sha256');
  for (const table of ['events', 'event_raw', 'sources', 'rejected_records']) {
    const rows = await c.query(`SELECT * FROM ${table} ORDER BY 1, 2`);
    h.update(table + JSON.stringify(rows));
  }
  return h.digest('hex');
}

describe('case database', () => {
  const dir = tempDir('case');
  let client: CaseClient;
  before(async () => {
    client = await CaseClient.create();
    await client.importEvidence([corpus('json', 'otrf', 'wmic_remote_xsl_jscript.zip'), corpus('evtx', 'attack-samples', 'Lateral Movement')]);
  });
  after(() => client.close());

  it('saves to one file and reopens identically', async () => {
    const file = path.join(dir, 'a.wmicase');
    await client.save(file);
    const reopened = await CaseClient.open(file);
    try {
      assert.equal(await fingerprint(reopened), await fingerprint(client));
      assert.deepEqual(await reopened.ledger(), await client.ledger());
      const [n] = await reopened.query('SELECT COUNT(*) AS n FROM events');
      assert.ok(Number(n.n) > 1000);
    } finally {
      await reopened.close();
    }
  });

  it('keeps the previous case file when a save cannot complete, and leaves no temporary file', async () => {
    const file = path.join(dir, 'keep.wmicase');
    writeFileSync(file, 'previous case');
    // A directory where the rename must land: the write succeeds, the replace fails.
    const blocked = path.join(dir, 'blocked.wmicase');
    mkdirSync(path.join(blocked, 'child'), { recursive: true });
    await assert.rejects(writeFileAtomic(blocked, new Uint8Array([1, 2, 3])));
    assert.equal(readFileSync(file, 'utf8'), 'previous case');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    await client.save(file);
    assert.equal(readFileSync(file).subarray(0, 15).toString(), 'SQLite format 3');
  });

  it('recognises a saved case by its content, not its name', async () => {
    const file = path.join(dir, 'named-like-evidence.evtx');
    await client.save(file);
    assert.equal(await isCaseFile(file), true);
    assert.equal(await isCaseFile(corpus('evtx', 'parser-edge-cases', 'security.evtx')), false);
    assert.equal(await isCaseFile(path.join(dir, 'missing.wmicase')), false);
    assert.equal(await isCaseFile(dir), false);
  });

  it('refuses to open what is not a case file, naming the problem', async () => {
    const bogus = path.join(dir, 'bogus.wmicase');
    writeFileSync(bogus, 'not sqlite at all');
    await assert.rejects(CaseClient.open(bogus), /not a database|not a WMI Workbench case file|file is not a database/i);
  });

  it('answers read-only SQL and refuses anything that writes', async () => {
    const r = await client.readOnlyQuery(`SELECT host, COUNT(*) AS n FROM events WHERE parent_image LIKE '%\\wmiprvse.exe' GROUP BY host ORDER BY n DESC`);
    assert.deepEqual(r.columns, ['host', 'n']);
    assert.ok(r.rows.length > 0);
    const fields = await client.readOnlyQuery(`SELECT name, COUNT(*) FROM event_fields WHERE name = 'CommandLine' GROUP BY name`);
    assert.equal(fields.rows[0][0], 'CommandLine');
    for (const sql of [
      'DELETE FROM events',
      'UPDATE events SET host = 1',
      'INSERT INTO events (id) VALUES (1)',
      'DROP TABLE events',
      "ATTACH DATABASE ':memory:' AS x",
      'PRAGMA query_only = OFF',
      'WITH x AS (SELECT 1) DELETE FROM events',
      'SELECT 1; DELETE FROM events',
      'CREATE TABLE t (a)',
    ]) {
      await assert.rejects(client.readOnlyQuery(sql), Error, sql);
    }
    const [n] = await client.query('SELECT COUNT(*) AS n FROM events');
    assert.ok(Number(n.n) > 1000, 'nothing was deleted');
  });

  it('takes comments before the statement as SQLite does, and the rules after them', async () => {
    assert.equal(afterLeadingComments('  -- a\n\t/* b\n c */\r\n  SELECT 1'), 'SELECT 1');
    assert.equal(afterLeadingComments('-- a /* not a block\nSELECT 1'), 'SELECT 1');
    assert.equal(afterLeadingComments('/* a -- not a line */SELECT 1'), 'SELECT 1');
    assert.equal(afterLeadingComments('-- only a comment'), '');
    assert.equal(afterLeadingComments('/* unclosed SELECT 1'), '');
    assert.equal(afterLeadingComments('\v SELECT 1'), '\v SELECT 1', 'not white space to SQLite');
    const example = "-- Read-only SQL over the case. Tables: events, sources, rejected_records, event_raw; view event_fields.\n-- Any event field: json_extract(data, '$.FieldName')\nSELECT parent_image, image, COUNT(*) AS n\nFROM events\nWHERE parent_image LIKE '%\\wmiprvse.exe'\nGROUP BY 1, 2\nORDER BY n DESC\nLIMIT 100";
    assert.ok((await client.readOnlyQuery(example)).rows.length > 0, 'the SQL screen example');
    assert.deepEqual((await client.readOnlyQuery('/* x */ -- y\n  VALUES (1), (2)')).rows, [[1], [2]]);
    for (const sql of ['-- x\nDELETE FROM events', '/* x */ DROP TABLE events', '-- x\nSELECT 1; DELETE FROM events', '/* */ ; DELETE FROM events', '/* SELECT */ PRAGMA query_only = OFF']) {
      await assert.rejects(client.readOnlyQuery(sql), Error, sql);
    }
    const [n] = await client.query('SELECT COUNT(*) AS n FROM events');
    assert.ok(Number(n.n) > 1000, 'nothing was deleted');
  });

  it('caps result rows and says so', async () => {
    const r = await client.readOnlyQuery('SELECT id FROM events', 10);
    assert.equal(r.rows.length, 10);
    assert.equal(r.truncated, true);
  });
});
