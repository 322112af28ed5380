/** SQL console: read-only queries over the case, a results grid, and saved queries (kept in the case). */
import { useCallback, useEffect, useState } from 'react';
import type { SavedQuery, SqlResult } from '../../../shared/api/interfaces';
import type { AppContext } from '../App';
import { api } from '../api/client';
import { VirtualTable } from '../components/VirtualTable';
import { cellText, ms, num } from '../lib/format';

const EXAMPLE = `-- Read-only SQL over the case. Tables: events, sources, rejected_records, event_raw; view event_fields.
-- Any event field: json_extract(data, '$.FieldName')
SELECT parent_image, image, COUNT(*) AS n
FROM events
WHERE parent_image LIKE '%\\wmiprvse.exe'
GROUP BY 1, 2
ORDER BY n DESC
LIMIT 100`;

export function SqlScreen({ ctx }: { ctx: AppContext }) {
  const { report, caseVersion } = ctx;
  const [sql, setSql] = useState(EXAMPLE);
  const [result, setResult] = useState<SqlResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [saved, setSaved] = useState<SavedQuery[]>([]);
  const [name, setName] = useState('');

  useEffect(() => {
    api.savedQueries({}).then((r) => setSaved(r.queries), report);
  }, [caseVersion, report]);

  const run = useCallback(async () => {
    setRunning(true);
    setError(null);
    try {
      setResult(await api.sqlQuery({ sql, maxRows: 10_000 }));
    } catch (e) {
      setResult(null);
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  }, [sql]);

  const save = async () => {
    const n = name.trim();
    if (!n) return;
    try {
      setSaved((await api.saveQuery({ name: n, sql })).queries);
      await ctx.refreshCase(false);
    } catch (e) {
      report(e);
    }
  };

  const getRow = useCallback((i: number) => result?.rows[i], [result]);

  return (
    <div className="sql-screen" data-testid="sql-screen">
      <aside className="saved">
        <div className="facet-title">Saved queries</div>
        {saved.length === 0 && <div className="muted small pad">None yet. Name a query and save it; it is kept in the case.</div>}
        {saved.map((q) => (
          <div key={q.name} className="saved-row">
            <button
              className="facet-row"
              title={cellText(q.sql, 1000)}
              onClick={() => {
                setSql(q.sql);
                setName(q.name);
              }}
              data-testid="saved-query"
            >
              <span className="facet-value">{cellText(q.name, 200)}</span>
            </button>
            <button
              className="icon"
              title="Delete"
              onClick={async () => {
                try {
                  setSaved((await api.deleteQuery({ name: q.name })).queries);
                } catch (e) {
                  report(e);
                }
              }}
            >
              ✕
            </button>
          </div>
        ))}
      </aside>
      <div className="sql-main">
        <textarea
          className="sql-editor"
          value={sql}
          spellCheck={false}
          onChange={(e) => setSql(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void run();
            }
          }}
          data-testid="sql-editor"
        />
        <div className="toolbar">
          <button className="primary" onClick={run} disabled={running} data-testid="sql-run">
            {running ? 'Running…' : 'Run (Ctrl+Enter)'}
          </button>
          <input className="name-input" placeholder="Query name" value={name} onChange={(e) => setName(e.target.value)} data-testid="sql-name" />
          <button onClick={save} disabled={!name.trim()} data-testid="sql-save">
            Save query
          </button>
          <span className="spacer" />
          <span className="muted small" data-testid="sql-status">
            {result
              ? `${num(result.rows.length)} rows${result.truncated ? ' (truncated)' : ''} · ${ms(result.elapsedMs)}`
              : `Read-only: SELECT, WITH, VALUES, EXPLAIN${ctx.shell ? ` · time limit ${ctx.shell.sqlTimeLimitMs / 1000} s` : ''}`}
          </span>
        </div>
        {error && (
          <div className="error-text pad" data-testid="sql-error">
            {cellText(error, 2000)}
          </div>
        )}
        {result && (
          <VirtualTable
            testId="sql-results"
            columns={result.columns.map((c, i) => ({ key: `${i}`, label: c, width: widthOf(c, result, i) }))}
            count={result.rows.length}
            getRow={getRow}
            version={result}
          />
        )}
      </div>
    </div>
  );
}

/** A column width from its header and the first rows' text (monospace, ~7px a character). */
function widthOf(name: string, r: SqlResult, i: number): number {
  let chars = name.length;
  for (let k = 0; k < Math.min(200, r.rows.length); k++) chars = Math.max(chars, cellText(r.rows[k][i], 200).length);
  return Math.min(520, Math.max(70, chars * 7 + 20));
}
