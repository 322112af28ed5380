/**
 * Event counts over time, drawn in SVG. Dragging across it (the brush) selects a time range;
 * the range is shown shaded. Times on the axis are UTC.
 */
import { useEffect, useRef, useState } from 'react';
import type { HistogramResponse } from '../../../shared/api/interfaces';
import { num, utcMs } from '../lib/format';

interface Props {
  data: HistogramResponse | null;
  range: { from: number | null; to: number | null };
  onBrush(from: number, to: number): void;
  onClear(): void;
}

const HEIGHT = 64;
const AXIS = 14;

export function Histogram({ data, range, onBrush, onClear }: Props) {
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

  if (!data || data.minTime === null || data.maxTime === null || data.bucketMs === 0) {
    return (
      <div className="histogram empty" ref={ref} data-testid="histogram">
        <span className="muted small">No timed events.</span>
      </div>
    );
  }
  const lo = Math.floor(data.minTime / data.bucketMs) * data.bucketMs;
  const hi = Math.max(lo + data.bucketMs, Math.ceil((data.maxTime + 1) / data.bucketMs) * data.bucketMs);
  const x = (t: number) => ((t - lo) / (hi - lo)) * width;
  const t = (px: number) => lo + (Math.min(Math.max(px, 0), width) / width) * (hi - lo);
  const max = Math.max(1, ...data.buckets.map((b) => b.count));
  const barW = Math.max(1, x(lo + data.bucketMs) - 1);
  const h = HEIGHT - AXIS;
  const sel =
    drag !== null
      ? { a: Math.min(drag.x0, drag.x1), b: Math.max(drag.x0, drag.x1) }
      : range.from !== null || range.to !== null
        ? { a: x(range.from ?? lo), b: x(range.to ?? hi) }
        : null;
  const ticks = 6;
  const localX = (e: React.MouseEvent) => e.clientX - (ref.current?.getBoundingClientRect().left ?? 0);

  return (
    <div className="histogram" ref={ref} data-testid="histogram">
      <svg
        width={width}
        height={HEIGHT}
        onMouseDown={(e) => {
          const px = localX(e);
          setDrag({ x0: px, x1: px });
        }}
        onMouseMove={(e) => {
          const px = localX(e);
          if (drag) setDrag({ ...drag, x1: px });
          const bt = Math.floor(t(px) / data.bucketMs) * data.bucketMs;
          const b = data.buckets.find((q) => q.start === bt);
          setHover(`${utcMs(bt, false)} UTC · ${num(b?.count ?? 0)} events`);
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
          if (b - a < 3) return;
          onBrush(Math.floor(t(a)), Math.ceil(t(b)));
        }}
        onDoubleClick={onClear}
      >
        {data.buckets.map((b) => {
          const bh = Math.max(1, (b.count / max) * (h - 4));
          return <rect key={b.start} className="bar" x={x(b.start)} y={h - bh} width={barW} height={bh} />;
        })}
        {sel && <rect className="brush" x={sel.a} y={0} width={Math.max(1, sel.b - sel.a)} height={h} />}
        <line className="axis" x1={0} x2={width} y1={h + 0.5} y2={h + 0.5} />
        {Array.from({ length: ticks + 1 }, (_, i) => {
          const tt = lo + ((hi - lo) * i) / ticks;
          const px = (width * i) / ticks;
          return (
            <text key={i} className="tick" x={px} y={HEIGHT - 2} textAnchor={i === 0 ? 'start' : i === ticks ? 'end' : 'middle'}>
              {utcMs(tt, false)}
            </text>
          );
        })}
      </svg>
      <div className="histogram-info small muted">{hover ?? 'Drag to select a time range (UTC) · double-click to clear'}</div>
    </div>
  );
}
