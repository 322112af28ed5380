/**
 * Time strings as event exporters write them, read by an explicit grammar: never by
 * Date.parse, which reads a string it does not know as the analysis workstation's local
 * time, so the same evidence gave other times on another machine. Recognised:
 *   ISO 8601 and NXLog:  2020-09-21T00:14:36[.fffffff][Z|±HH[:MM]|±HHMM]  ('T' or a space
 *                        between date and time, a space before a numeric zone allowed)
 *   Windows / NXLog en-US: M/D/YYYY H:MM:SS[.fff] [AM|PM]   (month first, 12- or 24-hour)
 * Anything else is not a time (null): the caller imports the record with no time and says so.
 */

export interface TimeText {
  /** Milliseconds of the wall-clock time read as if it were UTC, whole seconds (the fraction is apart). */
  wallMs: number;
  /** Fractional-second digits as written ('.130'), kept in the output; '' when none. */
  fraction: string;
  /** The written zone's offset from UTC in ms (local = UTC + zoneMs); null when the text has no zone. */
  zoneMs: number | null;
  /** True for a numeric zone (±HH:MM), false for 'Z' or none: a numeric zone says what the writer's local offset was. */
  numericZone: boolean;
  /** True when the date was written month first (M/D/YYYY). */
  monthFirst: boolean;
  /** 'YYYY-MM-DDTHH:MM:SS' of the wall-clock time as written (ISO input only), so a UTC time needs no Date. */
  wall19?: string;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|\s?([+-])(\d{2})(?::?(\d{2}))?)?$/;
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(\.\d+)?(?: ?([AaPp])[Mm])?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Epoch ms of a calendar date and time of day, or NaN when any part is out of range. Arithmetic only: no zone is involved. */
export function wallClock(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]) || h > 23 || mi > 59 || s > 59) return NaN;
  // Days from 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return days * 86_400_000 + ((h * 60 + mi) * 60 + s) * 1000;
}

const CANONICAL = /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d(?:\.\d+)?Z$/;

/**
 * True when the text is already an ISO UTC time as the case stores it (EVTX SystemTime:
 * '2019-05-11T17:57:49.9031596Z'): the common case, checked without building a date.
 */
export function isCanonicalUtc(text: string): boolean {
  if (!CANONICAL.test(text)) return false;
  const two = (i: number) => (text.charCodeAt(i) - 48) * 10 + text.charCodeAt(i + 1) - 48;
  const month = two(5);
  const day = two(8);
  // Days past the 28th leave the full check to parseTimeText.
  return month >= 1 && month <= 12 && day >= 1 && day <= 28 && two(11) <= 23;
}

export function parseTimeText(text: string): TimeText | null {
  const s = text.trim();
  let m = ISO.exec(s);
  if (m) {
    const wallMs = wallClock(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
    if (!Number.isFinite(wallMs)) return null;
    let zoneMs: number | null = null;
    if (m[8]) zoneMs = 0;
    else if (m[9]) {
      const hh = +m[10];
      const mm = m[11] === undefined ? 0 : +m[11];
      if (hh > 14 || mm > 59) return null;
      zoneMs = (m[9] === '-' ? -1 : 1) * (hh * 60 + mm) * 60_000;
    }
    return { wallMs, fraction: m[7] ?? '', zoneMs, numericZone: m[9] !== undefined, monthFirst: false, wall19: `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` };
  }
  m = US.exec(s);
  if (m) {
    let h = +m[4];
    if (m[8]) {
      if (h < 1 || h > 12) return null;
      h = (h % 12) + (m[8] === 'p' || m[8] === 'P' ? 12 : 0);
    }
    const wallMs = wallClock(+m[3], +m[1], +m[2], h, +m[5], +m[6]);
    if (!Number.isFinite(wallMs)) return null;
    return { wallMs, fraction: m[7] ?? '', zoneMs: null, numericZone: false, monthFirst: true };
  }
  return null;
}

/** Milliseconds of a fraction such as '.1234567' (sub-millisecond digits dropped). */
export function fractionMs(fraction: string): number {
  return fraction.length > 1 ? Number((fraction.slice(1) + '00').slice(0, 3)) : 0;
}

/** ISO 8601 UTC ending in 'Z' for a wall-clock time `offsetMs` behind UTC (UTC = wall + offsetMs), every fractional digit kept. */
export function isoAt(t: TimeText, offsetMs: number): string {
  if (offsetMs === 0 && t.wall19 !== undefined) return t.wall19 + t.fraction + 'Z';
  return new Date(t.wallMs + offsetMs).toISOString().slice(0, 19) + t.fraction + 'Z';
}

/** Epoch ms of a time, taking it as UTC when it has no zone (fields that are UTC by definition: SystemTime, UtcTime, @timestamp). */
export function utcMsOf(t: TimeText): number {
  return t.wallMs - (t.zoneMs ?? 0) + fractionMs(t.fraction);
}
