/**
 * Error budgets and watermelon reasons in the browser (issue 10), against `pledge serve --demo`:
 * the overview says each target's budget left and burn rate in words, with the API's figures; the
 * agreement page draws the current window's burn-down with a title, a description and its figures
 * as text; the watermelon page says the demo's flagged row's reasons in the page's language. In
 * English and in Arabic (dir=rtl, none of these strings left in English), with no console error and
 * no serious or critical axe-core violation; a customer sees only its own budgets, and no control.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axe, requireBrowser, settled, text, type WebSuite, startWebSuite } from './harness.ts';

const ADMIN = { email: 'bea@northwind.test', password: 'correct horse battery staple 4' };
const CUSTOMER = { email: 'cleo@acme.test', password: 'correct horse battery staple 5' };

/** The strings this issue added, as English would leak them into the Arabic page. */
const ENGLISH = [
  /of budget left/,
  /burning/,
  /misses still allowed/,
  /the next miss breaches/,
  /of downtime left/,
  /At this pace/,
  /spent evenly/,
  /Error budget/,
  /CSAT .* is below/,
];

describe('error budgets and watermelon reasons in a browser', { skip: requireBrowser('test/web/budget.test.ts') }, () => {
  let web: WebSuite;
  before(async () => {
    web = await startWebSuite();
    await web.person(ADMIN, 'admin');
    await web.person(CUSTOMER, 'customer', 'acme');
  });
  after(async () => {
    await web?.stop();
  });

  for (const lang of ['en', 'ar'] as const)
    test(`the overview's budget lines, the agreement's burn-down and the watermelon reasons (${lang})`, async () => {
      const { ctx, page, errors } = await web.open(lang);
      await web.signIn(page, ADMIN);
      errors.length = 0; // signed out, GET /v1/session answered 401, which Chromium logs
      assert.equal(await page.getAttribute('html', 'dir'), lang === 'ar' ? 'rtl' : 'ltr');
      const portfolio = (await web.api('GET', '/v1/portfolio')).json;

      // The overview: acme-checkout's uptime says its share left, as the API gives it.
      await settled(page);
      const up = portfolio.agreements.find((a: any) => a.id === 'acme-checkout').targets.find((t: any) => t.target === 'uptime');
      assert.ok(up.budget && up.budget.left !== null, JSON.stringify(up));
      const row = page.locator('tr', { has: page.locator('text=acme-checkout') });
      const line = row.locator('.budget').first();
      await line.waitFor();
      const percent = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(Math.max(0, up.budget.left));
      assert.ok((await text(line)).includes(percent), `${await text(line)} has ${percent}`);
      assert.match((await line.getAttribute('class')) ?? '', /budget-(ok|low|over)/);
      // A window with its whole budget and no miss to spare (few tickets) says the next miss breaches.
      const tight = portfolio.agreements.find((a: any) =>
        a.targets.some((t: any) => t.budget?.items?.more === 0 && t.budget.left !== null && t.budget.left >= 0),
      );
      assert.ok(tight, 'the demo has a window with its budget whole and no miss to spare');
      const tightRow = page.locator('tr', { has: page.locator(`text=${tight.id}`) });
      if (lang === 'en') assert.match(await text(tightRow), /the next miss breaches the target/);
      else assert.match(await text(tightRow), /الإخفاق التالي يُخِلّ بالهدف/);
      assert.deepEqual(await axe(page), [], `axe on / (${lang})`);

      // The agreement page: the burn-down of each current window with a budget, titled and described.
      await page.goto(`${web.server.url}/agreements/acme-checkout`);
      await settled(page);
      const section = page.locator('#budget');
      await section.waitFor();
      const charts = section.locator('svg.budget-chart');
      assert.ok((await charts.count()) > 0);
      const svg = charts.first();
      const labelled = ((await svg.getAttribute('aria-labelledby')) ?? '').split(' ');
      assert.equal(labelled.length, 2, 'title and description');
      for (const id of labelled) assert.ok((await text(page.locator(`#${id}`))).length > 10, id);
      const history = (await web.api('GET', '/v1/agreements/acme-checkout/history')).json;
      const current = history.targets.find((t: any) => t.target === 'uptime').windows.find((w: any) => w.window === up.window);
      assert.deepEqual(current.budget, up.budget, 'the history and the overview give the same budget');
      const figures = await text(section);
      assert.ok(figures.includes(percent), `${figures} has ${percent}`);
      assert.deepEqual(await axe(page), [], `axe on the agreement page (${lang})`);
      // Nothing to operate: the section adds no control to the keyboard order.
      assert.equal(await section.locator('a, button, input, select, [tabindex]').count(), 0);

      // The watermelon page (the previous month by default): the demo's Umbrella PBX is flagged,
      // its reasons in the page's language.
      await page.goto(`${web.server.url}/watermelon`);
      await settled(page);
      const flagged = page.locator('tr.row-flagged', { has: page.locator('text=umbrella') });
      await flagged.waitFor();
      assert.ok((await flagged.locator('.reasons li').count()) > 0);
      assert.equal(await page.locator('main .reasons li[lang=en]').count(), 0, 'every reason is said in the page language');
      assert.deepEqual(await axe(page), [], `axe on /watermelon (${lang})`);

      if (lang === 'ar') {
        await page.goto(`${web.server.url}/agreements/acme-checkout`);
        await settled(page);
        await page.locator('#budget').waitFor();
        const main = await text(page.locator('main'));
        for (const english of ENGLISH) assert.doesNotMatch(main, english);
      }
      assert.deepEqual(errors, []);
      await ctx.close();
    });

  test('a customer sees the budgets of its own agreements only', async () => {
    const { ctx, page, errors } = await web.open();
    await web.signIn(page, CUSTOMER);
    errors.length = 0;
    await settled(page);
    await page.locator('main .budget').first().waitFor();
    const main = await text(page.locator('main'));
    assert.match(main, /acme-checkout/);
    for (const other of ['globex', 'initech', 'umbrella']) assert.ok(!main.includes(other), `the customer sees ${other}`);
    // Another customer's history (the burn-down's source) is refused by the server.
    const r = await page.request.get(`${web.server.url}/v1/agreements/globex-email/history`);
    assert.equal(r.status(), 404);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(
      errors.filter((e) => !/404/.test(e)),
      [],
    );
    await ctx.close();
  });
});
