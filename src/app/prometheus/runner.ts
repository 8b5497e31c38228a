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
 *    PostgreSQL), one tenant at a time, so each tenant's lease starts when its measuring does; two
 *    runners never measure the same tenant at once; a runner that dies leaves its claim to run out
 *    and another measures then.
 * 3. Measure (measure-targets.ts): every ratio target over its current window, and the final figure
 *    (over the whole window, as of its end) of every calendar window that ended within the lookback
 *    (PLEDGE_PROMETHEUS_LOOKBACK, default 35 days) and SETTLE_MS ago, in the target's monitored
 *    period, and has none yet: the final event's id is deterministic (the window and its last
 *    millisecond), so it is looked up, and one made twice is one event. That is the backfill:
 *    windows that ended while no instance measured, or before the target existed, are measured at
 *    the next run, as long as Prometheus still holds their data.
 * 4. Complete the timer (only the claim's holder can) with the next run: one interval after the one
 *    scheduled (now + interval if that is past), or earlier, SETTLE_MS after the next end of a
 *    calendar window measured, so the final figure comes right after the window ends.
 *
 * A run is bounded, not its lease renewed: it stops measuring once half the lease has gone (asked
 * before each window; a window takes at most one query timeout, the two sides run at once), keeps
 * where it stopped in the timer's payload (`resume`) and continues at once, in a new claim with a
 * lease of its own. Why not renew the lease while measuring: that is a new store capability (an
 * extension checked against the fencing revision, in both adapters) and a heartbeat beside the
 * measuring, and a run that stalls (a store call that hangs) would keep its lease alive and the
 * tenant unmeasured; bounded, a stalled run's lease runs out and another instance takes over,
 * and what was measured before the stop is kept (the final figures are skipped from then on).
 *
 * Invariants: Prometheus unreachable (or a query refused) writes nothing for those windows (they
 * keep their previous figure), is logged, and is tried again at the next run (an ended window has
 * no final event yet, so it stays due until the lookback passes it). Nothing is counted in
 * /metrics: the other timer loops count nothing there either; their failures, like these, are in
 * the log.
 */
import { DEFAULT_PROMETHEUS_INTERVAL_MS, DEFAULT_PROMETHEUS_LOOKBACK_MS, type PrometheusConfig } from '../config.ts';
import type { IngestLimits } from '../ingest.ts';
import { PROMETHEUS_TIMER_PREFIX, type ClaimedTimer, type Store } from '../../store/types.ts';
import { systemClock, timerLoop, type LoopClock, type LoopLogger } from '../timer-loop.ts';
import { measureTenantTargets, SETTLE_MS } from './measure-targets.ts';

export { SETTLE_MS };

/** A tenant's timer: its next measurement. */
export const PROMETHEUS_TENANT_TIMER = `${PROMETHEUS_TIMER_PREFIX}tenant`;

interface Payload {
  /** A run that stopped at half its lease: where the next run continues (measure-targets.ts windowKey). */
  resume?: string;
}

/** Where a payload says to continue; anything else (no payload, an older one with endedThrough) is a run from the start. */
const resumeOf = (p: unknown): string | undefined =>
  typeof p === 'object' && p !== null && typeof (p as Payload).resume === 'string' ? (p as Payload).resume : undefined;

export interface PrometheusRunnerOptions {
  store: Store;
  prometheus: PrometheusConfig;
  limits: IngestLimits;
  clock?: LoopClock;
  logger?: LoopLogger & { info?(obj: object, msg: string): void };
  worker?: string;
  /** How long a claim lasts; a run stops measuring at half of it and continues in a new claim. Default 10 min. */
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
  /** Runs that stopped at half their lease, to continue at once. */
  cut: number;
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
  const lookbackMs = opts.prometheus.lookbackMs ?? DEFAULT_PROMETHEUS_LOOKBACK_MS;
  const settleMs = opts.settleMs ?? SETTLE_MS;
  let seededAt = Number.NEGATIVE_INFINITY;

  /** Gives each tenant without one its timer, due now; once per interval (tenants are few, timers upserted only when missing). */
  async function seed(): Promise<void> {
    const now = clock.now();
    if (now - seededAt < intervalMs) return;
    for (const t of await store.listTenants())
      if (!(await store.getTimer(t.id, PROMETHEUS_TENANT_TIMER)))
        await store.scheduleTimers(t.id, [{ key: PROMETHEUS_TENANT_TIMER, fireAt: now, payload: {} }]);
    seededAt = now;
  }

  async function runOne(t: ClaimedTimer<unknown>, report: PrometheusRunReport): Promise<void> {
    const lease = { worker, revision: t.revision };
    const now = clock.now();
    // Half the lease: the window being measured then (one query timeout at most) still ends inside it.
    const stopAt = t.lease.claimedAt + (t.lease.until - t.lease.claimedAt) / 2;
    const resume = resumeOf(t.payload);
    let next = t.fireAt + intervalMs > now ? t.fireAt + intervalMs : now + intervalMs;
    let payload: Payload = {};
    try {
      const r = await measureTenantTargets({
        store,
        tenant: t.tenant,
        now,
        prometheus: opts.prometheus,
        limits: opts.limits,
        audit: { actor: 'prometheus-runner' },
        ended: { after: now - lookbackMs, until: now - settleMs },
        stop: () => clock.now() >= stopAt || timers.stopped(),
        ...(resume !== undefined ? { resume } : {}),
      });
      report.measured += r.measured.length;
      report.failed += r.failed.length;
      if (r.failed.length > 0)
        opts.logger?.warn(
          { tenant: t.tenant, failed: r.failed.length, measured: r.measured.length, first: r.failed[0] },
          'prometheus: targets could not be measured; they keep their previous figure and are measured again at the next run',
        );
      if (r.nextEnd !== null) next = Math.min(next, r.nextEnd + settleMs);
      if (r.resume !== undefined) {
        // Cut at half the lease: the rest at once, in a claim of its own (the interval counts from this run's).
        report.cut++;
        payload = { resume: r.resume };
        next = clock.now();
        opts.logger?.info?.(
          { tenant: t.tenant, measured: r.measured.length, resume: r.resume },
          'prometheus: the run stopped at half its lease; it continues at once',
        );
      }
    } catch (e) {
      // Not Prometheus' answer (those are in r.failed): the store, or a bug. Logged; the next run tries again.
      opts.logger?.error({ err: e, tenant: t.tenant }, 'prometheus: measuring the tenant failed; it is tried again at the next run');
    }
    await store.completeTimer(t.tenant, t.key, lease, { fireAt: Math.max(next, now + 1), payload });
  }

  const timers = timerLoop<PrometheusRunReport>({
    store,
    clock,
    name: 'prometheus runner',
    worker,
    kind: { keyPrefix: PROMETHEUS_TIMER_PREFIX },
    leaseMs: opts.leaseMs ?? 600_000,
    // One tenant per claim: each lease starts when that tenant's measuring does (a run is bounded by its lease).
    batch: 1,
    maxRounds: 1000,
    pollMs: opts.pollMs ?? 5_000,
    loop,
    ...(opts.logger ? { logger: opts.logger } : {}),
    report: () => ({ claimed: 0, measured: 0, failed: 0, cut: 0 }),
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
