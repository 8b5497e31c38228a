/**
 * The monitor runner: runs each built-in monitor's check at its instant, in the server process
 * (`pledge serve`, and `pledge worker`), on the shared timer loop (app/timer-loop.ts) with the
 * monitors' timers (`monitor:<id>`) only.
 *
 * One check, once per interval, whatever the number of instances:
 * 1. Claim: the monitor's timer is claimed (a lease and a fencing revision; FOR UPDATE SKIP LOCKED
 *    on PostgreSQL), so two runners never run the same check; a runner that dies leaves its claim
 *    to run out and another runs the check then.
 * 2. Probe: HTTP(S) or TCP (probes.ts, bounded by the monitor's timeout), the claimed batch in
 *    parallel, not waited for by the loop (a slow check never delays another's start). A heartbeat's timer firing is its check: no push came in time (a push moves it).
 * 3. Decide (core/monitors/decide.ts) and write: the events first (through ingestion, ids derived
 *    from the monitor and the instant, so a check run again writes nothing new), then the state.
 * 4. Complete the timer (only the claim's holder can) with the next check, one interval after the
 *    one scheduled. If that is past already, Pledge itself was not checking (down, or far behind):
 *    the stretch is recorded in the state as a gap and written as a monitoring.gap event, written
 *    before the check's own events (not monitored: never the service's downtime, nor its uptime),
 *    and the next
 *    check is one interval from now (no burst of missed checks). For a heartbeat, a beat overdue
 *    while Pledge was not checking is not taken as missed (the push may have failed because Pledge
 *    was down): it gets a fresh interval and grace.
 */
import { checkEvent, gapEvent, nextCheck, step, withGap, type CheckOutcome, type MonitorState } from '../../core/monitors/decide.ts';
import { parseMonitorSpec } from '../../core/monitors/spec.ts';
import { MONITOR_TIMER_PREFIX, type ClaimedTimer, type Store } from '../../store/types.ts';
import { systemClock, timerLoop, type LoopClock, type LoopLogger } from '../timer-loop.ts';
import { isMonitorTimerPayload, writeMonitorEvents } from './manage.ts';
import { defaultProbe, type Probe } from './probes.ts';

export interface MonitorRunnerOptions {
  store: Store;
  clock?: LoopClock;
  logger?: LoopLogger;
  worker?: string;
  /** How long a claim lasts: above two timeouts (60 s at most each) and the writes. Default 3 min. */
  leaseMs?: number;
  /** Longest sleep (the safety net for monitors written by other processes). Default 5 s. */
  pollMs?: number;
  /** Checks claimed (and run in parallel) per round. Default 200. */
  batch?: number;
  /** The probe (tests and the bench may count calls); HTTP/TCP by default. */
  probe?: Probe;
  /** Checks running at once at most (the loop claims no more until some end). Default 500. */
  maxInflight?: number;
  /** Told of each check as it starts: its monitor, its scheduled instant and its lateness (ms after it); for tests, the bench, metrics. */
  onCheck?: (c: { tenant: string; monitor: string; scheduled: number; lateness: number }) => void;
}

export interface MonitorRunReport {
  /** Checks claimed (in the loop, they may still be running when the pass ends). */
  claimed: number;
  /** Checks run and completed. */
  checked: number;
  /** Events written (state changes, monitoring starts). */
  events: number;
  /** Per check: how late it started (now - its scheduled instant), ms. */
  lateness: number[];
  /** Gaps found (checks that were due more than an interval ago). */
  gaps: number;
}

export interface MonitorRunner {
  tick(): Promise<MonitorRunReport>;
  notify(): void;
  stop(): Promise<void>;
}

const wakers = new Set<() => void>();
/** Wakes this process's monitor runners (a monitor created or resumed); other processes find it at their poll. */
export function wakeMonitorRunners(): void {
  for (const w of wakers) w();
}

export function startMonitorRunner(opts: MonitorRunnerOptions): MonitorRunner {
  return createMonitorRunner(opts, true);
}

export function createMonitorRunner(opts: MonitorRunnerOptions, loop = false): MonitorRunner {
  const { store } = opts;
  const clock = opts.clock ?? systemClock;
  const worker = opts.worker ?? `monitors-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const leaseMs = opts.leaseMs ?? 180_000;
  const probe = opts.probe ?? defaultProbe;

  async function runOne(t: ClaimedTimer<unknown>, report: MonitorRunReport): Promise<void> {
    const lease = { worker, revision: t.revision };
    const id = isMonitorTimerPayload(t.payload) ? t.payload.monitor : t.key.slice(MONITOR_TIMER_PREFIX.length);
    const m = await store.getMonitor<unknown, MonitorState>(t.tenant, id);
    const spec = m ? parseMonitorSpec(m.spec) : null;
    if (!m || m.paused || !spec?.ok) {
      // Deleted or paused since (their timers go with them), or a spec this version cannot read.
      if (spec && !spec.ok) opts.logger?.error({ tenant: t.tenant, monitor: id }, 'monitor: its spec cannot be read; it is not run');
      await store.completeTimer(t.tenant, t.key, lease);
      return;
    }
    const s = spec.value;
    const started = clock.now();
    report.lateness.push(started - t.fireAt);
    opts.onCheck?.({ tenant: t.tenant, monitor: id, scheduled: t.fireAt, lateness: started - t.fireAt });
    const next = nextCheck(t.fireAt, started, s.interval);
    let state: MonitorState | null = m.state;
    if (next.gap) {
      state = withGap(state, next.gap);
      report.gaps++;
    }
    let events: ReturnType<typeof step>['events'] = [];
    // Only a monitor that has started watching can have stopped: before its first check nothing was monitored anyway.
    const gapped = next.gap && state?.startedAt !== undefined ? [gapEvent(id, s, next.gap)] : [];
    let fireAt = next.at;
    if (s.kind === 'heartbeat') {
      const deadline = (state?.lastPushAt ?? t.fireAt - s.interval - s.grace) + s.interval + s.grace;
      if (deadline > started)
        fireAt = deadline; // a push moved the beat on meanwhile
      else if (next.gap)
        fireAt = started + s.interval + s.grace; // Pledge was not watching: a fresh chance
      else {
        const r = step(id, s, state, { at: deadline, ok: false, error: `no heartbeat within ${s.interval + s.grace} ms` });
        ({ state, events } = r);
        fireAt = started + s.interval;
      }
    } else {
      const outcome: CheckOutcome = await probe(s, () => clock.now());
      ({ state, events } = step(id, s, state, outcome));
    }
    events = [...gapped, ...events];
    await writeMonitorEvents(store, t.tenant, id, events, clock.now());
    report.events += events.length;
    if (state && !(await store.setMonitorState(t.tenant, id, state, { state: m.state }))) {
      // A heartbeat push (or a replacement that reset the state) wrote since it was read: theirs
      // stands. A down this check wrote before it knew is answered by an up after it, as the push
      // that won says the job ran (decide.ts, heartbeatPush).
      const down = events.find((e) => e.type === 'check.result' && e.up === false);
      const now = down ? await store.getMonitor<unknown, MonitorState>(t.tenant, id) : undefined;
      if (down && now?.state?.status === 'up' && !now.paused) {
        const upAt = Math.max(down.atMs + 1, now.state.lastPushAt ?? now.state.lastChangeAt ?? 0);
        await writeMonitorEvents(store, t.tenant, id, [checkEvent(id, s, upAt, true)], clock.now());
        report.events++;
      }
    }
    const done = await store.completeTimer(t.tenant, t.key, lease, { fireAt, payload: { monitor: id } });
    if (done === 'completed') report.checked++;
  }

  const inflight = new Set<Promise<void>>();
  const maxInflight = opts.maxInflight ?? 500;

  function start(t: ClaimedTimer<unknown>, report: MonitorRunReport): Promise<void> {
    const p: Promise<void> = runOne(t, report)
      .catch((e: unknown) => {
        opts.logger?.error(
          { err: e, tenant: t.tenant, timer: t.key },
          'monitor: the check failed to run; its claim runs out and it is run again',
        );
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
    return p;
  }

  /**
   * A round's checks run in parallel. In the loop they are not waited for: a slow check (up to two
   * timeouts) must not hold back the checks due meanwhile, and the claim keeps them from being
   * claimed again; at most maxInflight run at once. tick() without the loop waits for them.
   */
  async function runRound(claimed: ClaimedTimer<unknown>[], report: MonitorRunReport): Promise<void> {
    report.claimed += claimed.length;
    const started: Promise<void>[] = [];
    for (const t of claimed) {
      while (inflight.size >= maxInflight) await Promise.race(inflight);
      started.push(start(t, report));
    }
    if (!loop) await Promise.all(started);
  }

  const timers = timerLoop<MonitorRunReport>({
    store,
    clock,
    name: 'monitor runner',
    worker,
    kind: { keyPrefix: MONITOR_TIMER_PREFIX },
    leaseMs,
    batch: opts.batch ?? 200,
    maxRounds: 50,
    pollMs: opts.pollMs ?? 5_000,
    loop,
    ...(opts.logger ? { logger: opts.logger } : {}),
    report: () => ({ claimed: 0, checked: 0, events: 0, lateness: [], gaps: 0 }),
    run: runRound,
    busy: (r) => r.claimed > 0,
  });
  const notify = timers.notify;
  if (loop) wakers.add(notify);

  return {
    tick: timers.tick,
    notify,
    async stop() {
      wakers.delete(notify);
      await timers.stop();
      await Promise.allSettled([...inflight]);
    },
  };
}
