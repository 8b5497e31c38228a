/**
 * Channels and the delivery log over HTTP, on SQLite and PostgreSQL: secrets sent in clear are
 * stored sealed and never answered (nor written to the audit log); without PLEDGE_SECRET_KEY a
 * plain secret is refused and env: references work; replacing needs If-Match; files apply whole or
 * not at all; enable, disable, delete; the log with attempts and a replay under the same key; who
 * may do it (every role, customers never, another tenant never).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ROLES, type Role } from '../../src/core/access/policy.ts';
import { generateSecretKey, generateWebhookSecret } from '../../src/delivery/secrets.ts';
import { openStore } from '../../src/store/index.ts';
import { skipBanner, startPostgres } from '../../src/store/testing/pg-harness.ts';
import type { Store } from '../../src/store/types.ts';
import { newTenant, openTestStore, T0, type Tenant } from './helpers.ts';

const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
const yaml = (payload: string, etag?: string) => ({
  headers: { 'content-type': 'application/yaml', ...(etag ? { 'if-match': etag } : {}) },
  payload,
});

const started = await startPostgres();
const harness = started.ok ? started.harness : undefined;
if (!started.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the channels API tests', () => assert.fail(started.reason));
  else console.error(skipBanner(started.reason));
}

const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`channels and notifications on ${kind}`, { skip: kind === 'postgres' && !started.ok ? 'no PostgreSQL' : false }, () => {
    let store: Store;
    let close: () => Promise<void>;
    const apps: Tenant[] = [];
    before(async () => {
      if (kind === 'sqlite') {
        const ts = await openTestStore();
        store = ts.store;
        close = () => ts.close();
      } else {
        store = await openStore({ kind: 'postgres', url: harness!.url, schema: harness!.freshSchema() });
        close = () => store.close();
      }
    });
    after(async () => {
      for (const t of apps) await t.app.close();
      await close?.();
      if (kind === 'postgres') await harness?.stop();
    });
    const tenant = async (secretKeys?: string) => {
      const t = await newTenant(store, secretKeys ? { config: { secretKeys } } : {});
      apps.push(t);
      return t;
    };

    test('secrets in clear are sealed before they are stored and never answered', async () => {
      const t = await tenant(generateSecretKey());
      const secret = generateWebhookSecret();
      const put = await t.req('admin', {
        method: 'PUT',
        url: '/v1/channels/ops-hook',
        ...json({ kind: 'webhook', settings: { url: 'https://user:pw@hooks.example.com/p', secrets: [secret, 'env:OLD_SECRET'] } }),
      });
      assert.equal(put.statusCode, 201, put.body);
      assert.deepEqual(put.json().channel.settings, { url: 'https://hooks.example.com/p', secrets: ['[redacted]', 'env:OLD_SECRET'] });
      const stored = (await store.getChannel(t.tenant, 'ops-hook'))!;
      const storedSecrets = (stored.config as { settings: { secrets: string[] } }).settings.secrets;
      assert.match(storedSecrets[0]!, /^enc:v1:/);
      assert.equal(storedSecrets[1], 'env:OLD_SECRET');
      const slack = await t.req('manager', {
        method: 'PUT',
        url: '/v1/channels/ops-slack',
        ...yaml(`kind: slack\nsettings:\n  url: ${SLACK_URL}\n`),
      });
      assert.equal(slack.statusCode, 201, slack.body);
      for (const url of ['/v1/channels', '/v1/channels/ops-hook', '/v1/channels/ops-slack', '/v1/audit?limit=1000']) {
        const body = (await t.req('admin', { method: 'GET', url })).body;
        assert.ok(!body.includes(secret.slice(6, 30)) && !body.includes('XXXXXXXXXXXX') && !body.includes('pw@'), `${url} shows no secret`);
      }
      // Sending the redacted form back is refused (it would overwrite the secret with "[redacted]").
      const etag = put.headers.etag as string;
      const back = await t.req('admin', {
        method: 'PUT',
        url: '/v1/channels/ops-hook',
        headers: { 'content-type': 'application/json', 'if-match': etag },
        payload: JSON.stringify({ kind: 'webhook', settings: put.json().channel.settings }),
      });
      assert.equal(back.statusCode, 422, back.body);
      assert.match(back.body, /settings\.secrets\[0\]/);
    });

    test('without PLEDGE_SECRET_KEY a plain secret is refused naming the field; env: references work; ETags guard replacements', async () => {
      const t = await tenant();
      const plain = await t.req('admin', {
        method: 'PUT',
        url: '/v1/channels/s',
        ...yaml(`kind: slack\nsettings:\n  url: ${SLACK_URL}\n`),
      });
      assert.equal(plain.statusCode, 422);
      assert.match(plain.json().message, /settings\.url.*PLEDGE_SECRET_KEY/);
      assert.ok(!plain.body.includes('XXXXXXXXXXXX'));
      const made = await t.req('admin', {
        method: 'PUT',
        url: '/v1/channels/s',
        ...yaml('kind: slack\nsettings:\n  url: env:SLACK_URL\n'),
      });
      assert.equal(made.statusCode, 201, made.body);
      const etag = made.headers.etag as string;
      const noIfMatch = await t.req('admin', {
        method: 'PUT',
        url: '/v1/channels/s',
        ...yaml('kind: slack\ndescription: x\nsettings:\n  url: env:SLACK_URL\n'),
      });
      assert.equal(noIfMatch.statusCode, 428);
      const stale = await t.req('admin', {
        method: 'PUT',
        url: '/v1/channels/s',
        ...yaml('kind: slack\nsettings:\n  url: env:OTHER\n', '"0.x"'),
      });
      assert.equal(stale.statusCode, 412);
      const same = await t.req('admin', {
        method: 'PUT',
        url: '/v1/channels/s',
        ...yaml('kind: slack\nsettings:\n  url: env:SLACK_URL\n', etag),
      });
      assert.deepEqual([same.statusCode, same.json().result], [200, 'unchanged']);
      const changed = await t.req('admin', {
        method: 'PUT',
        url: '/v1/channels/s',
        ...yaml('kind: slack\naudience: customer\nsettings:\n  url: env:SLACK_URL\n', etag),
      });
      assert.deepEqual([changed.statusCode, changed.json().result, changed.json().channel.audience], [200, 'updated', 'customer']);
      const other = await t.req('admin', {
        method: 'PUT',
        url: '/v1/channels/s',
        ...json({ id: 'x', kind: 'slack', settings: { url: 'env:A' } }),
      });
      assert.equal(other.statusCode, 422);
      const badKind = await t.req('admin', { method: 'PUT', url: '/v1/channels/t', ...json({ kind: 'pigeon', settings: {} }) });
      assert.equal(badKind.statusCode, 422);
      assert.match(badKind.body, /kind/);

      const off = await t.req('admin', { method: 'POST', url: '/v1/channels/s/disable', ...json({ reason: 'maintenance' }) });
      assert.deepEqual(
        [off.json().result, off.json().channel.enabled, off.json().channel.disabledReason],
        ['changed', false, 'maintenance'],
      );
      assert.equal((await t.req('admin', { method: 'POST', url: '/v1/channels/s/disable' })).json().result, 'unchanged');
      assert.equal((await t.req('admin', { method: 'POST', url: '/v1/channels/s/enable' })).json().channel.enabled, true);
      assert.equal((await t.req('admin', { method: 'DELETE', url: '/v1/channels/s', headers: { 'if-match': '"0.x"' } })).statusCode, 412);
      assert.equal((await t.req('admin', { method: 'DELETE', url: '/v1/channels/s' })).statusCode, 200);
      assert.equal((await t.req('admin', { method: 'GET', url: '/v1/channels/s' })).statusCode, 404);
      assert.equal((await t.req('admin', { method: 'POST', url: '/v1/channels/s/enable' })).statusCode, 404);
      const audit = (await store.listAudit(t.tenant, { subject: 'channel:s' })).items.map((e) => e.action);
      assert.deepEqual(audit, ['channel.create', 'channel.update', 'channel.disable', 'channel.enable', 'channel.delete']);
    });

    test('a channels file applies whole or not at all, and says `enabled: false` itself', async () => {
      const t = await tenant();
      const file = `channels:
  - id: ops-webhook
    kind: webhook
    settings:
      url: https://hooks.example.com/pledge
      secrets: [env:PLEDGE_WEBHOOK_SECRET]
  - id: ops-slack
    kind: slack
    enabled: false
    settings:
      url: env:SLACK_OPS_WEBHOOK_URL
`;
      const r = await t.req('manager', { method: 'POST', url: '/v1/channels/apply', ...yaml(file) });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json().channels, [
        { id: 'ops-webhook', result: 'created' },
        { id: 'ops-slack', result: 'created' },
      ]);
      assert.equal((await store.getChannel(t.tenant, 'ops-slack'))!.enabled, false);
      const again = await t.req('manager', { method: 'POST', url: '/v1/channels/apply', ...yaml(file) });
      assert.deepEqual(
        again.json().channels.map((c: { result: string }) => c.result),
        ['unchanged', 'unchanged'],
      );
      const bad = await t.req('manager', {
        method: 'POST',
        url: '/v1/channels/apply',
        ...yaml(`${file.replace('ops-webhook', 'new-hook')}  - id: broken\n    kind: slack\n    settings:\n      url: ${SLACK_URL}\n`),
      });
      assert.equal(bad.statusCode, 422);
      assert.match(bad.body, /channels\[2\]\.settings\.url/);
      assert.ok(!bad.body.includes('XXXXXXXXXXXX'), 'the refused secret is not repeated');
      assert.equal(await store.getChannel(t.tenant, 'new-hook'), undefined, 'nothing of a bad file is written');
    });

    test('the delivery log: notifications with their attempts, replayed with the same key; pending ones are left alone', async () => {
      const t = await tenant();
      await store.applyAlertChanges(t.tenant, {
        at: T0,
        by: 'pledge',
        notifications: [
          {
            idempotencyKey: 'ntf_a',
            channelId: 'ops-hook',
            recipient: '',
            payload: { message: { subject: 'Gold: 75% used' }, transition: 'firing' },
          },
          { idempotencyKey: 'ntf_b', channelId: 'ops-hook', recipient: '', payload: {} },
        ],
      });
      const [c] = await store.claimNotifications({ worker: 'w1', at: T0, leaseMs: 60_000, tenant: t.tenant, limit: 1 });
      await store.completeNotification(
        t.tenant,
        c!.id,
        { worker: 'w1', attempt: 1 },
        { outcome: 'dead', at: T0 + 1000, error: 'HTTP 503', response: { status: 503 } },
      );
      const list = (await t.req('auditor', { method: 'GET', url: '/v1/notifications' })).json().items;
      assert.deepEqual(
        list.map((n: { idempotencyKey: string; state: string }) => [n.idempotencyKey, n.state]),
        [
          ['ntf_a', 'dead'],
          ['ntf_b', 'pending'],
        ],
      );
      assert.equal(list[0].subject, 'Gold: 75% used');
      assert.deepEqual(
        (await t.req('auditor', { method: 'GET', url: '/v1/notifications?state=pending' })).json().items.map((n: { id: number }) => n.id),
        [list[1].id],
      );
      const shown = (await t.req('auditor', { method: 'GET', url: `/v1/notifications/${c!.id}` })).json();
      assert.deepEqual(
        shown.attempts.map((a: { attempt: number; worker: string; outcome: string; error: string }) => [
          a.attempt,
          a.worker,
          a.outcome,
          a.error,
        ]),
        [[1, 'w1', 'dead', 'HTTP 503']],
      );
      t.clock.now = T0 + 60_000;
      const replay = await t.req('manager', { method: 'POST', url: `/v1/notifications/${c!.id}/replay` });
      assert.equal(replay.statusCode, 200, replay.body);
      assert.deepEqual([replay.json().notification.state, replay.json().notification.idempotencyKey], ['pending', 'ntf_a']);
      const pending = await t.req('manager', { method: 'POST', url: `/v1/notifications/${list[1].id}/replay` });
      assert.deepEqual([pending.statusCode, pending.json().code], [409, 'conflict']);
      assert.equal((await t.req('manager', { method: 'POST', url: '/v1/notifications/999999/replay' })).statusCode, 404);
      assert.equal((await t.req('manager', { method: 'GET', url: '/v1/notifications/abc' })).statusCode, 400);
      assert.deepEqual(
        (await store.listAudit(t.tenant, { subject: `notification:${c!.id}` })).items.map((e) => e.action),
        ['notification.replay'],
      );
    });

    test('who may: channels.read (admin, manager, auditor), channels.write (admin, manager); never customers; never another tenant', async () => {
      const t = await tenant();
      await t.req('admin', { method: 'PUT', url: '/v1/channels/c1', ...yaml('kind: slack\nsettings:\n  url: env:A\n') });
      const readers: Role[] = ['admin', 'manager', 'auditor'];
      const writers: Role[] = ['admin', 'manager'];
      for (const role of ROLES) {
        for (const url of ['/v1/channels', '/v1/channels/c1', '/v1/notifications']) {
          const r = await t.req(role, { method: 'GET', url });
          assert.equal(r.statusCode, readers.includes(role) ? 200 : 403, `${role} GET ${url}`);
        }
        if (!writers.includes(role)) {
          for (const o of [
            { method: 'PUT' as const, url: '/v1/channels/c2', ...yaml('kind: slack\nsettings:\n  url: env:B\n') },
            { method: 'POST' as const, url: '/v1/channels/c1/disable' },
            { method: 'DELETE' as const, url: '/v1/channels/c1' },
            { method: 'POST' as const, url: '/v1/channels/apply', ...yaml('channels: []\n') },
            { method: 'POST' as const, url: '/v1/notifications/1/replay' },
          ])
            assert.equal((await t.req(role, o)).statusCode, 403, `${role} ${o.method} ${o.url}`);
        }
      }
      assert.equal(await store.getChannel(t.tenant, 'c2'), undefined);
      assert.equal((await store.getChannel(t.tenant, 'c1'))!.enabled, true);
      const other = await tenant();
      assert.deepEqual((await other.req('admin', { method: 'GET', url: '/v1/channels' })).json().items, []);
      assert.equal((await other.req('admin', { method: 'GET', url: '/v1/channels/c1' })).statusCode, 404);
      assert.equal((await other.req('admin', { method: 'DELETE', url: '/v1/channels/c1' })).statusCode, 404);
      assert.ok(await store.getChannel(t.tenant, 'c1'));
    });
  });
}
