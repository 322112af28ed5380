/**
 * XML exports: libevtx's evtxexport renders corpus EVTX files as XML (an independent
 * implementation); we wrap its output the way Event Viewer ("Save as XML", <Events> root,
 * UTF-8) and wevtutil/PowerShell (no root, UTF-16LE) save it, import, and compare.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaseClient } from '../../../main/db/case-client';
import { corpus, hasCommand, tempDir } from '../../helpers/paths';

const SAMPLES = [
  'evtx/attack-samples/Persistence/sysmon_20_21_1_CommandLineEventConsumer.evtx',
  'evtx/attack-samples/Lateral Movement/LM_WMI_4624_4688_TargetHost.evtx',
  'evtx/parser-edge-cases/security.evtx',
];

function evtxexportXml(file: string): string[] {
  const out = execFileSync('evtxexport', ['-f', 'xml', file], { maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  const events = out.match(/<Event [\s\S]*?<\/Event>/g) ?? [];
  return events;
}

describe('XML event exports', { skip: !hasCommand('evtxexport') && 'evtxexport (libevtx-utils) is not installed' }, () => {
  const dir = tempDir('xml');
  const expected: Array<{ file: string; events: string[]; ids: number[] }> = [];
  let client: CaseClient;

  before(async () => {
    SAMPLES.forEach((s, i) => {
      const events = evtxexportXml(corpus(...s.split('/')));
      const ids = events.map((e) => Number(/<EventRecordID>(\d+)<\/EventRecordID>/.exec(e)![1]));
      const viewer = `<?xml version="1.0" encoding="UTF-8"?>\n<Events>\n${events.join('\n')}\n</Events>\n`;
      writeFileSync(path.join(dir, `viewer-${i}.xml`), viewer);
      const wevtutil = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(events.join('\r\n') + '\r\n', 'utf16le')]);
      writeFileSync(path.join(dir, `wevtutil-${i}.xml`), wevtutil);
      expected.push({ file: s, events, ids });
    });
    client = await CaseClient.create();
    await client.importEvidence([dir]);
  });
  after(() => client.close());

  for (const [i, s] of SAMPLES.entries()) {
    for (const kind of ['viewer', 'wevtutil'] as const) {
      it(`${kind} export of ${path.basename(s)}: every event, same record ids`, async () => {
        const exp = expected[i];
        assert.ok(exp.events.length > 0);
        const [entry] = (await client.ledger()).filter((e) => e.path.endsWith(`${kind}-${i}.xml`));
        assert.equal(entry.format, 'xml-events');
        assert.equal(entry.records, exp.events.length);
        assert.equal(entry.rejected, 0);
        const rows = await client.query('SELECT record_id FROM events WHERE source_id = ? ORDER BY id', [entry.id]);
        assert.deepEqual(rows.map((r) => r.record_id), exp.ids);
      });
    }
  }

  it('reads System, EventData and time exactly as exported', async () => {
    const exp = expected[0];
    const first = exp.events[0];
    const [r] = await client.query(
      `SELECT e.* FROM events e JOIN sources s ON s.id = e.source_id WHERE s.path LIKE '%viewer-0.xml' ORDER BY e.id LIMIT 1`,
    );
    // Full precision kept: the digits the export wrote.
    assert.equal(r.time, /SystemTime="([^"]+)"/.exec(first)![1]);
    assert.equal(r.event_id, Number(/<EventID[^>]*>(\d+)</.exec(first)![1]));
    assert.equal(r.host, /<Computer>([^<]*)</.exec(first)![1]);
    const data = JSON.parse(String(r.data));
    for (const m of first.matchAll(/<Data Name="([^"]+)">([^<]*)<\/Data>/g)) {
      const unescaped = m[2].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
      assert.equal(data[m[1]], unescaped, `field ${m[1]}`);
    }
  });
});

describe('XML references: decoded as XML defines them, evidence text kept as written', () => {
  it('character references (control characters too) and the five entities decoded; HTML names and CDATA kept as written', async () => {
    const dir = tempDir('xml-refs');
    const event = (rec: number, data: string, attr = 'x') =>
      `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="P${attr}"/><EventID>1</EventID>` +
      `<TimeCreated SystemTime="2024-01-01T00:00:0${rec}.0000000Z"/><EventRecordID>${rec}</EventRecordID><Channel>C</Channel><Computer>H</Computer></System>` +
      `<EventData><Data Name="V">${data}</Data></EventData></Event>`;
    const xml = [
      event(1, 'nul&#x0;here ctl&#x1;&#x1b;[31mred bell&#7;'),
      event(2, '&nbsp;&copy; &amp;lt; &#x1F600;&#128512; &#xD800; &#x110000;'),
      event(3, 'a<![CDATA[&amp; <raw>]]>b', 'q&#x1;&amp;&quot;'),
    ].join('\r\n');
    writeFileSync(path.join(dir, 'refs.xml'), xml);
    const client = await CaseClient.create();
    try {
      await client.importEvidence([dir]);
      const [entry] = await client.ledger();
      assert.equal(entry.records, 3);
      const rows = await client.query("SELECT record_id, provider, json_extract(data, '$.V') AS v FROM events ORDER BY record_id");
      // (The parser dropped the first event's references to control characters and decoded &nbsp; and &copy;.)
      assert.equal(rows[0].v, 'nul\u0000here ctl\u0001\u001b[31mred bell\u0007');
      assert.equal(rows[1].v, '&nbsp;&copy; &lt; \u{1F600}\u{1F600} &#xD800; &#x110000;');
      assert.equal(rows[2].v, 'a&amp; <raw>b');
      assert.equal(rows[2].provider, 'Pq\u0001&"');
    } finally {
      await client.close();
    }
  });
});
