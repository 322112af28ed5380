/**
 * The contract between the importer and each evidence format. A parser reads one
 * evidence file as a byte stream and reports every record it finds to a RecordSink:
 * accepted (normalized), or rejected with its position and reason. Nothing is dropped
 * without being counted: the ledger reconciles found = imported + rejected.
 */
import type { NormalizedEvent } from '../../shared/model/event';
import type { EvidenceFormat, RejectedRecord } from '../../shared/model/ledger';

/** One evidence file to parse: a file on disk or a member of a (possibly nested) zip archive. */
export interface EvidenceInput {
  /** Ledger id; goes into every EvidenceRef this input produces. */
  sourceId: number;
  /** Path on disk (the archive's, for archive members). */
  path: string;
  /** Member path inside the archive, '/'-joined for nested archives. */
  archivePath?: string;
  /** Size in bytes (uncompressed, for archive members). */
  size: number;
  /** The file's bytes, in order, in chunks of any size. Call once. */
  stream(): AsyncIterable<Uint8Array>;
}

export interface RecordSink {
  /** A record imported (including records recovered from damaged areas: set event.recovered). */
  accept(event: NormalizedEvent): void;
  /** A record found but not imported. */
  reject(record: RejectedRecord): void;
  /** A file-level problem that is not one record (bad header, truncated tail, unreadable bytes). */
  error(message: string): void;
  /** Bytes of the input consumed so far, for progress display. */
  progress(bytesDone: number): void;
  /** A parser that serves several shapes (JSON) names the one it found, for the ledger. */
  refineFormat?(format: EvidenceFormat): void;
}

export interface EvidenceParser {
  format: EvidenceFormat;
  /** True when `head` (the first up to 64 KiB of the file) is this format. Content decides, never the extension. */
  sniff(head: Uint8Array): boolean;
  /**
   * Parse the whole input. Must not throw for malformed content: report it through the sink
   * and return. A thrown error is recorded as a file-level error by the importer.
   */
  parse(input: EvidenceInput, sink: RecordSink): Promise<void>;
}
