/**
 * The Case screen keeping the analyst's work, in a real browser against the web shell: Save as…
 * asks before replacing a file and never replaces a read-only one or evidence; opening another
 * case (a path, an uploaded file) asks when the case has unsaved changes; a case opened from an
 * upload says it has no file on the server, and Save asks where to put it. Screenshots go to test-artifacts/.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { browserAvailable, CORPUS, startHarness, type Harness } from './harness';

declare const document: { querySelector(s: string): { textContent: string | null } | null };

const PERSISTENCE = path.join(CORPUS, 'evtx/attack-samples/Persistence');

describe('Case screen: saving, opening, uploaded cases (web shell)', { skip: !browserAvailable() && 'chromium or the built renderer is missing' }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('case-screen');
  });
  after(async () => {
    await h?.close();
  });

  const text = async (id: string) => (await h.page.getByTestId(id).textContent()) ?? '';
  const events = async () => Number((await text('case-events')).replace(/,/g, ''));
  const importPath = async (p: string) => {
    await h.page.getByTestId('import-paths').click();
    await h.page.getByTestId('path-input').fill(p);
    await h.page.getByTestId('path-submit').click();
    const before = await events();
    await h.page.locator('.badge.done').waitFor({ timeout: 60_000 });
    await h.page.waitForFunction((n) => Number(document.querySelector('[data-testid=case-events]')?.textContent?.replace(/,/g, '')) > n, before);
  };
  /** Fill the open prompt (Save as…, Open…) and submit it. */
  const submitPath = async (button: string, p: string) => {
    if (!(await h.page.getByTestId('path-input').isVisible())) await h.page.getByTestId(button).click();
    await h.page.getByTestId('path-input').fill(p);
    await h.page.getByTestId('path-submit').click();
  };
  /** Wait (5 s at most) until `n` dialogs have been seen, and no more. */
  const waitDialogs = async (n: number) => {
    for (let i = 0; i < 100 && h.dialogs.length < n; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.dialogs.length, n, h.dialogs.join('\n'));
  };

  it('Save as asks before replacing, never replaces a read-only file or evidence; case files are 0600', async () => {
    const { page } = h;
    // Evidence named like a case file (a copy of a corpus log: the corpus stays untouched).
    const ev = path.join(h.tmp, 'consumer.wmicase');
    copyFileSync(path.join(PERSISTENCE, 'sysmon_20_21_1_CommandLineEventConsumer.evtx'), ev);
    chmodSync(ev, 0o644);
    const evBytes = readFileSync(ev);
    await page.goto(h.web.url);
    await page.getByTestId('case-screen').waitFor();
    await importPath(ev);

    // Save (a new case): asks where; the file is the owner's only.
    const a = path.join(h.tmp, 'a.wmicase');
    await page.getByTestId('case-save').click();
    await submitPath('case-save-as', a);
    await page.waitForFunction((f) => document.querySelector('[data-testid=case-path]')?.textContent === f, a);
    assert.equal(statSync(a).mode & 0o777, 0o600);
    const aBytes = readFileSync(a);

    // Save as… onto it: a question; No keeps the file and the prompt.
    await page.getByTestId('case-save-as').click();
    await submitPath('case-save-as', a);
    await waitDialogs(1);
    assert.match(h.dialogs[0], /^confirm: .*a\.wmicase already exists\. Replace it\?$/);
    assert.ok(readFileSync(a).equals(aBytes));
    assert.ok(await page.getByTestId('path-input').isVisible(), 'the prompt stays to choose another name');
    await h.shot('case-01-save-as-asks');
    // Yes replaces it.
    h.answers.push('accept');
    await page.getByTestId('path-submit').click();
    await waitDialogs(2);
    await page.getByTestId('path-input').waitFor({ state: 'hidden' });
    assert.equal(statSync(a).mode & 0o777, 0o600);

    // A read-only file and the case's evidence: refused, no question, unchanged.
    const ro = path.join(h.tmp, 'ro.wmicase');
    writeFileSync(ro, 'an older case, kept read-only');
    chmodSync(ro, 0o444);
    await page.getByTestId('case-save-as').click();
    await submitPath('case-save-as', ro);
    await page.getByTestId('error-bar').filter({ hasText: 'read-only; it is never replaced' }).waitFor();
    assert.equal(readFileSync(ro, 'utf8'), 'an older case, kept read-only');
    await page.getByTestId('error-bar').getByRole('button', { name: 'Dismiss' }).click();
    await submitPath('case-save-as', ev);
    await page.getByTestId('error-bar').filter({ hasText: 'evidence of this case; it is never replaced' }).waitFor();
    await h.shot('case-02-evidence-refused');
    assert.ok(readFileSync(ev).equals(evBytes), 'the evidence is unchanged');
    assert.equal(h.dialogs.length, 2);
    await page.getByTestId('error-bar').getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('Open… and an uploaded case file ask before replacing unsaved changes, as New case does', async () => {
    const { page } = h;
    const a = path.join(h.tmp, 'a.wmicase');
    await importPath(path.join(PERSISTENCE, 'wmighost_sysmon_20_21_1.evtx'));
    const before = await events();
    const asked = h.dialogs.length;

    await page.getByTestId('case-open').click();
    await submitPath('case-open', a);
    await waitDialogs(asked + 1);
    assert.match(h.dialogs[asked], /^confirm: The case has unsaved changes\. Open another case anyway\?$/);
    assert.equal(await events(), before, 'No keeps the case');
    assert.equal(await text('case-state'), 'unsaved changes');

    await page.getByTestId('case-file-input').setInputFiles(a);
    await waitDialogs(asked + 2);
    assert.match(h.dialogs[asked + 1], /^confirm: The case has unsaved changes\. Open another case anyway\?$/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await events(), before, 'No keeps the case');
    assert.equal(await text('case-path'), a);

    h.answers.push('dismiss');
    await page.getByTestId('case-new').click();
    await waitDialogs(asked + 3);
    assert.match(h.dialogs[asked + 2], /^confirm: The case has unsaved changes\. Start a new case anyway\?$/);
    assert.equal(await events(), before);
  });

  it('a case opened from an upload says it has no file on the server; Save asks where; Download keeps working', async () => {
    const { page } = h;
    const a = path.join(h.tmp, 'a.wmicase');
    const asked = h.dialogs.length;
    h.answers.push('accept');
    await page.getByTestId('case-file-input').setInputFiles(a);
    await page.getByTestId('case-upload-note').waitFor();
    assert.equal(h.dialogs.length, asked + 1);
    assert.equal(await text('case-path'), 'a.wmicase');
    assert.match(await text('case-upload-note'), /uploaded copy: it has no file on the server.*deleted when the workbench stops/);
    assert.equal(await text('case-state'), 'as uploaded: not saved on the server');
    assert.equal(await text('case-name'), 'a.wmicase (uploaded copy)');
    const opened = await events();
    assert.ok(opened > 0);
    assert.equal(await page.getByTestId('path-input').count(), 0, 'the open prompt closed');
    await h.shot('case-03-uploaded-copy');

    // Save asks where (it had saved into the uploads folder, deleted when the server stops).
    const uploads = path.join(h.tmp, 'uploads');
    const filesIn = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesIn(path.join(d, e.name)) : [e.name]));
    const uploaded = filesIn(uploads).sort();
    await page.getByTestId('case-save').click();
    await page.getByTestId('path-input').waitFor();
    assert.match((await page.locator('.prompt label').textContent()) ?? '', /Save the case to/);
    assert.deepEqual(filesIn(uploads).sort(), uploaded, 'nothing written in the uploads folder');
    assert.equal(await text('case-path'), 'a.wmicase');
    await h.shot('case-04-uploaded-save-asks');

    const download = page.waitForEvent('download');
    await page.getByTestId('case-download').click();
    const d = await download;
    assert.equal(d.suggestedFilename(), 'a.wmicase');
    const got = await d.path();
    assert.ok(got && readFileSync(got).subarray(0, 15).toString() === 'SQLite format 3');

    const b = path.join(h.tmp, 'b.wmicase');
    await submitPath('case-save', b);
    await page.waitForFunction((f) => document.querySelector('[data-testid=case-path]')?.textContent === f, b);
    assert.equal(await page.getByTestId('case-upload-note').count(), 0);
    assert.equal(await text('case-state'), 'saved');
    assert.equal(statSync(b).mode & 0o777, 0o600);
    assert.ok(existsSync(b));
    assert.deepEqual(h.outside(), [], 'no request left 127.0.0.1');
    assert.deepEqual(h.pageErrors, []);
  });
});
