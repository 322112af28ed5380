/**
 * The one normalized event model. Every evidence format (EVTX, XML exports, JSON/JSONL
 * exports) is turned into this shape before it reaches the case database, detection or
 * correlation. Pure types and helpers: no Node or browser imports.
 */

/** Where a record came from, precise enough to show it again exactly as it was. */
export interface EvidenceRef {
  /** Ledger id of the evidence file the record was read from. */
  sourceId: number;
  /** Path of the evidence file as the analyst gave it (or the archive holding it). */
  sourcePath: string;
  /** Path of the member inside a zip archive, when the evidence came from one ('/'-joined for nested archives). */
  archivePath?: string;
  /** EVTX record number, or the 1-based line number of a JSONL/XML record. */
  recordNumber?: number;
  /** Byte offset of the record inside the (decompressed) evidence file. */
  offset?: number;
}

/** Named event fields. Repeated or array values keep every item. */
export type EventFields = Record<string, string | string[]>;

export interface NormalizedEvent {
  /** UTC, ISO 8601, full precision of the source kept (EVTX: 7 fractional digits), always ending in 'Z'; '' when the record has no time we can read. */
  timeCreated: string;
  /** The source's time text when it is in no format we read (timeCreated is then ''); the ledger counts these. */
  unreadTime?: string;
  channel: string;
  provider: string;
  eventId: number;
  /** EventRecordID as the source logged it; null when the source has none. */
  recordId: number | null;
  computer: string;
  userSid: string | null;
  level: number | null;
  task: number | null;
  opcode: number | null;
  keywords: string | null;
  processId: number | null;
  threadId: number | null;
  /** EventData and UserData fields with their original names. Unnamed <Data> items are collected under 'Data'. */
  data: EventFields;
  /** The rendered message where the source has one. */
  message: string | null;
  /** The record exactly as the source held it (XML fragment, JSON line), for the detail view. */
  raw: string | null;
  /** True when the record was carved from a damaged area (EVTX slack or a chunk with a broken header). */
  recovered: boolean;
  ref: EvidenceRef;
}

/** Milliseconds since the epoch for an ISO time; NaN when it does not parse. Sub-millisecond digits are dropped. */
export function isoToEpochMs(iso: string): number {
  return Date.parse(iso.length > 24 ? iso.slice(0, 23) + 'Z' : iso);
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * A field's own value, never one an object inherits: evidence names its fields as it likes,
 * and a field named 'constructor' or 'toString' is no function.
 */
export function ownField(fields: EventFields, name: string): string | string[] | undefined {
  return hasOwn.call(fields, name) ? fields[name] : undefined;
}

/** Set a field, as an own property for every name ('__proto__' assigned would set the object's prototype, or nothing). */
export function setField(fields: EventFields, name: string, value: string | string[]): void {
  if (name === '__proto__') Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
  else fields[name] = value;
}

/** First value of a field (array fields give their first item), or undefined. */
export function fieldValue(fields: EventFields, name: string): string | undefined {
  const v = ownField(fields, name);
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v[0];
}
