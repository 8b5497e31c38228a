/**
 * The live loop end to end on real stores (SQLite and PostgreSQL): agreements through the loader
 * and the lifecycle, the Mon-Fri 09:00-17:00 Berlin calendar, events stored as ingestion stores
 * them, refreshes writing alerts in the derived results' transaction, and the scheduler on a
 * manual clock firing timers at their exact business-calendar instants.
 *
 * 2026-03-06 is a Friday; Berlin is UTC+1 in March (before the change on the 29th).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Alert } from '../../core/alerts/types.ts';
import type { IntentPayload } from '../../core/delivery/outbox.ts';
import { openStore } from '../../store/index.ts';
import { skipBanner, startPostgres } from '../../store/testing/pg-harness.ts';
import type { DerivedReplacement, Store, StoreConfig, TenantId } from '../../store/types.ts';
import { refreshDerived } from '../derive.ts';
import { createScheduler, startScheduler, type Scheduler } from './scheduler.ts';
import { lastLag } from './signals.ts';
import { ManualClock, OFFICE, setupTenant, store as put, ticket, UPTIME } from './testkit.ts';

const berlin = (local: string) => Date.parse(`${local}+01:00`);
const iso = (t: number) => new Date(t).toISOString();
const SINCE = Date.parse('2026-03-01T00:00:00Z');

/** Every notification of a tenant as "transition level @ instant", in the order written. */
async function sent(store: Store, tenant: TenantId): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  do {
    const p = await store.listNotifications<IntentPayload>(tenant, { limit: 1000, ...(after ? { after } : {}) });
    for (const n of p.items)
      out.push(`${n.payload.intent.transition} ${n.payload.intent.dedupeKey.split('/').pop()} @ ${iso(n.createdAt)}`);
    after = p.next;
  } while (after);
  return out;
}

/** The tenant's ticket clock timers (window targets have theirs too). */
async function clockTimers(store: Store, tenant: TenantId) {
  return (await store.listTimers(tenant)).items.filter((x) => x.key.startsWith('clock/'));
}

async function alerts(store: Store, tenant: TenantId): Promise<Alert[]> {
  const p = await store.listAlerts<Alert>(tenant, { limit: 1000 });
  return p.items.map((a) => ({ ...a.details, state: a.state }));
}

/** Drives the scheduler through time: jumps to each timer's instant up to `until`, then to `until`. */
async function drive(store: Store, tenant: TenantId, scheduler: Scheduler, clock: ManualClock, until: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const next = (await store.listTimers(tenant, { limit: 1 })).items[0];
    if (!next || next.fireAt > until) break;
    clock.t = Math.max(clock.t, next.fireAt);
    await scheduler.tick();
  }
  clock.t = until;
  await scheduler.tick();
}

function suite(name: string, config: () => Promise<StoreConfig> | StoreConfig, skip?: string): void {
  describe(`the live loop on ${name}`, { skip: skip ?? false }, () => {
    let store: Store;
    let n = 0;
    const tenant = () => `live${++n}`;
    before(async () => {
      store = await openStore(await config());
    });
    after(async () => {
      await store?.close();
    });

    test('a 4-hour target opened Friday 16:00 on Mon-Fri 09-17: 75% on Monday 11:00, nothing over the weekend', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE);
      const clock = new ManualClock(berlin('2026-03-06T16:00:00'));
      const s = createScheduler({ store, clock, listen: false });
      await put(store, t, [ticket('T1').created(clock.t)], clock.t);
      await s.tick();
      const timer = await clockTimers(store, t);
      assert.deepEqual(
        timer.map((x) => [x.key, iso(x.fireAt)]),
        [['clock/desk/resolution//T1/1', iso(berlin('2026-03-09T10:00:00'))]],
        'the next level (50%) is Monday 10:00, the first working hour after Friday 17:00',
      );
      for (const at of ['2026-03-06T17:00:00', '2026-03-07T12:00:00', '2026-03-08T23:59:59']) {
        clock.t = berlin(at);
        const r = await s.tick();
        assert.equal(r.fired, 0, at);
      }
      assert.deepEqual(await sent(store, t), [], 'nothing over the weekend');
      await drive(store, t, s, clock, berlin('2026-03-09T13:00:00'));
      assert.deepEqual(await sent(store, t), [
        `firing consumed-50 @ ${iso(berlin('2026-03-09T10:00:00'))}`,
        `firing consumed-75 @ ${iso(berlin('2026-03-09T11:00:00'))}`,
        `firing consumed-90 @ ${iso(berlin('2026-03-09T11:36:00'))}`,
        `firing breach @ ${iso(berlin('2026-03-09T12:00:00') + 1)}`,
      ]);
      const byLevel = new Map((await alerts(store, t)).map((a) => [a.level, a]));
      assert.equal(byLevel.get('consumed-75')?.startsAt, berlin('2026-03-09T11:00:00'), 'the exact instant 75% was reached');
      assert.equal(byLevel.get('breach')?.inhibitedBy, null);
      assert.equal(byLevel.get('consumed-75')?.inhibitedBy, byLevel.get('breach')?.id, 'the breach inhibits the warnings it overtook');
      assert.deepEqual(await clockTimers(store, t), [], 'a breached clock with no reminder level has nothing left to fire');
    });

    test('a clock paused at 74% gets no 75% warning, even from a timer claimed before the pause was seen', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE);
      const clock = new ManualClock(berlin('2026-03-09T09:00:00'));
      const s = createScheduler({ store, clock, listen: false, pollMs: 365 * 86_400_000 });
      await put(store, t, [ticket('T2').created(clock.t)], clock.t);
      await refreshDerived({ store, tenant: t, now: clock.t });
      await drive(store, t, s, clock, berlin('2026-03-09T11:30:00'));
      assert.deepEqual(await sent(store, t), [`firing consumed-50 @ ${iso(berlin('2026-03-09T11:00:00'))}`]);
      // 74% of 4 h is 2 h 57 min 36 s: paused at 11:57:36, stored at 11:58 and not refreshed yet.
      await put(store, t, [ticket('T2').status(1, 'waiting_on_customer', berlin('2026-03-09T11:57:36'))], berlin('2026-03-09T11:58:00'));
      clock.t = berlin('2026-03-09T12:00:00');
      const r = await s.tick();
      assert.equal(r.refreshed, 1, 'the results were brought up to date before firing');
      assert.deepEqual(await sent(store, t), [`firing consumed-50 @ ${iso(berlin('2026-03-09T11:00:00'))}`]);
      assert.equal(
        (await alerts(store, t)).find((a) => a.level === 'consumed-75'),
        undefined,
      );
      assert.deepEqual(await clockTimers(store, t), [], 'a paused clock has no timer');
      // Resumed on Tuesday at 09:00.
      await put(store, t, [ticket('T2').status(2, 'in_progress', berlin('2026-03-10T09:00:00'))], berlin('2026-03-10T09:00:00'));
      clock.t = berlin('2026-03-10T09:00:00');
      s.notify(t); // as ingestion in this process does (listen is off here)
      await s.tick();
      assert.deepEqual(
        (await clockTimers(store, t)).map((x) => iso(x.fireAt)),
        [iso(berlin('2026-03-10T09:02:24'))],
        '75% lies 2 min 24 s of working time after the resume (2 h 57 min 36 s were used of 3 h)',
      );
    });

    test('a priority change and a late event reschedule the timer', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE);
      const clock = new ManualClock(berlin('2026-03-09T09:00:00'));
      const s = createScheduler({ store, clock, listen: false });
      const timerAt = async () => (await clockTimers(store, t)).map((x) => iso(x.fireAt));
      await put(store, t, [ticket('P').created(clock.t), ticket('L').created(clock.t)], clock.t);
      await s.tick();
      assert.deepEqual(await timerAt(), [iso(berlin('2026-03-09T11:00:00')), iso(berlin('2026-03-09T11:00:00'))]);
      // P1 (2 h) from 09:30, the elapsed time kept: 50% is 1 h, reached at 10:00.
      clock.t = berlin('2026-03-09T09:30:00');
      await put(store, t, [ticket('P').priority(1, 'P1', clock.t)], clock.t);
      await s.tick();
      assert.equal((await store.getTimer(t, 'clock/desk/resolution//P/1'))?.fireAt, berlin('2026-03-09T10:00:00'));
      // A late pause from 09:30 to 10:30, stored at 10:45: 50% moves from 11:00 to 12:00.
      await drive(store, t, s, clock, berlin('2026-03-09T10:45:00'));
      await put(
        store,
        t,
        [
          ticket('L').status(1, 'waiting_on_customer', berlin('2026-03-09T09:30:00')),
          ticket('L').status(2, 'in_progress', berlin('2026-03-09T10:30:00')),
        ],
        clock.t,
      );
      s.notify(t);
      await s.tick();
      assert.equal((await store.getTimer(t, 'clock/desk/resolution//L/1'))?.fireAt, berlin('2026-03-09T12:00:00'));
      assert.deepEqual(
        (await sent(store, t)).filter((x) => x.includes('@')),
        [`firing consumed-50 @ ${iso(berlin('2026-03-09T10:00:00'))}`, `firing consumed-75 @ ${iso(berlin('2026-03-09T10:30:00'))}`],
        'P was told at its new instants, L not yet',
      );
    });

    test('a breach found after the weekend inhibits the warnings it overtook: only the breach is sent, once, however often it is fired', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE);
      const clock = new ManualClock(berlin('2026-03-06T16:00:00'));
      const s = createScheduler({ store, clock, listen: false });
      const other = createScheduler({ store, clock, listen: false, worker: 'other' });
      await put(store, t, [ticket('B').created(clock.t)], clock.t);
      await s.tick();
      clock.t = berlin('2026-03-09T12:30:00');
      await Promise.all([s.tick(), other.tick()]);
      await s.tick();
      await other.tick();
      assert.deepEqual(await sent(store, t), [`firing breach @ ${iso(berlin('2026-03-09T12:30:00'))}`]);
      const all = await alerts(store, t);
      const breach = all.find((a) => a.level === 'breach')!;
      assert.equal(breach.startsAt, berlin('2026-03-09T12:00:00'));
      assert.deepEqual(
        all.filter((a) => a.kind === 'warning').map((a) => [a.level, a.inhibitedBy]),
        [
          ['consumed-50', breach.id],
          ['consumed-75', breach.id],
          ['consumed-90', breach.id],
        ],
      );
    });

    /** An event of the mail service (the uptime agreement's). */
    const ev = (id: string, type: string, at: string, extra: Record<string, unknown> = {}) => ({ id, type, at, service: 'mail', ...extra });

    test('a window target fires burn-rate and exhaustion alerts from outage events, and the fast burn resolves once its short window clears', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE, [UPTIME]);
      const clock = new ManualClock(Date.parse('2026-03-10T12:00:00Z'));
      const s = createScheduler({ store, clock, listen: false });
      await put(
        store,
        t,
        [
          ev('m', 'monitoring.started', '2026-03-01T00:00:00Z'),
          ev('o1', 'outage.started', '2026-03-10T11:50:00Z', { outage: 'o1' }),
          ev('o1e', 'outage.ended', '2026-03-10T12:00:00Z', { outage: 'o1' }),
        ],
        clock.t,
      );
      await s.tick();
      assert.deepEqual(await sent(store, t), [
        'firing burn-fast @ 2026-03-10T12:00:00.000Z',
        'firing burn-slow @ 2026-03-10T12:00:00.000Z',
        'firing exhaustion @ 2026-03-10T12:00:00.000Z',
      ]);
      const timer = (await store.listTimers(t)).items[0];
      assert.equal(timer?.key, 'window/mail/uptime/2026-03');
      assert.equal(
        timer?.fireAt,
        Date.parse('2026-03-10T12:05:00Z'),
        'the fast rule is looked at again when its 5-minute window has moved past the outage',
      );
      await drive(store, t, s, clock, Date.parse('2026-03-10T12:30:00Z'));
      assert.deepEqual((await sent(store, t)).slice(3), ['resolved burn-fast @ 2026-03-10T12:05:00.000Z']);
    });

    test('the same window alerts when the outage arrives after the first results (measured from the resident window book)', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE, [UPTIME]);
      const clock = new ManualClock(Date.parse('2026-03-10T11:55:00Z'));
      const s = createScheduler({ store, clock, listen: false });
      // First results from the monitoring start alone (a rebuild), then the outage: an incremental
      // refresh that reads the window's events and keeps them for the timer's look at 12:05.
      await put(store, t, [ev('m', 'monitoring.started', '2026-03-01T00:00:00Z')], clock.t);
      await s.tick();
      clock.t = Date.parse('2026-03-10T12:00:00Z');
      await put(
        store,
        t,
        [
          ev('o1', 'outage.started', '2026-03-10T11:50:00Z', { outage: 'o1' }),
          ev('o1e', 'outage.ended', '2026-03-10T12:00:00Z', { outage: 'o1' }),
        ],
        clock.t,
      );
      await s.tick();
      assert.deepEqual(await sent(store, t), [
        'firing burn-fast @ 2026-03-10T12:00:00.000Z',
        'firing burn-slow @ 2026-03-10T12:00:00.000Z',
        'firing exhaustion @ 2026-03-10T12:00:00.000Z',
      ]);
      await drive(store, t, s, clock, Date.parse('2026-03-10T12:30:00Z'));
      assert.deepEqual((await sent(store, t)).slice(3), ['resolved burn-fast @ 2026-03-10T12:05:00.000Z']);
    });

    test('a replacement made stale by a calendar change writes no alert, notification or timer', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE);
      const now = berlin('2026-03-09T12:30:00');
      await put(store, t, [ticket('S').created(berlin('2026-03-09T09:00:00'))], now);
      const hooked = new Proxy(store, {
        get(target, key) {
          if (key === 'replaceDerived')
            return async (tn: TenantId, change: DerivedReplacement) => {
              await target.putCalendar(tn, { name: 'office', format: 'yaml', source: `${OFFICE}# changed\n`, at: now, by: 'other' });
              return target.replaceDerived(tn, change);
            };
          const v: unknown = Reflect.get(target, key, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
      const r = await refreshDerived({ store: hooked, tenant: t, now });
      assert.equal(r.status, 'stale');
      assert.deepEqual(await alerts(store, t), []);
      assert.deepEqual(await sent(store, t), []);
      assert.deepEqual((await store.listTimers(t)).items, []);
      // The next refresh, unhindered, writes them.
      await refreshDerived({ store, tenant: t, now });
      assert.deepEqual(
        (await sent(store, t)).map((x) => x.split(' @')[0]),
        ['firing consumed-50', 'firing consumed-75'],
        '3.5 h of 4 h used: 87.5%',
      );
    });

    test('the loop sleeps until the earliest timer, wakes at once on ingestion in this process, and measures the lag', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE);
      const clock = new ManualClock(berlin('2026-03-09T09:00:00'));
      const s = startScheduler({ store, clock, pollMs: 3_600_000 });
      const settle = async (count: number) => {
        for (let i = 0; i < 500 && clock.pending().length < count; i++) await new Promise((r) => setTimeout(r, 5));
      };
      try {
        assert.deepEqual(
          clock.pending().map((x) => x.ms),
          [0],
          'the first pass at once',
        );
        clock.pending()[0]!.fn();
        await settle(2);
        const before = clock.timers.length;
        await put(store, t, [ticket('W').created(clock.t)], clock.t);
        assert.equal(clock.timers.at(-1)?.ms, 0, 'ingestion woke the loop');
        assert.equal(clock.timers.length, before + 1);
        clock.t += 250;
        clock.pending().at(-1)!.fn();
        await settle(before + 2);
        await settle(clock.timers.length + 1);
        assert.equal(lastLag(t), 250, 'from the commit to the results and alerts that reflect it');
        const sleep = clock.timers.at(-1)!.ms;
        assert.equal(sleep, Math.min(3_600_000, berlin('2026-03-09T11:00:00') - clock.t), 'until the earliest timer, at most the poll');
      } finally {
        await s.stop();
      }
    });

    test('a due timer held by another scheduler is looked at again when its lease ends (store.earliestTimer), not spun on', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE);
      const clock = new ManualClock(berlin('2026-03-09T09:00:00'));
      const subject = { kind: 'clock' as const, agreement: 'desk', target: 'resolution', source: '', ticket: 'H', cycle: 1 };
      await store.scheduleTimers(t, [{ key: 'clock/desk/resolution//H/1', fireAt: clock.t - 1000, payload: { subject } }]);
      const held = await store.claimTimers({ worker: 'other', at: clock.t, leaseMs: 60_000, tenant: t });
      assert.equal(held.length, 1);
      const s = startScheduler({ store, clock, pollMs: 3_600_000, listen: false });
      try {
        clock.pending()[0]!.fn();
        for (let i = 0; i < 500 && clock.pending().length < 2; i++) await new Promise((r) => setTimeout(r, 5));
        // The claim's lease (60 s) is when the timer can next be claimed: the loop sleeps until then.
        assert.equal(clock.timers.at(-1)?.ms, 60_000);
      } finally {
        await s.stop();
        await store.cancelTimers(t, ['clock/desk/resolution//H/1']);
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'pledge-live-'));
after(() => rmSync(dir, { recursive: true, force: true }));
suite('sqlite', () => ({ kind: 'sqlite', path: join(dir, 'pledge.db') }));

const pg = await startPostgres();
if (!pg.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the live loop tests', () => assert.fail(pg.reason));
  else console.error(skipBanner(pg.reason));
}
after(async () => {
  if (pg.ok) await pg.harness.stop();
});
suite(
  'postgres',
  () => (pg.ok ? { kind: 'postgres', url: pg.harness.url, schema: pg.harness.freshSchema() } : assert.fail('no PostgreSQL')),
  pg.ok ? undefined : pg.reason,
);

// Two schedulers on one PostgreSQL database through two stores (two pools), firing at once.
describe('two schedulers on one PostgreSQL', { skip: pg.ok ? false : 'no PostgreSQL' }, () => {
  test('every level of every clock is notified exactly once per recipient', async () => {
    if (!pg.ok) return;
    const schema = pg.harness.freshSchema();
    const a = await openStore({ kind: 'postgres', url: pg.harness.url, schema });
    const b = await openStore({ kind: 'postgres', url: pg.harness.url, schema });
    try {
      const t = 'pair';
      await setupTenant(a, t, SINCE);
      const clock = new ManualClock(berlin('2026-03-09T09:00:00'));
      const sa = createScheduler({ store: a, clock, listen: false, worker: 'a', batch: 3 });
      const sb = createScheduler({ store: b, clock, listen: false, worker: 'b', batch: 3 });
      const created = Array.from({ length: 12 }, (_, i) => ticket(`Q${i}`).created(clock.t + i * 60_000));
      await put(a, t, created, clock.t + 12 * 60_000);
      clock.t += 12 * 60_000;
      await Promise.all([sa.tick(), sb.tick()]);
      for (let i = 0; i < 200; i++) {
        const next = (await a.listTimers(t, { limit: 1 })).items[0];
        if (!next) break;
        clock.t = Math.max(clock.t, next.fireAt);
        await Promise.all([sa.tick(), sb.tick(), sa.tick()]);
      }
      const all = (await a.listNotifications<IntentPayload>(t, { limit: 1000 })).items.filter((x) =>
        x.payload.intent.dedupeKey.startsWith('clock/'),
      );
      const levels = all.map((x) => `${x.payload.intent.transition} ${x.payload.intent.dedupeKey.split('/').pop()}`);
      assert.equal(all.length, 12 * 4, levels.join('\n'));
      for (const l of ['consumed-50', 'consumed-75', 'consumed-90', 'breach'])
        assert.equal(levels.filter((x) => x === `firing ${l}`).length, 12, l);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
