/**
 * Who may read derived results. For each new route: no token is 401; each role per the policy
 * (written out here independently of the policy table); another tenant sees nothing (404 on what
 * names a resource, empty lists otherwise); a customer sees only its own agreements and tickets.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, type Role } from '../../src/core/access/policy.ts';
import { isErrorBody, newTenant, type TestStore } from './helpers.ts';
import { acmeTicket, closeDemo, globexTicket, openDemo, type DemoTenant } from './demo-tenant.ts';

let ts: TestStore;
let t: DemoTenant;
let acmeT: string;
let globexT: string;
before(async () => {
  ({ ts, t } = await openDemo());
  acmeT = await acmeTicket(ts.store, t.tenant);
  globexT = await globexTicket(ts.store, t.tenant);
});
after(() => closeDemo({ ts, t }));

/** The answer without its message (which may echo the id the client asked for). */
const withoutMessage = (body: string) => JSON.stringify({ ...JSON.parse(body), message: undefined });

const READERS: Role[] = ['admin', 'manager', 'agent', 'viewer', 'auditor'];

interface Route {
  url: string;
  allowed: Role[];
  /** Names one resource of customer acme: another tenant or customer gets 404. */
  scoped: boolean;
}

const routes = (): Route[] => [
  { url: '/v1/agreements/acme-checkout/effective', allowed: [...READERS, 'customer'], scoped: true },
  { url: '/v1/compliance', allowed: [...READERS, 'customer'], scoped: false },
  { url: '/v1/compliance?agreement=acme-checkout', allowed: [...READERS, 'customer'], scoped: true },
  { url: '/v1/agreements/acme-checkout/compliance', allowed: [...READERS, 'customer'], scoped: true },
  { url: '/v1/settlements', allowed: [...READERS, 'customer'], scoped: false },
  { url: '/v1/settlements?agreement=acme-checkout', allowed: [...READERS, 'customer'], scoped: true },
  { url: '/v1/agreements/acme-checkout/settlements/2026-08', allowed: [...READERS, 'customer'], scoped: true },
  { url: `/v1/tickets/${acmeT}`, allowed: [...READERS, 'customer'], scoped: true },
  { url: `/v1/tickets/${acmeT}?source=`, allowed: [...READERS, 'customer'], scoped: true },
  { url: '/v1/checks', allowed: READERS, scoped: false },
];

describe('authentication and roles', () => {
  test('no token, or an unknown one, is 401 on every route', async () => {
    for (const r of routes()) {
      for (const headers of [{}, { authorization: 'Bearer pledge_not-a-real-token' }]) {
        const res = await t.app.inject({ method: 'GET', url: r.url, headers });
        assert.equal(res.statusCode, 401, r.url);
        assert.ok(isErrorBody(res.json()));
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      }
    }
  });

  test('each role gets what the policy grants: 200 for the allowed, 403 for the others', async () => {
    for (const r of routes()) {
      for (const role of ROLES) {
        const res = await t.req(role, { method: 'GET', url: r.url });
        if (r.allowed.includes(role)) assert.equal(res.statusCode, 200, `${role} on ${r.url}: ${res.body.slice(0, 300)}`);
        else {
          assert.equal(res.statusCode, 403, `${role} on ${r.url}: ${res.body.slice(0, 300)}`);
          assert.equal(res.json().code, 'forbidden');
        }
      }
    }
  });
});

describe('tenants and customers', () => {
  test("another tenant's admin never reaches this tenant's results", async () => {
    const b = await newTenant(ts.store);
    try {
      for (const r of routes()) {
        const res = await b.req('admin', { method: 'GET', url: r.url });
        if (r.scoped) {
          assert.equal(res.statusCode, 404, `${r.url}: ${res.body.slice(0, 300)}`);
          assert.equal(res.json().code, 'not_found');
        } else assert.equal(res.statusCode, 200, r.url);
        assert.doesNotMatch(withoutMessage(res.body), /acme|globex|northwind/, `${r.url} leaks nothing of tenant A`);
      }
      assert.deepEqual((await b.req('admin', { method: 'GET', url: '/v1/compliance' })).json().items, []);
      assert.deepEqual((await b.req('admin', { method: 'GET', url: '/v1/settlements' })).json().items, []);
      assert.equal((await b.req('admin', { method: 'GET', url: '/v1/checks' })).json().agreements, 0);
      // Reading in B computed nothing in A, and A's results are unchanged by B.
      assert.equal(await ts.store.getDerivedWatermark(b.tenant), 0);
    } finally {
      await b.app.close();
    }
  });

  test("a customer gets 404 on another customer's agreement, results and tickets, and never sees them listed", async () => {
    const globex = await t.token('customer', { customer: 'globex', user: 'globex-user' });
    for (const r of routes().filter((x) => x.scoped)) {
      const res = await t.req({ secret: globex }, { method: 'GET', url: r.url });
      assert.equal(res.statusCode, 404, `${r.url}: ${res.body.slice(0, 300)}`);
      assert.equal(res.json().code, 'not_found');
      assert.doesNotMatch(withoutMessage(res.body), /acme/);
    }
    // Internal agreements (OLAs, UCs, the corporate level) are not visible to customers either.
    for (const url of [
      '/v1/agreements/ola-network/effective',
      '/v1/agreements/northwind-corporate/compliance',
      '/v1/settlements?agreement=uc-cloud',
      '/v1/agreements/uc-cloud/settlements/2026-08',
    ]) {
      assert.equal((await t.req('customer', { method: 'GET', url })).statusCode, 404, url);
    }
    // The lists hold only the customer's own agreements' results.
    for (const url of ['/v1/compliance?limit=1000', '/v1/settlements?limit=1000']) {
      const items = (await t.req({ secret: globex }, { method: 'GET', url })).json().items as Array<{ agreement: string }>;
      assert.ok(items.length > 0, url);
      assert.ok(
        items.every((i) => i.agreement === 'globex-email' || i.agreement === 'globex-enterprise'),
        `${url}: ${[...new Set(items.map((i) => i.agreement))].join(', ')}`,
      );
    }
    // Its own ticket: only the clocks of its own agreements.
    const own = await t.req({ secret: globex }, { method: 'GET', url: `/v1/tickets/${globexT}` });
    assert.equal(own.statusCode, 200, own.body.slice(0, 300));
    assert.ok(
      own.json().clocks.every((c: { agreement: string }) => c.agreement.startsWith('globex-')),
      JSON.stringify(own.json().clocks.map((c: { agreement: string }) => c.agreement)),
    );
    assert.doesNotMatch(own.body, /acme/);
    // A customer with no agreement sees empty lists.
    const hooli = await t.token('customer', { customer: 'hooli', user: 'hooli-user' });
    for (const url of ['/v1/compliance', '/v1/settlements'])
      assert.deepEqual((await t.req({ secret: hooli }, { method: 'GET', url })).json(), { items: [] }, url);
    // Checks stay forbidden, whatever the customer.
    assert.equal((await t.req({ secret: globex }, { method: 'GET', url: '/v1/checks' })).statusCode, 403);
  });
});
