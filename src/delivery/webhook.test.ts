/**
 * Standard Webhooks deliveries against a real HTTP receiver that verifies every request with the
 * maintained `standardwebhooks` verifier (Webhook.verify), as a customer's endpoint would.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { deliver } from './deliver.ts';
import { generateWebhookSecret } from './secrets.ts';
import { startReceiver, type Answer, type Received, type Receiver } from './testing/receiver.ts';
import { sampleMessage } from '../core/delivery/testing/sample-message.ts';
import type { Channel } from '../core/delivery/channel.ts';
import { RETRY_DELAYS_MS } from '../core/delivery/retry.ts';

const receivers: Receiver[] = [];
after(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

const SECRET = generateWebhookSecret();
const OLD_SECRET = generateWebhookSecret();
const env = { HOOK_SECRET: SECRET, OLD_HOOK_SECRET: OLD_SECRET };

function channel(url: string, secrets = ['env:HOOK_SECRET']): Channel {
  return { id: 'ops-hook', kind: 'webhook', enabled: true, audience: 'internal', settings: { url, secrets } };
}

/** A receiver that verifies with `secret` (401 when the signature does not verify), then answers from `script`. */
async function verifyingReceiver(script: (req: Received, i: number) => Answer | 'hang', secret = SECRET) {
  const verified: unknown[] = [];
  const r = await startReceiver((req, i) => {
    try {
      verified.push(new Webhook(secret).verify(req.body, req.headers as Record<string, string>));
    } catch (e) {
      return { status: 401, body: `signature: ${(e as Error).message}` };
    }
    return script(req, i);
  });
  receivers.push(r);
  return { ...r, verified };
}

test('500 then 200: the retry carries the same webhook-id and body, a new timestamp, and both verify', async () => {
  const r = await verifyingReceiver((_req, i) => (i === 0 ? { status: 500, body: 'database down' } : { status: 200, body: 'ok' }));
  const message = sampleMessage();
  const t0 = Date.now();
  const first = await deliver(channel(r.url), message, { now: t0, attempt: 1, env, random: () => 0.5 });
  assert.equal(first.kind, 'retry');
  assert.ok(first.kind === 'retry');
  assert.equal(first.reason, 'server_error');
  assert.equal(first.at, t0 + RETRY_DELAYS_MS[0]!, 'with jitter 0.5 the second attempt is 5 s later');
  assert.equal(first.log.status, 500);
  assert.equal(first.log.body, 'database down');
  assert.equal(first.log.deliveryId, message.idempotencyKey);

  const t1 = t0 + 5000;
  const second = await deliver(channel(r.url), message, { now: t1, attempt: 2, env, random: () => 0.5 });
  assert.equal(second.kind, 'delivered');
  assert.equal(second.log.status, 200);
  assert.equal(second.log.attempt, 2);

  assert.equal(r.requests.length, 2);
  const [a, b] = r.requests as [Received, Received];
  assert.equal(a.headers['webhook-id'], message.idempotencyKey);
  assert.equal(b.headers['webhook-id'], a.headers['webhook-id']);
  assert.equal(b.body, a.body, 'the same body, byte for byte');
  assert.equal(a.headers['webhook-timestamp'], String(Math.floor(t0 / 1000)));
  assert.equal(b.headers['webhook-timestamp'], String(Math.floor(t1 / 1000)));
  assert.equal(a.headers['content-type'], 'application/json');
  assert.match(String(a.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
  // What the receiver got, after verification: the payload of the specification.
  assert.deepEqual(r.verified[1], { type: 'alert.firing', timestamp: '2026-11-23T10:00:00.000Z', data: message.data });
});

test('a receiver holding another secret refuses the signature (the verifier is really checking)', async () => {
  const r = await verifyingReceiver(() => ({ status: 200 }), generateWebhookSecret());
  const out = await deliver(channel(r.url), sampleMessage(), { now: Date.now(), env });
  assert.equal(out.kind, 'failed');
  assert.ok(out.kind === 'failed');
  assert.equal(out.reason, 'rejected');
  assert.equal(out.log.status, 401);
  assert.match(out.log.body ?? '', /No matching signature/);
});

test('rotation: two active secrets give two signatures; receivers on the old or the new secret both verify', async () => {
  const onNew = await verifyingReceiver(() => ({ status: 204 }), SECRET);
  const onOld = await verifyingReceiver(() => ({ status: 204 }), OLD_SECRET);
  for (const r of [onNew, onOld]) {
    const out = await deliver(channel(r.url, ['env:HOOK_SECRET', 'env:OLD_HOOK_SECRET']), sampleMessage(), { now: Date.now(), env });
    assert.equal(out.kind, 'delivered');
    const signatures = String(r.requests[0]!.headers['webhook-signature']).split(' ');
    assert.equal(signatures.length, 2);
    for (const s of signatures) assert.match(s, /^v1,/);
  }
});

test('429 with Retry-After: the next attempt is no earlier than the receiver asked', async () => {
  const r = await verifyingReceiver(() => ({ status: 429, headers: { 'retry-after': '120' }, body: 'slow down' }));
  const now = Date.now();
  const out = await deliver(channel(r.url), sampleMessage(), { now, env, random: () => 0.99 });
  assert.ok(out.kind === 'retry');
  assert.equal(out.reason, 'rate_limited');
  assert.equal(out.at, now + 120_000);
  assert.equal(out.log.status, 429);
});

test('503 with an HTTP-date Retry-After, and a 429 whose Retry-After is shorter than the schedule', async () => {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const later = new Date(now + 600_000).toUTCString();
  const r = await verifyingReceiver((_q, i) =>
    i === 0 ? { status: 503, headers: { 'retry-after': later } } : { status: 429, headers: { 'retry-after': '1' } },
  );
  const a = await deliver(channel(r.url), sampleMessage(), { now, env, random: () => 0.5 });
  assert.ok(a.kind === 'retry');
  assert.equal(a.reason, 'unavailable');
  assert.equal(a.at, now + 600_000);
  // Attempt 3 is due 5 minutes later by the schedule; "Retry-After: 1" does not bring it forward.
  const b = await deliver(channel(r.url), sampleMessage(), { now, attempt: 2, env, random: () => 0.5 });
  assert.ok(b.kind === 'retry');
  assert.equal(b.at, now + RETRY_DELAYS_MS[1]!);
});

test('410 Gone disables the endpoint', async () => {
  const r = await verifyingReceiver(() => ({ status: 410, body: 'gone' }));
  const out = await deliver(channel(r.url), sampleMessage(), { now: Date.now(), env });
  assert.equal(out.kind, 'disabled');
  assert.equal(out.log.status, 410);
});

test('other 4xx fail for good, and the log keeps a trimmed answer', async () => {
  const long = 'x'.repeat(5000);
  const r = await verifyingReceiver(() => ({ status: 422, body: long }));
  const out = await deliver(channel(r.url), sampleMessage(), { now: Date.now(), env });
  assert.ok(out.kind === 'failed');
  assert.equal(out.reason, 'rejected');
  assert.equal(out.log.body?.length, 1000);
  assert.ok(out.log.body?.endsWith('…'));
});

test('a redirect is not followed: failed, and the target never receives it', async () => {
  const target = await verifyingReceiver(() => ({ status: 200 }));
  const r = await verifyingReceiver(() => ({ status: 308, headers: { location: target.url } }));
  const out = await deliver(channel(r.url), sampleMessage(), { now: Date.now(), env });
  assert.ok(out.kind === 'failed');
  assert.equal(out.reason, 'redirect');
  assert.equal(target.requests.length, 0);
});

test('no answer within the timeout: retry (timeout); a refused connection: retry (network)', async () => {
  const r = await verifyingReceiver(() => 'hang');
  const slow = await deliver(channel(r.url), sampleMessage(), { now: Date.now(), env, timeoutMs: 200 });
  assert.ok(slow.kind === 'retry');
  assert.equal(slow.reason, 'timeout');
  assert.match(slow.log.error ?? '', /no answer within 200 ms/);

  const closed = await startReceiver(() => ({ status: 200 }));
  await closed.close();
  const refused = await deliver(channel(closed.url), sampleMessage(), { now: Date.now(), env });
  assert.ok(refused.kind === 'retry');
  assert.equal(refused.reason, 'network');
  assert.match(refused.log.error ?? '', /ECONNREFUSED/);
});

test('after the 10th attempt nothing is retried: failed, exhausted', async () => {
  const r = await verifyingReceiver(() => ({ status: 500 }));
  const ninth = await deliver(channel(r.url), sampleMessage(), { now: Date.now(), attempt: 9, env });
  assert.equal(ninth.kind, 'retry');
  const tenth = await deliver(channel(r.url), sampleMessage(), { now: Date.now(), attempt: 10, env });
  assert.ok(tenth.kind === 'failed');
  assert.equal(tenth.reason, 'exhausted');
  assert.match(tenth.detail, /10 attempts .*500/);
});

test('replay after delivery: the same webhook-id, so a receiver that dedupes processes it once', async () => {
  const processed = new Set<string>();
  let effects = 0;
  const r = await verifyingReceiver((req) => {
    const id = String(req.headers['webhook-id']);
    if (!processed.has(id)) {
      processed.add(id);
      effects++;
    }
    return { status: 200 };
  });
  const message = sampleMessage();
  assert.equal((await deliver(channel(r.url), message, { now: Date.now(), env })).kind, 'delivered');
  assert.equal((await deliver(channel(r.url), message, { now: Date.now() + 1000, env })).kind, 'delivered');
  assert.equal(r.requests.length, 2);
  assert.equal(effects, 1);
  // Another notification is another id.
  await deliver(channel(r.url), sampleMessage({ idempotencyKey: 'alrt_other' }), { now: Date.now(), env });
  assert.equal(effects, 2);
});

test('an idempotency key with a full stop becomes a msg_ id (the signed content is id.timestamp.body) that verifies', async () => {
  const r = await verifyingReceiver(() => ({ status: 200 }));
  const message = sampleMessage({ idempotencyKey: 'acme/agreement.v2/T-1/75' });
  const out = await deliver(channel(r.url), message, { now: Date.now(), env });
  assert.equal(out.kind, 'delivered');
  const id = String(r.requests[0]!.headers['webhook-id']);
  assert.match(id, /^msg_[A-Za-z0-9_-]{32}$/);
  assert.equal(out.log.deliveryId, id);
  await deliver(channel(r.url), message, { now: Date.now(), env });
  assert.equal(r.requests[1]!.headers['webhook-id'], id);
});
