/** Messages between the parallel EVTX path and its workers. */
import type { RejectedRecord } from '../../shared/model/ledger';
import type { NormalizedEvent } from '../../shared/model/event';
import { eventFromXml } from '../../shared/model/event-xml';
import type { ChunkRecord } from './chunk';
import { recordToXmlCompact } from './serialize/xml';

/** What a worker returns per record: 'jsonl' and 'xml' renderings, 'events' normalized events, 'count' nothing. */
export type ParallelMode = 'jsonl' | 'xml' | 'events' | 'count';

export interface ChunkTask {
  id: number;
  file: string;
  /** File offset of chunk 0 (4096, or 0 for data without a file header). */
  base: number;
  first: number;
  count: number;
  chunkCount: number | null;
  mode: ParallelMode;
  timeLimitMs: number;
  sourceId: number;
  sourcePath: string;
  archivePath?: string;
}

export interface ChunkTaskResult {
  id: number;
  /** 'events' mode: the normalized events. */
  items: NormalizedEvent[];
  /** 'jsonl' / 'xml' modes: the renderings, one per line ('\n' after each), UTF-8 encoded (transferred, not copied). */
  text: Uint8Array | null;
  rejects: RejectedRecord[];
  warnings: string[];
  records: number;
  recovered: number;
  bytes: number;
}

export function deliverRecordTo(t: ChunkTask, r: ChunkRecord): NormalizedEvent {
  const ref = { sourceId: t.sourceId, sourcePath: t.sourcePath, recordNumber: r.recordId, offset: r.offset } as NormalizedEvent['ref'];
  if (t.archivePath !== undefined) ref.archivePath = t.archivePath;
  return eventFromXml(r.tree!, ref, recordToXmlCompact(r.tree!), r.recovered);
}
