/**
 * From an event to a verified webhook: a ticket opened on Friday at 16:00 on the Mon-Fri 09-17
 * Berlin calendar, the scheduler firing its levels on Monday, and the delivery worker sending each
 * to the tenant's default channel, a real HTTP receiver that verifies the Standard Webhooks
 * signature with the maintained `standardwebhooks` package. One message per level, whose
 * webhook-id is the notification's idempotency key, and nothing over the weekend.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '../../delivery/secrets.ts';
import { startReceiver } from '../../delivery/testing/receiver.ts';
import { openStore } from '../../store/index.ts';
import { DEFAULT_DELIVERY } from '../config.ts';
import { createDeliveryWorker } from '../delivery/worker.ts';
import { createScheduler } from './scheduler.ts';
import { ManualClock, setupTenant, store as put, ticket } from './testkit.ts';

const berlin = (local: string) => Date.parse(`${local}+01:00`);
const dir = mkdtempSync(join(tmpdir(), 'pledge-live-delivery-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the levels of a clock reach a verified webhook at their instants, once each', async () => {
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  const secret = generateWebhookSecret();
  const verifier = new Webhook(secret);
  const receiver = await startReceiver(() => ({ status: 204 }));
  try {
    const t = 'acme';
    await setupTenant(store, t, Date.parse('2026-03-01T00:00:00Z'));
    await store.putChannel(t, {
      id: 'default',
      kind: 'webhook',
      config: { settings: { url: receiver.url, secrets: ['env:HOOK'] } },
      at: 0,
      by: 'test',
    });
    const clock = new ManualClock(berlin('2026-03-06T16:00:00'));
    const scheduler = createScheduler({ store, clock, listen: false });
    // The delivery worker signs with the real time (receivers check it is recent); the scheduler runs on the test's clock.
    const delivery = createDeliveryWorker({
      store,
      config: { ...DEFAULT_DELIVERY, grouping: { intervalMs: 60_000, burst: 100 } },
      env: { HOOK: secret },
      tenant: t,
      name: 'd1',
    });
    await put(store, t, [ticket('T1').created(clock.t)], clock.t);
    const got: Array<[string, string]> = [];
    const step = async (at: number) => {
      clock.t = at;
      await scheduler.tick();
      await delivery.drain();
      for (const r of receiver.requests.splice(0)) {
        const event = verifier.verify(r.body, r.headers as Record<string, string>) as {
          type: string;
          data: { alert: { dedupeKey: string } };
        };
        got.push([`${event.type} ${event.data.alert.dedupeKey.split('/').pop()}`, String(r.headers['webhook-id'])]);
      }
    };
    await step(clock.t);
    for (const at of ['2026-03-07T12:00:00', '2026-03-08T12:00:00']) await step(berlin(at));
    assert.equal(got.length, 0, 'nothing over the weekend');
    for (const at of ['2026-03-09T10:00:00', '2026-03-09T11:00:00', '2026-03-09T11:00:00', '2026-03-09T11:36:00', '2026-03-09T12:00:01'])
      await step(berlin(at));
    assert.deepEqual(
      got.map(([what]) => what),
      ['alert.firing consumed-50', 'alert.firing consumed-75', 'alert.firing consumed-90', 'alert.firing breach'],
    );
    const keys = (await store.listNotifications(t, { limit: 100 })).items
      .filter((n) => n.state === 'delivered')
      .map((n) => n.idempotencyKey);
    assert.deepEqual(
      got.map(([, id]) => id),
      keys.slice(0, 4),
      'webhook-id is the notification key',
    );
  } finally {
    await receiver.close();
    await store.close();
  }
});
