/**
 * The store contract for report schedules: a schedule and its timer written together; report
 * timers claimed only by who asks for them (and never by who excludes them), once across
 * concurrent claimers; a delivery recorded once per (schedule, period, recipient) with its outbox
 * row in the same transaction, also when two runners record it at once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { REPORT_TIMER_PREFIX, type NewReportDelivery, type Store } from './types.ts';

const T0 = Date.UTC(2026, 10, 1);
const LEASE = 60_000;

async function tenantOf(store: Store): Promise<string> {
  const tenant = `rs-${randomBytes(5).toString('hex')}`;
  await store.createTenant({ id: tenant, name: tenant, createdAt: T0 });
  return tenant;
}

function delivery(recipient: string, period = '2026-10'): NewReportDelivery {
  const key = `rpt_${period}_${recipient}`;
  return {
    scheduleId: 'monthly',
    period,
    recipient,
    notification: { idempotencyKey: key, channelId: 'mail', recipient, payload: { v: 1, kind: 'report' }, notBefore: T0 },
    reports: [{ agreement: 'gold', period, revision: 1, variant: 'pdf:en', mediaType: 'application/pdf' }],
    createdAt: T0,
  };
}

export function reportSchedulesContract(ctx: { store: () => Store }): void {
  describe('report schedules', () => {
    test('a schedule is stored with its timer; replacing moves it, disabling removes it, deleting removes every timer of it', async () => {
      const store = ctx.store();
      const tenant = await tenantOf(store);
      const spec = { agreement: 'gold', day: 3 };
      const key = `${REPORT_TIMER_PREFIX}monthly`;
      const created = await store.putReportSchedule(
        tenant,
        { id: 'monthly', spec, at: T0, by: 'jo' },
        { key, fireAt: T0 + 1000, payload: { p: 1 } },
        null,
      );
      assert.equal(created.status, 'created');
      assert.equal((await store.getTimer(tenant, key))?.fireAt, T0 + 1000);
      // Create-only refuses an existing one; a wrong ETag too.
      assert.equal((await store.putReportSchedule(tenant, { id: 'monthly', spec, at: T0, by: 'jo' }, null, null)).status, 'stale');
      assert.equal((await store.putReportSchedule(tenant, { id: 'monthly', spec, at: T0, by: 'jo' }, null, '"nope"')).status, 'stale');
      assert.ok(created.status === 'created');
      const updated = await store.putReportSchedule(
        tenant,
        { id: 'monthly', spec: { ...spec, day: 4 }, at: T0 + 1, by: 'al' },
        { key, fireAt: T0 + 2000, payload: { p: 2 } },
        created.schedule.etag,
      );
      assert.equal(updated.status, 'updated');
      assert.ok(updated.status === 'updated');
      assert.notEqual(updated.schedule.etag, created.schedule.etag);
      assert.deepEqual(updated.schedule.spec, { agreement: 'gold', day: 4 });
      assert.equal(updated.schedule.createdBy, 'jo');
      assert.equal(updated.schedule.updatedBy, 'al');
      assert.equal((await store.getTimer(tenant, key))?.fireAt, T0 + 2000);
      await store.putReportSchedule(tenant, { id: 'monthly', spec, at: T0 + 2, by: 'al' }, null);
      assert.equal(await store.getTimer(tenant, key), undefined);
      await store.putReportSchedule(tenant, { id: 'other', spec, at: T0, by: 'jo' }, null);
      assert.deepEqual(
        (await store.listReportSchedules(tenant)).map((s) => s.id),
        ['monthly', 'other'],
      );
      await store.scheduleTimers(tenant, [
        { key: `${key}@2026-09`, fireAt: T0, payload: {} },
        { key: `${REPORT_TIMER_PREFIX}monthly_x@2026-09`, fireAt: T0, payload: {} },
      ]);
      assert.equal(await store.deleteReportSchedule(tenant, 'monthly'), 'deleted');
      assert.equal(await store.deleteReportSchedule(tenant, 'monthly'), 'not_found');
      assert.equal(await store.getReportSchedule(tenant, 'monthly'), undefined);
      assert.equal(await store.getTimer(tenant, `${key}@2026-09`), undefined);
      // Another schedule whose id merely starts the same keeps its timer.
      assert.ok(await store.getTimer(tenant, `${REPORT_TIMER_PREFIX}monthly_x@2026-09`));
    });

    test('report timers go to who claims them by prefix, never to who excludes the prefix; concurrent claimers split them', async () => {
      const store = ctx.store();
      const tenant = await tenantOf(store);
      await store.scheduleTimers(tenant, [
        { key: `${REPORT_TIMER_PREFIX}a`, fireAt: T0, payload: { r: 'a' } },
        { key: `${REPORT_TIMER_PREFIX}b`, fireAt: T0, payload: { r: 'b' } },
        { key: `${REPORT_TIMER_PREFIX}c`, fireAt: T0, payload: { r: 'c' } },
        { key: 'clock/x/y', fireAt: T0, payload: { a: 1 } },
      ]);
      const alerts = await store.claimTimers({ worker: 'alerts', at: T0, leaseMs: LEASE, tenant, exceptKeyPrefix: REPORT_TIMER_PREFIX });
      assert.deepEqual(
        alerts.map((t) => t.key),
        ['clock/x/y'],
      );
      const [one, two] = await Promise.all([
        store.claimTimers({ worker: 'one', at: T0, leaseMs: LEASE, tenant, keyPrefix: REPORT_TIMER_PREFIX, limit: 2 }),
        store.claimTimers({ worker: 'two', at: T0, leaseMs: LEASE, tenant, keyPrefix: REPORT_TIMER_PREFIX, limit: 2 }),
      ]);
      const keys = [...one!, ...two!].map((t) => t.key).sort();
      assert.deepEqual(keys, [`${REPORT_TIMER_PREFIX}a`, `${REPORT_TIMER_PREFIX}b`, `${REPORT_TIMER_PREFIX}c`]);
      // Held: nobody gets them before the lease ends; after it, another claimer takes one over.
      assert.equal(
        (await store.claimTimers({ worker: 'three', at: T0 + 1, leaseMs: LEASE, tenant, keyPrefix: REPORT_TIMER_PREFIX })).length,
        0,
      );
      const taken = await store.claimTimers({ worker: 'three', at: T0 + LEASE, leaseMs: LEASE, tenant, keyPrefix: REPORT_TIMER_PREFIX });
      assert.equal(taken.length, 3);
      const first = [...one!, ...two!][0]!;
      // The first holder's completion is refused: the occurrence is the new holder's.
      assert.equal(await store.completeTimer(tenant, first.key, { worker: first.lease.worker, revision: first.revision }), 'stale');
      const t = taken.find((x) => x.key === first.key)!;
      assert.equal(
        await store.completeTimer(tenant, t.key, { worker: 'three', revision: t.revision }, { fireAt: T0 + 10 * LEASE }),
        'completed',
      );
    });

    test('a delivery is recorded once with its outbox row, also recorded twice at once; listed newest first with its state', async () => {
      const store = ctx.store();
      const tenant = await tenantOf(store);
      const both = await Promise.all([
        store.recordReportDeliveries(tenant, [delivery('a@example.com'), delivery('b@example.com')]),
        store.recordReportDeliveries(tenant, [delivery('a@example.com'), delivery('b@example.com')]),
      ]);
      assert.deepEqual(both.sort(), [0, 2]);
      assert.equal(await store.recordReportDeliveries(tenant, [delivery('a@example.com'), delivery('c@example.com')]), 1);
      const outbox = await store.listNotifications(tenant);
      assert.deepEqual(outbox.items.map((n) => n.recipient).sort(), ['a@example.com', 'b@example.com', 'c@example.com']);
      await store.recordReportDeliveries(tenant, [
        {
          ...delivery('a@example.com', '2026-09'),
          reports: [{ agreement: 'silver', period: '2026-09', revision: 2, variant: 'csv', mediaType: 'text/csv' }],
        },
      ]);
      const all = await store.listReportDeliveries(tenant);
      assert.deepEqual(all.items[0] && [all.items[0].period, all.items[0].recipient], ['2026-09', 'a@example.com']);
      assert.deepEqual(
        all.items
          .slice(1)
          .map((d) => d.recipient)
          .sort(),
        ['a@example.com', 'b@example.com', 'c@example.com'],
      );
      assert.equal(all.items[1]!.recipient, 'c@example.com');
      assert.equal(all.items[0]!.notification?.state, 'pending');
      assert.equal(all.items[0]!.notification?.channelId, 'mail');
      assert.deepEqual(
        (await store.listReportDeliveries(tenant, { agreementId: 'silver' })).items.map((d) => d.period),
        ['2026-09'],
      );
      assert.equal((await store.listReportDeliveries(tenant, { agreementId: 'gold' })).items.length, 3);
      assert.equal((await store.listReportDeliveries(tenant, { period: '2026-10', scheduleId: 'monthly' })).items.length, 3);
      const p1 = await store.listReportDeliveries(tenant, { limit: 2 });
      const p2 = await store.listReportDeliveries(tenant, { limit: 2, after: p1.next! });
      assert.deepEqual(
        [...p1.items, ...p2.items].map((d) => d.seq),
        all.items.map((d) => d.seq),
      );
      assert.ok(all.items.every((d, i) => i === 0 || d.seq < all.items[i - 1]!.seq));
      // The state follows the outbox row.
      const [claimed] = await store.claimNotifications({ worker: 'w', at: T0, leaseMs: LEASE, tenant, limit: 1 });
      await store.completeNotification(
        tenant,
        claimed!.id,
        { worker: 'w', attempt: claimed!.lease.attempt },
        { outcome: 'delivered', at: T0 + 5 },
      );
      const after = (await store.listReportDeliveries(tenant)).items.find((d) => d.notificationKey === claimed!.idempotencyKey)!;
      assert.equal(after.notification?.state, 'delivered');
      assert.equal(after.notification?.deliveredAt, T0 + 5);
    });
  });
}
