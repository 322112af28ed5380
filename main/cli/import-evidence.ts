/** Importing evidence from a command: the --workers option, live progress on a terminal, unreadable inputs on stderr. */
import { printable } from '../../shared/text/printable';
import type { CaseClient, ImportResult } from '../db/case-client';
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

/**
 * Whether an input could not be read (exit code 1): an input error (missing, a link not followed,
 * not a regular file, a parse that failed), no evidence at all, or an evidence file from which an
 * error left nothing read (an unreadable archive, unrecognised content, a refused member). An
 * empty file is in the ledger but is no failure: there was nothing to read.
 */
export function importFailed(r: ImportResult): boolean {
  return r.inputErrors.length > 0 || r.entries.length === 0 || r.entries.some((e) => e.errors.length > 0 && e.found === 0 && e.size > 0);
}
