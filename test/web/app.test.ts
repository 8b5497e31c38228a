/**
 * The web app in a real browser: Debian's Chromium driven by playwright-core, against a real
 * `pledge serve --demo` on a free port with a temporary SQLite file, serving the build (dist/web).
 *
 * A person signs in through the sign-in page (an admin, and a customer invited for "acme"); every
 * page renders with no console error and no serious or critical axe-core violation, in English and
 * in Arabic (lang="ar", dir="rtl"); a customer sees only its own agreements and no provider-only
 * navigation.
 *
 * Skipped, with the reason printed, when /usr/bin/chromium is missing or dist/web has not been
 * built; with PLEDGE_REQUIRE_CHROMIUM=1 (CI, which installs Chromium) a missing browser fails.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axe, requireBrowser, settled, shot, text, type WebSuite, startWebSuite } from './harness.ts';

const ADMIN = { email: 'ada@northwind.test', password: 'correct horse battery staple 1' };
const CUSTOMER = { email: 'carl@acme.test', password: 'correct horse battery staple 2' };
const LOCKED = { email: 'lou@northwind.test', password: 'correct horse battery staple 3' };
const SHOT_NAMES: Record<string, string> = {
  '/': 'overview',
  '/watermelon': 'watermelon',
  '/agreements/acme-checkout': 'agreement',
  '/tickets/acme-T-10081': 'ticket',
  '/live': 'live',
};

describe('the web app in a browser', { skip: requireBrowser('test/web/app.test.ts') }, () => {
  let web: WebSuite;
  let server: WebSuite['server'];
  const api = (method: string, path: string, body?: unknown) => web.api(method, path, body);
  const open = (lang: 'en' | 'ar' = 'en') => web.open(lang);
  const signIn = (page: Page, who: { email: string; password: string }) => web.signIn(page, who);

  before(async () => {
    web = await startWebSuite();
    server = web.server;
    await web.person(ADMIN, 'admin');
    await web.person(CUSTOMER, 'customer', 'acme');
    await web.person(LOCKED, 'viewer');
  });

  after(async () => {
    await web?.stop();
  });

  test('the sign-in page: accessible, and a wrong password is announced', async () => {
    const { ctx, page, errors } = await open();
    await page.goto(`${server.url}/`);
    await settled(page);
    assert.deepEqual(await axe(page), []);
    await page.getByLabel(/e-mail/i).fill(ADMIN.email);
    await page.getByLabel(/^password$/i).fill('wrong password');
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await text(page.getByRole('alert')), /not right/);
    assert.deepEqual(
      errors.filter((e) => !/401|429/.test(e)),
      [],
    );
    await ctx.close();
  });

  test('the keyboard reaches everything: the skip link first, then the form; five wrong passwords lock the login, and the page says for how long', async () => {
    const { ctx, page } = await open();
    await page.goto(`${server.url}/`);
    await settled(page);
    await page.keyboard.press('Tab');
    assert.match(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent ?? ''), /skip to main content/i);
    await page.keyboard.press('Enter');
    assert.equal(
      await page.evaluate(() => (globalThis as any).document.activeElement?.id ?? ''),
      'main',
      'the skip link moves focus to main',
    );
    // Fill and send the form with the keyboard alone.
    await page.getByLabel(/e-mail/i).focus();
    await page.keyboard.type(LOCKED.email);
    await page.keyboard.press('Tab');
    for (let k = 1; k <= 5; k++) {
      await page.getByLabel(/^password$/i).fill(`wrong ${k}`);
      await page.getByLabel(/^password$/i).press('Enter');
      await page.getByRole('alert').waitFor();
      if (k < 5)
        await page
          .getByRole('alert')
          .filter({ hasText: /not right/ })
          .waitFor();
    }
    await page
      .getByRole('alert')
      .filter({ hasText: /too many failed attempts/i })
      .waitFor();
    assert.match(await text(page.getByRole('alert')), /try again in/i);
    // The right password waits too.
    await page.getByLabel(/^password$/i).fill(LOCKED.password);
    await page.getByLabel(/^password$/i).press('Enter');
    await page
      .getByRole('alert')
      .filter({ hasText: /too many failed attempts/i })
      .waitFor();
    assert.equal((await page.request.get(`${server.url}/v1/session`)).status(), 401);
    await ctx.close();
  });

  const adminTest = (lang: 'en' | 'ar') =>
    test(`an admin signs in and every page renders (${lang})`, async () => {
      const { ctx, page, errors } = await open(lang);
      await signIn(page, ADMIN);
      errors.length = 0; // signed out, the app's GET /v1/session answered 401, which Chromium logs
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr');
      for (const path of ['/', '/live', '/watermelon', '/agreements/acme-checkout', '/agreements/globex-email', '/tickets/acme-T-10081']) {
        await page.goto(server.url + path);
        await settled(page);
        const name = SHOT_NAMES[path];
        if (lang === 'en' && name) await shot(page, name);
        assert.equal(await page.locator('main [role=alert]').count(), 0, `${path} shows an error: ${await text(page.locator('main'))}`);
        assert.deepEqual(await axe(page), [], `axe on ${path} (${lang})`);
      }
      await page.goto(`${server.url}/agreements/acme-checkout`);
      await settled(page);
      assert.ok((await page.locator('svg.chart').count()) > 0, 'the agreement page draws its history');
      if (lang === 'ar') await shot(page, 'agreement-ar');
      // The settlements are said in the page's language from their clauses (src/core/i18n/settlement.ts), never in the engine's English.
      const summaries = page.locator('main .settlement-summary');
      assert.ok((await summaries.count()) > 0, 'the agreement lists its settlements');
      assert.equal(await page.locator('main .settlements [lang=en]').count(), 0, 'every settlement sentence is in the page language');
      assert.match((await summaries.first().textContent()) ?? '', lang === 'ar' ? /لا شيء مستحق|مستحق/ : /nothing owed|owed on/);
      // The history's reasons (read when a table is opened) are said in Arabic too (src/core/i18n/compliance.ts), none left in English.
      if (lang === 'ar') {
        await page.locator('main .history details summary').first().click();
        await page.waitForFunction(() => {
          const cells = [...(globalThis as any).document.querySelectorAll('main .history details[open] td.reason')];
          return cells.length > 0 && cells.every((c: any) => !c.querySelector('[lang=en]') && /[\u0600-\u06FF]/.test(c.textContent));
        });
      }
      // A write without the session's CSRF token, as a script on the page would send it: refused.
      const forged = await page.evaluate(async () => {
        const r = await fetch('/v1/silences', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        return { status: r.status, reason: ((await r.json()) as any).details?.reason };
      });
      assert.deepEqual(forged, { status: 403, reason: 'csrf_token' });
      const forgedLogged = errors.findIndex((e) => /status of 403/.test(e));
      if (forgedLogged >= 0) errors.splice(forgedLogged, 1); // Chromium logs the refused forged write
      // Produce the previous month's service report through the form; it is listed with its links.
      // English the previous month, Arabic the month before: each a first revision, whichever runs first.
      const reports = page.locator('#reports');
      const month = reports.getByRole('combobox', { name: lang === 'en' ? /period/i : /الفترة/ });
      const period =
        (await month
          .locator('option')
          .nth(lang === 'en' ? 0 : 1)
          .getAttribute('value')) ?? '';
      assert.match(period, /^\d{4}-\d{2}$/);
      await month.selectOption(period);
      await reports.getByRole('button', { name: lang === 'en' ? /^produce$/i : /إعداد/ }).click();
      await reports.getByRole('status').waitFor();
      // Values in messages are isolated for bidirectional text (U+2068 ... U+2069).
      const said = (await text(reports.getByRole('status'))).replace(/[\u2068\u2069]/g, '');
      // Arabic numbers are as Intl writes them for "ar" (Latin or Arabic-Indic digits, by the browser's data).
      if (lang === 'en') assert.equal(said, `Revision 1 of ${period} is stored.`);
      else assert.match(said, new RegExp(`^حُفظت المراجعة [1١] لفترة ${period}\\.$`));
      const row = reports.locator('tbody tr').filter({ has: page.locator('th', { hasText: period }) });
      await row.waitFor();
      assert.deepEqual(
        (await row.getByRole('link').allTextContents()).map((s) => s.trim()),
        ['HTML', 'PDF', 'CSV', 'HTML', 'PDF', 'CSV'],
        'HTML, PDF and CSV in English and in Arabic',
      );
      const html = await row.getByRole('link', { name: 'HTML' }).first().getAttribute('href');
      assert.match(html ?? '', new RegExp(`/reports/${period}\\?revision=1&format=html&lang=en$`));
      const page2 = await page.request.get(`${server.url}${html}`);
      assert.equal(page2.status(), 200);
      assert.match(page2.headers()['content-type'] ?? '', /text\/html/);
      assert.match(await page2.text(), /Service review/);
      // The live board opens any ticket by its id.
      await page.goto(`${server.url}/live`);
      await settled(page);
      await page.getByRole('searchbox', { name: lang === 'en' ? /ticket id/i : /معرّف التذكرة/ }).fill('acme-T-10081');
      await page.getByRole('searchbox').press('Enter');
      await page.waitForURL(/\/tickets\/acme-T-10081$/);
      await settled(page);
      assert.match(await text(page.locator('main h1')), /acme-T-10081/);
      assert.equal(await page.locator('main [role=alert]').count(), 0);
      // An id two desks use: the ticket page offers each desk instead of an error.
      const at = new Date(Date.now() - 3_600_000).toISOString();
      const twice = await api(
        'POST',
        '/v1/events',
        ['zendesk', 'jira'].map((source) => ({
          id: `web-${lang}-created`,
          source,
          type: 'ticket.created',
          ticket: `web-${lang}-1`,
          at,
          priority: 'P3',
          service: 'checkout',
          customer: 'acme',
        })),
      );
      assert.equal(twice.json?.accepted, 2, JSON.stringify(twice.json));
      await page.goto(`${server.url}/tickets/web-${lang}-1`);
      await settled(page);
      assert.equal(await page.locator('main [role=alert]').count(), 0);
      assert.deepEqual(await axe(page), [], `axe on the desk choice (${lang})`);
      await page.locator('main').getByRole('link', { name: 'jira' }).click();
      await page.waitForURL(/\/tickets\/web-(en|ar)-1\?source=jira$/);
      await settled(page);
      assert.match(await text(page.locator('main')), /jira/);
      assert.equal(await page.locator('main [role=alert]').count(), 0);
      errors.splice(0, errors.length, ...errors.filter((e) => !/status of 400/.test(e))); // Chromium logs the 400 that named the desks
      // The watermelon month is kept in the URL; the reasons are in the page's language.
      await page.goto(`${server.url}/watermelon`);
      await settled(page);
      const months = page.getByRole('combobox', { name: lang === 'en' ? /month/i : /الشهر/ });
      await months.selectOption({ index: 2 });
      await page.waitForURL(/\/watermelon\?period=\d{4}-\d{2}$/);
      await settled(page);
      assert.equal(await page.locator('main [role=alert]').count(), 0);
      assert.equal(await page.locator('main .reasons li[lang=en]').count(), 0, 'every reason is said in the page language');
      // Sign out from the header: back to the sign-in page, and the session is gone.
      await page.getByRole('button', { name: /sign out|تسجيل الخروج/i }).click();
      await page.getByLabel(/e-mail|البريد/i).waitFor();
      assert.equal((await page.request.get(`${server.url}/v1/session`)).status(), 401);
      assert.deepEqual(errors, []);
      await ctx.close();
    });

  adminTest('en');
  adminTest('ar');

  test('a customer sees its own agreements only, and no provider navigation', async () => {
    const { ctx, page, errors } = await open();
    await signIn(page, CUSTOMER);
    errors.length = 0; // as above
    await settled(page);
    const nav = await text(page.locator('nav'));
    assert.doesNotMatch(nav, /live board/i);
    const main = await text(page.locator('main'));
    assert.match(main, /acme-checkout/);
    for (const other of ['globex', 'initech', 'umbrella', 'northwind-corporate', 'ola-', 'uc-cloud'])
      assert.ok(!main.includes(other), `the customer sees ${other}`);
    assert.deepEqual(await axe(page), []);
    await shot(page, 'portal');
    await page.goto(`${server.url}/agreements/acme-checkout`);
    await settled(page);
    assert.equal(await page.locator('main [role=alert]').count(), 0);
    assert.deepEqual(await axe(page), []);
    // The reports the provider produced are there to open; producing one is not the customer's.
    await page.locator('#reports tbody tr').first().waitFor();
    assert.equal(await page.locator('#reports form').count(), 0);
    assert.equal(await page.locator('#reports').getByRole('button').count(), 0);
    const href = await page.locator('#reports tbody tr').first().getByRole('link', { name: 'HTML' }).last().getAttribute('href');
    assert.match(href ?? '', /lang=ar$/);
    const report = await page.request.get(`${server.url}${href}`);
    assert.equal(report.status(), 200, 'the customer opens its report, in Arabic');
    assert.match(report.headers()['content-type'] ?? '', /text\/html/);
    await page.goto(`${server.url}/watermelon`);
    await settled(page);
    for (const other of ['globex', 'initech', 'umbrella'])
      assert.ok(!(await text(page.locator('main'))).includes(other), `the customer sees ${other}`);
    // Another customer's agreement: not found, exactly as one that does not exist.
    await page.goto(`${server.url}/agreements/globex-email`);
    await settled(page);
    assert.match(await text(page.locator('main')), /not found/i);
    // The live board is not a customer's page.
    await page.goto(`${server.url}/live`);
    await settled(page);
    assert.match(await text(page.locator('main h1')), /not found/i);
    assert.deepEqual(
      errors.filter((e) => !/404/.test(e)),
      [],
    );
    await ctx.close();
  });
});
