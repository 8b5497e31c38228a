/**
 * The metric catalogue: each SLA metric the field uses, as a pure function of the measured facts
 * (clock results, ticket summaries, availability figures, KPI values) inside one resolved window,
 * narrowed by filters. Every value carries its unit, its sample size and the ids it came from, so
 * any figure in a report can be traced back to tickets, outages or events.
 *
 * Conventions (docs/metrics.md gives the full rules):
 * - Ratios are reported in PERCENT (0..100), because agreements are written that way ("99.9%",
 *   "95% within target") and a margin of "+0.04" then reads as percentage points. They are
 *   computed as k * 100 / n so whole shares stay exact.
 * - Times are reported in SECONDS of business time (the clock engine's elapsedMs / 1000).
 * - A value is null when it is undefined on the sample (a mean of nothing); counts and sums of
 *   nothing are 0, because "no ticket was resolved" is a measurement, not a gap.
 * - Window membership: a breached clock belongs to the window containing its breach instant
 *   (stopped or still running); a met clock to the window containing its stop; running clocks
 *   not yet breached are not counted and are listed as inFlight. Tickets belong by createdAt
 *   (escalation rate) or resolvedAt (resolved count, self-service, first-contact resolution);
 *   ratings by the instant they were given; KPI values by their event instant.
 * - Tickets are named as clock/tickets.ts's ticketRef names them: the id, or `source:id` when the
 *   ticket's events name a source, so two desks' tickets 1001 are two contributors, never one.
 * - The metrics never re-judge a clock: "within target" is the clock engine's verdict (it owns
 *   pauses, priority changes and the equality convention at the deadline).
 */
import type { ClockKind, ClockResult, TicketSummary } from '../clock/types.ts';
import { ticketKey, ticketRef } from '../clock/tickets.ts';
import type { PledgeEvent, Timed } from '../events/schema.ts';
import type { Why } from '../i18n/settlement.ts';
import { describeValue, didYouMean, fail, ok, type Issue, type Result } from '../validation/issues.ts';
import { mean, median, percentOf, percentileWithRank, sum } from './stats.ts';
import { inWindow, type ResolvedWindow } from './window.ts';

// ---------------------------------------------------------------------------------------------
// Inputs

/**
 * Availability as computed by the availability engine (docs/availability.md) for the window and
 * scope being evaluated. The metrics module does not recompute it: it only reports and judges it.
 */
export interface AvailabilityFigures {
  /** Share of eligible time the service was up, 0..1; null when nothing was eligible. */
  availability: number | null;
  /** Downtime counted against the service (weighted for partial outages), ms. */
  downtimeMs: number;
  /** Time measured (window minus exclusions), ms. */
  eligibleMs: number;
  /** Time excluded (announced maintenance, customer-caused, force majeure...), ms. */
  excludedMs: number;
  /** Ids of the outages that contributed downtime. */
  outages: string[];
  /**
   * Whether the window was monitored (src/core/availability/monitoring.ts): from which instant
   * (the figures cover [from, window end)), or null when it was not monitored at all, and the
   * evidence in words. Absent: monitored throughout (the caller vouches for it). `unmonitoredMs`:
   * time of [from, window end) that nobody watched (monitoring.gap), in no figure.
   */
  monitoring?: { from: number | null; text: string; textWhy?: Why[]; unmonitoredMs?: number };
}

type KpiEvent = Timed<Extract<PledgeEvent, { type: 'kpi.reported' }>>;

/** One KPI value; a parsed `kpi.reported` event satisfies this shape as it is. */
export type KpiObservation = Pick<KpiEvent, 'id' | 'kpi' | 'value' | 'atMs'> &
  Partial<Pick<KpiEvent, 'subject' | 'service' | 'customer' | 'region'>>;

export interface MetricInputs {
  clocks?: readonly ClockResult[];
  tickets?: readonly TicketSummary[];
  availability?: AvailabilityFigures | null;
  kpis?: readonly KpiObservation[];
  /**
   * ratio: good and total over the window as an outside source measured them (Prometheus, see
   * docs/prometheus.md); absent or null when nothing was measured, which is no data, never 100%.
   */
  ratio?: RatioFigures | null;
}

/** A good/total measurement (OpenSLO ratioMetric), with a line saying where it came from. */
export interface RatioFigures {
  good: number;
  total: number;
  basis: string;
}

/** Each filter is a list of allowed values; an absent filter allows everything. */
export interface MetricFilters {
  service?: string[];
  customer?: string[];
  priority?: string[];
  region?: string[];
  channel?: string[];
  requestType?: string[];
  kind?: Array<'incident' | 'request'>;
}

const FILTER_KEYS = ['service', 'customer', 'priority', 'region', 'channel', 'requestType', 'kind'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
/** Filters that only tickets carry; an outage figure or a KPI value has no priority or channel. */
const TICKET_ONLY_FILTERS: FilterKey[] = ['priority', 'channel', 'requestType', 'kind'];

// ---------------------------------------------------------------------------------------------
// Queries and results

export const METRIC_NAMES = [
  'availability',
  'response_time',
  'resolution_time',
  'fulfilment_time',
  'self_service_ratio',
  'first_contact_resolution',
  'escalation_rate',
  'tickets_resolved',
  'satisfaction',
  'kpi',
  'ratio',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Statistics of clock times: share_within_target (default), mean, median, or pNN (nearest rank). */
export type TimeStat = 'share_within_target' | 'mean' | 'median' | `p${number}`;
export type SatisfactionStat = 'mean' | 'csat';
export type KpiAggregate = 'sum' | 'count' | 'avg' | 'min' | 'max';
const KPI_AGGREGATES: KpiAggregate[] = ['sum', 'count', 'avg', 'min', 'max'];

export interface MetricQuery {
  metric: MetricName;
  /** TimeStat for clock metrics, SatisfactionStat for satisfaction, KpiAggregate (required) for kpi. */
  stat?: string;
  /** Clock metrics: only clocks of this target name (when a ticket has several targets of one kind). */
  clockTarget?: string;
  /** kpi: the KPI name in kpi.reported events. */
  kpi?: string;
  /** kpi: evaluate each subject (e.g. each sales rep) separately. */
  perSubject?: boolean;
  /**
   * kpi: the subjects to evaluate (implies perSubject). A listed subject with no values still gets
   * a figure (count and sum 0), so a rep who reported nothing is not silently left out; values
   * for subjects not listed are excluded.
   */
  subjects?: string[];
}

export type MetricUnit = 'percent' | 'seconds' | 'count' | 'number';

/** How a value can move while its window is still open; compliance uses it to call early breaches. */
export type Monotone = 'increasing' | 'decreasing' | null;

export interface SubjectValue {
  subject: string;
  value: number | null;
  sampleSize: number;
  contributors: string[];
}

export interface MetricValue {
  metric: MetricName;
  stat: string | null;
  value: number | null;
  unit: MetricUnit;
  /**
   * Items in the sample: clocks, tickets, ratings or KPI values. For availability, the eligible
   * time in ms (the "sample" is measured time, not a number of things).
   */
  sampleSize: number;
  /** Ids the value came from: ticket ids (once each), outage ids or event ids. */
  contributors: string[];
  /** For ratios: the ids on the numerator side (tickets within target, escalated tickets...). */
  numerator?: string[];
  /** Clock metrics: tickets whose counted clock breached. */
  breached?: string[];
  /** Clock metrics: tickets counted because their clock breached while still running (their elapsed time is so far). */
  openBreaches?: string[];
  /** Clock metrics: tickets with a clock still running and not breached by the window's end: not counted. */
  inFlight?: string[];
  /** Items left out of the sample, and why. */
  excluded?: Array<{ id: string; reason: string }>;
  /** One line explaining how the value was obtained. */
  basis: string;
  monotone: Monotone;
  /** kpi with perSubject: one figure per subject, sorted by subject. */
  subjects?: SubjectValue[];
  /** availability: the figures it was read from. */
  figures?: Omit<AvailabilityFigures, 'outages' | 'availability'>;
}

// ---------------------------------------------------------------------------------------------
// Validation

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Checks filters given as data (from YAML, HTTP or the CLI): known keys, non-empty lists of names. */
export function validateFilters(filters: unknown, path = 'filters'): Result<MetricFilters> {
  if (filters === undefined || filters === null) return ok({});
  if (typeof filters !== 'object' || Array.isArray(filters))
    return fail({
      path,
      message: 'expected an object of filters',
      expected: `keys among ${FILTER_KEYS.join(', ')}`,
      received: describeValue(filters),
    });
  const issues: Issue[] = [];
  for (const [key, v] of Object.entries(filters as Record<string, unknown>)) {
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      const hint = didYouMean(key, FILTER_KEYS);
      issues.push({
        path: `${path}.${key}`,
        message: `unknown filter${hint ? `; did you mean "${hint}"?` : ''}`,
        expected: `one of ${FILTER_KEYS.join(', ')}`,
        received: JSON.stringify(key),
      });
      continue;
    }
    if (v === undefined) continue;
    if (!isStringList(v)) {
      issues.push({
        path: `${path}.${key}`,
        message: 'expected a list of names',
        expected: 'e.g. ["P1", "P2"]',
        received: describeValue(v),
      });
    } else if (v.length === 0) {
      // An empty list would match nothing, which is never what was meant.
      issues.push({
        path: `${path}.${key}`,
        message: 'empty list: it would match nothing; leave the filter out to allow every value',
        received: '[]',
      });
    } else if (key === 'kind') {
      v.forEach((k, i) => {
        if (k !== 'incident' && k !== 'request')
          issues.push({
            path: `${path}.kind[${i}]`,
            message: 'unknown ticket kind',
            expected: 'incident or request',
            received: describeValue(k),
          });
      });
    }
  }
  return issues.length > 0 ? fail(...issues) : ok(filters as MetricFilters);
}

/** Checks a metric query; `path` prefixes field paths ('' gives metric, stat, kpi...). */
export function validateQuery(query: unknown, path = ''): Result<MetricQuery> {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (query === null || typeof query !== 'object')
    return fail({ path, message: 'expected a metric query', received: describeValue(query) });
  const q = query as Record<string, unknown>;
  const issues: Issue[] = [];
  if (typeof q.metric !== 'string' || !(METRIC_NAMES as readonly string[]).includes(q.metric)) {
    const hint = typeof q.metric === 'string' ? didYouMean(q.metric, METRIC_NAMES) : undefined;
    return fail({
      path: at('metric'),
      message: `unknown metric${hint ? `; did you mean "${hint}"?` : ''}`,
      expected: `one of ${METRIC_NAMES.join(', ')}`,
      received: describeValue(q.metric),
    });
  }
  const metric = q.metric as MetricName;
  const stat = q.stat;
  if (stat !== undefined && typeof stat !== 'string')
    issues.push({ path: at('stat'), message: 'expected a statistic name', received: describeValue(stat) });
  else if (metric === 'response_time' || metric === 'resolution_time' || metric === 'fulfilment_time') {
    if (stat !== undefined && parseTimeStat(stat) === null)
      issues.push({
        path: at('stat'),
        message: 'unknown statistic for a time metric',
        expected: 'share_within_target, mean, median, or a percentile such as p90 or p95',
        received: describeValue(stat),
      });
  } else if (metric === 'satisfaction') {
    if (stat !== undefined && stat !== 'mean' && stat !== 'csat')
      issues.push({
        path: at('stat'),
        message: 'unknown statistic for satisfaction',
        expected: 'mean or csat',
        received: describeValue(stat),
      });
  } else if (metric === 'kpi') {
    if (stat === undefined || !(KPI_AGGREGATES as string[]).includes(stat))
      issues.push({
        path: at('stat'),
        message: stat === undefined ? 'a kpi target needs an aggregate' : 'unknown aggregate',
        expected: KPI_AGGREGATES.join(', '),
        received: describeValue(stat),
      });
  } else if (stat !== undefined) {
    issues.push({ path: at('stat'), message: `${metric} takes no statistic`, received: describeValue(stat) });
  }
  if (metric === 'kpi') {
    if (typeof q.kpi !== 'string' || q.kpi.length === 0)
      issues.push({
        path: at('kpi'),
        message: 'a kpi target needs the KPI name',
        expected: 'the kpi field of its kpi.reported events',
        received: describeValue(q.kpi),
      });
    if (q.perSubject !== undefined && typeof q.perSubject !== 'boolean')
      issues.push({ path: at('perSubject'), message: 'expected true or false', received: describeValue(q.perSubject) });
    if (q.subjects !== undefined && (!isStringList(q.subjects) || q.subjects.length === 0))
      issues.push({ path: at('subjects'), message: 'expected a non-empty list of subject names', received: describeValue(q.subjects) });
  } else {
    for (const k of ['kpi', 'perSubject', 'subjects'])
      if (q[k] !== undefined) issues.push({ path: at(k), message: `only kpi targets take ${k}`, received: describeValue(q[k]) });
  }
  const clockMetric = metric === 'response_time' || metric === 'resolution_time' || metric === 'fulfilment_time';
  if (q.clockTarget !== undefined && (!clockMetric || typeof q.clockTarget !== 'string')) {
    issues.push({
      path: at('clockTarget'),
      message: clockMetric ? 'expected a clock target name' : `only time metrics take clockTarget`,
      received: describeValue(q.clockTarget),
    });
  }
  return issues.length > 0 ? fail(...issues) : ok(q as unknown as MetricQuery);
}

function parseTimeStat(stat: string): { kind: 'share' | 'mean' | 'median' } | { kind: 'percentile'; p: number } | null {
  if (stat === 'share_within_target') return { kind: 'share' };
  if (stat === 'mean' || stat === 'median') return { kind: stat };
  const m = /^p(\d{1,2}(?:\.\d+)?|100)$/.exec(stat);
  if (!m) return null;
  const p = Number(m[1]);
  return p > 0 && p <= 100 ? { kind: 'percentile', p } : null;
}

function checkFigures(f: unknown, path: string): Issue[] {
  if (f === null || typeof f !== 'object') return [{ path, message: 'expected availability figures', received: describeValue(f) }];
  const o = f as Record<string, unknown>;
  const issues: Issue[] = [];
  if (o.availability !== null && (typeof o.availability !== 'number' || !(o.availability >= 0 && o.availability <= 1)))
    issues.push({
      path: `${path}.availability`,
      message: 'expected a share from 0 to 1, or null',
      received: describeValue(o.availability),
    });
  for (const k of ['downtimeMs', 'eligibleMs', 'excludedMs']) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      issues.push({ path: `${path}.${k}`, message: 'expected a non-negative number of ms', received: describeValue(v) });
  }
  if (!isStringList(o.outages))
    issues.push({ path: `${path}.outages`, message: 'expected a list of outage ids', received: describeValue(o.outages) });
  const m = o.monitoring as { from?: unknown; text?: unknown } | undefined;
  const instantOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
  if (m !== undefined && (m === null || typeof m !== 'object' || !instantOrNull(m.from) || typeof m.text !== 'string')) {
    issues.push({ path: `${path}.monitoring`, message: 'expected { from: an instant or null, text }', received: describeValue(m) });
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Filtering

function allows(list: readonly string[] | undefined, v: string | null | undefined): boolean {
  // A missing value fails a filter on that field: "unknown service" is not in any allowed list.
  return list === undefined || (v !== null && v !== undefined && list.includes(v));
}

/** Whether a ticket passes the filters; `priority` overrides the summary's (a clock knows which priority applied to it). */
function ticketMatches(t: TicketSummary, f: MetricFilters, priority: string | null = t.priority): boolean {
  return (
    allows(f.service, t.service) &&
    allows(f.customer, t.customer) &&
    allows(f.priority, priority) &&
    allows(f.region, t.region) &&
    allows(f.channel, t.channel) &&
    allows(f.requestType, t.requestType) &&
    allows(f.kind, t.kind)
  );
}

function ticketOnlyFilterIssues(f: MetricFilters, metric: MetricName, path: string): Issue[] {
  return TICKET_ONLY_FILTERS.filter((k) => f[k] !== undefined).map((k) => ({
    path: path ? `${path}.${k}` : k,
    message: `${metric} values carry no ${k}; this filter cannot apply`,
    expected: 'service, customer or region',
    received: describeValue(f[k]),
  }));
}

const unique = (ids: Iterable<string>): string[] => [...new Set(ids)];

// ---------------------------------------------------------------------------------------------
// Clock metrics: response_time, resolution_time, fulfilment_time

interface ClockSample {
  counted: Array<{ clock: ClockResult; breached: boolean; open: boolean }>;
  inFlight: string[];
  excluded: Array<{ id: string; reason: string }>;
}

/**
 * Ticket summaries by id. The same list is measured for every target and window of a period
 * (settlement measures many), so its index is built once per list. Inputs are never modified.
 */
const ticketIndexes = new WeakMap<readonly TicketSummary[], Map<string, TicketSummary>>();
function ticketIndex(tickets: readonly TicketSummary[]): Map<string, TicketSummary> {
  let m = ticketIndexes.get(tickets);
  if (!m) {
    m = new Map();
    for (const t of tickets) m.set(ticketKey(t.source, t.ticket), t);
    ticketIndexes.set(tickets, m);
  }
  return m;
}

/**
 * Selects the clocks of one kind that belong to the window (see the module comment), joined to
 * their ticket summaries for filtering. A clock whose ticket has no summary cannot be filtered,
 * so it is excluded and named rather than guessed about.
 */
function clockSample(
  kind: ClockKind,
  query: MetricQuery,
  w: ResolvedWindow,
  inputs: MetricInputs,
  filters: MetricFilters,
  requestsOnly: boolean,
): ClockSample {
  const byTicket = ticketIndex(inputs.tickets ?? []);
  const out: ClockSample = { counted: [], inFlight: [], excluded: [] };
  for (const c of inputs.clocks ?? []) {
    if (c.kind !== kind) continue;
    if (query.clockTarget !== undefined && c.target !== query.clockTarget) continue;
    let place: 'counted' | 'open' | 'inFlight';
    if (c.breachAt !== null) {
      // A breached clock belongs to the window of its breach, stopped or not: a ticket left open
      // cannot hide a breach from the month it happened in, and resolving it later does not move
      // the breach out of a window that has closed (and may have been settled).
      if (!inWindow(w, c.breachAt)) continue;
      place = c.stop !== null ? 'counted' : 'open';
    } else if (c.stop !== null) {
      if (!inWindow(w, c.stop)) continue;
      place = 'counted';
    } else if (c.start < w.to) {
      place = 'inFlight';
    } else {
      continue;
    }
    const t = byTicket.get(ticketKey(c.source, c.ticket));
    if (!t) {
      out.excluded.push({ id: ticketRef(c), reason: 'no ticket summary to filter by' });
      continue;
    }
    if (requestsOnly && t.kind !== 'request') continue;
    if (!ticketMatches(t, filters, c.priority ?? t.priority)) continue;
    if (place === 'inFlight') out.inFlight.push(ticketRef(c));
    else out.counted.push({ clock: c, breached: c.state === 'breached' || c.breachAt !== null, open: place === 'open' });
  }
  return out;
}

function clockMetric(
  metric: 'response_time' | 'resolution_time' | 'fulfilment_time',
  query: MetricQuery,
  w: ResolvedWindow,
  inputs: MetricInputs,
  filters: MetricFilters,
): MetricValue {
  const kind: ClockKind = metric === 'response_time' ? 'response' : 'resolution';
  const statText = query.stat ?? 'share_within_target';
  // validateQuery has checked the statistic.
  const stat = parseTimeStat(statText)!;
  const s = clockSample(kind, query, w, inputs, filters, metric === 'fulfilment_time');
  const n = s.counted.length;
  const base = {
    metric,
    stat: statText,
    sampleSize: n,
    contributors: unique(s.counted.map((x) => ticketRef(x.clock))),
    breached: unique(s.counted.filter((x) => x.breached).map((x) => ticketRef(x.clock))),
    openBreaches: unique(s.counted.filter((x) => x.open).map((x) => ticketRef(x.clock))),
    inFlight: unique(s.inFlight),
    excluded: s.excluded,
    monotone: null,
  } satisfies Partial<MetricValue>;
  const what = metric === 'fulfilment_time' ? 'request resolution clocks' : `${kind} clocks`;
  const openNote = base.openBreaches.length > 0 ? ` (${base.openBreaches.length} breached while still open)` : '';
  if (stat.kind === 'share') {
    const within = s.counted.filter((x) => !x.breached);
    return {
      ...base,
      value: percentOf(within.length, n),
      unit: 'percent',
      numerator: unique(within.map((x) => ticketRef(x.clock))),
      basis: `${within.length} of ${n} ${what} within target${openNote}`,
    };
  }
  // Seconds of business time; a running, breached clock contributes the time elapsed so far.
  const secs = s.counted.map((x) => x.clock.elapsedMs / 1000);
  if (stat.kind === 'percentile') {
    const r = percentileWithRank(secs, stat.p);
    return {
      ...base,
      value: r?.value ?? null,
      unit: 'seconds',
      basis: r
        ? `nearest rank ${r.rank} of ${n} ${what}: ticket ${ticketRef(s.counted[r.index]!.clock)}${openNote}`
        : `no ${what} in the window`,
    };
  }
  return {
    ...base,
    value: stat.kind === 'mean' ? mean(secs) : median(secs),
    unit: 'seconds',
    basis: n > 0 ? `${stat.kind} of the business time of ${n} ${what}${openNote}` : `no ${what} in the window`,
  };
}

// ---------------------------------------------------------------------------------------------
// Ticket metrics

function ticketsWhere(
  inputs: MetricInputs,
  filters: MetricFilters,
  at: (t: TicketSummary) => number | null,
  w: ResolvedWindow,
): TicketSummary[] {
  return (inputs.tickets ?? []).filter((t) => {
    const instant = at(t);
    return instant !== null && inWindow(w, instant) && ticketMatches(t, filters);
  });
}

function ratio(metric: MetricName, sample: TicketSummary[], hit: (t: TicketSummary) => boolean, what: string): MetricValue {
  const hits = sample.filter(hit);
  return {
    metric,
    stat: null,
    value: percentOf(hits.length, sample.length),
    unit: 'percent',
    sampleSize: sample.length,
    contributors: sample.map(ticketRef),
    numerator: hits.map(ticketRef),
    basis: `${hits.length} of ${sample.length} ${what}`,
    monotone: null,
  };
}

/**
 * First-contact resolution: the provider resolved the ticket without it ever being reopened,
 * escalated or passed to another group, and the customer got in touch at most once. Tickets the
 * customer resolved through self-service are outside both sides of the ratio: the provider had
 * no contact to resolve them in (self_service_ratio measures them).
 */
export function isFirstContactResolution(t: TicketSummary): boolean {
  return t.reopenCount === 0 && t.escalationCount === 0 && t.groupChanges === 0 && t.contactsIn <= 1;
}

function satisfaction(query: MetricQuery, w: ResolvedWindow, inputs: MetricInputs, filters: MetricFilters): MetricValue {
  const stat = (query.stat ?? 'mean') as SatisfactionStat;
  const pcts: number[] = [];
  const positive: string[] = [];
  const contributors: string[] = [];
  const excluded: Array<{ id: string; reason: string }> = [];
  for (const t of inputs.tickets ?? []) {
    if (!ticketMatches(t, filters)) continue;
    for (const r of t.satisfaction) {
      if (!inWindow(w, r.at)) continue;
      if (!(Number.isFinite(r.score) && Number.isFinite(r.scale) && r.scale > 0 && r.score >= 0 && r.score <= r.scale)) {
        excluded.push({ id: ticketRef(t), reason: `rating ${r.score} of ${r.scale} is not on its scale` });
        continue;
      }
      // score * 100 / scale keeps whole-number ratings exact (4 of 5 is 80, not 80.00000000000001).
      pcts.push((r.score * 100) / r.scale);
      contributors.push(ticketRef(t));
      // CSAT: ratings at or above 80% of the scale (4 or 5 of 5, 8..10 of 10); compared in integers.
      if (r.score * 5 >= r.scale * 4) positive.push(ticketRef(t));
    }
  }
  const n = pcts.length;
  const base = {
    metric: 'satisfaction' as const,
    stat,
    unit: 'percent' as const,
    sampleSize: n,
    contributors: unique(contributors),
    excluded,
    monotone: null,
  };
  if (stat === 'csat') {
    return {
      ...base,
      value: percentOf(positive.length, n),
      numerator: unique(positive),
      basis: `${positive.length} of ${n} ratings at 80% of their scale or above`,
    };
  }
  return {
    ...base,
    value: mean(pcts),
    basis: n > 0 ? `mean of ${n} ratings, each as a percentage of its scale` : 'no ratings in the window',
  };
}

// ---------------------------------------------------------------------------------------------
// Custom KPIs

function aggregate(values: readonly number[], how: KpiAggregate): number | null {
  switch (how) {
    case 'count':
      return values.length;
    case 'sum':
      return sum(values);
    case 'avg':
      return mean(values);
    case 'min':
      return values.length === 0 ? null : Math.min(...values);
    case 'max':
      return values.length === 0 ? null : Math.max(...values);
  }
}

function kpi(query: MetricQuery, w: ResolvedWindow, inputs: MetricInputs, filters: MetricFilters): MetricValue {
  const how = query.stat as KpiAggregate;
  const name = query.kpi!;
  const perSubject = query.perSubject === true || query.subjects !== undefined;
  const roster = query.subjects ? new Set(query.subjects) : null;
  const seen = new Set<string>();
  const excluded: Array<{ id: string; reason: string }> = [];
  const kept: KpiObservation[] = [];
  for (const e of inputs.kpis ?? []) {
    if (e.kpi !== name || !inWindow(w, e.atMs)) continue;
    if (!allows(filters.service, e.service) || !allows(filters.customer, e.customer) || !allows(filters.region, e.region)) continue;
    // Events are facts with an id: a value delivered twice is counted once.
    if (seen.has(e.id)) {
      excluded.push({ id: e.id, reason: 'duplicate event id' });
      continue;
    }
    seen.add(e.id);
    if (!Number.isFinite(e.value)) {
      excluded.push({ id: e.id, reason: 'value is not a finite number' });
      continue;
    }
    if (perSubject && (e.subject === undefined || e.subject === '')) {
      excluded.push({ id: e.id, reason: 'no subject, but the target is per subject' });
      continue;
    }
    if (roster && !roster.has(e.subject!)) {
      excluded.push({ id: e.id, reason: `subject ${e.subject} is not among the listed subjects` });
      continue;
    }
    kept.push(e);
  }
  const values = kept.map((e) => e.value);
  // A sum only accumulates while its increments are non-negative; a refund (negative value)
  // means the total can still fall, so no early verdict is drawn from it.
  const monotone: Monotone =
    how === 'count' || how === 'max' || (how === 'sum' && values.every((v) => v >= 0)) ? 'increasing' : how === 'min' ? 'decreasing' : null;
  let subjects: SubjectValue[] | undefined;
  if (perSubject) {
    const groups = new Map<string, KpiObservation[]>();
    for (const s of roster ?? []) groups.set(s, []);
    for (const e of kept) {
      const g = groups.get(e.subject!) ?? [];
      g.push(e);
      groups.set(e.subject!, g);
    }
    subjects = [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([subject, es]) => ({
        subject,
        value: aggregate(
          es.map((e) => e.value),
          how,
        ),
        sampleSize: es.length,
        contributors: es.map((e) => e.id),
      }));
  }
  return {
    metric: 'kpi',
    stat: how,
    value: aggregate(values, how),
    unit: how === 'count' ? 'count' : 'number',
    sampleSize: kept.length,
    contributors: kept.map((e) => e.id),
    excluded,
    basis: `${how} of ${kept.length} ${name} values${subjects ? ` over ${subjects.length} subjects` : ''}`,
    monotone,
    ...(subjects ? { subjects } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * Computes one metric over a resolved window. Returns issues (never throws) for an invalid query,
 * invalid filters, a filter the metric cannot apply, or malformed availability figures.
 */
export function computeMetric(
  query: MetricQuery,
  window: ResolvedWindow,
  inputs: MetricInputs,
  filters: MetricFilters = {},
  path = '',
): Result<MetricValue> {
  const q = validateQuery(query, path);
  const fpath = path ? `${path}.filters` : 'filters';
  const f = validateFilters(filters, fpath);
  const issues = [...(q.ok ? [] : q.issues), ...(f.ok ? [] : f.issues)];
  if (!window || typeof window.from !== 'number' || typeof window.to !== 'number' || !(window.to > window.from)) {
    issues.push({
      path: path ? `${path}.window` : 'window',
      message: 'expected a resolved window with from < to',
      received: describeValue(window),
    });
  }
  if (issues.length > 0 || !q.ok || !f.ok) return fail(...issues);
  const query_ = q.value;
  const filters_ = f.value;
  const metric = query_.metric;

  switch (metric) {
    case 'availability': {
      const scopeIssues = ticketOnlyFilterIssues(filters_, metric, fpath);
      const fig = inputs.availability;
      if (fig !== undefined && fig !== null) scopeIssues.push(...checkFigures(fig, 'inputs.availability'));
      if (scopeIssues.length > 0) return fail(...scopeIssues);
      if (!fig) {
        return ok({
          metric,
          stat: null,
          value: null,
          unit: 'percent',
          sampleSize: 0,
          contributors: [],
          basis: 'no availability figures supplied',
          monotone: null,
        });
      }
      // Filters on service, customer or region are the availability engine's job: the figures
      // passed in must already be for that scope (docs/metrics.md, "Availability").
      // A window nobody monitored has no value: no data is not perfect availability.
      const unmonitored = fig.monitoring?.from === null;
      return ok({
        metric,
        stat: null,
        value: fig.availability === null || unmonitored ? null : fig.availability * 100,
        unit: 'percent',
        sampleSize: unmonitored ? 0 : fig.eligibleMs,
        contributors: unique(fig.outages),
        basis: unmonitored
          ? fig.monitoring!.text
          : fig.availability === null
            ? 'no eligible time in the window'
            : `${fig.downtimeMs} ms of downtime in ${fig.eligibleMs} ms of eligible time (${fig.excludedMs} ms excluded)`,
        monotone: null,
        figures: {
          downtimeMs: fig.downtimeMs,
          eligibleMs: fig.eligibleMs,
          excludedMs: fig.excludedMs,
          ...(fig.monitoring ? { monitoring: fig.monitoring } : {}),
        },
      });
    }
    case 'response_time':
    case 'resolution_time':
    case 'fulfilment_time':
      return ok(clockMetric(metric, query_, window, inputs, filters_));
    case 'tickets_resolved': {
      const resolved = ticketsWhere(inputs, filters_, (t) => t.resolvedAt, window);
      const n = resolved.length;
      const basis = `${n} tickets resolved in the window`;
      const contributors = resolved.map(ticketRef);
      return ok({ metric, stat: null, value: n, unit: 'count', sampleSize: n, contributors, basis, monotone: 'increasing' });
    }
    case 'self_service_ratio': {
      const resolved = ticketsWhere(inputs, filters_, (t) => t.resolvedAt, window);
      return ok(ratio(metric, resolved, (t) => t.resolvedBy === 'customer', 'resolved tickets resolved by the customer'));
    }
    case 'first_contact_resolution': {
      const byProvider = ticketsWhere(inputs, filters_, (t) => t.resolvedAt, window).filter((t) => t.resolvedBy !== 'customer');
      return ok(ratio(metric, byProvider, isFirstContactResolution, 'tickets resolved by the provider at first contact'));
    }
    case 'escalation_rate': {
      const created = ticketsWhere(inputs, filters_, (t) => t.createdAt, window);
      return ok(ratio(metric, created, (t) => t.escalationCount > 0, 'tickets created in the window escalated at least once'));
    }
    case 'satisfaction':
      return ok(satisfaction(query_, window, inputs, filters_));
    case 'kpi': {
      const scopeIssues = ticketOnlyFilterIssues(filters_, metric, fpath);
      if (scopeIssues.length > 0) return fail(...scopeIssues);
      return ok(kpi(query_, window, inputs, filters_));
    }
    case 'ratio': {
      // The queries already say what is counted: no filter of Pledge's applies to their figures.
      const scopeIssues = ticketOnlyFilterIssues(filters_, metric, fpath);
      if (scopeIssues.length > 0) return fail(...scopeIssues);
      const fig = inputs.ratio;
      const usable = fig && Number.isFinite(fig.good) && Number.isFinite(fig.total) && fig.total > 0 && fig.good >= 0;
      return ok({
        metric,
        stat: null,
        // good > total (counters scraped at different instants) is capped: a share is at most 100%.
        value: usable ? Math.min(100, (fig.good / fig.total) * 100) : null,
        unit: 'percent',
        sampleSize: usable ? fig.total : 0,
        contributors: [],
        basis: !fig
          ? 'no measurement of the good and total queries for this window'
          : usable
            ? fig.basis
            : `no usable figures: ${fig.basis}`,
        monotone: null,
      });
    }
  }
}
