/**
 * Files the analyst names for a command's output (`--json FILE`, `--case FILE`, `--out FILE`),
 * checked before any work is done. An option that takes a value swallows the next argument, so
 * a slip such as `scan --json a.evtx b.evtx` names evidence as the output: the write (a rename
 * over the target) would replace it, read-only or not. So, as forensic tools do (Hayabusa's
 * `--clobber`), an existing file is never replaced without `--force`, and never at all when it
 * is evidence named as an input, lies in an input folder, or is read-only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { printable } from '../../shared/text/printable';
import { UsageError } from './command';

/** The real path of `p` (as given when it cannot be resolved). */
function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Whether `file` is one of `inputs` or lies inside one of them (a folder). */
function isInput(file: string, inputs: string[]): boolean {
  const f = real(file);
  return inputs.some((i) => {
    const r = real(i);
    return f === r || f.startsWith(r.endsWith(path.sep) ? r : r + path.sep);
  });
}

/**
 * Throw a UsageError unless `target`, given to `option`, may be written: a new file in an
 * existing folder, or (with `force`) an existing regular file that is writable and no input.
 */
export function checkOutputFile(option: string, target: string, inputs: string[], force: boolean): void {
  const name = `--${option} ${printable(target, 200)}`;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch {
    const dir = path.dirname(path.resolve(target));
    let isDir = false;
    try {
      isDir = fs.statSync(dir).isDirectory();
    } catch {
      /* missing */
    }
    if (!isDir) throw new UsageError(`${name}: folder ${printable(dir, 200)} does not exist`);
    return;
  }
  if (!st.isFile()) throw new UsageError(`${name}: exists and is not a regular file; name a new file`);
  if (isInput(target, inputs)) throw new UsageError(`${name}: is evidence named as an input; it is never replaced`);
  // (By its mode bits too: the superuser may write anything, and evidence is kept read-only.)
  let writable = (st.mode & 0o222) !== 0;
  try {
    fs.accessSync(target, fs.constants.W_OK);
  } catch {
    writable = false;
  }
  if (!writable) throw new UsageError(`${name}: exists and is read-only; it is never replaced`);
  if (!force) throw new UsageError(`${name}: exists; add --force to replace it`);
}
