/**
 * The renderer's one way to the core: an object implementing the shared API contract.
 * In Electron it is the preload's `window.wmiWorkbench` (IPC, one channel per method);
 * in a browser it POSTs JSON to /api/<method> on the web shell with this run's token.
 */
import type { ApiErrorBody, ApiMethod, CaseInfo, UploadResponse, WorkbenchApiContract, WorkbenchBridge } from '../../../shared/api/interfaces';
import { API_METHODS } from '../../../shared/api/ipc-events';

declare global {
  interface Window {
    wmiWorkbench?: WorkbenchBridge;
  }
}

export class ApiCallError extends Error {
  constructor(
    message: string,
    /** 'no-access': the web shell refused this tab's token (it has none, or one of an earlier run). */
    readonly kind: ApiErrorBody['kind'] | 'network' | 'no-access',
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'wmi-workbench-token';

/** The web shell's token: taken from ?token= once, kept for the tab, removed from the address bar. */
function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export interface WorkbenchClient extends WorkbenchApiContract {
  readonly shell: 'electron' | 'web';
  /**
   * Web shell: false when this tab holds no token (a second tab, a bookmark: the token is taken
   * out of the address bar), so no request can succeed; the app says so instead of showing a case.
   */
  readonly hasToken: boolean;
  /** Send one evidence file's content (drag-and-drop, file picker in a browser). */
  uploadFile(file: File): Promise<UploadResponse>;
  /** Web shell: open a case file chosen in the browser. */
  openCaseFile(file: File): Promise<CaseInfo>;
  /** Web shell: the current case as a download. */
  downloadCase(): Promise<Blob>;
}

async function unwrap<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (res.status === 401) throw new ApiCallError('this tab has no access to the workbench (missing or wrong token)', 'no-access');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiCallError(`HTTP ${res.status}: ${text.slice(0, 200)}`, 'internal');
  }
  if (!res.ok) {
    const b = body as Partial<ApiErrorBody>;
    throw new ApiCallError(typeof b.error === 'string' ? b.error : `HTTP ${res.status}`, b.kind ?? 'internal');
  }
  return body as T;
}

function webClient(): WorkbenchClient {
  const token = takeToken();
  const headers = { 'X-Workbench-Token': token };
  const call = async (method: string, req: unknown): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(`./api/${method}`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(req ?? {}),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiCallError(`the workbench server cannot be reached (${(e as Error).message})`, 'network');
    }
    return unwrap(res);
  };
  const upload = async (route: string, file: File): Promise<unknown> => {
    const res = await fetch(`./api/${route}?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/octet-stream' },
      body: file,
      cache: 'no-store',
    });
    return unwrap(res);
  };
  const client: Record<string, unknown> = {
    shell: 'web',
    hasToken: token !== '',
    uploadFile: (file: File) => upload('upload', file) as Promise<UploadResponse>,
    openCaseFile: (file: File) => upload('open-upload', file) as Promise<CaseInfo>,
    downloadCase: async () => {
      const res = await fetch('./api/download-case', { headers, cache: 'no-store' });
      if (!res.ok) await unwrap(res);
      return res.blob();
    },
  };
  for (const m of API_METHODS) client[m] = (req: unknown) => call(m, req);
  return client as unknown as WorkbenchClient;
}

function electronClient(bridge: WorkbenchBridge): WorkbenchClient {
  const client: Record<string, unknown> = {
    shell: 'electron',
    hasToken: true,
    uploadFile: async (file: File) => bridge.uploadEvidence({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }),
    openCaseFile: async () => {
      throw new ApiCallError('use Open… to choose a case file', 'refused');
    },
    downloadCase: async () => {
      throw new ApiCallError('use Save as… to save the case', 'refused');
    },
  };
  for (const m of API_METHODS) {
    const fn = bridge[m] as (req: unknown) => Promise<unknown>;
    client[m] = async (req: unknown) => {
      try {
        return await fn(req ?? {});
      } catch (e) {
        // Electron prefixes errors thrown in main: "Error invoking remote method 'x': Error: msg"
        const msg = String((e as Error).message ?? e).replace(/^Error invoking remote method '[^']*': (\w*Error: )?/, '');
        throw new ApiCallError(msg, 'refused');
      }
    };
  }
  return client as unknown as WorkbenchClient;
}

export const api: WorkbenchClient = window.wmiWorkbench ? electronClient(window.wmiWorkbench) : webClient();

export type { ApiMethod };
