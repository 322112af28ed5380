/**
 * Event counts over time, drawn in SVG, over a window of the case that can be zoomed. Dragging
 * across it (the brush) selects a time range, a click selects the bar under it; the selection
 * is shown shaded. Above it, the time controls: From/To fields typed in UTC to 100 ns,
 * zoom out, reset, and the outliers (zeroed timestamps, far-off clocks) the default window
 * leaves out, each a click away from being filtered on. Times on the axis are UTC.
 */
import { useEffect, useRef, useState } from 'react';
import type { HistogramResponse } from '../../../shared/api/interfaces';
import { formatUtcInstant, parseUtcInstant, UTC_FORMAT_HINT, type UtcInstant } from '../../../shared/model/utc-time';
import { num, utcMs } from '../lib/format';

/** A time range as the filter holds it: bounds in epoch ms plus 100 ns units; null ends are open. */
export interface TimeRange {
  from: UtcInstant | null;
  to: UtcInstant | null;
}

interface Props {
  data: HistogramResponse | null;
  /** The time filter (drawn shaded, shown in the fields). */
  range: TimeRange;
  /** Whether the window is zoomed (not the case's whole span). */
  zoomed: boolean;
  onRange(r: TimeRange): void;
  onZoomOut(): void;
  onResetZoom(): void;
}

const HEIGHT = 64;
const AXIS = 14;

/** A bound as the fields show it: exact, in the shortest form. */
const show = (b: UtcInstant | null) => (b ? formatUtcInstant(b.ms, b.sub) : '');

export function Histogram({ data, range, zoomed, onRange, onZoomOut, onResetZoom }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [drag, setDrag] = useState<{ x0: number; x1: number } | null>(null);
  const [hover, setHover] = useState<string | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(200, el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const o = data?.outliers;
  const controls = (
    <TimeControls
      range={range}
      zoomed={zoomed}
      hover={hover}
      outliers={o && (o.before > 0 || o.after > 0) ? o : null}
      onRange={onRange}
      onZoomOut={onZoomOut}
      onResetZoom={onResetZoom}
    />
  );
  if (!data || data.viewFrom === null || data.viewTo === null || data.bucketMs === 0) {
    return (
      <div className="timeline">
        {controls}
        <div className="histogram empty" ref={ref} data-testid="histogram">
          <span className="muted small">No timed events{zoomed ? ' in this window' : ''}.</span>
        </div>
      </div>
    );
  }
  // The window counted, and the axis drawn: the window widened to whole buckets, so the first
  // and last bars are as wide as the others.
  const wFrom = data.viewFrom;
  const wTo = Math.max(wFrom + 1, data.viewTo);
  const bm = data.bucketMs;
  const lo = Math.floor(wFrom / bm) * bm;
  const hi = Math.max(lo + bm, Math.ceil(wTo / bm) * bm);
  const x = (t: number) => ((t - lo) / (hi - lo)) * width;
  const t = (px: number) => lo + (Math.min(Math.max(px, 0), width) / width) * (hi - lo);
  const max = Math.max(1, ...data.buckets.map((b) => b.count));
  const h = HEIGHT - AXIS;
  const clip = (v: number) => Math.min(Math.max(v, 0), width);
  const from = range.from ? range.from.ms + range.from.sub / 10_000 : null;
  const to = range.to ? range.to.ms + range.to.sub / 10_000 : null;
  let sel =
    drag !== null
      ? { a: Math.min(drag.x0, drag.x1), b: Math.max(drag.x0, drag.x1) }
      : from !== null || to !== null
        ? { a: clip(x(from ?? lo)), b: clip(x(to ?? hi)) }
        : null;
  // A selection the window is zoomed to fills it: no shade then (the chip and the fields show it).
  if (sel && drag === null && sel.a <= x(wFrom) + 0.5 && sel.b >= x(wTo) - 0.5) sel = null;
  const ticks = Math.max(1, Math.min(6, Math.floor(width / 180), hi - lo));
  const withMs = (hi - lo) / ticks < 10_000;
  const localX = (e: React.MouseEvent) => e.clientX - (ref.current?.getBoundingClientRect().left ?? 0);
  /** The bucket under a point, clipped to the window. */
  const bucketAt = (px: number) => {
    const start = lo + Math.floor((Math.min(t(px), hi - 1) - lo) / bm) * bm;
    return { start: Math.max(wFrom, start), end: Math.min(wTo, start + bm), count: data.buckets.find((b) => b.start === start)?.count ?? 0 };
  };

  return (
    <div className="timeline">
      {controls}
      <div className="histogram" ref={ref} data-testid="histogram" data-from={wFrom} data-to={wTo} data-bucket-ms={bm}>
        <svg
          width={width}
          height={HEIGHT}
          onMouseDown={(e) => {
            if (e.button !== 0) return;
            const px = localX(e);
            setDrag({ x0: px, x1: px });
          }}
          onMouseMove={(e) => {
            const px = localX(e);
            if (drag) setDrag({ ...drag, x1: px });
            const b = bucketAt(px);
            setHover(`${utcMs(b.start, data.bucketMs < 1000)} UTC · ${num(b.count)} events`);
          }}
          onMouseLeave={() => {
            setHover(null);
            setDrag(null);
          }}
          onMouseUp={() => {
            if (!drag) return;
            const a = Math.min(drag.x0, drag.x1);
            const b = Math.max(drag.x0, drag.x1);
            setDrag(null);
            if (b - a < 3) {
              // A click: the bar under it.
              const k = bucketAt(a);
              onRange({ from: { ms: k.start, sub: 0 }, to: { ms: k.end, sub: 0 } });
              return;
            }
            const ta = Math.floor(t(a));
            onRange({ from: { ms: ta, sub: 0 }, to: { ms: Math.max(ta + 1, Math.ceil(t(b))), sub: 0 } });
          }}
        >
          {data.buckets.map((b) => {
            const bh = Math.max(1, (b.count / max) * (h - 4));
            const x0 = clip(x(b.start));
            const x1 = clip(x(b.start + data.bucketMs));
            return <rect key={b.start} className="bar" x={x0} y={h - bh} width={Math.max(1, x1 - x0 - 1)} height={bh} />;
          })}
          {sel && <rect className="brush" x={sel.a} y={0} width={Math.max(1, sel.b - sel.a)} height={h} />}
          <line className="axis" x1={0} x2={width} y1={h + 0.5} y2={h + 0.5} />
          {Array.from({ length: ticks + 1 }, (_, i) => {
            const tt = lo + ((hi - lo) * i) / ticks;
            const px = (width * i) / ticks;
            return (
              <text key={i} className="tick" x={px} y={HEIGHT - 2} textAnchor={i === 0 ? 'start' : i === ticks ? 'end' : 'middle'}>
                {utcMs(Math.round(tt), withMs)}
              </text>
            );
          })}
        </svg>
      </div>
    </div>
  );
}

/** One end of the typed time range: its label and field. */
function TimeField(p: { id: string; label: string; value: string; onChange(v: string): void; invalid: boolean; title: string }) {
  return (
    <>
      <label className="small muted" htmlFor={p.id}>
        {p.label}
      </label>
      <input
        id={p.id}
        className={`time-input${p.invalid ? ' invalid' : ''}`}
        value={p.value}
        placeholder="YYYY-MM-DD HH:MM:SS.fffffff"
        onChange={(e) => p.onChange(e.target.value)}
        spellCheck={false}
        aria-invalid={p.invalid ? true : undefined}
        data-testid={p.id}
        title={p.title}
      />
    </>
  );
}

function TimeControls(p: {
  range: TimeRange;
  zoomed: boolean;
  hover: string | null;
  outliers: HistogramResponse['outliers'] | null;
  onRange(r: TimeRange): void;
  onZoomOut(): void;
  onResetZoom(): void;
}) {
  const [from, setFrom] = useState(show(p.range.from));
  const [to, setTo] = useState(show(p.range.to));
  /** What is wrong with the typed range, and which field it marks. */
  const [error, setError] = useState<{ field: 'from' | 'to'; text: string } | null>(null);
  const shownFrom = show(p.range.from);
  const shownTo = show(p.range.to);
  // The fields follow the filter whenever it changes (brush, chip removed, Clear all).
  useEffect(() => {
    setFrom(shownFrom);
    setTo(shownTo);
    setError(null);
  }, [shownFrom, shownTo]);

  const apply = () => {
    const a = from.trim() ? parseUtcInstant(from) : null;
    const b = to.trim() ? parseUtcInstant(to) : null;
    if (from.trim() && !a) return setError({ field: 'from', text: `From is not a UTC time: use ${UTC_FORMAT_HINT}` });
    if (to.trim() && !b) return setError({ field: 'to', text: `To is not a UTC time: use ${UTC_FORMAT_HINT}` });
    if (a && b && (b.ms < a.ms || (b.ms === a.ms && b.sub <= a.sub))) return setError({ field: 'from', text: 'From must be before To (the range is [From, To))' });
    setError(null);
    p.onRange({ from: a, to: b });
  };
  const o = p.outliers;
  return (
    <form
      className="time-controls"
      data-testid="time-controls"
      onSubmit={(e) => {
        e.preventDefault();
        apply();
      }}
    >
      <TimeField id="time-from" label="From" value={from} onChange={setFrom} invalid={error?.field === 'from'} title={`Start of the range, included (UTC, to 100 ns): ${UTC_FORMAT_HINT}`} />
      <TimeField id="time-to" label="To" value={to} onChange={setTo} invalid={error?.field === 'to'} title={`End of the range, excluded (UTC, to 100 ns): ${UTC_FORMAT_HINT}`} />
      <span className="small muted">UTC</span>
      <button type="submit" data-testid="time-apply">
        Apply
      </button>
      <button type="button" onClick={p.onZoomOut} disabled={!p.zoomed} data-testid="zoom-out" title="Show a window four times as wide">
        Zoom out
      </button>
      <button type="button" onClick={p.onResetZoom} disabled={!p.zoomed} data-testid="zoom-reset" title="Show the whole case (without outliers)">
        Whole case
      </button>
      {o && o.before > 0 && (
        <button
          type="button"
          className="link small"
          data-testid="outliers-before"
          title={`Events dated before ${utcMs(o.from, false)} UTC (zeroed timestamps such as 1601-01-01, wrong clocks): left out of the histogram's window; click to filter on them`}
          onClick={() => p.onRange({ from: null, to: { ms: o.from, sub: 0 } })}
        >
          ◂ {num(o.before)} before {utcMs(o.from, false).slice(0, 10)}
        </button>
      )}
      {o && o.after > 0 && (
        <button
          type="button"
          className="link small"
          data-testid="outliers-after"
          title={`Events dated from ${utcMs(o.to, false)} UTC on (clocks set far ahead): left out of the histogram's window; click to filter on them`}
          onClick={() => p.onRange({ from: { ms: o.to, sub: 0 }, to: null })}
        >
          {num(o.after)} after {utcMs(o.to, false).slice(0, 10)} ▸
        </button>
      )}
      {error ? (
        <span className="error-text small" role="alert" data-testid="time-error">
          {error.text}
        </span>
      ) : (
        <span className="histogram-info small muted">{p.hover ?? 'Drag across the histogram or click a bar: selects and zooms in'}</span>
      )}
    </form>
  );
}
