/**
 * The Prometheus runner: measures every tenant's ratio targets (metric: ratio, docs/prometheus.md)
 * from the server's Prometheus as time passes, without anyone calling POST /v1/measurements/prometheus,
 * in the server process (`pledge serve`, `pledge worker`) when PLEDGE_PROMETHEUS_URL is set, on the
 * shared timer loop (app/timer-loop.ts) with the Prometheus timers (`prometheus:tenant`, one per
 * tenant) only.
 *
 * Once per interval per tenant, whatever the number of instances:
 * 1. Seed: each tenant gets its timer, due now, when it has none (looked for once per interval, so
 *    a tenant created since is measured within two intervals).
 * 2. Claim: the tenant's timer is claimed (a lease and a fencing revision; FOR UPDATE SKIP LOCKED on
 *    PostgreSQL), so two runners never measure the same tenant at once; a runner that dies leaves
 *    its claim to run out and another measures then.
 * 3. Measure (measure-targets.ts): every ratio target over its current window, and each calendar
 *    window that ended since the last run (`endedThrough` in the timer's payload) over the whole
 *    window, as of its end: its final figure. A window's end is waited for by SETTLE_MS, so the
 *    scrapes up to the end are in Prometheus. The events' ids name the window and the instant, so a
 *    final measurement made twice (two runs, a retry) writes one event.
 * 4. Complete the timer (only the claim's holder can) with the next run: one interval after the one
 *    scheduled (now + interval if that is past), or earlier, SETTLE_MS after the next end of a
 *    calendar window measured, so the final figure comes right after the window ends.
 *
 * Invariants: Prometheus unreachable (or a query refused) writes nothing for those targets (their
 * windows keep their previous figure), is logged, and is tried again at the next run; a final
 * measurement that failed and may succeed later keeps `endedThrough` where it was, so the next run
 * measures the ended window again. Nothing is counted in /metrics: the other timer loops count
 * nothing there either; their failures, like these, are in the log.
 */
import { DEFAULT_PROMETHEUS_INTERVAL_MS, type PrometheusConfig } from '../config.ts';
import type { IngestLimits } from '../ingest.ts';
import { PROMETHEUS_TIMER_PREFIX, type ClaimedTimer, type Store } from '../../store/types.ts';
import { systemClock, timerLoop, type LoopClock, type LoopLogger } from '../timer-loop.ts';
import { measureTenantTargets } from './measure-targets.ts';

/** A tenant's timer: its next measurement. */
export const PROMETHEUS_TENANT_TIMER = `${PROMETHEUS_TIMER_PREFIX}tenant`;

/** How long after a window's end its final figure is measured: the last scrapes before the end are in by then. */
export const SETTLE_MS = 60_000;

interface Payload {
  /** Calendar windows that ended at or before this instant have had their final measurement. */
  endedThrough: number;
}

const isPayload = (p: unknown): p is Payload =>
  typeof p === 'object' && p !== null && typeof (p as Payload).endedThrough === 'number' && Number.isFinite((p as Payload).endedThrough);

export interface PrometheusRunnerOptions {
  store: Store;
  prometheus: PrometheusConfig;
  limits: IngestLimits;
  clock?: LoopClock;
  logger?: LoopLogger & { info?(obj: object, msg: string): void };
  worker?: string;
  /** How long a claim lasts: above a tenant's measurements (each target up to two timeouts). Default 10 min. */
  leaseMs?: number;
  /** Longest sleep (the safety net for timers written by other processes). Default 5 s. */
  pollMs?: number;
  /** How long after a window's end it is measured the last time. Default SETTLE_MS. */
  settleMs?: number;
}

export interface PrometheusRunReport {
  /** Tenants' timers claimed. */
  claimed: number;
  /** Measurements recorded (ratio.measured events, or already recorded: the same id). */
  measured: number;
  /** Targets' windows that could not be measured (tried again at the next run). */
  failed: number;
}

export interface PrometheusRunner {
  tick(): Promise<PrometheusRunReport>;
  notify(): void;
  stop(): Promise<void>;
}

export function startPrometheusRunner(opts: PrometheusRunnerOptions): PrometheusRunner {
  return createPrometheusRunner(opts, true);
}

export function createPrometheusRunner(opts: PrometheusRunnerOptions, loop = false): PrometheusRunner {
  const { store } = opts;
  const clock = opts.clock ?? systemClock;
  const worker = opts.worker ?? `prometheus-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const intervalMs = opts.prometheus.intervalMs ?? DEFAULT_PROMETHEUS_INTERVAL_MS;
  const settleMs = opts.settleMs ?? SETTLE_MS;
  let seededAt = Number.NEGATIVE_INFINITY;

  /** Gives each tenant without one its timer, due now; once per interval (tenants are few, timers upserted only when missing). */
  async function seed(): Promise<void> {
    const now = clock.now();
    if (now - seededAt < intervalMs) return;
    for (const t of await store.listTenants())
      if (!(await store.getTimer(t.id, PROMETHEUS_TENANT_TIMER)))
        await store.scheduleTimers(t.id, [{ key: PROMETHEUS_TENANT_TIMER, fireAt: now, payload: { endedThrough: now - settleMs } }]);
    seededAt = now;
  }

  async function runOne(t: ClaimedTimer<unknown>, report: PrometheusRunReport): Promise<void> {
    const lease = { worker, revision: t.revision };
    const now = clock.now();
    const endedThrough = isPayload(t.payload) ? t.payload.endedThrough : now - settleMs;
    const until = Math.max(endedThrough, now - settleMs);
    let next = t.fireAt + intervalMs > now ? t.fireAt + intervalMs : now + intervalMs;
    let through = endedThrough;
    try {
      const r = await measureTenantTargets({
        store,
        tenant: t.tenant,
        now,
        prometheus: opts.prometheus,
        limits: opts.limits,
        audit: { actor: 'prometheus-runner' },
        ended: { after: endedThrough, until },
      });
      report.measured += r.measured.length;
      report.failed += r.failed.length;
      if (r.failed.length > 0)
        opts.logger?.warn(
          { tenant: t.tenant, failed: r.failed.length, measured: r.measured.length, first: r.failed[0] },
          'prometheus: targets could not be measured; they keep their previous figure and are measured again at the next run',
        );
      // A final measurement that may succeed later is tried again: the span is not moved past it.
      if (!r.failed.some((f) => f.retryable)) through = until;
      if (r.nextEnd !== null) next = Math.min(next, r.nextEnd + settleMs);
    } catch (e) {
      // Not Prometheus' answer (those are in r.failed): the store, or a bug. Logged; the next run tries again.
      opts.logger?.error({ err: e, tenant: t.tenant }, 'prometheus: measuring the tenant failed; it is tried again at the next run');
    }
    await store.completeTimer(t.tenant, t.key, lease, { fireAt: Math.max(next, now + 1), payload: { endedThrough: through } });
  }

  const timers = timerLoop<PrometheusRunReport>({
    store,
    clock,
    name: 'prometheus runner',
    worker,
    kind: { keyPrefix: PROMETHEUS_TIMER_PREFIX },
    leaseMs: opts.leaseMs ?? 600_000,
    batch: 20,
    maxRounds: 50,
    pollMs: opts.pollMs ?? 5_000,
    loop,
    ...(opts.logger ? { logger: opts.logger } : {}),
    report: () => ({ claimed: 0, measured: 0, failed: 0 }),
    async before() {
      try {
        await seed();
      } catch (e) {
        opts.logger?.warn({ err: e }, 'prometheus runner: giving tenants their timers failed; tried again at the next pass');
      }
    },
    // One tenant after another: Prometheus is one server, not to be queried by every tenant at once.
    async run(claimed, report) {
      report.claimed += claimed.length;
      for (const t of claimed) if (!timers.stopped()) await runOne(t, report);
    },
    busy: (r) => r.claimed > 0,
  });

  return { tick: timers.tick, notify: timers.notify, stop: timers.stop };
}
