/**
 * The one typed API between the renderer and the core, shared by both shells (Electron IPC
 * and the loopback web shell). Every method takes one request object and resolves to one
 * response object; main validates each request with the zod schemas in
 * main/api/validation.ts before it reaches the core. Pure types: no Node or browser imports.
 */
import type { LedgerEntry } from '../model/ledger';

export type { LedgerEntry };

/** A SQL cell as it crosses the boundary (blobs are shown as a hex summary). */
export type Cell = string | number | null;

/** The indexed event columns the explorer can facet on. */
export const FACETS = ['host', 'channel', 'provider', 'event_id', 'image', 'parent_image', 'user_name'] as const;
export type FacetName = (typeof FACETS)[number];

/** Columns of `events` a client may show, sort or pivot on (never `data`, which is shown per field). */
export const EVENT_COLUMNS_VISIBLE = [
  'id', 'time', 'host', 'channel', 'provider', 'event_id', 'record_id', 'user_sid', 'level', 'task', 'opcode',
  'keywords', 'process_id', 'thread_id', 'image', 'parent_image', 'command_line', 'parent_command_line', 'user_name',
  'process_guid', 'parent_process_guid', 'message', 'source_id', 'record_number', 'file_offset', 'recovered',
] as const;
export type EventColumn = (typeof EVENT_COLUMNS_VISIBLE)[number];

/** A column of the events table: a real column, or any event field (`data.<Field>` = json_extract(data,'$.Field')). */
export type ColumnRef = EventColumn | `data.${string}`;

/** One-click filters on the parent process image (basename match, case-insensitive). */
export const PARENT_PRESETS = ['wmiprvse.exe', 'scrcons.exe', 'wmic.exe'] as const;

/** "events with this value": a column or event field equal to a value. */
export interface FieldEquals {
  field: ColumnRef;
  value: string | number | null;
}

/**
 * An explorer filter. Values inside one facet are OR-ed, everything else is AND-ed.
 * Times are epoch milliseconds (UTC), half-open [timeFrom, timeTo); `timeFromSub` and
 * `timeToSub` add 100 ns units (0–9999) to a bound, for times typed to the precision EVTX
 * records carry. Event times are compared at 100 ns (finer digits dropped).
 */
export interface EventFilter {
  facets?: Partial<Record<FacetName, Array<string | number>>>;
  /** Parent image basenames (e.g. 'wmiprvse.exe'); an event matches when its parent is any of them. */
  parentImages?: string[];
  /** Case-insensitive substring over the event's fields, message and indexed columns. */
  text?: string;
  timeFrom?: number | null;
  timeFromSub?: number | null;
  timeTo?: number | null;
  timeToSub?: number | null;
  equals?: FieldEquals[];
}

export type SortDir = 'asc' | 'desc';

export interface ShellInfo {
  shell: 'electron' | 'web';
  version: string;
  /** Native open/save dialogs are available (Electron). */
  nativeDialogs: boolean;
  /** How long one SQL query may run before it is stopped, in milliseconds. */
  sqlTimeLimitMs: number;
}

export interface CaseInfo {
  /** Path of the case file on disk, null for an unsaved case (and for one opened from an uploaded file: it has no file of its own). */
  path: string | null;
  /** The name of the uploaded case file the case was opened from (web shell), while it has no file of its own on the server. */
  uploadedCopy: string | null;
  /** True when the case has changes not yet saved. */
  dirty: boolean;
  events: number;
  sources: number;
  firstTime: string | null;
  lastTime: string | null;
}

export interface PageRequest {
  filter: EventFilter;
  columns: ColumnRef[];
  sort?: { column: ColumnRef; dir: SortDir };
  offset: number;
  limit: number;
}

export interface PageResponse {
  columns: ColumnRef[];
  /** One array per row: the event id first, then the requested columns in order. */
  rows: Cell[][];
  offset: number;
  /** Total events matching the filter. */
  total: number;
  elapsedMs: number;
}

export interface FacetValue {
  value: string | number | null;
  count: number;
}

export interface FacetsResponse {
  /** Counts per facet; each facet's counts apply every other filter but its own selection, so selections combine. */
  facets: Record<FacetName, FacetValue[]>;
  elapsedMs: number;
}

export interface HistogramRequest {
  filter: EventFilter;
  buckets?: number;
  /**
   * The window to count in, [from, to) epoch ms; an open end reaches the case's last (first)
   * event on that side that is not an outlier, or any event when there is none. No window:
   * the case's span without outliers.
   */
  view?: { from: number | null; to: number | null };
}

export interface HistogramResponse {
  /** Bucket start times (epoch ms) and counts of the events in the window; buckets are `bucketMs` wide. */
  buckets: Array<{ start: number; count: number }>;
  bucketMs: number;
  /** The window counted, [viewFrom, viewTo) epoch ms (null when the case has no timed event). */
  viewFrom: number | null;
  viewTo: number | null;
  /** The time span of the whole case without its outliers (not only the filter): the window when none is asked for. */
  minTime: number | null;
  maxTime: number | null;
  /**
   * Events matching the filter dated before `from` (1990) or from `to` on (a year past the
   * analysis time): zeroed timestamps (1601-01-01) and wrong clocks. They stay out of the
   * default window so they do not squeeze the real timeline into one bar.
   */
  outliers: { before: number; after: number; from: number; to: number };
  elapsedMs: number;
}

export interface FacetValuesRequest {
  facet: FacetName;
  /** The explorer filter; the facet's own selection is left out, as in `facets`. */
  filter: EventFilter;
  /** Case-insensitive substring of the value (of its decimal form for event ids). */
  search: string;
  limit?: number;
}

export interface FacetValuesResponse {
  /** Matching values with their counts: an exact match first, then by count. */
  values: FacetValue[];
  elapsedMs: number;
}

export interface EventDetail {
  id: number;
  /** Every indexed column. */
  columns: Record<string, Cell>;
  /** Every event field with its original name (arrays keep every item). */
  fields: Record<string, string | string[]>;
  /** The record as the source held it (XML fragment, JSON line); null for binary sources (EVTX), see `xml`. */
  raw: string | null;
  /** The record as Windows event XML: for binary sources, rendered from the parsed record. */
  xml: string;
  /** The evidence file the record came from. */
  source: { id: number; path: string; archivePath?: string; format: string } | null;
}

export interface FieldNamesResponse {
  /** Event field names seen in the case (sampled), sorted. */
  fields: string[];
}

export interface SqlResult {
  columns: string[];
  rows: Cell[][];
  truncated: boolean;
  elapsedMs: number;
}

export interface SavedQuery {
  name: string;
  sql: string;
}

/** Progress of one evidence file in an import. */
export interface ImportFileProgress {
  path: string;
  archivePath?: string;
  format?: string;
  records: number;
  rejected: number;
  /** Number of file-level errors (messages in the ledger). */
  errors: number;
  bytesDone: number;
  bytesTotal: number;
  /** Records per second over the file's own parse time (frozen once the file is done). */
  rate: number;
  /** Time spent parsing the file so far (its whole parse time once it is done). */
  elapsedMs: number;
  state: 'queued' | 'parsing' | 'done' | 'failed';
}

export interface ImportStatus {
  jobId: string;
  state: 'running' | 'done' | 'failed';
  files: ImportFileProgress[];
  startedAt: string;
  elapsedMs: number;
  /** Records imported so far, over all files. */
  records: number;
  error?: string;
  /** Inputs that could not be read at all (missing paths, unreadable folders). */
  inputErrors: Array<{ path: string; error: string }>;
}

/** An evidence file sent by content (web upload, drag-and-drop): the server keeps it in a private temp folder. */
export interface UploadResponse {
  /** Opaque handle naming the stored upload; pass to startImport. */
  uploadId: string;
  name: string;
  size: number;
}

/** Every method of the API. Requests are plain JSON-able objects (uploads carry bytes). */
export interface WorkbenchApiContract {
  shellInfo(req: Record<string, never>): Promise<ShellInfo>;
  caseInfo(req: Record<string, never>): Promise<CaseInfo>;
  newCase(req: Record<string, never>): Promise<CaseInfo>;
  openCase(req: { path: string }): Promise<CaseInfo>;
  /**
   * Save to the case's own file, or to `path` (Save as…). An existing file at `path` is replaced
   * only with `overwrite` (refused with kind 'exists' otherwise, so the UI can ask), and never
   * when it is read-only or evidence of the case.
   */
  saveCase(req: { path?: string; overwrite?: boolean }): Promise<CaseInfo>;
  /** Native dialogs (Electron only): resolve to chosen paths, or null when cancelled. */
  chooseEvidence(req: Record<string, never>): Promise<{ paths: string[] | null }>;
  chooseCaseToOpen(req: Record<string, never>): Promise<{ path: string | null }>;
  chooseCaseToSave(req: Record<string, never>): Promise<{ path: string | null }>;
  uploadEvidence(req: { name: string; bytes: Uint8Array }): Promise<UploadResponse>;
  startImport(req: { paths?: string[]; uploadIds?: string[] }): Promise<{ jobId: string }>;
  importStatus(req: { jobId: string }): Promise<ImportStatus>;
  ledger(req: Record<string, never>): Promise<{ entries: LedgerEntry[] }>;
  eventsPage(req: PageRequest): Promise<PageResponse>;
  facets(req: { filter: EventFilter; limit?: number }): Promise<FacetsResponse>;
  histogram(req: HistogramRequest): Promise<HistogramResponse>;
  /** Values of one facet matching a typed text, from the whole case (not only the top values `facets` gives). */
  facetValues(req: FacetValuesRequest): Promise<FacetValuesResponse>;
  eventDetail(req: { id: number }): Promise<EventDetail>;
  fieldNames(req: Record<string, never>): Promise<FieldNamesResponse>;
  sqlQuery(req: { sql: string; maxRows?: number }): Promise<SqlResult>;
  savedQueries(req: Record<string, never>): Promise<{ queries: SavedQuery[] }>;
  saveQuery(req: SavedQuery): Promise<{ queries: SavedQuery[] }>;
  deleteQuery(req: { name: string }): Promise<{ queries: SavedQuery[] }>;
}

export type ApiMethod = keyof WorkbenchApiContract;
export type ApiRequest<M extends ApiMethod> = Parameters<WorkbenchApiContract[M]>[0];
export type ApiResponse<M extends ApiMethod> = Awaited<ReturnType<WorkbenchApiContract[M]>>;

/** How an API error crosses the boundary: a message meant for the analyst, and a kind. */
export interface ApiErrorBody {
  error: string;
  /** 'exists': the file to write exists and the request did not say to replace it. */
  kind: 'invalid-request' | 'not-found' | 'refused' | 'exists' | 'internal';
}

/** The object the Electron preload exposes as `window.wmiWorkbench`. */
export type WorkbenchBridge = WorkbenchApiContract;

/** The time zone every time is shown in by default. */
export const DISPLAY_ZONE = 'UTC';
