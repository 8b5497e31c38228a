/**
 * Service desk webhooks over HTTP (docs/sources.md, docs/api.md "Sources"), on SQLite in process:
 * a source is configured with its secret sealed and never shown; a delivery is accepted only with
 * the vendor's signature or token (401 naming the reason otherwise, never 500); a redelivery stores
 * nothing; an event in changes a ticket's clock; a payload that does not map is 422 naming the
 * payload field; who may configure sources.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { generateSecretKey } from '../../src/delivery/secrets.ts';
import { newTenant, openTestStore, T0, type Tenant, type TestStore } from './helpers.ts';

const FIXTURES = new URL('../fixtures/webhooks/', import.meta.url);
const fixture = (path: string) => JSON.parse(readFileSync(new URL(`${path}.json`, FIXTURES), 'utf8'));
const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
const at = (min: number) => new Date(T0 + min * 60_000).toISOString().replace('.000Z', 'Z');

const AGREEMENT = `id: desk
name: Mail desk
kind: sla
level: service
parties:
  provider: { id: northwind, name: Northwind Services }
  customer: { id: acme, name: Acme Corp }
services: [mail]
targets:
  - id: response
    name: First response within 2 hours
    metric: response_time
    value: 90
    window: month
    clock: { duration: 2h }
`;
const ZD_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const GH_SECRET = 'a-github-webhook-secret';
const JIRA_TOKEN = 'a-jira-token-of-some-length';

let ts: TestStore;
let t: Tenant;
const hooks: Record<string, string> = {};

before(async () => {
  ts = await openTestStore();
  t = await newTenant(ts.store, { config: { secretKeys: generateSecretKey() } });
  assert.equal(
    (
      await t.req('manager', {
        method: 'PUT',
        url: '/v1/agreements/desk',
        headers: { 'content-type': 'application/yaml' },
        payload: AGREEMENT,
      })
    ).statusCode,
    201,
  );
  const move = async (body: unknown) => {
    const r = await t.req('admin', { method: 'POST', url: '/v1/agreements/desk/transitions', ...json(body) });
    assert.equal(r.statusCode, 200, r.body);
  };
  await move({ to: 'in_review' });
  const sig = (party: string) => ({ party, name: party, at: '2026-10-01T08:00:00Z' });
  await move({ to: 'approved', signatures: [sig('provider'), sig('customer')], term: { start: '2026-10-01T08:00:00Z' } });
  await move({ to: 'active' });
  for (const [id, body] of [
    ['zd', { vendor: 'zendesk', secret: ZD_SECRET, defaults: { customer: 'acme', service: 'mail' } }],
    ['gh', { vendor: 'github', secret: GH_SECRET }],
    ['jsm', { vendor: 'jira', secret: JIRA_TOKEN }],
  ] as const) {
    const r = await t.req('admin', { method: 'PUT', url: `/v1/sources/${id}`, ...json(body) });
    assert.equal(r.statusCode, 201, r.body);
    hooks[id] = r.json().source.webhook;
  }
});
after(async () => {
  await t.app.close();
  await ts.close();
});

function zendesk(payload: unknown, opts: { secret?: string; invocation?: string; url?: string } = {}) {
  const body = JSON.stringify(payload);
  const stamp = '2026-10-01T09:00:00Z';
  const sig = createHmac('sha256', opts.secret ?? ZD_SECRET)
    .update(stamp + body)
    .digest('base64');
  return t.req(null, {
    method: 'POST',
    url: opts.url ?? hooks.zd!,
    headers: {
      'content-type': 'application/json',
      'x-zendesk-webhook-signature': sig,
      'x-zendesk-webhook-signature-timestamp': stamp,
      'x-zendesk-webhook-invocation-id': opts.invocation ?? `inv-${Math.random()}`,
    },
    payload: body,
  });
}

describe('service desk webhooks', () => {
  test('a source is stored with its secret sealed, shown redacted, with its webhook path', async () => {
    const r = await t.req('auditor', { method: 'GET', url: '/v1/sources/zd' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().secret, '[redacted]');
    assert.match(r.json().webhook, /^\/v1\/sources\/src_[A-Za-z0-9_-]{24}\/webhook$/);
    assert.ok(!r.body.includes(ZD_SECRET));
    assert.match((await ts.store.getSource<{ secret: string }>(t.tenant, 'zd'))!.config.secret, /^enc:v1:/);
    const bad = await t.req('admin', { method: 'PUT', url: '/v1/sources/x', ...json({ vendor: 'freshdesk', secret: 'x'.repeat(20) }) });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().details.issues[0].path, 'vendor');
    const badMapping = await t.req('admin', {
      method: 'PUT',
      url: '/v1/sources/x',
      ...json({
        vendor: 'zendesk',
        secret: 'x'.repeat(20),
        mapping: 'source: z\nlayout: event-per-row\ntype: { column: "@nope" }\nat: time\n',
      }),
    });
    assert.equal(badMapping.statusCode, 422);
    assert.equal(badMapping.json().details.issues[0].path, 'mapping.json.columns');
    for (const role of ['agent', 'viewer', 'customer'] as const)
      assert.notEqual(
        (await t.req(role, { method: 'PUT', url: '/v1/sources/x', ...json({ vendor: 'github', secret: 'x'.repeat(20) }) })).statusCode,
        201,
        role,
      );
  });

  test('signature good, bad, missing; token in header or query; an unknown hook', async () => {
    const created = fixture('zendesk/ticket.created');
    const wrong = await zendesk(created, { secret: 'another-secret' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().code, 'unauthenticated');
    assert.equal(wrong.json().details.reason, 'bad_signature');
    const none = await t.req(null, { method: 'POST', url: hooks.zd!, ...json(created) });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().details.reason, 'missing_signature');
    const gh = fixture('github/issues.opened');
    const body = JSON.stringify(gh);
    const ghReq = (sig: string) =>
      t.req(null, {
        method: 'POST',
        url: hooks.gh!,
        headers: { 'content-type': 'application/json', 'x-github-event': 'issues', 'x-github-delivery': 'g-1', 'x-hub-signature-256': sig },
        payload: body,
      });
    assert.equal((await ghReq(`sha256=${createHmac('sha256', 'nope').update(body).digest('hex')}`)).statusCode, 401);
    const good = await ghReq(`sha256=${createHmac('sha256', GH_SECRET).update(body).digest('hex')}`);
    assert.equal(good.statusCode, 200, good.body);
    assert.equal(good.json().report.accepted, 1);
    const jira = fixture('jira/jira.issue_created');
    assert.equal((await t.req(null, { method: 'POST', url: `${hooks.jsm}?token=wrong-token-value`, ...json(jira) })).statusCode, 401);
    const viaQuery = await t.req(null, { method: 'POST', url: `${hooks.jsm}?token=${JIRA_TOKEN}`, ...json(jira) });
    assert.equal(viaQuery.statusCode, 200, viaQuery.body);
    const viaHeader = await t.req(null, {
      method: 'POST',
      url: hooks.jsm!,
      headers: { 'content-type': 'application/json', 'x-pledge-token': JIRA_TOKEN },
      payload: JSON.stringify(jira),
    });
    assert.equal(viaHeader.json().result, 'duplicate', 'the same body without a delivery id is the same delivery');
    assert.equal((await zendesk(created, { url: '/v1/sources/src_unknown/webhook' })).statusCode, 404);
  });

  test("events in change the ticket's clock; a redelivery stores nothing; a bad payload is 422 naming the field", async () => {
    const created = { ...fixture('zendesk/ticket.created'), time: at(60) };
    const first = await zendesk(created, { invocation: 'zd-1' });
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual([first.json().result, first.json().report.accepted], ['stored', 1]);
    const again = await zendesk(created, { invocation: 'zd-1' });
    assert.deepEqual([again.statusCode, again.json().result], [200, 'duplicate']);
    const redelivered = await zendesk(created, { invocation: 'zd-1-retry' });
    assert.deepEqual([redelivered.json().report.accepted, redelivered.json().report.duplicates], [0, 1]);

    t.clock.now = T0 + 90 * 60_000;
    const clock = async () => {
      const r = await t.req('viewer', { method: 'GET', url: '/v1/tickets/5158?source=zendesk' });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().customer, 'acme', 'the source default names the customer');
      return r.json().clocks.find((c: { target: string }) => c.target === 'response');
    };
    assert.equal((await clock()).stop, null, 'the response clock runs');
    t.clock.now = T0 + 120 * 60_000;
    const reply = await zendesk({ ...fixture('zendesk/ticket.comment_added'), time: at(100) });
    assert.equal(reply.statusCode, 200, reply.body);
    const stopped = await clock();
    assert.equal(Date.parse(stopped.stop), Date.parse(at(100)));
    assert.equal(stopped.state, 'met');

    const bad = await zendesk({ ...fixture('zendesk/ticket.priority_changed'), time: 'soon' });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().details.issues[0].path, 'payload field "time"');
    assert.equal(bad.json().details.issues[0].received, '"soon"');
    const notJson = await t.req(null, {
      method: 'POST',
      url: `${hooks.jsm}?token=${JIRA_TOKEN}`,
      headers: { 'content-type': 'application/json' },
      payload: '{"webhookEvent":',
    });
    assert.equal(notJson.statusCode, 400);
  });
});
