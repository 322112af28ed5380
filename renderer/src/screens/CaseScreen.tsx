/**
 * Case: new / open / save, evidence import (file picker, drag-and-drop, server paths) with
 * live progress per file, and the evidence ledger.
 */
import { Fragment, useCallback, useEffect, useRef, useState } from 'react';
import type { CaseInfo, ImportStatus, LedgerEntry } from '../../../shared/api/interfaces';
import type { AppContext } from '../App';
import { api, ApiCallError } from '../api/client';
import { bytes, cellText, isoUtc, ms, num } from '../lib/format';
import { baseName, caseDownloadName } from '../../../shared/text/file-name';

type Prompt = null | 'open' | 'save' | 'import';

export function CaseScreen({ ctx }: { ctx: AppContext }) {
  const { caseInfo, caseVersion, report, setCaseInfo } = ctx;
  const [ledger, setLedger] = useState<LedgerEntry[]>([]);
  const [job, setJob] = useState<ImportStatus | null>(null);
  const [uploading, setUploading] = useState<string[]>([]);
  const [prompt, setPrompt] = useState<Prompt>(null);
  const [pathText, setPathText] = useState('');
  const [dragging, setDragging] = useState(false);
  const [expanded, setExpanded] = useState<Set<number>>(new Set());
  const fileInput = useRef<HTMLInputElement>(null);
  const caseInput = useRef<HTMLInputElement>(null);
  const native = ctx.shell?.nativeDialogs === true;
  const busy = job?.state === 'running' || uploading.length > 0;

  useEffect(() => {
    api.ledger({}).then((r) => setLedger(r.entries), report);
  }, [caseVersion, report]);

  const follow = useCallback(
    async (jobId: string) => {
      for (;;) {
        const st = await api.importStatus({ jobId });
        setJob(st);
        if (st.state !== 'running') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      await ctx.refreshCase(true);
    },
    [ctx],
  );

  const importPaths = async (paths: string[]) => {
    try {
      const { jobId } = await api.startImport({ paths });
      await follow(jobId);
    } catch (e) {
      report(e);
    }
  };

  const importFiles = async (files: File[]) => {
    if (files.length === 0) return;
    try {
      const ids: string[] = [];
      for (const f of files) {
        setUploading([`${f.name} (${bytes(f.size)})`]);
        ids.push((await api.uploadFile(f)).uploadId);
      }
      setUploading([]);
      const { jobId } = await api.startImport({ uploadIds: ids });
      await follow(jobId);
    } catch (e) {
      setUploading([]);
      report(e);
    }
  };

  /**
   * Whether the open case may be replaced (New case, Open…, an uploaded case file): yes when it
   * has no unsaved changes (asked of the core, not this screen's copy), else when the analyst says so.
   */
  const mayReplace = async (action: string): Promise<boolean> => {
    const info = await api.caseInfo({});
    return !info.dirty || window.confirm(`The case has unsaved changes. ${action} anyway?`);
  };

  const onNew = async () => {
    try {
      if (!(await mayReplace('Start a new case'))) return;
      setCaseInfo(await api.newCase({}));
      setJob(null);
    } catch (e) {
      report(e);
    }
  };

  const openPath = async (path: string): Promise<boolean> => {
    if (!(await mayReplace('Open another case'))) return false;
    setCaseInfo(await api.openCase({ path }));
    setJob(null);
    return true;
  };

  const onOpen = async () => {
    if (!native) return setPrompt(prompt === 'open' ? null : 'open');
    try {
      const { path } = await api.chooseCaseToOpen({});
      if (path) await openPath(path);
    } catch (e) {
      report(e);
    }
  };

  /**
   * Save as… to `path`. A file already there is replaced only when the analyst confirms (the
   * native dialog asked already for the very path it returns); read-only files and the case's
   * evidence are never replaced (the core refuses them). False when not saved.
   */
  const saveTo = async (path: string, confirmed: boolean): Promise<boolean> => {
    try {
      setCaseInfo(await api.saveCase({ path, overwrite: confirmed || undefined }), false);
      return true;
    } catch (e) {
      if (!(e instanceof ApiCallError && e.kind === 'exists')) throw e;
      if (!window.confirm(`${e.message}. Replace it?`)) return false;
      setCaseInfo(await api.saveCase({ path, overwrite: true }), false);
      return true;
    }
  };

  const onSaveAs = async () => {
    if (!native) return setPrompt(prompt === 'save' ? null : 'save');
    try {
      const { path } = await api.chooseCaseToSave({});
      // (The core adds .wmicase to a name without it: the dialog did not ask about that file.)
      if (path) await saveTo(path, /\.wmicase$/i.test(path));
    } catch (e) {
      report(e);
    }
  };

  const onSave = async () => {
    // A case without a file of its own (new, or opened from an upload) is saved where the analyst says.
    if (!caseInfo?.path) return native ? onSaveAs() : setPrompt('save');
    try {
      setCaseInfo(await api.saveCase({}), false);
    } catch (e) {
      report(e);
    }
  };

  const onImport = async () => {
    if (!native) return fileInput.current?.click();
    try {
      const { paths } = await api.chooseEvidence({});
      if (paths?.length) await importPaths(paths);
    } catch (e) {
      report(e);
    }
  };

  const onDownload = async () => {
    try {
      const blob = await api.downloadCase();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = caseDownloadName({ path: caseInfo?.path ?? null, uploadedCopy: caseInfo?.uploadedCopy ?? null });
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      report(e);
    }
  };

  const submitPrompt = async () => {
    const p = pathText.trim();
    if (!p) return;
    try {
      if (prompt === 'open') {
        if (!(await openPath(p))) return;
      } else if (prompt === 'save') {
        if (!(await saveTo(p, false))) return;
      } else if (prompt === 'import') {
        setPrompt(null);
        await importPaths(p.split('\n').map((s) => s.trim()).filter(Boolean));
        return;
      }
      setPrompt(null);
    } catch (e) {
      report(e);
    }
  };

  return (
    <div
      className={`case-screen${dragging ? ' dragging' : ''}`}
      data-testid="case-screen"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        if (!busy) void importFiles(Array.from(e.dataTransfer.files));
      }}
    >
      <div className="toolbar">
        <button onClick={onNew} disabled={busy} data-testid="case-new">
          New case
        </button>
        <button onClick={onOpen} disabled={busy} data-testid="case-open">
          Open…
        </button>
        <button onClick={onSave} disabled={busy} data-testid="case-save">
          Save
        </button>
        <button onClick={onSaveAs} disabled={busy} data-testid="case-save-as">
          Save as…
        </button>
        {!native && (
          <button onClick={onDownload} disabled={busy} data-testid="case-download">
            Download
          </button>
        )}
        <span className="divider" />
        <button className="primary" onClick={onImport} disabled={busy} data-testid="import-files">
          Import evidence…
        </button>
        {!native && (
          <button onClick={() => setPrompt(prompt === 'import' ? null : 'import')} disabled={busy} data-testid="import-paths">
            Import from server paths…
          </button>
        )}
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            e.target.value = '';
            void importFiles(files);
          }}
        />
        <input
          ref={caseInput}
          type="file"
          hidden
          accept=".wmicase"
          data-testid="case-file-input"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            try {
              if (!(await mayReplace('Open another case'))) return;
              setCaseInfo(await api.openCaseFile(f));
              setJob(null);
              setPrompt(null);
            } catch (err) {
              report(err);
            }
          }}
        />
      </div>

      {prompt && (
        <form
          className="prompt"
          onSubmit={(e) => {
            e.preventDefault();
            void submitPrompt();
          }}
        >
          <label>
            {prompt === 'open' && 'Case file on the server (absolute path)'}
            {prompt === 'save' && 'Save the case to (absolute path on the server, .wmicase)'}
            {prompt === 'import' && 'Evidence files, folders or zip archives on the server (one absolute path per line)'}
          </label>
          {prompt === 'import' ? (
            <textarea value={pathText} onChange={(e) => setPathText(e.target.value)} rows={3} data-testid="path-input" spellCheck={false} />
          ) : (
            <input value={pathText} onChange={(e) => setPathText(e.target.value)} data-testid="path-input" spellCheck={false} />
          )}
          <div className="prompt-actions">
            <button type="submit" className="primary" data-testid="path-submit">
              {prompt === 'open' ? 'Open' : prompt === 'save' ? 'Save' : 'Import'}
            </button>
            {prompt === 'open' && (
              <button type="button" onClick={() => caseInput.current?.click()}>
                Upload a case file…
              </button>
            )}
            <button type="button" onClick={() => setPrompt(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}

      <section className="panel">
        <h2>Case</h2>
        <dl className="facts">
          <dt>File</dt>
          <dd data-testid="case-path">{caseInfo?.path ? cellText(caseInfo.path) : caseInfo?.uploadedCopy ? cellText(caseInfo.uploadedCopy) : 'not saved yet'}</dd>
          {!caseInfo?.path && caseInfo?.uploadedCopy && (
            <>
              <dt />
              <dd className="warn note" data-testid="case-upload-note">
                An uploaded copy: it has no file on the server, and the upload is deleted when the workbench stops. Save as… keeps the
                case in a folder on the server; Download keeps a copy on this computer.
              </dd>
            </>
          )}
          <dt>Events</dt>
          <dd data-testid="case-events">{num(caseInfo?.events ?? 0)}</dd>
          <dt>Evidence files</dt>
          <dd>{num(caseInfo?.sources ?? 0)}</dd>
          <dt>Time span (UTC)</dt>
          <dd>{caseInfo?.firstTime ? `${isoUtc(caseInfo.firstTime)} — ${isoUtc(caseInfo.lastTime)}` : '—'}</dd>
          <dt>State</dt>
          <dd data-testid="case-state">{caseState(caseInfo)}</dd>
        </dl>
        <div className="dropzone" data-testid="dropzone">
          Drop EVTX, XML, JSON/JSONL files or zip archives anywhere here to import them.
        </div>
      </section>

      {(job || uploading.length > 0) && (
        <section className="panel">
          <h2>
            Import {job ? <span className={`badge ${job.state}`}>{job.state}</span> : <span className="badge running">uploading</span>}
            {job && (
              <span className="muted small">
                {' '}
                {num(job.records)} records · {ms(job.elapsedMs)}
              </span>
            )}
          </h2>
          {uploading.map((u) => (
            <div key={u} className="muted small">
              Uploading {cellText(u)}…
            </div>
          ))}
          {job?.error && <div className="error-text">{cellText(job.error)}</div>}
          {job?.inputErrors.map((e, i) => (
            <div key={i} className="error-text">
              {cellText(e.path)}: {cellText(e.error)}
            </div>
          ))}
          {job && (
            <table className="grid compact" data-testid="import-progress">
              <thead>
                <tr>
                  <th>File</th>
                  <th>State</th>
                  <th className="num">Progress</th>
                  <th className="num">Records</th>
                  <th className="num">Rate (rec/s)</th>
                  <th className="num">Rejected</th>
                  <th className="num">Errors</th>
                </tr>
              </thead>
              <tbody>
                {job.files.map((f, i) => (
                  <tr key={i}>
                    <td className="path" title={cellText(f.path)}>
                      {cellText(baseName(f.path))}
                      {f.archivePath ? <span className="muted"> ⟩ {cellText(f.archivePath)}</span> : null}
                    </td>
                    <td>{f.state}</td>
                    <td className="num">
                      <progress max={Math.max(1, f.bytesTotal)} value={f.bytesDone} /> {bytes(f.bytesDone)} / {bytes(f.bytesTotal)}
                    </td>
                    <td className="num">{num(f.records)}</td>
                    <td className="num">{num(f.rate)}</td>
                    <td className={`num${f.rejected ? ' warn' : ''}`}>{num(f.rejected)}</td>
                    <td className={`num${f.errors ? ' warn' : ''}`}>{num(f.errors)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}

      <section className="panel grow">
        <h2>
          Evidence ledger <span className="muted small">{ledger.length} files · found = imported + rejected</span>
        </h2>
        <div className="table-scroll">
          <table className="grid" data-testid="ledger">
            <thead>
              <tr>
                <th>#</th>
                <th>Evidence file</th>
                <th>Format</th>
                <th className="num">Size</th>
                <th>SHA-256</th>
                <th className="num">Found</th>
                <th className="num">Imported</th>
                <th className="num">Recovered</th>
                <th className="num">Rejected</th>
                <th>First (UTC)</th>
                <th>Last (UTC)</th>
                <th>Hosts</th>
                <th>Errors</th>
              </tr>
            </thead>
            <tbody>
              {ledger.length === 0 && (
                <tr>
                  <td colSpan={13} className="muted empty">
                    No evidence imported yet.
                  </td>
                </tr>
              )}
              {ledger.map((e) => {
                const open = expanded.has(e.id);
                const details = e.rejectedRecords.length > 0 || e.errors.length > 0;
                return (
                  <Fragment key={e.id}>
                    <tr>
                      <td className="num">{e.id}</td>
                      <td className="path" title={cellText(e.path)}>
                        {cellText(baseName(e.path))}
                        {e.archivePath ? <span className="muted"> ⟩ {cellText(e.archivePath)}</span> : null}
                        {e.duplicateOf !== undefined && (
                          <div className="warn small" data-testid="ledger-duplicate" title={cellText(e.notes?.join('\n') ?? e.duplicateOf)}>
                            identical to #{e.duplicateOfId} (same SHA-256): not imported again
                          </div>
                        )}
                      </td>
                      <td>{e.format}</td>
                      <td className="num">{bytes(e.size)}</td>
                      <td className="mono hash" title={e.sha256}>
                        {e.sha256}
                      </td>
                      <td className="num">{num(e.found)}</td>
                      <td className="num">{num(e.records)}</td>
                      <td className="num">{num(e.recovered)}</td>
                      <td className={`num${e.rejected ? ' warn' : ''}`}>{num(e.rejected)}</td>
                      <td className="mono">{isoUtc(e.firstTime)}</td>
                      <td className="mono">{isoUtc(e.lastTime)}</td>
                      <td className="ellipsis">{cellText(e.hosts.join(', '))}</td>
                      <td>
                        {details ? (
                          <button
                            className="link"
                            onClick={() =>
                              setExpanded((s) => {
                                const n = new Set(s);
                                if (n.has(e.id)) n.delete(e.id);
                                else n.add(e.id);
                                return n;
                              })
                            }
                          >
                            {open ? 'hide' : `${e.errors.length} errors, ${e.rejectedRecords.length} rejected`}
                          </button>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    </tr>
                    {open && (
                      <tr className="details-row">
                        <td />
                        <td colSpan={12}>
                          {e.errors.map((m, i) => (
                            <div key={`e${i}`} className="error-text">
                              {cellText(m)}
                            </div>
                          ))}
                          {e.rejectedRecords.map((r, i) => (
                            <div key={`r${i}`} className="mono small">
                              record {r.recordNumber ?? '?'} @ offset {r.offset ?? '?'}: {cellText(r.reason)}
                            </div>
                          ))}
                          {e.rejected > e.rejectedRecords.length && (
                            <div className="muted small">… {num(e.rejected - e.rejectedRecords.length)} more rejected records</div>
                          )}
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

/** Whether the case's work is kept, in words. */
function caseState(c: CaseInfo | null): string {
  if (!c) return '';
  if (c.dirty) return 'unsaved changes';
  if (c.path) return 'saved';
  if (c.uploadedCopy) return 'as uploaded: not saved on the server';
  return c.sources === 0 ? 'empty' : 'not saved';
}

