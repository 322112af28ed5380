/**
 * The other JSON shapes: evtx_dump output (one object per line, its pretty `Record N` form,
 * and JSON arrays) built from the SigmaHQ regression renderings of the corpus, and
 * Winlogbeat/ECS records built from the same events. Counts and fields are checked against
 * the source documents themselves.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaseClient } from '../../../main/db/case-client';
import type { LedgerEntry } from '../../../shared/model/ledger';
import { corpus, tempDir } from '../../helpers/paths';

function findJson(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir).sort()) {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) findJson(p, out);
    else if (n.endsWith('.json')) out.push(p);
  }
  return out;
}

/** Each regression .json holds one event or several concatenated pretty objects; split them with JSON.parse. */
function eventsOf(file: string): unknown[] {
  const text = readFileSync(file, 'utf8').trim();
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v : [v];
  } catch {
    return text.split(/\n(?=\{)/).map((t) => JSON.parse(t));
  }
}

describe('JSON shapes: evtx_dump and Winlogbeat/ECS', () => {
  const dir = tempDir('json-shapes');
  let client: CaseClient;
  let entries: LedgerEntry[];
  let events: Array<{ Event: { System: Record<string, any>; EventData?: Record<string, unknown> } }>;
  let ecsCount = 0;

  before(async () => {
    events = findJson(corpus('sigma', 'regression_data')).flatMap(eventsOf) as typeof events;
    writeFileSync(path.join(dir, 'dump.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    writeFileSync(path.join(dir, 'dump-pretty.json'), events.map((e, i) => `Record ${i + 1}\n${JSON.stringify(e, null, 2)}`).join('\n') + '\n');
    writeFileSync(path.join(dir, 'dump-array.json'), JSON.stringify(events, null, 1));
    // Winlogbeat/ECS records carrying the same events.
    const ecs = events.slice(0, 50).map((e, i) => {
      const s = e.Event.System;
      return {
        '@timestamp': s.TimeCreated['#attributes'].SystemTime,
        message: `event ${i}`,
        log: { level: 'information' },
        host: { name: String(s.Computer).toLowerCase() },
        winlog: {
          channel: s.Channel,
          event_id: s.EventID,
          provider_name: s.Provider['#attributes'].Name,
          record_id: s.EventRecordID,
          computer_name: s.Computer,
          event_data: e.Event.EventData ?? {},
          process: { pid: s.Execution?.['#attributes']?.ProcessID, thread: { id: s.Execution?.['#attributes']?.ThreadID } },
        },
      };
    });
    ecsCount = ecs.length;
    writeFileSync(path.join(dir, 'winlogbeat.ndjson'), ecs.map((e) => JSON.stringify(e)).join('\n'));
    client = await CaseClient.create();
    entries = (await client.importEvidence([dir])).entries;
  });
  after(() => client.close());

  for (const [file, format] of [
    ['dump.jsonl', 'json-evtx-dump'],
    ['dump-pretty.json', 'json-evtx-dump'],
    ['dump-array.json', 'json-evtx-dump'],
  ] as const) {
    it(`${file}: every event, in order, with its record ids`, async () => {
      const e = entries.find((x) => x.path.endsWith(file))!;
      assert.equal(e.format, format);
      assert.equal(e.records, events.length);
      assert.equal(e.rejected, 0);
      const rows = await client.query('SELECT record_id, event_id, channel, host FROM events WHERE source_id = ? ORDER BY id', [e.id]);
      assert.deepEqual(
        rows.map((r) => [r.record_id, r.event_id, r.channel, r.host]),
        events.map((ev) => {
          const s = ev.Event.System;
          const id = typeof s.EventID === 'object' ? s.EventID['#text'] : s.EventID;
          return [s.EventRecordID, Number(id), s.Channel, s.Computer];
        }),
      );
    });
  }

  it('evtx_dump EventData becomes the named fields, values as text', async () => {
    const e = entries.find((x) => x.path.endsWith('dump.jsonl'))!;
    const rows = await client.query('SELECT data FROM events WHERE source_id = ? ORDER BY id', [e.id]);
    let checked = 0;
    rows.forEach((r, i) => {
      const data = JSON.parse(String(r.data));
      const ed = events[i].Event.EventData;
      if (!ed || typeof ed !== 'object') return;
      for (const [k, v] of Object.entries(ed)) {
        if (k === '#attributes' || k === 'Data' || v === null || typeof v === 'object') continue;
        assert.equal(data[k], String(v), `event ${i} field ${k}`);
        checked++;
      }
    });
    assert.ok(checked > 500, `fields compared: ${checked}`);
  });

  it('Winlogbeat/ECS records map winlog.* onto the event model', async () => {
    const e = entries.find((x) => x.path.endsWith('winlogbeat.ndjson'))!;
    assert.equal(e.format, 'json-ecs');
    assert.equal(e.records, ecsCount);
    const rows = await client.query('SELECT * FROM events WHERE source_id = ? ORDER BY id', [e.id]);
    rows.forEach((r, i) => {
      const s = events[i].Event.System;
      assert.equal(r.host, s.Computer);
      assert.equal(r.channel, s.Channel);
      assert.equal(r.record_id, s.EventRecordID);
      assert.equal(r.provider, s.Provider['#attributes'].Name);
      assert.equal(r.level, 4);
      assert.equal(r.message, `event ${i}`);
    });
    const [img] = await client.query(`SELECT COUNT(*) AS n FROM events WHERE source_id = ? AND image IS NOT NULL`, [e.id]);
    assert.ok(Number(img.n) > 0, 'event_data fields become columns');
  });
});
