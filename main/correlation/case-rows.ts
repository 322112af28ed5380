/**
 * Small helpers shared by the correlation modules: evidence references for event rows,
 * time and PID parsing, image-name matching, and host-name resolution (short names vs.
 * FQDNs as different logs write them). Every value here comes from evidence and is
 * attacker-controlled: it is compared and copied, never evaluated or used as a path.
 */
import type { EvidenceReference } from '../../shared/model/detection';
import type { CaseDb, Row } from '../db/case-db';

/** Columns every correlation query selects to build an EvidenceReference. */
export const REF_COLUMNS = 'id, host, time, time_ms, channel, event_id, record_id, source_id, record_number';

/** The REF_COLUMNS of a row. */
export interface RefRow {
  id: unknown;
  host: unknown;
  time: unknown;
  channel: unknown;
  event_id: unknown;
  record_id: unknown;
  source_id: unknown;
  record_number: unknown;
}

export class SourceNames {
  private readonly byId = new Map<number, { path: string; archivePath?: string }>();
  constructor(db: CaseDb) {
    for (const r of db.query('SELECT id, path, archive_path FROM sources')) {
      this.byId.set(Number(r.id), { path: String(r.path), archivePath: (r.archive_path as string | null) ?? undefined });
    }
  }
  /** Evidence reference of a row selected with REF_COLUMNS. */
  ref(r: RefRow | Row, host?: string): EvidenceReference {
    const src = this.byId.get(Number(r.source_id));
    const e: EvidenceReference = {
      eventRowId: Number(r.id),
      file: src?.path ?? '',
      recordId: r.record_id === null || r.record_id === undefined ? null : Number(r.record_id),
      eventId: Number(r.event_id),
      channel: String(r.channel ?? ''),
      time: String(r.time ?? ''),
      host: host ?? String(r.host ?? ''),
    };
    if (src?.archivePath) e.archivePath = src.archivePath;
    if (r.record_number !== null && r.record_number !== undefined) e.recordNumber = Number(r.record_number);
    return e;
  }
}

/**
 * Rows of a large query as plain objects, read through the case's array reader (much
 * cheaper per row than the object reader for hundreds of thousands of rows); only the
 * columns the caller names are copied out.
 */
export function bulkRows(db: CaseDb, sql: string, params: unknown[] = []): Row[] {
  const { columns, rows } = db.rows(sql, params);
  const out: Row[] = new Array(rows.length);
  const n = columns.length;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const o: Row = {};
    for (let c = 0; c < n; c++) o[columns[c]] = r[c];
    out[i] = o;
  }
  return out;
}

/**
 * SQL for the raw text following `"Key":"` in the `data` JSON (up to `max` characters), or
 * NULL when the field is absent or not a string. Much cheaper than json_extract (no parse of
 * the whole object) on hundreds of thousands of rows. The `data` column is written by
 * JSON.stringify, so a quote inside any value is escaped and `"Key":"` can only be the key
 * itself. Finish the value with jsonStringValue().
 */
export function dataField(key: string, max = 64): string {
  if (!/^[A-Za-z0-9_ ]+$/.test(key)) throw new Error(`unsupported field name ${key}`);
  const pat = `'"${key}":"'`;
  return `CASE WHEN instr(data, ${pat}) > 0 THEN substr(data, instr(data, ${pat}) + ${key.length + 4}, ${max}) END`;
}

/** Like dataField, but cut at the first quote in SQL: for values that never hold quotes or backslashes (addresses, numbers). */
export function dataFieldPlain(key: string, max = 64): string {
  const x = dataField(key, max);
  return `substr(${x}, 1, instr(${x}, '"') - 1)`;
}

/** The JSON string value at the start of `raw` (text after the opening quote), unescaped; null when it does not end within `raw`. */
export function jsonStringValue(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  let i = 0;
  let escaped = false;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x22 && !escaped) break;
    if (c === 0x5c) {
      if (escaped) escaped = false;
      else {
        escaped = true;
        continue;
      }
    }
    escaped = false;
  }
  if (i >= raw.length) return null;
  const body = raw.slice(0, i);
  if (!body.includes('\\')) return body;
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return null;
  }
}

export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

/** A PID as logged: decimal (Sysmon) or 0x-hex (Security). */
export function parsePid(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (/^0x[0-9a-f]{1,8}$/i.test(s)) return parseInt(s.slice(2), 16);
  if (/^\d{1,10}$/.test(s)) return Number(s);
  return null;
}

/** Sysmon UtcTime ("2019-05-11 17:58:23.200") in ms, else the stored time_ms; null when neither parses. */
export function eventMs(utcTime: unknown, timeMs: unknown): number | null {
  if (typeof utcTime === 'string' && /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?$/.test(utcTime)) {
    const iso = utcTime.replace(' ', 'T');
    const ms = Date.parse((iso.length > 23 ? iso.slice(0, 23) : iso.replace(/Z$/, '')) + 'Z');
    if (!Number.isNaN(ms)) return ms;
  }
  if (typeof timeMs === 'number' && Number.isFinite(timeMs)) return timeMs;
  return null;
}

export function msToIso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Last path component, lower-cased ("C:\\Windows\\System32\\wbem\\WmiPrvSE.exe" -> "wmiprvse.exe"). */
export function baseName(path: string | null | undefined): string {
  if (!path) return '';
  const s = path.trim().replace(/^"+|"+$/g, '');
  const i = Math.max(s.lastIndexOf('\\'), s.lastIndexOf('/'));
  return (i >= 0 ? s.slice(i + 1) : s).toLowerCase();
}

/**
 * Does an image path match what the analyst asked for? A bare name ("wmiprvse.exe", or
 * "wmiprvse") compares with the last path component, a path compares whole; both ignore case.
 */
export function imageMatches(path: string | null | undefined, want: string): boolean {
  if (!path) return false;
  const w = want.trim().toLowerCase();
  if (w === '') return false;
  if (w.includes('\\') || w.includes('/')) return path.trim().toLowerCase().replace(/\//g, '\\') === w.replace(/\//g, '\\');
  const b = baseName(path);
  return b === w || (!w.includes('.') && b === `${w}.exe`);
}

/**
 * Host names as the case knows them. Logs name the same machine as "WORKSTATION6" or
 * "WORKSTATION6.theshire.local"; a short name resolves to the one case host whose first
 * label it is (never when two hosts share it).
 */
export class HostResolver {
  private readonly exact = new Map<string, string>();
  private readonly short = new Map<string, string | null>();

  constructor(hosts: Iterable<string>) {
    const all = [...new Set([...hosts].filter((h) => h && h.trim() !== ''))];
    // Prefer FQDNs as the display name of a machine logged both ways.
    all.sort((a, b) => b.length - a.length);
    for (const h of all) {
      const lc = h.trim().toLowerCase().replace(/\.$/, '');
      const label = lc.split('.')[0];
      if (lc.includes('.')) {
        if (!this.exact.has(lc)) this.exact.set(lc, h);
        const prev = this.short.get(label);
        this.short.set(label, prev === undefined || prev === h ? h : null);
      }
    }
    for (const h of all) {
      const lc = h.trim().toLowerCase().replace(/\.$/, '');
      if (this.exact.has(lc)) continue;
      const viaShort = lc.includes('.') ? undefined : this.short.get(lc);
      this.exact.set(lc, viaShort ?? h);
    }
  }

  static fromCase(db: CaseDb): HostResolver {
    return new HostResolver(db.query('SELECT DISTINCT host FROM events').map((r) => String(r.host)));
  }

  /** The case's name for a host as logged, or null when no host of the case matches. */
  resolve(name: string | null | undefined): string | null {
    if (!name) return null;
    let lc = name.trim().toLowerCase().replace(/^\\\\/, '').replace(/\.$/, '');
    if (lc === '' || lc === '-' || lc === 'localhost' || lc === '.' || lc === '127.0.0.1' || lc === '::1') return null;
    const hit = this.exact.get(lc);
    if (hit) return hit;
    lc = lc.split('.')[0];
    const s = this.short.get(lc);
    if (s) return s;
    return this.exact.get(lc) ?? null;
  }

  /** Canonical name of a host that logged records (always returns a name). */
  canonical(name: string): string {
    return this.resolve(name) ?? name;
  }

  /** Are two logged names the same machine? */
  same(a: string | null | undefined, b: string | null | undefined): boolean {
    if (!a || !b) return false;
    const ra = this.resolve(a);
    const rb = this.resolve(b);
    if (ra && rb) return ra === rb;
    return a.trim().toLowerCase().split('.')[0] === b.trim().toLowerCase().split('.')[0];
  }
}
