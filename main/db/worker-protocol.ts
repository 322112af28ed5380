/** Messages between the case client (main thread), the db worker and the parse workers. */
import type { LedgerEntry } from '../../shared/model/ledger';
import type { EnumeratedEvidence } from '../ingest/evidence-sources';
import type { PackedBatch } from './event-row';

/** Client -> db worker: one call of a CaseDb-level operation. */
export interface DbRequest {
  id: number;
  method: string;
  args: unknown[];
}
export type DbResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string; name?: string };

/** Parse worker -> db worker, on a dedicated port. */
export type ParsePortMessage =
  | { type: 'batch'; batch: PackedBatch }
  | { type: 'source'; entry: LedgerEntry };
/** Db worker -> parse worker, on the same port. */
export type DbPortMessage = { type: 'ack' } | { type: 'source-stored'; sourceId: number } | { type: 'failed'; error: string };

/**
 * Client -> parse worker: parse an item into the case ('task'; `sha256` is its hash when it
 * was hashed before, which the parse checks), or only hash it ('hash', to find duplicates).
 */
export type ParseTask =
  | { type: 'task'; sourceId: number; item: EnumeratedEvidence; sha256?: string }
  | { type: 'hash'; sourceId: number; item: EnumeratedEvidence };
/** Parse worker -> client. */
export type ParseWorkerMessage =
  | { type: 'progress'; sourceId: number; bytes: number; records: number }
  | { type: 'done'; sourceId: number; entry: LedgerEntry }
  | { type: 'hashed'; sourceId: number; sha256: string }
  | { type: 'failed'; sourceId: number; error: string };

/** Client -> query worker: take a snapshot of the case (the bytes of a case file), or run one analyst query on it. */
export type QueryWorkerRequest = { type: 'load'; bytes: Uint8Array } | { type: 'query'; sql: string; maxRows?: number };
/** Query worker -> client. */
export type QueryWorkerReply =
  | { type: 'loaded' }
  | { type: 'result'; result: { columns: string[]; rows: unknown[][]; truncated: boolean } }
  | { type: 'failed'; error: string; name?: string };
