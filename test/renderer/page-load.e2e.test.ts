/**
 * Loading the workbench page fails no request and logs no error: the page names its icon, a
 * file bundled with the renderer (without one the browser asks for /favicon.ico, a 404 on every
 * load).
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { browserAvailable, startHarness, type Harness } from './harness';

declare const document: { querySelector(s: string): { getAttribute(n: string): string | null; textContent: string | null } | null };

describe('page load in the browser', { skip: !browserAvailable() && 'chromium or the built renderer is missing' }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('page-load');
  });
  after(async () => {
    await h?.close();
  });

  it('loads its bundled icon and fails no request', async () => {
    const { page } = h;
    const failed: string[] = [];
    const consoleErrors: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    // (the browser's own icon request is not among the page's requests: a 404 shows as a console error)
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
    for (const load of [() => page.goto(h.web.url), () => page.reload()]) {
      await load();
      await page.getByTestId('case-screen').waitFor();
      await page.waitForFunction(() => (document.querySelector('[data-testid=case-events]')?.textContent ?? '') !== '');
      await page.waitForTimeout(1000);
    }
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(failed, []);
    const icon = await page.evaluate(() => document.querySelector('link[rel=icon]')?.getAttribute('href') ?? null);
    assert.match(icon ?? '', /^\.\/assets\/favicon-[\w-]+\.svg$/);
    assert.ok(h.requests.some((u) => /\/assets\/favicon-[\w-]+\.svg$/.test(u)), 'the bundled icon is loaded');
    assert.deepEqual(h.outside(), []);
    assert.deepEqual(h.pageErrors, []);
  });
});
