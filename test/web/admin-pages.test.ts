/**
 * The admin pages in a browser (web/src/pages/Calendars.tsx, People.tsx), against a real
 * `pledge serve --demo` (test/web/harness.ts):
 *
 * - the calendar list and a demo calendar's page: zone, working week, a holiday of the demo data in
 *   the month and the year list, the agreements whose targets use it;
 * - the admin adds a holiday through the form (reviewed, then confirmed), and the stored calendar
 *   then has it, its comments kept; an impossible date is refused with the error beside the field;
 * - the admin invites a person: the link shown is accepted over the API and the person signs in;
 *   the admin creates a token: the secret shown reads GET /v1/agreements, and revoked it answers 401;
 * - monitoring: the admin adds an HTTP monitor of a local endpoint through the form (a bad URL
 *   refused beside its field), sees it up in the table, edits it without retyping its redacted
 *   header (the next check still sends the header's value), pauses and resumes it, and deletes it;
 *   a heartbeat monitor's push URL, shown once, records a beat;
 * - a viewer sees the calendars without forms and has no People or Monitoring page (the server refuses it the
 *   writes anyway); a customer has neither in its navigation and /people is not found;
 * - no console errors, no serious or critical axe violations, English and Arabic (dir=rtl, none of
 *   these pages' English strings left in the Arabic page).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { en } from '../../web/src/i18n/en.ts';
import { axe, requireBrowser, settled, text, type WebSuite, startWebSuite } from './harness.ts';

const ADMIN = { email: 'ada@northwind.test', password: 'correct horse battery staple 1' };
const VIEWER = { email: 'vic@northwind.test', password: 'correct horse battery staple 2' };
const CUSTOMER = { email: 'cora@acme.test', password: 'correct horse battery staple 3' };
const INVITED = { email: 'nia@northwind.test', password: 'correct horse battery staple 4' };

/** Chromium logs a refused request ("status of 422") as a console error; those the test provokes are expected. */
const unexpected = (errors: string[], ...statuses: number[]) => errors.filter((e) => !statuses.some((s) => e.includes(`status of ${s}`)));

/** The English strings these pages added (those long enough not to be a holiday's own name). */
const OWN_ENGLISH = Object.entries(en)
  .filter(([k, v]) => /^(cal|people|mon)\./.test(k) && !v.includes('{') && v.includes(' '))
  .map(([, v]) => v);

describe('the admin pages in a browser', { skip: requireBrowser('test/web/admin-pages.test.ts') }, () => {
  let web: WebSuite;
  const url = (path: string) => web.server.url + path;

  before(async () => {
    web = await startWebSuite();
    await web.person(ADMIN, 'admin');
    await web.person(VIEWER, 'viewer');
    await web.person(CUSTOMER, 'customer', 'acme');
  });

  after(async () => {
    await web?.stop();
  });

  const signedIn = async (who: typeof ADMIN, lang: 'en' | 'ar' = 'en') => {
    const o = await web.open(lang);
    await web.signIn(o.page, who);
    o.errors.length = 0; // signed out, the app's GET /v1/session answered 401, which Chromium logs
    return o;
  };
  const go = async (page: Page, path: string) => {
    await page.goto(url(path));
    await settled(page);
  };

  test('calendars: the list, a demo calendar with its holidays, and adding a holiday through the form', async () => {
    const { ctx, page, errors } = await signedIn(ADMIN);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Calendars' }).click();
    await page.waitForURL(/\/calendars$/);
    await settled(page);
    const list = page.locator('main table');
    for (const name of ['Berlin office', 'New York support', 'Munich office', '24x7'])
      assert.match(await text(list), new RegExp(name), `the list shows ${name}`);
    assert.match(await text(list), /Europe\/Berlin/);
    assert.deepEqual(await axe(page), [], 'axe on /calendars');

    await page.getByRole('link', { name: 'Berlin office' }).click();
    await page.waitForURL(/\/calendars\/berlin-office$/);
    await settled(page);
    assert.match(await text(page.locator('main h1')), /Berlin office/);
    assert.match(await text(page.locator('main dl')), /Europe\/Berlin/);
    // The week: Tuesday has a lunch break, Saturday is closed.
    const week = page.locator('#cal-week tbody tr');
    assert.match(await text(week.nth(1)), /Tuesday\s*09:00–12:00, 13:00–17:00\s*7h/);
    assert.match(await text(week.nth(5)), /Saturday\s*closed/);
    assert.match(await text(page.locator('#cal-week tfoot')), /A week\s*39h/);
    // December 2026 of the demo calendar: Christmas Day (a yearly holiday), Christmas Eve afternoon closed.
    await go(page, '/calendars/berlin-office?month=2026-12');
    const day = (d: string) => page.locator(`#cal-month td[data-date="${d}"]`);
    assert.equal(await day('2026-12-25').getAttribute('class'), 'cal-day cal-holiday');
    assert.match(await text(day('2026-12-25')), /Christmas Day/);
    assert.equal(await day('2026-12-24').getAttribute('class'), 'cal-day cal-closure');
    assert.equal(await day('2026-12-23').getAttribute('class'), 'cal-day cal-working');
    assert.equal(await day('2026-12-27').getAttribute('class'), 'cal-day cal-closed');
    const years = await text(page.locator('#cal-years'));
    assert.match(years, /Fri, 3 April 2026\s*holiday\s*Good Friday/, 'a dated holiday of the demo data, its date through Intl');
    assert.match(years, /Fri, 25 December 2026\s*holiday\s*Christmas Day\s*every year/);
    // The corporate agreement measures its targets in the office calendar; its children inherit them.
    assert.match(await text(page.locator('#cal-used')), /Northwind standard service terms/);
    await page.getByRole('button', { name: 'Previous month' }).click();
    await page.waitForURL(/month=2026-11$/);
    assert.match(await text(page.locator('#cal-month')), /November 2026/);
    assert.deepEqual(await axe(page), [], 'axe on a calendar');

    // An impossible date: the server's error is shown beside the date field, and nothing is stored.
    const before = (await web.api('GET', '/v1/calendars/berlin-office')).json;
    const form = page.locator('#cal-add');
    const date = form.getByRole('textbox', { name: 'Date' });
    await date.fill('2026-02-30');
    await form.getByRole('textbox', { name: 'Name (optional)' }).fill('No such day');
    await form.getByRole('button', { name: 'Review' }).click();
    await form.getByRole('button', { name: 'Add it' }).click();
    await form.locator('.field-error').waitFor();
    assert.match(await text(form.locator('.field-error')), /impossible date/);
    assert.equal(await date.getAttribute('aria-invalid'), 'true');
    const described = (await date.getAttribute('aria-describedby')) ?? '';
    assert.ok(
      described.split(' ').includes((await form.locator('.field-error').getAttribute('id')) ?? '-'),
      'the error is tied to the field',
    );
    assert.equal((await web.api('GET', '/v1/calendars/berlin-office')).json.etag, before.etag);

    // A real day, with the keyboard: review, then confirm in the panel that takes the focus.
    await date.fill('2026-12-30');
    await form.getByRole('textbox', { name: 'Name (optional)' }).fill('Year-end inventory');
    await form.getByRole('textbox', { name: 'Name (optional)' }).press('Enter');
    const confirm = form.getByRole('region', { name: /Add the holiday/ });
    await confirm.waitFor();
    assert.match(await text(confirm), /Year-end inventory.*Wed, 30 December 2026.*berlin-office/);
    assert.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.tagName), 'SECTION');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'is now a holiday in' }).waitFor();
    await page.waitForURL(/month=2026-12$/);
    await settled(page);
    await page.locator('#cal-month td[data-date="2026-12-30"].cal-holiday').waitFor();
    const stored = (await web.api('GET', '/v1/calendars/berlin-office')).json;
    assert.notEqual(stored.etag, before.etag);
    assert.match(stored.source, /- \{ date: 2026-12-30, name: Year-end inventory \}/);
    assert.match(stored.source, /^# Office hours of a Berlin service desk/, 'the comments are kept');
    assert.match(stored.source, /Christmas Eve/, 'the other entries are kept');
    assert.deepEqual(unexpected(errors, 422), []);
    await ctx.close();
  });

  test('people: invite a person whose link works, create a token whose secret works, revoke it', async () => {
    const { ctx, page, errors } = await signedIn(ADMIN);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
    await page.waitForURL(/\/people$/);
    await settled(page);
    const logins = page.locator('#people-logins table');
    assert.match(await text(logins.locator(`tr[data-email="${ADMIN.email}"]`)), /administrator\s*–\s*signs in/);
    assert.match(await text(logins.locator(`tr[data-email="${CUSTOMER.email}"]`)), /customer\s*acme/);
    assert.deepEqual(await axe(page), [], 'axe on /people');

    // Bad input: each error beside its field.
    const invite = page.locator('#people-logins form');
    await invite.getByRole('textbox', { name: 'E-mail' }).fill('not an address');
    await invite.getByRole('combobox', { name: 'Role' }).selectOption('customer');
    await invite.getByRole('button', { name: 'Invite' }).click();
    await invite.locator('.field-error').nth(1).waitFor();
    assert.deepEqual(
      (await invite.locator('.field-error').allTextContents()).map((s) => s.replace(/^✕ /, '')),
      ['Invalid email address', 'a customer login names the customer it may see'],
    );
    assert.equal(await invite.getByRole('textbox', { name: 'Customer' }).getAttribute('aria-invalid'), 'true');

    await invite.getByRole('textbox', { name: 'E-mail' }).fill(INVITED.email);
    await invite.getByRole('combobox', { name: 'Role' }).selectOption('viewer');
    await invite.getByRole('button', { name: 'Invite' }).click();
    const done = page.locator('#people-logins [role=status]').filter({ hasText: 'is invited' });
    await done.waitFor();
    assert.match(await text(done), /shown only now/);
    const link = await done.getByRole('textbox', { name: 'One-time link' }).inputValue();
    assert.match(link, new RegExp(`^${web.server.url}/invite/[^/]+$`));
    await logins.locator(`tr[data-email="${INVITED.email}"]`).filter({ hasText: 'has not chosen a password' }).waitFor();
    const token = link.split('/invite/')[1] ?? '';
    const accepted = await fetch(url(`/v1/invites/${token}/accept`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: INVITED.password }),
    });
    assert.equal(accepted.status, 200, 'the link shown accepts the invitation');
    const session = await fetch(url('/v1/session'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(INVITED),
    });
    assert.equal(session.status, 200, 'the invited person signs in');
    assert.equal(((await session.json()) as any).user.role, 'viewer');

    // A token: its secret is shown once and works; revoked (asked first), it is refused.
    const tokens = page.locator('#people-tokens');
    const form = tokens.locator('form');
    await form.getByRole('textbox', { name: /^Token/ }).fill('ci smoke');
    await form.getByRole('combobox', { name: 'Role' }).selectOption('viewer');
    await form.getByRole('combobox', { name: 'Expires after' }).selectOption('7');
    await form.getByRole('button', { name: 'Create token' }).click();
    const created = tokens.locator('[role=status]').filter({ hasText: 'ci smoke' });
    await created.waitFor();
    assert.match(await text(created), /you will not see it again/);
    const secret = await created.getByRole('textbox', { name: 'Secret' }).inputValue();
    const read = (s: string) => fetch(url('/v1/agreements'), { headers: { Authorization: `Bearer ${s}` } });
    assert.equal((await read(secret)).status, 200, 'the secret shown reads the agreements');
    const row = tokens.locator('tbody tr').filter({ hasText: 'ci smoke' });
    await row.filter({ hasText: 'active' }).waitFor();
    await row.getByRole('button', { name: /^Revoke \u2068?ci smoke\u2069?$/ }).click();
    const confirm = tokens.getByRole('region', { name: /Revoke the token \u2068?ci smoke/ });
    await confirm.waitFor();
    assert.equal((await read(secret)).status, 200, 'nothing is revoked before it is confirmed');
    await confirm.getByRole('button', { name: 'Revoke it' }).click();
    await row.filter({ hasText: 'revoked' }).waitFor();
    assert.equal(await row.getByRole('button').count(), 0, 'a revoked token offers no revoke');
    assert.equal((await read(secret)).status, 401, 'the revoked secret is refused');
    assert.deepEqual(await axe(page), [], 'axe on /people after the forms were used');
    assert.deepEqual(unexpected(errors, 422), []);
    await ctx.close();
  });

  test('monitoring: an HTTP monitor added through the form is checked and shown up; edited, paused, resumed, deleted; a heartbeat push URL', async () => {
    // The endpoint the monitor checks: a real local server, which records each check's header.
    const probes: IncomingHttpHeaders[] = [];
    let probed = () => {};
    const endpoint = createServer((req, res) => {
      probes.push(req.headers);
      probed();
      res.end('ok');
    });
    await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
    const nextProbe = () => new Promise<void>((r) => (probed = r));
    const target = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/health`;
    const { ctx, page, errors } = await signedIn(ADMIN);
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitoring' }).click();
      await page.waitForURL(/\/monitoring$/);
      await settled(page);
      assert.match(await text(page.locator('#mon-status-pages')), /\/status\/demo/, 'the demo status page is listed with its public path');

      await page.getByRole('button', { name: 'Add a monitor' }).click();
      const form = page.locator('.mon-form form');
      await form.getByRole('textbox', { name: 'Name (id)' }).fill('local-web');
      await form.getByRole('textbox', { name: 'Service' }).fill('checkout');
      const urlBox = form.getByRole('textbox', { name: 'URL' });
      await urlBox.fill('ftp://127.0.0.1/health');
      await form.getByRole('textbox', { name: 'Request headers (optional)' }).fill('X-Probe: s3cret');
      await form.getByRole('button', { name: 'Save' }).click();
      await form.locator('.field-error').waitFor();
      assert.match(await text(form.locator('.field-error')), /expected an http:\/\/ or https:\/\/ URL/);
      assert.equal(await urlBox.getAttribute('aria-invalid'), 'true');
      assert.equal((await web.api('GET', '/v1/monitors/local-web')).status, 404, 'nothing is stored');

      let probe = nextProbe();
      await urlBox.fill(target);
      await form.getByRole('button', { name: 'Save' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /The monitor \u2068?local-web\u2069? is added/ })
        .waitFor();
      await probe;
      const row = page.locator('tr[data-monitor="local-web"]');
      await row.locator('.badge-met').filter({ hasText: 'up' }).waitFor();
      assert.match(await text(row), /HTTP\(S\).*GET http:\/\/127\.0\.0\.1:\d+\/health.*60s.*since.*checkout/);
      assert.equal(probes.at(-1)?.['x-probe'], 's3cret');
      assert.deepEqual(await axe(page), [], 'axe on /monitoring');

      // Edited without retyping the header (shown redacted): the next check still sends its value.
      await row.getByRole('button', { name: /^Edit \u2068?local-web/ }).click();
      const edit = page.locator('.mon-form form');
      assert.equal(await edit.getByRole('textbox', { name: 'Request headers (optional)' }).inputValue(), 'X-Probe: [redacted]');
      await edit.getByRole('textbox', { name: 'Description (optional)' }).fill('checked by the browser test');
      await edit.getByRole('button', { name: 'Save' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /The monitor \u2068?local-web\u2069? is saved/ })
        .waitFor();
      await row.getByRole('button', { name: /^Pause/ }).click();
      await row.locator('.badge-paused').waitFor();
      probe = nextProbe();
      await row.getByRole('button', { name: /^Resume/ }).click(); // checked at once again
      await probe;
      assert.equal(probes.at(-1)?.['x-probe'], 's3cret', 'the stored header value was kept');
      assert.equal((await web.api('GET', '/v1/monitors/local-web')).json.spec.description, 'checked by the browser test');

      // A heartbeat: its push URL (the token in it shown this once) records a beat.
      await page.getByRole('button', { name: 'Add a monitor' }).click();
      const hb = page.locator('.mon-form form');
      await hb.getByRole('textbox', { name: 'Name (id)' }).fill('nightly-job');
      await hb.getByRole('combobox', { name: 'Kind' }).selectOption('heartbeat');
      await hb.getByRole('textbox', { name: 'Service' }).fill('billing');
      await hb.getByRole('textbox', { name: 'Interval' }).fill('1d');
      await hb.getByRole('button', { name: 'Save' }).click();
      const push = await page.getByRole('textbox', { name: /Push URL of/ }).inputValue();
      assert.match(push, new RegExp(`^${web.server.url}/v1/heartbeats/pledge_hb_`));
      assert.equal((await fetch(push, { method: 'POST' })).status, 200, 'the push URL shown records a beat');
      // A new push URL on request: shown once again, and the old one stops working.
      await page
        .locator('tr[data-monitor="nightly-job"]')
        .getByRole('button', { name: /^Edit \u2068?nightly-job/ })
        .click();
      await page
        .locator('.mon-form form')
        .getByRole('checkbox', { name: /Issue a new push URL/ })
        .check();
      await page.locator('.mon-form form').getByRole('button', { name: 'Save' }).click();
      const renewed = page.getByRole('textbox', { name: /Push URL of/ });
      await page.waitForFunction(([el, old]) => (el as unknown as { value: string }).value !== old, [
        await renewed.elementHandle(),
        push,
      ] as const);
      assert.equal((await fetch(await renewed.inputValue(), { method: 'POST' })).status, 200, 'the new push URL records a beat');
      assert.equal((await fetch(push, { method: 'POST' })).status, 404, 'the old push URL is retired');

      // Deleted after a confirmation.
      await row.getByRole('button', { name: /^Delete \u2068?local-web/ }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete it' }).click();
      await row.waitFor({ state: 'detached' });
      assert.equal((await web.api('GET', '/v1/monitors/local-web')).status, 404);
      assert.deepEqual(unexpected(errors, 422), []);
    } finally {
      await ctx.close();
      await web.api('DELETE', '/v1/monitors/nightly-job');
      endpoint.close();
    }
  });

  test('in Arabic: right to left, and none of these pages’ English strings', async () => {
    const { ctx, page, errors } = await signedIn(ADMIN, 'ar');
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    for (const path of ['/calendars', '/calendars/new-york-support?month=2026-07', '/people', '/monitoring']) {
      await go(page, path);
      assert.equal(await page.locator('main [role=alert]').count(), 0, `${path}: ${await text(page.locator('main'))}`);
      const main = await text(page.locator('main'));
      const leaks = OWN_ENGLISH.filter((s) => main.includes(s));
      assert.deepEqual(leaks, [], `${path} has English strings`);
      assert.deepEqual(await axe(page), [], `axe on ${path} (ar)`);
      if (path.startsWith('/calendars/new-york-support')) {
        // Independence Day 2026 is a Saturday: observed on Friday the 3rd.
        const third = page.locator('#cal-month td[data-date="2026-07-03"]');
        assert.equal(await third.getAttribute('class'), 'cal-day cal-holiday');
        assert.match(await text(third), /Independence Day/);
      }
    }
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  test('a viewer reads calendars without forms and has no People page; the server refuses it the writes', async () => {
    const { ctx, page, errors } = await signedIn(VIEWER);
    const nav = await text(page.getByRole('navigation', { name: 'Main' }));
    assert.match(nav, /Calendars/);
    assert.doesNotMatch(nav, /People|Monitoring/, 'monitors go with the channels, which a viewer may not read');
    await go(page, '/calendars/berlin-office');
    assert.match(await text(page.locator('main h1')), /Berlin office/);
    assert.equal(await page.locator('main form').count(), 0, 'no form for a viewer');
    assert.equal(await page.locator('#cal-add').count(), 0);
    await go(page, '/people');
    assert.match(await text(page.locator('main h1')), /not found/i);
    assert.deepEqual(errors, []);
    const refused = await page.evaluate(async () => {
      const s = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const put = await fetch('/v1/calendars/berlin-office', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/yaml', 'X-CSRF-Token': s.csrfToken },
        body: 'timezone: UTC\n',
      });
      const tokens = await fetch('/v1/tokens');
      return [put.status, tokens.status];
    });
    assert.deepEqual(refused, [403, 403]);
    await ctx.close();
  });

  test('a customer has neither page in its navigation, and /people and /calendars are not found', async () => {
    const { ctx, page, errors } = await signedIn(CUSTOMER);
    const nav = await text(page.getByRole('navigation', { name: 'Main' }));
    assert.doesNotMatch(nav, /Calendars|People|Monitoring/);
    for (const path of ['/people', '/calendars/berlin-office']) {
      await go(page, path);
      assert.match(await text(page.locator('main h1')), /not found/i, path);
    }
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(errors, []);
    assert.equal((await page.request.get(url('/v1/calendars'))).status(), 403, 'the server refuses it the calendars too');
    await ctx.close();
  });

  test('the public status page (not the app: server-rendered, no sign-in): no CSP error, no axe violation, Arabic right to left', async () => {
    const { ctx, page, errors } = await web.open();
    await page.goto(url('/status/demo'));
    assert.equal(await page.locator('ol.bars').count(), 2, 'two services, each with its bars');
    assert.equal(await page.locator('ol.bars').first().locator('li').count(), 90);
    assert.deepEqual(await axe(page), [], 'axe on /status/demo');
    await page.goto(url('/status/demo?lang=ar'));
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    assert.deepEqual(await axe(page), [], 'axe on /status/demo?lang=ar');
    assert.deepEqual(errors, [], 'the inline style is allowed by the page CSP, and nothing else is loaded');
    await ctx.close();
  });
});
