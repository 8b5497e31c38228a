import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { loadConfig } from './config.ts';
import { formatIssue } from '../core/validation/issues.ts';

test('defaults: SQLite in ./data, localhost:8080', () => {
  const c = loadConfig({});
  assert.ok(c.ok);
  assert.deepEqual(c.value.store, { kind: 'sqlite', path: resolve('./data/pledge.db') });
  assert.equal(c.value.port, 8080);
  assert.equal(c.value.host, '127.0.0.1');
  assert.deepEqual(c.value.limits, { batchEvents: 10_000, batchBytes: 10 * 1024 * 1024, maxClockSkewMs: 86_400_000 });
  assert.deepEqual(c.value.timeouts, { headersMs: 10_000, requestMs: 60_000, idleMs: 120_000, keepAliveMs: 72_000 });
});

test('timeouts and the clock skew are durations; 0 turns a timeout off; the statement timeout goes to PostgreSQL', () => {
  const c = loadConfig({
    DATABASE_URL: 'postgres://u:p@localhost:5432/pledge',
    PLEDGE_HEADERS_TIMEOUT: '5s',
    PLEDGE_REQUEST_TIMEOUT: '2m',
    PLEDGE_IDLE_TIMEOUT: '0',
    PLEDGE_KEEP_ALIVE_TIMEOUT: '500ms',
    PLEDGE_DB_STATEMENT_TIMEOUT: '45s',
    PLEDGE_MAX_CLOCK_SKEW: '2h',
  });
  assert.ok(c.ok, JSON.stringify(c));
  assert.deepEqual(c.value.timeouts, { headersMs: 5000, requestMs: 120_000, idleMs: 0, keepAliveMs: 500 });
  assert.equal(c.value.limits.maxClockSkewMs, 7_200_000);
  assert.deepEqual(c.value.store, { kind: 'postgres', url: 'postgres://u:p@localhost:5432/pledge', statementTimeoutMs: 45_000 });
  const pgDefault = loadConfig({ DATABASE_URL: 'postgres://u:p@localhost:5432/pledge' });
  assert.ok(pgDefault.ok && pgDefault.value.store.kind === 'postgres' && pgDefault.value.store.statementTimeoutMs === 30_000);
});

test('bad durations are named; the headers cannot take longer than the whole request', () => {
  const r = loadConfig({
    PLEDGE_REQUEST_TIMEOUT: 'soon',
    PLEDGE_MAX_CLOCK_SKEW: '1wd',
    PLEDGE_KEEP_ALIVE_TIMEOUT: '0',
    PLEDGE_IDLE_TIMEOUT: '30d',
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const text = r.issues.map(formatIssue).join('\n');
  assert.match(text, /PLEDGE_REQUEST_TIMEOUT: expected a duration/);
  assert.match(text, /PLEDGE_MAX_CLOCK_SKEW: expected a duration/);
  assert.match(text, /PLEDGE_KEEP_ALIVE_TIMEOUT: must be longer than 0/);
  assert.match(text, /PLEDGE_IDLE_TIMEOUT: at most 24 days/);
  const order = loadConfig({ PLEDGE_HEADERS_TIMEOUT: '2m', PLEDGE_REQUEST_TIMEOUT: '1m' });
  assert.equal(order.ok, false);
  if (order.ok) return;
  assert.match(order.issues.map(formatIssue).join('\n'), /PLEDGE_HEADERS_TIMEOUT: must not be longer than PLEDGE_REQUEST_TIMEOUT/);
});

test('DATABASE_URL selects PostgreSQL; PLEDGE_DATA_DIR moves the SQLite file', () => {
  const pg = loadConfig({ DATABASE_URL: 'postgres://u:p@localhost:5432/pledge' });
  assert.ok(pg.ok && pg.value.store.kind === 'postgres');
  const dir = loadConfig({ PLEDGE_DATA_DIR: '/var/lib/pledge', PLEDGE_PORT: '9000' });
  assert.ok(dir.ok);
  assert.deepEqual(dir.value.store, { kind: 'sqlite', path: '/var/lib/pledge/pledge.db' });
  assert.equal(dir.value.port, 9000);
});

test('bad values are named', () => {
  const r = loadConfig({ DATABASE_URL: 'mysql://x', PLEDGE_PORT: '99999', PLEDGE_LOG_LEVEL: 'loud' });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const text = r.issues.map(formatIssue).join('\n');
  assert.match(text, /DATABASE_URL: expected a PostgreSQL URL/);
  assert.match(text, /PLEDGE_PORT: /);
  assert.match(text, /PLEDGE_LOG_LEVEL: not an allowed value/);
});

test('CORS, the failed-authentication limit and trusted proxies: off, 10 a minute and none by default; bad values named', () => {
  const d = loadConfig({});
  assert.ok(d.ok);
  assert.deepEqual(d.value.corsOrigins, []);
  assert.deepEqual(d.value.authFailures, { limit: 10, windowSeconds: 60 });
  assert.deepEqual(d.value.trustProxy, []);
  const c = loadConfig({
    PLEDGE_CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
    PLEDGE_AUTH_FAILURE_LIMIT: '5',
    PLEDGE_AUTH_FAILURE_WINDOW: '300',
    PLEDGE_TRUST_PROXY: '10.0.0.0/8,loopback, ::1',
  });
  assert.ok(c.ok);
  assert.deepEqual(c.value.corsOrigins, ['https://app.example.com', 'http://localhost:3000']);
  assert.deepEqual(c.value.authFailures, { limit: 5, windowSeconds: 300 });
  assert.deepEqual(c.value.trustProxy, ['10.0.0.0/8', 'loopback', '::1']);
  const bad = loadConfig({
    PLEDGE_CORS_ORIGINS: 'https://ok.example.com,https://app.example.com/',
    PLEDGE_AUTH_FAILURE_LIMIT: '0',
    PLEDGE_TRUST_PROXY: '10.0.0.0/33',
  });
  assert.equal(bad.ok, false);
  if (bad.ok) return;
  const text = bad.issues.map(formatIssue).join('\n');
  assert.match(text, /PLEDGE_CORS_ORIGINS\[1\]: expected origins such as https:\/\/app\.example\.com/);
  assert.match(text, /PLEDGE_AUTH_FAILURE_LIMIT: /);
  assert.match(text, /PLEDGE_TRUST_PROXY\[0\]: expected proxy addresses/);
  for (const origin of ['app.example.com', 'ftp://x.example.com', 'https://x.example.com/path']) {
    assert.equal(loadConfig({ PLEDGE_CORS_ORIGINS: origin }).ok, false, origin);
  }
});

test("the scheduler's poll and lease are durations (60 s lease by default); a lease under a second is refused", () => {
  const d = loadConfig({});
  assert.ok(d.ok);
  assert.deepEqual(d.value.scheduler, { pollMs: 5000, leaseMs: 60_000 });
  const c = loadConfig({ PLEDGE_SCHEDULER_POLL: '500ms', PLEDGE_SCHEDULER_LEASE: '5s' });
  assert.ok(c.ok);
  assert.deepEqual(c.value.scheduler, { pollMs: 500, leaseMs: 5000 });
  const bad = loadConfig({ PLEDGE_SCHEDULER_LEASE: '100ms' });
  assert.ok(!bad.ok);
  assert.match(JSON.stringify(bad.issues), /PLEDGE_SCHEDULER_LEASE/);
});

test('PLEDGE_PROMETHEUS_URL: an http(s) URL, with its timeout, interval and lookback; absent, no Prometheus', () => {
  const on = loadConfig({ PLEDGE_PROMETHEUS_URL: 'http://prometheus:9090', PLEDGE_PROMETHEUS_TIMEOUT: '2s' });
  assert.ok(on.ok);
  assert.deepEqual(on.value.prometheus, {
    url: 'http://prometheus:9090',
    timeoutMs: 2000,
    intervalMs: 300_000,
    lookbackMs: 35 * 86_400_000,
  });
  const back = loadConfig({ PLEDGE_PROMETHEUS_URL: 'http://prometheus:9090', PLEDGE_PROMETHEUS_LOOKBACK: '90d' });
  assert.ok(back.ok && back.value.prometheus?.lookbackMs === 90 * 86_400_000);
  // A run stops at half its 10-minute lease: one query must fit in it; a lookback beyond 400 days is refused.
  const slow = loadConfig({
    PLEDGE_PROMETHEUS_URL: 'http://prometheus:9090',
    PLEDGE_PROMETHEUS_TIMEOUT: '5m',
    PLEDGE_PROMETHEUS_LOOKBACK: '500d',
  });
  assert.ok(
    !slow.ok && slow.issues.some((i) => i.path === 'PLEDGE_PROMETHEUS_TIMEOUT' && /at most 4m/.test(i.message)),
    JSON.stringify(slow),
  );
  assert.ok(
    slow.issues.some((i) => i.path === 'PLEDGE_PROMETHEUS_LOOKBACK' && /at most 400d/.test(i.message)),
    JSON.stringify(slow),
  );
  const every = loadConfig({ PLEDGE_PROMETHEUS_URL: 'http://prometheus:9090', PLEDGE_PROMETHEUS_INTERVAL: '1m' });
  assert.ok(every.ok && every.value.prometheus?.intervalMs === 60_000);
  const tooOften = loadConfig({ PLEDGE_PROMETHEUS_URL: 'http://prometheus:9090', PLEDGE_PROMETHEUS_INTERVAL: '10ms' });
  assert.ok(!tooOften.ok && tooOften.issues.some((i) => i.path === 'PLEDGE_PROMETHEUS_INTERVAL' && /at least 1s/.test(i.message)));
  const off = loadConfig({});
  assert.ok(off.ok && off.value.prometheus === undefined);
  const bad = loadConfig({ PLEDGE_PROMETHEUS_URL: 'prometheus:9090' });
  assert.ok(!bad.ok && bad.issues.some((i) => i.path === 'PLEDGE_PROMETHEUS_URL' && /http\(s\) URL/.test(i.message)), JSON.stringify(bad));
});
