/**
 * A dense, virtualized table: only the rows in view exist in the DOM, so a million rows
 * scroll like a hundred. Rows come from `getRow` (undefined while their page loads);
 * `onRange` tells the owner which rows are in view so it can fetch their page.
 * Cells are text nodes only.
 *
 * Keyboard (the ARIA grid pattern, one row at a time): the rows take focus through a roving
 * tabindex, so Tab enters the table at its current row; ↑/↓, Page Up/Down and Home/End move
 * (scrolling rows into the DOM as needed), Enter or Space opens the row (as a click does).
 * Sortable column headers are buttons.
 */
import { useCallback, useEffect, useImperativeHandle, useRef, useState, type Ref } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Cell } from '../../../shared/api/interfaces';
import { cellText } from '../lib/format';

export interface TableColumn {
  key: string;
  label: string;
  width: number;
  align?: 'right';
  format?: (v: Cell) => string;
  title?: string;
}

/** What an owner can ask of the table. */
export interface TableHandle {
  /** Put focus back on the current row (after a panel it opened closes). */
  focusCurrent(): void;
}

interface Props {
  columns: TableColumn[];
  count: number;
  getRow(index: number): Cell[] | undefined;
  onRange?(first: number, last: number): void;
  /** A click on a row, or Enter/Space on the focused row. */
  onRowClick?(index: number, row: Cell[]): void;
  /** The focused row moved (keyboard or click). */
  onCurrentChange?(index: number, row: Cell[] | undefined): void;
  selectedKey?: Cell;
  /** Which cell of a row identifies it (for selection); the row array index. */
  keyCell?: number;
  /** Offset of the first column's value inside each row array. */
  cellOffset?: number;
  sort?: { key: string; dir: 'asc' | 'desc' };
  onSort?(key: string): void;
  testId?: string;
  /** Accessible name of the table. */
  label?: string;
  rowHeight?: number;
  /** Changes whenever rows change, to redraw. */
  version?: unknown;
  handle?: Ref<TableHandle>;
}

const HEAD_HEIGHT = 25;

export function VirtualTable(p: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowHeight = p.rowHeight ?? 22;
  const offset = p.cellOffset ?? 0;
  const template = p.columns.map((c) => `${c.width}px`).join(' ');
  const totalWidth = p.columns.reduce((a, c) => a + c.width, 0);
  const v = useVirtualizer({
    count: p.count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 30,
  });
  const items = v.getVirtualItems();
  const first = items.length ? items[0].index : 0;
  const last = items.length ? items[items.length - 1].index : -1;
  const { onRange } = p;
  useEffect(() => {
    if (last >= first) onRange?.(first, last);
  }, [first, last, onRange, p.version]);

  // The current row (roving tabindex).
  const [current, setCurrent] = useState(0);
  /** The row focus should go to once it is drawn (an index, not a flag: an effect of an older render may run first). */
  const wantFocus = useRef<number | null>(null);
  // Focus is on a row, or was until that row left the DOM (scrolled out of the rows drawn):
  // it goes back to the current row once that is drawn. Cleared when focus moves to anything
  // outside the table.
  const rowsHaveFocus = useRef(false);
  const cur = Math.min(current, Math.max(0, p.count - 1));
  // The current row as the last key left it: keys typed faster than React draws (auto-repeat)
  // each move on from the one before, not from the row that still has focus.
  const latest = useRef(0);
  latest.current = Math.min(latest.current, Math.max(0, p.count - 1));
  if (wantFocus.current !== null) wantFocus.current = Math.min(wantFocus.current, Math.max(0, p.count - 1));
  const rowEl = useCallback((i: number) => scrollRef.current?.querySelector<HTMLElement>(`.vrow[data-row="${i}"]`) ?? null, []);
  useEffect(() => {
    const active = document.activeElement;
    const lost = rowsHaveFocus.current && (active === null || active === document.body);
    if (wantFocus.current === null && !lost) return;
    const el = rowEl(wantFocus.current ?? latest.current);
    if (el) {
      wantFocus.current = null;
      if (active !== el) el.focus({ preventScroll: true });
    }
  });
  /**
   * Scroll just enough for row i to show below the sticky header. Rows are all rowHeight high,
   * so this is arithmetic (the virtualizer's own scrollToIndex keeps adjusting a jump for a
   * while after it, and pulled the view back to the end after End then Home).
   */
  const reveal = (i: number) => {
    const el = scrollRef.current;
    if (!el) return;
    const top = i * rowHeight;
    const visible = el.clientHeight - HEAD_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + visible) el.scrollTop = top + rowHeight - visible;
  };
  useImperativeHandle(p.handle, () => ({
    focusCurrent: () => {
      const i = latest.current;
      wantFocus.current = i;
      reveal(i);
      const el = rowEl(i);
      if (el) {
        wantFocus.current = null;
        el.focus({ preventScroll: true });
      }
    },
  }));

  const moveTo = (i: number) => {
    if (p.count === 0) return;
    const n = Math.min(Math.max(i, 0), p.count - 1);
    const prev = latest.current;
    latest.current = n;
    setCurrent(n);
    wantFocus.current = n;
    reveal(n);
    if (n !== prev) p.onCurrentChange?.(n, p.getRow(n));
  };
  const pageRows = Math.max(1, Math.floor(((scrollRef.current?.clientHeight ?? 400) - HEAD_HEIGHT) / rowHeight) - 1);
  const onKeyDown = (e: React.KeyboardEvent) => {
    const index = latest.current;
    const row = p.getRow(index);
    switch (e.key) {
      case 'ArrowDown':
        moveTo(index + 1);
        break;
      case 'ArrowUp':
        moveTo(index - 1);
        break;
      case 'PageDown':
        moveTo(index + pageRows);
        break;
      case 'PageUp':
        moveTo(index - pageRows);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(p.count - 1);
        break;
      case 'Enter':
      case ' ':
        if (row) p.onRowClick?.(index, row);
        break;
      default:
        return;
    }
    e.preventDefault();
  };
  // The row Tab reaches: the current one while it is rendered, else the first in view.
  const tabRow = items.some((it) => it.index === cur) ? cur : (items[0]?.index ?? -1);

  return (
    <div className="vtable" data-testid={p.testId}>
      <div
        className="vscroll"
        ref={scrollRef}
        role="grid"
        aria-label={p.label}
        aria-rowcount={p.count + 1}
        aria-colcount={p.columns.length}
        onBlur={(e) => {
          if (e.relatedTarget && !e.currentTarget.contains(e.relatedTarget)) rowsHaveFocus.current = false;
        }}
      >
        <div className="vhead" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template, width: totalWidth, height: HEAD_HEIGHT }}>
          {p.columns.map((c) => {
            const sorted = p.sort?.key === c.key ? p.sort.dir : undefined;
            const text = `${c.label}${sorted ? (sorted === 'asc' ? ' ▲' : ' ▼') : ''}`;
            return (
              <div
                key={c.key}
                role="columnheader"
                aria-sort={sorted ? (sorted === 'asc' ? 'ascending' : 'descending') : undefined}
                className={`vth${c.align === 'right' ? ' right' : ''}${p.onSort ? ' sortable' : ''}`}
                title={c.title ?? c.label}
              >
                {p.onSort ? (
                  <button type="button" className="vth-button" onClick={() => p.onSort?.(c.key)} data-column={c.key}>
                    {text}
                  </button>
                ) : (
                  text
                )}
              </div>
            );
          })}
        </div>
        <div className="vbody" role="rowgroup" style={{ height: v.getTotalSize(), width: totalWidth }}>
          {items.map((it) => {
            const row = p.getRow(it.index);
            const key = row && p.keyCell !== undefined ? row[p.keyCell] : undefined;
            const selected = key !== undefined && key === p.selectedKey;
            return (
              <div
                key={it.key}
                role="row"
                aria-rowindex={it.index + 2}
                aria-selected={selected}
                tabIndex={it.index === tabRow ? 0 : -1}
                className={`vrow${it.index % 2 ? ' odd' : ''}${selected ? ' selected' : ''}${row ? '' : ' loading'}${it.index === cur ? ' current' : ''}`}
                style={{ transform: `translateY(${it.start}px)`, height: rowHeight, gridTemplateColumns: template }}
                onClick={() => {
                  latest.current = it.index;
                  if (it.index !== cur) setCurrent(it.index);
                  if (row) p.onRowClick?.(it.index, row);
                }}
                onFocus={(e) => {
                  if (e.target !== e.currentTarget) return;
                  rowsHaveFocus.current = true;
                  // (a row focused by a click or Tab wins over a move still waiting for its row)
                  wantFocus.current = null;
                  latest.current = it.index;
                  if (it.index !== cur) setCurrent(it.index);
                }}
                onKeyDown={(e) => {
                  if (e.target === e.currentTarget) onKeyDown(e);
                }}
                data-row={it.index}
              >
                {p.columns.map((c, ci) => {
                  const val = row ? row[ci + offset] : undefined;
                  const text = row ? (c.format ? c.format(val ?? null) : cellText(val ?? null, 500)) : ci === 0 ? '…' : '';
                  return (
                    <div key={c.key} role="gridcell" className={`vtd${c.align === 'right' ? ' right' : ''}`} title={text.length > 40 ? text.slice(0, 2000) : undefined}>
                      {text}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
