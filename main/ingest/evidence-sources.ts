/**
 * Turns what the analyst named (files, folders, zip archives, zips inside folders or
 * inside zips) into a flat list of evidence files, and opens each as a byte stream.
 * Archives are read in place, never extracted to disk, so a member's path (zip-slip) can
 * never reach the file system; suspicious member paths are still reported. Zip bombs are
 * refused by size and ratio limits before any byte is inflated, and yauzl checks that no
 * member inflates to more than it declared.
 */
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import * as yauzl from 'yauzl';

export interface ArchiveStep {
  /** Member name as stored in the archive (display only, never used as a path). */
  name: string;
  /** Position of the member in the central directory (names may repeat). */
  index: number;
}

/** Where one evidence file is: a file on disk, or a member reached through a chain of zips. */
export interface EvidenceLocator {
  path: string;
  members: ArchiveStep[];
}

export interface EnumeratedEvidence {
  locator: EvidenceLocator;
  size: number;
  /** Set when the file is an archive (recorded in the ledger, its members listed separately). */
  isArchive: boolean;
  /** Problems found while listing (refused members, suspicious paths). */
  errors: string[];
  /** When set, the file must not be read (over a limit); the reason is in errors. */
  refused: boolean;
}

export interface ArchiveLimits {
  /** Largest member accepted, uncompressed. */
  maxMemberBytes: number;
  /** Largest total of members of one archive, uncompressed. */
  maxArchiveBytes: number;
  /** Largest compression ratio for members over 1 MiB. */
  maxRatio: number;
  /** Most members listed from one archive. */
  maxMembers: number;
  /** Deepest nesting of archives in archives. */
  maxDepth: number;
  /** Largest nested archive held in memory to be read. */
  maxNestedArchiveBytes: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = {
  maxMemberBytes: 8 * 1024 ** 3,
  maxArchiveBytes: 32 * 1024 ** 3,
  maxRatio: 200,
  maxMembers: 100_000,
  maxDepth: 3,
  maxNestedArchiveBytes: 512 * 1024 ** 2,
};

export function describeLocator(l: EvidenceLocator): string {
  return l.members.length ? `${l.path}!${l.members.map((m) => m.name).join('!')}` : l.path;
}

export function archivePathOf(l: EvidenceLocator): string | undefined {
  return l.members.length ? l.members.map((m) => m.name).join('/') : undefined;
}

const ZIP_MAGIC = [0x50, 0x4b];
function isZipHead(head: Uint8Array): boolean {
  return head[0] === ZIP_MAGIC[0] && head[1] === ZIP_MAGIC[1] && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

/**
 * decodeStrings is off because yauzl then refuses a whole archive over one member named
 * `../x`; we decode names ourselves and report such members instead of losing the archive.
 */
const ZIP_OPTIONS: yauzl.Options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false, decodeStrings: false };

/** A member's name as text: UTF-8 when the archive says so (flag bit 11), else Latin-1 (close to CP437 for ASCII). */
function memberName(e: yauzl.Entry): string {
  const raw = e.fileName as unknown as Buffer | string;
  if (typeof raw === 'string') return raw;
  return raw.toString((e.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1');
}

function suspiciousMemberPath(name: string): boolean {
  return name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name) || name.split(/[\\/]/).includes('..');
}

async function readHead(stream: Readable, bytes: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      n += (chunk as Buffer).length;
      if (n >= bytes) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    n += (chunk as Buffer).length;
    if (n > limit) {
      stream.destroy();
      throw new Error(`nested archive larger than ${limit} bytes`);
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

/** Iterate the members of an open zip in central-directory order. */
async function* zipEntries(zip: yauzl.ZipFile): AsyncGenerator<yauzl.Entry> {
  for (;;) {
    const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
      const onEntry = (e: yauzl.Entry) => done(e);
      const onEnd = () => done(null);
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        zip.off('error', onError);
      };
      const done = (e: yauzl.Entry | null) => {
        cleanup();
        resolve(e);
      };
      zip.on('entry', onEntry);
      zip.on('end', onEnd);
      zip.on('error', onError);
      zip.readEntry();
    });
    if (!entry) return;
    yield entry;
  }
}

async function openZipAt(pathOnDisk: string, members: ArchiveStep[], limits: ArchiveLimits): Promise<yauzl.ZipFile> {
  let zip = await yauzl.openPromise(pathOnDisk, ZIP_OPTIONS);
  for (const step of members) {
    const inner = await memberStream(zip, step);
    const bytes = await readAll(inner, limits.maxNestedArchiveBytes);
    zip.close();
    zip = await yauzl.fromBufferPromise(bytes, ZIP_OPTIONS);
  }
  return zip;
}

async function memberStream(zip: yauzl.ZipFile, step: ArchiveStep): Promise<Readable> {
  let i = 0;
  for await (const e of zipEntries(zip)) {
    if (i++ === step.index) return zip.openReadStreamPromise(e);
  }
  throw new Error(`archive member #${step.index} (${step.name}) not found`);
}

/** The bytes of one evidence file, streamed. */
export async function* openEvidence(l: EvidenceLocator, limits: ArchiveLimits = DEFAULT_LIMITS): AsyncGenerator<Uint8Array> {
  if (l.members.length === 0) {
    yield* createReadStream(l.path, { highWaterMark: 1024 * 1024 });
    return;
  }
  const zip = await openZipAt(l.path, l.members.slice(0, -1), limits);
  try {
    yield* await memberStream(zip, l.members[l.members.length - 1]);
  } finally {
    zip.close();
  }
}

async function listArchive(
  l: EvidenceLocator,
  depth: number,
  limits: ArchiveLimits,
  out: EnumeratedEvidence[],
): Promise<void> {
  const zip = await openZipAt(l.path, l.members, limits);
  try {
    let index = 0;
    let total = 0;
    for await (const e of zipEntries(zip)) {
      const name = memberName(e);
      const step = { name, index: index++ };
      if (name.endsWith('/')) continue; // a directory entry holds no evidence
      const member: EvidenceLocator = { path: l.path, members: [...l.members, step] };
      const item: EnumeratedEvidence = { locator: member, size: e.uncompressedSize, isArchive: false, errors: [], refused: false };
      out.push(item);
      if (index > limits.maxMembers) {
        item.refused = true;
        item.errors.push(`archive has more than ${limits.maxMembers} members; the rest are not read`);
        break;
      }
      if (suspiciousMemberPath(name)) item.errors.push('member path escapes the archive root (zip-slip); read in place, never extracted');
      total += e.uncompressedSize;
      const ratio = e.compressedSize > 0 ? e.uncompressedSize / e.compressedSize : Infinity;
      if (e.uncompressedSize > limits.maxMemberBytes) {
        item.refused = true;
        item.errors.push(`refused: member inflates to ${e.uncompressedSize} bytes, over the ${limits.maxMemberBytes}-byte limit`);
      } else if (e.uncompressedSize > 1024 * 1024 && ratio > limits.maxRatio) {
        item.refused = true;
        item.errors.push(`refused as a zip bomb: compression ratio ${Math.round(ratio)}:1 is over ${limits.maxRatio}:1`);
      } else if (total > limits.maxArchiveBytes) {
        item.refused = true;
        item.errors.push(`refused: archive inflates to more than ${limits.maxArchiveBytes} bytes in all`);
      } else if (e.isEncrypted()) {
        item.refused = true;
        item.errors.push('refused: member is encrypted');
      }
      if (item.refused || e.uncompressedSize < 4) continue;
      const head = await readHead(await zip.openReadStreamPromise(e), 4);
      if (isZipHead(head)) {
        item.isArchive = true;
        if (depth + 1 > limits.maxDepth) {
          item.errors.push(`nested archive deeper than ${limits.maxDepth} levels: not opened`);
        } else if (e.uncompressedSize > limits.maxNestedArchiveBytes) {
          item.errors.push(`nested archive larger than ${limits.maxNestedArchiveBytes} bytes: not opened`);
        } else {
          try {
            await listArchive(member, depth + 1, limits, out);
          } catch (err) {
            item.errors.push(`unreadable archive: ${(err as Error).message}`);
          }
        }
      }
    }
  } finally {
    zip.close();
  }
}

async function walk(p: string, out: string[], errors: Array<{ path: string; error: string }>): Promise<void> {
  let st;
  try {
    st = await fs.lstat(p);
  } catch (e) {
    errors.push({ path: p, error: `cannot read: ${(e as Error).message}` });
    return;
  }
  if (st.isSymbolicLink()) {
    // Links inside evidence are not followed: they could point anywhere on the analyst's machine.
    errors.push({ path: p, error: 'symbolic link not followed' });
    return;
  }
  if (st.isDirectory()) {
    let names: string[];
    try {
      names = (await fs.readdir(p)).sort();
    } catch (e) {
      errors.push({ path: p, error: `cannot list folder: ${(e as Error).message}` });
      return;
    }
    for (const n of names) await walk(path.join(p, n), out, errors);
  } else if (st.isFile()) out.push(p);
  else errors.push({ path: p, error: NOT_REGULAR });
}

/** Why a FIFO, socket or device is not read: it may block or never end, and holds no collected evidence. */
const NOT_REGULAR = 'not a regular file (a FIFO, socket or device): not read';

/**
 * Every evidence file under the inputs, archives expanded. Paths named directly on the
 * command line may be links (the analyst chose them); links found inside folders are not followed.
 */
export async function enumerateEvidence(
  inputs: string[],
  limits: ArchiveLimits = DEFAULT_LIMITS,
): Promise<{ items: EnumeratedEvidence[]; errors: Array<{ path: string; error: string }> }> {
  const files: string[] = [];
  const errors: Array<{ path: string; error: string }> = [];
  for (const input of inputs) {
    const abs = path.resolve(input);
    let st;
    try {
      st = await fs.stat(abs);
    } catch (e) {
      errors.push({ path: input, error: `cannot read: ${(e as Error).message}` });
      continue;
    }
    if (st.isDirectory()) await walk(abs, files, errors);
    else if (st.isFile()) files.push(abs);
    else errors.push({ path: input, error: NOT_REGULAR });
  }
  const items: EnumeratedEvidence[] = [];
  for (const f of files) {
    const size = (await fs.stat(f)).size;
    const item: EnumeratedEvidence = { locator: { path: f, members: [] }, size, isArchive: false, errors: [], refused: false };
    items.push(item);
    const fh = await fs.open(f, 'r');
    const head = Buffer.alloc(4);
    try {
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
    if (isZipHead(head)) {
      item.isArchive = true;
      try {
        await listArchive(item.locator, 1, limits, items);
      } catch (e) {
        item.errors.push(`unreadable archive: ${(e as Error).message}`);
      }
    }
  }
  return { items, errors };
}
