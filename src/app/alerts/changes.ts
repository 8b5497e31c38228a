/**
 * alertChangesFor: the alerts, notifications and timers that derived results just computed from
 * events imply, as one change set for the same replaceDerived transaction (the outbox: written
 * with the results under their generation and watermark guard, or not at all).
 *
 * Invariants:
 * - Only what the caller computed is reported: the clock rows given (the touched tickets' clocks
 *   after a refresh, every clock after a rebuild) and the windows of the compliance rows given
 *   that contain `now`. Subjects not reported keep their alerts as they are (the evaluation is
 *   incremental in the subjects that changed); their own timers bring them back when time passes.
 * - Rows and `now` agree: the rows were computed as of `now`, so every level is judged on the live
 *   clock or window, and every running clock's timer is its next level's exact instant on its
 *   calendar (nextClockInstant), every open window's its windowWakeAt. A paused or stopped clock
 *   has no timer: its timer is cancelled (a later event that resumes it schedules it again).
 * - A rebuild (`everything`) reports every clock, which would announce every breach of the
 *   tenant's history after, say, an agreement change: clocks that stopped more than HORIZON_MS
 *   before `now` are reported only when they have an active alert (to resolve it). A refresh
 *   reports its touched tickets whatever their age: a late event that breaches an old ticket is
 *   news.
 * - Windows need the agreement's events for their burn rates and exhaustion (the meters count what
 *   the target counts). Without `events`, windows are not evaluated here: their timer is set to
 *   `now` and the scheduler evaluates them at once, in its own transaction.
 * - Quiet hours (`support.quietHours`, quietOf) apply here as in the scheduler: a non-urgent
 *   notification outside working time is held, and its subject's timer is its quiet time's end.
 * - `measurements`: the agreements' events and ticket books the rows were computed from, given by
 *   the caller that computed them (derive.ts), so a window is judged on the same book: the tickets'
 *   clocks already evaluated as of `now`, and their final evaluations, are not computed again, and
 *   the agreement's events are not filtered out of the tenant's again. An agreement without one is
 *   measured here from `events`.
 */
import { eventsOf } from '../../core/agreements/evaluate.ts';
import type { ClockResult } from '../../core/clock/types.ts';
import type { Timed } from '../../core/events/schema.ts';
import type { TargetEvaluation } from '../../core/metrics/compliance.ts';
import { subjectKey } from '../../core/alerts/keys.ts';
import type { Alert, AlertSubject } from '../../core/alerts/types.ts';
import type { AlertChangeSet, ClockRow, ComplianceRow, Store, TenantId } from '../../store/types.ts';
import type { Measured } from '../derive.ts';
import { timerFor } from './records.ts';
import {
  activeAlerts,
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

/** How far back a rebuild announces clocks that stopped (see the header). */
export const HORIZON_MS = 24 * 3_600_000;

/** Above this many clocks, active alerts are listed per agreement instead of looked up per level. */
const LIST_ABOVE = 500;

export interface AlertChangesInput {
  store: Store;
  tenant: TenantId;
  now: number;
  /** The agreements the rows belong to (measuredAgreements). */
  measured: readonly Measured[];
  clocks: readonly ClockRow[];
  compliance: readonly ComplianceRow[];
  /** The tenant's events the rows were computed from, for the windows' meters (see the header). */
  events?: readonly Timed[];
  /** The rows are every derived row of the tenant (a rebuild). */
  everything?: boolean;
  /** Per agreement id: the events and ticket book the rows were computed from (see the header). */
  measurements?: ReadonlyMap<string, Measurement>;
}

export async function alertChangesFor(input: AlertChangesInput): Promise<AlertChangeSet> {
  const { store, tenant, now } = input;
  const byId = new Map(input.measured.map((m) => [m.id, m]));
  const list = input.everything === true || input.clocks.length > LIST_ABOVE;
  const involved = new Set<string>();
  for (const r of input.clocks) if (byId.has(r.agreementId)) involved.add(r.agreementId);
  for (const r of input.compliance) if (byId.has(r.agreementId)) involved.add(r.agreementId);
  const none: AlertChangeSet = { at: now, by: 'pledge' };
  if (involved.size === 0) return none;
  const active = list ? await activeAlerts(store, tenant, [...involved]) : undefined;
  const activeSubjects = new Set<string>();
  for (const a of active?.values() ?? []) activeSubjects.add(a.subjectKey);

  const steps: SubjectStep[] = [];
  for (const row of input.clocks) {
    const m = byId.get(row.agreementId);
    if (!m) continue;
    const clock = row.value as ClockResult;
    if (input.everything && clock.stop !== null && clock.stop < now - HORIZON_MS) {
      const s: AlertSubject = {
        kind: 'clock',
        agreement: m.id,
        target: clock.target,
        source: clock.source ?? '',
        ticket: clock.ticket,
        cycle: clock.cycle,
      };
      if (!activeSubjects.has(subjectKey(s))) continue;
    }
    const step = clockStep(watchedOf(m), clock, now);
    if (step) steps.push(step);
  }

  const deferred: AlertSubject[] = [];
  const measurements = new Map<string, Measurement>(input.measurements ?? []);
  for (const row of input.compliance) {
    const m = byId.get(row.agreementId);
    const ev = row.value as TargetEvaluation;
    if (!m || !ev?.window || !(ev.window.from <= now && now < ev.window.to)) continue;
    const w = watchedOf(m);
    if (!w.routes.targets[row.target]?.window.length) continue;
    const window = { from: ev.window.from, to: ev.window.to, label: row.window };
    if (!input.events) {
      deferred.push({ kind: 'window', agreement: m.id, target: row.target, window: row.window, from: window.from, to: window.to });
      continue;
    }
    let ms = measurements.get(m.id);
    if (!ms) {
      ms = measurementOf(w, eventsOf(m.terms, input.events));
      measurements.set(m.id, ms);
    }
    const step = windowStep(w, row.target, window, ms, now);
    if (step) steps.push(step);
  }

  if (steps.length === 0 && deferred.length === 0) return none;
  const reports = steps.map((s) => s.report);
  const current: Alert[] = steps.length > 0 ? await currentFor(store, tenant, reports, active) : [];
  const silences = steps.length > 0 ? await silencesAt(store, tenant, now) : [];
  const { changes } = stepOf(steps, current, silences, now, { quiet: quietOf(byId) });
  if (deferred.length > 0) {
    const schedule = [...(changes.timers?.schedule ?? []), ...deferred.map((s) => timerFor(s, now))];
    changes.timers = { schedule, cancel: changes.timers?.cancel ?? [] };
  }
  return changes;
}
