/**
 * A source's delivery log over HTTP (docs/sources.md "Checking deliveries"), on SQLite in process:
 * every delivery to a known source shows in GET /v1/sources/{id}/deliveries, newest first, with
 * its outcome, the status answered and why it was refused (never the body, a signature or a
 * secret); a refused delivery retried with a good signature is then stored (the log is not the
 * idempotency record); an unknown hook leaves no entry; each source shows its lastDelivery; read
 * with the same permission as the source.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { generateSecretKey } from '../../src/delivery/secrets.ts';
import { ROLES } from '../../src/core/access/policy.ts';
import { newTenant, openTestStore, T0, type Tenant, type TestStore } from './helpers.ts';

const FIXTURES = new URL('../fixtures/webhooks/', import.meta.url);
const fixture = (path: string) => JSON.parse(readFileSync(new URL(`${path}.json`, FIXTURES), 'utf8'));
const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

const GH_SECRET = 'a-github-webhook-secret';
const ZD_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
const JIRA_TOKEN = 'a-jira-token-of-some-length';

let ts: TestStore;
let t: Tenant;
const hooks: Record<string, string> = {};

before(async () => {
  ts = await openTestStore();
  t = await newTenant(ts.store, { config: { secretKeys: generateSecretKey() } });
  for (const [id, body] of [
    ['gh', { vendor: 'github', secret: GH_SECRET }],
    ['zd', { vendor: 'zendesk', secret: ZD_SECRET, defaults: { customer: 'acme', service: 'mail' } }],
    ['jsm', { vendor: 'jira', secret: JIRA_TOKEN }],
    ['quiet', { vendor: 'github', secret: GH_SECRET }],
  ] as const) {
    const r = await t.req('admin', { method: 'PUT', url: `/v1/sources/${id}`, ...json(body) });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().source.lastDelivery, null);
    hooks[id] = r.json().source.webhook;
  }
});
after(async () => {
  await t.app.close();
  await ts.close();
});

interface Entry {
  at: string;
  delivery: string | null;
  outcome: string;
  status: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  detail: string;
}
async function log(id: string, query = ''): Promise<Entry[]> {
  const r = await t.req('auditor', { method: 'GET', url: `/v1/sources/${id}/deliveries${query}` });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().items;
}

function github(payload: unknown, secret: string, delivery: string) {
  const body = JSON.stringify(payload);
  return t.req(null, {
    method: 'POST',
    url: hooks.gh!,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    payload: body,
  });
}

describe('the delivery log of a source', () => {
  test('refused, retried and stored, then a duplicate: each in the log, newest first, with the status answered', async () => {
    const opened = fixture('github/issues.opened');
    const wrong = await github(opened, 'not-the-secret', 'g-1');
    assert.equal(wrong.statusCode, 401);
    let entries = await log('gh');
    assert.equal(entries.length, 1);
    assert.deepEqual(
      { ...entries[0], at: undefined },
      {
        at: undefined,
        delivery: null,
        outcome: 'refused',
        status: 401,
        accepted: 0,
        duplicates: 0,
        rejected: 0,
        detail: 'bad signature: X-Hub-Signature-256 does not match the body under the source secret',
      },
    );
    assert.equal(Date.parse(entries[0]!.at), T0);

    t.clock.now = T0 + 60_000;
    const retried = await github(opened, GH_SECRET, 'g-1');
    assert.equal(retried.statusCode, 200, 'a refused delivery retried is processed: the log is not the idempotency record');
    assert.equal(retried.json().result, 'stored');
    const again = await github(opened, GH_SECRET, 'g-1');
    assert.equal(again.json().result, 'duplicate');
    entries = await log('gh');
    assert.deepEqual(
      entries.map((e) => [e.outcome, e.status, e.delivery, e.accepted]),
      [
        ['duplicate', 200, 'g-1', 0],
        ['stored', 200, 'g-1', 1],
        ['refused', 401, null, 0],
      ],
    );
    assert.match(entries[0]!.detail, /stored before/);
    assert.deepEqual(
      (await log('gh', '?limit=1')).map((e) => e.outcome),
      ['duplicate'],
    );

    const one = await t.req('auditor', { method: 'GET', url: '/v1/sources/gh' });
    assert.deepEqual(one.json().lastDelivery, { at: entries[0]!.at, outcome: 'duplicate', status: 200, detail: entries[0]!.detail });
    const list = await t.req('auditor', { method: 'GET', url: '/v1/sources' });
    const last = Object.fromEntries(list.json().items.map((s: { id: string; lastDelivery: unknown }) => [s.id, s.lastDelivery]));
    assert.deepEqual(last.gh, one.json().lastDelivery);
    assert.equal(last.quiet, null);
  });

  test('a payload that does not map, a body that is not JSON, a missing token: refused with the first issue, never the body', async () => {
    const stamp = '2026-10-01T09:00:00Z';
    const body = JSON.stringify({ ...fixture('zendesk/ticket.priority_changed'), time: 'secret-ish-soon' });
    const bad = await t.req(null, {
      method: 'POST',
      url: hooks.zd!,
      headers: {
        'content-type': 'application/json',
        'x-zendesk-webhook-signature': createHmac('sha256', ZD_SECRET)
          .update(stamp + body)
          .digest('base64'),
        'x-zendesk-webhook-signature-timestamp': stamp,
        'x-zendesk-webhook-invocation-id': 'zd-bad',
      },
      payload: body,
    });
    assert.equal(bad.statusCode, 422);
    const [mapped] = await log('zd');
    assert.deepEqual([mapped!.outcome, mapped!.status, mapped!.delivery], ['refused', 422, 'zd-bad']);
    assert.match(mapped!.detail, /^payload field "time": not a date-time in the expected format \(expected an ISO 8601 date-time/);
    assert.ok(!mapped!.detail.includes('secret-ish-soon'), 'the value received comes from the body: not in the log');

    const notJson = await t.req(null, {
      method: 'POST',
      url: `${hooks.jsm}?token=${JIRA_TOKEN}`,
      headers: { 'content-type': 'application/json' },
      payload: '{"webhookEvent": "private words',
    });
    assert.equal(notJson.statusCode, 400);
    const noToken = await t.req(null, { method: 'POST', url: hooks.jsm!, ...json(fixture('jira/jira.issue_created')) });
    assert.equal(noToken.statusCode, 401);
    const entries = await log('jsm');
    assert.deepEqual(
      entries.map((e) => [e.outcome, e.status, e.detail]),
      [
        ['refused', 401, 'missing signature: jira deliveries carry the source token: the X-Pledge-Token header or ?token= in the URL'],
        ['refused', 400, 'body: not JSON'],
      ],
    );
    assert.match(entries[1]!.delivery ?? '', /^sha256:/);
    const everything = JSON.stringify(await Promise.all(['gh', 'zd', 'jsm'].map((id) => log(id))));
    for (const secret of [GH_SECRET, ZD_SECRET, JIRA_TOKEN, 'private words']) assert.ok(!everything.includes(secret), secret);
  });

  test('an unknown hook leaves no entry; the log is read as the source is; an unknown source is 404', async () => {
    const before = JSON.stringify(await Promise.all(['gh', 'zd', 'jsm', 'quiet'].map((id) => log(id))));
    const unknown = await t.req(null, { method: 'POST', url: '/v1/sources/src_unknown/webhook', ...json({}) });
    assert.equal(unknown.statusCode, 404);
    assert.equal(JSON.stringify(await Promise.all(['gh', 'zd', 'jsm', 'quiet'].map((id) => log(id)))), before);
    assert.deepEqual(await log('quiet'), []);

    for (const role of ROLES) {
      const source = await t.req(role, { method: 'GET', url: '/v1/sources/gh' });
      const deliveries = await t.req(role, { method: 'GET', url: '/v1/sources/gh/deliveries' });
      assert.equal(deliveries.statusCode, source.statusCode, role);
    }
    assert.equal((await t.req(null, { method: 'GET', url: '/v1/sources/gh/deliveries' })).statusCode, 401);
    assert.equal((await t.req('auditor', { method: 'GET', url: '/v1/sources/nope/deliveries' })).statusCode, 404);
    const badLimit = await t.req('auditor', { method: 'GET', url: '/v1/sources/gh/deliveries?limit=0' });
    assert.equal(badLimit.statusCode, 400);
    assert.match(badLimit.body, /limit/);
  });
});
