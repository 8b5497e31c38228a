/**
 * The one loop every timer worker runs (the alert scheduler, the report runner, the monitor
 * runner): claim the due timers of its kind, run them, sleep until its earliest timer or a wake-up,
 * and again. Each worker says which timers are its own by key prefix (`report:`, `monitor:`), or
 * by the prefixes it leaves to others (the alert scheduler), and what running a batch means.
 *
 * Invariants:
 * - Claims go through store.claimTimers (a lease and a fencing revision; FOR UPDATE SKIP LOCKED on
 *   PostgreSQL), so two loops, in one process or several, never hold one timer at once; a loop that
 *   dies leaves its claims to run out, and another takes them over.
 * - A worker never claims another kind's timer: the claim, and the look for the earliest timer,
 *   are filtered by the same kind, so the alert scheduler does not see report or monitor timers,
 *   and a report runner does not wake for alert timers.
 * - The sleep is until the earliest timer of the kind, of any tenant, as one store query
 *   (store.earliestTimer: its instant, or its lease's end while another holds it), capped by the
 *   poll interval, the safety net for timers written by other processes. When the earliest is due
 *   already after a pass: at once if the pass did something (more may be due), else shortly
 *   (HELD_RETRY_MS) rather than spin.
 * - One pass at a time: tick() while a pass runs waits for it and runs another.
 */
import type { ClaimedTimer, Store, TimerKindFilter } from '../store/types.ts';

/** A clock: the instant now, and a one-shot timer (cancelled by the returned function). */
export interface LoopClock {
  now(): number;
  setTimer(ms: number, fn: () => void): () => void;
}

/** The process's clock: Date.now and setTimeout (unref'd: a loop never keeps a process alive). */
export const systemClock: LoopClock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, 2_147_483_647)));
    t.unref?.();
    return () => clearTimeout(t);
  },
};

export interface LoopLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** How soon to look again when the earliest timer is due but was not claimed (held, or just written). */
export const HELD_RETRY_MS = 200;

export interface TimerLoopOptions<R> {
  store: Store;
  clock: LoopClock;
  /** Names the loop in logs ('scheduler', 'report runner', 'monitor runner'). */
  name: string;
  /** Names this worker in claims (e.g. host:pid). */
  worker: string;
  /** Which timers are this worker's. */
  kind: TimerKindFilter;
  leaseMs: number;
  /** Timers claimed per round; a round that claims fewer ends the pass. */
  batch: number;
  /** At most this many rounds per pass. */
  maxRounds: number;
  /** Longest sleep. */
  pollMs: number;
  /** Run the loop (false: tests call tick()). */
  loop: boolean;
  logger?: LoopLogger;
  /** A pass's report, fresh. */
  report(): R;
  /** Before claiming, each pass (the scheduler brings results up to date). */
  before?(report: R): Promise<void>;
  /** Runs one round's claimed timers; an error is logged and their claims run out. */
  run(claimed: ClaimedTimer<unknown>[], report: R): Promise<void>;
  /** Whether a pass did something: then a due earliest timer is looked at again at once. */
  busy(report: R): boolean;
  /** Something is waiting (signalled events): sleep not at all. */
  urgent?(): boolean;
}

export interface TimerLoop<R> {
  /** One pass: claim and run every due timer of the kind. */
  tick(): Promise<R>;
  /** Wake the loop now. */
  notify(): void;
  /** Stop the loop; resolves when a pass in progress has ended. */
  stop(): Promise<void>;
  /** Whether stop() was called (a long pass checks it between its steps). */
  stopped(): boolean;
}

export function timerLoop<R>(o: TimerLoopOptions<R>): TimerLoop<R> {
  const { store, clock } = o;
  let running: Promise<R> | null = null;
  let cancelSleep: (() => void) | null = null;
  let stopped = false;

  async function pass(): Promise<R> {
    const report = o.report();
    if (o.before) await o.before(report);
    for (let round = 0; round < o.maxRounds && !stopped; round++) {
      const claimed = await store.claimTimers<unknown>({
        worker: o.worker,
        at: clock.now(),
        leaseMs: o.leaseMs,
        limit: o.batch,
        ...o.kind,
      });
      if (claimed.length === 0) break;
      try {
        await o.run(claimed, report);
      } catch (e) {
        o.logger?.error(
          { err: e, timers: claimed.length },
          `${o.name}: running timers failed; their claims run out and they are tried again`,
        );
      }
      if (claimed.length < o.batch) break;
    }
    return report;
  }

  function tick(): Promise<R> {
    if (running) return running.then(() => tick());
    running = pass().finally(() => {
      running = null;
    });
    return running;
  }

  async function cycle(): Promise<void> {
    cancelSleep = null;
    if (stopped) return;
    let busy = false;
    try {
      busy = o.busy(await tick());
    } catch (e) {
      o.logger?.error({ err: e }, `${o.name}: pass failed`);
    }
    if (stopped) return;
    let wait = o.pollMs;
    try {
      const at = await store.earliestTimer(o.kind);
      const now = clock.now();
      if (at !== null) wait = at > now ? Math.min(o.pollMs, at - now) : busy ? 0 : Math.min(o.pollMs, HELD_RETRY_MS);
    } catch (e) {
      o.logger?.warn({ err: e }, `${o.name}: looking for the next timer failed; polling`);
    }
    if (!stopped && o.urgent?.()) wait = 0;
    if (!stopped) cancelSleep = clock.setTimer(wait, () => void cycle());
  }

  function notify(): void {
    if (!o.loop || stopped || !cancelSleep) return;
    cancelSleep();
    cancelSleep = clock.setTimer(0, () => void cycle());
  }

  if (o.loop) cancelSleep = clock.setTimer(0, () => void cycle());

  return {
    tick,
    notify,
    stopped: () => stopped,
    async stop() {
      stopped = true;
      cancelSleep?.();
      cancelSleep = null;
      if (running) await running.catch(() => undefined);
    },
  };
}
