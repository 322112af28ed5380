/**
 * A tab without this run's token (a second tab: the token is taken out of the address bar; a
 * tab whose server restarted) says it has no access and how to get it, and shows no case.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ARTIFACTS, browserAvailable, startHarness, type Harness } from './harness';

declare const sessionStorage: { setItem(k: string, v: string): void };

describe('a tab without access (web shell)', { skip: !browserAvailable() && 'chromium or the built renderer is missing' }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('app');
  });
  after(async () => {
    await h?.close();
  });

  it('a second tab on the address the first one shows: no access, how to get it, no empty case', async () => {
    await h.page.goto(h.web.url);
    await h.page.getByTestId('case-screen').waitFor();
    const address = h.page.url();
    assert.ok(!address.includes('token='));
    const second = await h.context.newPage();
    const errors: string[] = [];
    second.on('pageerror', (e) => errors.push(String(e)));
    await second.goto(address);
    await second.getByTestId('no-access').waitFor();
    const text = (await second.getByTestId('no-access').textContent()) ?? '';
    assert.match(text, /This tab has no access to the workbench/);
    assert.match(text, /wmi-workbench serve/);
    assert.ok(text.includes(`http://127.0.0.1:${h.web.port}/?token=…`), text);
    assert.equal(await second.getByTestId('case-screen').count(), 0, 'no case is shown');
    assert.equal(await second.getByTestId('case-name').count(), 0);
    assert.doesNotMatch((await second.locator('body').textContent()) ?? '', /0 events|saved|missing or wrong token/);
    await second.screenshot({ path: path.join(ARTIFACTS, 'app-01-second-tab.png') });
    await second.close();
    assert.deepEqual(errors, []);
    // The first tab goes on.
    await h.page.reload();
    await h.page.getByTestId('case-screen').waitFor();
  });

  it('a tab holding a token the server does not take (an earlier run) says the same', async () => {
    const tab = await h.context.newPage();
    await tab.goto(h.web.url);
    await tab.getByTestId('case-screen').waitFor();
    await tab.evaluate(() => sessionStorage.setItem('wmi-workbench-token', 'from-an-earlier-run'));
    await tab.reload();
    await tab.getByTestId('no-access').waitFor();
    assert.equal(await tab.getByTestId('case-screen').count(), 0);
    await tab.close();
    assert.deepEqual(h.pageErrors, []);
  });
});
