/**
 * The scheduler: time as an input. It fires the alert timers that refreshes and rebuilds schedule
 * (one per ticket clock cycle and per open window: records.ts) at their instant, and refreshes the
 * derived results of tenants whose events are ahead of them, so alerts fire without anyone
 * reading. Everything runs on an injectable clock ({ now, setTimer }), so tests drive time.
 *
 * Invariants:
 * - A timer is claimed (store.claimTimers, a lease with a fencing revision) before it is fired, so
 *   two schedulers, in one process or several, never fire the same timer at once; a scheduler that
 *   dies leaves its claims to run out and be claimed again. Firing again is harmless: the alert
 *   ids and notification keys are derived from the facts, so the store turns a repeat into a no-op.
 * - A fired subject is judged live: the ticket clock computed from the ticket's stored events as
 *   of now (a clock paused at 74% holds no 75% warning, whatever the timer was scheduled for), the
 *   window measured as of now. A timer is only a reminder to look; it is never the evidence.
 * - Results first: before firing a tenant's timers, its derived results are brought up to date
 *   (refreshDerived), which also writes the alerts of the events that arrived; a ticket's clock is
 *   then computed from all its stored events, at least those the results reflect. The firing writes
 *   through replaceDerived with the generation and watermark it read first and no derived rows:
 *   an agreement or calendar change (generation) or newer events (watermark) committed meanwhile
 *   make it `stale`, and it starts over from the refresh, so a firing never overwrites alerts
 *   computed from newer facts. (applyAlertChanges would write without that guard.)
 * - A timer is completed only after its alerts are committed, by the holder of its claim, with
 *   its next instant (`next`: the subject's next level, a "breached for" reminder, a quiet time
 *   ending: the agreement's support.quietHours, quietOf) or deleted when there is none. If a
 *   refresh rescheduled it meanwhile, the completion is `stale` and the refresh's instant stands.
 * - The loop (app/timer-loop.ts, shared with the report and monitor runners) claims every timer but
 *   the report and monitor runners' (OWN_WORKER_TIMER_PREFIXES), sleeps until the earliest such
 *   timer of any tenant or the poll interval, whichever comes first, and wakes early when ingestion in this process signals events (signals.ts) or a caller
 *   calls notify(). The poll is the safety net for events and timers written by other processes.
 */
import { evaluateTicket } from '../../core/clock/engine.ts';
import type { TicketEvent, Timed } from '../../core/events/schema.ts';
import { eventsOf } from '../../core/agreements/evaluate.ts';
import type { Alert, AlertSubject } from '../../core/alerts/types.ts';
import { OWN_WORKER_TIMER_PREFIXES, type ClaimedTimer, type DerivedState, type Store, type TenantId } from '../../store/types.ts';
import { measuredAgreementsOf, refreshDerived, type Measured } from '../derive.ts';
import { residentBook } from '../resident.ts';
import { systemClock, timerLoop, type LoopClock, type LoopLogger } from '../timer-loop.ts';
import { isAlertTimerPayload, type AlertTimerPayload } from './records.ts';
import { onEventsCommitted, recordLag } from './signals.ts';
import {
  clockStep,
  currentFor,
  measurementOf,
  silencesAt,
  quietOf,
  stepOf,
  watchedOf,
  windowStep,
  type Measurement,
  type SubjectStep,
} from './subjects.ts';

/** The scheduler's clock: the instant now, and a one-shot timer (cancelled by the returned function). */
export type SchedulerClock = LoopClock;
export { systemClock };
export type SchedulerLogger = LoopLogger;

export interface SchedulerOptions {
  store: Store;
  clock?: SchedulerClock;
  logger?: SchedulerLogger;
  /** Names this scheduler in claims (e.g. host:pid). */
  worker?: string;
  /** How long a claim lasts before another scheduler may take the timer over. Default 60 s. */
  leaseMs?: number;
  /** Timers claimed per round. Default 500. */
  batch?: number;
  /** Longest sleep: the safety net for other processes' events and timers. Default 5 s. */
  pollMs?: number;
  /** Listen to this process's ingestion (signals.ts). Default true. */
  listen?: boolean;
}

export interface TickReport {
  /** Tenants whose results were refreshed. */
  refreshed: number;
  /** Timers fired and completed. */
  fired: number;
  /** Alert changes and notifications written. */
  alerts: number;
  notifications: number;
  /** Per fired timer: how late it was (now - its instant), ms. */
  lateness: number[];
}

export interface Scheduler {
  /** One pass: refresh tenants behind, fire every due timer. Runs one at a time. */
  tick(): Promise<TickReport>;
  /** Wake the loop now (events arrived, a timer was scheduled earlier). */
  notify(tenant?: TenantId): void;
  /** Stop the loop; resolves when a pass in progress has ended. */
  stop(): Promise<void>;
}

const MAX_ATTEMPTS = 3;

/** Starts the loop (first pass at once). Tests that drive time call tick() on a scheduler from createScheduler instead. */
export function startScheduler(opts: SchedulerOptions & { config?: { scheduler?: { pollMs: number; leaseMs?: number } } }): Scheduler {
  const pollMs = opts.pollMs ?? opts.config?.scheduler?.pollMs;
  const leaseMs = opts.leaseMs ?? opts.config?.scheduler?.leaseMs;
  const s = createScheduler({ ...opts, ...(pollMs !== undefined ? { pollMs } : {}), ...(leaseMs !== undefined ? { leaseMs } : {}) }, true);
  return s;
}

export function createScheduler(opts: SchedulerOptions, loop = false): Scheduler {
  const { store } = opts;
  const clock = opts.clock ?? systemClock;
  const worker = opts.worker ?? `scheduler-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const leaseMs = opts.leaseMs ?? 60_000;
  const batch = opts.batch ?? 500;
  const pollMs = opts.pollMs ?? 5_000;
  const measuredCache = new Map<TenantId, { generation: number; measured: Map<string, Measured> }>();
  /** Tenants signalled since the last pass, with the earliest unreflected commit. */
  const signalled = new Map<TenantId, { lastSeq: number; at: number }>();
  let lastFullPoll = Number.NEGATIVE_INFINITY;

  async function measuredOf(tenant: TenantId, state: DerivedState): Promise<Map<string, Measured>> {
    const hit = measuredCache.get(tenant);
    if (hit && hit.generation === state.generation) return hit.measured;
    const { measured } = await measuredAgreementsOf(store, tenant, state.generation);
    const map = new Map(measured.map((m) => [m.id, m]));
    measuredCache.set(tenant, { generation: state.generation, measured: map });
    return map;
  }

  /** Brings a tenant's results up to date; records the lag of the signalled commit it reflects. */
  async function refresh(tenant: TenantId, report: TickReport): Promise<void> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const r = await refreshDerived({ store, tenant, now: clock.now() });
      if (r.status === 'refreshed') report.refreshed++;
      if (r.status !== 'stale') {
        const sig = signalled.get(tenant);
        if (sig && r.watermark >= sig.lastSeq) {
          recordLag(tenant, clock.now() - sig.at);
          signalled.delete(tenant);
        }
        return;
      }
    }
  }

  /**
   * The events windows from `since` on need (store.eventPayloadsFor: every event of no ticket, the
   * tickets active since then or with a clock still open), up to `upTo`.
   */
  async function windowEvents(tenant: TenantId, since: number, upTo: number): Promise<Timed[]> {
    const rows = await store.eventPayloadsFor(tenant, { since });
    const out: Timed[] = [];
    for (const e of rows) if (e.seq <= upTo) out.push({ ...e.payload, atMs: e.at } as unknown as Timed);
    return out;
  }

  /** The live step of one subject as of now, or null when it no longer exists (no clock, no target). */
  async function liveStep(
    tenant: TenantId,
    subject: AlertSubject,
    measured: Map<string, Measured>,
    windows: () => Promise<Timed[]>,
    measurements: Map<string, Measurement>,
    now: number,
    state: DerivedState,
  ): Promise<SubjectStep | null> {
    const m = measured.get(subject.agreement);
    if (!m) return null;
    const w = watchedOf(m);
    if (subject.kind === 'clock') {
      const stored = await store.ticketEvents(tenant, subject.source, subject.ticket);
      const events = eventsOf(
        m.terms,
        stored.map((e) => ({ ...e.payload, atMs: e.at }) as unknown as Timed),
      ) as Timed<TicketEvent>[];
      if (events.length === 0) return null;
      const ev = evaluateTicket(events, [...w.clockTargets.values()], now, { explain: true });
      const clock = ev.clocks.find((c) => c.target === subject.target && c.cycle === subject.cycle);
      return clock ? clockStep(w, clock, now) : null;
    }
    if (subject.kind === 'window') {
      let ms = measurements.get(m.id);
      if (!ms) {
        // The refresh's resident window book when it is at this state (resident.ts), else the
        // events the window needs, read from the store.
        const book = residentBook(store, tenant, state, subject.from, m);
        ms = book ? { mine: book.others, book } : measurementOf(w, eventsOf(m.terms, await windows()));
        measurements.set(m.id, ms);
      }
      return windowStep(w, subject.target, { from: subject.from, to: subject.to, label: subject.window }, ms, now);
    }
    return null;
  }

  /** Fires one tenant's claimed timers; false when every attempt was overtaken (the claims run out and are retried). */
  async function fire(tenant: TenantId, timers: ClaimedTimer<AlertTimerPayload>[], report: TickReport): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // Results first; events that keep arriving after this do not hold the firing back: the clock
      // is computed from every stored event anyway, and a refresh committed meanwhile makes the
      // write below stale (then this starts over).
      if (attempt === 0 && (await store.lastEventSeq(tenant)) > (await store.getDerivedState(tenant)).watermark)
        await refresh(tenant, report);
      const state = await store.getDerivedState(tenant);
      const now = clock.now();
      const measured = await measuredOf(tenant, state);
      let events: Promise<Timed[]> | null = null;
      // The windows' events: those the earliest window fired needs (as a refresh reads them), up to
      // the state's watermark; never the tenant's whole history.
      const since = Math.min(...timers.map((t) => (t.payload.subject.kind === 'window' ? t.payload.subject.from : Infinity)));
      const windows = () => {
        events ??= windowEvents(tenant, since, state.watermark);
        return events;
      };
      const measurements = new Map<string, Measurement>();
      const steps: SubjectStep[] = [];
      for (const t of timers) {
        const step = await liveStep(tenant, t.payload.subject, measured, windows, measurements, now, state);
        if (step) steps.push(step);
      }
      const current: Alert[] =
        steps.length > 0
          ? await currentFor(
              store,
              tenant,
              steps.map((s) => s.report),
            )
          : [];
      const silences = steps.length > 0 ? await silencesAt(store, tenant, now) : [];
      const { changes, timers: next } = stepOf(steps, current, silences, now, { timers: false, quiet: quietOf(measured) });
      const r = await store.replaceDerived(tenant, {
        generation: state.generation,
        from: state.watermark,
        watermark: state.watermark,
        alerts: changes,
      });
      if (r.status === 'stale') continue;
      report.alerts += changes.alerts?.length ?? 0;
      report.notifications += r.alerts?.notified ?? 0;
      for (const t of timers) {
        const n = next.get(t.key);
        const done = await store.completeTimer(
          tenant,
          t.key,
          { worker, revision: t.revision },
          n?.at != null ? { fireAt: n.at, payload: t.payload } : undefined,
        );
        if (done === 'completed') {
          report.fired++;
          report.lateness.push(now - t.fireAt);
        }
      }
      return true;
    }
    return false;
  }

  /** 1. Results of tenants with events ahead of them: those signalled, and every tenant at each poll. */
  async function refreshBehind(report: TickReport): Promise<void> {
    const due = new Set(signalled.keys());
    if (clock.now() - lastFullPoll >= pollMs) {
      lastFullPoll = clock.now();
      for (const t of await store.listTenants()) due.add(t.id);
    }
    for (const tenant of due) {
      try {
        const [state, last] = await Promise.all([store.getDerivedState(tenant), store.lastEventSeq(tenant)]);
        if (last > state.watermark) await refresh(tenant, report);
        else signalled.delete(tenant);
      } catch (e) {
        opts.logger?.error({ err: e, tenant }, 'scheduler: refreshing derived results failed');
      }
    }
  }

  /** 2. A round of due timers, every tenant's, fired tenant by tenant. */
  async function fireRound(claimed: ClaimedTimer<unknown>[], report: TickReport): Promise<void> {
    const byTenant = new Map<TenantId, ClaimedTimer<AlertTimerPayload>[]>();
    for (const t of claimed) {
      // Timers of other kinds are other workers' (they claim them by their own keys); leave their claims to run out.
      if (!isAlertTimerPayload(t.payload)) continue;
      const l = byTenant.get(t.tenant);
      if (l) l.push(t as ClaimedTimer<AlertTimerPayload>);
      else byTenant.set(t.tenant, [t as ClaimedTimer<AlertTimerPayload>]);
    }
    for (const [tenant, timers] of byTenant) {
      try {
        await fire(tenant, timers, report);
      } catch (e) {
        opts.logger?.error(
          { err: e, tenant, timers: timers.length },
          'scheduler: firing timers failed; their claims run out and they are tried again',
        );
      }
    }
  }

  // Report schedules' and monitors' timers are their runners' (app/reports/runner.ts,
  // app/monitors/runner.ts): never claimed here, and never waited for.
  const timers = timerLoop<TickReport>({
    store,
    clock,
    name: 'scheduler',
    worker,
    kind: { exceptKeyPrefix: OWN_WORKER_TIMER_PREFIXES },
    leaseMs,
    batch,
    maxRounds: 1000,
    pollMs,
    loop,
    ...(opts.logger ? { logger: opts.logger } : {}),
    report: () => ({ refreshed: 0, fired: 0, alerts: 0, notifications: 0, lateness: [] }),
    before: refreshBehind,
    run: fireRound,
    busy: (r) => r.fired > 0 || r.alerts > 0,
    urgent: () => signalled.size > 0,
  });

  function notify(tenant?: TenantId): void {
    if (tenant !== undefined && !signalled.has(tenant)) signalled.set(tenant, { lastSeq: 0, at: clock.now() });
    timers.notify();
  }

  const unlisten =
    opts.listen === false
      ? () => {}
      : onEventsCommitted((e) => {
          const had = signalled.get(e.tenant);
          signalled.set(e.tenant, { lastSeq: Math.max(had?.lastSeq ?? 0, e.lastSeq), at: had ? Math.min(had.at, e.at) : e.at });
          notify();
        });

  return {
    tick: timers.tick,
    notify,
    async stop() {
      unlisten();
      await timers.stop();
    },
  };
}
