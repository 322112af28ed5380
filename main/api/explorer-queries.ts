/**
 * The SQL behind the events explorer: paging, counts, facets, histogram. Everything a user
 * supplies is bound as a parameter; the only identifiers written into SQL text are the
 * vetted column names of EVENT_COLUMNS_VISIBLE / FACETS, and event field names travel as a
 * bound JSON path (`$."Field"`), so no input is ever concatenated into a statement.
 */
import {
  EVENT_COLUMNS_VISIBLE,
  FACETS,
  type ColumnRef,
  type EventColumn,
  type EventFilter,
  type FacetName,
  type SortDir,
} from '../../shared/api/interfaces';
import { FIELD_NAME } from './validation';

export interface SqlPart {
  sql: string;
  params: unknown[];
}

const VISIBLE = new Set<string>(EVENT_COLUMNS_VISIBLE);
/**
 * Facets over Windows paths and account names group and match case-insensitively (as Windows
 * compares them), which also lets SQLite read them straight from their NOCASE indexes.
 */
const NOCASE_FACETS = new Set<string>(['image', 'parent_image', 'user_name']);
const facetExpr = (name: string) => (NOCASE_FACETS.has(name) ? `events.${name} COLLATE NOCASE` : `events.${name}`);
/** A facet value as its facet groups it (paths and account names without case). */
export function facetValueKey(name: FacetName, v: unknown): unknown {
  return typeof v === 'string' && NOCASE_FACETS.has(name) ? v.toLowerCase() : v;
}
const FACET_SET = new Set<string>(FACETS);

export function isEventColumn(c: string): c is EventColumn {
  return VISIBLE.has(c);
}

/** The JSON path of an event field, for json_extract(data, ?). */
export function fieldPath(field: string): string {
  if (!FIELD_NAME.test(field)) throw new Error('invalid event field name');
  return `$."${field}"`;
}

/** SQL expression of a column reference (parameters appended to `params`). */
export function columnExpr(col: ColumnRef, params: unknown[]): string {
  if (isEventColumn(col)) return col === 'time' ? 'events.time' : `events.${col}`;
  if (col.startsWith('data.')) {
    params.push(fieldPath(col.slice(5)));
    return 'json_extract(events.data, ?)';
  }
  throw new Error('unknown column');
}

/** A LIKE pattern matching `s` literally, with '!' as the escape character. */
export function likeLiteral(s: string): string {
  return s.replace(/[!%_]/g, (c) => `!${c}`);
}

/**
 * 100 ns units past the millisecond of an event's time (`time` keeps the source's digits, 0 to
 * 9 of them, and `time_ms` is truncated to the millisecond): its 4th to 7th fractional digits,
 * zero-padded; finer digits are dropped.
 */
const SUB_MS =
  "(CASE WHEN instr(events.time, '.') > 0 THEN CAST(substr(replace(substr(events.time, instr(events.time, '.') + 4, 4), 'Z', '') || '0000', 1, 4) AS INTEGER) ELSE 0 END)";

const TEXT_COLUMNS = ['host', 'channel', 'provider', 'image', 'parent_image', 'command_line', 'parent_command_line', 'user_name', 'message'];

/** WHERE clause (without the keyword; '1' when empty) for a filter; `skipFacet` leaves that facet's selection out. */
export function whereOf(filter: EventFilter, skipFacet?: FacetName): SqlPart {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [name, values] of Object.entries(filter.facets ?? {})) {
    if (!FACET_SET.has(name) || name === skipFacet || !values || values.length === 0) continue;
    const nonNull = values.filter((v) => v !== null);
    const ors: string[] = [];
    if (nonNull.length) {
      ors.push(`${facetExpr(name)} IN (${nonNull.map(() => '?').join(',')})`);
      params.push(...nonNull);
    }
    if (nonNull.length < values.length) ors.push(`events.${name} IS NULL`);
    parts.push(ors.length === 1 ? ors[0] : `(${ors.join(' OR ')})`);
  }
  if (filter.parentImages?.length) {
    const ors: string[] = [];
    for (const img of filter.parentImages) {
      ors.push(`events.parent_image LIKE ? ESCAPE '!'`, `events.parent_image LIKE ? ESCAPE '!'`);
      params.push(`%\\${likeLiteral(img)}`, likeLiteral(img));
    }
    parts.push(`(${ors.join(' OR ')})`);
  }
  if (filter.timeFrom !== undefined && filter.timeFrom !== null) {
    const sub = filter.timeFromSub ?? 0;
    if (sub > 0) {
      parts.push(`events.time_ms >= ? AND (events.time_ms > ? OR ${SUB_MS} >= ?)`);
      params.push(filter.timeFrom, filter.timeFrom, sub);
    } else {
      parts.push('events.time_ms >= ?');
      params.push(filter.timeFrom);
    }
  }
  if (filter.timeTo !== undefined && filter.timeTo !== null) {
    const sub = filter.timeToSub ?? 0;
    if (sub > 0) {
      parts.push(`events.time_ms <= ? AND (events.time_ms < ? OR ${SUB_MS} < ?)`);
      params.push(filter.timeTo, filter.timeTo, sub);
    } else {
      parts.push('events.time_ms < ?');
      params.push(filter.timeTo);
    }
  }
  for (const eq of filter.equals ?? []) {
    if (isEventColumn(eq.field)) {
      if (eq.value === null) parts.push(`events.${eq.field} IS NULL`);
      else {
        parts.push(`events.${eq.field} = ?`);
        params.push(eq.value);
      }
    } else {
      const path = fieldPath(eq.field.slice(5));
      if (eq.value === null) {
        parts.push('json_extract(events.data, ?) IS NULL');
        params.push(path);
      } else {
        // Repeated fields are JSON arrays: match any item.
        parts.push(
          "(json_extract(events.data, ?) = ? OR (json_type(events.data, ?) = 'array' AND EXISTS (SELECT 1 FROM json_each(events.data, ?) AS j WHERE j.value = ?)))",
        );
        params.push(path, eq.value, path, path, eq.value);
      }
    }
  }
  const text = filter.text?.trim();
  if (text) {
    const plain = `%${likeLiteral(text)}%`;
    // data is JSON text: backslashes and quotes appear escaped there.
    const inJson = `%${likeLiteral(JSON.stringify(text).slice(1, -1))}%`;
    const ors = TEXT_COLUMNS.map((c) => `events.${c} LIKE ? ESCAPE '!'`);
    params.push(...TEXT_COLUMNS.map(() => plain));
    ors.push(`events.data LIKE ? ESCAPE '!'`);
    params.push(inJson);
    // A number is also an event id (4688 finds the 4688 events, not only texts holding 4688).
    if (/^\d{1,9}$/.test(text)) {
      ors.push('events.event_id = ?');
      params.push(Number(text));
    }
    parts.push(`(${ors.join(' OR ')})`);
  }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

export function orderOf(sort: { column: ColumnRef; dir: SortDir } | undefined, params: unknown[]): string {
  const dir = sort?.dir === 'desc' ? 'DESC' : 'ASC';
  if (!sort || sort.column === 'time') return `events.time_ms ${dir}, events.id ${dir}`;
  if (sort.column === 'id') return `events.id ${dir}`;
  return `${columnExpr(sort.column, params)} ${dir}, events.id ${dir}`;
}

/** One page of events: the id, then the requested columns. */
export function pageQuery(
  filter: EventFilter,
  columns: ColumnRef[],
  sort: { column: ColumnRef; dir: SortDir } | undefined,
  offset: number,
  limit: number,
): SqlPart {
  const params: unknown[] = [];
  const select = columns.map((c, i) => `${columnExpr(c, params)} AS c${i}`);
  const where = whereOf(filter);
  params.push(...where.params);
  const order = orderOf(sort, params);
  params.push(limit, offset);
  return {
    sql: `SELECT events.id AS id${select.length ? ', ' + select.join(', ') : ''} FROM events WHERE ${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
    params,
  };
}

/**
 * Page through ids first (the sort index and the filter only), then fetch the columns of
 * just those rows: deep offsets then skip index entries, not whole rows with JSON.
 */
export function pageIdsQuery(
  filter: EventFilter,
  sort: { column: ColumnRef; dir: SortDir } | undefined,
  offset: number,
  limit: number,
): SqlPart {
  const where = whereOf(filter);
  const params = [...where.params];
  const order = orderOf(sort, params);
  params.push(limit, offset);
  return { sql: `SELECT events.id AS id FROM events WHERE ${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?`, params };
}

export function rowsByIdQuery(columns: ColumnRef[], ids: number[]): SqlPart {
  const params: unknown[] = [];
  const select = columns.map((c, i) => `${columnExpr(c, params)} AS c${i}`);
  params.push(...ids);
  return {
    sql: `SELECT events.id AS id${select.length ? ', ' + select.join(', ') : ''} FROM events WHERE events.id IN (${ids.map(() => '?').join(',')})`,
    params,
  };
}

export function countQuery(filter: EventFilter): SqlPart {
  const where = whereOf(filter);
  return { sql: `SELECT COUNT(*) AS n FROM events WHERE ${where.sql}`, params: where.params };
}

export function facetQuery(filter: EventFilter, facet: FacetName, limit: number): SqlPart {
  if (!FACET_SET.has(facet)) throw new Error('unknown facet');
  const where = whereOf(filter, facet);
  return {
    sql: `SELECT events.${facet} AS v, COUNT(*) AS n FROM events WHERE ${where.sql} GROUP BY ${facetExpr(facet)} ORDER BY n DESC, v ASC LIMIT ?`,
    params: [...where.params, limit],
  };
}

/**
 * Values of one facet containing a text (case-insensitive; an event id by its decimal
 * form), with their counts under the filter without the facet's own selection: the exact
 * value first, then the commonest.
 */
export function facetSearchQuery(filter: EventFilter, facet: FacetName, search: string, limit: number): SqlPart {
  if (!FACET_SET.has(facet)) throw new Error('unknown facet');
  const where = whereOf(filter, facet);
  const text = facet === 'event_id' ? 'CAST(events.event_id AS TEXT)' : `events.${facet}`;
  return {
    sql: `SELECT events.${facet} AS v, COUNT(*) AS n FROM events WHERE ${where.sql} AND ${text} LIKE ? ESCAPE '!' GROUP BY ${facetExpr(facet)} ORDER BY (${text} = ? COLLATE NOCASE) DESC, n DESC, v ASC LIMIT ?`,
    params: [...where.params, `%${likeLiteral(search)}%`, search, limit],
  };
}

/** Counts of chosen values of one facet (a selection outside the top values still shows its count). */
export function facetCountsQuery(filter: EventFilter, facet: FacetName, values: Array<string | number>): SqlPart {
  if (!FACET_SET.has(facet)) throw new Error('unknown facet');
  const where = whereOf(filter, facet);
  return {
    sql: `SELECT events.${facet} AS v, COUNT(*) AS n FROM events WHERE ${where.sql} AND ${facetExpr(facet)} IN (${values.map(() => '?').join(',')}) GROUP BY ${facetExpr(facet)}`,
    params: [...where.params, ...values],
  };
}

/**
 * Event times outside [PLAUSIBLE_FROM, plausibleTo(now)) are outliers: a zeroed timestamp
 * (1601-01-01, FILETIME 0) or a clock set far off. They are counted apart and kept out of
 * the histogram's default window, so that one of them does not squeeze years of real events
 * into one bar; the time filter still reaches them.
 */
export const PLAUSIBLE_FROM = Date.UTC(1990, 0, 1);
export function plausibleTo(now: number): number {
  return now + 366 * 86_400_000;
}

/** The first (or last) event time in [lo, hi), either end open; one row with `t`, or none. */
export function edgeTimeQuery(edge: 'first' | 'last', lo: number | null, hi: number | null): SqlPart {
  const parts = ['time_ms IS NOT NULL'];
  const params: unknown[] = [];
  if (lo !== null) {
    parts.push('time_ms >= ?');
    params.push(lo);
  }
  if (hi !== null) {
    parts.push('time_ms < ?');
    params.push(hi);
  }
  // ORDER BY ... LIMIT 1 is one seek in ix_events_time (MIN() with a WHERE would scan the range).
  return { sql: `SELECT time_ms AS t FROM events WHERE ${parts.join(' AND ')} ORDER BY time_ms ${edge === 'first' ? 'ASC' : 'DESC'} LIMIT 1`, params };
}

/**
 * Events matching a filter dated before `before` and from `after` on. The two time ranges
 * (few rows) are read from ix_events_time and the filter tested on those rows only.
 */
export function outlierCountQuery(filter: EventFilter, before: number, after: number): SqlPart {
  const where = whereOf(filter);
  return {
    sql: `SELECT COALESCE(SUM(events.time_ms < ?), 0) AS before, COALESCE(SUM(events.time_ms >= ?), 0) AS after FROM events WHERE (events.time_ms < ? OR events.time_ms >= ?) AND ${where.sql}`,
    params: [before, after, before, after, ...where.params],
  };
}

const NICE_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 604_800_000,
  2_592_000_000, 7_776_000_000, 31_536_000_000,
];

/** A bucket width that is a round unit of time and gives at most `buckets` buckets over [lo, hi]. */
export function bucketWidth(lo: number, hi: number, buckets: number): number {
  const span = Math.max(1, hi - lo + 1);
  const raw = span / Math.max(1, buckets);
  for (const s of NICE_STEPS) if (s >= raw) return s;
  return Math.ceil(raw / 31_536_000_000) * 31_536_000_000;
}

/** Event counts per bucket of `width` ms from `origin`, over the window [from, to). */
export function histogramQuery(filter: EventFilter, origin: number, width: number, from: number, to: number): SqlPart {
  const where = whereOf(filter);
  return {
    sql: `SELECT CAST((events.time_ms - ?) / ? AS INTEGER) AS b, COUNT(*) AS n FROM events WHERE events.time_ms >= ? AND events.time_ms < ? AND ${where.sql} GROUP BY b ORDER BY b`,
    params: [origin, width, from, to, ...where.params],
  };
}

/** Event field names, from a sample of events spread over the case (json_each over every row would be slow). */
export const FIELD_NAMES_QUERY = `SELECT DISTINCT j.key AS k FROM (SELECT data FROM events WHERE id IN (SELECT id FROM events ORDER BY random() LIMIT 5000) UNION ALL SELECT data FROM (SELECT data FROM events GROUP BY channel, event_id)) AS s, json_each(s.data) AS j ORDER BY k`;
