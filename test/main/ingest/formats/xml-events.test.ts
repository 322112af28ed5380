/**
 * XML exports with events cut off before their </Event> (a copy interrupted, a disk full, a
 * carved fragment): the cut event is rejected with its line and byte offset, every complete
 * event after it imports, and found = imported + rejected. The exports are corpus EVTX files
 * rendered by our `dump --format xml` (held byte for byte to Windows' rendering elsewhere),
 * saved the ways wevtutil and Event Viewer save them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CaseClient, type ImportResult } from '../../../../main/db/case-client';
import type { LedgerEntry } from '../../../../shared/model/ledger';
import { CLI, corpus, tempDir } from '../../../helpers/paths';

/** The records of an EVTX file as Windows renders them, one string an event. */
function renderedEvents(...parts: string[]): string[] {
  const r = spawnSync(process.execPath, [CLI, 'dump', '--format', 'xml', corpus(...parts)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.match(/<Event [\s\S]*?<\/Event>/g) ?? [];
}
const recordId = (e: string) => Number(/<EventRecordID>(\d+)<\/EventRecordID>/.exec(e)![1]);
/** wevtutil qe /f:xml: one event a line, no whitespace between tags. */
const compact = (e: string) => e.replace(/>\s+</g, '><');
const lineOf = (text: string, at: number) => text.slice(0, at).split('\n').length;
/**
 * The first half of an event: cut off mid-element, long before its </Event>; not in a tag's
 * name (an event cut as '…<Event' of '<EventData>' leaves what reads as one more event cut
 * after its name).
 */
const half = (e: string) => e.slice(0, e.length >> 1).replace(/<\w*$/, '');

const CHUNK = 1024 * 1024; // the size the evidence is read in

interface Cut {
  line: number;
  offset: number;
  /** The end of the reason: what follows the cut event, where. */
  follows: RegExp;
}

/** A cut event from `start` to `end` of `text` (byte offset given): what follows it is the first thing after blanks. */
function cutOf(text: string, start: number, end: number, offset: number): Cut {
  const gap = text.slice(end).search(/\S/);
  const at = end + gap;
  const follows =
    gap < 0 ? /cut off before <\/Event> by the end of the file$/
    : text.startsWith('</Events>', at) ? new RegExp(`cut off before </Event>; the export's closing </Events> begins at line ${lineOf(text, at)}$`)
    : text.startsWith('<Event ', at) ? new RegExp(`cut off before </Event>; the next <Event> begins at line ${lineOf(text, at)}$`)
    : assert.fail(`unexpected text after a cut event: ${text.slice(at, at + 20)}`);
  return { line: lineOf(text, start), offset, follows };
}

describe('XML exports with cut events', () => {
  const dir = tempDir('xml-cut');
  let client: CaseClient;
  let result: ImportResult;
  let wmi: string[];
  let security: string[];
  const expected = new Map<string, { ids: number[]; cuts: Cut[] }>();
  const entry = (name: string): LedgerEntry => {
    const e = result.entries.find((x) => x.path.endsWith(name));
    assert.ok(e, `ledger entry for ${name}`);
    return e;
  };

  /**
   * Write an export of `events` with those at the indices in `cut` cut in half, and what the
   * ledger should say: the record ids of the complete ones, and for each cut one its line,
   * byte offset and what follows it (the next event, the root's closing tag, the file's end).
   */
  function save(name: string, events: string[], cut: number[], opts: { join: string; head?: string; tail?: string; utf16?: boolean }): void {
    let text = opts.head ?? '';
    const ids: number[] = [];
    const spans: Array<[number, number]> = [];
    events.forEach((e, i) => {
      if (i > 0) text += opts.join;
      if (cut.includes(i)) {
        spans.push([text.length, text.length + half(e).length]);
        text += half(e);
      } else {
        text += e;
        ids.push(recordId(e));
      }
    });
    text += opts.tail ?? '';
    writeFileSync(path.join(dir, name), opts.utf16 ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) : text);
    expected.set(name, { ids, cuts: spans.map(([start, end]) => cutOf(text, start, end, opts.utf16 ? 2 + 2 * start : Buffer.byteLength(text.slice(0, start)))) });
  }

  before(async () => {
    wmi = renderedEvents('evtx', 'attack-samples', 'Persistence', 'sysmon_20_21_1_CommandLineEventConsumer.evtx');
    security = renderedEvents('evtx', 'parser-edge-cases', 'security.evtx');
    // The case the exploratory run found: wevtutil output, event 5 of 17 cut.
    save('wevtutil-cut5.xml', wmi.map(compact), [4], { join: '\r\n', tail: '\r\n' });
    // Several cut events, two of them one after the other, and the last one (the file ends in it).
    save('wevtutil-cuts.xml', wmi.map(compact), [0, 7, 8, 16], { join: '\r\n', tail: '\r\n' });
    // Event Viewer "Save as XML": <Events> root, events as Windows writes them (pretty, multi-line), UTF-16LE.
    const viewerHead = '<?xml version="1.0" encoding="UTF-16"?>\r\n<Events>\r\n';
    save('viewer-cut5.xml', wmi, [4], { join: '\r\n', head: viewerHead, tail: '\r\n</Events>\r\n', utf16: true });
    // The last event cut: the export's closing </Events> ends it.
    save('viewer-cut-last.xml', wmi, [16], { join: '\r\n', head: viewerHead, tail: '</Events>\r\n' });
    // Two exports one after the other, the first one's last event cut before its </Events>.
    {
      const first = '<Events>\n' + wmi.slice(0, 16).join('\n') + '\n';
      const text = first + half(wmi[16]) + '</Events>\n<Events>\n' + wmi.join('\n') + '\n</Events>\n';
      writeFileSync(path.join(dir, 'viewer-twice.xml'), text);
      expected.set('viewer-twice.xml', {
        ids: [...wmi.slice(0, 16), ...wmi].map(recordId),
        cuts: [cutOf(text, first.length, first.length + half(wmi[16]).length, Buffer.byteLength(first))],
      });
    }
    // A large export read in several pieces: every 50th event cut.
    save('security-cuts.xml', security, security.map((_, i) => i).filter((i) => i % 50 === 25), { join: '\n', head: '<Events>\n', tail: '\n</Events>\n' });
    // One cut so that the next event's '<Event' is split between the first two pieces read.
    {
      let text = '';
      let k = 0;
      while (Buffer.byteLength(text + security[k] + '\n') < CHUNK - 4096) text += security[k++] + '\n';
      const start = text.length;
      text += half(security[k]);
      const end = text.length;
      text += ' '.repeat(CHUNK - 3 - Buffer.byteLength(text)); // '<Ev' ends the first piece, 'ent …' begins the next
      assert.equal(Buffer.byteLength(text), CHUNK - 3);
      text += security.slice(k + 1).join('\n') + '\n';
      writeFileSync(path.join(dir, 'security-boundary.xml'), text);
      expected.set('security-boundary.xml', { ids: security.filter((_, i) => i !== k).map(recordId), cuts: [cutOf(text, start, end, Buffer.byteLength(text.slice(0, start)))] });
    }
    // Events with nothing in them: <Event/> ends itself (it took the next event with it too).
    writeFileSync(path.join(dir, 'empty-events.xml'), `<Events>\n<Event/>\n<Event></Event>\n${wmi[0]}\n</Events>\n`);
    client = await CaseClient.create();
    result = await client.importEvidence([dir], { workers: 2 });
  });
  after(() => client.close());

  for (const name of ['wevtutil-cut5.xml', 'wevtutil-cuts.xml', 'viewer-cut5.xml', 'viewer-cut-last.xml', 'viewer-twice.xml', 'security-cuts.xml', 'security-boundary.xml']) {
    it(`${name}: each cut event rejected with its line and offset, every complete one imported`, async () => {
      const exp = expected.get(name)!;
      const e = entry(name);
      assert.equal(e.format, 'xml-events');
      assert.deepEqual(e.errors, []);
      assert.equal(e.records, exp.ids.length);
      assert.equal(e.rejected, exp.cuts.length);
      assert.equal(e.found, exp.ids.length + exp.cuts.length);
      const rows = await client.query('SELECT record_id FROM events WHERE source_id = ? ORDER BY id', [e.id]);
      assert.deepEqual(rows.map((r) => r.record_id), exp.ids);
      assert.equal(e.rejectedRecords.length, exp.cuts.length);
      e.rejectedRecords.forEach((r, i) => {
        const c = exp.cuts[i];
        assert.equal(r.recordNumber, c.line, r.reason);
        assert.equal(r.offset, c.offset, r.reason);
        assert.match(r.reason, new RegExp(`^truncated XML event at line ${c.line} \\(byte offset ${c.offset}\\): cut off before </Event>`));
        assert.match(r.reason, c.follows);
      });
    });
  }

  it('the exploratory run\'s file: 17 found = 16 imported + 1 rejected, record 16113 after the cut one imported', async () => {
    const e = entry('wevtutil-cut5.xml');
    assert.deepEqual([e.found, e.records, e.rejected], [17, 16, 1]);
    assert.equal(recordId(wmi[4]), 16112);
    const [r] = await client.query('SELECT COUNT(*) AS n FROM events WHERE source_id = ? AND record_id = 16113', [e.id]);
    assert.equal(r.n, 1);
    assert.equal(e.rejectedRecords[0].reason, 'truncated XML event at line 5 (byte offset ' + e.rejectedRecords[0].offset + '): cut off before </Event>; the next <Event> begins at line 6');
  });

  it('an empty <Event/> or <Event></Event> is rejected as no event record, the event after it imports', async () => {
    const e = entry('empty-events.xml');
    assert.deepEqual([e.found, e.records, e.rejected], [3, 1, 2]);
    assert.deepEqual(
      e.rejectedRecords.map((r) => [r.recordNumber, r.reason]),
      [2, 3].map((line) => [line, `XML event at line ${line} has no <System>: not an event record`]),
    );
    const rows = await client.query('SELECT record_id FROM events WHERE source_id = ?', [e.id]);
    assert.deepEqual(rows.map((r) => r.record_id), [recordId(wmi[0])]);
  });
});
