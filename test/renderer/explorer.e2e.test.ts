/**
 * The events explorer in a real browser on a large real case (every EVTX file of the corpus,
 * 306 distinct event ids) plus an export with outlier times, events 100 ns apart and a very
 * long channel name: the detail panel closes (✕ in view, Escape), time ranges are typed to
 * 100 ns and the histogram zooms to what is selected with outliers kept apart, rare event ids
 * are found through the facet search, the table works from the keyboard, and no request fails.
 * Screenshots go to test-artifacts/.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { browserAvailable, CORPUS, startHarness, type Harness } from './harness';
import { TIMED, writeTimedEvidence } from '../helpers/timed-evidence';
import { PLAUSIBLE_FROM } from '../../main/api/explorer-queries';
import { parseUtcInstant } from '../../shared/model/utc-time';
import * as path from 'node:path';

/** The page's document and window, as seen inside evaluate callbacks (the root tsconfig has no DOM lib). */
interface El {
  textContent: string | null;
  className: string;
  tagName: string;
  parentElement: El | null;
  getAttribute(n: string): string | null;
  getBoundingClientRect(): { x: number; y: number; width: number; height: number };
  closest(s: string): El | null;
  contains(e: El | null): boolean;
}
declare const document: { querySelector(s: string): El | null; querySelectorAll(s: string): El[]; activeElement: El | null; elementFromPoint(x: number, y: number): El | null };
declare const window: { getComputedStyle(e: El): { opacity: string; visibility: string } };

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const DAY = 86_400_000;

describe('events explorer in the browser (large case)', { skip: !browserAvailable() && 'chromium or the built renderer is missing' }, () => {
  let h: Harness;
  const failed: string[] = [];
  /** Errors the browser logged (an API call refused shows here too). */
  const consoleErrors: string[] = [];
  const sql = async (q: string) => Number((await h.api.dispatch('sqlQuery', { sql: q })).rows[0][0]);
  const total = async () => Number(((await h.page.getByTestId('total').textContent()) ?? '').split(' ')[0].replace(/,/g, ''));
  const waitTotal = (n: number) =>
    h.page.waitForFunction((n) => document.querySelector('[data-testid=total]')?.textContent?.startsWith(`${n.toLocaleString('en-US')} event`), n);
  const histWindow = async () => {
    const el = h.page.getByTestId('histogram');
    return { from: Number(await el.getAttribute('data-from')), to: Number(await el.getAttribute('data-to')) };
  };
  /** Waits for the histogram to show a window other than `prev`. */
  const nextWindow = async (prev: { from: number; to: number }) => {
    await h.page.waitForFunction(
      (p) => {
        const el = document.querySelector('[data-testid=histogram]');
        return !!el && (Number(el.getAttribute('data-from')) !== p.from || Number(el.getAttribute('data-to')) !== p.to);
      },
      prev,
    );
    return histWindow();
  };
  /** Waits for the histogram to show the window the API gives for the whole case. */
  const wholeWindow = async () => {
    const r = await h.api.dispatch('histogram', { filter: {}, buckets: 160 });
    const w = { from: r.viewFrom!, to: r.viewTo! };
    await h.page.waitForFunction((w) => {
      const el = document.querySelector('[data-testid=histogram]');
      return !!el && Number(el.getAttribute('data-from')) === w.from && Number(el.getAttribute('data-to')) === w.to;
    }, w);
    return w;
  };
  const clearFilters = async () => {
    if (await h.page.getByTestId('clear-filters').count()) await h.page.getByTestId('clear-filters').click();
    await waitTotal(await sql('SELECT COUNT(*) FROM events'));
  };

  before(async () => {
    h = await startHarness('explorer');
    h.page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    h.page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
    });
    const { jobId } = await h.api.dispatch('startImport', { paths: [path.join(CORPUS, 'evtx'), writeTimedEvidence(h.tmp)] });
    await h.api.idle();
    assert.equal((await h.api.dispatch('importStatus', { jobId })).state, 'done');
    await h.page.goto(h.web.url);
    await h.page.getByTestId('nav-events').click();
    await h.page.locator('[data-testid=events-table] .vrow').first().waitFor();
  });
  after(async () => {
    await h?.close();
  });

  it('keeps the detail panel closable: ✕ in view whatever the header holds, and Escape', async () => {
    const { page } = h;
    for (const [width, channel] of [
      [1920, SYSMON],
      [1280, SYSMON],
      [1920, TIMED.longChannel],
    ] as const) {
      await page.setViewportSize({ width, height: 1000 });
      await clearFilters();
      const facet = page.getByTestId('facet-channel');
      await facet.locator('.facet-row').first().waitFor();
      if (await facet.getByRole('button', { name: /more$/ }).count()) await facet.getByRole('button', { name: /more$/ }).click();
      await facet.locator('.facet-row', { hasText: channel.slice(0, 30) }).first().click();
      await page.locator('[data-testid=chips] .chip', { hasText: `Channel = ${channel.slice(0, 30)}` }).waitFor();
      await waitTotal(await sql(`SELECT COUNT(*) FROM events WHERE channel = '${channel}'`));
      await page.locator('[data-testid=events-table] .vrow').first().click();
      await page.locator('[data-testid=event-detail] .detail-head', { hasText: channel.slice(0, 60) }).waitFor();
      const geometry = await page.evaluate(() => {
        const panel = document.querySelector('[data-testid=event-detail]')!.getBoundingClientRect();
        const button = document.querySelector('[data-testid=event-detail] .detail-head button[title^=Close]')!;
        const close = button.getBoundingClientRect();
        const hit = document.elementFromPoint(close.x + close.width / 2, close.y + close.height / 2);
        return { panel, close, hitsClose: !!hit && (hit === button || button.contains(hit)) };
      });
      const { panel, close } = geometry;
      assert.ok(close.x >= panel.x && close.x + close.width <= panel.x + panel.width + 0.5, `${width} px, ${channel.slice(0, 30)}: ✕ at x=${close.x}, panel ${panel.x}–${panel.x + panel.width}`);
      assert.ok(close.x + close.width <= width, `✕ within the window (x=${close.x})`);
      assert.ok(geometry.hitsClose, 'nothing covers ✕');
      await h.shot(`explorer-01-detail-head-${width}${channel === SYSMON ? '' : '-long-channel'}`);
      await page.getByTestId('detail-close').click();
      assert.equal(await page.getByTestId('event-detail').count(), 0, '✕ closes the panel');
      // Escape closes it too (focus on the row it was opened from, or inside the panel).
      await page.locator('[data-testid=events-table] .vrow').first().click();
      await page.getByTestId('event-detail').locator('table.kv').waitFor();
      await page.keyboard.press('Escape');
      assert.equal(await page.getByTestId('event-detail').count(), 0, 'Escape closes the panel');
      await page.locator('[data-testid=events-table] .vrow').first().click();
      await page.getByTestId('detail-close').focus();
      await page.keyboard.press('Escape');
      assert.equal(await page.getByTestId('event-detail').count(), 0);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'row', 'focus goes back to the row');
    }
    await page.setViewportSize({ width: 1600, height: 960 });
  });

  it('finds rare event ids with the facet search, and a typed number as an event id', async () => {
    const { page } = h;
    await clearFilters();
    const facet = page.getByTestId('facet-event_id');
    await facet.getByRole('button', { name: /more$/ }).click();
    const top = await facet.locator('.facet-value').allTextContents();
    assert.ok(top.length >= 40, `${top.length} values listed`);
    for (const id of ['20', '21', '4688']) assert.ok(!top.includes(id), `${id} is not among the top values`);
    for (const id of [20, 21, 4688]) {
      await page.getByTestId('facet-search-event_id').fill(String(id));
      await facet.locator('.facet-row').first().locator('.facet-value', { hasText: new RegExp(`^${id}$`) }).waitFor();
      const n = await sql(`SELECT COUNT(*) FROM events WHERE event_id = ${id}`);
      assert.equal(await facet.locator('.facet-row').first().locator('.facet-count').textContent(), n.toLocaleString('en-US'));
    }
    // Sysmon 21 (WmiEventConsumerToFilter): search, select, and it stays listed once the search is cleared.
    await page.getByTestId('facet-search-event_id').fill('21');
    await facet.locator('.facet-row').first().locator('.facet-value', { hasText: /^21$/ }).waitFor();
    await facet.locator('.facet-row').first().click();
    await page.locator('[data-testid=chips] .chip', { hasText: 'Event ID = 21' }).waitFor();
    await waitTotal(await sql('SELECT COUNT(*) FROM events WHERE event_id = 21'));
    await h.shot('explorer-02-facet-search-21');
    await page.getByTestId('facet-search-event_id').fill('');
    await facet.locator('.facet-row.on', { hasText: '21' }).waitFor();
    assert.equal(await facet.locator('.facet-row').first().locator('.facet-value').textContent(), '21', 'a selection is listed first');
    // A number in the search box finds that event id (its events hold "4688" in no field).
    await clearFilters();
    await page.getByTestId('search').fill('4688');
    await page.getByTestId('search').press('Enter');
    await page.locator('[data-testid=chips] .chip', { hasText: 'text ∋ 4688' }).waitFor();
    await page.getByTestId('facet-search-event_id').fill('4688');
    const n4688 = await sql('SELECT COUNT(*) FROM events WHERE event_id = 4688');
    await facet.locator('.facet-row').first().locator('.facet-value', { hasText: /^4688$/ }).waitFor();
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=facet-event_id] .facet-row .facet-count')?.textContent === n.toLocaleString('en-US'),
      n4688,
    );
    await page.getByTestId('facet-search-event_id').fill('');
  });

  it('narrows time to 100 ns by typing, zooms the histogram to a selection, and keeps outliers apart', async () => {
    const { page } = h;
    await clearFilters();
    // The default window is the real events' span: the 1601 and 9999 events are counted apart.
    const whole = await wholeWindow();
    assert.ok(whole.from >= PLAUSIBLE_FROM, `window from ${new Date(whole.from).toISOString()}`);
    assert.ok(whole.to < Date.UTC(2100, 0, 1), `window to ${new Date(whole.to).toISOString()}`);
    assert.match((await page.getByTestId('outliers-before').textContent()) ?? '', /^◂ 1 before 1990-01-01$/);
    assert.match((await page.getByTestId('outliers-after').textContent()) ?? '', /^1 after \d{4}-\d{2}-\d{2} ▸$/);
    const bars = await page.locator('[data-testid=histogram] rect.bar').count();
    assert.ok(bars > 20, `${bars} bars over the real events`);
    await h.shot('explorer-03-histogram-whole');

    // Typed bounds, to 100 ns, in the forms the workbench shows times in.
    await page.getByTestId('time-from').fill('2021-03-04 05:06:07.1234567');
    await page.getByTestId('time-to').fill('2021-03-04T05:06:07.1234568Z');
    await page.getByTestId('time-apply').click();
    await waitTotal(1);
    assert.equal(await page.locator('[data-testid=events-table] .vrow .vtd').first().textContent(), '2021-03-04 05:06:07.1234567');
    await page.locator('[data-testid=chips] .chip', { hasText: 'time ∈ [2021-03-04 05:06:07.1234567, 2021-03-04 05:06:07.1234568) UTC' }).waitFor();
    await page.getByTestId('time-to').fill('2021-03-04 05:06:07.1234569 UTC');
    await page.getByTestId('time-to').press('Enter');
    await waitTotal(2);
    await h.shot('explorer-04-typed-100ns');
    await page.getByTestId('time-from').fill('2021-02-30 00:00');
    await page.getByTestId('time-apply').click();
    assert.match((await page.getByTestId('time-error').textContent()) ?? '', /From is not a UTC time/);
    assert.equal(await total(), 2, 'a bound that does not parse changes nothing');

    // Selecting on the histogram zooms it to the selection, again and again: a click takes the bar under it.
    await clearFilters();
    let win = await wholeWindow();
    /** The x of the tallest bar's middle. */
    const tallest = () =>
      page.evaluate(() => {
        const rects = Array.from(document.querySelectorAll('[data-testid=histogram] rect.bar')).map((r) => r.getBoundingClientRect());
        const r = rects.sort((a, b) => b.height - a.height)[0];
        return r.x + r.width / 2;
      });
    for (let i = 0; i < 2; i++) {
      const box = (await page.getByTestId('histogram').boundingBox())!;
      await page.mouse.click(await tallest(), box.y + 30);
      const next = await nextWindow(win);
      assert.ok(next.to - next.from < (win.to - win.from) / 20, `zoomed from ${win.to - win.from} to ${next.to - next.from} ms`);
      win = next;
      assert.ok((await total()) > 0);
    }
    assert.ok(win.to - win.from < DAY, `a window under a day: ${win.to - win.from} ms`);
    // A drag over a tenth of that window, around its tallest bar.
    const box = (await page.getByTestId('histogram').boundingBox())!;
    const mid = Math.min(Math.max(await tallest(), box.x + box.width * 0.05), box.x + box.width * 0.95);
    await page.mouse.move(mid - box.width * 0.05, box.y + 20);
    await page.mouse.down();
    await page.mouse.move(mid + box.width * 0.05, box.y + 25, { steps: 5 });
    await page.mouse.up();
    const dragged = await nextWindow(win);
    const span = win.to - win.from;
    assert.ok(Math.abs(dragged.to - dragged.from - span / 10) <= span / 100 + 2, `dragged ${dragged.to - dragged.from} of ${span} ms`);
    assert.ok((await total()) > 0);
    const chip = (await page.locator('[data-testid=chips] .chip', { hasText: 'time ∈' }).textContent()) ?? '';
    assert.ok(chip.includes(new Date(dragged.from).toISOString().slice(0, 10)), chip);
    await h.shot('explorer-05-zoomed');
    // Zoom out: four times as wide around it, the filter unchanged; Whole case: the default window.
    const filtered = await total();
    await page.getByTestId('zoom-out').click();
    const out = await nextWindow(dragged);
    assert.ok(Math.abs(out.to - out.from - 4 * (dragged.to - dragged.from)) <= 2, `zoomed out to ${out.to - out.from} ms`);
    assert.equal(await total(), filtered);
    assert.equal(await page.locator('[data-testid=histogram] rect.brush').count(), 1, 'the selection shows shaded in the wider window');
    await h.shot('explorer-06-zoomed-out');
    await page.getByTestId('zoom-reset').click();
    assert.deepEqual(await nextWindow(out), whole);

    // The outliers, one click each.
    await page.getByTestId('outliers-before').click();
    await waitTotal(1);
    assert.equal(await page.locator('[data-testid=events-table] .vrow .vtd').first().textContent(), '1601-01-01 00:00:00.0000000');
    assert.equal((await nextWindow(whole)).from, parseUtcInstant(TIMED.zeroed)!.ms);
    await h.shot('explorer-07-outlier-before');
    await page.getByTestId('outliers-after').click();
    await page.locator('[data-testid=events-table] .vrow .vtd', { hasText: '9999-12-31 23:59:59.9999999' }).waitFor();
    assert.equal(await total(), 1);
  });

  it('works from the keyboard: header buttons sort, rows take focus, Enter opens, pivots are reachable', async () => {
    const { page } = h;
    await clearFilters();
    const headers = page.locator('[data-testid=events-table] [role=columnheader]');
    assert.equal(await headers.locator('button').count(), await headers.count(), 'every column header is a button');
    // Sort by event id from the keyboard.
    const eid = headers.filter({ hasText: 'EID' });
    await eid.locator('button').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[role=columnheader][aria-sort]')?.textContent?.startsWith('EID'));
    assert.equal(await eid.getAttribute('aria-sort'), 'ascending');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[role=columnheader][aria-sort=descending]')?.textContent?.startsWith('EID'));
    await headers.filter({ hasText: 'Time (UTC)' }).locator('button').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[role=columnheader][aria-sort=ascending]')?.textContent?.startsWith('Time'));

    // Tab from the last header reaches the rows.
    await headers.last().locator('button').focus();
    await page.keyboard.press('Tab');
    const focused = () => page.evaluate(() => ({ role: document.activeElement?.getAttribute('role'), row: Number(document.activeElement?.getAttribute('data-row')) }));
    assert.deepEqual(await focused(), { role: 'row', row: 0 });
    /** Focus moves once the row is drawn. */
    const focusOn = (row: number) => page.waitForFunction((r) => document.activeElement?.getAttribute('data-row') === String(r), row);
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await focusOn(3);
    await page.keyboard.press('End');
    const n = await total();
    await focusOn(n - 1);
    await page.keyboard.press('Home');
    await focusOn(0);
    await page.keyboard.press('PageDown');
    await page.waitForFunction(() => Number(document.activeElement?.getAttribute('data-row')) > 10);
    const rowIndex = (await focused()).row - 1;
    await page.keyboard.press('ArrowUp');
    await focusOn(rowIndex);
    const rowTime = await page.locator(`[data-testid=events-table] .vrow[data-row="${rowIndex}"] .vtd`).first().textContent();

    // Enter opens the focused row; the panel follows the keyboard.
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=event-detail] .detail-meta', { hasText: `${rowTime} UTC` }).waitFor();
    await page.keyboard.press('ArrowDown');
    const nextTime = await page.locator(`[data-testid=events-table] .vrow[data-row="${rowIndex + 1}"] .vtd`).first().textContent();
    await page.locator('[data-testid=event-detail] .detail-meta', { hasText: `${nextTime} UTC` }).waitFor();

    // Tab goes on into the panel and reaches a pivot button, shown while it has focus.
    let onPivot = false;
    for (let i = 0; i < 8 && !onPivot; i++) {
      await page.keyboard.press('Tab');
      onPivot = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'pivot');
    }
    assert.ok(onPivot, 'Tab reaches a pivot button');
    const shown = await page.evaluate(() => {
      const el = document.activeElement!;
      const s = window.getComputedStyle(el.closest('.pivots')!);
      return { opacity: s.opacity, visibility: s.visibility, field: el.getAttribute('aria-label') };
    });
    assert.deepEqual([shown.opacity, shown.visibility], ['1', 'visible']);
    await h.shot('explorer-08-keyboard-pivot');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=chips] .chip').first().waitFor();
    assert.ok((await total()) > 0);
    // Escape from inside the panel closes it and puts focus back on the row.
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('event-detail').count(), 0);
    assert.equal((await focused()).role, 'row');
  });

  it('made no request the server refused, logged no error, and reached nothing outside', () => {
    assert.deepEqual(failed, []);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(h.pageErrors, []);
    assert.deepEqual(h.outside(), []);
  });
});
