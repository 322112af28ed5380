/** Recognising a saved case by its content (a SQLite database file), never by its name. */
import { promises as fs } from 'node:fs';

/** A saved case holds every record of the evidence: readable by its owner only, as uploads are. */
export const CASE_FILE_MODE = 0o600;

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
