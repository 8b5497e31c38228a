/**
 * Storm grouping on notifications from a real evaluation: 200 tickets whose 1-hour clocks all
 * breach at once (Berlin office calendar, default routes).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeClocks } from '../clock/engine.ts';
import { at, berlinOffice, hours, target, ticketEvents } from '../clock/testkit.ts';
import type { AgreementSpec } from '../agreements/schema.ts';
import { routesOf } from './routing.ts';
import { clockReport } from './reports.ts';
import { evaluateAlerts } from './evaluate.ts';
import { planDelivery } from './grouping.ts';
import type { NotificationIntent } from './types.ts';

const office = berlinOffice();
const spec = {
  id: 'acme',
  targets: [
    {
      id: 'response',
      metric: 'response_time',
      value: 90,
      window: 'month',
      clock: { duration: '1h', pauseOn: [], onPriorityChange: 'keep_elapsed', onReopen: 'continue' },
    },
  ],
  parties: { provider: { id: 'p', name: 'P', contacts: [] } },
} as unknown as AgreementSpec;
const route = routesOf(spec).targets.response!;
const clockTarget = target('response', { calendar: office, duration: hours(1) });
const now = at('2026-03-09T10:00:00+01:00') + 1;

function storm(n: number, from = 0): NotificationIntent[] {
  const reports = Array.from({ length: n }, (_, i) => {
    const c = computeClocks(ticketEvents(`T${from + i}`, [['2026-03-09T09:00:00+01:00', 'created']]), [clockTarget], now)[0]!;
    return clockReport({ agreement: 'acme', clock: c, calendar: office }, route, now);
  });
  return evaluateAlerts({ now, current: [], reports }).notify;
}

describe('storm grouping', () => {
  const intents = storm(200);

  test('200 breaches at once: warnings inhibited, one grouped message to the channel', () => {
    assert.equal(intents.length, 200);
    assert.ok(intents.every((i) => i.dedupeKey.endsWith('/breach')));
    const plan = planDelivery(intents, new Map(), now);
    assert.equal(plan.messages.length, 1);
    const [m] = plan.messages;
    assert.deepEqual([m?.grouped, m?.intents.length, m?.message.severity], [true, 200, 'critical']);
    assert.equal(m?.message.subject, '[CRITICAL] 200 notifications: 200 critical');
    assert.match(m!.message.text, /and 180 more$/);
    assert.match(m!.key, /^grp_[0-9a-f]{32}$/);
  });

  test('within the interval: what exceeds the free slots is grouped, then held until a slot frees', () => {
    const rk = intents[0]!.recipientKey;
    const more = storm(5, 1000);
    const second = planDelivery(more, new Map([[rk, [now - 10_000]]]), now);
    assert.deepEqual(
      second.messages.map((m) => [m.grouped, m.intents.length]),
      [[true, 5]],
    );
    const full = planDelivery(more, new Map([[rk, [now - 50_000, now - 20_000, now - 10_000]]]), now);
    assert.deepEqual([full.messages.length, full.held.length, full.wakeAt], [0, 5, now + 10_000]);
    const quiet = planDelivery(more.slice(0, 2), new Map([[rk, [now - 120_000]]]), now);
    assert.deepEqual(
      quiet.messages.map((m) => [m.grouped, m.key]),
      more
        .slice(0, 2)
        .map((i) => [false, i.key])
        .sort((a, b) => (a[1]! < b[1]! ? -1 : 1)),
      'a quiet channel gets each notification alone, keyed by the intent',
    );
  });

  test('property: each intent goes in exactly one message or waits; the plan does not depend on order', () => {
    const pool = storm(12);
    fc.assert(
      fc.property(fc.shuffledSubarray(pool), fc.array(fc.integer({ min: -120_000, max: 0 }), { maxLength: 5 }), (pending, ago) => {
        const recent = new Map([[pool[0]!.recipientKey, ago.map((d) => now + d)]]);
        const plan = planDelivery(pending, recent, now);
        const carried = [...plan.messages.flatMap((m) => m.intents), ...plan.held.map((i) => i.key)].sort();
        assert.deepEqual(carried, pending.map((i) => i.key).sort());
        const free = 3 - ago.filter((d) => d > -60_000).length;
        assert.ok(plan.messages.length <= Math.max(0, free));
        assert.deepEqual(planDelivery([...pending].reverse(), recent, now), plan);
      }),
      { numRuns: 200 },
    );
  });
});
