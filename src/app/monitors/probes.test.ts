/**
 * The HTTPS probe against a real local TLS server (test/fixtures/tls: a test CA and a server
 * certificate it signed, valid until 2046-02-04): the certificate is verified, an internal CA is
 * trusted only when the monitor names it (`ca`), and the certificate's expiry reaches the state,
 * where `tlsExpiryWarnDays` turns it into a warning.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { step } from '../../core/monitors/decide.ts';
import { type HttpMonitorSpec, parseMonitorSpec } from '../../core/monitors/spec.ts';
import { probeHttp } from './probes.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../test/fixtures/tls/${name}`, import.meta.url)), 'utf8');
const CA = fixture('ca.pem');
const EXPIRES = Date.parse('2046-02-04T05:36:45Z');

const server = createServer({ key: fixture('server.key'), cert: fixture('server.pem') }, (_req, res) => res.end('ok'));
let url = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const spec = (extra: Record<string, unknown>): HttpMonitorSpec => {
  const r = parseMonitorSpec({ kind: 'http', service: 'internal', url, interval: '30s', timeout: '5s', confirm: false, ...extra });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value as HttpMonitorSpec;
};

test('HTTPS: an untrusted certificate fails the check; trusted through the monitor’s own CA it passes and gives its expiry', async () => {
  const untrusted = await probeHttp(spec({}), Date.now);
  assert.equal(untrusted.ok, false);
  assert.match(untrusted.error ?? '', /certificate/i);

  const trusted = await probeHttp(spec({ ca: CA }), Date.now);
  assert.equal(trusted.ok, true, trusted.error);
  assert.equal(trusted.tls?.expiresAt, EXPIRES);
});

test('the expiry becomes a warning within tlsExpiryWarnDays of it, and not before', async () => {
  const s = spec({ ca: CA, tlsExpiryWarnDays: 30 });
  const o = await probeHttp(s, Date.now);
  const at = (days: number) => ({ ...o, at: EXPIRES - days * 86_400_000 });
  assert.deepEqual(step('m', s, null, at(31)).state.tls, { expiresAt: EXPIRES, warning: false });
  assert.deepEqual(step('m', s, null, at(30)).state.tls, { expiresAt: EXPIRES, warning: true });
  assert.deepEqual(step('m', s, null, at(2)).state.tls, { expiresAt: EXPIRES, warning: true });
});

test('a ca that is not PEM is refused, naming the field', () => {
  const r = parseMonitorSpec({ kind: 'http', service: 'x', url: 'https://example.com', interval: '30s', ca: 'not a certificate' });
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.issues[0]!.path === 'ca', JSON.stringify(r));
});
