/**
 * The agreement page's actions in a real browser (test/web/harness.ts): an admin takes a draft
 * agreement through submit -> approve -> activate with the confirmation dialogs, and the API then
 * holds it active; Escape and Cancel send nothing; a page made stale by someone else's change gets
 * 412 and a reload instead of a move; two versions are compared; a review is recorded through the
 * form and listed. A viewer sees the state and the timeline but no action; a customer, in Arabic,
 * sees the same without the reviews' notes. An admin adds a scheduled report e-mail through the
 * form, edits it (a stale read refused and shown again as stored, a bad day shown beside its
 * field), sends a period now and deletes it with the confirmation. axe-core finds no serious or critical violation and no page logs a console error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axe, requireBrowser, settled, text as rawText, type WebSuite, startWebSuite } from './harness.ts';

/** The text without the isolation marks (FSI, PDI) the app puts around every value in a sentence. */
const text = async (l: Parameters<typeof rawText>[0]) => (await rawText(l)).replace(/[\u2068\u2069]/g, '');

const ADMIN = { email: 'ada@northwind.test', password: 'correct horse battery staple 1' };
const VIEWER = { email: 'vic@northwind.test', password: 'correct horse battery staple 2' };
const CUSTOMER = { email: 'carl@acme.test', password: 'correct horse battery staple 3' };
const ID = 'acme-web-draft';
const NOTES = 'Targets still realistic; ask about weekend cover';

/** A draft agreement of its own, so the moves here change none of the demo's figures. */
const documentOf = (name: string) => ({
  id: ID,
  name,
  kind: 'sla',
  level: 'service',
  parties: { provider: { id: 'northwind', name: 'Northwind Services' }, customer: { id: 'acme', name: 'Acme Retail' } },
  services: ['checkout'],
  targets: [{ id: 'uptime', name: 'Monthly availability', metric: 'availability', value: 99.5, window: 'month' }],
  term: { start: '2026-01-01' },
  review: { cadence: 'yearly', owner: 'Northwind service manager' },
});

describe('the agreement page: lifecycle, versions and reviews', { skip: requireBrowser('test/web/agreement-actions.test.ts') }, () => {
  let web: WebSuite;
  const url = (path: string) => `${web.server.url}${path}`;
  const state = async () => (await web.api('GET', `/v1/agreements/${ID}`)).json.state as string;
  /** PUT the document as someone else would, with the current ETag (what makes an open page stale). */
  const putDocument = async (name: string) => {
    const etag = (await web.api('GET', `/v1/agreements/${ID}`)).json.etag as string;
    const r = await fetch(url(`/v1/agreements/${ID}`), {
      method: 'PUT',
      headers: { Authorization: `Bearer ${web.token}`, 'Content-Type': 'application/json', 'If-Match': etag },
      body: JSON.stringify(documentOf(name)),
    });
    const body = await r.text();
    assert.equal(r.status, 200, body);
    return JSON.parse(body) as { result: string };
  };
  /**
   * Signs in on the agreement's own address (a deep link survives signing in), so each person loads
   * the one page under test and not the overview first.
   */
  const openAgreement = async (who: { email: string; password: string }, lang: 'en' | 'ar' = 'en') => {
    const opened = await web.open(lang);
    const { page } = opened;
    await page.goto(url(`/agreements/${ID}`));
    await page.getByLabel(/e-mail|البريد/i).fill(who.email);
    await page.getByLabel(/^password$|^كلمة المرور$/i).fill(who.password);
    await page.getByRole('button', { name: /sign in|تسجيل الدخول/i }).click();
    await page.locator('#lifecycle').waitFor();
    await settled(page);
    opened.errors.length = 0; // signed out, the app's GET /v1/session answered 401, which Chromium logs
    return opened;
  };
  const lifecycle = (page: Page) => page.locator('#lifecycle');
  const openMove = async (page: Page, name: string) => {
    await lifecycle(page).getByRole('button', { name, exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    return dialog;
  };
  const done = (page: Page, state: string) =>
    lifecycle(page)
      .locator('.alert-ok')
      .filter({ hasText: new RegExp(`is now \u2068?${state}\u2069?\\.`) })
      .waitFor();

  before(async () => {
    web = await startWebSuite();
    await web.person(ADMIN, 'admin');
    await web.person(VIEWER, 'viewer');
    await web.person(CUSTOMER, 'customer', 'acme');
    const created = await web.api('PUT', `/v1/agreements/${ID}`, documentOf('Acme web checkout'));
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal(created.json.agreement.state, 'draft');
  });

  after(async () => {
    await web?.stop();
  });

  test('an admin submits, approves and activates with confirmations; Escape, Cancel and a stale page change nothing', async () => {
    const { ctx, page, errors } = await openAgreement(ADMIN);
    await lifecycle(page).getByRole('button', { name: 'Submit for review' }).waitFor();
    assert.match(await text(lifecycle(page).locator('dl')), /Draft/);

    // Escape: the dialog closes, focus goes back to the button, and the agreement is still a draft.
    let dialog = await openMove(page, 'Submit for review');
    assert.match(await text(dialog), /cannot be changed while it is in review/);
    assert.ok(await page.evaluate(() => !!(globalThis as any).document.activeElement?.closest('dialog')), 'focus moves into the dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent), 'Submit for review');
    assert.equal(await state(), 'draft');

    // Someone else edits the draft while the page is open: the move is refused (412) and the page says to reload.
    assert.equal((await putDocument('Acme web checkout (edited)')).result, 'updated');
    dialog = await openMove(page, 'Submit for review');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog
      .getByRole('alert')
      .filter({ hasText: /out of date/ })
      .waitFor();
    assert.equal(await state(), 'draft');
    const stale = errors.findIndex((e) => /status of 412/.test(e));
    if (stale >= 0) errors.splice(stale, 1); // Chromium logs the refused request
    await dialog.getByRole('button', { name: 'Reload' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('main h1').filter({ hasText: '(edited)' }).waitFor();

    // Submit, confirmed.
    dialog = await openMove(page, 'Submit for review');
    await dialog.getByLabel('Reason (optional)').fill('Ready for signature');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await done(page, 'In review');
    assert.equal(await state(), 'in_review');

    // Approve: Cancel sends nothing; then both signatures and the term, confirmed.
    dialog = await openMove(page, 'Approve');
    await dialog.getByRole('group', { name: 'Signed for the provider' }).getByLabel('Name of the signatory').fill('Nora North');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await state(), 'in_review');
    dialog = await openMove(page, 'Approve');
    await dialog.getByRole('group', { name: 'Signed for the provider' }).getByLabel('Name of the signatory').fill('Nora North');
    await dialog.getByRole('group', { name: 'Signed for the provider' }).getByLabel('Title (optional)').fill('Head of service');
    await dialog.getByRole('group', { name: 'Signed for the customer' }).getByLabel('Name of the signatory').fill('Carl Acme');
    assert.deepEqual(await axe(page), [], 'axe with the approval dialog open');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await done(page, 'Approved');
    assert.equal(await state(), 'approved');

    // Activate.
    dialog = await openMove(page, 'Activate');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await done(page, 'Active');
    assert.equal(await state(), 'active');
    const lc = (await web.api('GET', `/v1/agreements/${ID}/lifecycle`)).json;
    assert.deepEqual(
      lc.transitions.map((t: { action: string }) => t.action),
      ['submit', 'approve', 'activate'],
    );
    assert.deepEqual(
      lc.transitions[1].signatures.map((s: { party: string; name: string }) => `${s.party}:${s.name}`),
      ['provider:Nora North', 'customer:Carl Acme'],
    );
    // The page shows the new state, the moves from it, and the timeline with who signed.
    await lifecycle(page).getByRole('button', { name: 'Suspend' }).waitFor();
    const timeline = await text(lifecycle(page).locator('.lc-timeline'));
    assert.match(timeline, /Submit for review.*Draft → In review/);
    assert.match(timeline, /Reason: Ready for signature/);
    assert.match(timeline, /Provider: signed by .*Nora North.*Head of service/);
    assert.match(timeline, /Activate.*Approved → Active/);
    assert.equal(await lifecycle(page).getByRole('button', { name: 'Submit for review' }).count(), 0);

    // An amendment made elsewhere: recording the review below reads the page again, and then
    // versions 1 and 2 compare field by field.
    assert.equal((await putDocument('Acme web checkout (amended)')).result, 'amended');

    // A review through the form: listed with its notes, and held by the API.
    const reviews = page.locator('#reviews');
    await reviews.getByLabel('Notes (internal: customers do not see them)').fill(NOTES);
    await reviews.getByRole('button', { name: 'Record the review' }).click();
    await reviews
      .locator('.alert-ok')
      .filter({ hasText: /is recorded/ })
      .waitFor();
    await reviews.locator('tbody tr').filter({ hasText: NOTES }).waitFor();
    assert.match(await text(reviews.locator('tbody tr').first()), /Kept as it is/);
    const held = (await web.api('GET', `/v1/agreements/${ID}/reviews`)).json;
    assert.deepEqual(
      held.reviews.map((r: { outcome: string; notes?: string }) => [r.outcome, r.notes]),
      [['kept', NOTES]],
    );
    assert.ok(held.next?.due, 'the API gives the next review date');

    const versions = page.locator('#versions');
    await versions.getByLabel('From version').selectOption('1');
    await versions.getByLabel('To version').selectOption('2');
    await versions.getByRole('button', { name: 'Show the changes' }).click();
    const row = versions.locator('tbody tr').filter({ hasText: 'name' });
    await row.waitFor();
    assert.match(await text(row), /changed/);
    assert.match(await text(row.locator('.vd-before')), /Acme web checkout \(edited\)/);
    assert.match(await text(row.locator('.vd-after')), /Acme web checkout \(amended\)/);
    assert.deepEqual(await axe(page), [], 'axe on the active agreement with its diff');
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  test('a viewer sees the state and the timeline, a back-dated move marked, but no action; the server refuses a move anyway', async () => {
    // A suspension recorded after it took effect (over the API, as an integration would): back-dated.
    const activated = (await web.api('GET', `/v1/agreements/${ID}/lifecycle`)).json.transitions.at(-1).at as string;
    const suspended = await web.api('POST', `/v1/agreements/${ID}/transitions`, {
      to: 'suspended',
      reason: 'Payment overdue',
      at: new Date(Date.parse(activated) + 1).toISOString(),
    });
    assert.equal(suspended.status, 200, JSON.stringify(suspended.json));
    assert.equal(suspended.json.transition.backdated, true);
    const { ctx, page, errors } = await openAgreement(VIEWER);
    await lifecycle(page).locator('.lc-timeline li').nth(1).waitFor();
    assert.match(await text(lifecycle(page).locator('dl')), /Suspended/);
    const backdated = await text(lifecycle(page).locator('.lc-timeline li.lc-backdated'));
    assert.match(backdated, /Suspend.*Active → Suspended/);
    assert.match(backdated, /Back-dated.*recorded/);
    assert.match(backdated, /Reason: Payment overdue/);
    assert.equal(await lifecycle(page).getByRole('button').count(), 0);
    assert.equal(await page.locator('#reviews form').count(), 0);
    assert.match(await text(page.locator('#reviews')), new RegExp(NOTES.slice(0, 20)));
    // Scheduled reports say where reports go and to whom: only the roles that may read channels see them.
    assert.equal(await page.locator('#report-schedules').count(), 0);
    assert.deepEqual(await axe(page), []);
    // What the page does not offer, the server refuses: the viewer's own session, CSRF token and all.
    const refused = await page.evaluate(async (id) => {
      const s = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const r = await fetch(`/v1/agreements/${id}/transitions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrfToken },
        body: JSON.stringify({ to: 'active' }),
      });
      return r.status;
    }, ID);
    assert.equal(refused, 403);
    assert.deepEqual(
      errors.filter((e) => !/status of 403/.test(e)),
      [],
    );
    assert.equal(await state(), 'suspended');
    await ctx.close();
  });

  test('a customer, in Arabic: the state and timeline right to left, no action, no review notes', async () => {
    const { ctx, page, errors } = await openAgreement(CUSTOMER, 'ar');
    await page.locator('#reviews tbody tr').first().waitFor();
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    const lc = await text(lifecycle(page));
    assert.match(lc, /دورة الحياة/);
    assert.match(lc, /معلّقة/);
    assert.match(lc, /إرسال للمراجعة/);
    assert.match(lc, /بأثر رجعي/);
    assert.equal(await lifecycle(page).getByRole('button').count(), 0);
    const rv = await text(page.locator('#reviews'));
    assert.match(rv, /أُبقيت كما هي/);
    assert.ok(!rv.includes(NOTES), 'a customer sees no review notes');
    assert.equal(await page.locator('#report-schedules').count(), 0, 'a customer sees no scheduled reports');
    assert.equal(await page.locator('#reviews form').count(), 0);
    // No English from these sections' own strings.
    for (const english of [
      'Lifecycle',
      'Timeline',
      'Draft',
      'Active',
      'Suspended',
      'Back-dated',
      'Submit',
      'Reviews',
      'Next review',
      'Held by',
      'Kept',
      'Versions',
      'Compare',
    ])
      assert.ok(!`${lc}\n${rv}\n${await text(page.locator('#versions'))}`.includes(english), `English "${english}" on the Arabic page`);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  test('scheduled reports: an admin adds one through the form, edits it (stale, then a bad day shown beside it), sends a period now, deletes it', async () => {
    // The demo without live activity has no e-mail channel: one, as an administrator would add it.
    const channel = {
      kind: 'email',
      settings: {
        from: 'Reports <reports@northwind.test>',
        to: ['ops@northwind.test'],
        smtp: { host: '127.0.0.1', port: 2525, security: 'none' },
      },
    };
    const made = await web.api('PUT', '/v1/channels/reports-mail', channel);
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const SCHEDULE = `${ID}-monthly`;
    const stored = async () => (await web.api('GET', `/v1/report-schedules/${SCHEDULE}`)).json;
    const { ctx, page, errors } = await openAgreement(ADMIN);
    const section = page.locator('#report-schedules');
    const day = section.getByLabel('Day of the month');
    const save = () => section.getByRole('button', { name: 'Save' }).click();
    const said = (text: RegExp) => section.locator('.alert-ok').filter({ hasText: text }).waitFor();

    // Added through the form (the channel offered is the e-mail one), then listed.
    await section.getByText('No scheduled report sends this agreement’s report.').waitFor();
    await section.getByRole('button', { name: 'Add a scheduled report' }).click();
    assert.equal(await section.getByLabel('E-mail channel').inputValue(), 'reports-mail');
    await day.fill('3');
    await section.getByLabel('Recipients').fill('cto@acme.test\nvendor@acme.test');
    await save();
    await said(/is added/);
    const row = section.locator('tbody tr').filter({ hasText: SCHEDULE });
    const shown = await text(row);
    assert.match(shown, /Monthly.*day 3 at 06:00/);
    assert.match(shown, /via reports-mail.*cto@acme\.test.*vendor@acme\.test/);
    assert.match(shown, /English.*PDF/);
    assert.match(shown, /sends \d{4}-\d{2}/);
    const first = await stored();
    assert.deepEqual(
      [first.spec.agreement, first.spec.day, first.spec.recipients, first.spec.channel],
      [ID, 3, ['cto@acme.test', 'vendor@acme.test'], 'reports-mail'],
    );

    // Edited while someone else changes it: refused (412), and the form shows the stored version.
    await row.getByRole('button', { name: new RegExp(`^Edit \u2068?${SCHEDULE}`) }).click();
    const other = await fetch(url(`/v1/report-schedules/${SCHEDULE}`), {
      method: 'PUT',
      headers: { Authorization: `Bearer ${web.token}`, 'Content-Type': 'application/json', 'If-Match': first.etag },
      body: JSON.stringify({ ...first.spec, recipients: [...first.spec.recipients, 'cfo@acme.test'] }),
    });
    assert.equal(other.status, 200, await other.text());
    await day.fill('5');
    await save();
    await section.getByRole('alert').filter({ hasText: 'Someone changed this schedule' }).waitFor();
    assert.match(await section.getByLabel('Recipients').inputValue(), /cfo@acme\.test/);

    // A bad day: the server's refusal beside that field, and only there; nothing stored.
    await day.fill('40');
    await save();
    await section.locator('.field-error').first().waitFor();
    assert.equal(await day.getAttribute('aria-invalid'), 'true');
    assert.match(await text(page.locator(`[id="${await day.getAttribute('id')}-err"]`)), /28/);
    assert.equal(await section.locator('.field-error').count(), 1, 'only the day is wrong');
    assert.equal((await stored()).spec.day, 3);
    assert.deepEqual(await axe(page), [], 'axe with the list and the form showing an error');

    await day.fill('5');
    await save();
    await said(/is saved/);
    const edited = (await stored()).spec;
    assert.deepEqual([edited.day, edited.recipients.length], [5, 3], 'the other change is kept');

    // Send a past period now: the dialog names the period; the run is scheduled.
    await row.getByRole('button', { name: new RegExp(`^Send now: \u2068?${SCHEDULE}`) }).click();
    let dialog = page.getByRole('dialog');
    const period = await dialog.getByLabel('Period').inputValue();
    await dialog.getByRole('button', { name: 'Send', exact: true }).click();
    await said(new RegExp(`report for \u2068?${period}`));

    // Delete, confirmed in a dialog.
    await row.getByRole('button', { name: new RegExp(`^Delete \u2068?${SCHEDULE}`) }).click();
    dialog = page.getByRole('dialog');
    assert.match(await text(dialog), /Nothing more is sent/);
    await dialog.getByRole('button', { name: 'Delete it' }).click();
    await said(/is deleted/);
    assert.equal((await web.api('GET', `/v1/report-schedules/${SCHEDULE}`)).status, 404);
    // Chromium logs the refused requests (412, 422); nothing else.
    assert.deepEqual(
      errors.filter((e) => !/status of (412|422)/.test(e)),
      [],
    );
    await ctx.close();
  });
});
