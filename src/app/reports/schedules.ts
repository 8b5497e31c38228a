/**
 * Report schedules as a resource: create or replace, read, delete, and "run this period now".
 * What a schedule says is core/reports/schedule.ts; running it is runner.ts.
 *
 * Invariants:
 * - A stored schedule is valid: its spec parsed, its agreement existing (for one agreement), its
 *   channel an e-mail channel of the tenant, when it was stored. (A channel deleted later fails the
 *   deliveries, saying why, as any notification to a missing channel does.)
 * - An enabled schedule has exactly one timer `report:<id>` at its next occurrence, written in the
 *   same transaction as the schedule; a disabled one has none. Changing the schedule moves the
 *   timer (a claim of the old one becomes stale, so the old instant cannot complete over the new).
 * - Running a period by hand schedules `report:<id>@<period>` now: the same runner, the same claim,
 *   the same exactly-once per (schedule, period, recipient): recipients who had that period's
 *   e-mail do not get a second one (replay its notification for that).
 */
import { nextOccurrence, parseReportScheduleSpec, type ReportScheduleSpec } from '../../core/reports/schedule.ts';
import { fail, ok, type Result } from '../../core/validation/issues.ts';
import {
  REPORT_TIMER_PREFIX,
  type AuditInput,
  type Store,
  type StoredReportSchedule,
  type TenantId,
  type TimerInput,
} from '../../store/types.ts';
import { measuredAgreements } from '../derive.ts';
import { reportPeriodLabel } from '../service-report.ts';

export interface ScheduleContext {
  store: Store;
  tenant: TenantId;
  now: number;
  actor: string;
}

/** What a schedule's timer carries: the schedule and the period its instant reports. */
export interface ReportTimerPayload {
  schedule: string;
  period: string;
}

export function isReportTimerPayload(p: unknown): p is ReportTimerPayload {
  const x = p as Partial<ReportTimerPayload> | null;
  return typeof x === 'object' && x !== null && typeof x.schedule === 'string' && typeof x.period === 'string';
}

export const scheduleTimerKey = (id: string): string => `${REPORT_TIMER_PREFIX}${id}`;
export const runTimerKey = (id: string, period: string): string => `${REPORT_TIMER_PREFIX}${id}@${period}`;

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The zone a schedule's day and time are in: its own, else its agreement's, else UTC. */
export async function scheduleZone(store: Store, tenant: TenantId, spec: ReportScheduleSpec): Promise<string> {
  if (spec.zone) return spec.zone;
  if (spec.agreement === undefined) return 'UTC';
  const m = (await measuredAgreements(store, tenant)).measured.find((x) => x.id === spec.agreement);
  return m?.zone ?? 'UTC';
}

/** The timer of an enabled schedule's next occurrence after `after`, or null when disabled. */
export async function nextTimer(
  store: Store,
  tenant: TenantId,
  id: string,
  spec: ReportScheduleSpec,
  after: number,
): Promise<TimerInput<ReportTimerPayload> | null> {
  if (!spec.enabled) return null;
  const o = nextOccurrence(spec, await scheduleZone(store, tenant, spec), after);
  return { key: scheduleTimerKey(id), fireAt: o.at, payload: { schedule: id, period: o.period } };
}

export type SchedulePut =
  | { status: 'created' | 'updated'; schedule: StoredReportSchedule<ReportScheduleSpec> }
  | { status: 'stale'; current?: StoredReportSchedule<ReportScheduleSpec> };

export async function putReportSchedule(
  ctx: ScheduleContext,
  input: { id: string; spec: unknown; ifMatch?: string | null },
): Promise<Result<SchedulePut>> {
  const { store, tenant, now, actor } = ctx;
  if (!ID.test(input.id))
    return fail({
      path: 'id',
      message: 'expected 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
      received: JSON.stringify(input.id),
    });
  const parsed = parseReportScheduleSpec(input.spec);
  if (!parsed.ok) return parsed;
  const spec = parsed.value;
  if (spec.agreement !== undefined && !(await store.getAgreement(tenant, spec.agreement)))
    return fail({ path: 'agreement', message: `no agreement ${spec.agreement}`, received: JSON.stringify(spec.agreement) });
  const channel = await store.getChannel(tenant, spec.channel);
  if (!channel)
    return fail({
      path: 'channel',
      message: `no channel ${spec.channel}: create it with PUT /v1/channels/{id}`,
      received: JSON.stringify(spec.channel),
    });
  if (channel.kind !== 'email')
    return fail({
      path: 'channel',
      message: `the channel ${spec.channel} is a ${channel.kind} channel: reports are sent by e-mail`,
      expected: 'an e-mail channel',
      received: JSON.stringify(spec.channel),
    });
  const timer = await nextTimer(store, tenant, input.id, spec, now);
  const audit: AuditInput = { at: now, actor, action: 'report-schedule.put', subject: `report-schedule:${input.id}`, after: spec };
  const r = await store.putReportSchedule<ReportScheduleSpec>(
    tenant,
    { id: input.id, spec, at: now, by: actor },
    timer,
    input.ifMatch,
    audit,
  );
  return ok(r);
}

export interface ScheduleView {
  schedule: StoredReportSchedule<ReportScheduleSpec>;
  /** The next occurrence (null when disabled) and runs asked for by hand that have not run yet. */
  next: { at: number; period: string } | null;
  pending: Array<{ at: number; period: string }>;
}

/** A schedule with when it runs next. */
export async function viewReportSchedule(
  store: Store,
  tenant: TenantId,
  s: StoredReportSchedule<ReportScheduleSpec>,
): Promise<ScheduleView> {
  const t = await store.getTimer<ReportTimerPayload>(tenant, scheduleTimerKey(s.id));
  const pending: ScheduleView['pending'] = [];
  let after: string | undefined;
  // Runs by hand are few; the tenant's timers are read a page at a time only up to them.
  do {
    const page = await store.listTimers<unknown>(tenant, { limit: 1000, ...(after ? { after } : {}) });
    for (const x of page.items)
      if (x.key.startsWith(`${scheduleTimerKey(s.id)}@`) && isReportTimerPayload(x.payload))
        pending.push({ at: x.fireAt, period: x.payload.period });
    after = page.next;
  } while (after);
  return { schedule: s, next: t && isReportTimerPayload(t.payload) ? { at: t.fireAt, period: t.payload.period } : null, pending };
}

export type RunRequested = { status: 'scheduled'; at: number; period: string } | { status: 'not_found' };

/** Runs a period now (a missed period, or one whose e-mails were not all recorded): its own timer, due now. */
export async function runReportSchedule(ctx: ScheduleContext, input: { id: string; period: string }): Promise<Result<RunRequested>> {
  const { store, tenant, now, actor } = ctx;
  const label = reportPeriodLabel(input.period);
  if (!label.ok) return label;
  const s = await store.getReportSchedule<ReportScheduleSpec>(tenant, input.id);
  if (!s) return ok({ status: 'not_found' });
  const kind = /Q/.test(label.value) ? 'quarter' : label.value.length === 4 ? 'year' : 'month';
  if (kind !== s.spec.every)
    return fail({
      path: 'period',
      message: `the schedule reports a ${s.spec.every}, not a ${kind}`,
      expected: s.spec.every === 'month' ? 'e.g. 2026-10' : s.spec.every === 'quarter' ? 'e.g. 2026-Q3' : 'e.g. 2026',
      received: JSON.stringify(input.period),
    });
  await store.scheduleTimers(tenant, [
    { key: runTimerKey(input.id, label.value), fireAt: now, payload: { schedule: input.id, period: label.value } },
  ]);
  await store.appendAudit(tenant, {
    at: now,
    actor,
    action: 'report-schedule.run',
    subject: `report-schedule:${input.id}`,
    after: { period: label.value },
  });
  return ok({ status: 'scheduled', at: now, period: label.value });
}
