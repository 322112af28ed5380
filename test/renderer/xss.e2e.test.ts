/**
 * Hostile evidence: fields carrying HTML/JS payloads, javascript: URLs, very long and
 * control-character strings. Imported through the web shell and shown on every screen in a
 * real browser, nothing may execute, no element may be injected, and no request may leave
 * 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { browserAvailable, startHarness, type Harness } from './harness';

declare const document: {
  querySelectorAll(s: string): { length: number };
  documentElement: { innerHTML: string };
};
declare const window: Record<string, unknown> & { addEventListener(t: string, f: (e: { violatedDirective: string; blockedURI: string }) => void): void };

/** Each payload would set window.__xss (or fetch from 127.0.0.2) if it ever ran or rendered as markup. */
const P = {
  img: '<img src=x onerror="window.__xss=1">',
  script: '<script>window.__xss=2</script>',
  jsUrl: 'javascript:window.__xss=3',
  svg: '"><svg onload=window.__xss=4><img src=http://127.0.0.2:9/leak.png>',
  iframe: '<iframe src="javascript:window.__xss=5"></iframe>',
  style: '<style>@import url(http://127.0.0.2:9/x.css)</style><link rel=stylesheet href=http://127.0.0.2:9/y.css>',
  attr: "' onmouseover='window.__xss=6' x='",
  html: '<a href="javascript:window.__xss=7">click</a><b>bold</b>',
};
const LONG = 'A'.repeat(200_000) + P.img;
const CONTROL = 'ctl\u0000\u0001\u0007\u0008\u001b[31mred\u001b[0m\u007f\u202eexe.txt\u200b';

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function xmlEvidence(): string {
  const ev = (i: number, computer: string, data: Record<string, string>) => `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="${xmlEscape(P.jsUrl)}" />
    <EventID>1</EventID>
    <Level>4</Level>
    <TimeCreated SystemTime="2024-05-0${i}T10:00:00.0000000Z" />
    <EventRecordID>${i}</EventRecordID>
    <Execution ProcessID="4" ThreadID="8" />
    <Channel>${xmlEscape(P.script)}</Channel>
    <Computer>${xmlEscape(computer)}</Computer>
    <Security UserID="S-1-5-18" />
  </System>
  <EventData>
${Object.entries(data)
  .map(([k, v]) => `    <Data Name="${xmlEscape(k)}">${xmlEscape(v)}</Data>`)
  .join('\n')}
  </EventData>
</Event>`;
  return `<?xml version="1.0" encoding="utf-8"?>\n<Events>\n${[
    ev(1, P.img, {
      Image: `C:\\evil\\${P.iframe}.exe`,
      ParentImage: 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe',
      CommandLine: P.svg,
      User: P.jsUrl,
      [P.html]: P.attr,
      Destination: P.style,
    }),
    ev(2, P.html, {
      Image: 'C:\\Windows\\System32\\cmd.exe',
      ParentImage: `C:\\Windows\\System32\\wbem\\${P.img}WmiPrvSE.exe`,
      CommandLine: LONG,
      Consumer: P.script,
      Url: 'javascript:alert(document.domain)',
    }),
  ].join('\n')}\n</Events>\n`;
}

function jsonlEvidence(): string {
  const lines = [
    {
      '@timestamp': '2024-05-03T10:00:00.000Z',
      Hostname: P.svg,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      EventID: 1,
      SourceName: P.img,
      Image: CONTROL,
      ParentImage: 'C:\\Windows\\System32\\wbem\\scrcons.exe',
      CommandLine: `${CONTROL} ${P.iframe}`,
      User: P.style,
      [P.img]: P.script,
    },
    {
      '@timestamp': '2024-05-04T10:00:00.000Z',
      Hostname: 'host-2',
      Channel: P.html,
      EventID: 4688,
      NewProcessName: `C:\\Windows\\System32\\wbem\\WMIC.exe`,
      ParentProcessName: P.jsUrl,
      CommandLine: LONG,
    },
  ];
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
}

describe('hostile evidence in the browser', { skip: !browserAvailable() && 'chromium or the built renderer is missing' }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('xss');
    await h.context.addInitScript(() => {
      const w = window as Record<string, unknown> & { addEventListener(t: string, f: (e: { violatedDirective: string; blockedURI: string }) => void): void };
      w.__violations = [] as string[];
      w.addEventListener('securitypolicyviolation', (e) => (w.__violations as string[]).push(`${e.violatedDirective} ${e.blockedURI}`));
    });
  });
  after(async () => {
    await h?.close();
  });

  const assertClean = async (where: string) => {
    const state = await h.page.evaluate(() => ({
      xss: window.__xss,
      violations: window.__violations,
      injected: document.querySelectorAll(
        ['img', 'iframe', 'object', 'embed', 'link', 'style', 'script', 'a[href]', '[onerror]', '[onload]', '[onmouseover]', '[onclick]', 'b', 'svg svg', 'foreignObject'].map((t) => `body ${t}`).join(', '),
      ).length,
      headLinks: document.querySelectorAll('head link:not([href^="./assets/"]), head style').length,
      scripts: document.querySelectorAll('script').length,
    }));
    assert.equal(state.xss, undefined, `${where}: a payload ran`);
    assert.deepEqual(state.violations, [], `${where}: CSP had to block something`);
    assert.equal(state.injected, 0, `${where}: an element was injected`);
    assert.equal(state.scripts, 1, `${where}: only the app's own script`);
    assert.equal(state.headLinks, 0, `${where}: only the app's own stylesheet`);
    assert.deepEqual(h.dialogs, [], `${where}: a dialog opened`);
    assert.deepEqual(h.outside(), [], `${where}: a request left 127.0.0.1`);
    assert.deepEqual(h.pageErrors, [], `${where}: page errors`);
  };

  it('renders every payload as text, on every screen', async () => {
    const { page } = h;
    const xml = path.join(h.tmp, 'hostile-events.xml');
    const jsonl = path.join(h.tmp, 'hostile-events.jsonl');
    writeFileSync(xml, xmlEvidence());
    writeFileSync(jsonl, jsonlEvidence());
    await page.goto(h.web.url);
    await page.getByTestId('file-input').setInputFiles([xml, jsonl]);
    await page.locator('.badge.done').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => Number((document as unknown as { querySelector(s: string): { textContent: string } | null }).querySelector('[data-testid=case-events]')?.textContent) >= 4);
    await assertClean('case screen');
    await h.shot('xss-01-case');

    await page.getByTestId('nav-events').click();
    await page.locator('[data-testid=events-table] .vrow').nth(3).waitFor();
    // The payload is visible as text (in the host facet and the table).
    await page.locator('[data-testid=facet-host] .facet-value', { hasText: '<img src=x onerror=' }).first().waitFor();
    await assertClean('explorer');
    await h.shot('xss-02-explorer');

    const rows = await page.locator('[data-testid=events-table] .vrow').count();
    for (let i = 0; i < rows; i++) {
      await page.locator('[data-testid=events-table] .vrow').nth(i).click();
      await page.getByTestId('event-detail').locator('table.kv').waitFor();
      await page.getByTestId('tab-record').click();
      await page.getByTestId('raw-record').waitFor();
      await page.getByRole('button', { name: 'Fields' }).click();
      await assertClean(`event ${i}`);
    }
    // Long values are cut for display with a way to show all, control characters are visible symbols.
    await page.locator('[data-testid=events-table] .vrow', { hasText: '\\x1b[31m' }).first().click();
    await page.locator('[data-testid=event-detail] .value', { hasText: 'ctl\\x00\\x01\\x07\\x08\\x1b[31mred\\x1b[0m\\x7f\\u202Eexe.txt\\u200B' }).first().waitFor();
    await h.shot('xss-03-detail');

    // Facets, filters, pivots and the column chooser with hostile values and field names.
    await page.locator('[data-testid=facet-host] .facet-row', { hasText: '<img src=x onerror' }).first().click();
    await page.locator('[data-testid=chips] .chip', { hasText: '<img src=x' }).waitFor();
    await page.getByTestId('clear-filters').click();
    await page.getByTestId('preset-scrcons.exe').click();
    await page.waitForFunction(() => (document as unknown as { querySelector(s: string): { textContent: string } | null }).querySelector('[data-testid=total]')?.textContent?.startsWith('1 '));
    await page.locator('[data-testid=events-table] .vrow').first().click();
    const row = page.locator('[data-testid=event-detail] tr[data-field="CommandLine"]').first();
    await row.hover();
    await row.getByTestId('pivot').click();
    await page.locator('[data-testid=chips] .chip', { hasText: 'CommandLine' }).waitFor();
    await page.getByTestId('search').fill('<script>window.__xss=2</script>');
    await page.getByTestId('search').press('Enter');
    await page.getByTestId('columns-button').click();
    await page.getByTestId('column-search').fill('img');
    await assertClean('filters and chooser');
    await h.shot('xss-04-filters');
    await page.getByTestId('columns-button').click();
    await page.getByTestId('clear-filters').click();

    await page.getByTestId('nav-sql').click();
    await page.getByTestId('sql-editor').fill("SELECT host, channel, provider, command_line, data FROM events UNION ALL SELECT '<img src=x onerror=window.__xss=9>', 'javascript:x', NULL, NULL, NULL");
    await page.getByTestId('sql-run').click();
    await page.locator('[data-testid=sql-results] .vrow').first().waitFor();
    await page.getByTestId('sql-name').fill(P.img);
    await page.getByTestId('sql-save').click();
    await page.getByTestId('saved-query').first().waitFor();
    await assertClean('sql');
    await h.shot('xss-05-sql');

    await page.getByTestId('nav-case').click();
    await page.locator('[data-testid=ledger] tbody tr').first().waitFor();
    await assertClean('ledger');
  });
});
