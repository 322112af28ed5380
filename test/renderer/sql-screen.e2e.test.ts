/**
 * The SQL screen in a real browser against the web shell: its own example runs (it opens with
 * comment lines), and a query that does not end is stopped by the time limit while the rest of
 * the workbench goes on. Screenshots go to test-artifacts/.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { browserAvailable, CORPUS, startHarness, type Harness } from './harness';

declare const document: { querySelector(s: string): { textContent: string | null } | null };

const LM = path.join(CORPUS, 'evtx/attack-samples/Lateral Movement');

describe('SQL screen (web shell)', { skip: !browserAvailable() && 'chromium or the built renderer is missing' }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('sql-screen', { sqlTimeLimitMs: 2000 });
    await h.api.dispatch('startImport', { paths: [path.join(LM, 'LM_wmiexec_impacket_sysmon_whoami.evtx')] });
    await h.api.idle();
  });
  after(async () => {
    await h?.close();
  });

  it('runs its own example, which starts with comment lines', async () => {
    const { page } = h;
    await page.goto(h.web.url);
    await page.getByTestId('case-screen').waitFor();
    await page.getByTestId('nav-sql').click();
    assert.match(await page.getByTestId('sql-editor').inputValue(), /^-- Read-only SQL over the case/);
    await page.getByTestId('sql-run').click();
    await page.locator('[data-testid=sql-results] .vrow').first().waitFor();
    assert.equal(await page.getByTestId('sql-error').count(), 0);
    const first = await page.locator('[data-testid=sql-results] .vrow').first().textContent();
    assert.match(first ?? '', /wmiprvse\.exe/i);
    await h.shot('sql-01-example');
  });

  it('stops a query that does not end; the case answers meanwhile and saves after', { timeout: 120_000 }, async () => {
    const { page } = h;
    await page.getByTestId('sql-editor').fill('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c');
    await page.getByTestId('sql-run').click();
    await page.getByTestId('sql-run').filter({ hasText: 'Running…' }).waitFor();
    // Meanwhile the case answers: the Events screen (a page of events, facets, histogram) in another tab.
    const t0 = performance.now();
    const info = await h.api.dispatch('caseInfo', {});
    assert.ok(performance.now() - t0 < 1000, `caseInfo took ${performance.now() - t0} ms`);
    const other = await h.context.newPage();
    await other.goto(h.web.url);
    await other.getByTestId('nav-events').click();
    await other.waitForFunction((n) => document.querySelector('[data-testid=total]')?.textContent?.startsWith(n.toLocaleString('en-US')), info.events);
    await other.close();
    await page.getByTestId('sql-error').filter({ hasText: 'query stopped after 2 s' }).waitFor({ timeout: 30_000 });
    assert.match((await page.getByTestId('sql-status').textContent()) ?? '', /time limit 2 s/);
    await h.shot('sql-02-stopped');
    // And after: another query, and Save.
    await page.getByTestId('sql-editor').fill('SELECT COUNT(*) AS n FROM events');
    await page.getByTestId('sql-run').click();
    await page.locator('[data-testid=sql-results] .vrow').first().filter({ hasText: String(info.events) }).waitFor();
    const file = path.join(h.tmp, 'after.wmicase');
    await page.getByTestId('nav-case').click();
    await page.getByTestId('case-save').click();
    await page.getByTestId('path-input').fill(file);
    await page.getByTestId('path-submit').click();
    await page.waitForFunction((f) => document.querySelector('[data-testid=case-path]')?.textContent === f, file);
    assert.ok(statSync(file).size > 0);
    assert.deepEqual(h.pageErrors, []);
  });
});
