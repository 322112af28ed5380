/**
 * Which files a write may create or replace: the rules for every file the workbench writes at
 * the analyst's word (the CLI's `--json FILE`, `--case FILE`, `--out FILE`; the case saved by
 * Save as… in either shell), checked before the work is done. A write (a rename over the
 * target) would replace a file whatever it is, read-only or not, so, as forensic tools do
 * (Hayabusa's `--clobber`), an existing file is replaced only when the analyst said so
 * (`--force`, a confirmed overwrite), and never when it is evidence (an input, or inside an
 * input folder) or read-only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Why a target may not be written. */
export type OutputRefusal =
  /** The folder it would go in does not exist (`folder`, resolved). */
  | { reason: 'no-folder'; folder: string }
  /** It exists and is a folder, link, FIFO, device…, not a regular file. */
  | { reason: 'not-a-file' }
  /** It is one of the inputs, or inside an input folder: evidence, never replaced. */
  | { reason: 'input' }
  /** It exists and is read-only (by its mode bits too). */
  | { reason: 'read-only' }
  /** It exists and may be replaced, but the analyst has not said so. */
  | { reason: 'exists' };

/** The real path of `p` (as given when it cannot be resolved). */
function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Whether `file` is one of `paths` or lies inside one of them (a folder), links resolved. */
export function isWithin(file: string, paths: readonly string[]): boolean {
  const f = real(file);
  return paths.some((i) => {
    const r = real(i);
    return f === r || f.startsWith(r.endsWith(path.sep) ? r : r + path.sep);
  });
}

/**
 * Null when `target` may be written: a new file in an existing folder, or (with `replace`) an
 * existing regular file that is writable and none of `inputs` nor inside one; else why not.
 */
export function outputRefusal(target: string, inputs: readonly string[], replace: boolean): OutputRefusal | null {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch {
    const folder = path.dirname(path.resolve(target));
    let isDir = false;
    try {
      isDir = fs.statSync(folder).isDirectory();
    } catch {
      /* missing */
    }
    return isDir ? null : { reason: 'no-folder', folder };
  }
  if (!st.isFile()) return { reason: 'not-a-file' };
  if (isWithin(target, inputs)) return { reason: 'input' };
  // (By its mode bits too: the superuser may write anything, and evidence is kept read-only.)
  let writable = (st.mode & 0o222) !== 0;
  try {
    fs.accessSync(target, fs.constants.W_OK);
  } catch {
    writable = false;
  }
  if (!writable) return { reason: 'read-only' };
  return replace ? null : { reason: 'exists' };
}
