/**
 * Both XML paths on one file: the fast path (templates expanded straight into bytes) and the tree
 * path (element tree, then serialize/xml.ts's string serializer). Used by record-xml.test.ts and
 * the long fuzz run.
 */
import * as assert from 'node:assert/strict';
import { readEvtxBuffer } from '../../../../main/evtx/reader';
import { recordToXml } from '../../../../main/evtx/serialize/xml';
import { XmlByteWriter } from '../../../../main/evtx/serialize/xml-writer';

export type Outcome = string; // the record's XML as written out in UTF-8 (read back), or 'rejected: <reason>'

function viaTree(b: Uint8Array): Outcome[] {
  const out: Outcome[] = [];
  // Through UTF-8 as dump writes it: lone surrogates in damaged strings become U+FFFD on both paths.
  const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('utf8');
  readEvtxBuffer(b, { record: (r) => out.push(r.error !== null ? `rejected: ${r.error}` : utf8(recordToXml(r.tree!))) }, { timeLimitMs: 1e9 });
  return out;
}

function viaFastPath(b: Uint8Array): Outcome[] {
  const out: Outcome[] = [];
  const w = new XmlByteWriter(true, 1024);
  let mark = 0;
  readEvtxBuffer(
    b,
    {
      record: (r) => {
        if (r.error !== null) out.push(`rejected: ${r.error}`);
        else {
          assert.equal(r.tree, null);
          // Each written record ends with a newline.
          assert.equal(w.buf[w.len - 1], 0x0a);
          out.push(w.buf.toString('utf8', mark, w.len - 1));
        }
        mark = w.len;
      },
    },
    { xml: w, timeLimitMs: 1e9 },
  );
  return out;
}

export function compareXmlPaths(label: string, b: Uint8Array): { records: number; rejected: number } {
  const a = viaTree(b);
  const f = viaFastPath(b);
  assert.equal(f.length, a.length, `${label}: record count`);
  let rejected = 0;
  for (let i = 0; i < a.length; i++) {
    if (f[i] !== a[i]) assert.fail(`${label}: record ${i} differs\n--- tree path\n${a[i].slice(0, 2000)}\n--- fast path\n${f[i].slice(0, 2000)}`);
    if (a[i].startsWith('rejected: ')) rejected++;
  }
  return { records: a.length, rejected };
}

