/**
 * Reading agreement documents: syntax, schema, then the rules that span fields (a penalty names a
 * target that exists, a clock target has a clock, a calendar is declared...). Every problem is
 * reported at once, with its path, line and column.
 */
import { parseSourceText } from '../validation/source.ts';
import { validateSource } from '../validation/zod.ts';
import { describeValue, didYouMean, type Issue, type Result } from '../validation/issues.ts';
import { validateQuery } from '../metrics/catalogue.ts';
import { parseDuration } from '../time/duration.ts';
import { pathSegments } from '../calendar/source.ts';
import { agreementSpec, type AgreementSpec } from './schema.ts';
import { checkPenaltyDirections } from '../penalties/check.ts';

export interface LoadedAgreement {
  spec: AgreementSpec;
  /** The document as written (before defaults), for layering with its parents. */
  raw: Record<string, unknown>;
  /** The file it came from (paths in it, like calendars, are relative to it). */
  source: string;
  /** Line and column of a path in the file (nearest existing ancestor), for issues found later. */
  locate?: (path: ReadonlyArray<string | number>) => { line: number; column: number } | undefined;
}

const TIME_METRICS = new Set(['response_time', 'resolution_time', 'fulfilment_time']);
/** Corporate is the most general level, service the most specific. */
export const LEVEL_RANK = { corporate: 0, customer: 1, service: 2 } as const;

export function agreementFromText(text: string, source: string): Result<LoadedAgreement> {
  const parsed = parseSourceText(text, source);
  if (!parsed.ok) return parsed;
  const v = validateSource(agreementSpec, parsed.value);
  if (!v.ok) return v;
  const issues = checkAgreement(v.value);
  if (issues.length > 0) {
    return {
      ok: false,
      issues: issues.map((i) => ({ ...i, source, ...(parsed.value.locate(pathSegments(i.path)) ?? {}) })),
    };
  }
  const locate = (path: ReadonlyArray<string | number>) => parsed.value.locate(path);
  return { ok: true, value: { spec: v.value, raw: parsed.value.value as Record<string, unknown>, source, locate } };
}

/**
 * Rules across fields of one document. Returns every problem found. A document with a parent
 * inherits targets and calendars, so references it cannot resolve alone are checked on the
 * effective terms instead (see layering.ts), with `inherits` true here.
 */
export function checkAgreement(a: AgreementSpec, opts: { inherits?: boolean } = {}): Issue[] {
  const issues: Issue[] = [];
  const inherits = opts.inherits ?? (a.parent !== undefined && a.level !== 'corporate');
  const targetIds = a.targets.map((t) => t.id);
  const calendars = new Set(['24x7', ...Object.keys(a.calendars)]);
  const seen = new Set<string>();

  const unknownTarget = (path: string, id: string) => {
    if (inherits) return;
    const hint = didYouMean(id, targetIds);
    issues.push({
      path,
      message: `no target with this id in the agreement${hint ? `; did you mean "${hint}"?` : ''}`,
      expected: targetIds.length ? `one of ${targetIds.join(', ')}` : 'a target id (the agreement has no targets)',
      received: describeValue(id),
    });
  };
  const unknownCalendar = (path: string, name: string) => {
    if (inherits) return;
    const hint = didYouMean(name, calendars);
    issues.push({
      path,
      message: `no calendar with this name${hint ? `; did you mean "${hint}"?` : ''} (declare it under calendars, or use 24x7)`,
      expected: [...calendars].join(', '),
      received: describeValue(name),
    });
  };

  if (a.level === 'corporate' && a.parent !== undefined)
    issues.push({
      path: 'parent',
      message: 'a corporate-level agreement is the top level and has no parent',
      received: describeValue(a.parent),
    });
  if (a.level !== 'corporate' && a.kind === 'sla' && a.parties.customer === undefined && a.level === 'customer') {
    issues.push({ path: 'parties.customer', message: 'a customer-level agreement names its customer', received: 'nothing' });
  }

  a.targets.forEach((t, i) => {
    const at = (k: string) => `targets[${i}].${k}`;
    if (seen.has(t.id)) issues.push({ path: at('id'), message: 'another target has the same id', received: describeValue(t.id) });
    seen.add(t.id);
    const q = validateQuery(
      {
        metric: t.metric,
        ...(t.stat !== undefined ? { stat: t.stat } : {}),
        ...(t.kpi !== undefined ? { kpi: t.kpi } : {}),
        ...(t.perSubject !== undefined ? { perSubject: t.perSubject } : {}),
        ...(t.subjects !== undefined ? { subjects: t.subjects } : {}),
      },
      `targets[${i}]`,
    );
    if (!q.ok) issues.push(...q.issues);
    const isTime = TIME_METRICS.has(t.metric);
    const stat = t.stat ?? (isTime ? 'share_within_target' : undefined);
    if (isTime && !t.clock && !inherits)
      issues.push({
        path: at('clock'),
        message: `a ${t.metric} target needs a clock: the duration each ticket has (e.g. clock: { byPriority: { P1: 1h, P2: 4h } })`,
        received: 'nothing',
      });
    if (!isTime && t.clock)
      issues.push({
        path: at('clock'),
        message: `only response_time, resolution_time and fulfilment_time targets have a clock`,
        received: 'a clock',
      });
    if (t.clock && t.clock.duration === undefined && t.clock.byPriority === undefined)
      issues.push({ path: at('clock'), message: 'give a duration or byPriority', received: 'neither' });
    if (t.availability && t.metric !== 'availability')
      issues.push({
        path: at('availability'),
        message: 'only availability targets take availability settings',
        received: 'availability settings',
      });
    const isPercent =
      t.metric === 'availability' ||
      t.metric === 'self_service_ratio' ||
      t.metric === 'first_contact_resolution' ||
      t.metric === 'escalation_rate' ||
      (isTime && stat === 'share_within_target') ||
      (t.metric === 'satisfaction' && t.stat === 'csat');
    if (isPercent && (t.value < 0 || t.value > 100))
      issues.push({
        path: at('value'),
        message: 'this target is a percentage: between 0 and 100 (write 99.9, not 0.999)',
        received: String(t.value),
      });
    if (t.calendar !== undefined && !calendars.has(t.calendar)) unknownCalendar(at('calendar'), t.calendar);
    if (t.region !== undefined && t.scope?.region !== undefined)
      issues.push({
        path: at('region'),
        message: 'give the region once: either region or scope.region',
        received: describeValue(t.region),
      });
    if (t.availability?.serviceHoursOnly && t.calendar === undefined)
      issues.push({
        path: at('availability.serviceHoursOnly'),
        message: 'measuring in service hours needs the target to name a calendar',
        received: 'true',
      });
  });

  a.support?.channels.forEach((c, i) => {
    if (!calendars.has(c.hours)) unknownCalendar(`support.channels[${i}].hours`, c.hours);
  });
  a.support?.contactPoints.forEach((c, i) => {
    if (c.hours !== undefined && !calendars.has(c.hours)) unknownCalendar(`support.contactPoints[${i}].hours`, c.hours);
  });
  const quiet = a.support?.quietHours;
  if (quiet && !calendars.has(quiet.calendar)) unknownCalendar('support.quietHours.calendar', quiet.calendar);
  a.support?.escalation.forEach((e, i) => {
    e.targets?.forEach((id, j) => {
      if (!targetIds.includes(id)) unknownTarget(`support.escalation[${i}].targets[${j}]`, id);
    });
  });
  a.support?.notices.forEach((n, i) => {
    n.targets?.forEach((id, j) => {
      if (!targetIds.includes(id)) unknownTarget(`support.notices[${i}].targets[${j}]`, id);
    });
    if (n.targets !== undefined && n.notice !== 'breach')
      issues.push({
        path: `support.notices[${i}].targets`,
        message: 'only breach notices name targets',
        received: describeValue(n.notice),
      });
  });
  a.penalties?.rules.forEach((r, i) => {
    if (!targetIds.includes(r.target)) unknownTarget(`penalties.rules[${i}].target`, r.target);
    if (r.type === 'per_unit' && r.unit === 'hour_over_budget') {
      const t = a.targets.find((x) => x.id === r.target);
      if (t && t.metric !== 'availability')
        issues.push({
          path: `penalties.rules[${i}].unit`,
          message: 'hour_over_budget applies to availability targets',
          received: describeValue(r.unit),
        });
    }
    if (r.type === 'per_unit' && r.unit === 'breached_ticket') {
      const t = a.targets.find((x) => x.id === r.target);
      if (t && !TIME_METRICS.has(t.metric))
        issues.push({
          path: `penalties.rules[${i}].unit`,
          message: 'breached_ticket applies to response, resolution and fulfilment targets',
          received: describeValue(r.unit),
        });
    }
  });
  a.term?.terminationRights.forEach((r, i) => {
    if (!targetIds.includes(r.target)) unknownTarget(`term.terminationRights[${i}].target`, r.target);
    if ((r.consecutiveBreaches === undefined) === (r.breachesInYear === undefined))
      issues.push({
        path: `term.terminationRights[${i}]`,
        message: 'give exactly one of consecutiveBreaches or breachesInYear',
        received: 'both or neither',
      });
  });
  if (a.term?.end !== undefined && a.term.end <= a.term.start)
    issues.push({ path: 'term.end', message: 'must be after term.start', received: a.term.end });
  if (a.effective !== undefined && a.term !== undefined && a.effective < a.term.start)
    issues.push({ path: 'effective', message: 'an amendment cannot take effect before the term starts', received: a.effective });
  if (a.penalties && !inherits) {
    // Credit bands must point the way their target does: below for >=, above for <=.
    const comparators = a.targets.map((t) => ({
      id: t.id,
      comparator:
        t.comparator ??
        (TIME_METRICS.has(t.metric) && t.stat !== undefined && t.stat !== 'share_within_target' ? ('<=' as const) : ('>=' as const)),
    }));
    issues.push(...checkPenaltyDirections(a.penalties, comparators));
  }
  const penaltyCurrency = a.penalties?.currency;
  const moneyRules = a.penalties?.rules.some((r) => r.type === 'credit_tiers' && r.tiers.some((t) => t.credit !== undefined));
  if (moneyRules && !a.pricing && !inherits)
    issues.push({ path: 'pricing', message: 'credits given as a share of the fee need pricing.fee', received: 'nothing' });
  if (a.penalties && !penaltyCurrency && !a.pricing && !inherits)
    issues.push({ path: 'penalties.currency', message: 'give the currency of the penalties (or pricing.currency)', received: 'nothing' });
  for (const [k, v] of Object.entries(a.penalties?.gracePeriod !== undefined ? { 'penalties.gracePeriod': a.penalties.gracePeriod } : {})) {
    const d = parseDuration(v);
    if (d.ok && d.value.kind === 'fixed' && d.value.ms > 3 * 365 * 86_400_000)
      issues.push({ path: k, message: 'a grace period longer than three years is almost certainly a typo', received: v });
  }
  return issues;
}
