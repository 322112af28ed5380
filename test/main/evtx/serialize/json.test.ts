/**
 * The JSON serializer against the evtx_dump renderings shipped with the Sigma regression data:
 * every record of every *.evtx there, object for object (types, #attributes, nulls, trimming).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CORPUS, findEvtx } from '../evtxexport';
import { readEvtxBuffer } from '../../../../main/evtx/reader';
import { recordToJson, recordToJsonObject } from '../../../../main/evtx/serialize/json';

/** The JSON files may hold several objects one after the other. */
function splitObjects(txt: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0, start = -1, inStr = false, esc = false;
  for (let i = 0; i < txt.length; i++) {
    const c = txt[i];
    if (inStr) {
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(txt.slice(start, i + 1)));
  }
  return out;
}

/**
 * One regression JSON was edited by hand upstream (it is not evtx_dump output): its
 * ParentCommandLine differs in case from the EVTX and its SystemTime has 9 digits.
 */
const HAND_EDITED: Record<string, string[]> = {
  'ad691d92-15f2-4181-9aa4-723c74f9ddc3.json': ['EventData.ParentCommandLine', 'System.TimeCreated'],
};

function drop(o: any, p: string): void {
  const parts = p.split('.');
  let x = o.Event;
  for (const k of parts.slice(0, -1)) x = x?.[k];
  if (x) delete x[parts[parts.length - 1]];
}

test('JSON rendering equals the evtx_dump JSON of the Sigma regression data', () => {
  const files = findEvtx(path.join(CORPUS, 'sigma', 'regression_data'));
  let compared = 0;
  let skippedFields = 0;
  for (const f of files) {
    const jf = f.replace(/\.evtx$/, '.json');
    if (!fs.existsSync(jf)) continue;
    const expected = splitObjects(fs.readFileSync(jf, 'utf8'));
    const ours: any[] = [];
    readEvtxBuffer(new Uint8Array(fs.readFileSync(f)), { record: (r) => r.tree && !r.recovered && ours.push(recordToJsonObject(r.tree)) }, { typed: true });
    assert.equal(ours.length, expected.length, jf);
    const edited = HAND_EDITED[path.basename(jf)];
    for (let i = 0; i < ours.length; i++) {
      const exp = expected[i] as any;
      if (edited) {
        for (const p of edited) {
          drop(ours[i], p);
          drop(exp, p);
          skippedFields++;
        }
      }
      assert.deepStrictEqual(ours[i], exp, `${jf} record ${i}`);
      compared++;
    }
  }
  console.log(`# ${compared} records equal to their evtx_dump JSON (${skippedFields} hand-edited fields skipped)`);
  assert.ok(compared >= 119);
});

test('JSON lines are single-line and parse back', () => {
  const f = path.join(CORPUS, 'evtx', 'parser-edge-cases', 'security.evtx');
  let n = 0;
  readEvtxBuffer(new Uint8Array(fs.readFileSync(f)), {
    record: (r) => {
      if (!r.tree || n > 50 || r.recordId! > 1000) return;
      if (!JSON.stringify(r.tree).includes('Microsoft-Windows-Security-Auditing')) return;
      const line = recordToJson(r.tree);
      assert.ok(!line.includes('\n'));
      const o = JSON.parse(line);
      assert.equal(typeof o.Event.System.EventID, 'number');
      assert.equal(o.Event.System.Channel, 'Security');
      // GUID-typed values lose their braces (evtx_dump); this provider's GUID is GUID-typed.
      assert.match(o.Event.System.Provider['#attributes'].Guid, /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
      assert.match(o.Event.System.TimeCreated['#attributes'].SystemTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      n++;
    },
  }, { typed: true });
  assert.ok(n > 50);
});
