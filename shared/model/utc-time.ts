/**
 * UTC instants at the precision EVTX records carry (100 ns), as the explorer's time filter
 * uses them: epoch milliseconds plus the 100 ns units past that millisecond. Parsing accepts
 * the forms the workbench shows times in, so a time copied from the table, the detail panel,
 * a chip, the histogram axis or a record's XML can be typed back (evidence time text has its own
 * grammar, time-text.ts; both count dates by its calendar arithmetic). Pure: no Node or browser imports.
 */
import { wallClock } from './time-text';

/** A UTC instant: epoch milliseconds, and 100 ns units past that millisecond (0–9999). */
export interface UtcInstant {
  ms: number;
  sub: number;
}

/** The times the case database and the API accept: years 0001 to 9999. */
export const MIN_EPOCH_MS = -62_135_596_800_000;
export const MAX_EPOCH_MS = 253_402_300_799_999;

/**
 * `YYYY-MM-DD`, then optionally ` HH:MM`, `:SS`, `.f` (1 to 9 digits; digits past the 7th,
 * under 100 ns, are dropped), separated by a space or `T`, and optionally ending in `Z`, `UTC`
 * or `+00:00`.
 */
const FORM = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:Z|UTC|\+00:?00)?$/i;

export const UTC_FORMAT_HINT = 'YYYY-MM-DD HH:MM:SS.fffffff (UTC)';

/** The instant a typed UTC time names, or null when it is not one of the accepted forms or not a real date. */
export function parseUtcInstant(text: string): UtcInstant | null {
  const m = FORM.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((s) => (s === undefined ? 0 : Number(s)));
  if (year < 1) return null;
  const wall = wallClock(year, month, day, hour, minute, second); // (NaN for 2023-02-30 and the like)
  if (!Number.isFinite(wall)) return null;
  const frac = ((m[7] ?? '') + '0000000').slice(0, 7);
  const ms = wall + Number(frac.slice(0, 3));
  if (ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS) return null;
  return { ms, sub: Number(frac.slice(3)) };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * An instant as `YYYY-MM-DD HH:MM:SS`, with `.mmm` when it has milliseconds and `.fffffff`
 * when it has 100 ns units: the shortest form that is exact.
 */
export function formatUtcInstant(ms: number, sub = 0): string {
  const d = new Date(ms);
  const s = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const milli = d.getUTCMilliseconds();
  if (sub) return `${s}.${pad(milli, 3)}${pad(sub, 4)}`;
  return milli ? `${s}.${pad(milli, 3)}` : s;
}
