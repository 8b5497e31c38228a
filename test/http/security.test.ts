/**
 * Who may see and do what. For every /v1 route: no or bad token is 401; each role that must not use
 * it is 403 (and nothing changes); another tenant's token does not reach this tenant's resources;
 * a customer token does not reach another customer's agreement. The expected roles are written out
 * here, independently of the policy table, so a change to either shows up. And what needs no token
 * (/healthz, /readyz, /metrics) tells a stranger nothing about any tenant or the database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { ROLES, type Role } from '../../src/core/access/policy.ts';
import { buildServer } from '../../src/http/server.ts';
import { openStore } from '../../src/store/index.ts';
import { skipBanner, startPostgres } from '../../src/store/testing/pg-harness.ts';
import type { Store } from '../../src/store/types.ts';
import {
  agreementYaml,
  CALENDAR_YAML,
  event,
  isErrorBody,
  newTenant,
  openTestStore,
  T0,
  testConfig,
  type Tenant,
  type TestStore,
} from './helpers.ts';

let ts: TestStore;
before(async () => {
  ts = await openTestStore();
});
after(async () => {
  await ts.close();
});

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  /** Roles allowed; all others must get 403. */
  allowed: Role[];
  headers?: Record<string, string>;
  payload?: string;
  /** The route acts on one agreement of customer acme (customer scoping applies). */
  agreement?: boolean;
}

const READERS: Role[] = ['admin', 'manager', 'agent', 'viewer', 'auditor'];
/** A ticket of customer acme, in every seeded tenant. */
const TICKET = {
  id: 's2',
  type: 'ticket.created',
  ticket: 'T-sec',
  at: '2026-10-01T09:00:00Z',
  service: 'pbx',
  customer: 'acme',
  priority: 'P2',
};
const json = { 'content-type': 'application/json' };

/** A tenant with agreement `gold` (customer acme, approved, two... one version), calendar `office`, events. */
async function seeded(): Promise<Tenant & { tokenId: string }> {
  const t = await newTenant(ts.store);
  await t.req('manager', {
    method: 'PUT',
    url: '/v1/agreements/gold',
    headers: { 'content-type': 'application/yaml' },
    payload: agreementYaml('gold'),
  });
  await t.req('manager', {
    method: 'POST',
    url: '/v1/agreements/gold/transitions',
    headers: json,
    payload: JSON.stringify({ to: 'in_review' }),
  });
  t.clock.now = T0 + 3_600_000;
  const approved = await t.req('manager', {
    method: 'POST',
    url: '/v1/agreements/gold/transitions',
    headers: json,
    payload: JSON.stringify({
      to: 'approved',
      signatures: [
        { party: 'provider', name: 'P', at: '2026-10-01T08:30:00Z' },
        { party: 'customer', name: 'C', at: '2026-10-01T08:40:00Z' },
      ],
      term: { start: '2026-11-01T00:00:00Z' },
    }),
  });
  assert.equal(approved.statusCode, 200, approved.body);
  await t.req('manager', {
    method: 'PUT',
    url: '/v1/calendars/office',
    headers: { 'content-type': 'application/yaml' },
    payload: CALENDAR_YAML,
  });
  await t.req('agent', { method: 'POST', url: '/v1/events', headers: json, payload: JSON.stringify([event('s1'), TICKET]) });
  const tokenId = (await ts.store.listTokens(t.tenant, { userId: 'viewer-user' }))[0]!.id;
  return { ...t, tokenId };
}

function routes(tokenId: string): Route[] {
  return [
    { method: 'POST', url: '/v1/events', allowed: ['admin', 'agent'], headers: json, payload: JSON.stringify([event('sec-1')]) },
    { method: 'GET', url: '/v1/events', allowed: READERS },
    {
      method: 'PUT',
      url: '/v1/agreements/gold',
      allowed: ['admin', 'manager'],
      headers: { 'content-type': 'application/yaml', 'if-match': '*' },
      payload: agreementYaml('gold'),
      agreement: true,
    },
    {
      method: 'PUT',
      url: '/v1/agreements/newone',
      allowed: ['admin', 'manager'],
      headers: { 'content-type': 'application/yaml' },
      payload: agreementYaml('newone'),
    },
    { method: 'GET', url: '/v1/agreements', allowed: [...READERS, 'customer'] },
    { method: 'GET', url: '/v1/agreements/gold', allowed: [...READERS, 'customer'], agreement: true },
    { method: 'GET', url: '/v1/agreements/gold/versions', allowed: [...READERS, 'customer'], agreement: true },
    { method: 'GET', url: '/v1/agreements/gold/diff?from=1&to=1', allowed: [...READERS, 'customer'], agreement: true },
    { method: 'GET', url: '/v1/agreements/gold/lifecycle', allowed: [...READERS, 'customer'], agreement: true },
    { method: 'GET', url: '/v1/tickets/T-sec', allowed: [...READERS, 'customer'], agreement: true },
    { method: 'GET', url: '/v1/tickets/T-sec?source=', allowed: [...READERS, 'customer'], agreement: true },
    {
      method: 'POST',
      url: '/v1/agreements/gold/transitions',
      allowed: ['admin', 'manager'],
      headers: json,
      payload: JSON.stringify({ to: 'terminated', reason: 'test' }),
      agreement: true,
    },
    {
      method: 'PUT',
      url: '/v1/calendars/office',
      allowed: ['admin', 'manager'],
      headers: { 'content-type': 'application/yaml', 'if-match': '*' },
      payload: CALENDAR_YAML.replace('17:00', '16:00'),
    },
    { method: 'GET', url: '/v1/calendars/office', allowed: READERS },
    { method: 'GET', url: '/v1/calendars', allowed: READERS },
    { method: 'GET', url: '/v1/audit', allowed: ['admin', 'manager', 'auditor'] },
    {
      method: 'POST',
      url: '/v1/tokens',
      allowed: ['admin'],
      headers: json,
      payload: JSON.stringify({ name: 'x', role: 'viewer', user: { id: 'someone' } }),
    },
    { method: 'GET', url: '/v1/tokens', allowed: ['admin'] },
    { method: 'DELETE', url: `/v1/tokens/${tokenId}`, allowed: ['admin'] },
    { method: 'GET', url: '/v1/metrics', allowed: READERS },
    { method: 'GET', url: '/v1/portfolio', allowed: [...READERS, 'customer'] },
    { method: 'GET', url: '/v1/watermelon?period=2026-10', allowed: [...READERS, 'customer'] },
    {
      method: 'POST',
      url: '/v1/invites',
      allowed: ['admin'],
      headers: json,
      payload: JSON.stringify({ email: 'matrix@example.com', role: 'viewer' }),
    },
    { method: 'GET', url: '/v1/logins', allowed: ['admin'] },
    // POST /v1/agreements/{id}/reports needs an agreement with results: its roles are checked on the
    // demo data in service-reports.test.ts.
    { method: 'GET', url: '/v1/agreements/gold/reports', allowed: [...READERS, 'customer'], agreement: true },
    { method: 'GET', url: '/v1/agreements/gold/history', allowed: [...READERS, 'customer'], agreement: true },
    // Report schedules go with the channels (channels.read); writing them is tested in report-schedules.test.ts.
    { method: 'GET', url: '/v1/report-schedules', allowed: ['admin', 'manager', 'auditor'] },
    { method: 'GET', url: '/v1/report-deliveries', allowed: ['admin', 'manager', 'auditor'] },
  ];
}

const label = (r: Route) => `${r.method} ${r.url.split('?')[0]}`;

describe('authentication', () => {
  test('every /v1 route refuses a missing, malformed, unknown, revoked or expired token and a disabled user with 401 and a reason', async () => {
    const t = await seeded();
    const expired = await t.token('admin', { expiresAt: T0 + 1, user: 'old' });
    const revoked = await t.token('admin', { user: 'gone' });
    const revokedId = (await ts.store.listTokens(t.tenant, { userId: 'gone' }))[0]!.id;
    await ts.store.revokeToken(t.tenant, revokedId, T0);
    const disabled = await t.token('admin', { user: 'left' });
    await ts.store.disableUser(t.tenant, 'left', T0);
    const cases: Array<[string, Record<string, string>, string]> = [
      ['missing', {}, 'missing_token'],
      ['malformed', { authorization: 'Basic dXNlcjpwYXNz' }, 'malformed_authorization'],
      ['unknown', { authorization: 'Bearer pledge_not-a-real-token' }, 'unknown_token'],
      ['revoked', { authorization: `Bearer ${revoked}` }, 'revoked_token'],
      ['expired', { authorization: `Bearer ${expired}` }, 'expired_token'],
      ['disabled user', { authorization: `Bearer ${disabled}` }, 'disabled_user'],
    ];
    for (const r of routes(t.tokenId)) {
      for (const [what, auth, reason] of cases) {
        const res = await t.app.inject({
          method: r.method,
          url: r.url,
          headers: { ...(r.headers ?? {}), ...auth },
          ...(r.payload ? { payload: r.payload } : {}),
        });
        assert.equal(res.statusCode, 401, `${label(r)} with a ${what} token`);
        assert.ok(isErrorBody(res.json()));
        assert.equal(res.json().details.reason, reason, `${label(r)} with a ${what} token`);
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      }
    }
    await t.app.close();
  });
});

describe('roles', () => {
  test('each role that must not use a route gets 403, and nothing changes', async () => {
    const t = await seeded();
    const auditBefore = (await ts.store.listAudit(t.tenant, { limit: 1000 })).items.length;
    for (const r of routes(t.tokenId)) {
      for (const role of ROLES.filter((x) => !r.allowed.includes(x))) {
        const res = await t.req(role, {
          method: r.method,
          url: r.url,
          headers: r.headers ?? {},
          ...(r.payload ? { payload: r.payload } : {}),
        });
        assert.equal(res.statusCode, 403, `${role} on ${label(r)}: ${res.body}`);
        assert.equal(res.json().code, 'forbidden');
      }
    }
    assert.equal((await ts.store.listAudit(t.tenant, { limit: 1000 })).items.length, auditBefore, 'no refused request changed anything');
    assert.equal(await ts.store.countEvents(t.tenant), 2);
    assert.equal(await ts.store.getAgreement(t.tenant, 'newone'), undefined);
    assert.equal((await ts.store.getAgreement(t.tenant, 'gold'))!.state, 'approved');
    await t.app.close();
  });

  test('each allowed role gets through (the matrix is not refusing everyone)', async () => {
    for (const r of routes('placeholder')) {
      for (const role of r.allowed) {
        const t = await seeded();
        const url = r.url.replace('placeholder', t.tokenId);
        const res = await t.req(role, { method: r.method, url, headers: r.headers ?? {}, ...(r.payload ? { payload: r.payload } : {}) });
        assert.ok(res.statusCode < 300, `${role} on ${label(r)}: ${res.statusCode} ${res.body}`);
        await t.app.close();
      }
    }
  });
});

describe('tenants and customers', () => {
  test("another tenant's admin token never reaches this tenant's agreements, calendars, tokens, events or audit", async () => {
    const a = await seeded();
    const b = await newTenant(ts.store);
    for (const r of routes(a.tokenId)) {
      const res = await b.req('admin', {
        method: r.method,
        url: r.url,
        headers: r.headers ?? {},
        ...(r.payload ? { payload: r.payload } : {}),
      });
      assert.ok(res.statusCode < 500, `${label(r)}: ${res.body}`);
      // Whatever the other tenant did happened in its own tenant: nothing of A's shows.
      assert.doesNotMatch(res.body, new RegExp(`"s1"|"s2"|"approved"|Office|${a.tenant}`), `${label(r)} leaks nothing of tenant A`);
    }
    for (const url of [
      '/v1/agreements/gold/versions',
      '/v1/agreements/gold/lifecycle',
      '/v1/calendars/office',
      '/v1/agreements/gold/diff?from=1&to=1',
      '/v1/tickets/T-sec',
    ]) {
      assert.equal((await b.req('admin', { method: 'GET', url })).statusCode, 404, url);
    }
    assert.equal((await b.req('admin', { method: 'DELETE', url: `/v1/tokens/${a.tokenId}` })).statusCode, 404);
    assert.equal((await ts.store.listTokens(a.tenant, { userId: 'viewer-user' }))[0]!.revokedAt, undefined);
    assert.deepEqual(
      (await b.req('admin', { method: 'GET', url: '/v1/events' })).json().items.map((e: { id: string }) => e.id),
      ['sec-1'],
      "only B's own event",
    );
    assert.ok(
      (await b.req('admin', { method: 'GET', url: '/v1/audit' })).json().items.every((e: { actor: string }) => e.actor === 'admin-user'),
      "only B's own changes",
    );
    assert.equal(await ts.store.countEvents(a.tenant), 2);
    assert.equal((await ts.store.getAgreement(a.tenant, 'gold'))!.state, 'approved');
    // B's own agreement gold (created by the PUT above) is B's: A's is unchanged.
    assert.equal((await ts.store.getAgreement(a.tenant, 'gold'))!.versionCount, 1);
    await a.app.close();
    await b.app.close();
  });

  test("a customer token reads its agreement's lifecycle without who made each move (provider staff stay internal)", async () => {
    const t = await seeded();
    const staff = await t.req('manager', { method: 'GET', url: '/v1/agreements/gold/lifecycle' });
    assert.equal(staff.statusCode, 200, staff.body);
    const full = staff.json();
    assert.ok(full.createdBy && full.transitions.length >= 2 && full.transitions.every((x: { by?: string }) => x.by), staff.body);
    const res = await t.req('customer', { method: 'GET', url: '/v1/agreements/gold/lifecycle' });
    assert.equal(res.statusCode, 200, res.body);
    const seen = res.json();
    assert.equal(seen.createdBy, undefined);
    assert.ok(
      seen.transitions.every((x: { by?: string }) => x.by === undefined),
      res.body,
    );
    // The rest is the same for both sides: states, dates, signatures, term.
    const withoutBy = ({ by: _b, ...x }: { by?: string }) => x;
    assert.deepEqual(seen.transitions, full.transitions.map(withoutBy));
    for (const who of new Set([full.createdBy, ...full.transitions.map((x: { by: string }) => x.by)]))
      assert.ok(!res.body.includes(`"${who}"`), `${who} is not named`);
  });

  test("a customer token sees only its own agreements: another customer's is not found on every agreement route", async () => {
    const t = await seeded();
    const globex = await t.token('customer', { customer: 'globex', user: 'globex-user' });
    for (const r of routes(t.tokenId).filter((x) => x.agreement && x.method === 'GET')) {
      const res = await t.req({ secret: globex }, { method: r.method, url: r.url });
      assert.equal(res.statusCode, 404, `${label(r)}: ${res.body}`);
      assert.equal(res.json().code, 'not_found');
      assert.doesNotMatch(res.body, /acme/);
    }
    const list = await t.req({ secret: globex }, { method: 'GET', url: '/v1/agreements' });
    assert.deepEqual(list.json().items, []);
    const other = await t.req({ secret: globex }, { method: 'GET', url: '/v1/agreements?customer=acme' });
    assert.equal(other.statusCode, 404);
    // The customer's own agreement is there.
    assert.equal((await t.req('customer', { method: 'GET', url: '/v1/agreements/gold' })).statusCode, 200);
    // Writes stay forbidden whatever the customer.
    for (const r of routes(t.tokenId).filter((x) => x.agreement && x.method !== 'GET')) {
      assert.equal(
        (
          await t.req(
            { secret: globex },
            { method: r.method, url: r.url, headers: r.headers ?? {}, ...(r.payload ? { payload: r.payload } : {}) },
          )
        ).statusCode,
        403,
        label(r),
      );
    }
    await t.app.close();
  });

  test('a customer token never sees an internal agreement (no customer)', async () => {
    const t = await newTenant(ts.store);
    await t.req('manager', {
      method: 'PUT',
      url: '/v1/agreements/ola',
      headers: json,
      payload: JSON.stringify({ id: 'ola', name: 'OLA', kind: 'ola', parties: { provider: { id: 'it', name: 'IT' } } }),
    });
    assert.equal((await t.req('customer', { method: 'GET', url: '/v1/agreements/ola' })).statusCode, 404);
    assert.deepEqual((await t.req('customer', { method: 'GET', url: '/v1/agreements' })).json().items, []);
    await t.app.close();
  });

  test('a secret never appears in a response other than the one that created it', async () => {
    const t = await newTenant(ts.store);
    const created = (
      await t.req('admin', {
        method: 'POST',
        url: '/v1/tokens',
        headers: json,
        payload: JSON.stringify({ name: 'x', role: 'agent', user: { id: 'bot' } }),
      })
    ).json();
    for (const url of ['/v1/tokens', '/v1/audit'])
      assert.doesNotMatch((await t.req('admin', { method: 'GET', url })).body, new RegExp(created.secret));
    await t.app.close();
  });
});

describe('what needs no token', () => {
  const PROCESS_SERIES = new Set([
    'pledge_http_requests_total',
    // Counts of this process's delivery loop, by outcome only: no tenant, no channel.
    'pledge_deliveries_total',
    'process_start_time_seconds',
    'process_resident_memory_bytes',
    'nodejs_heap_used_bytes',
  ]);
  const series = (text: string) =>
    new Set(
      text
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => l.split(/[{ ]/)[0]!),
    );
  const figure = (text: string, line: string) => Number(new RegExp(`^${line.replace(/[{}"=]/g, '\\$&')} (\\d+)$`, 'm').exec(text)?.[1]);

  test("/metrics has the process's figures only; a tenant's are at /v1/metrics, for a token of that tenant alone", async () => {
    const a = await seeded();
    const b = await newTenant(ts.store);
    // Tenant B works on the same server process as A.
    const asB = (role: Role, o: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: string }) =>
      a.app.inject({ ...o, headers: { ...(o.headers ?? {}), authorization: `Bearer ${b.tokens[role]}` } });
    const batch = JSON.stringify([event('b1'), event('b2'), event('b3'), event('b1')]);
    const sent = await asB('agent', { method: 'POST', url: '/v1/events', headers: json, payload: batch });
    assert.equal(sent.json().accepted, 3);

    const anon = await a.req(null, { method: 'GET', url: '/metrics' });
    assert.equal(anon.statusCode, 200);
    assert.match(String(anon.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.deepEqual(
      [...series(anon.body)].filter((n) => !PROCESS_SERIES.has(n)),
      [],
      'only process-level series',
    );
    assert.doesNotMatch(anon.body, /ingested|breach|lag|tenant|customer|acme/i);
    assert.ok(!anon.body.includes(a.tenant) && !anon.body.includes(b.tenant));
    // The process's load is there: both tenants' batches, as one route, without telling them apart.
    assert.equal(figure(anon.body, 'pledge_http_requests_total{method="POST",route="/v1/events",status="200"}'), 2);

    const mine = await a.req('viewer', { method: 'GET', url: '/v1/metrics' });
    assert.equal(mine.statusCode, 200, mine.body);
    assert.match(String(mine.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(figure(mine.body, 'pledge_events_ingested_total{outcome="accepted"}'), 2, "A's two events");
    assert.equal(figure(mine.body, 'pledge_events_ingested_total{outcome="duplicate"}'), 0);
    for (const name of ['pledge_evaluation_lag_events', 'pledge_open_breaches_tickets', 'pledge_open_breaches_targets']) {
      assert.ok(Number.isInteger(figure(mine.body, name)), name);
    }
    const theirs = await asB('viewer', { method: 'GET', url: '/v1/metrics' });
    assert.equal(figure(theirs.body, 'pledge_events_ingested_total{outcome="accepted"}'), 3, "B's three events");
    assert.equal(figure(theirs.body, 'pledge_events_ingested_total{outcome="duplicate"}'), 1);
    assert.equal(figure(theirs.body, 'pledge_evaluation_lag_events'), 3, "B's lag counts B's events only");
    assert.ok(!theirs.body.includes(a.tenant));
    // A customer sees no totals over other customers; a stranger sees nothing.
    assert.equal((await a.req('customer', { method: 'GET', url: '/v1/metrics' })).statusCode, 403);
    assert.equal((await a.req(null, { method: 'GET', url: '/v1/metrics' })).statusCode, 401);
    await a.app.close();
    await b.app.close();
  });

  /** A server on `store` whose log lines are kept, to see what the operator gets. */
  function logged(store: Store) {
    const lines: Array<Record<string, unknown>> = [];
    const stream = { write: (l: string) => void lines.push(JSON.parse(l)) };
    const app = buildServer({ store, config: testConfig(), logger: { level: 'error', stream } });
    return { app, lines };
  }

  /** /readyz on a store whose database has gone: terse to the client, the reason in the log under the request id. */
  async function assertTerseFailure(store: Store, secret: RegExp) {
    const { app, lines } = logged(store);
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    await app.close();
    assert.equal(res.statusCode, 503, res.body);
    assert.deepEqual(res.json(), {
      code: 'store_unavailable',
      message: 'not ready: the database does not answer',
      details: {},
      requestId: res.headers['x-request-id'],
    });
    assert.equal(res.headers['retry-after'], '5');
    const line = lines.find((l) => l.reqId === res.json().requestId && /readiness/.test(String(l.msg)));
    assert.ok(line, `the failure is logged with the request id: ${JSON.stringify(lines)}`);
    assert.match(JSON.stringify(line), secret, "the log has the driver's reason");
    assert.doesNotMatch(res.body, secret);
  }

  test('/readyz answers its status only; when SQLite fails, the reason goes to the log with the request id', async () => {
    const own = await openTestStore();
    const ok = await buildServer({ store: own.store, config: testConfig() }).inject({ method: 'GET', url: '/readyz' });
    assert.deepEqual(ok.json(), { status: 'ready' });
    await own.store.close();
    await assertTerseFailure(own.store, /not open/);
    await own.close();
  });

  test("/readyz on PostgreSQL gone: the driver's host and port reach the log, never the client", async (t) => {
    const started = await startPostgres();
    if (!started.ok) {
      if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL) assert.fail(started.reason);
      console.error(skipBanner(started.reason));
      t.skip(started.reason);
      return;
    }
    const harness = started.harness;
    // The database is reached over TCP through a relay, which then goes away: what a database host
    // that stops answering looks like to the driver (ECONNREFUSED 127.0.0.1:port).
    const relay = await tcpRelay(harness.url);
    const store = await openStore({ kind: 'postgres', url: relay.url, schema: harness.freshSchema() });
    try {
      const ok = await buildServer({ store, config: testConfig() }).inject({ method: 'GET', url: '/readyz' });
      assert.deepEqual(ok.json(), { status: 'ready' });
      await relay.close();
      // The pool's idle connection dies first ("Connection terminated"); the next connect is refused.
      await store.ping().catch(() => undefined);
      await assertTerseFailure(store, new RegExp(`127\\.0\\.0\\.1:${relay.port}`));
    } finally {
      await relay.close();
      await store.close();
      await harness.stop();
    }
  });
});

/** A TCP listener on 127.0.0.1 relaying to the PostgreSQL of `url` (TCP or Unix socket); `close` cuts every connection. */
async function tcpRelay(url: string): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const u = new URL(url);
  const socketDir = u.searchParams.get('host');
  const target = socketDir ? { path: `${socketDir}/.s.PGSQL.${u.port || 5432}` } : { host: u.hostname, port: Number(u.port || 5432) };
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  u.searchParams.delete('host');
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return {
    url: u.toString(),
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

describe('tickets: a ticket belongs to the customer and the desk that created it', () => {
  const post = async (t: Tenant, events: unknown[]) => {
    const r = await t.req('agent', { method: 'POST', url: '/v1/events', headers: json, payload: JSON.stringify(events) });
    assert.equal(r.statusCode, 200, r.body);
    return r.json() as { accepted: number; conflicts: number; results: Array<{ status: string; owner?: string; reason?: string }> };
  };
  const created = (id: string, ticket: string, customer: string | undefined, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'ticket.created',
    ticket,
    at: '2026-10-01T09:00:00Z',
    service: 'pbx',
    ...(customer !== undefined ? { customer } : {}),
    priority: 'P2',
    ...extra,
  });
  const responded = (id: string, ticket: string, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'ticket.responded',
    ticket,
    at: '2026-10-01T09:30:00Z',
    ...extra,
  });
  const without = (body: string) => JSON.stringify({ ...JSON.parse(body), message: undefined });

  test('one crafted event naming another customer is refused, and never lets that customer read the ticket', async () => {
    const t = await newTenant(ts.store);
    try {
      await post(t, [created('c1', 'T-1', 'acme', { attributes: { subject: 'acme payroll export fails' } }), responded('r1', 'T-1')]);
      // The latest event naming globex used to decide who may read the ticket.
      const crafted = await post(t, [
        { id: 'x1', type: 'ticket.status_changed', ticket: 'T-1', at: '2026-10-01T10:00:00Z', status: 'open', customer: 'globex' },
      ]);
      assert.deepEqual([crafted.accepted, crafted.conflicts], [0, 1]);
      assert.equal(crafted.results[0]!.status, 'conflict');
      assert.equal(crafted.results[0]!.owner, 'acme');
      assert.match(
        crafted.results[0]!.reason!,
        /ticket "T-1" belongs to customer "acme", and this event names customer "globex": a ticket never changes owner/,
      );
      const globex = await t.token('customer', { customer: 'globex', user: 'globex-user' });
      const res = await t.req({ secret: globex }, { method: 'GET', url: '/v1/tickets/T-1' });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(res.json().code, 'not_found');
      assert.doesNotMatch(without(res.body), /acme|payroll/);
      const own = await t.req('customer', { method: 'GET', url: '/v1/tickets/T-1' });
      assert.equal(own.statusCode, 200, own.body);
      assert.equal(own.json().customer, 'acme');
      assert.deepEqual(
        own.json().events.map((e: { id: string }) => e.id),
        ['c1', 'r1'],
        'the refused event was not stored',
      );
    } finally {
      await t.app.close();
    }
  });

  test("two desks reusing a ticket number: two tickets, each customer sees only its own, by id or by desk; 404 (never 403) for the other's", async () => {
    const t = await newTenant(ts.store);
    try {
      const r = await post(t, [
        created('c', '1001', 'acme', { source: 'zendesk', attributes: { subject: 'acme secret' } }),
        responded('r', '1001', { source: 'zendesk' }),
        created('c', '1001', 'globex', { source: 'jira', attributes: { subject: 'globex secret' } }),
      ]);
      assert.deepEqual([r.accepted, r.conflicts], [3, 0], "another desk's ticket is not a conflict");
      const globex = await t.token('customer', { customer: 'globex', user: 'globex-user' });
      const hooli = await t.token('customer', { customer: 'hooli', user: 'hooli-user' });
      const get = (as: Parameters<Tenant['req']>[0], url: string) => t.req(as, { method: 'GET', url });

      const g = await get({ secret: globex }, '/v1/tickets/1001');
      assert.equal(g.statusCode, 200, g.body);
      assert.deepEqual(
        [g.json().source, g.json().customer, g.json().events.map((e: { source: string; id: string }) => `${e.source}:${e.id}`)],
        ['jira', 'globex', ['jira:c']],
      );
      assert.doesNotMatch(g.body, /acme|zendesk/);
      const a = await get('customer', '/v1/tickets/1001');
      assert.equal(a.statusCode, 200, a.body);
      assert.deepEqual([a.json().source, a.json().customer, a.json().events.length], ['zendesk', 'acme', 2]);
      assert.doesNotMatch(a.body, /globex|jira/);
      assert.equal((await get('customer', '/v1/tickets/1001?source=zendesk')).statusCode, 200);
      // The other desk's ticket looks exactly like one that does not exist.
      for (const [as, url] of [
        ['customer', '/v1/tickets/1001?source=jira'],
        [{ secret: globex }, '/v1/tickets/1001?source=zendesk'],
        [{ secret: hooli }, '/v1/tickets/1001'],
        ['customer', '/v1/tickets/1001?source='],
      ] as const) {
        const res = await get(as, url);
        assert.equal(res.statusCode, 404, `${url}: ${res.body}`);
        assert.equal(res.json().code, 'not_found');
        assert.doesNotMatch(without(res.body), /acme|globex|secret/);
      }
      const none = await get('customer', '/v1/tickets/1001?source=servicenow');
      assert.deepEqual(
        [none.statusCode, Object.keys(none.json()).sort()],
        [404, Object.keys((await get('customer', '/v1/tickets/1001?source=jira')).json()).sort()],
      );
      // Staff see both, and must say which.
      const both = await get('viewer', '/v1/tickets/1001');
      assert.equal(both.statusCode, 400, both.body);
      assert.equal(both.json().details.issues[0].path, 'source');
      assert.match(both.json().details.issues[0].expected, /"jira", "zendesk"/);
      assert.equal((await get('viewer', '/v1/tickets/1001?source=jira')).json().customer, 'globex');
      // The event log keeps them apart too.
      const log = (await get('viewer', '/v1/events?ticket=1001&source=zendesk'))
        .json()
        .items.map((e: { source: string; id: string }) => `${e.source}:${e.id}`);
      assert.deepEqual(log, ['zendesk:c', 'zendesk:r']);
    } finally {
      await t.app.close();
    }
  });

  test("a ticket no event names a customer for is nobody's: no customer token sees it", async () => {
    const t = await newTenant(ts.store);
    try {
      await post(t, [created('c', 'T-int', undefined), responded('r', 'T-int')]);
      assert.equal((await t.req('customer', { method: 'GET', url: '/v1/tickets/T-int' })).statusCode, 404);
      const staff = await t.req('viewer', { method: 'GET', url: '/v1/tickets/T-int' });
      assert.equal(staff.statusCode, 200);
      assert.equal(staff.json().customer, undefined);
    } finally {
      await t.app.close();
    }
  });
});
