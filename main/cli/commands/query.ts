/** `query`: one read-only SQL statement over a saved case, with a time limit. */
import { promises as fs } from 'node:fs';
import { printable } from '../../../shared/text/printable';
import { DEFAULT_QUERY_TIME_LIMIT_MS, SnapshotQueries } from '../../db/snapshot-queries';
import { parseArgs, secondsOption, UsageError, type CliCommand, type CliIO } from '../command';

function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Uint8Array) return `x'${Buffer.from(v).toString('hex')}'`;
  return printable(String(v), 200);
}

export const queryCommand: CliCommand = {
  name: 'query',
  usage: 'wmi-workbench query <case-file> "<SQL>" [--json] [--max-rows N] [--time-limit SECONDS]',
  summary:
    'Run one read-only SQL statement (SELECT/WITH/VALUES/EXPLAIN) over a saved case; anything that writes is refused; a query still running after --time-limit (30 s) is stopped.',
  async run(args: string[], io: CliIO): Promise<number> {
    const a = parseArgs(args, { values: ['max-rows', 'time-limit'], flags: ['json'] });
    if (a.positionals.length !== 2) throw new UsageError('give the case file and one SQL statement');
    const maxRows = a.values['max-rows'] === undefined ? 10_000 : Number(a.values['max-rows']);
    if (!Number.isInteger(maxRows) || maxRows < 1) throw new UsageError('--max-rows takes a positive whole number');
    const timeLimitMs = secondsOption('time-limit', a.values['time-limit'], DEFAULT_QUERY_TIME_LIMIT_MS);
    const [caseFile, sql] = a.positionals;
    // The query worker reads the case file itself: it is the snapshot, so the case needs no db worker.
    const queries = new SnapshotQueries(SnapshotQueries.ofFile(caseFile, (f) => fs.readFile(f)), timeLimitMs);
    try {
      const r = await queries.query(sql, maxRows);
      if (a.flags.has('json')) {
        const rows = r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i] instanceof Uint8Array ? Buffer.from(row[i] as Uint8Array).toString('hex') : row[i]])));
        io.stdout.write(JSON.stringify({ columns: r.columns, rows, truncated: r.truncated }, null, 2) + '\n');
      } else {
        const table = [r.columns.map((c) => printable(c)), ...r.rows.map((row) => row.map(cell))];
        const widths = r.columns.map((_, i) => Math.min(60, Math.max(...table.map((t) => t[i].length))));
        for (const t of table) io.stdout.write(t.map((c, i) => (c.length > widths[i] ? c.slice(0, widths[i] - 1) + '…' : c.padEnd(widths[i]))).join('  ').trimEnd() + '\n');
        io.stdout.write(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? `, truncated at ${maxRows}` : ''})\n`);
      }
      return 0;
    } finally {
      await queries.close();
    }
  },
};
