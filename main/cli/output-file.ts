/**
 * Files the analyst names for a command's output (`--json FILE`, `--case FILE`, `--out FILE`),
 * checked before any work is done by the workbench's rules for output files (db/output-file.ts).
 * An option that takes a value swallows the next argument, so a slip such as
 * `scan --json a.evtx b.evtx` names evidence as the output: an existing file is never replaced
 * without `--force`, and never at all when it is an input, lies in an input folder, or is read-only.
 */
import { printable } from '../../shared/text/printable';
import { outputRefusal } from '../db/output-file';
import { UsageError } from './command';

/**
 * Throw a UsageError unless `target`, given to `option`, may be written: a new file in an
 * existing folder, or (with `force`) an existing regular file that is writable and no input.
 */
export function checkOutputFile(option: string, target: string, inputs: string[], force: boolean): void {
  const refusal = outputRefusal(target, inputs, force);
  if (!refusal) return;
  const name = `--${option} ${printable(target, 200)}`;
  switch (refusal.reason) {
    case 'no-folder':
      throw new UsageError(`${name}: folder ${printable(refusal.folder, 200)} does not exist`);
    case 'not-a-file':
      throw new UsageError(`${name}: exists and is not a regular file; name a new file`);
    case 'input':
      throw new UsageError(`${name}: is evidence named as an input; it is never replaced`);
    case 'read-only':
      throw new UsageError(`${name}: exists and is read-only; it is never replaced`);
    case 'exists':
      throw new UsageError(`${name}: exists; add --force to replace it`);
  }
}
