/**
 * Property: for random tickets (created at any hour, paused, resumed, re-prioritised, resolved),
 * the alerts the scheduler opens when it is driven through time, with each event stored at its own
 * instant, are exactly those that evaluating the clock at every instant gives: the same levels,
 * the same number of times, each opened at the instant it became due (the reference evaluates on
 * a one-minute grid, so a level due at grid minute g was opened in (g - 1 min, g]). Nothing early,
 * nothing late, nothing twice, nothing missed, and no hourly sweep: the scheduler only ever wakes
 * at an event or at a timer.
 *
 * On SQLite (the store's behaviour is the same on both; scheduler.test.ts runs both), on the real
 * loader, the Mon-Fri 09:00-17:00 Berlin calendar and the engine. All instants are whole minutes,
 * and so are all thresholds of 2 h and 4 h targets at 50%, 75% and 90%.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { clockTargetsOf } from '../../core/agreements/evaluate.ts';
import { agreementFromText } from '../../core/agreements/load.ts';
import { routesOf } from '../../core/alerts/routing.ts';
import { isClockLevelDue } from '../../core/alerts/thresholds.ts';
import type { Alert } from '../../core/alerts/types.ts';
import { calendarFromText } from '../../core/calendar/source.ts';
import { computeClocks } from '../../core/clock/engine.ts';
import { parseEvent } from '../../core/events/parse.ts';
import type { TicketEvent, Timed } from '../../core/events/schema.ts';
import { unwrap } from '../../core/validation/issues.ts';
import { openStore } from '../../store/index.ts';
import { createScheduler } from './scheduler.ts';
import { ManualClock, OFFICE, setupTenant, store as put, SUPPORT, ticket } from './testkit.ts';

const MIN = 60_000;
const START = Date.parse('2026-03-09T07:00:00+01:00'); // Monday
const HORIZON = START + 4 * 24 * 60 * MIN; // Friday 07:00

const office = unwrap(calendarFromText(OFFICE, 'office', () => ({ error: 'none' })));
const spec = unwrap(agreementFromText(SUPPORT, 'desk.yaml')).spec;
const target = clockTargetsOf(spec, new Map([['office', office]]))[0]!;
const levels = routesOf(spec).targets.resolution!.clock.map((l) => l.level);

type Op = { kind: 'pause' | 'resume' | 'P1' | 'P2' | 'resolve'; after: number };
const ticketArb = fc.record({
  created: fc.integer({ min: 0, max: 2 * 24 * 60 }),
  priority: fc.constantFrom('P1', 'P2'),
  ops: fc.array(
    fc.record({ kind: fc.constantFrom<Op['kind']>('pause', 'resume', 'P1', 'P2', 'resolve'), after: fc.integer({ min: 1, max: 24 * 60 }) }),
    {
      maxLength: 4,
    },
  ),
});

function eventsOf(id: string, t: { created: number; priority: string; ops: Op[] }): Array<Record<string, unknown>> {
  const k = ticket(id, t.priority);
  let at = START + t.created * MIN;
  const out: Array<Record<string, unknown>> = [k.created(at)];
  t.ops.forEach((op, i) => {
    at += op.after * MIN;
    if (at >= HORIZON) return;
    if (op.kind === 'pause') out.push(k.status(i, 'waiting_on_customer', at));
    else if (op.kind === 'resume') out.push(k.status(i, 'in_progress', at));
    else if (op.kind === 'resolve') out.push({ ...k.resolved(at), id: `${id}-r${i}` });
    else out.push(k.priority(i, op.kind, at));
  });
  return out;
}

/** Each level's openings, evaluating the clock every minute with the events known by then. */
function reference(events: ReadonlyArray<Record<string, unknown>>): string[] {
  const timed = events.map((e) => unwrap(parseEvent(e)) as Timed<TicketEvent>);
  const out: string[] = [];
  const was = new Map<string, boolean>();
  const count = new Map<string, number>();
  for (let g = timed[0]!.atMs; g <= HORIZON; g += MIN) {
    const known = timed.filter((e) => e.atMs <= g);
    const clock = computeClocks(known, [target], g)[0];
    if (!clock) continue;
    for (const l of levels) {
      const due = isClockLevelDue(l.rule, clock);
      if (due && !was.get(l.id)) {
        const n = (count.get(l.id) ?? 0) + 1;
        count.set(l.id, n);
        out.push(`${l.id}#${n}@${g}`);
      }
      was.set(l.id, due);
    }
  }
  return out.sort();
}

const dir = mkdtempSync(join(tmpdir(), 'pledge-live-prop-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the scheduler driven through time opens exactly the alerts of evaluating at every instant, each when it became due', async () => {
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'pledge.db') });
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(ticketArb, { minLength: 1, maxLength: 3 }), async (tickets) => {
        const tenant = `prop${++run}`;
        await setupTenant(store, tenant, Date.parse('2026-03-01T00:00:00Z'));
        const clock = new ManualClock(START);
        const s = createScheduler({ store, clock, listen: false });
        const byTicket = tickets.map((t, i) => eventsOf(`T${i}`, t));
        const pending = byTicket.flat().sort((a, b) => Date.parse(a.at as string) - Date.parse(b.at as string));
        for (let steps = 0; steps < 10_000; steps++) {
          const nextEvent = pending[0] ? Date.parse(pending[0].at as string) : Number.POSITIVE_INFINITY;
          const timer = (await store.listTimers(tenant, { limit: 1 })).items[0];
          const nextTimer = timer?.fireAt ?? Number.POSITIVE_INFINITY;
          const next = Math.min(nextEvent, nextTimer);
          if (next > HORIZON) break;
          clock.t = Math.max(clock.t, next);
          if (nextEvent <= nextTimer) {
            const now = pending.filter((e) => Date.parse(e.at as string) === nextEvent);
            pending.splice(0, now.length);
            await put(store, tenant, now, clock.t);
            s.notify(tenant);
          }
          await s.tick();
        }
        const stored = (await store.listAlerts<Alert>(tenant, { limit: 1000 })).items
          .map((a) => a.details)
          .filter((a) => a.subject.kind === 'clock');
        byTicket.forEach((events, i) => {
          const want = reference(events);
          const got = stored.filter((a) => a.subject.kind === 'clock' && a.subject.ticket === `T${i}`);
          const gotKeys = got.map((a) => `${a.level}#${a.occurrence}`).sort();
          assert.deepEqual(gotKeys, want.map((w) => w.split('@')[0]).sort(), `T${i}: ${JSON.stringify(events)}`);
          for (const w of want) {
            const [key, at] = w.split('@') as [string, string];
            const a = got.find((x) => `${x.level}#${x.occurrence}` === key)!;
            assert.ok(
              a.openedAt > Number(at) - MIN && a.openedAt <= Number(at),
              `T${i} ${key} opened at ${new Date(a.openedAt).toISOString()}, due by ${new Date(Number(at)).toISOString()}`,
            );
          }
        });
      }),
      { numRuns: 12 },
    );
  } finally {
    await store.close();
  }
});
