/** Saved cases: recognised by their content (a SQLite database file), never by their name; written one way. */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from './atomic-write';

/** A saved case holds every record of the evidence: readable by its owner only, as uploads are. */
const CASE_FILE_MODE = 0o600;

/** Write a case's database bytes to `target`, atomically and readable by its owner only: every writer of a case file goes through here. */
export function writeCaseFile(target: string, bytes: Uint8Array): Promise<void> {
  return writeFileAtomic(target, bytes, { mode: CASE_FILE_MODE });
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Is this path a saved case (SQLite file)? Only the first 16 bytes are read. */
export async function isCaseFile(p: string): Promise<boolean> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(p, 'r');
    const st = await fh.stat();
    if (!st.isFile()) return false;
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    return bytesRead === 16 && head.equals(SQLITE_MAGIC);
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}
