/**
 * Bad input on the read routes over derived results: bad query and path parameters are a 4xx naming
 * the field, never a 500, and random query strings and path segments never break the server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { isErrorBody, type TestStore } from './helpers.ts';
import { closeDemo, openDemo, type DemoTenant } from './demo-tenant.ts';

let ts: TestStore;
let t: DemoTenant;
before(async () => ({ ts, t } = await openDemo()));
after(() => closeDemo({ ts, t }));

/** Never a 5xx; every 4xx has the error shape. */
function sane(res: LightMyRequestResponse, what: string): number {
  assert.ok(res.statusCode < 500, `${what}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  if (res.statusCode >= 400) assert.ok(isErrorBody(res.json()), `${what}: error body ${res.body.slice(0, 300)}`);
  return res.statusCode;
}

/** 400 invalid_parameter, naming `field` first. */
async function badParam(url: string, field: string, where: 'query' | 'path' = 'query') {
  const res = await t.req('admin', { method: 'GET', url });
  assert.equal(res.statusCode, 400, `${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  const b = res.json();
  assert.ok(isErrorBody(b));
  assert.equal(b.code, 'invalid_parameter', url);
  assert.equal((b.details as { in: string }).in, where, url);
  assert.equal((b.details as { issues: Array<{ path: string }> }).issues[0]!.path, field, `${url}: ${res.body}`);
}

const GETS = [
  '/v1/agreements/acme-checkout/effective',
  '/v1/compliance',
  '/v1/agreements/acme-checkout/compliance',
  '/v1/settlements',
  '/v1/agreements/acme-checkout/settlements/2026-08',
  '/v1/tickets/acme-T-10001',
  '/v1/checks',
];

describe('bad parameters name the field', () => {
  test('compliance', async () => {
    await badParam('/v1/compliance?agreement=', 'agreement');
    await badParam('/v1/compliance?agreement=-bad', 'agreement');
    await badParam(`/v1/compliance?agreement=${'a'.repeat(101)}`, 'agreement');
    await badParam('/v1/compliance?target=a%20b', 'target');
    await badParam('/v1/compliance?window=2026/08', 'window');
    await badParam('/v1/compliance?window=', 'window');
    await badParam('/v1/compliance?limit=0', 'limit');
    await badParam('/v1/compliance?limit=1001', 'limit');
    await badParam('/v1/compliance?limit=ten', 'limit');
    await badParam('/v1/compliance?limit=1.5', 'limit');
    await badParam('/v1/compliance?colour=red', 'colour');
    await badParam('/v1/agreements/acme-checkout/compliance?agreement=acme-checkout', 'agreement');
    await badParam('/v1/agreements/acme-checkout/compliance?window=%00', 'window');
    await badParam('/v1/agreements/acme-checkout/compliance?limit=-1', 'limit');
  });

  test('settlements', async () => {
    await badParam('/v1/settlements?agreement=%2Fetc', 'agreement');
    await badParam('/v1/settlements?window=2026-08', 'window');
    await badParam('/v1/settlements?limit=abc', 'limit');
    await badParam('/v1/agreements/acme-checkout/settlements/-2026', 'period', 'path');
    await badParam('/v1/agreements/acme-checkout/settlements/2026-08!', 'period', 'path');
    const long = await t.req('admin', { method: 'GET', url: `/v1/agreements/acme-checkout/settlements/${'9'.repeat(101)}` });
    assert.equal(long.statusCode, 400, long.body);
    assert.equal(long.json().code, 'invalid_parameter');
    await badParam('/v1/agreements/a%20b/settlements/2026-08', 'id', 'path');
  });

  test('effective terms, tickets and checks', async () => {
    await badParam('/v1/agreements/a%20b/effective', 'id', 'path');
    await badParam('/v1/agreements/acme-checkout/effective?x=1', 'x');
    await badParam('/v1/tickets/a%01b', 'ticket', 'path');
    await badParam('/v1/tickets/T-1?verbose=1', 'verbose');
    await badParam('/v1/checks?events=yes', 'events');
    await badParam('/v1/checks?severity=fatal', 'severity');
    await badParam('/v1/checks?all=true', 'all');
  });

  test('a cursor the store did not hand out is a 4xx, not a 500', async () => {
    for (const url of ['/v1/compliance', '/v1/settlements', '/v1/agreements/acme-checkout/compliance', '/v1/compliance?window=2026-08']) {
      for (const cursor of ['garbage', 'WyJ4Il0', 'eyJhIjoxfQ', 'W10', 'bnVsbA']) {
        const res = await t.req('admin', { method: 'GET', url: `${url}${url.includes('?') ? '&' : '?'}after=${cursor}` });
        const s = sane(res, `${url} after=${cursor}`);
        assert.ok(s === 200 || (s >= 400 && s < 500), `${url} after=${cursor}: ${s}`);
        if (s >= 400) assert.equal(res.json().details.issues?.[0]?.path, 'after', res.body);
      }
    }
  });

  test('unknown resources are 404 with the error shape', async () => {
    for (const url of [
      '/v1/agreements/nope/effective',
      '/v1/agreements/nope/compliance',
      '/v1/agreements/nope/settlements/2026-08',
      '/v1/compliance?agreement=nope',
      '/v1/settlements?agreement=nope',
      '/v1/tickets/nope',
    ]) {
      const res = await t.req('admin', { method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.ok(isErrorBody(res.json()));
      assert.equal(res.json().code, 'not_found');
    }
  });

  test('write methods on the read routes are 405 with Allow', async () => {
    for (const url of GETS) {
      const res = await t.req('admin', { method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{}' });
      assert.equal(res.statusCode, 405, url);
      assert.match(String(res.headers.allow), /^GET\b/, url);
    }
  });
});

describe('random input never breaks the server', () => {
  test('random query strings on every new GET route', async () => {
    const key = fc.constantFrom('agreement', 'target', 'window', 'limit', 'after', 'events', 'severity', 'x', '__proto__', 'constructor');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GETS),
        fc.array(fc.tuple(key, fc.string({ unit: 'binary', maxLength: 30 })), { maxLength: 4 }),
        async (url, pairs) => {
          const qs = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
          sane(await t.req('viewer', { method: 'GET', url: `${url}?${qs}` }), `${url}?${qs}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('random path segments for ids, periods and tickets', async () => {
    const seg = fc.string({ unit: 'binary', maxLength: 60 }).map(encodeURIComponent);
    await fc.assert(
      fc.asyncProperty(seg, seg, async (a, b) => {
        for (const url of [
          `/v1/agreements/${a}/effective`,
          `/v1/agreements/${a}/compliance`,
          `/v1/agreements/acme-checkout/settlements/${b}`,
          `/v1/agreements/${a}/settlements/${b}`,
          `/v1/tickets/${a}`,
        ]) {
          sane(await t.req('customer', { method: 'GET', url }), url);
        }
      }),
      { numRuns: 80 },
    );
  });
});
