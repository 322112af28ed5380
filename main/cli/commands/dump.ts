/**
 * `wmi-workbench dump <file.evtx>… [--format jsonl|xml] [--threads N]`: every record of every
 * file, in file order. JSONL: one evtx_dump-shaped object per line. XML: each record as Windows
 * renders it. Rejected records and file problems go to stderr; exit code 1 when problems left
 * nothing readable at all.
 */
import { parseArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { parseFilesParallel } from '../../evtx/parallel';

function write(out: NodeJS.WritableStream, s: Uint8Array, state: { closed: boolean }): Promise<void> | void {
  if (state.closed) return;
  if (!out.write(s))
    return new Promise((resolve) => {
      const done = () => {
        out.off('drain', done);
        out.off('error', closed);
        out.off('close', closed);
        resolve();
      };
      const closed = () => {
        state.closed = true; // e.g. `dump ... | head`: stop writing, finish quietly
        done();
      };
      out.once('drain', done);
      out.once('error', closed);
      out.once('close', closed);
    });
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
    // Runs of records arrive in file order as text; respect the output's back-pressure.
    let writing: Promise<void> | void = undefined;
    const state = { closed: false };
    const stats = await parseFilesParallel(
      files.map((p) => ({ path: p })),
      { mode: format, threads },
      {
        text: (_f, text) => {
          writing = write(io.stdout, text, state);
          return writing;
        },
        reject: (f, r) => {
          problems++;
          io.stderr.write(`${files[f]}: record ${r.recordNumber ?? '?'} at offset ${r.offset ?? '?'} rejected: ${r.reason}\n`);
        },
        warning: (f, m) => {
          problems++;
          io.stderr.write(`${files[f]}: ${m}\n`);
        },
      },
    );
    await writing;
    io.stderr.write(`${stats.files} file(s), ${stats.records} record(s) (${stats.recovered} recovered), ${stats.rejected} rejected\n`);
    return problems > 0 && stats.records === 0 ? 1 : 0;
  },
};
