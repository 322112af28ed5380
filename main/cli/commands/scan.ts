/** `scan`: import evidence into a case, print the ledger summary, optionally write JSON and the case file. */
import { printable } from '../../../shared/text/printable';
import { CaseClient, type ImportResult } from '../../db/case-client';
import { ANALYSIS_TASKS } from '../../db/analysis-tasks';
import { parseArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { importFailed, importWithProgress, ledgerLines, workersOption } from '../import-evidence';
import { writeFileAtomic } from '../../db/atomic-write';
import { checkOutputFile } from '../output-file';

export interface ScanStats {
  files: number;
  /** Files byte-identical to one imported before them (ledger duplicateOf): their records were not imported again. */
  duplicates: number;
  records: number;
  recovered: number;
  rejected: number;
  found: number;
  bytes: number;
  hosts: string[];
  firstTime: string | null;
  lastTime: string | null;
  elapsedMs: number;
  eventsPerSecond: number;
  formats: Record<string, number>;
}

export function scanStats(r: ImportResult): ScanStats {
  const e = r.entries;
  const times = e.flatMap((x) => [x.firstTime, x.lastTime]).filter((t): t is string => t !== null).sort();
  const formats: Record<string, number> = {};
  for (const x of e) formats[x.format] = (formats[x.format] ?? 0) + 1;
  return {
    files: e.length,
    duplicates: e.filter((x) => x.duplicateOf !== undefined).length,
    records: e.reduce((a, x) => a + x.records, 0),
    recovered: e.reduce((a, x) => a + x.recovered, 0),
    rejected: e.reduce((a, x) => a + x.rejected, 0),
    found: e.reduce((a, x) => a + x.found, 0),
    bytes: e.reduce((a, x) => a + x.size, 0),
    hosts: [...new Set(e.flatMap((x) => x.hosts))].sort(),
    firstTime: times[0] ?? null,
    lastTime: times[times.length - 1] ?? null,
    elapsedMs: r.elapsedMs,
    eventsPerSecond: r.elapsedMs > 0 ? Math.round((r.records * 1000) / r.elapsedMs) : 0,
    formats,
  };
}

/** Results that later stages (detection, correlation) add to the scan document, when present. */
async function analysisSections(client: CaseClient): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if ('scanReport' in ANALYSIS_TASKS) Object.assign(out, await client.runTask<Record<string, unknown>>('scanReport'));
  return out;
}

export const scanCommand: CliCommand = {
  name: 'scan',
  usage: 'wmi-workbench scan <inputs…> [--json FILE] [--case FILE] [--force] [--workers N]',
  summary: 'Import evidence files, folders and zip archives; print the evidence ledger; optionally write a JSON result and the case file.',
  async run(args: string[], io: CliIO): Promise<number> {
    const a = parseArgs(args, { values: ['json', 'case', 'workers'], flags: ['force'] });
    if (a.positionals.length === 0) throw new UsageError('name at least one evidence file, folder or archive');
    for (const o of ['json', 'case']) if (a.values[o] !== undefined) checkOutputFile(o, a.values[o], a.positionals, a.flags.has('force'));
    const workers = workersOption(a.values.workers);
    const client = await CaseClient.create();
    try {
      const result = await importWithProgress(client, a.positionals, io, workers);
      const stats = scanStats(result);
      const out = io.stdout;
      out.write(`Evidence ledger (${stats.files} files):\n`);
      for (const x of result.entries) out.write(ledgerLines(x).join('\n') + '\n');
      out.write(
        `\n${stats.records} events imported (${stats.recovered} recovered), ${stats.rejected} rejected, from ${stats.files} files` +
          (stats.duplicates ? ` (${stats.duplicates} identical to files imported before them: not imported again)` : '') +
          ` in ${(stats.elapsedMs / 1000).toFixed(2)} s (${stats.eventsPerSecond} events/s)\n`,
      );
      out.write(`hosts: ${stats.hosts.map((h) => printable(h)).join(', ') || '(none)'}\n`);
      out.write(`time range: ${stats.firstTime ?? '-'} .. ${stats.lastTime ?? '-'} (UTC)\n`);
      const sections = await analysisSections(client);
      if (a.values.json) {
        const doc = {
          tool: 'wmi-workbench',
          generatedAt: new Date().toISOString(),
          inputs: a.positionals,
          evidence: result.entries,
          inputErrors: result.inputErrors,
          stats,
          ...sections,
        };
        await writeFileAtomic(a.values.json, Buffer.from(JSON.stringify(doc, null, 2)));
        out.write(`JSON result written to ${a.values.json}\n`);
      }
      if (a.values.case) {
        await client.save(a.values.case);
        out.write(`case saved to ${a.values.case}\n`);
      }
      return importFailed(result) ? 1 : 0;
    } finally {
      await client.close();
    }
  },
};
