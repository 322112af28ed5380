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
}

/** How many rejected records a ledger entry keeps in detail; the count stays exact beyond it. */
export const MAX_REJECTED_DETAILS = 1000;
