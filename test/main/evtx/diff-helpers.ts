/** Shared helpers of the EVTX tests: parse a file with our reader, compare with evtxexport. */
import * as fs from 'node:fs';
import { readEvtxBuffer } from '../../../main/evtx/reader';
import { XmlByteWriter } from '../../../main/evtx/serialize/xml-writer';
import type { ChunkRecord } from '../../../main/evtx/chunk';
import { eventFromXml, type XmlElement } from '../../../shared/model/event-xml';
import type { NormalizedEvent } from '../../../shared/model/event';
import { textOf } from '../../../shared/model/event-xml';
import { parseXmlElements } from './evtxexport';

export interface OurResult {
  records: ChunkRecord[];
  warnings: string[];
}

export function parseFile(file: string): OurResult {
  const records: ChunkRecord[] = [];
  const warnings: string[] = [];
  readEvtxBuffer(new Uint8Array(fs.readFileSync(file)), { record: (r) => records.push(r), warning: (w) => warnings.push(w) });
  return { records, warnings };
}

/** The XML one thread writes for `files`, one after another (what the workers' and dump's output must equal). */
export function oneThreadXml(files: string[], timeLimitMs?: number): Buffer {
  const w = new XmlByteWriter(true);
  for (const f of files) readEvtxBuffer(new Uint8Array(fs.readFileSync(f)), { record: () => undefined }, { xml: w, timeLimitMs });
  return Buffer.from(w.buf.subarray(0, w.len));
}

export function normalize(tree: XmlElement): NormalizedEvent {
  return eventFromXml(tree, { sourceId: 0, sourcePath: '' }, null, false);
}

/** The compared fields of one event, in a canonical form (times cut to 100 ns: evtxexport prints 9 digits). */
/**
 * Canonical form of a value for comparison with evtxexport, which differs from Windows only in
 * presentation: it pads hex numbers to their width (Windows: 0x3e7, evtxexport: 0x00000000000003e7)
 * and prints times with 9 fractional digits (Windows/us: 7, the FILETIME resolution).
 */
export function canonValue(v: string): string {
  if (/^0x[0-9a-fA-F]+$/.test(v)) return '0x' + (v.slice(2).replace(/^0+(?=.)/, '')).toLowerCase();
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7})(\d*)Z$/.exec(v);
  if (m && /^0*$/.test(m[2])) return m[1] + 'Z';
  return v;
}

function canonData(d: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(d)) out[k] = typeof v === 'string' ? canonValue(v) : v.map(canonValue);
  return out;
}

export function keyFields(e: NormalizedEvent): Record<string, unknown> {
  const t = e.timeCreated.replace(/^(.*\.\d{7})\d*Z$/, '$1Z');
  return {
    recordId: e.recordId,
    eventId: e.eventId,
    timeCreated: t,
    computer: e.computer,
    channel: e.channel,
    provider: e.provider,
    data: canonData(e.data),
  };
}

/** Text content of a value holding markup (evtxexport writes such values unescaped, so they read back as elements). */
function markupText(v: string): string {
  const els = parseXmlElements(`<x>${v}</x>`);
  return els.length ? textOf(els[0]) : v;
}

/**
 * Value equality up to evtxexport's presentation differences: size_t values (Windows: 0x-hex,
 * evtxexport: decimal), markup inside string values (evtxexport does not escape it), and values
 * made only of line breaks (evtxexport prints them as empty).
 */
export function sameValue(ours: unknown, theirs: unknown): boolean {
  if (JSON.stringify(ours) === JSON.stringify(theirs)) return true;
  if (Array.isArray(ours) && Array.isArray(theirs))
    return ours.length === theirs.length && ours.every((o, i) => sameValue(o, theirs[i]));
  if (typeof ours !== 'string' || typeof theirs !== 'string') return false;
  if (/^0x[0-9a-f]+$/.test(ours) && /^\d+$/.test(theirs)) return BigInt(ours) === BigInt(theirs);
  if (ours.includes('<') && markupText(ours) === theirs) return true;
  if (/^[\r\n]+$/.test(ours) && theirs === '') return true;
  return false;
}

/** First difference between two field sets, or null. */
export function firstDiff(a: Record<string, unknown>, b: Record<string, unknown>): string | null {
  for (const k of Object.keys(a)) {
    if (k === 'data') {
      const da = a.data as Record<string, unknown>;
      const db = b.data as Record<string, unknown>;
      const keys = new Set([...Object.keys(da), ...Object.keys(db)]);
      for (const dk of keys) {
        if (!sameValue(da[dk], db[dk])) return `data[${dk}]: ours ${JSON.stringify(da[dk])} vs ${JSON.stringify(db[dk])}`;
      }
    } else if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return `${k}: ours ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`;
  }
  return null;
}
