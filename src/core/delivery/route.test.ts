/**
 * Routing recipients to channels (route.ts) and the message of an outbox row (outbox.ts): tables.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel } from './channel.ts';
import { validateMessage } from './message.ts';
import { deliveryMessageOf, outboxRowOf, parseOutboxPayload, routeIdOf } from './outbox.ts';
import { channelFor, routedChannel, type RouteRecipient } from './route.ts';
import { sampleIntent } from './testing/intents.ts';

const hook = (id: string, audience: 'internal' | 'customer' = 'internal'): Channel => ({
  id,
  kind: 'webhook',
  enabled: true,
  audience,
  settings: { url: `https://hooks.example.com/${id}`, secrets: ['env:S'] },
});
const mail = (id: string, audience: 'internal' | 'customer' = 'internal'): Channel => ({
  id,
  kind: 'email',
  enabled: true,
  audience,
  settings: {
    from: 'a@example.com',
    to: ['ops@example.com'],
    cc: ['cc@example.com'],
    smtp: { host: 'smtp.example.com', security: 'starttls' },
  },
});
const slack = (id: string): Channel => ({ id, kind: 'slack', enabled: true, audience: 'internal', settings: { url: 'env:U' } });

const channels = [hook('default'), hook('ops-hook'), mail('b-mail'), mail('email'), mail('customers', 'customer'), slack('ops-slack')];
const r = (over: Partial<RouteRecipient>): RouteRecipient => ({
  audience: 'internal',
  who: 'Ops',
  medium: null,
  destination: null,
  ...over,
});

test('channelFor: destination, default, medium, contact, and what cannot be routed', () => {
  const cases: Array<[string, RouteRecipient, string | RegExp, string?]> = [
    ['a destination by id', r({ destination: 'ops-hook' }), 'ops-hook'],
    ['the default route', r({ who: 'default', destination: 'default' }), 'default'],
    ['email: the channel named after the medium first', r({ medium: 'email' }), 'email'],
    ['chat: Slack or Teams', r({ medium: 'chat' }), 'ops-slack'],
    ['webhook: the first by id', r({ medium: 'webhook' }), 'default'],
    ['a customer e-mail: a customer channel', r({ audience: 'customer', medium: 'email' }), 'customers'],
    ['an unknown destination', r({ destination: 'nope' }), /no channel with id "nope"/],
    ['sms', r({ medium: 'sms' }), /no channel kind sends sms/],
    ['neither', r({}), /neither a destination nor a medium/],
  ];
  for (const [what, recipient, expected] of cases) {
    const got = channelFor(recipient, channels);
    if (typeof expected === 'string') {
      assert.ok(got.ok, what);
      assert.equal(got.channel.id, expected, what);
    } else {
      assert.ok(!got.ok, what);
      assert.match(got.reason, expected, what);
    }
  }
  assert.match((channelFor(r({ destination: 'default' }), [hook('x')]) as { reason: string }).reason, /id "default"/);
  assert.match(
    (channelFor(r({ audience: 'customer', medium: 'chat' }), channels) as { reason: string }).reason,
    /no customer slack or teams/,
  );
});

test('an e-mail to a contact goes to the contact alone, and groups apart from the channel', () => {
  const got = channelFor(r({ medium: 'email', contact: { name: 'Duty', email: 'duty@example.com' } }), channels);
  assert.ok(got.ok);
  assert.equal(got.targetKey, 'email>duty@example.com');
  const c = routedChannel(got);
  assert.ok(c.kind === 'email');
  assert.deepEqual(c.settings.to, ['duty@example.com']);
  assert.equal(c.settings.cc, undefined);
});

test('the message of a row depends on the row alone and passes validation; links need the public URL', () => {
  const intent = sampleIntent('T-1');
  const row = outboxRowOf(intent);
  assert.equal(row.idempotencyKey, intent.key);
  assert.equal(row.channelId, 'default');
  assert.equal(routeIdOf({ destination: null, medium: 'email' }), 'how:email');
  const p = parseOutboxPayload(JSON.parse(JSON.stringify(row.payload)));
  assert.ok(p.ok);
  const a = deliveryMessageOf('acme', row.idempotencyKey, p.value, { publicUrl: 'https://pledge.example.com/' });
  const b = deliveryMessageOf('acme', row.idempotencyKey, p.value, { publicUrl: 'https://pledge.example.com/' });
  assert.deepEqual(a, b);
  assert.ok(validateMessage(a).ok);
  assert.equal(a.eventType, 'alert.firing');
  assert.deepEqual(a.links, [{ label: 'Alert', url: 'https://pledge.example.com/v1/alerts/al_T-1' }]);
  assert.deepEqual(deliveryMessageOf('acme', row.idempotencyKey, p.value).links, [], 'relative links are left out without a public URL');
});

test('payloads: a bare intent is read; long or multi-line subjects are made sendable; unreadable ones are issues', () => {
  const intent = sampleIntent('T-2');
  const bare = parseOutboxPayload(intent);
  assert.ok(bare.ok && bare.value.kind === 'intent');
  const long = { ...intent, message: { ...intent.message, subject: `a\nb${'x'.repeat(600)}`, threadKey: 'y'.repeat(300) } };
  const p = parseOutboxPayload({ v: 1, kind: 'intent', intent: long });
  assert.ok(p.ok);
  const m = deliveryMessageOf('acme', intent.key, p.value);
  assert.ok(validateMessage(m).ok, JSON.stringify(validateMessage(m)));
  assert.equal(m.subject.length, 500);
  const bad = parseOutboxPayload({ v: 1, kind: 'intent', intent: { ...intent, transition: 'exploded' } });
  assert.ok(!bad.ok);
  assert.match(bad.issues[0]!.path, /intent\.transition/);
  assert.ok(!parseOutboxPayload({ text: 'hello' }).ok);
});
