/**
 * The demo tenant filled up with generated ticket events (for its customers and services over the
 * demo's three months), so benchmarks measure derived results at a realistic size: 1,000,000 events
 * is about 200,000 tickets. Deterministic: the same target gives the same events.
 */
import type { Store } from '../src/store/types.ts';
import { demoWindow } from '../src/demo/seed.ts';
import { generateTicketEvents } from '../src/demo/generate.ts';
import { compileCalendar } from '../src/core/calendar/compile.ts';
import { parseEvent } from '../src/core/events/parse.ts';
import type { Timed } from '../src/core/events/schema.ts';
import { unwrap } from '../src/core/validation/issues.ts';

/** Appends generated ticket events to `tenant` (which has `have`) until it holds `target`, in batches of 5,000. */
export async function fillDemo(
  store: Store,
  tenant: string,
  have: number,
  target: number,
  now: number,
): Promise<{ events: number; appendSeconds: number }> {
  const q = demoWindow(now);
  const berlin = unwrap(
    compileCalendar({
      timezone: 'Europe/Berlin',
      hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] },
    }),
  );
  let n = have;
  let appending = 0;
  for (let seed = 1000; n < target; seed++) {
    const generated = generateTicketEvents({
      seed,
      from: q.from,
      to: q.to - 7 * 86_400_000,
      calendar: berlin,
      ticketsPerWorkingDay: 200,
      customers: ['acme', 'globex', 'initech'],
      services: ['checkout', 'email', 'printers'],
    });
    const events: Timed[] = [];
    for (const e of generated) {
      if (n + events.length >= target) break;
      events.push(unwrap(parseEvent({ ...e, id: `g${seed}-${e.id}`, ...('ticket' in e ? { ticket: `g${seed}-${e.ticket}` } : {}) })));
    }
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 5000) {
      const r = await store.appendEvents(tenant, events.slice(i, i + 5000), { receivedAt: now });
      n += r.accepted;
    }
    appending += performance.now() - t0;
  }
  return { events: n, appendSeconds: appending / 1000 };
}
