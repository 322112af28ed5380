/**
 * `wmi-workbench dump <file.evtx>… [--format jsonl|xml] [--threads N]`: every record of every
 * file, in file order. JSONL: one evtx_dump-shaped object per line. XML: each record as Windows
 * renders it. Problems go to stderr; exit code 1 when a file had rejected records or errors.
 */
import { parseArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { parseFilesParallel } from '../../evtx/parallel';

function write(out: NodeJS.WritableStream, s: string): Promise<void> | void {
  if (!out.write(s)) return new Promise((resolve) => out.once('drain', () => resolve()));
}

export const dumpCommand: CliCommand = {
  name: 'dump',
  usage: 'wmi-workbench dump <file.evtx>... [--format jsonl|xml] [--threads N]',
  summary: 'Print every record of EVTX files as JSON lines (evtx_dump shape) or Windows event XML',
  async run(args: string[], io: CliIO): Promise<number> {
    const a = parseArgs(args, { values: ['format', 'threads'] });
    const format = a.values.format ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'xml') throw new UsageError(`--format must be jsonl or xml, not ${format}`);
    if (a.positionals.length === 0) throw new UsageError('dump needs at least one .evtx file');
    const threads = a.values.threads !== undefined ? Number(a.values.threads) : undefined;
    if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UsageError('--threads must be a positive integer');
    const files = a.positionals;
    let problems = 0;
    // Records arrive in order; buffer output a little and respect back-pressure between runs.
    let pending: string[] = [];
    let pendingLen = 0;
    const flushes: Array<Promise<void> | void> = [];
    const flush = () => {
      if (pending.length === 0) return;
      flushes.push(write(io.stdout, pending.join('')));
      pending = [];
      pendingLen = 0;
    };
    const stats = await parseFilesParallel(
      files.map((p) => ({ path: p })),
      { mode: format, threads },
      {
        item: (_f, it) => {
          const s = (it as string) + '\n';
          pending.push(s);
          pendingLen += s.length;
          if (pendingLen > 1 << 20) flush();
        },
        reject: (f, r) => {
          problems++;
          io.stderr.write(`${files[f]}: record ${r.recordNumber ?? '?'} at offset ${r.offset ?? '?'} rejected: ${r.reason}\n`);
        },
        warning: (f, m) => {
          problems++;
          io.stderr.write(`${files[f]}: ${m}\n`);
        },
        progress: () => flush(),
      },
    );
    flush();
    await Promise.all(flushes);
    io.stderr.write(`${stats.files} file(s), ${stats.records} record(s) (${stats.recovered} recovered), ${stats.rejected} rejected\n`);
    return problems > 0 && stats.records === 0 ? 1 : 0;
  },
};
