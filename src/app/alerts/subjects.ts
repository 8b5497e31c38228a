/**
 * Subjects of alerts as the shell sees them: a ticket clock cycle or a window of a target, turned
 * into the core's subject reports (clockReport, windowReport) with the instant each should be
 * looked at again, and one evaluation step over a batch of them (evaluateAlerts) turned into a
 * store change set. Used after events (alertChangesFor, in the derived results' transaction) and
 * when time passes (the scheduler).
 *
 * Invariants:
 * - A report is made from a clock or a window computed as of the same `now` the step evaluates
 *   at: a level is due on the live clock only (isClockLevelDue), so a clock paused at 74% holds no
 *   75% warning, whatever an earlier schedule said.
 * - `current` holds, for every subject reported, the latest alert of each of its levels
 *   (resolved ones too: a one-off announced once is never announced again) and every active
 *   alert of the subject. The latest alert of a level is found by its id, which is derived from
 *   (dedupe key, occurrence): occurrences 1, 2, 3... are looked up by primary key until one is
 *   missing. Lookups are per level and indexed; nothing lists the tenant's alert history.
 * - Each subject gets one timer (records.ts): the earliest of its next threshold instant (a running
 *   clock's next level on its calendar; a window's windowWakeAt) and the step's wake-up for it
 *   (quiet time or silence ending). None: the timer is cancelled.
 */
import { evaluateAgreement, clockTargetsOf } from '../../core/agreements/evaluate.ts';
import type { TargetSpecDoc } from '../../core/agreements/schema.ts';
import { ticketBook, type TicketBook } from '../../core/agreements/tickets.ts';
import { badItems, windowHealth, windowWakeAt, type Meter, type WindowHealth } from '../../core/alerts/health.ts';
import { alertId, dedupeKey, subjectKey } from '../../core/alerts/keys.ts';
import { projectKpi } from '../../core/alerts/projection.ts';
import { clockReport, windowReport } from '../../core/alerts/reports.ts';
import { routesOf } from '../../core/alerts/routing.ts';
import { nextClockInstant } from '../../core/alerts/thresholds.ts';
import { evaluateAlerts, wakeAtOf } from '../../core/alerts/evaluate.ts';
import type { AgreementRoutes, Alert, AlertSubject, Matcher, QuietPolicy, Silence, SubjectReport } from '../../core/alerts/types.ts';
import type { BusinessCalendar } from '../../core/calendar/types.ts';
import type { ClockResult, ClockTarget } from '../../core/clock/types.ts';
import type { PledgeEvent, Timed } from '../../core/events/schema.ts';

type KpiEvent = Extract<PledgeEvent, { type: 'kpi.reported' }>;
import { resolveWindow } from '../../core/metrics/window.ts';
import type { AlertChangeSet, Store, TenantId, TimerInput } from '../../store/types.ts';
import type { Measured } from '../derive.ts';
import { afterStep, changesOf, fromStored, timerFor, timerKeyOf } from './records.ts';

/** An agreement ready to be watched: its terms, routes, clock targets (with their calendars) and quiet hours. */
export interface Watched {
  m: Measured;
  routes: AgreementRoutes;
  clockTargets: Map<string, ClockTarget>;
  /** `support.quietHours` with its calendar compiled; none: nothing is held back. */
  quiet: QuietPolicy | undefined;
}

/**
 * The agreement's quiet-time policy on its own compiled calendar. The loader refuses a calendar
 * name the agreement does not declare and an agreement whose calendars do not compile is not
 * measured, so the calendar is always there; were it not, nothing is held (a notice sent during
 * the night is better than one never sent).
 */
function quietPolicyOf(m: Measured): QuietPolicy | undefined {
  const q = m.terms.support?.quietHours;
  const calendar = q ? m.calendars.get(q.calendar) : undefined;
  return q && calendar ? { calendar, urgent: q.urgent, urgentMedia: q.urgentMedia } : undefined;
}

const watchedCache = new WeakMap<Measured, Watched>();

export function watchedOf(m: Measured): Watched {
  let w = watchedCache.get(m);
  if (!w) {
    w = {
      m,
      routes: routesOf(m.terms),
      clockTargets: new Map(clockTargetsOf(m.terms, m.calendars).map((t) => [t.name, t])),
      quiet: quietPolicyOf(m),
    };
    watchedCache.set(m, w);
  }
  return w;
}

/** The agreement routes alerts of at least one window target (its windows need its events and book). */
export function watchesWindows(m: Measured): boolean {
  return Object.values(watchedOf(m).routes.targets).some((r) => r !== undefined && r.window.length > 0);
}

/** One subject to evaluate: its report and when it should be looked at again without new facts. */
export interface SubjectStep {
  report: SubjectReport;
  next: number | null;
}

/** A ticket clock as of `now`: its report and its next threshold instant (none when paused or stopped). */
export function clockStep(w: Watched, clock: ClockResult, now: number): SubjectStep | null {
  const route = w.routes.targets[clock.target];
  const ct = w.clockTargets.get(clock.target);
  if (!route || !ct || route.clock.length === 0) return null;
  const calendar = ct.calendar;
  const report = clockReport({ agreement: w.m.id, clock, calendar }, route, now);
  const next = nextClockInstant(
    clock,
    route.clock.map((l) => l.level),
    calendar,
    now,
  );
  return { report, next: next?.at ?? null };
}

/** The events an agreement measures, with its ticket book, computed once per list of events. */
export interface Measurement {
  /**
   * The agreement's events. Measured with the book, only its events of no ticket (book.others) are
   * looked at, so a caller holding a book may give those alone.
   */
  mine: readonly Timed[];
  book: TicketBook;
}

export function measurementOf(w: Watched, mine: readonly Timed[]): Measurement {
  return { mine, book: ticketBook(mine, [...w.clockTargets.values()]) };
}

/**
 * A window target's health as of `now` over the window [from, to) labelled `label`, measured the
 * way the agreement measures it (evaluateAgreement on the agreement's events): the evaluation
 * itself, and a meter for the burn-rate and exhaustion lookbacks that counts exactly what the
 * target counts (exclusions, service hours, clock membership).
 */
export function windowHealthOf(
  w: Watched,
  target: TargetSpecDoc,
  window: { from: number; to: number; label: string },
  ms: Measurement,
  now: number,
): WindowHealth | null {
  const { m } = w;
  const terms = { ...m.terms, targets: [target] };
  const full = { from: window.from, to: window.to };
  const evalOver = (from: number, to: number, asOf: number) => {
    const rw = resolveWindow({ kind: 'range', from, to }, m.zone);
    if (!rw.ok) return null;
    return evaluateAgreement({
      terms,
      calendars: m.calendars,
      events: ms.mine,
      window: { ...rw.value, label: window.label },
      now: asOf,
      measured: true,
      book: ms.book,
      fullWindow: full,
    }).targets[0]!;
  };
  const r = evalOver(window.from, window.to, now);
  if (!r?.evaluation) return null;
  const ev = r.evaluation;
  const meter: Meter = (from, to) => {
    if (!(to > from)) return { bad: 0, total: 0 };
    const x = evalOver(from, to, to);
    if (!x) return { bad: 0, total: 0 };
    if (target.metric === 'availability')
      return x.availability ? { bad: x.availability.downtimeMs, total: x.availability.eligibleMs } : { bad: 0, total: 0 };
    const e = x.evaluation;
    if (e?.unit !== 'percent' || e.value === null) return { bad: 0, total: 0 };
    return { bad: badItems(e.value, e.sampleSize, e.comparator), total: e.sampleSize };
  };
  let calendar: BusinessCalendar | undefined;
  if (target.availability?.serviceHoursOnly && target.calendar) calendar = m.calendars.get(target.calendar);
  const projection =
    target.metric === 'kpi'
      ? (projectKpi({ evaluation: ev, observations: ms.book.others.filter((e): e is Timed<KpiEvent> => e.type === 'kpi.reported') })[0] ??
        null)
      : null;
  return windowHealth({
    evaluation: ev,
    target: target.id,
    now,
    meter,
    ...(calendar ? { calendar } : {}),
    projection,
    breachAt: r.firstBreachAt,
  });
}

/** A window of a target as of `now`: its report and when to look again (windowWakeAt). */
export function windowStep(
  w: Watched,
  targetId: string,
  window: { from: number; to: number; label: string },
  ms: Measurement,
  now: number,
): SubjectStep | null {
  const route = w.routes.targets[targetId];
  const target = w.m.terms.targets.find((t) => t.id === targetId);
  if (!route || !target || route.window.length === 0) return null;
  const health = windowHealthOf(w, target, window, ms, now);
  if (!health) return null;
  const report = windowReport({ agreement: w.m.id, health, zone: w.m.zone }, route, now);
  return { report, next: windowWakeAt(health, now) };
}

// ---------------------------------------------------------------------------------------------

/** The latest alert of one dedupe key (resolved or not), by its ids for occurrences 1, 2, 3... */
async function latestOf(store: Store, tenant: TenantId, key: string): Promise<Alert | undefined> {
  let found: Alert | undefined;
  for (let occ = 1; occ < 10_000; occ++) {
    const s = await store.getAlert(tenant, alertId(key, occ));
    if (!s) break;
    found = fromStored(s) ?? found;
  }
  return found;
}

/**
 * The alerts evaluation needs for these reports (see the header). `active`: the active alerts of
 * the reports' agreements by dedupe key, when the caller listed them (many subjects at once): then
 * only a level whose condition holds without an active alert is looked up by id.
 */
export async function currentFor(
  store: Store,
  tenant: TenantId,
  reports: readonly SubjectReport[],
  active?: ReadonlyMap<string, Alert>,
): Promise<Alert[]> {
  const out = new Map<string, Alert>();
  const subjects = new Set(reports.map((r) => subjectKey(r.subject)));
  if (active) for (const a of active.values()) if (subjects.has(a.subjectKey)) out.set(a.id, a);
  for (const r of reports) {
    for (const l of r.levels) {
      const key = dedupeKey(r.subject, l.level);
      if (active && (active.has(key) || l.condition === null)) continue;
      const a = await latestOf(store, tenant, key);
      if (a) out.set(a.id, a);
    }
  }
  return [...out.values()];
}

/** Every active alert the evaluation wrote for these agreements, by dedupe key. */
export async function activeAlerts(store: Store, tenant: TenantId, agreements: readonly string[]): Promise<Map<string, Alert>> {
  const out = new Map<string, Alert>();
  for (const agreementId of agreements) {
    let after: string | undefined;
    do {
      const page = await store.listAlerts(tenant, {
        agreementId,
        state: ['firing', 'acknowledged'],
        limit: 1000,
        ...(after ? { after } : {}),
      });
      for (const s of page.items) {
        const a = fromStored(s);
        if (a) out.set(a.dedupeKey, a);
      }
      after = page.next;
    } while (after);
  }
  return out;
}

/** The silences in force at `now`, as the core reads them (matchers stored as the core's). */
export async function silencesAt(store: Store, tenant: TenantId, now: number): Promise<Silence[]> {
  const out: Silence[] = [];
  let after: string | undefined;
  do {
    const page = await store.listSilences<Matcher[]>(tenant, { activeAt: now, limit: 1000, ...(after ? { after } : {}) });
    for (const s of page.items) {
      if (!Array.isArray(s.matchers)) continue;
      out.push({
        id: s.id,
        matchers: s.matchers,
        startsAt: s.startsAt,
        endsAt: s.expiredAt ?? s.endsAt,
        createdBy: s.createdBy,
        comment: s.comment ?? '',
      });
    }
    after = page.next;
  } while (after);
  return out;
}

export interface StepOutcome {
  changes: AlertChangeSet;
  /** Per subject key: its timer's instant (null: cancelled). */
  timers: Map<string, { subject: AlertSubject; at: number | null }>;
}

/** The quiet-time policy of each agreement, by id, from the measured agreements (watchedOf). */
export function quietOf(measured: ReadonlyMap<string, Measured>): (agreement: string) => QuietPolicy | undefined {
  return (agreement) => {
    const m = measured.get(agreement);
    return m ? watchedOf(m).quiet : undefined;
  };
}

/**
 * One evaluation step over subjects: the alerts to open, update and resolve with their
 * notifications, and each subject's next instant (the earliest of its own and its alerts' wake-up,
 * which includes a held notification's quiet time ending). `timers: false` leaves timers out of
 * the change set (the scheduler completes its claimed ones). `quiet`: the agreements' quiet-time
 * policies (quietOf); every caller that evaluates passes it, or notifications ignore quiet hours.
 */
export function stepOf(
  steps: readonly SubjectStep[],
  current: readonly Alert[],
  silences: readonly Silence[],
  now: number,
  opts: { timers?: boolean; quiet?: (agreement: string) => QuietPolicy | undefined } = {},
): StepOutcome {
  const reports = steps.map((s) => s.report);
  const result = evaluateAlerts({ now, current, reports, silences, ...(opts.quiet ? { quiet: opts.quiet } : {}) });
  const after = afterStep(current, result);
  const bySubject = new Map<string, Alert[]>();
  for (const a of after) {
    const l = bySubject.get(a.subjectKey);
    if (l) l.push(a);
    else bySubject.set(a.subjectKey, [a]);
  }
  const timers = new Map<string, { subject: AlertSubject; at: number | null }>();
  for (const s of steps) {
    const key = timerKeyOf(s.report.subject);
    const wake = wakeAtOf(bySubject.get(key) ?? [], silences, now);
    const candidates = [s.next, wake].filter((t): t is number => t !== null && Number.isFinite(t) && t > now);
    timers.set(key, { subject: s.report.subject, at: candidates.length > 0 ? Math.min(...candidates) : null });
  }
  const schedule: TimerInput[] = [];
  const cancel: string[] = [];
  if (opts.timers !== false)
    for (const [key, t] of timers) {
      if (t.at === null) cancel.push(key);
      else schedule.push(timerFor(t.subject, t.at));
    }
  const alerts = changesOf(result);
  const changes: AlertChangeSet = {
    at: now,
    by: 'pledge',
    ...(alerts.length > 0 ? { alerts } : {}),
    ...(schedule.length > 0 || cancel.length > 0 ? { timers: { schedule, cancel } } : {}),
  };
  return { changes, timers };
}
