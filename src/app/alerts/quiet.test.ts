/**
 * Quiet hours end to end on real stores (SQLite and PostgreSQL): an agreement whose clocks run
 * round the clock but whose `support.quietHours` names the Mon-Fri 09:00-17:00 Berlin calendar.
 * A non-urgent warning reached outside working time is recorded at once and held; the scheduler
 * comes back at the calendar's next working instant (the subject's timer includes the held
 * notification's wake-up) and writes the notification then. Urgent levels (the breach) go at once;
 * a condition that ends while held is never announced.
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
import type { Store, StoreConfig, TenantId } from '../../store/types.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';
import { ManualClock, setupTenant, store as put, SUPPORT, ticket } from './testkit.ts';

const berlin = (local: string) => Date.parse(`${local}+01:00`);
const iso = (t: number) => new Date(t).toISOString();
const SINCE = Date.parse('2026-03-01T00:00:00Z');

/** The testkit's desk agreement with its clocks on 24x7 (no target calendar) and quiet hours on the office calendar. */
const QUIET = `${SUPPORT.replace('    calendar: office\n', '')}support:\n  quietHours: { calendar: office }\n`;
/** The same agreement without quiet hours. */
const LOUD = SUPPORT.replace('    calendar: office\n', '');
/** Quiet hours with an escalation matrix: the 50% warning to the duty manager by sms and by e-mail. */
const matrix = (quiet: string) =>
  `${LOUD}support:\n  quietHours: ${quiet}\n  escalation:\n    - { level: 1, who: Duty manager, how: [sms, email], when: { consumed: 0.5 } }\n`;

async function sent(store: Store, tenant: TenantId): Promise<string[]> {
  const p = await store.listNotifications<IntentPayload>(tenant, { limit: 1000 });
  return p.items.map((n) => `${n.payload.intent.transition} ${n.payload.intent.dedupeKey.split('/').pop()} @ ${iso(n.createdAt)}`);
}

/** Every notification as "level -> who/medium @ instant". */
async function told(store: Store, tenant: TenantId): Promise<string[]> {
  const p = await store.listNotifications<IntentPayload>(tenant, { limit: 1000 });
  return p.items.map((n) => {
    const i = n.payload.intent;
    return `${i.dedupeKey.split('/').pop()} -> ${i.recipient.who}/${i.recipient.medium} @ ${iso(n.createdAt)}`;
  });
}

async function alerts(store: Store, tenant: TenantId): Promise<Alert[]> {
  const p = await store.listAlerts<Alert>(tenant, { limit: 1000 });
  return p.items.map((a) => ({ ...a.details, state: a.state }));
}

async function clockTimers(store: Store, tenant: TenantId): Promise<string[]> {
  return (await store.listTimers(tenant)).items.filter((x) => x.key.startsWith('clock/')).map((x) => iso(x.fireAt));
}

/** Jumps to each timer's instant up to `until`, ticking there, then ticks at `until`. */
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
  describe(`quiet hours on ${name}`, { skip: skip ?? false }, () => {
    let store: Store;
    let n = 0;
    const tenant = () => `quiet${++n}`;
    before(async () => {
      store = await openStore(await config());
    });
    after(async () => {
      await store?.close();
    });

    /** A P2 ticket (4 h round the clock) opened Friday 15:30, 50% at 17:30, waiting on the customer from 17:45. */
    async function fridayWarning(t: TenantId, s: Scheduler, clock: ManualClock): Promise<void> {
      await put(store, t, [ticket('T1').created(clock.t)], clock.t);
      await s.tick();
      assert.deepEqual(await clockTimers(store, t), [iso(berlin('2026-03-06T17:30:00'))], '50% of 4 h round the clock');
      await drive(store, t, s, clock, berlin('2026-03-06T17:30:00'));
      await put(store, t, [ticket('T1').status(1, 'waiting_on_customer', berlin('2026-03-06T17:45:00'))], berlin('2026-03-06T17:45:00'));
      clock.t = berlin('2026-03-06T17:45:00');
      s.notify(t);
      await s.tick();
    }

    test('a 50% warning reached Friday 17:30 is recorded then, held, and written Monday 09:00 when the scheduler ticks', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE, [QUIET]);
      const clock = new ManualClock(berlin('2026-03-06T15:30:00'));
      const s = createScheduler({ store, clock, listen: false });
      await fridayWarning(t, s, clock);
      const [warning] = await alerts(store, t);
      assert.deepEqual(
        [warning?.level, warning?.state, warning?.startsAt, warning?.heldUntil],
        ['consumed-50', 'firing', berlin('2026-03-06T17:30:00'), berlin('2026-03-09T09:00:00')],
        'the alert exists from the instant it was reached; only its notification waits',
      );
      assert.deepEqual(await sent(store, t), [], 'nothing sent after office hours');
      assert.deepEqual(
        await clockTimers(store, t),
        [iso(berlin('2026-03-09T09:00:00'))],
        'the paused clock has no level to come, but the held notification brings the subject back Monday 09:00',
      );
      for (const at of ['2026-03-06T22:00:00', '2026-03-07T12:00:00', '2026-03-09T08:59:59']) {
        clock.t = berlin(at);
        assert.equal((await s.tick()).fired, 0, at);
      }
      assert.deepEqual(await sent(store, t), [], 'nothing over the weekend');
      clock.t = berlin('2026-03-09T09:00:00');
      assert.equal((await s.tick()).fired, 1);
      assert.deepEqual(await sent(store, t), [`firing consumed-50 @ ${iso(berlin('2026-03-09T09:00:00'))}`]);
      const [after] = await alerts(store, t);
      assert.equal(after?.heldUntil, null);
      assert.deepEqual(await clockTimers(store, t), [], 'nothing held, nothing to come on a paused clock');
    });

    test('without quiet hours the same warning is written Friday 17:30', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE, [LOUD]);
      const clock = new ManualClock(berlin('2026-03-06T15:30:00'));
      const s = createScheduler({ store, clock, listen: false });
      await fridayWarning(t, s, clock);
      assert.deepEqual(await sent(store, t), [`firing consumed-50 @ ${iso(berlin('2026-03-06T17:30:00'))}`]);
      assert.deepEqual(await clockTimers(store, t), []);
    });

    test('urgent media go at once and the rest waits; a policy that makes every severity urgent holds nothing back', async () => {
      const friday = iso(berlin('2026-03-06T17:30:00'));
      const monday = iso(berlin('2026-03-09T09:00:00'));
      const t = tenant();
      await setupTenant(store, t, SINCE, [matrix('{ calendar: office }')]);
      const clock = new ManualClock(berlin('2026-03-06T15:30:00'));
      const s = createScheduler({ store, clock, listen: false });
      await fridayWarning(t, s, clock);
      assert.deepEqual(
        await told(store, t),
        [`consumed-50 -> Duty manager/sms @ ${friday}`],
        'the text message wakes them; the e-mail waits',
      );
      assert.deepEqual(await clockTimers(store, t), [monday]);
      await drive(store, t, s, clock, berlin('2026-03-09T12:00:00'));
      assert.deepEqual(await told(store, t), [
        `consumed-50 -> Duty manager/sms @ ${friday}`,
        `consumed-50 -> Duty manager/email @ ${monday}`,
      ]);

      const u = tenant();
      await setupTenant(store, u, SINCE, [matrix('{ calendar: office, urgent: [info, warning, critical], urgentMedia: [] }')]);
      const clock2 = new ManualClock(berlin('2026-03-06T15:30:00'));
      const s2 = createScheduler({ store, clock: clock2, listen: false });
      await fridayWarning(u, s2, clock2);
      assert.deepEqual((await told(store, u)).sort(), [
        `consumed-50 -> Duty manager/email @ ${friday}`,
        `consumed-50 -> Duty manager/sms @ ${friday}`,
      ]);
      assert.deepEqual(await clockTimers(store, u), []);
    });

    test('a critical breach at night goes at once; the warnings it overtook are never sent', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE, [QUIET]);
      const clock = new ManualClock(berlin('2026-03-06T22:00:00'));
      const s = createScheduler({ store, clock, listen: false });
      await put(store, t, [ticket('N1', 'P1').created(clock.t)], clock.t);
      await s.tick();
      await drive(store, t, s, clock, berlin('2026-03-07T03:00:00'));
      const breachAt = berlin('2026-03-07T00:00:00') + 1;
      assert.deepEqual(await sent(store, t), [`firing breach @ ${iso(breachAt)}`], 'the 2 h breach at midnight, not Monday');
      const byLevel = new Map((await alerts(store, t)).map((a) => [a.level, a]));
      assert.deepEqual([...byLevel.keys()].sort(), ['breach', 'consumed-50', 'consumed-75', 'consumed-90']);
      assert.equal(byLevel.get('consumed-90')?.inhibitedBy, byLevel.get('breach')?.id);
      await drive(store, t, s, clock, berlin('2026-03-09T12:00:00'));
      assert.deepEqual(await sent(store, t), [`firing breach @ ${iso(breachAt)}`], 'Monday morning brings no stale warnings');
    });

    test('a ticket resolved on Saturday: the held warning is never sent', async () => {
      const t = tenant();
      await setupTenant(store, t, SINCE, [QUIET]);
      const clock = new ManualClock(berlin('2026-03-06T15:30:00'));
      const s = createScheduler({ store, clock, listen: false });
      await fridayWarning(t, s, clock);
      const saturday = berlin('2026-03-07T10:00:00');
      await put(store, t, [ticket('T1').resolved(saturday)], saturday);
      clock.t = saturday;
      s.notify(t);
      await s.tick();
      const [warning] = await alerts(store, t);
      assert.deepEqual([warning?.level, warning?.state], ['consumed-50', 'resolved']);
      assert.deepEqual(await clockTimers(store, t), [], 'nothing is held any more');
      await drive(store, t, s, clock, berlin('2026-03-09T12:00:00'));
      assert.deepEqual(await sent(store, t), [], 'neither the warning nor its resolution: nobody was told it fired');
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'pledge-quiet-'));
after(() => rmSync(dir, { recursive: true, force: true }));
suite('sqlite', () => ({ kind: 'sqlite', path: join(dir, 'pledge.db') }));

const pg = await startPostgres();
if (!pg.ok) {
  if (process.env.PLEDGE_REQUIRE_POSTGRES === '1' || process.env.PLEDGE_TEST_DATABASE_URL)
    test('PostgreSQL is available for the quiet-hours tests', () => assert.fail(pg.reason));
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
