/**
 * Events explorer: a virtualized table paging from SQL (keyboard: the rows take focus, Enter
 * opens one), facets with counts that combine and a search over each facet's values in the
 * whole case, one-click parent-process filters, full-text search, a time histogram with a
 * brush that zooms to the range selected and From/To fields to 100 ns, a column chooser (any
 * event field), and the event detail panel with pivots.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type {
  Cell,
  ColumnRef,
  EventFilter,
  FacetName,
  FacetsResponse,
  FacetValue,
  FieldEquals,
  HistogramResponse,
  SortDir,
} from '../../../shared/api/interfaces';
import { formatUtcInstant, MAX_EPOCH_MS, MIN_EPOCH_MS } from '../../../shared/model/utc-time';
import { EVENT_COLUMNS_VISIBLE, FACETS, PARENT_PRESETS } from '../../../shared/api/interfaces';
import type { AppContext } from '../App';
import { api } from '../api/client';
import { Histogram, type TimeRange } from '../components/Histogram';
import { EventDetailPanel } from '../components/EventDetailPanel';
import { VirtualTable, type TableColumn, type TableHandle } from '../components/VirtualTable';
import { cellText, isoUtc, ms, num } from '../lib/format';

const PAGE = 200;
const DEFAULT_COLUMNS: ColumnRef[] = ['time', 'host', 'channel', 'event_id', 'image', 'parent_image', 'command_line', 'user_name'];
const FACET_LABEL: Record<FacetName, string> = {
  host: 'Host',
  channel: 'Channel',
  provider: 'Provider',
  event_id: 'Event ID',
  image: 'Image',
  parent_image: 'Parent image',
  user_name: 'User',
};
const FACET_FIND: Record<FacetName, string> = {
  host: 'Find a host…',
  channel: 'Find a channel…',
  provider: 'Find a provider…',
  event_id: 'Find an event id…',
  image: 'Find an image…',
  parent_image: 'Find a parent image…',
  user_name: 'Find a user…',
};
const WIDTH: Partial<Record<string, number>> = {
  time: 222,
  host: 150,
  channel: 190,
  provider: 210,
  event_id: 76,
  image: 260,
  parent_image: 260,
  command_line: 420,
  parent_command_line: 360,
  user_name: 170,
  id: 80,
  record_id: 90,
  process_id: 80,
  thread_id: 80,
  level: 60,
  task: 60,
  opcode: 60,
  source_id: 70,
};

function label(c: ColumnRef): string {
  if (c === 'time') return 'Time (UTC)';
  if (c === 'event_id') return 'EID';
  return c.startsWith('data.') ? c.slice(5) : c;
}

type View = { from: number | null; to: number | null } | null;

/** The histogram window a time filter zooms to: the range itself (open ends reach the case's edges). */
function viewOf(f: EventFilter): View {
  if (f.timeFrom == null && f.timeTo == null) return null;
  return { from: f.timeFrom ?? null, to: f.timeTo == null ? null : f.timeTo + (f.timeToSub ? 1 : 0) };
}

function rangeOf(f: EventFilter): TimeRange {
  return {
    from: f.timeFrom == null ? null : { ms: f.timeFrom, sub: f.timeFromSub ?? 0 },
    to: f.timeTo == null ? null : { ms: f.timeTo, sub: f.timeToSub ?? 0 },
  };
}

function withRange(f: EventFilter, r: TimeRange): EventFilter {
  const { timeFrom: _a, timeFromSub: _b, timeTo: _c, timeToSub: _d, ...rest } = f;
  return {
    ...rest,
    ...(r.from ? { timeFrom: r.from.ms, ...(r.from.sub ? { timeFromSub: r.from.sub } : {}) } : {}),
    ...(r.to ? { timeTo: r.to.ms, ...(r.to.sub ? { timeToSub: r.to.sub } : {}) } : {}),
  };
}

function hasFilter(f: EventFilter): boolean {
  return (
    Object.values(f.facets ?? {}).some((v) => v && v.length > 0) ||
    (f.parentImages?.length ?? 0) > 0 ||
    !!f.text?.trim() ||
    f.timeFrom != null ||
    f.timeTo != null ||
    (f.equals?.length ?? 0) > 0
  );
}

export function ExplorerScreen({ ctx }: { ctx: AppContext }) {
  const { filter, setFilter, caseVersion, report } = ctx;
  const [columns, setColumns] = useState<ColumnRef[]>(DEFAULT_COLUMNS);
  const [sort, setSort] = useState<{ column: ColumnRef; dir: SortDir }>({ column: 'time', dir: 'asc' });
  const [total, setTotal] = useState(0);
  const [elapsed, setElapsed] = useState<number | null>(null);
  const [pagesVersion, setPagesVersion] = useState(0);
  const [facets, setFacets] = useState<FacetsResponse | null>(null);
  const [hist, setHist] = useState<HistogramResponse | null>(null);
  const [view, setView] = useState<View>(() => viewOf(filter));
  const [selected, setSelected] = useState<number | null>(null);
  const [search, setSearch] = useState(filter.text ?? '');
  const [chooser, setChooser] = useState(false);
  const table = useRef<TableHandle>(null);
  const pages = useRef(new Map<number, Cell[][]>());
  const inflight = useRef(new Set<number>());
  const key = useMemo(() => JSON.stringify({ filter, columns, sort, caseVersion }), [filter, columns, sort, caseVersion]);
  const keyRef = useRef(key);

  useEffect(() => setSearch(filter.text ?? ''), [filter.text]);

  const loadPage = useCallback(
    async (p: number) => {
      if (pages.current.has(p) || inflight.current.has(p)) return;
      const k = keyRef.current;
      inflight.current.add(p);
      try {
        const r = await api.eventsPage({ filter, columns, sort, offset: p * PAGE, limit: PAGE });
        if (keyRef.current !== k) return;
        pages.current.set(p, r.rows);
        setTotal(r.total);
        setElapsed(r.elapsedMs);
        setPagesVersion((v) => v + 1);
      } catch (e) {
        if (keyRef.current === k) report(e);
      } finally {
        if (keyRef.current === k) inflight.current.delete(p);
      }
    },
    [filter, columns, sort, report],
  );

  // A new query: forget every page, fetch the first.
  useEffect(() => {
    keyRef.current = key;
    pages.current = new Map();
    inflight.current = new Set();
    setPagesVersion((v) => v + 1);
    void loadPage(0);
  }, [key, loadPage]);

  // Facets follow the filter (not columns or sort), a little later.
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      api.facets({ filter, limit: 50 }).then((r) => live && setFacets(r), report);
    }, 30);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [filter, caseVersion, report]);

  // A new time filter zooms the histogram to it; clearing it shows the whole case again.
  const { timeFrom, timeTo, timeToSub } = filter;
  useEffect(() => {
    const next = viewOf({ timeFrom, timeTo, timeToSub });
    setView((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
  }, [timeFrom, timeTo, timeToSub]);

  // The histogram counts every event of its window under the rest of the filter.
  const { timeFrom: _f, timeFromSub: _fs, timeTo: _t, timeToSub: _ts, ...untimed } = filter;
  const histKey = JSON.stringify({ untimed, view });
  useEffect(() => {
    let live = true;
    const req = JSON.parse(histKey) as { untimed: EventFilter; view: View };
    const t = setTimeout(() => {
      api.histogram({ filter: req.untimed, buckets: 160, ...(req.view ? { view: req.view } : {}) }).then((r) => live && setHist(r), report);
    }, 30);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [histKey, caseVersion, report]);

  const zoomOut = () => {
    if (!hist || hist.viewFrom === null || hist.viewTo === null || hist.minTime === null || hist.maxTime === null) return setView(null);
    const span = hist.viewTo - hist.viewFrom;
    const [fullFrom, fullTo] = [hist.minTime, hist.maxTime + 1];
    let a = hist.viewFrom - 1.5 * span;
    let b = hist.viewTo + 1.5 * span;
    // Not past the case's span on a side the window was inside of.
    if (hist.viewFrom >= fullFrom) a = Math.max(a, fullFrom);
    if (hist.viewTo <= fullTo) b = Math.min(b, fullTo);
    if (a <= fullFrom && b >= fullTo) return setView(null);
    setView({ from: Math.max(MIN_EPOCH_MS, Math.floor(a)), to: Math.min(MAX_EPOCH_MS + 1, Math.ceil(b)) });
  };

  const onRange = useCallback(
    (first: number, last: number) => {
      for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) void loadPage(p);
    },
    [loadPage],
  );
  const getRow = useCallback((i: number) => pages.current.get(Math.floor(i / PAGE))?.[i % PAGE], []);

  const tableColumns: TableColumn[] = columns.map((c) => ({
    key: c,
    label: label(c),
    width: WIDTH[c] ?? 200,
    align: ['event_id', 'id', 'record_id', 'process_id', 'thread_id', 'level', 'task', 'opcode', 'source_id'].includes(c) ? 'right' : undefined,
    format: c === 'time' ? (v: Cell) => isoUtc(v) : undefined,
    title: c.startsWith('data.') ? `json_extract(data, '$.${c.slice(5)}')` : undefined,
  }));

  const toggleFacet = (name: FacetName, value: string | number | null) => {
    if (value === null) return;
    const cur = filter.facets?.[name] ?? [];
    const next = cur.includes(value) ? cur.filter((v) => v !== value) : [...cur, value];
    setFilter({ ...filter, facets: { ...filter.facets, [name]: next } });
  };
  const togglePreset = (img: string) => {
    const cur = filter.parentImages ?? [];
    setFilter({ ...filter, parentImages: cur.includes(img) ? cur.filter((x) => x !== img) : [...cur, img] });
  };
  const pivot = useCallback(
    (field: ColumnRef, value: Cell, mode: 'pivot' | 'add') => {
      const eq: FieldEquals = { field, value };
      setFilter(mode === 'pivot' ? { equals: [eq] } : { ...filter, equals: [...(filter.equals ?? []).filter((e) => e.field !== field), eq] });
    },
    [filter, setFilter],
  );

  const chips: Array<{ label: string; remove(): void }> = [];
  for (const [name, values] of Object.entries(filter.facets ?? {}) as Array<[FacetName, Array<string | number>]>) {
    for (const v of values ?? []) chips.push({ label: `${FACET_LABEL[name]} = ${cellText(v, 80)}`, remove: () => toggleFacet(name, v) });
  }
  for (const img of filter.parentImages ?? []) chips.push({ label: `parent = ${img}`, remove: () => togglePreset(img) });
  for (const eq of filter.equals ?? []) {
    chips.push({
      label: `${label(eq.field)} = ${eq.value === null ? 'null' : cellText(eq.value, 80)}`,
      remove: () => setFilter({ ...filter, equals: (filter.equals ?? []).filter((e) => e !== eq) }),
    });
  }
  if (filter.text?.trim()) chips.push({ label: `text ∋ ${cellText(filter.text, 80)}`, remove: () => setFilter({ ...filter, text: '' }) });
  if (filter.timeFrom != null || filter.timeTo != null) {
    const r = rangeOf(filter);
    chips.push({
      label: `time ∈ [${r.from ? formatUtcInstant(r.from.ms, r.from.sub) : '…'}, ${r.to ? formatUtcInstant(r.to.ms, r.to.sub) : '…'}) UTC`,
      remove: () => setFilter(withRange(filter, { from: null, to: null })),
    });
  }

  return (
    <div className="explorer" data-testid="explorer">
      <div className="toolbar">
        <form
          className="search"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter({ ...filter, text: search });
          }}
        >
          <input
            type="search"
            placeholder="Search all fields…  (Enter)"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="search"
            spellCheck={false}
          />
        </form>
        <span className="muted small">Parent:</span>
        {PARENT_PRESETS.map((p) => (
          <button
            key={p}
            className={`toggle${filter.parentImages?.includes(p) ? ' on' : ''}`}
            onClick={() => togglePreset(p)}
            data-testid={`preset-${p}`}
            title={`Events whose parent process is ${p}`}
          >
            {p}
          </button>
        ))}
        <span className="spacer" />
        <span className="muted small" data-testid="total">
          {num(total)} {total === 1 ? 'event' : 'events'}{elapsed !== null ? ` · ${ms(elapsed)}` : ''}
        </span>
        <button onClick={() => setChooser((c) => !c)} data-testid="columns-button">
          Columns…
        </button>
      </div>
      {chips.length > 0 && (
        <div className="chips" data-testid="chips">
          {chips.map((c, i) => (
            <span key={i} className="chip" title={c.label.length > 60 ? c.label.slice(0, 2000) : undefined}>
              <span className="chip-label">{c.label}</span>
              <button className="icon" onClick={c.remove} title="Remove">
                ✕
              </button>
            </span>
          ))}
          {hasFilter(filter) && (
            <button className="link" onClick={() => setFilter({})} data-testid="clear-filters">
              Clear all
            </button>
          )}
        </div>
      )}
      <Histogram
        data={hist}
        range={rangeOf(filter)}
        zoomed={view !== null}
        onRange={(r) => {
          const next = withRange(filter, r);
          setFilter(next);
          setView(viewOf(next)); // (also when the range is the one already filtered on, after a zoom out)
        }}
        onZoomOut={zoomOut}
        onResetZoom={() => setView(null)}
      />
      <div className="explorer-body">
        <aside className="facets" data-testid="facets">
          {FACETS.map((f) => (
            <FacetBox
              key={f}
              name={f}
              values={facets?.facets[f] ?? []}
              selected={filter.facets?.[f] ?? []}
              filter={filter}
              onToggle={(v) => toggleFacet(f, v)}
              onError={report}
            />
          ))}
          {facets && <div className="muted small pad">facets in {ms(facets.elapsedMs)}</div>}
        </aside>
        <VirtualTable
          testId="events-table"
          label="Events"
          handle={table}
          columns={tableColumns}
          count={total}
          getRow={getRow}
          cellOffset={1}
          keyCell={0}
          selectedKey={selected ?? undefined}
          onRange={onRange}
          version={pagesVersion}
          onRowClick={(_i, row) => setSelected(Number(row[0]))}
          onCurrentChange={(_i, row) => {
            // With the detail panel open, it follows the row the keyboard moves to.
            if (selected !== null && row) setSelected(Number(row[0]));
          }}
          sort={{ key: sort.column, dir: sort.dir }}
          onSort={(k) =>
            setSort((s) => (s.column === k ? { column: k as ColumnRef, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { column: k as ColumnRef, dir: 'asc' }))
          }
        />
        {selected !== null && (
          <EventDetailPanel
            id={selected}
            onClose={(hadFocus) => {
              setSelected(null);
              if (hadFocus) table.current?.focusCurrent();
            }}
            onPivot={pivot}
            onError={report}
          />
        )}
        {chooser && <ColumnChooser columns={columns} onChange={setColumns} onClose={() => setChooser(false)} onError={report} />}
      </div>
    </div>
  );
}

function FacetBox(p: {
  name: FacetName;
  values: FacetValue[];
  selected: Array<string | number>;
  filter: EventFilter;
  onToggle(v: string | number | null): void;
  onError(e: unknown): void;
}) {
  const [more, setMore] = useState(false);
  // A search over the facet's values in the whole case (the list holds only the top ones).
  const [q, setQ] = useState('');
  const [found, setFound] = useState<{ needle: string; values: FacetValue[] } | null>(null);
  const needle = q.trim();
  const filterKey = JSON.stringify(p.filter);
  const { name, onError } = p;
  useEffect(() => {
    if (!needle) return setFound(null);
    let live = true;
    const t = setTimeout(() => {
      const filter = JSON.parse(filterKey) as EventFilter;
      api.facetValues({ facet: name, filter, search: needle, limit: 50 }).then((r) => live && setFound({ needle, values: r.values }), onError);
    }, 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [needle, filterKey, name, onError]);
  const isOn = (v: FacetValue) => v.value !== null && p.selected.includes(v.value);
  // Selected values first, so a selection is always in view.
  const ordered = needle ? (found?.values ?? []) : [...p.values.filter(isOn), ...p.values.filter((v) => !isOn(v))];
  const shown = more || needle ? ordered : ordered.slice(0, 8);
  const searchable = p.values.length > 8 || needle !== '';
  const label = FACET_LABEL[p.name];
  return (
    <div className="facet" data-testid={`facet-${p.name}`} role="group" aria-label={label}>
      <div className="facet-title">
        {label}
        {p.selected.length > 0 && <span className="badge">{p.selected.length}</span>}
      </div>
      {searchable && (
        <input
          type="search"
          className="facet-search"
          placeholder={FACET_FIND[p.name]}
          aria-label={`Find a value of ${label} in the whole case`}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && q) {
              e.preventDefault();
              setQ('');
            }
          }}
          spellCheck={false}
          data-testid={`facet-search-${p.name}`}
        />
      )}
      {shown.map((v) => {
        const on = isOn(v);
        return (
          <button
            key={String(v.value)}
            className={`facet-row${on ? ' on' : ''}`}
            onClick={() => p.onToggle(v.value)}
            disabled={v.value === null}
            aria-pressed={on}
            title={v.value === null ? '(none)' : cellText(v.value, 1000)}
          >
            <span className="facet-value">{v.value === null ? '(none)' : v.value === '' ? '(empty)' : cellText(shortPath(p.name, v.value), 200)}</span>
            <span className="facet-count">{num(v.count)}</span>
          </button>
        );
      })}
      {!needle && p.values.length > 8 && (
        <button className="link small" onClick={() => setMore(!more)}>
          {more ? 'fewer' : `${p.values.length - 8} more`}
        </button>
      )}
      {needle && found?.needle === needle && found.values.length === 0 && <div className="muted small">No value contains “{cellText(needle, 100)}”.</div>}
      {needle && found?.needle === needle && found.values.length === 50 && <div className="muted small">The 50 commonest matches; type more to narrow.</div>}
      {!needle && p.values.length === 0 && <div className="muted small">—</div>}
    </div>
  );
}

/** Image paths are long: the facet list shows the file name, the tooltip the full path. */
function shortPath(name: FacetName, v: string | number): string | number {
  if ((name === 'image' || name === 'parent_image') && typeof v === 'string') return v.split('\\').pop() || v;
  return v;
}

function ColumnChooser(p: { columns: ColumnRef[]; onChange(c: ColumnRef[]): void; onClose(): void; onError(e: unknown): void }) {
  const [fields, setFields] = useState<string[]>([]);
  const [q, setQ] = useState('');
  useEffect(() => {
    api.fieldNames({}).then((r) => setFields(r.fields), p.onError);
  }, [p.onError]);
  const all: ColumnRef[] = [...EVENT_COLUMNS_VISIBLE, ...fields.map((f) => `data.${f}` as ColumnRef)];
  const needle = q.trim().toLowerCase();
  const list = needle ? all.filter((c) => c.toLowerCase().includes(needle)) : all;
  const toggle = (c: ColumnRef) => p.onChange(p.columns.includes(c) ? p.columns.filter((x) => x !== c) : [...p.columns, c]);
  return (
    <div className="popover column-chooser" data-testid="column-chooser">
      <div className="popover-head">
        <strong>Columns</strong>
        <span className="spacer" />
        <button className="link" onClick={() => p.onChange(DEFAULT_COLUMNS)}>
          Reset
        </button>
        <button className="icon" onClick={p.onClose}>
          ✕
        </button>
      </div>
      <input placeholder="Find a column or event field…" value={q} onChange={(e) => setQ(e.target.value)} autoFocus data-testid="column-search" />
      <div className="popover-list">
        {list.map((c) => (
          <label key={c} className="check">
            <input type="checkbox" checked={p.columns.includes(c)} onChange={() => toggle(c)} disabled={p.columns.length === 1 && p.columns[0] === c} />
            <span className={c.startsWith('data.') ? '' : 'strong'}>{c.startsWith('data.') ? `${c.slice(5)}` : c}</span>
            {c.startsWith('data.') && <span className="muted small"> field</span>}
          </label>
        ))}
      </div>
    </div>
  );
}
