/**
 * The API on PostgreSQL: the same server on a PostgreSQL store (a throwaway cluster, or
 * PLEDGE_TEST_DATABASE_URL), through the paths a team uses every day, and the same answers as on
 * SQLite for the same demo data. Skipped loudly without PostgreSQL; a failure when
 * PLEDGE_REQUIRE_POSTGRES=1 (CI).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { skipBanner, startPostgres } from '../../src/store/testing/pg-harness.ts';
import { agreementYaml, openTestStore, type TestStore } from './helpers.ts';
import { demoTenant, type DemoTenant } from './demo-tenant.ts';

const started = await startPostgres();
const harness = started.ok ? started.harness : undefined;
const skip = started.ok ? undefined : started.reason;
if (!started.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the API tests', () => assert.fail(started.reason));
  else console.error(skipBanner(started.reason));
}

describe('the API on PostgreSQL', { skip: skip ?? false }, () => {
  let store: Store;
  let t: DemoTenant;
  let lite: TestStore;
  let l: DemoTenant;
  before(async () => {
    store = await openStore({ kind: 'postgres', url: harness!.url, schema: harness!.freshSchema() });
    t = await demoTenant(store);
    lite = await openTestStore();
    l = await demoTenant(lite.store);
  });
  after(async () => {
    await t?.app.close();
    await store?.close();
    await l?.app.close();
    await lite?.close();
    await harness?.stop();
  });

  const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

  test('the same figures as on SQLite: reports, compliance, settlements, status, portfolio', async () => {
    for (const url of [
      '/v1/agreements/acme-checkout/report?period=2026-08',
      '/v1/agreements/globex-email/report?period=2026-09',
      '/v1/compliance?limit=1000',
      '/v1/settlements?limit=1000',
      '/v1/status',
      '/v1/portfolio',
      '/v1/agreements/northwind-corporate/history',
      '/v1/watermelon?period=2026-09',
      '/v1/checks',
    ]) {
      const a = await t.req('viewer', { method: 'GET', url });
      const b = await l.req('viewer', { method: 'GET', url });
      assert.equal(a.statusCode, 200, `${url}: ${a.body.slice(0, 300)}`);
      // Computed at the same instant from the same events: equal, but for the tenant's name.
      assert.deepEqual(JSON.parse(a.body.replaceAll(t.tenant, 'T')), JSON.parse(b.body.replaceAll(l.tenant, 'T')), url);
    }
  });

  test('events: accepted once, then duplicates; a late event is in the next read', async () => {
    const ev = {
      id: 'pg-1',
      type: 'ticket.created',
      source: 'desk',
      at: '2026-09-29T09:00:00Z',
      ticket: 'PG-1',
      service: 'checkout',
      customer: 'acme',
      priority: 'P1',
      status: 'new',
    };
    const first = await t.req('agent', { method: 'POST', url: '/v1/events', ...json([ev]) });
    assert.equal(first.json().accepted, 1, first.body);
    const again = await t.req('agent', { method: 'POST', url: '/v1/events', ...json([ev]) });
    assert.equal(again.json().duplicates, 1);
    const ticket = await t.req('viewer', { method: 'GET', url: '/v1/tickets/PG-1' });
    assert.equal(ticket.statusCode, 200, ticket.body);
    assert.ok(ticket.json().clocks.length > 0);
    assert.equal(await store.getDerivedWatermark(t.tenant), await store.lastEventSeq(t.tenant));
  });

  test('agreements: create, amend with If-Match, a stale ETag refused, a review recorded, all audited', async () => {
    const put = (yaml: string, etag?: string) =>
      t.req('manager', {
        method: 'PUT',
        url: '/v1/agreements/pg-gold',
        headers: { 'content-type': 'application/yaml', ...(etag ? { 'if-match': etag } : {}) },
        payload: yaml,
      });
    const created = await put(agreementYaml('pg-gold'));
    assert.equal(created.statusCode, 201, created.body);
    const etag = String(created.headers.etag);
    const updated = await put(agreementYaml('pg-gold').replace('value: 99.9', 'value: 99.95'), etag);
    assert.equal(updated.statusCode, 200, updated.body);
    assert.equal(updated.json().result, 'updated');
    const stale = await put(agreementYaml('pg-gold').replace('value: 99.9', 'value: 99.5'), etag);
    assert.equal(stale.statusCode, 412);
    const review = await t.req('manager', {
      method: 'POST',
      url: '/v1/agreements/acme-checkout/reviews',
      ...json({ at: '2026-09-30', outcome: 'kept' }),
    });
    assert.equal(review.statusCode, 201, review.body);
    const audit = await t.req('auditor', { method: 'GET', url: '/v1/audit?limit=1000' });
    const actions = audit.json().items.map((e: { action: string }) => e.action);
    for (const a of ['agreement.create', 'agreement.update', 'agreement.review', 'events.ingest'])
      assert.ok(actions.includes(a), `${a} in ${actions.join()}`);
  });
});
