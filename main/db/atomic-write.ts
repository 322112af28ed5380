/**
 * Write a file so that a crash at any moment leaves either the old file or the new one,
 * never a torn mix: write a temporary file beside it, flush it to disk, rename over.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface AtomicWriteOptions {
  /** The new file's permission bits (less the umask); 0o666 by default. */
  mode?: number;
}

export async function writeFileAtomic(target: string, bytes: Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  // (The file replacing the target is this one, so it has these bits, not the target's.)
  const fh = await fs.open(tmp, 'wx', opts.mode ?? 0o666);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  // Persist the rename itself (the directory entry); not every platform allows opening a folder.
  try {
    const d = await fs.open(dir, 'r');
    await d.sync().catch(() => undefined);
    await d.close();
  } catch {
    /* directory fsync unsupported here */
  }
}
