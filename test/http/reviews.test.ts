/**
 * Agreement reviews over HTTP: the next review date, recording a review, the portfolio lists of
 * overdue reviews and expiring evidence; bad input and who may do what. Demo data (T0 2026-10-01).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, type Role } from '../../src/core/access/policy.ts';
import { isErrorBody, newTenant, type TestStore } from './helpers.ts';
import { closeDemo, demoTenant, openDemo, type DemoTenant } from './demo-tenant.ts';

let ts: TestStore;
let t: DemoTenant;
before(async () => ({ ts, t } = await openDemo()));
after(() => closeDemo({ ts, t }));

const post = (d: DemoTenant, id: string, body: unknown, as: Parameters<DemoTenant['req']>[0] = 'manager') =>
  d.req(as, {
    method: 'POST',
    url: `/v1/agreements/${id}/reviews`,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });

describe('normal path', () => {
  test('the next review counts from the term start until a review is recorded, then from the review', async () => {
    const d = await demoTenant(ts.store);
    try {
      const before = (await d.req('viewer', { method: 'GET', url: '/v1/agreements/acme-checkout/reviews' })).json();
      assert.deepEqual([before.next.due, before.next.basisKind, before.reviews], ['2027-01-01', 'term_start', []]);
      const r = await post(d, 'acme-checkout', { at: '2026-09-30', outcome: 'kept', notes: 'targets still realistic' });
      assert.equal(r.statusCode, 201, r.body);
      assert.deepEqual(r.json().review, { at: '2026-09-30', by: 'manager-user', outcome: 'kept', notes: 'targets still realistic' });
      assert.equal(r.json().state.next.due, '2027-09-30');
      const after = (await d.req('customer', { method: 'GET', url: '/v1/agreements/acme-checkout/reviews' })).json();
      assert.equal(after.reviews.length, 1);
      assert.equal(after.next.basisKind, 'last_review');
      // The notes are the provider's minutes: a customer sees the review, not what was noted in it;
      // every provider role still does.
      assert.deepEqual(after.reviews[0], { at: '2026-09-30', by: 'manager-user', outcome: 'kept' });
      for (const role of ['viewer', 'auditor', 'agent', 'manager', 'admin'] as const) {
        const seen = (await d.req(role, { method: 'GET', url: '/v1/agreements/acme-checkout/reviews' })).json();
        assert.equal(seen.reviews[0].notes, 'targets still realistic', role);
      }
      // The review is in the audit log, and changes no figure (results are not made stale).
      const audit = (await ts.store.listAudit(d.tenant, { subject: 'agreement:acme-checkout', newestFirst: true, limit: 1 })).items[0];
      assert.equal(audit?.action, 'agreement.review');
      // Without a date: today in the agreement's time zone.
      const today = await post(d, 'acme-checkout', { outcome: 'amended', version: 1 });
      assert.equal(today.statusCode, 201, today.body);
      assert.equal(today.json().review.at, '2026-10-01');
      // Held by someone else: `by` names them; the audit entry is still the caller's.
      const held = await post(d, 'acme-checkout', { outcome: 'kept', by: 'Jo Vendor' });
      assert.equal(held.statusCode, 201, held.body);
      assert.equal(held.json().review.by, 'Jo Vendor');
      const entry = (await ts.store.listAudit(d.tenant, { subject: 'agreement:acme-checkout', newestFirst: true, limit: 1 })).items[0];
      assert.deepEqual([entry?.actor, (entry?.after as { by?: string } | undefined)?.by], ['manager-user', 'Jo Vendor']);
      // The portfolio lists the last review recorded.
      const listed = (await d.req('viewer', { method: 'GET', url: '/v1/reviews' }))
        .json()
        .schedule.find((x: { agreement: string }) => x.agreement === 'acme-checkout');
      assert.deepEqual(listed.lastReview, { at: '2026-10-01', by: 'Jo Vendor', outcome: 'kept' });
      assert.equal((await post(d, 'acme-checkout', { outcome: 'kept', by: '' })).statusCode, 422);
    } finally {
      await d.app.close();
    }
  });

  test('the portfolio: overdue reviews, evidence expiring within the window, every next review', async () => {
    const r = await t.req('viewer', { method: 'GET', url: '/v1/reviews?today=2027-03-15&within=30' });
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json();
    assert.equal(body.today, '2027-03-15');
    const overdue = body.overdue.map((o: { agreementId: string }) => o.agreementId);
    assert.ok(overdue.includes('acme-checkout'), overdue.join());
    assert.ok(body.overdue.every((o: { daysOverdue: number }) => o.daysOverdue > 0));
    assert.deepEqual(
      body.evidence.map((e: { securityId: string; status: string; daysLeft: number }) => [e.securityId, e.status, e.daysLeft]),
      [['iso27001', 'expiring', 16]],
    );
    assert.equal(body.schedule.length, 10);
    const dues = body.schedule.map((s: { due: string | null }) => s.due).filter(Boolean);
    assert.deepEqual(dues, [...dues].sort());
    // A customer sees only its own agreements.
    const mine = (await t.req('customer', { method: 'GET', url: '/v1/reviews?today=2027-03-15' })).json();
    assert.ok(mine.schedule.length > 0);
    assert.ok(
      mine.schedule.every((s: { agreement: string }) => s.agreement.startsWith('acme-')),
      JSON.stringify(mine.schedule),
    );
  });
});

describe('bad input', () => {
  test('a review body that does not fit: 422 naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ outcome: 'maybe' }, /outcome/],
      [{ at: '2026-02-30', outcome: 'kept' }, /at/],
      [{ at: '2030-01-01', outcome: 'kept' }, /at: a review is recorded once it has been held/],
      [{ outcome: 'kept', version: 1 }, /version: only an amended outcome/],
      [{ outcome: 'amended', version: 99 }, /version: agreement acme-checkout has no version 99/],
      [{ outcome: 'kept', extra: true }, /extra/],
      [{}, /outcome/],
    ];
    for (const [body, re] of cases) {
      const r = await post(t, 'acme-checkout', body);
      assert.equal(r.statusCode, 422, `${JSON.stringify(body)}: ${r.body}`);
      assert.ok(isErrorBody(r.json()));
      assert.match(`${r.json().message} ${JSON.stringify(r.json().details)}`, re, JSON.stringify(body));
    }
    assert.equal(
      (
        await t.req('manager', {
          method: 'POST',
          url: '/v1/agreements/acme-checkout/reviews',
          headers: { 'content-type': 'application/json' },
          payload: '{"outcome":',
        })
      ).statusCode,
      400,
    );
    assert.equal(
      (
        await t.req('manager', {
          method: 'POST',
          url: '/v1/agreements/acme-checkout/reviews',
          headers: { 'content-type': 'text/plain' },
          payload: 'kept',
        })
      ).statusCode,
      415,
    );
    // Reviews are in date order: one before the last recorded is refused.
    const d = await demoTenant(ts.store);
    try {
      assert.equal((await post(d, 'acme-checkout', { at: '2026-09-20', outcome: 'kept' })).statusCode, 201);
      const older = await post(d, 'acme-checkout', { at: '2026-09-01', outcome: 'kept' });
      assert.equal(older.statusCode, 422);
      assert.match(older.body, /before the last recorded review/);
    } finally {
      await d.app.close();
    }
  });

  test('query parameters and unknown agreements', async () => {
    for (const q of ['today=2027-13-01', 'today=tomorrow', 'within=-1', 'within=x', 'foo=1']) {
      const r = await t.req('viewer', { method: 'GET', url: `/v1/reviews?${q}` });
      assert.equal(r.statusCode, 400, `${q}: ${r.body}`);
    }
    assert.equal((await t.req('viewer', { method: 'GET', url: '/v1/agreements/nope/reviews' })).statusCode, 404);
    assert.equal((await post(t, 'nope', { outcome: 'kept' })).statusCode, 404);
  });
});

describe('who may do what', () => {
  test('reading: every role (customers their own); recording: admin and manager', async () => {
    for (const role of ROLES) {
      assert.equal((await t.req(role, { method: 'GET', url: '/v1/agreements/acme-checkout/reviews' })).statusCode, 200, role);
      assert.equal((await t.req(role, { method: 'GET', url: '/v1/reviews' })).statusCode, 200, role);
      const allowed: Role[] = ['admin', 'manager'];
      const r = await post(t, 'acme-checkout', { at: '2026-10-01', outcome: 'kept' }, role);
      assert.equal(r.statusCode, allowed.includes(role) ? 201 : 403, `${role}: ${r.body}`);
    }
    assert.equal((await t.req(null, { method: 'GET', url: '/v1/reviews' })).statusCode, 401);
  });

  test("another customer's or another tenant's agreement does not exist for them", async () => {
    const globex = await t.token('customer', { customer: 'globex', user: 'globex-user' });
    assert.equal((await t.req({ secret: globex }, { method: 'GET', url: '/v1/agreements/acme-checkout/reviews' })).statusCode, 404);
    assert.equal((await t.req('customer', { method: 'GET', url: '/v1/agreements/uc-cloud/reviews' })).statusCode, 404);
    const b = await newTenant(ts.store);
    try {
      assert.equal((await b.req('admin', { method: 'GET', url: '/v1/agreements/acme-checkout/reviews' })).statusCode, 404);
      assert.equal((await post(b as DemoTenant, 'acme-checkout', { outcome: 'kept' }, 'admin')).statusCode, 404);
      assert.deepEqual((await b.req('admin', { method: 'GET', url: '/v1/reviews' })).json().schedule, []);
    } finally {
      await b.app.close();
    }
  });
});
