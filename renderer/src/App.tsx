/**
 * The navigation frame: a rail of screens (Case, Events, SQL; later Subscriptions, Graph,
 * Reports), a header with the case and the time zone, and a status line. Screens get the
 * shared state they need: the case, a version that changes whenever its content does, and
 * the explorer filter (so any screen can pivot into the events explorer).
 */
import { useCallback, useEffect, useState } from 'react';
import type { CaseInfo, EventFilter, ShellInfo } from '../../shared/api/interfaces';
import { DISPLAY_ZONE } from '../../shared/api/interfaces';
import { api, ApiCallError } from './api/client';
import { CaseScreen } from './screens/CaseScreen';
import { ExplorerScreen } from './screens/ExplorerScreen';
import { SqlScreen } from './screens/SqlScreen';
import { num } from './lib/format';
import { baseName } from '../../shared/text/file-name';

export type ScreenId = 'case' | 'events' | 'sql';

const SCREENS: Array<{ id: ScreenId | 'subscriptions' | 'graph' | 'reports'; label: string; glyph: string; ready: boolean }> = [
  { id: 'case', label: 'Case', glyph: '▣', ready: true },
  { id: 'events', label: 'Events', glyph: '☰', ready: true },
  { id: 'sql', label: 'SQL', glyph: '⌘', ready: true },
  { id: 'subscriptions', label: 'Subscriptions', glyph: '⟲', ready: false },
  { id: 'graph', label: 'Graph', glyph: '⋔', ready: false },
  { id: 'reports', label: 'Reports', glyph: '▤', ready: false },
];

export interface AppContext {
  caseInfo: CaseInfo | null;
  caseVersion: number;
  /** Re-read the case summary; `changed` also invalidates every screen's data. */
  refreshCase(changed?: boolean): Promise<void>;
  setCaseInfo(info: CaseInfo, changed?: boolean): void;
  filter: EventFilter;
  setFilter(f: EventFilter): void;
  go(screen: ScreenId): void;
  report(e: unknown): void;
  shell: ShellInfo | null;
}

export function App() {
  const [screen, setScreen] = useState<ScreenId>('case');
  const [caseInfo, setCaseInfoState] = useState<CaseInfo | null>(null);
  const [caseVersion, setCaseVersion] = useState(0);
  const [filter, setFilter] = useState<EventFilter>({});
  const [error, setError] = useState<string | null>(null);
  const [shell, setShell] = useState<ShellInfo | null>(null);
  /** This tab cannot reach the core (web shell without this run's token): nothing but how to get access is shown. */
  const [noAccess, setNoAccess] = useState(!api.hasToken);

  const report = useCallback((e: unknown) => {
    if (e instanceof ApiCallError && e.kind === 'no-access') setNoAccess(true);
    else setError(e instanceof Error ? e.message : String(e));
  }, []);
  const setCaseInfo = useCallback((info: CaseInfo, changed = true) => {
    setCaseInfoState(info);
    if (changed) setCaseVersion((v) => v + 1);
  }, []);
  const refreshCase = useCallback(
    async (changed = false) => {
      try {
        setCaseInfo(await api.caseInfo({}), changed);
      } catch (e) {
        report(e);
      }
    },
    [report, setCaseInfo],
  );

  useEffect(() => {
    if (!api.hasToken) return;
    void refreshCase(true);
    api.shellInfo({}).then(setShell, report);
  }, [refreshCase, report]);

  if (noAccess) return <NoAccess />;

  const ctx: AppContext = { caseInfo, caseVersion, refreshCase, setCaseInfo, filter, setFilter, go: setScreen, report, shell };
  const caseName = caseInfo?.path
    ? baseName(caseInfo.path)
    : caseInfo?.uploadedCopy
      ? `${caseInfo.uploadedCopy} (uploaded copy)`
      : 'Unsaved case';

  return (
    <div className="app">
      <nav className="rail" aria-label="Screens">
        <div className="brand" title="WMI Workbench">
          W
        </div>
        {SCREENS.map((s) => (
          <button
            key={s.id}
            className={`rail-item${screen === s.id ? ' active' : ''}`}
            disabled={!s.ready}
            title={s.ready ? s.label : `${s.label} (coming in a later release)`}
            data-testid={`nav-${s.id}`}
            onClick={() => s.ready && setScreen(s.id as ScreenId)}
          >
            <span className="glyph">{s.glyph}</span>
            <span className="rail-label">{s.label}</span>
          </button>
        ))}
      </nav>
      <div className="main">
        <header className="topbar">
          <span className="title">WMI Workbench</span>
          <span className="sep">/</span>
          <span className="case-name" data-testid="case-name">
            {caseName}
            {caseInfo?.dirty ? ' •' : ''}
          </span>
          <span className="muted">
            {caseInfo ? `${num(caseInfo.events)} events · ${num(caseInfo.sources)} evidence files` : ''}
          </span>
          <span className="spacer" />
          <span className="zone" title="All times are shown in UTC">
            Times: {DISPLAY_ZONE}
          </span>
          <span className="shell-tag">{shell ? (shell.shell === 'web' ? 'web shell · 127.0.0.1' : 'desktop') : ''}</span>
        </header>
        {error && (
          <div className="error-bar" role="alert" data-testid="error-bar">
            <span>{error}</span>
            <button className="link" onClick={() => setError(null)}>
              Dismiss
            </button>
          </div>
        )}
        <div className="screen">
          {screen === 'case' && <CaseScreen ctx={ctx} />}
          {screen === 'events' && <ExplorerScreen ctx={ctx} />}
          {screen === 'sql' && <SqlScreen ctx={ctx} />}
        </div>
      </div>
    </div>
  );
}

/**
 * What a tab without this run's token shows (a second tab, a bookmark, a tab left open from an
 * earlier run): no case at all, only how to get access.
 */
function NoAccess() {
  const origin = window.location.origin;
  return (
    <div className="no-access" role="alert" data-testid="no-access">
      <h1>This tab has no access to the workbench</h1>
      <p>
        The web shell answers only a tab opened with the address that <code>wmi-workbench serve</code> printed when it started, which
        carries that run&apos;s access token:
      </p>
      <pre>{`${origin}/?token=…`}</pre>
      <p>Open that address (copy it from the terminal where the server runs) in this tab to work here.</p>
      <p className="muted">
        Once a tab has read the token it takes it out of the address bar, so the address you see in a tab, a bookmark or a new tab
        carries none. A token is good for one run of the server only: after a restart, use the new address it prints.
      </p>
    </div>
  );
}
