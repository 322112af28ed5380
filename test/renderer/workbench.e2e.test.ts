/**
 * The workbench in a real browser against the web shell, on real evidence from the corpus:
 * import (file picker upload), filter to parent wmiprvse.exe, open an event, pivot, run a
 * SQL query, save and reopen the case. Screenshots go to test-artifacts/.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { browserAvailable, CORPUS, startHarness, type Harness } from './harness';

/** The page's document, as seen inside waitForFunction callbacks (the root tsconfig has no DOM lib). */
declare const document: { querySelector(s: string): { textContent: string | null } | null };

const LM = path.join(CORPUS, 'evtx/attack-samples/Lateral Movement');
const EVIDENCE = [
  path.join(LM, 'LM_wmiexec_impacket_sysmon_whoami.evtx'),
  path.join(LM, 'LM_WMI_4624_4688_TargetHost.evtx'),
  path.join(LM, 'wmi_remote_registry_sysmon.evtx'),
  path.join(LM, 'LM_wmi_PoisonHandler_Mr-Un1k0d3r_sysmon_1_13.evtx'),
  path.join(CORPUS, 'json/otrf/wmic_remote_xsl_jscript.zip'),
];

const totalOf = async (h: Harness) => Number(((await h.page.getByTestId('total').textContent()) ?? '').split(' ')[0].replace(/,/g, ''));

describe('workbench in the browser (web shell)', { skip: !browserAvailable() && 'chromium or the built renderer is missing' }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('e2e');
  });
  after(async () => {
    await h?.close();
  });

  it('imports evidence, explores, pivots, queries, saves and reopens', async () => {
    const { page } = h;
    for (const f of EVIDENCE) assert.ok(existsSync(f), f);
    await page.goto(h.web.url);
    await page.getByTestId('case-screen').waitFor();
    assert.ok(!page.url().includes('token='), 'the token is removed from the address bar');

    // Import through the file picker (upload), with live progress and the ledger.
    await page.getByTestId('file-input').setInputFiles(EVIDENCE);
    await page.locator('.badge.done').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=case-events]')?.textContent?.replace(/,/g, '')) > 0);
    const ledgerRows = await page.locator('[data-testid=ledger] tbody tr').count();
    assert.ok(ledgerRows >= EVIDENCE.length, `ledger has ${ledgerRows} rows`);
    const progressRows = await page.locator('[data-testid=import-progress] tbody tr').count();
    assert.ok(progressRows >= EVIDENCE.length);
    await h.shot('e2e-01-case-imported');
    const events = Number((await page.getByTestId('case-events').textContent())!.replace(/,/g, ''));

    // Events explorer: everything, then the wmiprvse.exe parent filter.
    await page.getByTestId('nav-events').click();
    await page.locator('[data-testid=events-table] .vrow').first().waitFor();
    await page.waitForFunction((n) => document.querySelector('[data-testid=total]')?.textContent?.startsWith(n.toLocaleString('en-US')), events);
    await page.locator('[data-testid=facet-host] .facet-row').first().waitFor();
    await h.shot('e2e-02-explorer-all');
    // The histogram brush sets a time range.
    const box = (await page.getByTestId('histogram').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.05, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + 25, { steps: 5 });
    await page.mouse.up();
    await page.locator('[data-testid=chips] .chip', { hasText: 'time ∈' }).waitFor();
    await page.waitForFunction((n) => {
      const t = Number(document.querySelector('[data-testid=total]')?.textContent?.split(' ')[0].replace(/,/g, ''));
      return t > 0 && t < n;
    }, events);
    await h.shot('e2e-02b-time-brush');
    await page.getByTestId('clear-filters').click();
    await page.getByTestId('preset-wmiprvse.exe').click();
    await page.waitForFunction((n) => {
      const t = Number(document.querySelector('[data-testid=total]')?.textContent?.split(' ')[0].replace(/,/g, ''));
      return t > 0 && t < n;
    }, events);
    const wmiTotal = await totalOf(h);
    const parents = await page.locator('[data-testid=events-table] .vrow .vtd:nth-child(6)').allTextContents();
    assert.ok(parents.length > 0);
    for (const p of parents) assert.match(p, /\\wmiprvse\.exe$/i);

    // Open an event: every field and the original record.
    await page.locator('[data-testid=events-table] .vrow').first().click();
    await page.getByTestId('event-detail').locator('table.kv').waitFor();
    await h.shot('e2e-03-event-detail');
    await page.getByTestId('tab-record').click();
    const raw = await page.getByTestId('raw-record').textContent();
    assert.match(raw ?? '', /<Event xmlns=/);
    await page.getByRole('button', { name: 'Fields' }).click();

    // Pivot from the parent image value: events with this value.
    const row = page.locator('[data-testid=event-detail] tr[data-field="ParentImage"]').first();
    await row.hover();
    await row.getByTestId('pivot').click();
    await page.locator('[data-testid=chips] .chip', { hasText: 'ParentImage' }).waitFor();
    await page.waitForFunction(() => !document.querySelector('[data-testid=chips]')?.textContent?.includes('parent = wmiprvse.exe'));
    const pivotTotal = await totalOf(h);
    assert.ok(pivotTotal > 0);
    assert.ok(pivotTotal <= wmiTotal);

    // Combine a facet with the filter, then use the column chooser.
    await page.locator('[data-testid=facet-event_id] .facet-row').first().click();
    await page.locator('[data-testid=facet-event_id] .facet-row.on').waitFor();
    await page.getByTestId('columns-button').click();
    await page.getByTestId('column-search').fill('ProcessId');
    await page.locator('[data-testid=column-chooser] label', { hasText: /^ProcessId/ }).first().locator('input').check();
    await page.locator('[data-testid=events-table] .vth', { hasText: 'ProcessId' }).waitFor();
    await page.getByTestId('columns-button').click();
    await h.shot('e2e-04-pivot-facet-columns');

    // SQL console: a read-only query, results grid, a saved query.
    await page.getByTestId('nav-sql').click();
    await page.getByTestId('sql-editor').fill("SELECT image, COUNT(*) AS n FROM events WHERE parent_image LIKE '%wmiprvse.exe' GROUP BY 1 ORDER BY n DESC");
    await page.getByTestId('sql-run').click();
    await page.locator('[data-testid=sql-results] .vrow').first().waitFor();
    assert.match((await page.getByTestId('sql-status').textContent()) ?? '', /rows/);
    await page.getByTestId('sql-name').fill('children of wmiprvse');
    await page.getByTestId('sql-save').click();
    await page.getByTestId('saved-query').first().waitFor();
    await page.getByTestId('sql-editor').fill('DELETE FROM events');
    await page.getByTestId('sql-run').click();
    await page.getByTestId('sql-error').waitFor();
    await page.getByTestId('sql-editor').fill("SELECT image, COUNT(*) AS n FROM events WHERE parent_image LIKE '%wmiprvse.exe' GROUP BY 1 ORDER BY n DESC");
    await page.getByTestId('sql-run').click();
    await page.locator('[data-testid=sql-results] .vrow').first().waitFor();
    await h.shot('e2e-05-sql');

    // Save the case to a path, start a new case, reopen it.
    const file = path.join(h.tmp, 'e2e-case.wmicase');
    await page.getByTestId('nav-case').click();
    await page.getByTestId('case-save').click();
    await page.getByTestId('path-input').fill(file);
    await page.getByTestId('path-submit').click();
    await page.waitForFunction((f) => document.querySelector('[data-testid=case-path]')?.textContent === f, file);
    assert.ok(existsSync(file));
    await page.getByTestId('case-new').click(); // (saved: no question)
    await page.waitForFunction(() => document.querySelector('[data-testid=case-events]')?.textContent === '0');
    await page.getByTestId('case-open').click();
    await page.getByTestId('path-input').fill(file);
    await page.getByTestId('path-submit').click();
    await page.waitForFunction((n) => document.querySelector('[data-testid=case-events]')?.textContent === n.toLocaleString('en-US'), events);
    await page.waitForFunction((n) => (document as unknown as { querySelectorAll(s: string): { length: number } }).querySelectorAll('[data-testid=ledger] tbody tr').length === n, ledgerRows);
    await h.shot('e2e-06-reopened');
    await page.getByTestId('nav-sql').click();
    await page.getByTestId('saved-query').first().waitFor();
    assert.equal(await page.getByTestId('saved-query').first().textContent(), 'children of wmiprvse');

    assert.deepEqual(h.outside(), [], 'no request left 127.0.0.1');
    assert.deepEqual(h.pageErrors, []);
  });
});
