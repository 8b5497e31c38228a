/**
 * The alerts page, silences and the audit log in a real browser (test/web/harness.ts): a manager
 * acknowledges an alert with the keyboard and the API then holds it acknowledged with the comment
 * in the audit log; silences it from its row (a matcher left empty is refused naming the field),
 * sees it under "silenced", expires the silence; an alert fired by new events appears without a
 * reload (the page follows /v1/alerts/stream) and is resolved with a reason (refused without); the audit page lists the acknowledgement. A viewer
 * sees the alerts and no action (and the server refuses one anyway); a customer has neither page.
 * Arabic renders right to left with the page's own words in Arabic. Every page: axe-core clean,
 * no console error.
 *
 * Values in messages are isolated for bidirectional text (U+2068 ... U+2069), hence the \W* around
 * them in the expected texts.
 *
 * Alerts fire the way they do in production: events posted to /v1/events make a ticket clock pass
 * its levels, and the ingestion writes the alerts in the same request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { axe, requireBrowser, settled, text, type WebSuite, startWebSuite } from './harness.ts';

const MANAGER = { email: 'mia@northwind.test', password: 'correct horse battery staple 4' };
const VIEWER = { email: 'vic@northwind.test', password: 'correct horse battery staple 5' };
const CUSTOMER = { email: 'cora@acme.test', password: 'correct horse battery staple 6' };

describe('alerts, silences and the audit log in a browser', { skip: requireBrowser('test/web/alerts.test.ts') }, () => {
  let web: WebSuite;
  let url: string;

  /** A P1 checkout ticket for acme created `agoMs` ago: its clocks pass their levels, so alerts fire at once. */
  async function fireTicket(ticket: string, agoMs: number): Promise<{ id: string; agreement: string }[]> {
    const r = await web.api('POST', '/v1/events', [
      {
        id: `${ticket}-created`,
        source: 'zendesk',
        type: 'ticket.created',
        ticket,
        at: new Date(Date.now() - agoMs).toISOString(),
        priority: 'P1',
        service: 'checkout',
        customer: 'acme',
      },
    ]);
    assert.equal(r.json?.accepted, 1, JSON.stringify(r.json));
    // ola-network (the network OLA behind checkout) is the agreement the page is filtered to.
    // The scheduler fires it once ingestion wakes it, not inside the POST: wait for the state.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const alerts = await web.api('GET', `/v1/alerts?ticket=${ticket}&agreement=ola-network&state=firing&order=newest`);
      if (alerts.json.items.length > 0) return alerts.json.items;
      assert.ok(Date.now() < deadline, `no alert fired for ${ticket}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const row = (page: Page, id: string) => page.locator(`tr[data-alert="${id}"]`);

  before(async () => {
    web = await startWebSuite();
    url = web.server.url;
    await web.person(MANAGER, 'manager');
    await web.person(VIEWER, 'viewer');
    await web.person(CUSTOMER, 'customer', 'acme');
  });

  after(async () => {
    await web?.stop();
  });

  test('a manager acknowledges, silences and expires; a new alert arrives live; the audit log shows the acknowledgement', async () => {
    const [target] = await fireTicket('web-ack-1', 3 * 3_600_000);
    assert.ok(target);
    const { ctx, page, errors } = await web.open();
    await web.signIn(page, MANAGER);
    errors.length = 0; // signed out, GET /v1/session answered 401, which Chromium logs
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Alerts' }).count(), 1);
    assert.equal(await nav.getByRole('link', { name: 'Audit log' }).count(), 1);
    await nav.getByRole('link', { name: 'Alerts' }).click();
    await settled(page);
    assert.equal(await text(page.locator('main h1')), 'Alerts');
    // One agreement's alerts, through the filter form.
    await page.getByRole('searchbox', { name: 'Agreement' }).fill('ola-network');
    await page.getByRole('searchbox', { name: 'Agreement' }).press('Enter');
    await page.waitForURL(/\/alerts\?agreement=ola-network$/);
    await page.locator('tr[data-alert]').first().waitFor();
    // The URL changes before the filtered list arrives: wait for the list to be the filtered one
    // (a page that never filters fails here, on the wait's timeout, or on the assertion below).
    await page
      .waitForFunction(
        () => {
          const cells = [...(globalThis as any).document.querySelectorAll('tr[data-alert] td:nth-of-type(1) a')];
          return cells.length > 0 && cells.every((a: any) => a.textContent === 'ola-network');
        },
        null,
        { timeout: 15_000 },
      )
      .catch(() => undefined);
    assert.deepEqual(
      [...new Set(await page.locator('tr[data-alert] td:nth-of-type(1) a').allTextContents())],
      ['ola-network'],
      'only the alerts of that agreement',
    );
    await page.locator('.live-status').filter({ hasText: /^Live/ }).waitFor();
    await row(page, target.id).waitFor();
    assert.match(await text(row(page, target.id)), /firing/);
    // The links to the agreement and the ticket.
    assert.equal(
      await row(page, target.id).getByRole('link', { name: 'web-ack-1' }).getAttribute('href'),
      '/tickets/web-ack-1?source=zendesk',
    );
    assert.deepEqual(await axe(page), [], 'axe on /alerts');

    // Acknowledge with the keyboard alone: the button, the comment, the confirmation.
    await row(page, target.id)
      .getByRole('button', { name: /^Acknowledge/ })
      .focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Acknowledge this alert?' });
    await dialog.waitFor();
    assert.equal(
      await page.evaluate(() => (globalThis as any).document.activeElement?.tagName),
      'TEXTAREA',
      'the dialog takes focus to its first field',
    );
    await page.keyboard.type('on it: checking the payment gateway');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Acknowledged:' }).waitFor();
    assert.equal(await dialog.count(), 0, 'the dialog closed');
    await row(page, target.id)
      .filter({ hasText: /acknowledged/ })
      .waitFor();
    assert.equal(
      await row(page, target.id)
        .getByRole('button', { name: /^Acknowledge/ })
        .count(),
      0,
    );
    const acked = await web.api('GET', `/v1/alerts/${target.id}`);
    assert.equal(acked.json.alert.state, 'acknowledged');
    assert.match(acked.json.alert.acknowledgedBy ?? '', /mia/, 'who acknowledged is recorded');

    // Silence alerts like it: agreement, target and ticket prefilled; an emptied matcher is refused by name.
    await row(page, target.id)
      .getByRole('button', { name: /^Silence/ })
      .click();
    const sil = page.getByRole('dialog', { name: 'Silence alerts like this one' });
    await sil.waitFor();
    const m3 = sil.getByRole('group', { name: /^Matcher\W*3\W*$/ });
    assert.equal(await m3.getByRole('textbox', { name: /values/i }).inputValue(), 'web-ack-1');
    await m3.getByRole('textbox', { name: /values/i }).fill(' , ');
    await sil.getByRole('button', { name: 'Create silence' }).click();
    await sil
      .getByRole('alert')
      .filter({ hasText: /Matcher\W*3\W*, values: give at least one value\./ })
      .waitFor();
    assert.equal(await m3.getByRole('textbox', { name: /values/i }).getAttribute('aria-invalid'), 'true');
    assert.equal((await web.api('GET', '/v1/silences?active=true')).json.items.length, 0, 'nothing was sent');
    await m3.getByRole('textbox', { name: /values/i }).fill('web-ack-1');
    await sil.getByRole('combobox', { name: 'Duration' }).selectOption('1h');
    await sil.getByRole('textbox', { name: 'Comment' }).fill('gateway maintenance');
    assert.deepEqual(await axe(page), [], 'axe on the silence dialog');
    await sil.getByRole('button', { name: 'Create silence' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Silence \W*sil_[0-9a-f]+\W* created/ })
      .waitFor();
    const active = (await web.api('GET', '/v1/silences?active=true')).json.items;
    assert.equal(active.length, 1);
    assert.deepEqual(
      active[0].matchers.map((m: { field: string; op: string; values: string[] }) => `${m.field}${m.op}${m.values.join('|')}`),
      [`agreement=${acked.json.alert.agreement}`, `target=${acked.json.alert.target}`, 'ticket=web-ack-1'],
    );
    assert.equal(active[0].comment, 'gateway maintenance');
    const hour = Date.parse(active[0].endsAt) - Date.parse(active[0].startsAt);
    assert.equal(hour, 3_600_000);
    const silenceRow = page.locator(`tr[data-silence="${active[0].id}"]`);
    await silenceRow.waitFor();
    assert.match(await text(silenceRow), /gateway maintenance/);

    // Under "Silenced": the acknowledged alert, marked silenced by that silence.
    await page.getByRole('navigation', { name: 'Alert states' }).getByRole('link', { name: 'Silenced' }).click();
    await page.waitForURL(/\/alerts\?agreement=ola-network&state=silenced$/);
    await row(page, target.id).filter({ hasText: active[0].id }).waitFor();
    assert.equal(await page.locator('tr[data-alert]').filter({ hasNotText: 'web-ack-1' }).count(), 0, 'only what the silence matches');

    // Expire it, confirming.
    await silenceRow.getByRole('button', { name: /^Expire/ }).click();
    const exp = page.getByRole('dialog', { name: 'Expire this silence now?' });
    await exp.getByRole('button', { name: 'Expire' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: new RegExp(`Silence \\W*${active[0].id}\\W* expired`) })
      .waitFor();
    await silenceRow.waitFor({ state: 'detached' });
    const expired = (await web.api('GET', `/v1/silences/${active[0].id}`)).json;
    assert.equal(expired.active, false);
    assert.ok(expired.expiredAt);
    await page.getByText('No alert here.').waitFor();

    // A new alert while the page is open: it arrives over the stream, the page is not reloaded.
    await page.getByRole('navigation', { name: 'Alert states' }).getByRole('link', { name: 'Open' }).click();
    await page.waitForURL(/\/alerts\?agreement=ola-network$/);
    await settled(page);
    await page.locator('.live-status').filter({ hasText: /^Live/ }).waitFor();
    await page.evaluate(() => {
      (globalThis as any).stillTheSamePage = true;
    });
    const fresh = await fireTicket('web-live-1', 2 * 3_600_000 + 10_000);
    await row(page, fresh[0]!.id).waitFor();
    await page.locator('.live-status').filter({ hasText: 'New alert' }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as any).stillTheSamePage), true, 'no reload');

    // Resolve it: a reason is required, and the dialog says which field is missing before sending.
    await row(page, fresh[0]!.id)
      .getByRole('button', { name: /^Resolve/ })
      .click();
    const res = page.getByRole('dialog', { name: 'Resolve this alert?' });
    await res.getByRole('button', { name: 'Resolve' }).click();
    await res.getByRole('alert').filter({ hasText: 'Why it is resolved: say why (required).' }).waitFor();
    assert.equal(await res.getByRole('textbox', { name: 'Why it is resolved' }).getAttribute('aria-invalid'), 'true');
    await res.getByRole('textbox', { name: 'Why it is resolved' }).fill('gateway restarted');
    await res.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('status').filter({ hasText: 'Resolved:' }).waitFor();
    await row(page, fresh[0]!.id).waitFor({ state: 'detached' }); // no longer open
    const resolved = (await web.api('GET', `/v1/alerts/${fresh[0]!.id}`)).json.alert;
    assert.equal(resolved.state, 'resolved');
    assert.equal(resolved.resolvedReason, 'gateway restarted');

    // The audit log: the acknowledgement, readable, its comment in the details.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
    await settled(page);
    const entry = page.locator('.audit-table > tbody > tr').filter({ hasText: `alert:${target.id}` });
    await entry.waitFor();
    assert.match(await text(entry), /Acknowledged an alert/);
    assert.match(await text(entry), /mia/);
    await entry.getByText(/^Details/).click();
    assert.match(await text(entry.locator('details')), /on it: checking the payment gateway/);
    assert.match(
      await text(page.locator('.audit-table > tbody')),
      /Created a silence[\s\S]*Expired a silence|Expired a silence[\s\S]*Created a silence/,
    );
    assert.deepEqual(await axe(page), [], 'axe on /audit');
    // Filtered by subject, through the form: that entry alone.
    await page.getByRole('searchbox', { name: /on what/i }).fill(`alert:${target.id}`);
    await page.getByRole('searchbox', { name: /on what/i }).press('Enter');
    await page.waitForURL(/\/audit\?subject=alert/);
    await page
      .locator('main h2')
      .filter({ hasText: /Entries \(\W*1\W*\)/ })
      .waitFor();
    assert.equal(await page.locator('.audit-table > tbody > tr').count(), 1);

    // The live board says it follows the stream.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Live board' }).click();
    await settled(page);
    await page
      .locator('.live-status')
      .filter({ hasText: /^Live: updates as alerts arrive/ })
      .waitFor();
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  test('a viewer sees alerts and silences with no action; the server refuses one anyway; no audit log', async () => {
    const { ctx, page, errors } = await web.open();
    await web.signIn(page, VIEWER);
    errors.length = 0;
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Alerts' }).count(), 1);
    assert.equal(await nav.getByRole('link', { name: 'Audit log' }).count(), 0);
    await page.goto(`${url}/alerts?state=firing&severity=critical`);
    await settled(page);
    await page.locator('tr[data-alert]').first().waitFor();
    assert.equal(
      await page
        .locator('main')
        .getByRole('button', { name: /^(Acknowledge|Resolve|Silence|Expire|New silence)/ })
        .count(),
      0,
    );
    assert.equal(await page.locator('main thead').first().getByText('Actions').count(), 0);
    assert.deepEqual(await axe(page), []);
    const id = await page.locator('tr[data-alert]').first().getAttribute('data-alert');
    // With the session's CSRF token, so that the role alone is what is refused.
    const refused = await page.evaluate(async (alert) => {
      const s = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const r = await fetch(`/v1/alerts/${alert}/acknowledge`, { method: 'POST', headers: { 'X-CSRF-Token': s.csrfToken } });
      const body = (await r.json()) as { code?: string; details?: { reason?: string } };
      return { status: r.status, code: body.code, reason: body.details?.reason };
    }, id);
    assert.deepEqual(refused, { status: 403, code: 'forbidden', reason: undefined });
    assert.equal((await web.api('GET', `/v1/alerts/${id}`)).json.alert.state, 'firing');
    await page.goto(`${url}/audit`);
    await settled(page);
    assert.equal(await text(page.locator('main h1')), 'Page not found');
    assert.deepEqual(
      errors.filter((e) => !/status of 403/.test(e)),
      [],
    );
    await ctx.close();
  });

  test('a customer has no alerts or audit page', async () => {
    const { ctx, page, errors } = await web.open();
    await web.signIn(page, CUSTOMER);
    errors.length = 0;
    const nav = page.getByRole('navigation', { name: 'Main' });
    assert.equal(await nav.getByRole('link', { name: 'Alerts' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Audit log' }).count(), 0);
    for (const path of ['/alerts', '/audit']) {
      await page.goto(url + path);
      await settled(page);
      assert.equal(await text(page.locator('main h1')), 'Page not found', path);
    }
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  test('in Arabic the alerts page and the audit log read right to left, in Arabic', async () => {
    const { ctx, page, errors } = await web.open('ar');
    await web.signIn(page, MANAGER);
    errors.length = 0;
    assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
    const latin = /[A-Za-z]/;
    for (const path of ['/alerts?agreement=ola-network', '/audit']) {
      await page.goto(url + path);
      await settled(page);
      assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
      const own = [
        await text(page.locator('main h1')),
        ...(await page.locator('main thead th').allTextContents()),
        ...(await page.locator('main search label').allTextContents()).map((l) => l.replace(/agreement:acme-gold/, '')),
      ];
      if (path.startsWith('/alerts')) {
        await page.locator('.live-status').filter({ hasNotText: latin }).waitFor();
        own.push(
          ...(await page.locator('.al-views a').allTextContents()),
          await text(page.locator('#silences-h')),
          ...(await page.locator('main .badge').allTextContents()),
        );
      }
      assert.deepEqual(
        own.filter((s) => latin.test(s)),
        [],
        `English on ${path} in Arabic`,
      );
      assert.deepEqual(await axe(page), [], `axe on ${path} (ar)`);
    }
    assert.equal(await text(page.locator('main h1')), 'سجل التدقيق');
    assert.deepEqual(errors, []);
    await ctx.close();
  });
});
