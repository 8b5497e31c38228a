/**
 * The delivery loop on a real SQLite store, against real receivers: an HTTP endpoint that verifies
 * every request with the maintained `standardwebhooks` verifier, an SMTP server (`smtp-server`),
 * and Slack and Teams receivers that check the documented payload shapes. Time is the test's
 * (an injectable clock starting at the real time, so signatures stay within the verifier's
 * tolerance), moved by hand to retry instants.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { DEFAULT_DELIVERY, type DeliveryConfig } from '../config.ts';
import { outboxRowOf } from '../../core/delivery/outbox.ts';
import type { NotificationIntent, Recipient } from '../../core/alerts/types.ts';
import { generateWebhookSecret, generateSecretKey, parseSecretKeys, encryptSecret, secretContext } from '../../delivery/secrets.ts';
import { startReceiver, type Answer, type Received, type Receiver } from '../../delivery/testing/receiver.ts';
import { slackProblems, teamsProblems } from '../../delivery/testing/chat-shapes.ts';
import { openStore } from '../../store/index.ts';
import type { Store } from '../../store/types.ts';
import { createDeliveryWorker, type DeliveryWorkerOptions, type WorkerClock } from './worker.ts';
import { sampleIntent } from '../../core/delivery/testing/intents.ts';
import { outboxStats } from './outbox-stats.ts';

const SECRET = generateWebhookSecret();
const env = { HOOK_SECRET: SECRET, SLACK_URL: '', TEAMS_URL: '' };
const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function freshStore(tenant = 'acme'): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'pledge-worker-'));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  closers.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await store.createTenant({ id: tenant, name: tenant, createdAt: 0 });
  return store;
}

/** A receiver that verifies each request's signature (401 otherwise), then answers from `script`. */
async function hook(script: (req: Received, i: number) => Answer | 'hang' = () => ({ status: 204 })) {
  const ids: string[] = [];
  const bodies: unknown[] = [];
  const r = await startReceiver((req, i) => {
    try {
      bodies.push(new Webhook(SECRET).verify(req.body, req.headers as Record<string, string>));
    } catch (e) {
      return { status: 401, body: `signature: ${(e as Error).message}` };
    }
    ids.push(String(req.headers['webhook-id']));
    return script(req, i);
  });
  closers.push(() => r.close());
  return { ...r, ids, bodies };
}

async function plainReceiver(script: (req: Received, i: number) => Answer | 'hang'): Promise<Receiver> {
  const r = await startReceiver(script);
  closers.push(() => r.close());
  return r;
}

function manualClock(start = Date.now()): WorkerClock & { t: number; set(t: number): void } {
  const c = {
    t: start,
    now: () => c.t,
    set(t: number) {
      c.t = t;
    },
    sleep: () => Promise.resolve(),
  };
  return c;
}

async function putWebhook(store: Store, id: string, url: string, over: { audience?: string; secrets?: string[] } = {}) {
  await store.putChannel('acme', {
    id,
    kind: 'webhook',
    config: { ...(over.audience ? { audience: over.audience } : {}), settings: { url, secrets: over.secrets ?? ['env:HOOK_SECRET'] } },
    at: 0,
    by: 'test',
  });
}

async function enqueue(store: Store, intents: NotificationIntent[], at: number) {
  await store.applyAlertChanges('acme', { at, by: 'pledge', notifications: intents.map((i) => outboxRowOf(i)) });
}

function worker(
  store: Store,
  clock: WorkerClock,
  over: Omit<Partial<DeliveryWorkerOptions>, 'config'> & { config?: Partial<DeliveryConfig> } = {},
) {
  const { config, ...rest } = over;
  return createDeliveryWorker({
    store,
    config: { ...DEFAULT_DELIVERY, publicUrl: 'https://pledge.example.com', ...config },
    env,
    clock,
    name: 'w1',
    random: () => 0.5,
    timeoutMs: 5000,
    ...rest,
  });
}

test('one notification to the default route: one signed webhook whose id is the notification key; delivered, logged once', async () => {
  const store = await freshStore();
  const r = await hook();
  await putWebhook(store, 'default', r.url);
  const clock = manualClock();
  const intent = sampleIntent('T-1');
  await enqueue(store, [intent], clock.t);
  const report = await worker(store, clock).drain();
  assert.equal(report.counts.delivered, 1);
  assert.deepEqual(r.ids, [intent.key]);
  const body = r.bodies[0] as { type: string; data: { alert: { id: string }; links: Array<{ url: string }> } };
  assert.equal(body.type, 'alert.firing');
  assert.equal(body.data.alert.id, 'al_T-1');
  assert.equal(body.data.links[0]!.url, 'https://pledge.example.com/v1/alerts/al_T-1', 'links are made absolute');
  const row = (await store.getNotificationByKey('acme', intent.key))!;
  assert.equal(row.state, 'delivered');
  const attempts = await store.listNotificationAttempts('acme', row.id);
  assert.deepEqual(
    attempts.map((a) => [a.attempt, a.outcome, a.worker]),
    [[1, 'delivered', 'w1']],
  );
  assert.equal((attempts[0]!.response as { status: number }).status, 204);
});

test('500, then 200: retried at the schedule instant with the same webhook-id and body', async () => {
  const store = await freshStore();
  const r = await hook((_req, i) => (i === 0 ? { status: 500, body: 'down' } : { status: 200 }));
  await putWebhook(store, 'default', r.url);
  const clock = manualClock();
  const intent = sampleIntent('T-2');
  await enqueue(store, [intent], clock.t);
  const w = worker(store, clock);
  assert.equal((await w.drain()).counts.retry, 1);
  const pending = (await store.getNotificationByKey('acme', intent.key))!;
  assert.equal(pending.state, 'pending');
  assert.equal(pending.nextAttemptAt, clock.t + 5000, 'the schedule: 5 s (jitter 0.5)');
  clock.set(clock.t + 4999);
  assert.equal((await w.drain()).claimed, 0, 'not due before its instant');
  clock.set(clock.t + 1);
  assert.equal((await w.drain()).counts.delivered, 1);
  assert.deepEqual(r.ids, [intent.key, intent.key]);
  assert.equal(r.requests[0]!.body, r.requests[1]!.body, 'the same body on the retry');
  const attempts = await store.listNotificationAttempts('acme', pending.id);
  assert.deepEqual(
    attempts.map((a) => a.outcome),
    ['retry', 'delivered'],
  );
});

test('429 with Retry-After: 120 is honoured (not before 120 s, though the schedule says 5 s)', async () => {
  const store = await freshStore();
  const r = await hook((_req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 }));
  await putWebhook(store, 'default', r.url);
  const clock = manualClock();
  const t0 = clock.t;
  const intent = sampleIntent('T-3');
  await enqueue(store, [intent], t0);
  const w = worker(store, clock);
  await w.drain();
  assert.equal((await store.getNotificationByKey('acme', intent.key))!.nextAttemptAt, t0 + 120_000);
  clock.set(t0 + 60_000);
  await w.drain();
  assert.equal(r.requests.length, 1);
  clock.set(t0 + 120_000);
  await w.drain();
  assert.deepEqual(r.ids, [intent.key, intent.key]);
  assert.equal((await store.getNotificationByKey('acme', intent.key))!.state, 'delivered');
});

test('410 Gone disables the channel (audited); later notifications to it fail without a request', async () => {
  const store = await freshStore();
  const r = await hook(() => ({ status: 410 }));
  await putWebhook(store, 'default', r.url);
  const clock = manualClock();
  const [a, b] = [sampleIntent('T-4'), sampleIntent('T-5')];
  await enqueue(store, [a], clock.t);
  const w = worker(store, clock);
  const report = await w.drain();
  assert.deepEqual(report.disabled, ['acme/default']);
  const channel = (await store.getChannel('acme', 'default'))!;
  assert.equal(channel.enabled, false);
  assert.match(channel.disabledReason ?? '', /410/);
  assert.equal((await store.getNotificationByKey('acme', a.key))!.state, 'failed');
  const audit = await store.listAudit('acme');
  assert.ok(audit.items.some((e) => e.action === 'channel.disable' && e.subject === 'channel:default'));
  await enqueue(store, [b], clock.t);
  await w.drain();
  assert.equal(r.requests.length, 1, 'nothing more is sent to a disabled channel');
  const failed = (await store.getNotificationByKey('acme', b.key))!;
  assert.equal(failed.state, 'failed');
  assert.match(failed.lastError ?? '', /disabled/);
});

test('a storm: 200 notifications to two channels make one grouped message per channel; each notification is carried once', async () => {
  const store = await freshStore();
  const hookR = await hook();
  const slack = await plainReceiver((req) => {
    const problems = slackProblems(JSON.parse(req.body));
    return problems.length ? { status: 400, body: problems.join('; ') } : { status: 200, body: 'ok' };
  });
  await putWebhook(store, 'default', hookR.url);
  await store.putChannel('acme', { id: 'ops-slack', kind: 'slack', config: { settings: { url: 'env:SLACK_URL' } }, at: 0, by: 'test' });
  const toSlack: Recipient = { audience: 'internal', who: 'Shift lead', medium: 'chat', destination: 'ops-slack' };
  const clock = manualClock();
  const intents = Array.from({ length: 200 }, (_, i) => sampleIntent(`S-${i}`, i % 2 ? { recipient: toSlack } : {}));
  await enqueue(store, intents, clock.t);
  const w = worker(store, clock, { env: { ...env, SLACK_URL: slack.url } });
  const report = await w.drain();
  assert.equal(report.groups, 2);
  assert.equal(report.counts.grouped, 200);
  assert.equal(hookR.requests.length, 1, 'one message to the webhook');
  assert.equal(slack.requests.length, 1, 'one message to Slack');
  const group = hookR.bodies[0] as { type: string; data: { count: number; notifications: string[] } };
  assert.equal(group.type, 'alert.grouped');
  assert.equal(group.data.count, 100);
  assert.deepEqual(new Set(group.data.notifications), new Set(intents.filter((_, i) => i % 2 === 0).map((i) => i.key)));
  const rows = (await store.listNotifications('acme', { limit: 1000 })).items;
  assert.equal(rows.length, 202, 'the 200 intents and the 2 group rows');
  assert.ok(rows.every((n) => n.state === 'delivered'));
  // Within the interval, the next notification to the webhook goes on its own (2 slots left of 3).
  const next = sampleIntent('S-late');
  await enqueue(store, [next], clock.t);
  await w.drain();
  assert.deepEqual(hookR.ids.slice(1), [next.key]);
});

test('grouping holds what a channel may not receive in this interval, and sends it when a slot frees', async () => {
  const store = await freshStore();
  const r = await hook();
  await putWebhook(store, 'default', r.url);
  const clock = manualClock();
  const w = worker(store, clock, { config: { grouping: { intervalMs: 60_000, burst: 1 } } });
  const first = sampleIntent('H-1');
  await enqueue(store, [first], clock.t);
  await w.drain();
  const [a, b] = [sampleIntent('H-2'), sampleIntent('H-3')];
  await enqueue(store, [a, b], clock.t + 1000);
  clock.set(clock.t + 1000);
  const held = await w.drain();
  assert.equal(held.counts.held, 2);
  assert.equal(r.requests.length, 1);
  clock.set(clock.t + 59_000);
  await w.drain();
  assert.equal(r.requests.length, 2, 'one grouped message once the interval frees a slot');
  assert.equal((r.bodies[1] as { type: string }).type, 'alert.grouped');
  // Held attempts do not count against the retry schedule.
  const row = (await store.getNotificationByKey('acme', a.key))!;
  assert.equal(row.state, 'delivered');
});

test('replay: a delivered notification is sent again with the same webhook-id and body', async () => {
  const store = await freshStore();
  const r = await hook();
  await putWebhook(store, 'default', r.url);
  const clock = manualClock();
  const intent = sampleIntent('R-1');
  await enqueue(store, [intent], clock.t);
  const w = worker(store, clock);
  await w.drain();
  const row = (await store.getNotificationByKey('acme', intent.key))!;
  const replayed = await store.replayNotification('acme', row.id, { at: clock.t + 1000, by: 'ann' });
  assert.equal(replayed.status, 'replayed');
  clock.set(clock.t + 1000);
  await w.drain();
  assert.deepEqual(r.ids, [intent.key, intent.key]);
  assert.equal(r.requests[0]!.body, r.requests[1]!.body);
  assert.equal((await store.getNotification('acme', row.id))!.state, 'delivered');
});

test('the retry schedule runs out: dead after the 10th attempt, with the last answer', async () => {
  const store = await freshStore();
  const r = await plainReceiver(() => ({ status: 503, body: 'maintenance' }));
  await putWebhook(store, 'default', r.url);
  const clock = manualClock();
  const intent = sampleIntent('D-1');
  await enqueue(store, [intent], clock.t);
  const w = worker(store, clock);
  for (let i = 0; i < 10; i++) {
    await w.drain();
    const row = (await store.getNotificationByKey('acme', intent.key))!;
    if (row.nextAttemptAt !== undefined) clock.set(row.nextAttemptAt);
  }
  const row = (await store.getNotificationByKey('acme', intent.key))!;
  assert.equal(row.state, 'dead');
  assert.match(row.lastError ?? '', /gave up after 10 attempts \(last answer 503\)/);
  assert.equal(r.requests.length, 10);
  assert.equal(new Set(r.requests.map((q) => q.headers['webhook-id'])).size, 1);
});

test('recipients that cannot be routed fail with the reason, and nothing is sent', async () => {
  const store = await freshStore();
  const r = await hook();
  await putWebhook(store, 'ops-hook', r.url);
  const clock = manualClock();
  const noChannel = sampleIntent('N-1', { recipient: { audience: 'internal', who: 'Ops', medium: null, destination: 'nope' } });
  const sms = sampleIntent('N-2', { recipient: { audience: 'internal', who: 'Duty manager', medium: 'sms', destination: null } });
  const noDefault = sampleIntent('N-3');
  await enqueue(store, [noChannel, sms, noDefault], clock.t);
  await worker(store, clock).drain();
  assert.equal(r.requests.length, 0);
  const err = async (k: string) => (await store.getNotificationByKey('acme', k))!.lastError;
  assert.match((await err(noChannel.key)) ?? '', /no channel with id "nope"/);
  assert.match((await err(sms.key)) ?? '', /no channel kind sends sms/);
  assert.match((await err(noDefault.key)) ?? '', /channel with id "default"/);
});

test('an internal alert routed to a customer channel is refused; a customer notice goes', async () => {
  const store = await freshStore();
  const r = await hook();
  await putWebhook(store, 'status-page', r.url, { audience: 'customer' });
  const clock = manualClock();
  const internal = sampleIntent('A-1', { recipient: { audience: 'internal', who: 'Ops', medium: null, destination: 'status-page' } });
  const notice = sampleIntent('A-2', { recipient: { audience: 'customer', who: 'Globex IT', medium: null, destination: 'status-page' } });
  await enqueue(store, [internal, notice], clock.t);
  await worker(store, clock).drain();
  assert.deepEqual(r.ids, [notice.key]);
  assert.match((await store.getNotificationByKey('acme', internal.key))!.lastError ?? '', /audience_mismatch/);
});

test('an enc: secret without PLEDGE_SECRET_KEY fails saying so; with the key it is sent', async () => {
  const store = await freshStore();
  const r = await hook();
  const keyText = generateSecretKey();
  const keyring = parseSecretKeys(keyText);
  assert.ok(keyring.ok);
  const sealed = encryptSecret(SECRET, keyring.value, secretContext('acme', 'default', 'webhook_secret'));
  await putWebhook(store, 'default', r.url, { secrets: [sealed] });
  const clock = manualClock();
  const [a, b] = [sampleIntent('K-1'), sampleIntent('K-2')];
  await enqueue(store, [a], clock.t);
  await worker(store, clock).drain();
  assert.match((await store.getNotificationByKey('acme', a.key))!.lastError ?? '', /PLEDGE_SECRET_KEY/);
  await enqueue(store, [b], clock.t);
  await worker(store, clock, { config: { keyring: keyring.value } }).drain();
  assert.deepEqual(r.ids, [b.key]);
});

test('e-mail to a contact by medium: a real SMTP server gets it at the contact address; a 451 retry keeps the Message-ID', async () => {
  const store = await freshStore();
  const mails: Array<{ to: string[]; raw: string }> = [];
  let refuse = 1;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuse-- > 0) return callback(Object.assign(new Error('try later'), { responseCode: 451 }));
        mails.push({ to: session.envelope.rcptTo.map((x) => x.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;
  await store.putChannel('acme', {
    id: 'ops-mail',
    kind: 'email',
    config: {
      settings: {
        from: 'Pledge <alerts@pledge.example.com>',
        to: ['oncall@example.com'],
        cc: ['desk@example.com'],
        smtp: { host: '127.0.0.1', port, security: 'none' },
      },
    },
    at: 0,
    by: 'test',
  });
  const recipient: Recipient = {
    audience: 'internal',
    who: 'Duty manager',
    medium: 'email',
    destination: null,
    contact: { name: 'Duty manager', email: 'duty@example.com' },
  };
  const clock = manualClock();
  const intent = sampleIntent('M-1', { recipient });
  await enqueue(store, [intent], clock.t);
  const w = worker(store, clock);
  await w.drain();
  const row = (await store.getNotificationByKey('acme', intent.key))!;
  assert.equal(row.state, 'pending', 'SMTP 451 is transient');
  clock.set(row.nextAttemptAt!);
  await w.drain();
  assert.equal((await store.getNotification('acme', row.id))!.state, 'delivered');
  assert.equal(mails.length, 1);
  assert.deepEqual(mails[0]!.to, ['duty@example.com'], "the contact's address, not the channel's to and cc");
  const attempts = await store.listNotificationAttempts('acme', row.id);
  const ids = attempts.map((a) => (a.response as { deliveryId?: string }).deliveryId);
  assert.equal(ids.length, 2);
  assert.equal(ids[0], ids[1], 'the same Message-ID on the retry');
  assert.ok(mails[0]!.raw.includes(ids[0]!), `the Message-ID ${ids[0]} in ${mails[0]!.raw.slice(0, 600)}`);
});

test('Teams: the workflow receiver gets an Adaptive Card it accepts', async () => {
  const store = await freshStore();
  const teams = await plainReceiver((req) => {
    const problems = teamsProblems(JSON.parse(req.body));
    return problems.length ? { status: 400, body: problems.join('; ') } : { status: 202 };
  });
  await store.putChannel('acme', { id: 'ops-teams', kind: 'teams', config: { settings: { url: 'env:TEAMS_URL' } }, at: 0, by: 'test' });
  const clock = manualClock();
  const intent = sampleIntent('TM-1', { recipient: { audience: 'internal', who: 'Ops', medium: 'chat', destination: null } });
  await enqueue(store, [intent], clock.t);
  await worker(store, clock, { env: { ...env, TEAMS_URL: teams.url } }).drain();
  assert.equal(teams.requests.length, 1);
  assert.equal((await store.getNotificationByKey('acme', intent.key))!.state, 'delivered');
});

test('a lost lease: a completion after another worker took the row over is refused, the row completed once', async () => {
  const store = await freshStore();
  const r = await hook((_req, i) => (i === 0 ? 'hang' : { status: 200 }));
  await putWebhook(store, 'default', r.url);
  const clock = manualClock();
  const intent = sampleIntent('L-1');
  await enqueue(store, [intent], clock.t);
  // The first worker's send hangs until its timeout; meanwhile its lease runs out and a second
  // worker claims the row and delivers it.
  const slow = worker(store, clock, { name: 'slow', timeoutMs: 300, config: { leaseMs: 2000 } });
  const pending = slow.drain();
  let ended = false;
  void pending.then(() => (ended = true));
  while (r.requests.length === 0) {
    assert.equal(ended, false, 'the first worker ended without sending');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  clock.set(clock.t + 2001);
  const fast = worker(store, clock, { name: 'fast' });
  assert.equal((await fast.drain()).counts.delivered, 1);
  const late = await pending;
  assert.equal(late.counts.stale, 1, "the first worker's completion is refused");
  const row = (await store.getNotificationByKey('acme', intent.key))!;
  const attempts = await store.listNotificationAttempts('acme', row.id);
  assert.deepEqual(
    attempts.map((a) => [a.worker, a.outcome]),
    [
      ['slow', 'abandoned'],
      ['fast', 'delivered'],
    ],
  );
  assert.deepEqual(r.ids, [intent.key, intent.key], 'a redelivery with the same webhook-id');
});

test('graceful stop: the delivery in flight finishes and is recorded; nothing is claimed after', async () => {
  const store = await freshStore();
  const r = await hook(() => ({ status: 200 }));
  await putWebhook(store, 'default', r.url);
  const intent = sampleIntent('G-1');
  await enqueue(store, [intent], Date.now());
  let calls = 0;
  const clock: WorkerClock = {
    now: () => Date.now(),
    sleep: (ms, signal) => new Promise((resolve) => (signal.aborted ? resolve() : setTimeout(resolve, Math.min(ms, 20)))),
  };
  const w = worker(store, clock, { config: { pollMs: 20 }, onCount: () => calls++ });
  w.start();
  while ((await store.getNotificationByKey('acme', intent.key))!.state !== 'delivered') await new Promise((res) => setTimeout(res, 10));
  await w.stop();
  const later = sampleIntent('G-2');
  await enqueue(store, [later], Date.now());
  await new Promise((res) => setTimeout(res, 100));
  assert.equal((await store.getNotificationByKey('acme', later.key))!.state, 'pending', 'a stopped worker claims nothing');
  assert.equal(calls, 1);
});

test('outbox gauges: pending notifications and the age of the oldest; none once delivered', async () => {
  const store = await freshStore();
  const r = await hook();
  await putWebhook(store, 'default', r.url);
  const clock = manualClock();
  const t0 = clock.t;
  await enqueue(store, [sampleIntent('O-1')], t0);
  await enqueue(store, [sampleIntent('O-2')], t0 + 2000);
  assert.deepEqual(await outboxStats(store, 'acme', t0 + 5000), { pending: 2, oldestAgeMs: 5000 });
  clock.set(t0 + 5000);
  await worker(store, clock).drain();
  assert.deepEqual(await outboxStats(store, 'acme', t0 + 6000), { pending: 0, oldestAgeMs: 0 });
});
