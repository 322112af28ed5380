/**
 * Test support: corpus locations and reading evidence files into NormalizedEvents with the
 * project's parsers (EVTX through main/ingest/formats/evtx.ts, evtx_dump JSON renderings
 * through the shared normalizer).
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EvidenceParser } from '../../../main/ingest/evidence-parser';
import { evtxParser } from '../../../main/ingest/formats/evtx';
import { xmlTreeFromEvtxDump } from '../../../main/ingest/formats/evtx-dump-json';
import { splitJsonValues } from '../../../main/ingest/formats/json-events';
import type { NormalizedEvent } from '../../../shared/model/event';
import { eventFromXml } from '../../../shared/model/event-xml';
import { CORPUS, REPO_ROOT } from '../../helpers/paths';

export { CORPUS };
export const repoRoot = (): string => REPO_ROOT;
export const SIGMA = join(CORPUS, 'sigma');

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

/** Read an EVTX file with the project's parser. */
export async function readEvtx(path: string, sourceId = 1): Promise<{ events: NormalizedEvent[] }> {
  return { events: await parseWith(evtxParser, path, sourceId) };
}

/** Index of rule id -> rule file under the given rule folders (by the `id:` line; no YAML parse). */
export function ruleFilesById(dirs: string[]): Map<string, string> {
  const map = new Map<string, string>();
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
  return readdirSync(SIGMA)
    .filter((n) => n.startsWith('rules'))
    .map((n) => join(SIGMA, n));
}
