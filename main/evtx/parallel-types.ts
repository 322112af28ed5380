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
   * 'jsonl' / 'xml' modes: where the renderings are in the batch's output buffer (BatchResult),
   * one per line ('\n' after each), UTF-8 encoded; null when there are none. The main thread
   * sets `text` to a view of them.
   */
  textAt: TextPlace | null;
  text: Uint8Array | null;
  /** The rejected records, when asked for (ChunkTask.rejectDetails); `rejected` counts them either way. */
  rejects: PackedRejects | null;
  rejected: number;
  warnings: string[];
  records: number;
  recovered: number;
  bytes: number;
}

/** A run's text: bytes [start, end) of its batch's output buffer. */
export interface TextPlace {
  start: number;
  end: number;
}

/**
 * Output the workers write the texts to themselves, each batch's when its turn comes (batches are
 * numbered as they are handed out): with no copy between threads, and no work for the main thread.
 * `turn` is shared by the workers and the main thread: [TURN_NEXT] the number of the next batch to
 * be written, [TURN_STATE] the output's state, [TURN_ERROR_LENGTH] the length of the reason a
 * write failed, in `error` (UTF-8). A failure is told there, before the turn moves on, not in a
 * message: a message could arrive after the main thread has seen every batch written, or in the
 * next parse.
 */
export interface OrderedOutput {
  fd: number;
  turn: Int32Array;
  error: Uint8Array;
}

export const TURN_NEXT = 0;
export const TURN_STATE = 1;
export const TURN_ERROR_LENGTH = 2;
export const OUTPUT_OPEN = 0;
/** Its reader went away (EPIPE, as in `dump ... | head`): the rest is not written. */
export const OUTPUT_CLOSED = 1;
/** A write failed otherwise: the rest is not written, and the parse fails with the reason. */
export const OUTPUT_FAILED = 2;

export function orderedOutput(fd: number): OrderedOutput {
  return { fd, turn: new Int32Array(new SharedArrayBuffer(12)), error: new Uint8Array(new SharedArrayBuffer(512)) };
}

/** Mark the output failed with `reason` (the first failure only), before the turn moves on. */
export function failOutput(out: OrderedOutput, reason: string): void {
  if (Atomics.load(out.turn, TURN_STATE) !== OUTPUT_OPEN) return;
  const { written } = new TextEncoder().encodeInto(reason, out.error);
  Atomics.store(out.turn, TURN_ERROR_LENGTH, written);
  Atomics.store(out.turn, TURN_STATE, OUTPUT_FAILED);
}

/** Why the output failed, or null when it has not. */
export function outputFailure(out: OrderedOutput): string | null {
  if (Atomics.load(out.turn, TURN_STATE) !== OUTPUT_FAILED) return null;
  return Buffer.from(out.error.subarray(0, Atomics.load(out.turn, TURN_ERROR_LENGTH))).toString('utf8');
}

/**
 * A batch of runs handed to a worker: its number, and either the ordered output its text goes to
 * or output buffers it may copy texts into again (see BatchResult).
 */
export interface BatchMessage {
  tasks: ChunkTask[];
  seq: number;
  output: OrderedOutput | null;
  spare: SharedArrayBuffer[];
}

/**
 * What a worker returns for a batch: a result per run, and the shared buffer their texts were
 * copied into, which the main thread hands to the consumer as views and, once all are consumed,
 * sends back to be copied into again (so no memory is committed or collected per batch).
 *
 * Nothing is ever transferred out of a worker: the first ArrayBuffer an isolate detaches (as a
 * transfer does) invalidates V8's array-buffer-detaching protector, and from then on its optimized
 * code checks for detachment at every typed array and DataView access. The XML pass ran 1.10x
 * slower in a thread that had detached one buffer of 8 bytes; writing straight into shared
 * memory, 1.04x slower. A copy of the batch's text (a few MiB at memcpy speed) costs less.
 */
export interface BatchResult {
  results: ChunkTaskResult[];
  buffer: SharedArrayBuffer | null;
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

  /** The rejects packed, or null when there are none (nothing to pass between threads). */
  pack(): PackedRejects | null {
    if (this.offsets.length === 0) return null;
    return {
      offsets: Float64Array.from(this.offsets),
      numbers: Float64Array.from(this.numbers),
      reasonEnds: Uint32Array.from(this.reasonEnds),
      reasonText: this.reasons.join(''),
    };
  }
}

/** The i-th rejected record of a packed list. */
export function rejectAt(p: PackedRejects, i: number): RejectedRecord {
  const n = p.numbers[i];
  const reason = p.reasonText.slice(i === 0 ? 0 : p.reasonEnds[i - 1], p.reasonEnds[i]);
  return { offset: p.offsets[i], recordNumber: Number.isNaN(n) ? undefined : n, reason };
}
