/**
 * Test helper: run libevtx's evtxexport on a file and read its XML output into XmlElement trees
 * (a small XML reader: elements, double- or single-quoted attributes, text, entity and char refs, CDATA).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { XmlElement, XmlNode } from '../../../shared/model/event-xml';

export const EVTXEXPORT = '/usr/bin/evtxexport';
/** The repository root (tests run from dist/test/..., corpus paths are relative to the root). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const CORPUS = path.resolve(REPO_ROOT, '..', 'shared', 'corpus');

export function hasEvtxexport(): boolean {
  return fs.existsSync(EVTXEXPORT);
}

/** Every *.evtx under dir, sorted. */
export function findEvtx(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.toLowerCase().endsWith('.evtx')) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e];
  });
}

/** Parse XML text holding one or more top-level elements. */
export function parseXmlElements(text: string): XmlElement[] {
  const top: XmlElement[] = [];
  const stack: XmlElement[] = [];
  const re = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/([^\s>]+)\s*>|<([^\s/>!?]+)((?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  const attrRe = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  let m: RegExpExecArray | null;
  const addText = (s: string) => {
    const p = stack[stack.length - 1];
    if (!p) return;
    const last = p.children[p.children.length - 1];
    if (typeof last === 'string') p.children[p.children.length - 1] = last + s;
    else p.children.push(s);
  };
  while ((m = re.exec(text))) {
    if (m[1] !== undefined) addText(m[1]);
    else if (m[2] !== undefined) {
      stack.pop();
    } else if (m[3] !== undefined) {
      const el: XmlElement = { name: m[3], attrs: [], children: [] };
      let a: RegExpExecArray | null;
      attrRe.lastIndex = 0;
      while ((a = attrRe.exec(m[4]))) el.attrs.push([a[1], decodeEntities(a[2] ?? a[3] ?? '')]);
      const p = stack[stack.length - 1];
      if (p) p.children.push(el);
      else top.push(el);
      if (!m[5]) stack.push(el);
    } else if (m[6] !== undefined) {
      if (stack.length > 0) addText(decodeEntities(m[6]));
    }
  }
  // Drop whitespace-only text between elements (indentation).
  const clean = (el: XmlElement) => {
    const hasEl = el.children.some((c) => typeof c !== 'string');
    if (hasEl) el.children = el.children.filter((c: XmlNode) => typeof c !== 'string' || c.trim() !== '');
    for (const c of el.children) if (typeof c !== 'string') clean(c);
  };
  for (const e of top) clean(e);
  return top;
}

/** evtxexport's XML output for a file; `mode` 'items' (default) or 'recovered'. */
export function evtxexportXml(file: string, mode: 'items' | 'recovered' = 'items'): { xml: string; status: number | null } {
  const r = spawnSync(EVTXEXPORT, ['-f', 'xml', '-m', mode, file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  return { xml: r.stdout ?? '', status: r.status };
}

/** evtxexport's records of a file as <Event> trees. */
export function evtxexportEvents(file: string, mode: 'items' | 'recovered' = 'items'): { events: XmlElement[]; status: number | null } {
  const { xml, status } = evtxexportXml(file, mode);
  return { events: parseXmlElements(xml).filter((e) => e.name === 'Event'), status };
}
