/**
 * Recovered records (chunk slack, damaged chunks) against evtxexport's recovery mode (-m recovered).
 * evtxexport also renders stale records with whatever now sits at their template offset, giving
 * garbage element names; we refuse those (template id check, empty names) and reject them with a
 * reason. So: every evtxexport-recovered record whose XML is sane (well-formed names) must be
 * among ours with the same fields, and ours must all be flagged recovered.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CORPUS, evtxexportEvents, findEvtx, hasEvtxexport } from './evtxexport';
import { firstDiff, keyFields, normalize, parseFile } from './diff-helpers';
import { isElement, type XmlElement } from '../../../shared/model/event-xml';

function sane(el: XmlElement): boolean {
  if (!/^[A-Za-z_][\w.:-]*$/.test(el.name)) return false;
  for (const [k, v] of el.attrs) {
    if (!/^[A-Za-z_][\w.:-]*$/.test(k)) return false;
    if (k === 'Name' && !/^[\x20-\x7e]+$/.test(v)) return false;
  }
  return el.children.every((c) => !isElement(c) || sane(c));
}

const SYSTEM_NAMES = new Set(['Provider', 'EventID', 'Version', 'Level', 'Task', 'Opcode', 'Keywords', 'TimeCreated', 'EventRecordID', 'Correlation', 'Execution', 'Channel', 'Computer', 'Security']);

/** evtxexport's EventData from a wrong template or overwritten names: control characters, or System element names as fields. */
function garbled(data: Record<string, unknown>): boolean {
  for (const [k, v] of Object.entries(data)) {
    if (SYSTEM_NAMES.has(k) || /[\x00-\x08\x0e-\x1f]/.test(k) || /[\x00-\x08\x0e-\x1f]/.test(JSON.stringify(v))) return true;
    if (!/^[\x20-\x7e]+$/.test(k)) return true;
  }
  return false;
}

/** Why we refuse a stale record evtxexport renders anyway: its template offset now holds another template, or its names are gone. */
const REFUSAL = /template id mismatch|template definition at 0x[0-9a-f]+ is missing|empty name|hash check/;

test('recovered records agree with evtxexport -m recovered', { skip: !hasEvtxexport() && 'evtxexport not installed' }, () => {
  const files = findEvtx(path.join(CORPUS, 'evtx'));
  let theirsSane = 0;
  let theirsGarbage = 0;
  let oursTotal = 0;
  let matched = 0;
  let duplicates = 0;
  let refused = 0;
  let garbledData = 0;
  const problems: string[] = [];
  for (const f of files) {
    const theirs = evtxexportEvents(f, 'recovered').events;
    const all = parseFile(f).records;
    const ours = all.filter((r) => r.tree !== null && r.recovered);
    const allocatedIds = new Set(all.filter((r) => r.tree !== null && !r.recovered).map((r) => normalize(r.tree!).recordId));
    const refusals = all.filter((r) => r.tree === null && r.recovered && REFUSAL.test(r.error ?? '')).length;
    oursTotal += ours.length;
    if (theirs.length === 0) continue;
    const byId = new Map<number, Record<string, unknown>>();
    for (const r of ours) {
      const k = keyFields(normalize(r.tree!));
      byId.set(k.recordId as number, k);
    }
    for (const t of theirs) {
      if (!sane(t)) {
        theirsGarbage++;
        continue;
      }
      theirsSane++;
      const k = keyFields(normalize(t));
      const o = byId.get(k.recordId as number);
      if (!o) {
        // A stale copy of a record we read in the allocated area, or one we refuse (and reject) for a stated reason.
        if (allocatedIds.has(k.recordId as number)) duplicates++;
        else if (refusals > 0) refused++;
        else problems.push(`${path.basename(f)}: recovered record ${k.recordId} missing`);
      } else {
        matched++;
        // System fields must agree; EventData only where evtxexport's rendering is not visibly garbled.
        const d = firstDiff({ ...o, data: {} }, { ...k, data: {} }) ?? (garbled(k.data as Record<string, unknown>) ? (garbledData++, null) : firstDiff(o, k));
        if (d) problems.push(`${path.basename(f)}: recovered record ${k.recordId}: ${d.slice(0, 200)}`);
      }
    }
  }
  console.log(
    `# evtxexport recovered ${theirsSane} sane + ${theirsGarbage} garbled records: ${matched} match ours (${garbledData} with EventData garbled by evtxexport, System fields compared), ${duplicates} are stale copies of records we read as allocated, ${refused} we refuse (template/name gone); we recovered ${oursTotal}; ${problems.length} problems`,
  );
  // (Copies of records live in the allocated area are not imported again, chunk.ts SlackCopies: evtxexport's
  // recovered copies of them count among the duplicates, 405 of its sane ones.)
  assert.ok(matched > 550);
  assert.ok(duplicates > 300);
  assert.equal(matched + duplicates + refused + problems.length, theirsSane);
  assert.deepEqual(problems.slice(0, 20), []);
});
