/** The evidence ledger: one entry per evidence file read, reconciling found = imported + rejected. */

export type EvidenceFormat =
  | 'evtx'
  | 'xml-events'
  | 'json-evtx-dump'
  | 'json-flat'
  | 'json-ecs'
  | 'wmi-audit'
  | 'zip'
  | 'unknown';

export interface RejectedRecord {
  /** Where in the file: byte offset and/or record number / line. */
  offset?: number;
  recordNumber?: number;
  reason: string;
}

export interface LedgerEntry {
  id: number;
  /** Path of the file on disk (for archive members: the archive's path). */
  path: string;
  /** Member path inside the archive, '/'-joined for nested archives. */
  archivePath?: string;
  size: number;
  sha256: string;
  format: EvidenceFormat;
  /** Records found in the file: always imported + rejected. */
  found: number;
  /** Records imported (including recovered ones). */
  records: number;
  /** Records recovered from damaged areas (a subset of records). */
  recovered: number;
  /** Number of rejected records; details in rejectedRecords (capped, counts are exact). */
  rejected: number;
  rejectedRecords: RejectedRecord[];
  /** File-level errors (unreadable, unrecognised, truncated tail...). */
  errors: string[];
  firstTime: string | null;
  lastTime: string | null;
  hosts: string[];
  /**
   * Set when the item is byte-identical (same SHA-256) to one imported into the case before it
   * (earlier in ledger order, in this import or an earlier one): its records were not imported
   * again, so found = records = rejected = 0. The first item's path (`path!member` in an archive)…
   */
  duplicateOf?: string;
  /** …and its ledger id. */
  duplicateOfId?: number;
  /** Remarks that are not errors (why a duplicate holds no records). */
  notes?: string[];
}

/** How many rejected records a ledger entry keeps in detail; the count stays exact beyond it. */
export const MAX_REJECTED_DETAILS = 1000;

/** How the ledger names an item: its path, `path!member` for an archive member. */
export function ledgerPath(e: { path: string; archivePath?: string }): string {
  return e.archivePath ? `${e.path}!${e.archivePath}` : e.path;
}

/** Mark an entry as a copy of an item already in the case (see LedgerEntry.duplicateOf). */
export function markDuplicate(entry: LedgerEntry, first: { id: number; path: string; archivePath?: string }): LedgerEntry {
  const where = ledgerPath(first);
  entry.duplicateOf = where;
  entry.duplicateOfId = first.id;
  entry.notes = [`identical to ${where} (same SHA-256): its records were not imported again`];
  return entry;
}
