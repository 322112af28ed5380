/**
 * Browser-test harness: the real web shell (WorkbenchApi + CaseClient + the built renderer)
 * on 127.0.0.1, and Debian's Chromium driven by playwright-core with a fresh profile. Every
 * request the page makes is recorded so tests can prove nothing leaves 127.0.0.1.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ClientCaseBackend } from '../../main/api/case-backend';
import { WorkbenchApi, type WorkbenchApiOptions } from '../../main/api/workbench-api';
import { startWebServer, type WebServer } from '../../main/web/server';

export const ROOT = path.resolve(__dirname, '../../..');
export const CORPUS = path.resolve(ROOT, '../shared/corpus');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Harness {
  api: WorkbenchApi;
  web: WebServer;
  context: BrowserContext;
  page: Page;
  tmp: string;
  /** Every URL the browser requested. */
  requests: string[];
  /** Requests to anything but this server (data: and blob: URLs excepted). */
  outside(): string[];
  /** Page errors and dialogs (alert/confirm/prompt) seen. */
  pageErrors: string[];
  dialogs: string[];
  /** How the next dialogs are answered, in order (each is dismissed when none is left). */
  answers: Array<'accept' | 'dismiss'>;
  shot(name: string): Promise<string>;
  close(): Promise<void>;
}

export function browserAvailable(): boolean {
  return existsSync(CHROMIUM) && existsSync(path.join(ROOT, 'dist/renderer/index.html'));
}

export async function startHarness(label: string, opts: Pick<WorkbenchApiOptions, 'sqlTimeLimitMs'> = {}): Promise<Harness> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `wmiwb-${label}-`));
  mkdirSync(ARTIFACTS, { recursive: true });
  const api = new WorkbenchApi({ ...opts, factory: ClientCaseBackend.factory(), shell: 'web', uploadsDir: path.join(tmp, 'uploads') });
  const web = await startWebServer({ api, staticDir: path.join(ROOT, 'dist/renderer') });
  const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
    viewport: { width: 1600, height: 960 },
    acceptDownloads: true,
  });
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  const answers: Array<'accept' | 'dismiss'> = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void (answers.shift() === 'accept' ? d.accept() : d.dismiss());
  });
  const origin = `http://127.0.0.1:${web.port}/`;
  return {
    api,
    web,
    context,
    page,
    tmp,
    requests,
    pageErrors,
    dialogs,
    answers,
    outside: () => requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:' + origin.slice(0, -1))),
    shot: async (name: string) => {
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    close: async () => {
      await context.close().catch(() => undefined);
      await web.close();
      await api.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
