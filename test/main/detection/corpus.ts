/**
 * Test support: locate the shared corpus from the repository root (not from dist/) and read
 * evidence files into NormalizedEvents. EVTX files go through the project's EVTX parser
 * (main/ingest/formats/evtx.ts) when it is built; until then the regression cases fall back
 * to their evtx_dump JSON renderings, and other EVTX files to libevtx's `evtxexport` if the
 * machine has it (otherwise the caller skips).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { EvidenceParser } from '../../../main/ingest/evidence-parser';
import { splitJsonValues, xmlTreeFromEvtxDump } from '../../../main/ingest/formats/evtx-dump-json';
import type { NormalizedEvent } from '../../../shared/model/event';
import { eventFromXml, type XmlElement, type XmlNode } from '../../../shared/model/event-xml';

/** The repository root: the folder holding package.json, walking up from here. */
export function repoRoot(): string {
  let d = __dirname;
  for (;;) {
    if (existsSync(join(d, 'package.json'))) return d;
    const up = dirname(d);
    if (up === d) throw new Error('package.json not found above ' + __dirname);
    d = up;
  }
}

export const CORPUS = resolve(repoRoot(), '..', 'shared', 'corpus');
export const SIGMA = join(CORPUS, 'sigma');

let evtxParserPromise: Promise<EvidenceParser | null> | undefined;

/** The project's EVTX parser, when main/ingest/formats/evtx.ts has been written and built. */
export function projectEvtxParser(): Promise<EvidenceParser | null> {
  return (evtxParserPromise ??= (async () => {
    const js = join(repoRoot(), 'dist', 'main', 'ingest', 'formats', 'evtx.js');
    if (!existsSync(join(repoRoot(), 'main', 'ingest', 'formats', 'evtx.ts')) || !existsSync(js)) return null;
    try {
      const mod = (await import(js)) as Record<string, unknown>;
      for (const v of Object.values(mod)) {
        const p = v as Partial<EvidenceParser> | undefined;
        if (p && typeof p === 'object' && p.format === 'evtx' && typeof p.parse === 'function') return p as EvidenceParser;
      }
      for (const v of Object.values(mod)) {
        if (typeof v === 'function') {
          try {
            const inst = new (v as new () => Partial<EvidenceParser>)();
            if (inst.format === 'evtx' && typeof inst.parse === 'function') return inst as EvidenceParser;
          } catch {
            /* not a parser class */
          }
        }
      }
    } catch {
      return null;
    }
    return null;
  })());
}

export async function parseWith(parser: EvidenceParser, path: string, sourceId = 1): Promise<NormalizedEvent[]> {
  const events: NormalizedEvent[] = [];
  const bytes = readFileSync(path);
  await parser.parse(
    {
      sourceId,
      path,
      size: statSync(path).size,
      stream: async function* () {
        yield bytes;
      },
    },
    { accept: (e) => events.push(e), reject: () => {}, error: () => {}, progress: () => {} },
  );
  return events;
}

/** Events of an evtx_dump JSON rendering. */
export function eventsFromDumpJson(path: string, sourceId = 1): NormalizedEvent[] {
  const { values } = splitJsonValues(readFileSync(path, 'utf8'));
  return values.map((v, i) => eventFromXml(xmlTreeFromEvtxDump(v), { sourceId, sourcePath: path, recordNumber: i + 1 }, JSON.stringify(v)));
}

// --- evtxexport fallback (test-only): a tiny XML reader sufficient for its well-formed output.

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (m, e: string) => {
    const l = e.toLowerCase();
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'amp') return '&';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    const cp = l.startsWith('#x') ? parseInt(l.slice(2), 16) : parseInt(l.slice(1), 10);
    return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

export function parseXmlEvents(xml: string): XmlElement[] {
  const out: XmlElement[] = [];
  const stack: XmlElement[] = [];
  const re = /<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|([^<]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    if (m[5] !== undefined) {
      if (stack.length) stack[stack.length - 1].children.push(decodeEntities(m[5]) as XmlNode);
      continue;
    }
    if (!m[2]) continue;
    if (m[1]) {
      const el = stack.pop();
      if (el && stack.length === 0) out.push(el);
      continue;
    }
    const attrs: Array<[string, string]> = [];
    const ar = /([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
    let a: RegExpExecArray | null;
    while ((a = ar.exec(m[3]))) attrs.push([a[1], decodeEntities(a[2] ?? a[3] ?? '')]);
    const el: XmlElement = { name: m[2], attrs, children: [] };
    if (stack.length) stack[stack.length - 1].children.push(el);
    if (m[4]) {
      if (stack.length === 0) out.push(el);
    } else stack.push(el);
  }
  // Drop whitespace-only text between elements.
  const clean = (el: XmlElement) => {
    if (el.children.some((c) => typeof c !== 'string')) el.children = el.children.filter((c) => typeof c !== 'string' || c.trim() !== '');
    for (const c of el.children) if (typeof c !== 'string') clean(c);
  };
  out.forEach(clean);
  return out;
}

function hasEvtxexport(): boolean {
  try {
    execFileSync('evtxexport', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export type EvtxSource = 'project-parser' | 'evtxexport' | null;

/** Read an EVTX file: project parser, else evtxexport; null when neither is available. */
export async function readEvtx(path: string, sourceId = 1): Promise<{ events: NormalizedEvent[]; via: EvtxSource } | null> {
  const parser = await projectEvtxParser();
  if (parser) return { events: await parseWith(parser, path, sourceId), via: 'project-parser' };
  if (!hasEvtxexport()) return null;
  const xml = execFileSync('evtxexport', ['-f', 'xml', path], { maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  const events = parseXmlEvents(xml).map((el, i) => {
    const ev = eventFromXml(el, { sourceId, sourcePath: path }, null);
    ev.ref.recordNumber = ev.recordId ?? i + 1;
    return ev;
  });
  return { events, via: 'evtxexport' };
}

/** Index of rule id -> rule file under the given rule folders (by the `id:` line; no YAML parse). */
export function ruleFilesById(dirs: string[]): Map<string, string> {
  const map = new Map<string, string>();
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) {
        const m = /^id:\s*['"]?([0-9a-fA-F-]{36})/m.exec(readFileSync(p, 'utf8'));
        if (m) map.set(m[1].toLowerCase(), p);
      }
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return map;
}

export function sigmaRuleDirs(): string[] {
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  return readdirSync(SIGMA)
    .filter((n) => n.startsWith('rules'))
    .map((n) => join(SIGMA, n));
}
