/**
 * Every field of one event, the indexed columns, and the original record. Each value can be
 * pivoted on: "events with this value" (a new filter) or added to the current filter. The
 * pivot buttons show on hover and on keyboard focus (Tab reaches them). ✕ or Escape closes
 * the panel; its header wraps and truncates, so ✕ stays in view whatever the channel's length.
 */
import { useEffect, useRef, useState } from 'react';
import type { Cell, ColumnRef, EventDetail } from '../../../shared/api/interfaces';
import { EVENT_COLUMNS_VISIBLE } from '../../../shared/api/interfaces';
import { api } from '../api/client';
import { cellText, isoUtc, visible } from '../lib/format';

const SHOWN_COLUMNS = new Set<string>(EVENT_COLUMNS_VISIBLE);
const FIELD_OK = /^[^"\\\u0000-\u001f\u007f]{1,256}$/;
const MAX_VALUE = 20_000;

interface Props {
  id: number;
  /** `hadFocus`: focus was inside the panel (the owner puts it back where the panel was opened from). */
  onClose(hadFocus: boolean): void;
  onPivot(field: ColumnRef, value: Cell, mode: 'pivot' | 'add'): void;
  onError(e: unknown): void;
}

function Value({ v }: { v: string }) {
  const [all, setAll] = useState(false);
  const text = visible(v);
  if (text.length <= MAX_VALUE || all) return <span className="value">{text}</span>;
  return (
    <span className="value">
      {text.slice(0, MAX_VALUE)}
      <button className="link" onClick={() => setAll(true)}>
        … show all {text.length.toLocaleString('en-US')} characters
      </button>
    </span>
  );
}

function PivotButtons({ field, value, onPivot }: { field: ColumnRef; value: Cell; onPivot: Props['onPivot'] }) {
  const name = field.startsWith('data.') ? field.slice(5) : field;
  return (
    <span className="pivots">
      <button className="icon" title="Events with this value" aria-label={`Events with this ${name}`} data-testid="pivot" onClick={() => onPivot(field, value, 'pivot')}>
        ⇢
      </button>
      <button className="icon" title="Add to the current filter" aria-label={`Add this ${name} to the filter`} data-testid="pivot-add" onClick={() => onPivot(field, value, 'add')}>
        +
      </button>
    </span>
  );
}

/** Keys typed into a field or a popover are theirs: Escape there does not close the panel. */
function ownsEscape(t: EventTarget | null): boolean {
  if (!(t instanceof Element)) return false;
  return !!t.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"], .popover');
}

export function EventDetailPanel({ id, onClose, onPivot, onError }: Props) {
  const [d, setD] = useState<EventDetail | null>(null);
  const [tab, setTab] = useState<'fields' | 'record'>('fields');
  const panel = useRef<HTMLElement>(null);
  const close = () => onClose(!!panel.current?.contains(document.activeElement));
  const closeRef = useRef(close);
  closeRef.current = close;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || ownsEscape(e.target)) return;
      e.preventDefault();
      closeRef.current();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    let live = true;
    setD(null);
    api.eventDetail({ id }).then((r) => live && setD(r), onError);
    return () => {
      live = false;
    };
  }, [id, onError]);

  return (
    <aside className="detail" data-testid="event-detail" ref={panel} aria-label={`Event ${id}`}>
      <div className="detail-head">
        <div className="detail-title" data-testid="detail-title">
          <strong>Event {id}</strong>
          {d && <span className="detail-meta muted small" title={head(d).slice(0, 2000)}>{head(d)}</span>}
        </div>
        <button className="icon detail-close" onClick={close} title="Close (Esc)" aria-label="Close the event details" data-testid="detail-close">
          ✕
        </button>
      </div>
      <div className="tabs">
        <button className={tab === 'fields' ? 'active' : ''} onClick={() => setTab('fields')}>
          Fields
        </button>
        <button className={tab === 'record' ? 'active' : ''} onClick={() => setTab('record')} data-testid="tab-record">
          Original record
        </button>
      </div>
      {!d && <div className="muted pad">Loading…</div>}
      {d && tab === 'fields' && (
        <div className="detail-body">
          <table className="kv">
            <colgroup>
              <col className="kv-name" />
              <col />
              <col className="kv-actions" />
            </colgroup>
            <tbody>
              <tr className="group">
                <td colSpan={3}>Event data ({Object.keys(d.fields).length} fields)</td>
              </tr>
              {Object.entries(d.fields).map(([k, v]) => {
                const values = Array.isArray(v) ? v : [v];
                return values.map((one, i) => (
                  <tr key={`${k}#${i}`} data-field={FIELD_OK.test(k) ? k : undefined}>
                    <th title={visible(k)}>{cellText(k, 200)}</th>
                    <td>
                      <Value v={String(one)} />
                    </td>
                    <td className="actions">{FIELD_OK.test(k) && <PivotButtons field={`data.${k}`} value={String(one)} onPivot={onPivot} />}</td>
                  </tr>
                ));
              })}
              <tr className="group">
                <td colSpan={3}>System and source</td>
              </tr>
              {Object.entries(d.columns)
                .filter(([k]) => SHOWN_COLUMNS.has(k))
                .map(([k, v]) => (
                  <tr key={k}>
                    <th>{k}</th>
                    <td>{k === 'time' ? `${isoUtc(v)} UTC` : <Value v={v === null ? '' : String(v)} />}</td>
                    <td className="actions">
                      {v !== null && k !== 'id' && k !== 'time' && <PivotButtons field={k as ColumnRef} value={v} onPivot={onPivot} />}
                    </td>
                  </tr>
                ))}
              {d.source && (
                <tr>
                  <th>evidence</th>
                  <td colSpan={2}>
                    <span className="value">
                      {cellText(d.source.path)}
                      {d.source.archivePath ? ` ⟩ ${cellText(d.source.archivePath)}` : ''} ({d.source.format})
                    </span>
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      {d && tab === 'record' && (
        <div className="detail-body">
          <div className="muted small pad">
            {d.raw !== null ? 'The record exactly as the evidence file holds it.' : 'Binary record (EVTX): its XML rendered from the parsed record.'}
          </div>
          <pre className="raw" data-testid="raw-record">
            {visibleRaw(d.raw ?? d.xml)}
          </pre>
        </div>
      )}
    </aside>
  );
}

/** The header line: time, channel, event id (evidence text, shown as text and capped). */
function head(d: EventDetail): string {
  return `${isoUtc(d.columns.time)} UTC · ${cellText(d.columns.channel, 300)} · ${cellText(d.columns.event_id)}`;
}

/** Raw text keeps its line breaks (and tabs); other hidden characters become visible escapes. */
function visibleRaw(s: string): string {
  const capped = s.length > 500_000 ? s.slice(0, 500_000) + '\n… (truncated for display)' : s;
  return capped.split('\n').map(visible).join('\n');
}
