/**
 * The demo's live desk: something happens while a newcomer watches. `pledge serve --demo` adds an
 * agreement with minute-scale targets on a 24x7 calendar (a network operations desk: P1 answered
 * within 4 minutes, resolved within 12) and opens a scripted ticket every minute or so, answering
 * and resolving some in time and some too late. Its tickets cross 50% and 75% of their targets and
 * breach within minutes of the start, whatever the day or hour, so warnings and breaches fire,
 * escalate by the agreement's matrix, resolve, and arrive in the demo inbox (src/demo/inbox.ts).
 *
 * Invariants:
 * - Events are stored when their instant comes, never ahead of it (the clocks are computed as of
 *   now, and a future event would be a lie about the present); each goes through the same
 *   ingestion as POST /v1/events (validation, the ticket registry, the audit line).
 * - The script is a pure function of the ticket's number and the seed (`liveTicketScript`), so a
 *   restart goes on with new numbers (the ids carry the start instant) and tests can predict it.
 * - Time is injected: the desk runs on the clock it is given, and `tick()` does what is due.
 */
import { prng } from './generate.ts';

export const LIVE_DESK_ID = 'northwind-live-desk';
export const LIVE_DESK_SERVICE = 'live-ops';
export const LIVE_DESK_SOURCE = 'live-desk';

const MIN = 60_000;

/** The agreement, as a file would hold it. Channel ids are the demo's (src/demo/live-channels.ts). */
export const LIVE_DESK_AGREEMENT = `# The demo's live desk: minute-scale targets around the clock, so alerts fire while you watch.
id: ${LIVE_DESK_ID}
name: Acme network operations desk (demo, minute-scale targets)
kind: sla
level: service
parties:
  provider: { id: northwind, name: Northwind Services }
  customer: { id: acme, name: Acme Corp }
services: [${LIVE_DESK_SERVICE}]
targets:
  - id: response
    name: Network incidents answered in time
    metric: response_time
    value: 90
    window: month
    clock: { byPriority: { P1: 4m, P2: 8m } }
  - id: resolution
    name: Network incidents resolved in time
    metric: resolution_time
    value: 80
    window: month
    clock: { byPriority: { P1: 12m, P2: 20m } }
pricing:
  currency: USD
  fee: { amount: 1000, per: month }
penalties:
  rules:
    - { type: per_unit, target: resolution, unit: breached_ticket, amount: 25 }
support:
  escalation:
    - { level: 1, who: Network on-call, to: [demo-webhook], when: { consumed: 0.5 } }
    - { level: 2, who: Network on-call, to: [demo-webhook, demo-mail], when: { consumed: 0.75 } }
    - { level: 3, who: Duty manager, to: [demo-webhook, demo-mail], when: { atBreach: true } }
  notices:
    - { notice: breach, who: Acme IT, to: [acme-notices] }
`;

export interface LiveTicketScript {
  ticket: string;
  priority: 'P1' | 'P2';
  /** Offsets from the ticket's creation, in ms; null: not in this ticket's script. */
  respondAfter: number;
  resolveAfter: number;
}

const RESPONSE = { P1: 4 * MIN, P2: 8 * MIN } as const;
const RESOLUTION = { P1: 12 * MIN, P2: 20 * MIN } as const;

/**
 * Ticket `n`'s fate: P1 one time in three; answered at 30% to 115% of its response time and
 * resolved at 45% to 120% of its resolution time, so a little under half breach one target or both (the demo is about breaches).
 */
export function liveTicketScript(seed: number, run: string, n: number): LiveTicketScript {
  const rnd = prng(seed * 7919 + n);
  const priority = rnd() < 1 / 3 ? 'P1' : 'P2';
  const respondAfter = Math.round(RESPONSE[priority] * (0.3 + 0.85 * rnd()));
  const resolveAfter = Math.max(respondAfter + MIN, Math.round(RESOLUTION[priority] * (0.45 + 0.75 * rnd())));
  return { ticket: `NOC-${run}-${String(n).padStart(3, '0')}`, priority, respondAfter, resolveAfter };
}

/** The events of one scripted ticket opened at `openedAt`, as POST /v1/events takes them. */
export function liveTicketEvents(script: LiveTicketScript, openedAt: number): Array<{ at: number; event: Record<string, unknown> }> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const base = { source: LIVE_DESK_SOURCE, ticket: script.ticket };
  return [
    {
      at: openedAt,
      event: {
        id: `${script.ticket}-created`,
        type: 'ticket.created',
        ...base,
        at: iso(openedAt),
        customer: 'acme',
        service: LIVE_DESK_SERVICE,
        priority: script.priority,
        kind: 'incident',
        status: 'new',
      },
    },
    {
      at: openedAt + script.respondAfter,
      event: { id: `${script.ticket}-responded`, type: 'ticket.responded', ...base, at: iso(openedAt + script.respondAfter), by: 'agent' },
    },
    {
      at: openedAt + script.resolveAfter,
      event: {
        id: `${script.ticket}-resolved`,
        type: 'ticket.resolved',
        ...base,
        at: iso(openedAt + script.resolveAfter),
        by: 'provider',
      },
    },
  ];
}

export interface LiveDeskClock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface LiveDeskOptions {
  clock: LiveDeskClock;
  /** Stores events (the app's ingestion); answers how many were refused, with why. */
  ingest(events: Record<string, unknown>[]): Promise<{ refused: string[] }>;
  /** A new ticket this often (default a minute). */
  every?: number;
  /** Open tickets at most (default 12): the desk does not grow without bound on a long run. */
  maxOpen?: number;
  seed?: number;
  onError?(e: unknown): void;
}

export interface LiveDesk {
  /** Stores every event that is due, opens a ticket if one is due; returns the events stored. */
  tick(): Promise<number>;
  /** Runs tick() until stop(). */
  run(): Promise<void>;
  stop(): void;
  opened(): number;
}

export function liveDesk(o: LiveDeskOptions): LiveDesk {
  const every = o.every ?? MIN;
  const maxOpen = o.maxOpen ?? 12;
  const seed = o.seed ?? 1;
  const run = o.clock.now().toString(36).slice(-5);
  const pending: Array<{ at: number; event: Record<string, unknown> }> = [];
  let n = 0;
  let nextOpen = o.clock.now();
  const stop = new AbortController();

  const openTickets = () => new Set(pending.map((p) => p.event.ticket)).size;

  const tick = async () => {
    const now = o.clock.now();
    while (nextOpen <= now) {
      if (openTickets() < maxOpen) pending.push(...liveTicketEvents(liveTicketScript(seed, run, ++n), nextOpen));
      nextOpen += every;
    }
    pending.sort((a, b) => a.at - b.at);
    const due: Array<Record<string, unknown>> = [];
    while (pending.length > 0 && pending[0]!.at <= now) due.push(pending.shift()!.event);
    if (due.length === 0) return 0;
    const r = await o.ingest(due);
    if (r.refused.length > 0) o.onError?.(new Error(`the live desk's events were refused: ${r.refused.join('; ')}`));
    return due.length - r.refused.length;
  };

  return {
    tick,
    opened: () => n,
    stop: () => stop.abort(),
    run: async () => {
      while (!stop.signal.aborted) {
        try {
          await tick();
        } catch (e) {
          o.onError?.(e);
        }
        const next = Math.min(nextOpen, pending[0]?.at ?? Number.POSITIVE_INFINITY);
        await o.clock.sleep(Math.max(50, next - o.clock.now()), stop.signal);
      }
    },
  };
}
