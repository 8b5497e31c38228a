/**
 * The ticket clock engine: response and resolution clocks of one ticket, from its events, against
 * targets measured in business time. Pure: the events, the targets (with their calendars) and
 * `now` are arguments, and the result is the same for any arrival order of the events.
 *
 * Rules (docs/clocks.md explains them for service managers):
 * - A clock starts when the ticket is created. A response clock stops at the first
 *   ticket.responded, or at the resolution (or closing) if that comes first. A resolution clock
 *   stops at ticket.resolved, or at ticket.closed when the ticket is closed without a resolution.
 * - While the ticket's status is one of the target's pauseOn statuses the clock is paused: no time
 *   counts. Elapsed time = working time (target calendar) while running. pausedMs = working time
 *   that fell in pauses.
 * - Target: byPriority[priority], else duration; eod/wd durations become working ms at the start
 *   of the measurement (workingMs). A clock whose priority in force at its end has no duration is
 *   not reported as a result but listed in `skipped` with the reason.
 * - Breach: a clock is breached once its elapsed time exceeds the target in force (a clock that
 *   stops with elapsed exactly equal to the target is met). breachAt is the instant that target's
 *   working time ran out: the first instant elapsed reached it (a closing time rather than the
 *   next opening), but never before that target took effect. A breach is final for its cycle: a
 *   later priority change does not undo it, otherwise lowering the priority would erase a broken
 *   promise.
 * - Priority change, keep_elapsed (default): the new priority's duration applies from the start of
 *   the cycle (an eod budget is taken at the cycle start), keeping the elapsed time. If the elapsed
 *   time already exceeds the new target, the clock is breached at the change instant: it was
 *   within the target in force until then. restart: elapsed and paused time restart at zero at
 *   the change, with the new priority's duration taken at the change; the time before it shows as
 *   a stopped segment. A change to the same priority changes nothing. A change that happens while
 *   a clock is stopped (resolved, awaiting a possible reopen) takes effect when it resumes, at the
 *   reopen instant.
 * - Reopen, continue (default): the resolution clock resumes the same cycle at the reopen; the
 *   time from resolution to reopen is not counted (a stopped segment). A response clock is not
 *   resumed: its first stop is final. new_cycle: the cycle is final at the resolution, and a new
 *   cycle starts at the reopen, for response clocks too (stopping at the next response).
 * - Deadline: the instant the target's working time is (or was) used up, given the pauses known so
 *   far. Breached: breachAt. Running: now + remaining working time. Paused: computed as if the
 *   pause ended now (so it moves on while the pause lasts, and is never Infinity because of a
 *   pause). Stopped and met: the instant the remaining time would have run out had the clock not
 *   stopped (how much margin there was). Infinity only when the calendar has no working time left.
 * - State: stopped -> met, or breached when a breach happened (elapsed <= target is met, exactly
 *   equal included). Running or paused -> breached if a breach happened, else at_risk when
 *   consumed >= the lowest warnAt share (default 0.75; checked before paused, so a paused clock
 *   that is nearly used up is at_risk), else paused, else running.
 * - As of now: events stamped after `now` are left out, so any past state can be recomputed.
 *
 * Cost: per target one pass over the ticket's events; calendar calls (elapsed/addWorking, O(log n))
 * only when the clock changes phase or priority, stops, and at the end. Without explain, a clock
 * allocates its result and its list of event ids and nothing per segment.
 */
import type { TicketEvent, Timed } from '../events/schema.ts';
import type { BusinessCalendar } from '../calendar/types.ts';
import { workingMs, type WorkDuration } from '../time/duration.ts';
import type { ClockKind, ClockResult, ClockSegment, ClockState, ClockTarget, TicketSummary } from './types.ts';
import { OPEN, effectiveAt, lifecycleAfter, prepareTicket, type Lifecycle, type PreparedTicket, type TicketIssue } from './order.ts';
import { summarizePrepared } from './summary.ts';
import { pushRunning, pushSegment } from './explain.ts';

export interface EvaluateOptions {
  /** Attach each clock's timeline (segments). Costs allocation; leave off for batch runs. */
  explain?: boolean;
}

export type SkipReason =
  /** The ticket has no ticket.created event, or it is created after now: its clocks have no start. */
  | 'no_created_event'
  /** The priority in force has no duration in byPriority and the target has no default duration. */
  | 'no_target_for_priority'
  /** The duration gave no usable number of working ms (negative or not a number). */
  | 'invalid_target'
  /** `now` is not a finite instant. */
  | 'invalid_now';

/** A clock that was not computed, and why. Explicit so a report can count and show them. */
export interface SkippedClock {
  ticket: string;
  target: string;
  kind: ClockKind;
  cycle: number;
  priority: string | null;
  reason: SkipReason;
  message: string;
}

export interface TicketEvaluation {
  /** As of `now`: built from the same events as the clocks. */
  summary: TicketSummary;
  /** Per target in the order given, then per cycle. */
  clocks: ClockResult[];
  skipped: SkippedClock[];
  /** Problems found in the events (ignored or adjusted events), independent of arrival order. */
  issues: TicketIssue[];
}

/** Summary of a ticket from all its events (any order, duplicates allowed). */
export function summarizeTicket(events: ReadonlyArray<Timed<TicketEvent>>): TicketSummary {
  return summarizePrepared(prepareTicket(events));
}

/** Summary, clocks, skipped clocks and issues of one ticket as of `now` (epoch ms). */
export function evaluateTicket(
  events: ReadonlyArray<Timed<TicketEvent>>,
  targets: ReadonlyArray<ClockTarget>,
  now: number,
  opts: EvaluateOptions = {},
): TicketEvaluation {
  const prep = prepareTicket(events, Number.isFinite(now) ? now : Infinity);
  const issues = prep.issues;
  const summary = summarizePrepared(prep, issues);
  const clocks: ClockResult[] = [];
  const skipped: SkippedClock[] = [];
  clocksOf(prep, targets, now, opts.explain === true, clocks, skipped);
  return { summary, clocks, skipped, issues };
}

/** The clocks of one ticket as of `now`; see evaluateTicket for the skipped ones and the issues. */
export function computeClocks(
  events: ReadonlyArray<Timed<TicketEvent>>,
  targets: ReadonlyArray<ClockTarget>,
  now: number,
  opts: EvaluateOptions = {},
): ClockResult[] {
  const prep = prepareTicket(events, Number.isFinite(now) ? now : Infinity);
  const clocks: ClockResult[] = [];
  clocksOf(prep, targets, now, opts.explain === true, clocks, []);
  return clocks;
}

/** The clocks of an already prepared ticket (for callers that also need the prepared stream). */
export function clocksOf(
  prep: PreparedTicket,
  targets: ReadonlyArray<ClockTarget>,
  now: number,
  explain: boolean,
  out: ClockResult[],
  skipped: SkippedClock[],
): void {
  for (const target of targets) {
    if (!Number.isFinite(now)) {
      skipped.push({
        ticket: prep.ticket,
        target: target.name,
        kind: target.kind,
        cycle: 1,
        priority: null,
        reason: 'invalid_now',
        message: `now is not a valid instant (${String(now)})`,
      });
      continue;
    }
    if (!prep.created) {
      skipped.push({
        ticket: prep.ticket,
        target: target.name,
        kind: target.kind,
        cycle: 1,
        priority: null,
        reason: 'no_created_event',
        message: prep.createdLater
          ? 'the ticket is created after now'
          : 'the ticket has no ticket.created event, so its clocks have no start',
      });
      continue;
    }
    runTarget(prep, target, now, explain, out, skipped);
  }
}

function runTarget(
  prep: PreparedTicket,
  target: ClockTarget,
  now: number,
  explain: boolean,
  out: ClockResult[],
  skipped: SkippedClock[],
): void {
  const created = prep.created!;
  const createdAt = created.atMs;
  const run = new ClockRun(prep.ticket, prep.source, target, now, explain, out, skipped, created.status ?? null, created.priority ?? null);
  run.startCycle(createdAt, created.id);
  let life: Lifecycle = OPEN;
  const events = prep.events;
  // events[0] is the creation (prepareTicket guarantees it when `created` is set).
  for (let i = 1; i < events.length; i++) {
    const e = events[i]!;
    switch (e.type) {
      case 'ticket.status_changed':
        run.onStatus(effectiveAt(e, createdAt), e.status, e.id);
        break;
      case 'ticket.priority_changed':
        run.onPriority(effectiveAt(e, createdAt), e.priority, e.id);
        break;
      case 'ticket.responded':
        run.onResponded(effectiveAt(e, createdAt), e.id);
        break;
      case 'ticket.resolved':
      case 'ticket.closed':
      case 'ticket.reopened': {
        const next = lifecycleAfter(life, e.type);
        if (next === -1) break; // reported once, by the summary
        const t = effectiveAt(e, createdAt);
        if (e.type === 'ticket.reopened') run.onReopen(t, e.id);
        else if (life === OPEN) run.onEnd(t, e.type === 'ticket.resolved' ? 'resolved' : 'closed', e.id);
        life = next;
        break;
      }
      default:
        break;
    }
  }
  run.finish();
}

const RUNNING = 0;
const PAUSED = 1;
const STOPPED = 2;
type Phase = typeof RUNNING | typeof PAUSED | typeof STOPPED;

/** Target ms sentinels: no duration for the priority; a duration that gave no usable number. */
const NO_TARGET = -1;
const BAD_TARGET = -2;

function durationFor(t: ClockTarget, priority: string | null): WorkDuration | undefined {
  // hasOwnProperty: a priority named "constructor" must not find Object.prototype's.
  if (priority !== null && t.byPriority && Object.hasOwn(t.byPriority, priority)) return t.byPriority[priority];
  return t.duration;
}

function lowestWarn(warnAt: number[] | undefined): number {
  if (warnAt === undefined) return 0.75;
  let w = Infinity;
  for (const x of warnAt) if (typeof x === 'number' && x >= 0 && x < w) w = x;
  return w; // Infinity: never at_risk (an empty or unusable list)
}

/**
 * One target's clock over one ticket, cycle by cycle. Invariants between calls:
 * - `since` is the instant up to which elapsed/paused time (and segments) have been accounted;
 * - breachAt === null implies e <= T whenever T >= 0 (a breach is recorded as soon as it happens);
 * - breachAt === null and e === T >= 0 imply fullAt !== null: the instant the time ran out, no
 *   earlier than the instant the target took effect. Keeping it makes breachAt and the deadline
 *   independent of where the timeline happens to be split by events: a clock whose time runs out
 *   exactly at a closing time or when a pause begins has breachAt at that instant, whatever
 *   events follow before the next counted millisecond.
 * - `status` and `priority` are the ticket's current ones; `clockPriority` is the one the clock
 *   has applied (they differ only while the clock is stopped).
 */
class ClockRun {
  private readonly cal: BusinessCalendar;
  private readonly pauseOn: readonly string[];
  private readonly restart: boolean;
  private readonly newCycle: boolean;
  private readonly response: boolean;
  private cycle = 0;
  private cycleStart = 0;
  private phase: Phase = RUNNING;
  private since = 0;
  private e = 0;
  private p = 0;
  private T = NO_TARGET;
  private breachAt: number | null = null;
  /** Leftmost instant at which e reached exactly T under the target in force (see advance). */
  private fullAt: number | null = null;
  private stopAt: number | null = null;
  private stopReason = '';
  private pauseReason = '';
  private clockPriority: string | null = null;
  private pendingPriorityId: string | null = null;
  private ids: string[] = [];
  private segs: ClockSegment[] | null = null;

  constructor(
    private readonly ticket: string,
    private readonly source: string,
    private readonly target: ClockTarget,
    private readonly now: number,
    private readonly explain: boolean,
    private readonly out: ClockResult[],
    private readonly skipped: SkippedClock[],
    private status: string | null,
    private priority: string | null,
  ) {
    this.cal = target.calendar;
    this.pauseOn = target.pauseOn ?? [];
    this.restart = target.onPriorityChange === 'restart';
    this.newCycle = target.onReopen === 'new_cycle';
    this.response = target.kind === 'response';
  }

  private isPause(status: string | null): boolean {
    return status !== null && this.pauseOn.includes(status);
  }

  startCycle(t: number, id: string): void {
    this.cycle++;
    this.cycleStart = t;
    this.since = t;
    this.e = 0;
    this.p = 0;
    this.breachAt = null;
    this.stopAt = null;
    this.stopReason = '';
    this.clockPriority = this.priority;
    this.pendingPriorityId = null;
    this.ids = [id];
    this.segs = this.explain ? [] : null;
    this.setTarget(t);
    this.fullAt = this.T === 0 ? t : null;
    this.phase = this.isPause(this.status) ? PAUSED : RUNNING;
    this.pauseReason = this.status ?? '';
  }

  /** Target in force for clockPriority, with eod budgets taken at `from`. */
  private setTarget(from: number): void {
    const d = durationFor(this.target, this.clockPriority);
    if (d === undefined) {
      this.T = NO_TARGET;
      return;
    }
    const ms = workingMs(d, this.cal, from);
    this.T = ms >= 0 ? ms : BAD_TARGET; // NaN fails the test too
  }

  /** Accounts [since, t) in the current phase. */
  private advance(t: number): void {
    const a = this.since;
    if (!(t > a)) return;
    if (this.phase === RUNNING) {
      const d = this.cal.elapsed(a, t);
      const T = this.T;
      if (this.breachAt === null && T >= 0) {
        const left = T - this.e;
        // addWorking gives the leftmost instant the remaining time is used up (a closing time
        // rather than the next opening); when none was left at `a` it ran out earlier, at fullAt.
        if (d > left) this.breachAt = left === 0 && this.fullAt !== null ? this.fullAt : this.cal.addWorking(a, left);
        else if (d === left && d > 0) this.fullAt = this.cal.addWorking(a, left);
      }
      this.e += d;
      if (this.segs) pushRunning(this.segs, this.cal, a, t);
    } else if (this.phase === PAUSED) {
      this.p += this.cal.elapsed(a, t);
      if (this.segs) pushSegment(this.segs, a, t, 'paused', 0, this.pauseReason);
    } else if (this.segs) {
      pushSegment(this.segs, a, t, 'stopped', 0, this.stopReason);
    }
    this.since = t;
  }

  onStatus(t: number, status: string, id: string): void {
    this.status = status;
    if (this.phase === STOPPED) return;
    const pause = this.isPause(status);
    if (!pause && this.phase === RUNNING) return;
    if (pause && this.phase === PAUSED && status === this.pauseReason) return;
    this.advance(t);
    this.phase = pause ? PAUSED : RUNNING;
    this.pauseReason = status;
    this.ids.push(id);
  }

  onPriority(t: number, priority: string, id: string): void {
    if (priority === this.priority) return;
    this.priority = priority;
    if (this.phase === STOPPED) {
      this.pendingPriorityId = id;
      return;
    }
    this.applyPriority(t, id);
  }

  private applyPriority(t: number, id: string | null): void {
    this.advance(t);
    const old = this.clockPriority;
    this.clockPriority = this.priority;
    if (id !== null) this.ids.push(id);
    if (this.restart) {
      this.e = 0;
      this.p = 0;
      if (this.segs) {
        this.segs.length = 0;
        pushSegment(this.segs, this.cycleStart, t, 'stopped', 0, `restarted: priority ${old ?? '(none)'} -> ${this.priority ?? '(none)'}`);
      }
      this.setTarget(t);
    } else {
      this.setTarget(this.cycleStart);
      if (this.breachAt === null && this.T >= 0 && this.e > this.T) this.breachAt = t;
    }
    // Under the new target the time can only have run out at the change itself, not before.
    this.fullAt = this.T >= 0 && this.e === this.T ? t : null;
  }

  onResponded(t: number, id: string): void {
    if (!this.response || this.phase === STOPPED) return;
    this.stop(t, 'responded', id);
  }

  onEnd(t: number, reason: 'resolved' | 'closed', id: string): void {
    if (this.phase === STOPPED) return;
    this.stop(t, reason, id);
  }

  private stop(t: number, reason: string, id: string): void {
    this.advance(t);
    this.phase = STOPPED;
    this.stopAt = t;
    this.stopReason = reason;
    this.ids.push(id);
  }

  onReopen(t: number, id: string): void {
    // A reopen follows a resolution or closing, which stopped every clock of the ticket.
    if (this.phase !== STOPPED) return;
    if (this.newCycle) {
      this.emit();
      this.startCycle(t, id);
      return;
    }
    if (this.response) return; // continue mode: a response clock's first stop is final
    this.advance(t); // the stopped stretch, for explain
    this.phase = this.isPause(this.status) ? PAUSED : RUNNING;
    this.pauseReason = this.status ?? '';
    this.stopAt = null;
    this.ids.push(id);
    if (this.clockPriority !== this.priority) {
      const pid = this.pendingPriorityId;
      this.pendingPriorityId = null;
      if (pid !== null) this.ids.push(pid);
      this.applyPriority(t, null);
    }
  }

  finish(): void {
    if (this.phase !== STOPPED) this.advance(this.now);
    this.emit();
  }

  /** Appends the current cycle's result (or its skip). */
  private emit(): void {
    const T = this.T;
    if (T < 0) {
      const pr = this.clockPriority;
      this.skipped.push({
        ticket: this.ticket,
        target: this.target.name,
        kind: this.target.kind,
        cycle: this.cycle,
        priority: pr,
        reason: T === NO_TARGET ? 'no_target_for_priority' : 'invalid_target',
        message:
          T === NO_TARGET
            ? pr === null
              ? 'the ticket has no priority and the target has no default duration'
              : `no duration for priority ${JSON.stringify(pr)} and no default duration`
            : `the duration for priority ${JSON.stringify(pr)} gives no usable working time`,
      });
      return;
    }
    const e = this.e;
    const stopped = this.phase === STOPPED;
    const breachAt = this.breachAt;
    const remaining = T - e;
    let deadline: number;
    if (breachAt !== null) deadline = breachAt;
    else if (remaining === 0 && this.fullAt !== null) deadline = this.fullAt;
    else if (remaining === Infinity) deadline = Infinity;
    else deadline = this.cal.addWorking(stopped ? this.stopAt! : this.now, remaining);
    const consumed = T > 0 ? e / T : e > 0 ? Infinity : 1;
    let state: ClockState;
    if (stopped) state = breachAt !== null ? 'breached' : 'met';
    else if (breachAt !== null) state = 'breached';
    else if (consumed >= lowestWarn(this.target.warnAt)) state = 'at_risk';
    else state = this.phase === PAUSED ? 'paused' : 'running';
    const r: ClockResult = {
      ticket: this.ticket,
      target: this.target.name,
      kind: this.target.kind,
      cycle: this.cycle,
      priority: this.clockPriority,
      start: this.cycleStart,
      stop: stopped ? this.stopAt : null,
      elapsedMs: e,
      pausedMs: this.p,
      targetMs: T,
      deadline,
      state,
      phase: stopped ? 'stopped' : this.phase === PAUSED ? 'paused' : 'running',
      consumed,
      breachAt,
      eventIds: this.ids,
    };
    if (this.source) r.source = this.source;
    if (this.segs) r.segments = this.segs;
    this.out.push(r);
  }
}
