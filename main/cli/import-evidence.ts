/**
 * Importing evidence from a command: the --workers option, live progress on a terminal,
 * unreadable inputs and evidence with errors on stderr, the ledger's lines, and opening a
 * saved case instead where a command takes one.
 */
import { ledgerPath, type LedgerEntry } from '../../shared/model/ledger';
import { printable } from '../../shared/text/printable';
import { isCaseFile } from '../db/case-file';
import { CaseClient, type ImportResult } from '../db/case-client';
import { UsageError, type CliIO } from './command';
import { ProgressDisplay } from './progress-display';

export function workersOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError('--workers takes a whole number from 1 to 64');
  return n;
}

export async function importWithProgress(client: CaseClient, inputs: string[], io: CliIO, workers?: number): Promise<ImportResult> {
  const display = new ProgressDisplay(io.stderr, io.interactive);
  const result = await client.importEvidence(inputs, { onProgress: (p) => display.update(p), workers });
  display.finish();
  for (const err of result.inputErrors) io.stderr.write(`error: ${printable(err.path)}: ${printable(err.error)}\n`);
  return result;
}

/** One evidence file in the ledger as commands print it: its line, then its errors (`!`, five at most) and notes (`=`). */
export function ledgerLines(x: LedgerEntry): string[] {
  const name = printable(ledgerPath(x), 100);
  const lines = [`  ${x.format.padEnd(15)} ${String(x.records).padStart(8)} imported ${String(x.rejected).padStart(6)} rejected  ${name}`];
  for (const err of x.errors.slice(0, 5)) lines.push(`      ! ${printable(err, 200)}`);
  if (x.errors.length > 5) lines.push(`      ! … ${x.errors.length - 5} more`);
  for (const note of x.notes ?? []) lines.push(`      = ${printable(note, 300)}`);
  return lines;
}

/**
 * For commands that do not print the ledger (hunt, tree, graph): the evidence files that could
 * not be read, or were read only in part, with their errors, on stderr.
 */
export function reportEvidenceErrors(r: ImportResult, io: CliIO): void {
  const withErrors = r.entries.filter((e) => e.errors.length > 0);
  if (withErrors.length === 0) return;
  io.stderr.write(`Evidence with errors (${withErrors.length} of ${r.entries.length} files; scan prints the whole ledger):\n`);
  for (const e of withErrors) io.stderr.write(ledgerLines(e).join('\n') + '\n');
}

/**
 * Whether an input could not be read (exit code 1): an input error (missing, a link not followed,
 * not a regular file, a parse that failed), no evidence at all, or an evidence file from which an
 * error left nothing read (an unreadable archive, unrecognised content, a refused member). An
 * empty file is in the ledger but is no failure: there was nothing to read.
 */
export function importFailed(r: ImportResult): boolean {
  return r.inputErrors.length > 0 || r.entries.length === 0 || r.entries.some((e) => e.errors.length > 0 && e.found === 0 && e.size > 0);
}

/** A case to work on: a saved case opened, or evidence imported into a new one (`imported` then says how that went). */
export interface OpenedCase {
  client: CaseClient;
  /** The saved case file given. */
  caseFile?: string;
  imported?: ImportResult;
}

/**
 * `<case-or-inputs…>`: one saved case file is opened; anything else is evidence imported into
 * a fresh in-memory case (progress, unreadable inputs and evidence with errors on stderr).
 */
export async function openCaseOrImport(inputs: string[], io: CliIO, workers?: number): Promise<OpenedCase> {
  if (inputs.length === 0) throw new UsageError('name a case file, or evidence files, folders or archives');
  if (inputs.length === 1 && (await isCaseFile(inputs[0]))) return { client: await CaseClient.open(inputs[0]), caseFile: inputs[0] };
  for (const p of inputs) if (await isCaseFile(p)) throw new UsageError(`${printable(p)} is a case file: give it alone, not with evidence`);
  const client = await CaseClient.create();
  try {
    const imported = await importWithProgress(client, inputs, io, workers);
    reportEvidenceErrors(imported, io);
    if (imported.entries.length === 0) throw new Error('no evidence could be imported');
    return { client, imported };
  } catch (e) {
    await client.close();
    throw e;
  }
}

/** The exit code of a command that worked on an opened case: 1 when an input could not be read. */
export function caseExitCode(c: OpenedCase): number {
  return c.imported && importFailed(c.imported) ? 1 : 0;
}
