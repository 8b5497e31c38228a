/**
 * Signing in to the web app over HTTP (routes/sessions.ts, app/sign-in.ts): invites, passwords,
 * the session cookie, CSRF, lock-out, expiry, sign-out, and the same access policy as API tokens
 * for whoever signed in. And the app's page at `/` (web.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer } from '../../src/http/server.ts';
import { FAILURE_LIMIT, LOCK_MS, SESSION_IDLE_MS, SESSION_MAX_MS } from '../../src/app/sign-in.ts';
import { agreementYaml, newTenant, openTestStore, T0, testConfig, type Tenant, type TestStore } from './helpers.ts';

let ts: TestStore;
before(async () => {
  ts = await openTestStore();
});
after(async () => {
  await ts.close();
});

const json = { 'content-type': 'application/json' };
const PASSWORD = 'a long enough passphrase';
/**
 * Cheaper scrypt for the tests that hash many passwords (each OWASP-strength hash costs 128 MiB and
 * a quarter of a second or more); the first test keeps the production parameters and checks them.
 */
const FAST = { log2N: 12, r: 8, p: 1 };

/** Invites a person as the tenant's admin and accepts the invite; returns the e-mail and the cookie of that first session. */
async function person(t: Tenant, email: string, role: string, customer?: string): Promise<{ email: string; cookie: string; csrf: string }> {
  const inv = await t.req('admin', {
    method: 'POST',
    url: '/v1/invites',
    headers: json,
    payload: JSON.stringify({ email, role, ...(customer ? { customer } : {}) }),
  });
  assert.equal(inv.statusCode, 201, inv.body);
  const secret = String(inv.json().path).replace('/invite/', '');
  const acc = await t.req(null, {
    method: 'POST',
    url: `/v1/invites/${secret}/accept`,
    headers: json,
    payload: JSON.stringify({ password: PASSWORD }),
  });
  assert.equal(acc.statusCode, 200, acc.body);
  return { email, cookie: cookieOf(acc), csrf: acc.json().csrfToken };
}

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = String(res.headers['set-cookie']);
  assert.match(set, /^pledge_session=pledge_s_[A-Za-z0-9_-]{43}; /);
  assert.match(set, /HttpOnly/);
  assert.match(set, /SameSite=Strict/);
  assert.match(set, /Path=\//);
  return set.split(';')[0]!;
}

async function signIn(t: Tenant, email: string, password: string) {
  return t.req(null, { method: 'POST', url: '/v1/session', headers: json, payload: JSON.stringify({ email, password }) });
}

describe('signing in', () => {
  test('an invited person chooses a password, signs in with any case of the e-mail, and acts with the role invited', async () => {
    const t = await newTenant(ts.store);
    const p = await person(t, 'Viewer.One@Example.com', 'viewer');
    const res = await signIn(t, 'viewer.one@EXAMPLE.com', PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(body.user, {
      id: 'viewer.one_example.com',
      name: 'viewer.one@example.com',
      email: 'viewer.one@example.com',
      tenant: t.tenant,
      role: 'viewer',
    });
    assert.equal(res.headers['cache-control'], 'no-store');
    const cookie = cookieOf(res);
    assert.notEqual(cookie, p.cookie, 'each sign-in is a new session');
    // Reads as a viewer; a write the viewer role may not make is 403 even with the CSRF token.
    assert.equal((await t.req(null, { method: 'GET', url: '/v1/agreements', headers: { cookie } })).statusCode, 200);
    const write = await t.req(null, {
      method: 'POST',
      url: '/v1/events',
      headers: { ...json, cookie, 'x-csrf-token': body.csrfToken },
      payload: '[]',
    });
    assert.equal(write.statusCode, 403, write.body);
    assert.equal(write.json().details.role, 'viewer');
    // The password is stored as an scrypt hash with OWASP's parameters (N = 2^17, r = 8, p = 1), never as itself.
    const stored = (await ts.store.findLogin('viewer.one@example.com'))!.login.passwordHash!;
    assert.match(stored, /^scrypt\$17\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.ok(!stored.includes(PASSWORD));
    // The session answers who is signed in, with the same CSRF token.
    const me = await t.req(null, { method: 'GET', url: '/v1/session', headers: { cookie } });
    assert.equal(me.json().csrfToken, body.csrfToken);
    // The audit log names the person.
    const audit = await t.req('admin', { method: 'GET', url: '/v1/audit' });
    const actions = (audit.json().items as Array<{ action: string; actor: string }>).map((e) => `${e.action} ${e.actor}`);
    for (const a of ['user.invite admin-user', 'user.set_password viewer.one_example.com', 'session.sign_in viewer.one_example.com'])
      assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
  });

  test('a wrong password and an unknown e-mail get the same 401; the password is never in an answer', async () => {
    const t = await newTenant(ts.store, { scrypt: FAST });
    await person(t, 'jo@example.com', 'viewer');
    const wrong = await signIn(t, 'jo@example.com', 'not the password');
    const unknown = await signIn(t, 'nobody@example.com', 'not the password');
    for (const r of [wrong, unknown]) {
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().code, 'unauthenticated');
      assert.equal(r.json().details.reason, 'invalid_credentials');
      assert.equal(r.headers['set-cookie'], undefined);
    }
    assert.equal(wrong.json().message, unknown.json().message);
    const logins = await t.req('admin', { method: 'GET', url: '/v1/logins' });
    assert.ok(!logins.body.includes('scrypt'), 'no hash in the listing');
    assert.deepEqual(
      logins.json().items.map((l: { email: string; passwordSet: boolean }) => [l.email, l.passwordSet]),
      [['jo@example.com', true]],
    );
  });

  test(`${FAILURE_LIMIT} wrong passwords in a row lock the login for 15 minutes, the right one included; then it works`, async () => {
    const t = await newTenant(ts.store, { scrypt: FAST });
    await person(t, 'lock@example.com', 'viewer');
    for (let i = 1; i < FAILURE_LIMIT; i++) assert.equal((await signIn(t, 'lock@example.com', `wrong ${i}`)).statusCode, 401);
    const locked = await signIn(t, 'lock@example.com', 'wrong again');
    assert.equal(locked.statusCode, 429, locked.body);
    assert.equal(locked.json().details.reason, 'locked');
    assert.equal(locked.headers['retry-after'], String(LOCK_MS / 1000));
    t.clock.now += LOCK_MS - 1000;
    const still = await signIn(t, 'lock@example.com', PASSWORD);
    assert.equal(still.statusCode, 429, 'the right password waits too');
    assert.equal(still.headers['retry-after'], '1');
    t.clock.now += 1000;
    assert.equal((await signIn(t, 'lock@example.com', PASSWORD)).statusCode, 200);
    // A success clears the count: another run of failures starts from one.
    for (let i = 1; i < FAILURE_LIMIT; i++) assert.equal((await signIn(t, 'lock@example.com', `wrong ${i}`)).statusCode, 401);
  });

  test('a write with the cookie needs the CSRF token, from a page of this server; reads do not', async () => {
    const t = await newTenant(ts.store, { scrypt: FAST });
    const p = await person(t, 'agent@example.com', 'agent');
    const post = (headers: Record<string, string>) =>
      t.req(null, { method: 'POST', url: '/v1/events', headers: { ...json, cookie: p.cookie, ...headers }, payload: '[]' });
    const none = await post({});
    assert.equal(none.statusCode, 403);
    assert.equal(none.json().details.reason, 'csrf_token');
    // Change the last character to another one: a fixed replacement would be the same token when it already ends so.
    const forged = `${p.csrf.slice(0, -1)}${p.csrf.endsWith('A') ? 'B' : 'A'}`;
    assert.equal((await post({ 'x-csrf-token': forged })).json().details.reason, 'csrf_token');
    const crossSite = await post({ 'x-csrf-token': p.csrf, origin: 'https://evil.example', host: 'pledge.example' });
    assert.equal(crossSite.statusCode, 403);
    assert.equal(crossSite.json().details.reason, 'cross_site');
    const ok = await post({ 'x-csrf-token': p.csrf, origin: 'http://pledge.example', host: 'pledge.example' });
    assert.notEqual(ok.statusCode, 403, ok.body);
    assert.notEqual(ok.statusCode, 401, ok.body);
    // An API token needs no CSRF token: it is not sent by a browser on its own.
    assert.notEqual((await t.req('agent', { method: 'POST', url: '/v1/events', headers: json, payload: '[]' })).statusCode, 403);
  });

  test('sign-out ends the session in the database; the cookie no longer works', async () => {
    const t = await newTenant(ts.store, { scrypt: FAST });
    const p = await person(t, 'out@example.com', 'viewer');
    const noToken = await t.req(null, { method: 'DELETE', url: '/v1/session', headers: { cookie: p.cookie } });
    assert.equal(noToken.statusCode, 403, 'sign-out is a write: it needs the CSRF token');
    const out = await t.req(null, { method: 'DELETE', url: '/v1/session', headers: { cookie: p.cookie, 'x-csrf-token': p.csrf } });
    assert.equal(out.statusCode, 200, out.body);
    assert.match(String(out.headers['set-cookie']), /^pledge_session=; Max-Age=0/);
    const after = await t.req(null, { method: 'GET', url: '/v1/agreements', headers: { cookie: p.cookie } });
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().details.reason, 'signed_out');
    assert.equal((await t.req(null, { method: 'GET', url: '/v1/session', headers: { cookie: p.cookie } })).statusCode, 401);
    assert.equal((await t.req(null, { method: 'GET', url: '/v1/session' })).statusCode, 401);
  });

  test('a session expires 12 hours after its last use, and 7 days after sign-in whatever the use', async () => {
    const t = await newTenant(ts.store, { scrypt: FAST });
    const p = await person(t, 'idle@example.com', 'viewer');
    const get = () => t.req(null, { method: 'GET', url: '/v1/agreements', headers: { cookie: p.cookie } });
    t.clock.now += SESSION_IDLE_MS - 60_000;
    assert.equal((await get()).statusCode, 200, 'used just before it would expire: slides');
    t.clock.now += SESSION_IDLE_MS - 60_000;
    assert.equal((await get()).statusCode, 200);
    t.clock.now += SESSION_IDLE_MS;
    const idle = await get();
    assert.equal(idle.statusCode, 401);
    assert.equal(idle.json().details.reason, 'expired_session');

    const q = await signIn(t, 'idle@example.com', PASSWORD);
    const cookie = cookieOf(q);
    const started = t.clock.now;
    while (t.clock.now + SESSION_IDLE_MS / 2 < started + SESSION_MAX_MS) {
      t.clock.now += SESSION_IDLE_MS / 2;
      assert.equal((await t.req(null, { method: 'GET', url: '/v1/agreements', headers: { cookie } })).statusCode, 200);
    }
    t.clock.now = started + SESSION_MAX_MS;
    assert.equal(
      (await t.req(null, { method: 'GET', url: '/v1/agreements', headers: { cookie } })).json().details.reason,
      'expired_session',
    );
  });

  test("a customer signed in sees its own agreements only, never another customer's or internal ones", async () => {
    const t = await newTenant(ts.store, { scrypt: FAST });
    for (const [id, customer] of [
      ['acme-gold', 'acme'],
      ['globex-gold', 'globex'],
    ] as const) {
      const r = await t.req('manager', {
        method: 'PUT',
        url: `/v1/agreements/${id}`,
        headers: { 'content-type': 'application/yaml' },
        payload: agreementYaml(id, customer),
      });
      assert.equal(r.statusCode, 201, r.body);
    }
    const p = await person(t, 'it@acme.example', 'customer', 'acme');
    const list = await t.req(null, { method: 'GET', url: '/v1/agreements', headers: { cookie: p.cookie } });
    assert.deepEqual(
      list.json().items.map((a: { id: string }) => a.id),
      ['acme-gold'],
    );
    assert.equal((await t.req(null, { method: 'GET', url: '/v1/agreements/globex-gold', headers: { cookie: p.cookie } })).statusCode, 404);
    for (const url of ['/v1/events', '/v1/calendars', '/v1/audit', '/v1/logins', '/v1/channels'])
      assert.equal((await t.req(null, { method: 'GET', url, headers: { cookie: p.cookie } })).statusCode, 403, url);
  });

  test('invites: a weak password is refused naming the field; a used invite, an expired one, a disabled user; re-inviting resets the password', async () => {
    const t = await newTenant(ts.store, { scrypt: FAST });
    const inv = async (email: string) =>
      String(
        (
          await t.req('admin', {
            method: 'POST',
            url: '/v1/invites',
            headers: json,
            payload: JSON.stringify({ email, role: 'manager', name: 'Mo' }),
          })
        ).json().path,
      ).replace('/invite/', '');
    const secret = await inv('mo@example.com');
    const shown = await t.req(null, { method: 'GET', url: `/v1/invites/${secret}` });
    assert.deepEqual(shown.json(), {
      email: 'mo@example.com',
      name: 'Mo',
      role: 'manager',
      expiresAt: new Date(t.clock.now + 7 * 86_400_000).toISOString(),
    });
    const accept = (s: string, password: string) =>
      t.req(null, { method: 'POST', url: `/v1/invites/${s}/accept`, headers: json, payload: JSON.stringify({ password }) });
    for (const [password, message] of [
      ['short', /at least 12 characters/],
      ['mo@example.com', /at least 12|e-mail/],
      ['aaaaaaaaaaaaaaaa', /4 different characters/],
    ] as const) {
      const r = await accept(secret, password);
      assert.equal(r.statusCode, 422, r.body);
      assert.equal(r.json().details.issues[0].path, 'password');
      assert.match(r.json().message, message);
    }
    const first = await accept(secret, PASSWORD);
    assert.equal(first.statusCode, 200);
    const used = await accept(secret, PASSWORD);
    assert.equal(used.statusCode, 409);
    assert.equal(used.json().details.reason, 'used');
    assert.equal((await t.req(null, { method: 'GET', url: `/v1/invites/${secret}` })).statusCode, 409);
    assert.equal((await t.req(null, { method: 'GET', url: '/v1/invites/pledge_i_nope' })).statusCode, 404);

    // A password reset: a new invite, a new password; the old password and the old session stop working.
    const oldCookie = cookieOf(first);
    const again = await inv('mo@example.com');
    assert.equal((await accept(again, 'another long passphrase')).statusCode, 200);
    assert.equal((await signIn(t, 'mo@example.com', PASSWORD)).statusCode, 401);
    assert.equal((await signIn(t, 'mo@example.com', 'another long passphrase')).statusCode, 200);
    assert.equal(
      (await t.req(null, { method: 'GET', url: '/v1/agreements', headers: { cookie: oldCookie } })).json().details.reason,
      'signed_out',
    );

    const late = await inv('late@example.com');
    t.clock.now += 7 * 86_400_000;
    const expired = await accept(late, PASSWORD);
    assert.equal(expired.statusCode, 404);
    assert.equal(expired.json().details.reason, 'expired');

    // Another user's e-mail, or a customer login without its customer, is refused.
    const taken = await t.req('admin', {
      method: 'POST',
      url: '/v1/invites',
      headers: json,
      payload: JSON.stringify({ email: 'MO@example.com', role: 'viewer', user: 'someone' }),
    });
    assert.equal(taken.statusCode, 409);
    const noCustomer = await t.req('admin', {
      method: 'POST',
      url: '/v1/invites',
      headers: json,
      payload: JSON.stringify({ email: 'c@example.com', role: 'customer' }),
    });
    assert.equal(noCustomer.statusCode, 422);
    assert.equal(noCustomer.json().details.issues[0].path, 'customer');
    // Only an admin invites.
    assert.equal(
      (
        await t.req('manager', {
          method: 'POST',
          url: '/v1/invites',
          headers: json,
          payload: JSON.stringify({ email: 'x@example.com', role: 'viewer' }),
        })
      ).statusCode,
      403,
    );
  });

  test('a disabled user can no longer sign in, and its sessions stop working', async () => {
    const t = await newTenant(ts.store, { scrypt: FAST });
    const p = await person(t, 'gone@example.com', 'viewer');
    await ts.store.disableUser(t.tenant, 'gone_example.com', t.clock.now);
    const r = await t.req(null, { method: 'GET', url: '/v1/agreements', headers: { cookie: p.cookie } });
    assert.equal(r.json().details.reason, 'disabled_user');
    const s = await signIn(t, 'gone@example.com', PASSWORD);
    assert.equal(s.statusCode, 401);
    assert.equal(s.json().details.reason, 'disabled_user');
  });

  test('sign-in refuses what a form on another site could send, and bad input names the field', async () => {
    const t = await newTenant(ts.store, { scrypt: FAST });
    const form = await t.req(null, {
      method: 'POST',
      url: '/v1/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a%40b.c&password=x',
    });
    assert.equal(form.statusCode, 415);
    const text = await t.req(null, {
      method: 'POST',
      url: '/v1/session',
      headers: { 'content-type': 'text/plain' },
      payload: '{"email":"a","password":"b"}',
    });
    assert.equal(text.statusCode, 415);
    const missing = await t.req(null, { method: 'POST', url: '/v1/session', headers: json, payload: JSON.stringify({ email: 'a@b.c' }) });
    assert.equal(missing.statusCode, 422);
    assert.equal(missing.json().details.issues[0].path, 'password');
    const huge = await t.req(null, {
      method: 'POST',
      url: '/v1/session',
      headers: json,
      payload: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(2000) }),
    });
    assert.equal(huge.statusCode, 422);
  });
});

describe('the web app page', () => {
  test('a browser navigation to any app path gets index.html under the app CSP; API paths keep their JSON 404', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pledge-web-'));
    try {
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Pledge</title><script type="module" src="/assets/app-1.js"></script>');
      writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
      const app = buildServer({ store: ts.store, config: testConfig(), now: () => T0, webRoot: dir });
      const html = { accept: 'text/html,application/xhtml+xml' };
      for (const url of ['/', '/agreements/acme-gold', '/tickets/T-1?source=desk', '/invite/pledge_i_x']) {
        const r = await app.inject({ method: 'GET', url, headers: html });
        assert.equal(r.statusCode, 200, url);
        assert.match(r.body, /<title>Pledge<\/title>/);
        const csp = String(r.headers['content-security-policy']);
        assert.match(csp, /script-src 'self'/);
        assert.match(csp, /frame-ancestors 'none'/);
        assert.doesNotMatch(csp, /unsafe-inline/);
        assert.equal(r.headers['cache-control'], 'no-cache');
      }
      const asset = await app.inject({ method: 'GET', url: '/assets/app-1.js' });
      assert.equal(asset.statusCode, 200);
      assert.match(String(asset.headers['cache-control']), /immutable/);
      assert.equal((await app.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode, 404);
      for (const url of ['/v1/nope', '/healthz/x']) {
        const r = await app.inject({ method: 'GET', url, headers: html });
        assert.equal(r.statusCode, 404, url);
        assert.equal(r.json().code, 'not_found');
      }
      assert.equal((await app.inject({ method: 'GET', url: '/somewhere' })).statusCode, 404, 'not a browser: JSON 404');
      assert.equal((await app.inject({ method: 'POST', url: '/', headers: html })).statusCode, 404);
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('without a build, the page says how to build it (503) and the API works', async () => {
    const app = buildServer({ store: ts.store, config: testConfig(), now: () => T0, webRoot: join(tmpdir(), 'pledge-no-such-build') });
    const r = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    assert.equal(r.statusCode, 503);
    assert.match(r.body, /npm run build/);
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    await app.close();
  });
});
