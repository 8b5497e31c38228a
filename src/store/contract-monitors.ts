/**
 * The store contract for built-in monitors and for the timer loops' look-up: a monitor and its
 * timer written together (pausing removes the timer, deleting removes both); its state written
 * apart without moving its ETag; a push token found by its hash alone; the earliest timer of one
 * kind over every tenant, its lease's end while claimed; and monitor timers claimed once across
 * two concurrent claimers (each check runs once per interval).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { MONITOR_TIMER_PREFIX, OWN_WORKER_TIMER_PREFIXES, REPORT_TIMER_PREFIX, type Store } from './types.ts';

const T0 = Date.UTC(2026, 11, 8);
const LEASE = 60_000;

async function tenantOf(store: Store): Promise<string> {
  const tenant = `mo-${randomBytes(5).toString('hex')}`;
  await store.createTenant({ id: tenant, name: tenant, createdAt: T0 });
  return tenant;
}

export function monitorsContract(ctx: { store: () => Store }): void {
  describe('monitors', () => {
    test('a monitor is stored with its timer; replacing needs its ETag; pausing removes the timer; deleting removes both', async () => {
      const store = ctx.store();
      const tenant = await tenantOf(store);
      const key = `${MONITOR_TIMER_PREFIX}web`;
      const spec = { kind: 'http', url: 'http://127.0.0.1:1/' };
      const created = await store.putMonitor(
        tenant,
        { id: 'web', spec, paused: false, at: T0, by: 'jo' },
        { key, fireAt: T0 + 30_000, payload: { monitor: 'web' } },
        null,
      );
      assert.ok(created.status === 'created');
      assert.equal(created.monitor.paused, false);
      assert.equal(created.monitor.state, null);
      assert.equal((await store.getTimer(tenant, key))?.fireAt, T0 + 30_000);
      assert.equal((await store.putMonitor(tenant, { id: 'web', spec, paused: false, at: T0, by: 'jo' }, null, null)).status, 'stale');
      assert.equal((await store.putMonitor(tenant, { id: 'web', spec, paused: false, at: T0, by: 'jo' }, null, '"no"')).status, 'stale');
      // The state moves without the ETag, and a replacement keeps it unless told to reset it.
      assert.equal(await store.setMonitorState(tenant, 'web', { status: 'down', failures: 2 }), true);
      assert.equal(await store.setMonitorState(tenant, 'gone', { status: 'down' }), false);
      // Compare and set: only over the state read (a push and a check never overwrite each other).
      assert.equal(
        await store.setMonitorState(tenant, 'web', { status: 'up', failures: 0 }, { state: { status: 'up', failures: 0 } }),
        false,
      );
      assert.equal(await store.setMonitorState(tenant, 'web', { status: 'down', failures: 3 }, { state: null }), false);
      assert.equal(
        await store.setMonitorState(tenant, 'web', { status: 'down', failures: 2 }, { state: { failures: 2, status: 'down' } }),
        true,
        'the state read, whatever its key order',
      );
      assert.equal(await store.setMonitorState(tenant, 'gone', { status: 'down' }, { state: null }), false);
      const read = await store.getMonitor(tenant, 'web');
      assert.deepEqual(read?.state, { status: 'down', failures: 2 });
      assert.equal(read?.etag, created.monitor.etag);
      const paused = await store.putMonitor(tenant, { id: 'web', spec, paused: true, at: T0 + 1, by: 'al' }, null, created.monitor.etag);
      assert.ok(paused.status === 'updated');
      assert.equal(paused.monitor.paused, true);
      assert.notEqual(paused.monitor.etag, created.monitor.etag);
      assert.deepEqual(paused.monitor.state, { status: 'down', failures: 2 });
      assert.equal(await store.getTimer(tenant, key), undefined);
      const reset = await store.putMonitor(tenant, { id: 'web', spec, paused: false, state: null, at: T0 + 2, by: 'al' }, null);
      assert.ok(reset.status === 'updated');
      assert.equal(reset.monitor.state, null);
      assert.deepEqual(
        (await store.listMonitors(tenant)).map((m) => m.id),
        ['web'],
      );
      await store.scheduleTimers(tenant, [{ key, fireAt: T0, payload: {} }]);
      assert.equal(await store.deleteMonitor(tenant, 'web', '"no"'), 'stale');
      assert.equal(await store.deleteMonitor(tenant, 'web', reset.monitor.etag), 'deleted');
      assert.equal(await store.deleteMonitor(tenant, 'web'), 'not_found');
      assert.equal(await store.getTimer(tenant, key), undefined);
    });

    test('a push token is found by its hash alone, with its tenant; a replacement keeps it unless given another or none', async () => {
      const store = ctx.store();
      const [a, b] = [await tenantOf(store), await tenantOf(store)];
      const hash = randomBytes(32).toString('hex');
      await store.putMonitor(b, { id: 'cron', spec: { kind: 'heartbeat' }, paused: false, tokenHash: hash, at: T0, by: 'jo' }, null);
      await store.putMonitor(a, { id: 'cron', spec: { kind: 'heartbeat' }, paused: false, at: T0, by: 'jo' }, null);
      const found = await store.monitorByTokenHash(hash);
      assert.equal(found?.tenant, b);
      assert.equal(found?.monitor.id, 'cron');
      assert.equal(found?.monitor.tokenHash, hash);
      assert.equal(await store.monitorByTokenHash(randomBytes(32).toString('hex')), undefined);
      await store.putMonitor(b, { id: 'cron', spec: { kind: 'heartbeat', v: 2 }, paused: false, at: T0 + 1, by: 'jo' }, null);
      assert.equal((await store.monitorByTokenHash(hash))?.monitor.id, 'cron');
      await store.putMonitor(b, { id: 'cron', spec: { kind: 'http' }, paused: false, tokenHash: null, at: T0 + 2, by: 'jo' }, null);
      assert.equal(await store.monitorByTokenHash(hash), undefined);
    });

    test('the earliest timer of a kind over every tenant: its instant, or its lease end while claimed; other kinds are not seen', async () => {
      const store = ctx.store();
      const [a, b] = [await tenantOf(store), await tenantOf(store)];
      const far = T0 + 1e12;
      // Other tests' timers share the database: look only at instants below those they use.
      await store.scheduleTimers(a, [
        { key: `${MONITOR_TIMER_PREFIX}x`, fireAt: far + 500, payload: {} },
        { key: `${REPORT_TIMER_PREFIX}r`, fireAt: far + 100, payload: {} },
        { key: 'clock/q', fireAt: far + 50, payload: {} },
      ]);
      await store.scheduleTimers(b, [{ key: `${MONITOR_TIMER_PREFIX}y`, fireAt: far + 300, payload: {} }]);
      assert.equal(await store.earliestTimer({ tenant: a, keyPrefix: MONITOR_TIMER_PREFIX }), far + 500);
      assert.equal(await store.earliestTimer({ tenant: b, keyPrefix: MONITOR_TIMER_PREFIX }), far + 300);
      assert.equal(await store.earliestTimer({ tenant: a, keyPrefix: REPORT_TIMER_PREFIX }), far + 100);
      assert.equal(await store.earliestTimer({ tenant: a, exceptKeyPrefix: OWN_WORKER_TIMER_PREFIXES }), far + 50);
      assert.equal(await store.earliestTimer({ tenant: a, exceptKeyPrefix: REPORT_TIMER_PREFIX }), far + 50);
      assert.equal(await store.earliestTimer({ tenant: b, exceptKeyPrefix: OWN_WORKER_TIMER_PREFIXES }), null);
      // Over every tenant: the earliest of both (nothing else in the database is that far out and a monitor's).
      const any = await store.earliestTimer({ keyPrefix: MONITOR_TIMER_PREFIX });
      assert.ok(any !== null && any <= far + 300);
      // Claimed: due again when its lease ends.
      const [held] = await store.claimTimers({ worker: 'w', at: far + 300, leaseMs: LEASE, tenant: b, keyPrefix: MONITOR_TIMER_PREFIX });
      assert.equal(held?.key, `${MONITOR_TIMER_PREFIX}y`);
      assert.equal(await store.earliestTimer({ tenant: b, keyPrefix: MONITOR_TIMER_PREFIX }), far + 300 + LEASE);
      assert.equal(await store.completeTimer(b, held!.key, { worker: 'w', revision: held!.revision }, { fireAt: far + 900 }), 'completed');
      assert.equal(await store.earliestTimer({ tenant: b, keyPrefix: MONITOR_TIMER_PREFIX }), far + 900);
    });

    test('monitor timers: two claimers at once split them, each once; the alert kind (all but own-worker prefixes) never sees them', async () => {
      const store = ctx.store();
      const tenant = await tenantOf(store);
      const keys = Array.from({ length: 6 }, (_, i) => `${MONITOR_TIMER_PREFIX}m${i}`);
      await store.scheduleTimers(
        tenant,
        keys.map((key) => ({ key, fireAt: T0, payload: {} })),
      );
      assert.equal(
        (await store.claimTimers({ worker: 'alerts', at: T0, leaseMs: LEASE, tenant, exceptKeyPrefix: OWN_WORKER_TIMER_PREFIXES })).length,
        0,
      );
      const [one, two] = await Promise.all([
        store.claimTimers({ worker: 'one', at: T0, leaseMs: LEASE, tenant, keyPrefix: MONITOR_TIMER_PREFIX, limit: 4 }),
        store.claimTimers({ worker: 'two', at: T0, leaseMs: LEASE, tenant, keyPrefix: MONITOR_TIMER_PREFIX, limit: 4 }),
      ]);
      assert.deepEqual([...one, ...two].map((t) => t.key).sort(), keys);
    });
  });
}
