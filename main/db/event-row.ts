/**
 * Events travel from parse workers to the database thread as packed batches: every string
 * field of a batch UTF-8 encoded into one buffer, every number in one Float64Array. Both
 * are transferable (no structured clone of objects), and the database binds one blob per
 * row plus numbers; SQL slices the blob back into text columns. Binding JS strings one by
 * one costs sql.js a per-character encode in JavaScript, which is what this avoids.
 */
import { fieldValue, isoToEpochMs, type EventFields, type NormalizedEvent } from '../../shared/model/event';

/** Text columns of `events`, in bind order. */
export const TEXT_COLUMNS = [
  'time', 'host', 'channel', 'provider', 'user_sid', 'keywords', 'image', 'parent_image', 'command_line',
  'parent_command_line', 'user_name', 'process_guid', 'parent_process_guid', 'data', 'message',
] as const;
/** Numeric columns of `events`, in bind order. */
export const NUMBER_COLUMNS = [
  'time_ms', 'event_id', 'record_id', 'level', 'task', 'opcode', 'process_id', 'thread_id', 'source_id',
  'record_number', 'file_offset', 'recovered',
] as const;

const NT = TEXT_COLUMNS.length;
const NN = NUMBER_COLUMNS.length;
/** Cells per row: row byte start and end, (offset, length) per text column and for raw, then the numbers. */
export const CELLS_PER_ROW = 2 + 2 * (NT + 1) + NN;

const textExpr = (i: number) => `CAST(substr(?1, ?${2 + 2 * i}, ?${3 + 2 * i}) AS TEXT)`;

export const INSERT_EVENT = `INSERT INTO c.events (${[...TEXT_COLUMNS, ...NUMBER_COLUMNS].join(', ')}) VALUES (${[
  ...TEXT_COLUMNS.map((_, i) => textExpr(i)),
  ...NUMBER_COLUMNS.map((_, i) => `?${2 + 2 * NT + i}`),
].join(', ')})`;
export const INSERT_RAW = `INSERT INTO c.event_raw (id, raw) VALUES (last_insert_rowid(), CAST(substr(?1, ?2, ?3) AS TEXT))`;

export interface PackedBatch {
  count: number;
  bytes: Uint8Array;
  cells: Float64Array;
}

function userOf(d: EventFields): string | null {
  const user = fieldValue(d, 'User') ?? fieldValue(d, 'UserName');
  if (user) return user;
  const name = fieldValue(d, 'SubjectUserName');
  if (!name) return null;
  const domain = fieldValue(d, 'SubjectDomainName');
  return domain ? `${domain}\\${name}` : name;
}

/** The text column values of one event, in TEXT_COLUMNS order, then raw. */
function textValues(e: NormalizedEvent): Array<string | null> {
  const d = e.data;
  return [
    e.timeCreated, e.computer, e.channel, e.provider, e.userSid, e.keywords,
    fieldValue(d, 'Image') ?? fieldValue(d, 'NewProcessName') ?? null,
    fieldValue(d, 'ParentImage') ?? fieldValue(d, 'ParentProcessName') ?? null,
    fieldValue(d, 'CommandLine') ?? null,
    fieldValue(d, 'ParentCommandLine') ?? null,
    userOf(d),
    fieldValue(d, 'ProcessGuid') ?? null,
    fieldValue(d, 'ParentProcessGuid') ?? null,
    JSON.stringify(d), e.message, e.raw,
  ];
}

function numberValues(e: NormalizedEvent): Array<number | null> {
  const ms = isoToEpochMs(e.timeCreated);
  return [
    Number.isFinite(ms) ? ms : null, e.eventId, e.recordId, e.level, e.task, e.opcode, e.processId, e.threadId,
    e.ref.sourceId, e.ref.recordNumber ?? null, e.ref.offset ?? null, e.recovered ? 1 : 0,
  ];
}

const encoder = new TextEncoder();

/** Pack events for transfer to the database thread. */
export function packEvents(events: readonly NormalizedEvent[]): PackedBatch {
  const cells = new Float64Array(events.length * CELLS_PER_ROW);
  let bytes = new Uint8Array(Math.max(1024, events.length * 1024));
  let pos = 0;
  let c = 0;
  for (const e of events) {
    const rowStart = pos;
    cells[c++] = rowStart;
    const endCell = c++;
    for (const s of textValues(e)) {
      if (s === null) {
        cells[c++] = NaN;
        cells[c++] = NaN;
        continue;
      }
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      const need = pos + s.length * 3;
      if (need > bytes.length) {
        const grown = new Uint8Array(Math.max(need, bytes.length * 2));
        grown.set(bytes.subarray(0, pos));
        bytes = grown;
      }
      const { written } = encoder.encodeInto(s, bytes.subarray(pos));
      cells[c++] = pos - rowStart + 1;
      cells[c++] = written;
      pos += written;
    }
    cells[endCell] = pos;
    for (const n of numberValues(e)) cells[c++] = n === null ? NaN : n;
  }
  return { count: events.length, bytes: bytes.slice(0, pos), cells };
}
