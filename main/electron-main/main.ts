/**
 * The Electron shell. The only file importing 'electron' (with the preload). The renderer is
 * the same bundle as the web shell, loaded from file:// with:
 *  - contextIsolation, sandbox, no Node integration, no webview, a strict CSP;
 *  - every request that is not one of our own files cancelled (no remote content);
 *  - navigation, redirects and window.open blocked; every permission request denied;
 *  - IPC accepted only from our own top frame, each request validated by WorkbenchApi.dispatch.
 * Native dialogs choose evidence and case files.
 */
import { CONTENT_SECURITY_POLICY } from '../../shared/api/content-security-policy';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, session, type IpcMainInvokeEvent } from 'electron';
import { API_METHODS, IPC_CHANNELS } from '../../shared/api/ipc-events';
import type { ApiMethod } from '../../shared/api/interfaces';
import { ClientCaseBackend } from '../api/case-backend';
import { errorBody, WorkbenchApi, type DialogProvider } from '../api/workbench-api';

const RENDERER_DIR = path.resolve(__dirname, '../../renderer');
const INDEX_HTML = path.join(RENDERER_DIR, 'index.html');
const RENDERER_URL_PREFIX = pathToFileURL(RENDERER_DIR + path.sep).href;
const INDEX_URL = pathToFileURL(INDEX_HTML).href;

const EVIDENCE_FILTERS = [
  { name: 'Windows event logs and exports', extensions: ['evtx', 'xml', 'json', 'jsonl', 'ndjson', 'zip'] },
  { name: 'All files', extensions: ['*'] },
];
const CASE_FILTERS = [{ name: 'WMI Workbench case', extensions: ['wmicase'] }];

let mainWindow: BrowserWindow | null = null;

function dialogs(): DialogProvider {
  const parent = () => mainWindow ?? undefined;
  return {
    async chooseEvidence() {
      const opts: Electron.OpenDialogOptions = {
        title: 'Import evidence',
        properties: ['openFile', 'multiSelections', 'dontAddToRecent'],
        filters: EVIDENCE_FILTERS,
      };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      return r.canceled || r.filePaths.length === 0 ? null : r.filePaths;
    },
    async chooseCaseToOpen() {
      const opts: Electron.OpenDialogOptions = { title: 'Open case', properties: ['openFile'], filters: CASE_FILTERS };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      return r.canceled || r.filePaths.length === 0 ? null : r.filePaths[0];
    },
    async chooseCaseToSave() {
      const opts: Electron.SaveDialogOptions = { title: 'Save case', filters: CASE_FILTERS, properties: ['showOverwriteConfirmation', 'createDirectory'] };
      const w = parent();
      const r = w ? await dialog.showSaveDialog(w, opts) : await dialog.showSaveDialog(opts);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  };
}

/** IPC only from our own page's top frame. */
function trustedSender(e: IpcMainInvokeEvent): boolean {
  const frame = e.senderFrame;
  return !!frame && frame === e.sender.mainFrame && frame.url.split(/[?#]/)[0] === INDEX_URL;
}

function lockDownSession(): void {
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.setDevicePermissionHandler(() => false);
  // No remote content: only our own files (and devtools) may load.
  s.webRequest.onBeforeRequest((details, callback) => {
    const u = details.url;
    const ok = u.startsWith(RENDERER_URL_PREFIX) || u.startsWith('devtools:') || u.startsWith('data:') || u.startsWith('blob:');
    callback({ cancel: !ok });
  });
  s.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1500,
    height: 950,
    minWidth: 900,
    minHeight: 600,
    backgroundColor: '#15171a',
    title: 'WMI Workbench',
    show: false,
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(INDEX_HTML);
  return win;
}

async function start(): Promise<void> {
  app.enableSandbox();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (e) => e.preventDefault());
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  await app.whenReady();
  lockDownSession();
  Menu.setApplicationMenu(null);

  const api = new WorkbenchApi({ factory: ClientCaseBackend.factory(), shell: 'electron', version: app.getVersion(), dialogs: dialogs() });
  for (const method of API_METHODS as ApiMethod[]) {
    ipcMain.handle(IPC_CHANNELS[method], async (e, req: unknown) => {
      if (!trustedSender(e)) throw new Error('refused: request from an unknown page');
      try {
        return await api.dispatch(method, req);
      } catch (err) {
        // Only the message crosses to the renderer.
        throw new Error(errorBody(err).error);
      }
    });
  }

  mainWindow = createWindow();
  mainWindow.on('closed', () => (mainWindow = null));
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  app.on('window-all-closed', () => {
    void api.close().finally(() => app.quit());
  });
}

void start();
