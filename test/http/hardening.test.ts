/**
 * What the server tells browsers and how it meets a client that keeps failing to authenticate
 * (src/http/security.ts): security headers on every answer, a Content-Security-Policy on every
 * HTML page that its page actually satisfies, CORS off unless configured, and 429 with Retry-After
 * after too many failed tokens from one address, never for successful requests or other addresses.
 * Real requests: Fastify's inject through the whole server, and a real socket for the last test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { LightMyRequestResponse } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { isErrorBody, newTenant, openTestStore, testConfig, type Tenant, type TestStore } from './helpers.ts';

let ts: TestStore;
before(async () => {
  ts = await openTestStore();
});
after(async () => {
  await ts.close();
});

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.com';

function assertSecurityHeaders(res: { headers: Record<string, unknown> }, what: string) {
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(res.headers['x-frame-options'], 'DENY', what);
  const csp = String(res.headers['content-security-policy'] ?? '');
  assert.match(csp, /(^|;)\s*default-src 'none'/, `${what}: ${csp}`);
  assert.match(csp, /(^|;)\s*frame-ancestors 'none'/, `${what}: ${csp}`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/, `${what}: ${csp}`);
}

/** The directives of a CSP header: name -> sources. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('security headers', () => {
  test('every kind of answer says nosniff, may not be framed and loads nothing', async () => {
    const t = await newTenant(ts.store, { config: { authFailures: { limit: 1, windowSeconds: 60 } } });
    const answers: Array<[string, LightMyRequestResponse]> = [
      ['200 probe', await t.req(null, { method: 'GET', url: '/healthz' })],
      ['200 metrics', await t.req(null, { method: 'GET', url: '/metrics' })],
      ['200 openapi', await t.req(null, { method: 'GET', url: '/openapi.json' })],
      ['200 /v1', await t.req('viewer', { method: 'GET', url: '/v1/agreements' })],
      [
        '201 /v1',
        await t.req('admin', {
          method: 'POST',
          url: '/v1/tokens',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ name: 'x', role: 'viewer', user: { id: 'x' } }),
        }),
      ],
      ['401', await t.req(null, { method: 'GET', url: '/v1/agreements' })],
      ['403', await t.req('viewer', { method: 'GET', url: '/v1/tokens' })],
      ['404 no route', await t.req(null, { method: 'GET', url: '/nope' })],
      ['400 from the router', await t.req('viewer', { method: 'GET', url: '/v1/agreements/%zz' })],
      ['405', await t.req(null, { method: 'DELETE', url: '/healthz' })],
      ['415', await t.req('agent', { method: 'POST', url: '/v1/events', headers: { 'content-type': 'image/png' }, payload: 'x' })],
      [
        '422',
        await t.req('manager', {
          method: 'PUT',
          url: '/v1/agreements/bad',
          headers: { 'content-type': 'application/json' },
          payload: '{"id":"bad"}',
        }),
      ],
      ['401 bad token', await t.req({ secret: 'pledge_wrong' }, { method: 'GET', url: '/v1/agreements' })],
      ['429', await t.req({ secret: 'pledge_wrong' }, { method: 'GET', url: '/v1/agreements' })],
    ];
    const statuses = answers.map(([, r]) => r.statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 200, 201, 401, 403, 404, 400, 405, 415, 422, 401, 429]);
    for (const [what, res] of answers) assertSecurityHeaders(res, what);
    await t.app.close();
  });

  test('every HTML page carries a CSP its page satisfies: no script, and only the inline styles whose hashes it lists', async () => {
    const t = await newTenant(ts.store);
    const doc = (await t.req(null, { method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    // Every GET without path parameters, as a reader of everything: those that answer HTML are pages.
    const pages: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!methods.get || path.includes('{')) continue;
      // An event stream does not end by itself (it is no page); test/http/alerts-stream.test.ts reads it.
      const content = (methods.get as { responses?: Record<string, { content?: Record<string, unknown> }> }).responses?.['200']?.content;
      if (content && 'text/event-stream' in content) continue;
      const res = await t.req('admin', { method: 'GET', url: path });
      if (!String(res.headers['content-type']).startsWith('text/html')) continue;
      pages.push(path);
      assertSecurityHeaders(res, path);
      const csp = directives(String(res.headers['content-security-policy']));
      assert.deepEqual(csp.get('script-src') ?? csp.get('default-src'), ["'none'"], `${path}: no script may run`);
      const styles = [...res.body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map(
        (m) => `'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`,
      );
      assert.ok(styles.length > 0, `${path} has its style sheet`);
      assert.deepEqual(
        [...(csp.get('style-src') ?? [])].sort(),
        [...new Set(styles)].sort(),
        `${path}: style-src allows exactly the page's own style sheets`,
      );
      // Nothing else the policy would block, so the page renders as written, offline.
      assert.doesNotMatch(res.body, /<script|<link|<img|<iframe|<object|<embed|\sstyle=|\ssrc=|\son[a-z]+=/i, path);
    }
    assert.deepEqual(pages, ['/docs']);
    await t.app.close();
  });
});

describe('CORS', () => {
  const preflight = (t: Tenant, origin: string, method = 'GET', headers = 'authorization') =>
    t.req(null, {
      method: 'OPTIONS',
      url: '/v1/agreements',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
    });

  test('off by default: a preflight from any origin is refused with 403 and no CORS header; other requests get none either', async () => {
    const t = await newTenant(ts.store);
    for (const origin of [APP, EVIL, 'http://127.0.0.1:8080', 'null']) {
      const res = await preflight(t, origin);
      assert.equal(res.statusCode, 403, origin);
      assert.ok(isErrorBody(res.json()));
      assert.equal(res.json().code, 'forbidden');
      assert.match(res.json().message, /PLEDGE_CORS_ORIGINS/);
      assert.equal(res.headers['access-control-allow-origin'], undefined, origin);
      assert.equal(res.headers['access-control-allow-methods'], undefined, origin);
    }
    const get = await t.req('viewer', { method: 'GET', url: '/v1/agreements', headers: { origin: APP } });
    assert.equal(get.statusCode, 200);
    assert.equal(get.headers['access-control-allow-origin'], undefined);
    await t.app.close();
  });

  test('configured origins: their preflights are allowed with the methods and headers the API uses; others are refused', async () => {
    const t = await newTenant(ts.store, { config: { corsOrigins: [APP, 'http://localhost:3000'] } });
    for (const origin of [APP, 'http://localhost:3000']) {
      const ok = await preflight(t, origin, 'PUT', 'authorization, content-type, if-match');
      assert.equal(ok.statusCode, 204, ok.body);
      assert.equal(ok.headers['access-control-allow-origin'], origin);
      assert.match(String(ok.headers.vary), /Origin/);
      for (const m of ['GET', 'POST', 'PUT', 'DELETE']) assert.match(String(ok.headers['access-control-allow-methods']), new RegExp(m));
      for (const h of ['authorization', 'content-type', 'if-match'])
        assert.match(String(ok.headers['access-control-allow-headers']), new RegExp(h));
      assert.equal(ok.headers['access-control-allow-credentials'], undefined, 'tokens are headers, not cookies');
    }
    for (const origin of [EVIL, `${APP}.evil.com`, 'https://app.example.com:8443', 'http://app.example.com']) {
      const no = await preflight(t, origin);
      assert.equal(no.statusCode, 403, origin);
      assert.equal(no.json().code, 'forbidden');
      assert.equal(no.headers['access-control-allow-origin'], undefined, origin);
    }
    // The requests themselves: the allowed origin may read answers (errors too) and their headers.
    const get = await t.req('viewer', { method: 'GET', url: '/v1/agreements', headers: { origin: APP } });
    assert.equal(get.statusCode, 200);
    assert.equal(get.headers['access-control-allow-origin'], APP);
    assert.match(String(get.headers['access-control-expose-headers']), /etag/);
    assert.match(String(get.headers['access-control-expose-headers']), /x-request-id/);
    const denied = await t.req(null, { method: 'GET', url: '/v1/agreements', headers: { origin: APP } });
    assert.equal(denied.statusCode, 401);
    assert.equal(denied.headers['access-control-allow-origin'], APP);
    const other = await t.req('viewer', { method: 'GET', url: '/v1/agreements', headers: { origin: EVIL } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    await t.app.close();
  });

  test('"*" allows any origin, still without credentials', async () => {
    const t = await newTenant(ts.store, { config: { corsOrigins: ['*'] } });
    const ok = await preflight(t, EVIL);
    assert.equal(ok.statusCode, 204);
    assert.equal(ok.headers['access-control-allow-origin'], '*');
    assert.equal(ok.headers['access-control-allow-credentials'], undefined);
    await t.app.close();
  });
});

describe('failed authentication', () => {
  const LIMIT = 3;
  const limited = () => newTenant(ts.store, { config: { authFailures: { limit: LIMIT, windowSeconds: 60 } } });
  const from = (t: Tenant, address: string, secret: string | null, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'GET',
      url: '/v1/agreements',
      remoteAddress: address,
      headers: { ...headers, ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
    });

  test(`after ${LIMIT} failed tokens an address gets 429 with Retry-After, for any token; another address is not affected`, async () => {
    const t = await limited();
    for (let i = 0; i < LIMIT; i++) {
      const res = await from(t, '203.0.113.7', `pledge_guess${i}`);
      assert.equal(res.statusCode, 401, `attempt ${i + 1}`);
    }
    const blocked = await from(t, '203.0.113.7', 'pledge_guess-next');
    assert.equal(blocked.statusCode, 429);
    assert.ok(isErrorBody(blocked.json()), blocked.body);
    assert.equal(blocked.json().code, 'too_many_requests');
    assert.equal(blocked.json().details.reason, 'failed_authentications');
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(blocked.headers['retry-after']));
    assert.equal(blocked.json().details.retryAfterSeconds, retryAfter);
    const doc = (await t.req(null, { method: 'GET', url: '/openapi.json' })).json();
    assert.match(doc.paths['/v1/agreements'].get.responses['429'].description, /too_many_requests/, 'documented');
    // Blocked means the token is not even looked at: a right guess would answer differently.
    const right = await from(t, '203.0.113.7', t.tokens.admin);
    assert.equal(right.statusCode, 429);
    // Other addresses: the valid token works, and their own failures start from zero.
    assert.equal((await from(t, '198.51.100.9', t.tokens.admin)).statusCode, 200);
    assert.equal((await from(t, '198.51.100.9', 'pledge_typo')).statusCode, 401);
    assert.equal((await from(t, '2001:db8::1', t.tokens.viewer)).statusCode, 200);
    await t.app.close();
  });

  test('successful requests and requests without a token count nothing', async () => {
    const t = await limited();
    for (let i = 0; i < 5 * LIMIT; i++) assert.equal((await from(t, '192.0.2.1', t.tokens.viewer)).statusCode, 200);
    for (let i = 0; i < 5 * LIMIT; i++) assert.equal((await from(t, '192.0.2.1', null)).json().details.reason, 'missing_token');
    for (let i = 0; i < LIMIT - 1; i++) assert.equal((await from(t, '192.0.2.1', 'pledge_wrong')).statusCode, 401);
    assert.equal((await from(t, '192.0.2.1', t.tokens.viewer)).statusCode, 200, 'still below the limit');
    assert.equal((await from(t, '192.0.2.1', 'pledge_wrong')).statusCode, 401, `failure ${LIMIT}`);
    assert.equal((await from(t, '192.0.2.1', t.tokens.viewer)).statusCode, 429);
    await t.app.close();
  });

  test('revoked, expired and malformed credentials count as failures too', async () => {
    const t = await limited();
    const expired = await t.token('viewer', { user: 'old', expiresAt: 1 });
    const kinds = [
      { authorization: `Bearer ${expired}` },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer pledge_unknown' },
    ];
    for (const h of kinds)
      assert.equal((await t.app.inject({ method: 'GET', url: '/v1/agreements', remoteAddress: '192.0.2.9', headers: h })).statusCode, 401);
    assert.equal((await from(t, '192.0.2.9', t.tokens.viewer)).statusCode, 429);
    await t.app.close();
  });

  test('behind a trusted proxy the client is the forwarded address; an untrusted peer cannot choose its address', async () => {
    const proxied = await newTenant(ts.store, { config: { authFailures: { limit: LIMIT, windowSeconds: 60 }, trustProxy: ['127.0.0.1'] } });
    for (let i = 0; i < LIMIT; i++) await from(proxied, '127.0.0.1', 'pledge_wrong', { 'x-forwarded-for': '203.0.113.50' });
    assert.equal((await from(proxied, '127.0.0.1', proxied.tokens.viewer, { 'x-forwarded-for': '203.0.113.50' })).statusCode, 429);
    assert.equal(
      (await from(proxied, '127.0.0.1', proxied.tokens.viewer, { 'x-forwarded-for': '203.0.113.51' })).statusCode,
      200,
      'another client behind the same proxy',
    );
    await proxied.app.close();

    const direct = await limited();
    for (let i = 0; i < LIMIT; i++) await from(direct, '192.0.2.77', 'pledge_wrong', { 'x-forwarded-for': `10.0.0.${i}` });
    assert.equal(
      (await from(direct, '192.0.2.77', direct.tokens.viewer, { 'x-forwarded-for': '10.9.9.9' })).statusCode,
      429,
      'X-Forwarded-For from an untrusted peer is ignored',
    );
    await direct.app.close();
  });
});

test('over a real socket: headers, a CORS preflight and the 429 after failed tokens', async () => {
  const app = buildServer({
    store: ts.store,
    config: testConfig({}, { corsOrigins: [APP], authFailures: { limit: 2, windowSeconds: 60 } }),
  });
  const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }));
  const send = (method: string, path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    const health = await send('GET', '/healthz');
    assert.equal(health.status, 200);
    assertSecurityHeaders(health, 'socket /healthz');
    const docs = await send('GET', '/docs');
    assert.match(String(docs.headers['content-security-policy']), /style-src 'sha256-/);
    const pre = await send('OPTIONS', '/v1/events', {
      origin: APP,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], APP);
    assert.equal((await send('OPTIONS', '/v1/events', { origin: EVIL, 'access-control-request-method': 'POST' })).status, 403);
    for (let i = 0; i < 2; i++) assert.equal((await send('GET', '/v1/agreements', { authorization: 'Bearer pledge_nope' })).status, 401);
    const blocked = await send('GET', '/v1/agreements', { authorization: 'Bearer pledge_nope' });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers['retry-after']) >= 1);
    assert.ok(isErrorBody(JSON.parse(blocked.body)));
  } finally {
    await app.close();
  }
});
