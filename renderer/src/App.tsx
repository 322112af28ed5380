/**
 * The navigation frame: a rail of screens (Case, Events, SQL; later Subscriptions, Graph,
 * Reports), a header with the case and the time zone, and a status line. Screens get the
 * shared state they need: the case, a version that changes whenever its content does, and
 * the explorer filter (so any screen can pivot into the events explorer).
 */
import { useCallback, useEffect, useState } from 'react';
import type { CaseInfo, EventFilter, ShellInfo } from '../../shared/api/interfaces';
import { DISPLAY_ZONE } from '../../shared/api/interfaces';
import { api } from './api/client';
import { CaseScreen } from './screens/CaseScreen';
import { ExplorerScreen } from './screens/ExplorerScreen';
import { SqlScreen } from './screens/SqlScreen';
import { num } from './lib/format';

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

  const report = useCallback((e: unknown) => setError(e instanceof Error ? e.message : String(e)), []);
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
    void refreshCase(true);
    api.shellInfo({}).then(setShell, report);
  }, [refreshCase, report]);

  const ctx: AppContext = { caseInfo, caseVersion, refreshCase, setCaseInfo, filter, setFilter, go: setScreen, report, shell };
  const caseName = caseInfo?.path ? caseInfo.path.split(/[\\/]/).pop() : 'Unsaved case';

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
