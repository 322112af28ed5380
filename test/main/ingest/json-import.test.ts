/**
 * The zipped NXLog JSON datasets of the corpus, imported end to end through the case client
 * (parse workers -> db worker), checked against figures computed here independently: lines
 * and per-channel counts read straight from the archives with yauzl and JSON.parse.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as yauzl from 'yauzl';
import { CaseClient } from '../../../main/db/case-client';
import type { LedgerEntry } from '../../../shared/model/ledger';
import { corpus } from '../../helpers/paths';

async function readSoleMember(zipPath: string): Promise<Buffer> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true });
  return new Promise((resolve, reject) => {
    zip.on('entry', async (e: yauzl.Entry) => {
      const s = await zip.openReadStreamPromise(e);
      const parts: Buffer[] = [];
      s.on('data', (d: Buffer) => parts.push(d));
      s.on('end', () => {
        zip.close();
        resolve(Buffer.concat(parts));
      });
      s.on('error', reject);
    });
    zip.readEntry();
  });
}

describe('JSON datasets (NXLog flat records in zip archives)', () => {
  const dir = corpus('json', 'otrf');
  const zips = readdirSync(dir).filter((f) => f.endsWith('.zip')).sort();
  let client: CaseClient;
  let entries: LedgerEntry[];
  const expected = new Map<string, { lines: number; sha256: string; channels: Map<string, number>; hosts: Set<string>; keywords: Map<string, number> }>();

  before(async () => {
    for (const z of zips) {
      const bytes = await readSoleMember(`${dir}/${z}`);
      const lines = bytes.toString('utf8').split('\n').filter((l) => l.trim() !== '');
      const channels = new Map<string, number>();
      const hosts = new Set<string>();
      // Keywords as the text holds them (JSON.parse would round 64-bit values), counted.
      const keywords = new Map<string, number>();
      for (const l of lines) {
        const k = /"Keywords":(-?\d+)/.exec(l)?.[1];
        if (k !== undefined) keywords.set(k, (keywords.get(k) ?? 0) + 1);
        const o = JSON.parse(l);
        channels.set(o.Channel, (channels.get(o.Channel) ?? 0) + 1);
        hosts.add(o.Hostname);
      }
      expected.set(z, { lines: lines.length, sha256: createHash('sha256').update(bytes).digest('hex'), channels, hosts, keywords });
    }
    client = await CaseClient.create();
    entries = (await client.importEvidence([dir])).entries;
  });
  after(() => client.close());

  it('lists every archive and its member in the ledger', () => {
    assert.equal(entries.filter((e) => e.format === 'zip').length, zips.length);
    assert.equal(entries.filter((e) => e.archivePath).length, zips.length);
  });

  for (const z of ['covenant_sharpwmi_create_dcerpc_wmi.zip', 'empire_wmi_dcerpc_wmi_IWbemServices_ExecMethod.zip', 'wmic_remote_xsl_jscript.zip']) {
    it(`imports every line of ${z}, hashes the member and reconciles`, async () => {
      const exp = expected.get(z)!;
      const e = entries.find((x) => x.archivePath && x.path.endsWith(z))!;
      assert.ok(e, 'ledger entry for the member');
      assert.equal(e.format, 'json-flat');
      assert.deepEqual(e.errors, [], 'every host\'s references agree on its offset; no time unread');
      assert.equal(e.records, exp.lines);
      assert.equal(e.rejected, 0);
      assert.equal(e.found, e.records + e.rejected);
      assert.equal(e.sha256, exp.sha256);
      assert.deepEqual(new Set(e.hosts), exp.hosts);
      const rows = await client.query('SELECT channel, COUNT(*) AS n FROM events WHERE source_id = ? GROUP BY channel', [e.id]);
      assert.deepEqual(new Map(rows.map((r) => [r.channel, r.n])), exp.channels);
      const kw = await client.query('SELECT keywords, COUNT(*) AS n FROM events WHERE source_id = ? AND keywords IS NOT NULL GROUP BY keywords', [e.id]);
      assert.deepEqual(new Map(kw.map((r) => [r.keywords, r.n])), exp.keywords, 'Keywords exact (-9223372036854775808, not -9223372036854776000)');
    });
  }

  it('keeps the original record, maps NXLog keys to the event model and fields to columns', async () => {
    const [r] = await client.query(
      `SELECT id, host, channel, provider, event_id, record_id, time, image, command_line, parent_image, data
       FROM events WHERE channel = 'Microsoft-Windows-Sysmon/Operational' AND event_id = 1 ORDER BY id LIMIT 1`,
    );
    assert.ok(r, 'a Sysmon 1 event');
    const raw = await client.rawOf(Number(r.id));
    const original = JSON.parse(raw!);
    assert.equal(r.host, original.Hostname);
    assert.equal(r.provider, original.SourceName);
    assert.equal(r.record_id, original.RecordNumber);
    assert.equal(r.image, original.Image);
    assert.equal(r.command_line, original.CommandLine);
    assert.equal(r.parent_image, original.ParentImage);
    const data = JSON.parse(String(r.data));
    assert.equal(data.ProcessGuid, original.ProcessGuid);
    assert.equal(data.Hostname, undefined, 'NXLog metadata is not an event field');
    // Sysmon's own UtcTime agrees with the zone-corrected EventTime to the second.
    assert.equal(String(r.time).slice(0, 19), original.UtcTime.replace(' ', 'T').slice(0, 19));
  });

  it('puts zone-less local times in UTC, per host, from the records\' own UTC references', async () => {
    // wmic_remote_xsl_jscript has TimeCreated in local time (UTC-4) and no collector timestamp:
    // the offset comes from Sysmon's UtcTime, also for the host's events seen before it.
    const e = entries.find((x) => x.archivePath?.startsWith('wmic_remote_xsl_jscript'))!;
    assert.deepEqual(e.errors, []);
    const rows = await client.query(
      `SELECT time, json_extract(data, '$.UtcTime') AS utc FROM events WHERE source_id = ? AND json_extract(data, '$.UtcTime') IS NOT NULL`,
      [e.id],
    );
    assert.ok(rows.length > 100);
    for (const r of rows) {
      const delta = Math.abs(Date.parse(String(r.time)) - Date.parse(String(r.utc).replace(' ', 'T') + 'Z'));
      assert.ok(delta < 5000, `${r.time} vs UtcTime ${r.utc}`);
    }
    const [span] = await client.query(`SELECT MIN(time) AS a, MAX(time) AS b FROM events WHERE source_id = ?`, [e.id]);
    assert.ok(String(span.a) >= '2020-10-18T06:00' && String(span.b) <= '2020-10-18T06:30', `${span.a} .. ${span.b}`);
  });
});
