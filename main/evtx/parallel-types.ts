/** Messages between the parallel EVTX path and its workers. */
import type { RejectedRecord } from '../../shared/model/ledger';
import type { NormalizedEvent } from '../../shared/model/event';
import { eventFromXml } from '../../shared/model/event-xml';
import type { ChunkRecord } from './chunk';
import { recordToXmlCompact } from './serialize/xml';

/** What a worker returns per record: 'jsonl' and 'xml' renderings, 'events' normalized events, 'count' nothing. */
export type ParallelMode = 'jsonl' | 'xml' | 'events' | 'count';

/** A run of chunks of one file. Chunks are numbered from where they start (after the header block, or at 0 when there is none). */
export interface ChunkTask {
  id: number;
  file: string;
  /** The file's size when planned. */
  size: number;
  first: number;
  /** Chunks in the run, counted as if after a header block (see `last`). */
  count: number;
  /** The file's first run: it reports what the file header says. */
  header: boolean;
  /** The file's last run: it reads to the end of the file. */
  last: boolean;
  /** Send each rejected record (offset, number, reason), or only count them (nobody asked for them). */
  rejectDetails: boolean;
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
  /**
   * 'jsonl' / 'xml' modes: the renderings, one per line ('\n' after each), UTF-8 encoded: where
   * they are in the worker's shared output (textAt), or, when they did not fit there, in a buffer
   * of their own (text, transferred, not copied).
   */
  textAt: TextPlace | null;
  text: Uint8Array | null;
  /** The rejected records, when asked for (ChunkTask.rejectDetails); `rejected` counts them either way. */
  rejects: PackedRejects;
  rejected: number;
  warnings: string[];
  records: number;
  recovered: number;
  bytes: number;
}

/** A run's text in a worker's shared output: bytes [start, end) of slot `slot`. */
export interface TextPlace {
  slot: number;
  start: number;
  end: number;
}

/**
 * Output memory shared by the main thread and one worker, so that renderings reach the main
 * thread without being copied, transferred or collected there: handing each run's text over in
 * a buffer of its own made the main thread's heap account for 100 MB a corpus reading, whose
 * collections (full ones, in a main thread with a heap of its own to mark) took a fifth of a
 * parallel pass from the workers.
 *
 * `slots` regions of `slotBytes`, each free (state 0) or held (1). The worker takes a free slot for
 * a batch of runs and writes their texts one after another into it; the main thread hands each
 * text to the consumer as a view and frees the slot once every text in it has been consumed. A
 * batch finding no free slot, or outgrowing its slot, sends its texts in buffers of their own.
 */
export interface SharedOutput {
  data: SharedArrayBuffer;
  states: Int32Array;
  slots: number;
  slotBytes: number;
}

export function createSharedOutput(slots: number, slotBytes: number): SharedOutput {
  return { data: new SharedArrayBuffer(slots * slotBytes), states: new Int32Array(new SharedArrayBuffer(4 * slots)), slots, slotBytes };
}

/** The bytes of slot `slot` (a view, not a copy). */
export function slotBytes(o: SharedOutput, slot: number): Buffer {
  return Buffer.from(o.data, slot * o.slotBytes, o.slotBytes);
}

export function deliverRecordTo(t: ChunkTask, r: ChunkRecord): NormalizedEvent {
  const ref = { sourceId: t.sourceId, sourcePath: t.sourcePath, recordNumber: r.recordId, offset: r.offset } as NormalizedEvent['ref'];
  if (t.archivePath !== undefined) ref.archivePath = t.archivePath;
  return eventFromXml(r.tree!, ref, recordToXmlCompact(r.tree!), r.recovered);
}

/**
 * Rejected records of a run, packed for the trip between threads: stale records in slack come
 * by the thousand, and one object each cost more to pass than parsing them. Offsets and record
 * numbers (NaN: unknown) in typed arrays; the reasons one after another in one string, each
 * ending where `reasonEnds` says (reasons name offsets, so few repeat, and looking each up in a
 * map to share repeats cost more than sending them).
 */
export interface PackedRejects {
  offsets: Float64Array;
  numbers: Float64Array;
  reasonEnds: Uint32Array;
  reasonText: string;
}

export class RejectPacker {
  private offsets: number[] = [];
  private numbers: number[] = [];
  private reasonEnds: number[] = [];
  private reasons: string[] = [];
  private length = 0;

  add(offset: number, recordNumber: number | undefined, reason: string): void {
    this.offsets.push(offset);
    this.numbers.push(recordNumber ?? NaN);
    this.reasons.push(reason);
    this.length += reason.length;
    this.reasonEnds.push(this.length);
  }

  pack(): PackedRejects {
    return {
      offsets: Float64Array.from(this.offsets),
      numbers: Float64Array.from(this.numbers),
      reasonEnds: Uint32Array.from(this.reasonEnds),
      reasonText: this.reasons.join(''),
    };
  }
}

export function emptyRejects(): PackedRejects {
  return { offsets: new Float64Array(0), numbers: new Float64Array(0), reasonEnds: new Uint32Array(0), reasonText: '' };
}

/** The i-th rejected record of a packed list. */
export function rejectAt(p: PackedRejects, i: number): RejectedRecord {
  const n = p.numbers[i];
  const reason = p.reasonText.slice(i === 0 ? 0 : p.reasonEnds[i - 1], p.reasonEnds[i]);
  return { offset: p.offsets[i], recordNumber: Number.isNaN(n) ? undefined : n, reason };
}
