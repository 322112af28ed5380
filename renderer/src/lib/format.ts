/** Display helpers. Every value from evidence is shown as text; these only make it readable. */
import type { Cell } from '../../../shared/api/interfaces';

/**
 * Characters that would hide, reorder or fake text: C0/C1 controls (but tab and newline),
 * bidirectional overrides and isolates, zero-width characters, line/paragraph separators.
 */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0').toUpperCase()}`;
}

/** Hidden and reordering characters shown as escapes (\x1b, \u202E) so evidence text reads as it is stored. */
export function visible(s: string): string {
  return s.replace(HIDDEN, escapeChar);
}

/** One-line form for table cells (newlines and tabs as symbols too), capped in length. */
export function cellText(v: Cell | undefined, max = 2000): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  const one = visible(s).replace(/[\n\t]/g, escapeChar);
  return one.length > max ? one.slice(0, max) + '…' : one;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Epoch ms as `YYYY-MM-DD HH:MM:SS.mmm` in UTC. */
export function utcMs(ms: number | null | undefined, withMs = true): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const s = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return withMs ? `${s}.${pad(d.getUTCMilliseconds(), 3)}` : s;
}

/** An ISO UTC time from the case (full source precision kept) as `YYYY-MM-DD HH:MM:SS.fffffff`. */
export function isoUtc(v: Cell | undefined): string {
  if (typeof v !== 'string') return cellText(v ?? null);
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)Z$/.exec(v);
  return m ? `${m[1]} ${m[2]}` : cellText(v);
}

export function num(n: number | null | undefined): string {
  return n === null || n === undefined ? '' : n.toLocaleString('en-US');
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function ms(n: number): string {
  return n < 1000 ? `${n.toFixed(0)} ms` : `${(n / 1000).toFixed(2)} s`;
}
