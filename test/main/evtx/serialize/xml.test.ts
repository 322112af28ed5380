/**
 * The XML serializer against evtxexport's XML, text for text, on real files. evtxexport's only
 * presentation differences from Windows are normalized: 9-digit times (Windows and
 * we: 100 ns, 7 digits), zero-padded hex, values of only line breaks printed empty. Records whose values hold markup are
 * skipped (evtxexport writes them unescaped, which is not XML).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CORPUS, evtxexportXml, findEvtx, hasEvtxexport } from '../evtxexport';
import { parseFile } from '../diff-helpers';
import { recordToXml } from '../../../../main/evtx/serialize/xml';
import { serializeXml } from '../../../../shared/model/event-xml';

function canonTheirs(s: string): string {
  return s.replace(/(\.\d{7})00Z/g, '$1Z').replace(/0x0+([0-9a-f])/g, '0x$1');
}
function canonOurs(s: string): string {
  // evtxexport prints a value made only of line breaks as an empty element.
  return s.replace(/0x0+([0-9a-f])/g, '0x$1').replace(/<(\w+)((?:\s[^>]*)?)(?<!\/)>[\r\n]+<\/\1>/g, '<$1$2/>');
}

const FILES = [
  ...['security.evtx', 'system.evtx', 'sysmon.evtx', '2-vss_7-System.evtx', 'sample-with-irregular-bool-values.evtx', 'Application_no_crc32.evtx'].map((f) =>
    path.join(CORPUS, 'evtx', 'parser-edge-cases', f),
  ),
  ...findEvtx(path.join(CORPUS, 'evtx', 'attack-samples')).slice(0, 60),
];

test('XML rendering matches evtxexport text for text', { skip: !hasEvtxexport() && 'evtxexport not installed' }, () => {
  let compared = 0;
  const problems: string[] = [];
  for (const f of FILES) {
    const ours = parseFile(f).records.filter((r) => r.tree && !r.recovered).map((r) => canonOurs(recordToXml(r.tree!)));
    const theirs = evtxexportXml(f).xml.split(/\n\n(?=<Event )/).filter((s) => s.startsWith('<Event')).map((s) => canonTheirs(s.trim()));
    assert.equal(ours.length, theirs.length, path.basename(f));
    for (let i = 0; i < ours.length; i++) {
      if (/<Data[^>]*>[^<]*</.test(theirs[i]) && ours[i].includes('&lt;')) continue; // unescaped markup on their side
      compared++;
      if (ours[i] !== theirs[i]) {
        const a = ours[i].split('\n');
        const b = theirs[i].split('\n');
        const j = a.findIndex((l, k) => l !== b[k]);
        problems.push(`${path.basename(f)} #${i}: ours ${a[j]} | evtxexport ${b[j]}`);
      }
    }
  }
  console.log(`# ${compared} records compared as XML text, ${problems.length} differences`);
  assert.ok(compared > 10000);
  assert.deepEqual(problems.slice(0, 10), []);
});

test('XML escaping: text escapes & < >, attributes also quotes', () => {
  const xml = recordToXml({ name: 'Event', attrs: [['a', `x"&'<`]], children: [{ name: 'Data', attrs: [['Name', 'n']], children: ['a<b>&c'] }] });
  assert.equal(xml, `<Event a="x&quot;&amp;&apos;&lt;">\n  <Data Name="n">a&lt;b&gt;&amp;c</Data>\n</Event>`);
  assert.equal(serializeXml({ name: 'X', attrs: [], children: [] }), '<X/>');
});
