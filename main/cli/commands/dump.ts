/**
 * `wmi-workbench dump <file.evtx>… [--format jsonl|xml] [--threads N]`: every record of every
 * file, in file order. JSONL: one evtx_dump-shaped object per line. XML: each record as Windows
 * renders it. Rejected records and file problems go to stderr (with a live progress line when it
 * is a terminal); exit code 1 when problems left nothing readable at all. To the process's own
 * standard output the workers write the records themselves (ParallelOptions.output); to another
 * stream, through this thread, respecting its back-pressure.
 */
import { parseArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { printable } from '../../../shared/text/printable';
import * as fs from 'node:fs';
import { parseFilesParallel } from '../../evtx/parallel';
import { ProgressDisplay } from '../progress-display';
import type { ImportProgress } from '../../db/case-client';

interface OutputState {
  closed: boolean;
  /** Settles when the output drains: one wait, however many writes arrive before it does. */
  draining: Promise<void> | null;
}

/**
 * Write a copy of `s` (a view of a worker's output buffer, handed back to the worker to write
 * into again once this returns or its promise settles, while a stream may hold what it was given
 * for longer).
 */
function write(out: NodeJS.WritableStream, s: Uint8Array, state: OutputState): Promise<void> | void {
  if (state.closed) return;
  if (out.write(Buffer.from(s)) && state.draining === null) return;
  // Runs arrive several at a time while the output is full: each waits on the same 'drain' (a
  // set of listeners each would pile up on the stream).
  return (state.draining ??= new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('error', closed);
      out.off('close', closed);
      state.draining = null;
      resolve();
    };
    const closed = () => {
      state.closed = true; // e.g. `dump ... | head`: stop writing, finish quietly
      done();
    };
    out.once('drain', done);
    out.once('error', closed);
    out.once('close', closed);
  }));
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
    // Only regular files: a folder failed in a worker with EISDIR, and a FIFO or device would block or never end.
    for (const f of files) {
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(f);
      } catch {
        continue; // (missing: reported by the parse, as for any unreadable file)
      }
      if (st.isDirectory()) throw new UsageError(`${printable(f, 200)} is a folder: dump takes EVTX files (scan reads folders)`);
      if (!st.isFile()) throw new UsageError(`${printable(f, 200)} is not a regular file (a FIFO, socket or device): not read`);
    }
    let problems = 0;
    // Runs of records arrive in file order as text; respect the output's back-pressure.
    let writing: Promise<void> | void = undefined;
    const state: OutputState = { closed: false, draining: null };
    // A live progress line on a terminal's stderr, cleared before each message and at the end.
    const display = new ProgressDisplay(io.stderr, io.interactive);
    const sizes = files.map((f) => {
      try {
        return fs.statSync(f).size;
      } catch {
        return 0;
      }
    });
    const bytesTotal = sizes.reduce((n, s) => n + s, 0);
    const started = Date.now();
    let filesDone = 0;
    const progress = (bytes: number, records: number): ImportProgress => {
      const elapsedMs = Date.now() - started;
      const current = Math.min(filesDone, files.length - 1);
      return {
        filesTotal: files.length, filesDone, bytesTotal, bytesDone: bytes, records, elapsedMs,
        rate: elapsedMs > 0 ? Math.round((records * 1000) / elapsedMs) : 0,
        files: [{ sourceId: current, path: files[current], size: sizes[current], bytes: 0, records: 0, state: filesDone < files.length ? 'parsing' : 'done' }],
      };
    };
    const message = (line: string) => {
      display.finish();
      io.stderr.write(line);
    };
    const stats = await parseFilesParallel(
      files.map((p) => ({ path: p })),
      { mode: format, threads, output: io.stdoutFd },
      {
        text: (_f, text) => {
          writing = write(io.stdout, text, state);
          return writing;
        },
        reject: (f, r) => {
          problems++;
          message(`${files[f]}: record ${r.recordNumber ?? '?'} at offset ${r.offset ?? '?'} rejected: ${r.reason}\n`);
        },
        warning: (f, m) => {
          problems++;
          message(`${files[f]}: ${m}\n`);
        },
        fileDone: () => void filesDone++,
        progress: (bytes, records) => display.update(progress(bytes, records)),
      },
    );
    await writing;
    display.finish();
    io.stderr.write(`${stats.files} file(s), ${stats.records} record(s) (${stats.recovered} recovered), ${stats.rejected} rejected\n`);
    return problems > 0 && stats.records === 0 ? 1 : 0;
  },
};
