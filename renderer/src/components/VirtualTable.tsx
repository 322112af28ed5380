/**
 * A dense, virtualized table: only the rows in view exist in the DOM, so a million rows
 * scroll like a hundred. Rows come from `getRow` (undefined while their page loads);
 * `onRange` tells the owner which rows are in view so it can fetch their page.
 * Cells are text nodes only.
 */
import { useEffect, useRef } from 'react';
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

interface Props {
  columns: TableColumn[];
  count: number;
  getRow(index: number): Cell[] | undefined;
  onRange?(first: number, last: number): void;
  onRowClick?(index: number, row: Cell[]): void;
  selectedKey?: Cell;
  /** Which cell of a row identifies it (for selection); the row array index. */
  keyCell?: number;
  /** Offset of the first column's value inside each row array. */
  cellOffset?: number;
  sort?: { key: string; dir: 'asc' | 'desc' };
  onSort?(key: string): void;
  testId?: string;
  rowHeight?: number;
  /** Changes whenever rows change, to redraw. */
  version?: unknown;
}

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

  return (
    <div className="vtable" data-testid={p.testId}>
      <div className="vscroll" ref={scrollRef}>
        <div className="vhead" style={{ gridTemplateColumns: template, width: totalWidth }}>
          {p.columns.map((c) => (
            <div
              key={c.key}
              className={`vth${c.align === 'right' ? ' right' : ''}${p.onSort ? ' sortable' : ''}`}
              title={c.title ?? c.label}
              onClick={() => p.onSort?.(c.key)}
            >
              {c.label}
              {p.sort?.key === c.key ? (p.sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
            </div>
          ))}
        </div>
        <div className="vbody" style={{ height: v.getTotalSize(), width: totalWidth }}>
          {items.map((it) => {
            const row = p.getRow(it.index);
            const key = row && p.keyCell !== undefined ? row[p.keyCell] : undefined;
            const selected = key !== undefined && key === p.selectedKey;
            return (
              <div
                key={it.key}
                className={`vrow${it.index % 2 ? ' odd' : ''}${selected ? ' selected' : ''}${row ? '' : ' loading'}`}
                style={{ transform: `translateY(${it.start}px)`, height: rowHeight, gridTemplateColumns: template }}
                onClick={() => row && p.onRowClick?.(it.index, row)}
                data-row={it.index}
              >
                {p.columns.map((c, ci) => {
                  const val = row ? row[ci + offset] : undefined;
                  const text = row ? (c.format ? c.format(val ?? null) : cellText(val ?? null, 500)) : ci === 0 ? '…' : '';
                  return (
                    <div key={c.key} className={`vtd${c.align === 'right' ? ' right' : ''}`} title={text.length > 40 ? text.slice(0, 2000) : undefined}>
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
