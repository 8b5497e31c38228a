/**
 * Measuring an agreement: its targets evaluated over a window from events, with the engine
 * (clocks, availability, metrics). Pure: the terms, the compiled calendars, the events and `now`
 * are arguments.
 *
 * Which events an agreement measures: those of its services (all, when it lists none) and, for a
 * customer SLA, of its customer when the event names one (outages and checks usually name no
 * customer: they count for every customer of the service). A KPI report that names no service
 * counts for every agreement, since its KPI name already says what it measures (a sales team's
 * appointments belong to no IT service). Tickets are measured whole: whether an agreement measures
 * a ticket is decided by the ticket's scope, from its own history (clock/tickets.ts), and then
 * every event of the ticket counts, also those that do not repeat its service or customer. A
 * target's scope narrows further.
 *
 * Availability is measured only where there is evidence that the service was monitored
 * (availability/monitoring.ts): a window without any is no_data, never 100%, and one monitored from
 * part-way is measured over that part. A fixed allowance (`allowance: 52m36s`) is pro-rated to the
 * part measured; a percentage applies to whatever time is measured.
 */
import type { BusinessCalendar } from '../calendar/types.ts';
import type { PledgeEvent, TicketEvent, Timed } from '../events/schema.ts';
import { evaluateTicket } from '../clock/engine.ts';
import { groupByTicket, ticketKey, ticketRef, ticketScope, type Grouped, type TicketScope } from '../clock/tickets.ts';
import type { ClockResult, ClockTarget, TicketSummary } from '../clock/types.ts';
import { parseDuration, type WorkDuration } from '../time/duration.ts';
import { availability, intervalsFromEvents, type AvailabilityOptions, type AvailabilityResult } from '../availability/index.ts';
import { monitoringCoverage, monitoringEvidence } from '../availability/monitoring.ts';
import { why } from '../i18n/settlement.ts';
import { startOfDate } from '../penalties/periods.ts';
import {
  evaluateTarget,
  type Comparator,
  type MetricFilters,
  type MetricInputs,
  type RatioFigures,
  type TargetEvaluation,
  type ResolvedWindow,
} from '../metrics/index.ts';
import type { Issue } from '../validation/issues.ts';
import type { AgreementSpec, TargetSpecDoc } from './schema.ts';
import type { TicketBook } from './tickets.ts';

const TIME_METRICS = new Set(['response_time', 'resolution_time', 'fulfilment_time']);

export interface TargetResult {
  target: TargetSpecDoc;
  evaluation: TargetEvaluation | null;
  /** Tickets whose clock for this target breached in the window (time targets). */
  breachedTickets: string[];
  /** Earliest breach instant among them (for penalties due after the breach). */
  firstBreachAt: number | null;
  /** Availability targets: the full measurement, every outage accounted for. */
  availability?: AvailabilityResult;
  issues: Issue[];
}

export interface AgreementEvaluation {
  agreement: string;
  window: { from: number; to: number; label: string; zone: string };
  targets: TargetResult[];
  issues: Issue[];
}

/** The zone an agreement's windows are read in. */
export function agreementZone(terms: AgreementSpec, calendars: ReadonlyMap<string, BusinessCalendar>): string {
  if (terms.timezone) return terms.timezone;
  for (const name of Object.keys(terms.calendars)) {
    const c = calendars.get(name);
    if (c) return c.zone;
  }
  return 'UTC';
}

/**
 * The tickets of a list of events and each one's scope, computed once per list: settling and
 * deriving ask eventsOf about the same list for every agreement. Inputs are never modified.
 */
const groupings = new WeakMap<readonly Timed[], { grouped: Grouped; scopes: Map<object, TicketScope> }>();
function groupingOf(events: readonly Timed[]): { grouped: Grouped; scopes: Map<object, TicketScope> } {
  let g = groupings.get(events);
  if (!g) {
    const grouped = groupByTicket(events);
    const scopes = new Map<object, TicketScope>();
    for (const t of grouped.tickets.values()) scopes.set(t, ticketScope(t.events));
    g = { grouped, scopes };
    groupings.set(events, g);
  }
  return g;
}

/**
 * Events the agreement measures (see the module comment), in the order given. A ticket's events
 * are kept or dropped together, on the ticket's scope: a follow-up that names no service still
 * belongs to its ticket.
 */
export function eventsOf(terms: AgreementSpec, events: readonly Timed[]): Timed[] {
  const services = terms.services;
  const customer = terms.kind === 'sla' ? terms.parties.customer?.id : undefined;
  // A ratio measurement names its agreement: it counts for that one alone, whatever the services.
  const serviceOk = (e: Timed) =>
    e.type === 'ratio.measured'
      ? e.agreement === terms.id
      : services.length === 0 || (e.service !== undefined ? services.includes(e.service) : e.type === 'kpi.reported');
  const customerOk = (c: string | null | undefined) => customer === undefined || c === undefined || c === null || c === customer;
  const { grouped, scopes } = groupingOf(events);
  const verdicts = new Map<object, boolean>();
  const ticketOk = (g: object): boolean => {
    let v = verdicts.get(g);
    if (v === undefined) {
      const s = scopes.get(g)!;
      v = (services.length === 0 || (s.service !== null && services.includes(s.service))) && customerOk(s.customer);
      verdicts.set(g, v);
    }
    return v;
  };
  const out: Timed[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const g = grouped.groupOf[i];
    if (g ? ticketOk(g) : serviceOk(e) && customerOk(e.customer)) out.push(e);
  }
  return out;
}

const list = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

export function filtersOf(t: TargetSpecDoc): MetricFilters {
  const s = t.scope ?? {};
  const f: MetricFilters = {};
  const region = list(t.region) ?? list(s.region);
  if (region) f.region = region;
  for (const k of ['service', 'customer', 'priority', 'channel', 'requestType'] as const) {
    const v = list(s[k]);
    if (v) f[k] = v;
  }
  const kind = s.kind === undefined ? undefined : Array.isArray(s.kind) ? s.kind : [s.kind];
  if (kind) f.kind = kind;
  return f;
}

/** The clock target behind a time target, named by the target's id. */
export function clockTargetOf(t: TargetSpecDoc, calendars: ReadonlyMap<string, BusinessCalendar>): ClockTarget | null {
  if (!t.clock || !TIME_METRICS.has(t.metric)) return null;
  const calendar = calendars.get(t.calendar ?? '24x7');
  if (!calendar) return null;
  const dur = (s: string): WorkDuration => {
    const d = parseDuration(s);
    return d.ok ? d.value : { kind: 'fixed', ms: NaN };
  };
  const c: ClockTarget = {
    name: t.id,
    kind: t.metric === 'response_time' ? 'response' : 'resolution',
    calendar,
    pauseOn: t.clock.pauseOn,
    onPriorityChange: t.clock.onPriorityChange,
    onReopen: t.clock.onReopen,
  };
  if (t.clock.duration !== undefined) c.duration = dur(t.clock.duration);
  if (t.clock.byPriority) c.byPriority = Object.fromEntries(Object.entries(t.clock.byPriority).map(([p, d]) => [p, dur(d)]));
  if (t.warnAt !== undefined) c.warnAt = [t.warnAt];
  return c;
}

/** The clock targets behind every time target of the terms (see clockTargetOf). */
export function clockTargetsOf(terms: AgreementSpec, calendars: ReadonlyMap<string, BusinessCalendar>): ClockTarget[] {
  return terms.targets.map((t) => clockTargetOf(t, calendars)).filter((t): t is ClockTarget => t !== null);
}

/** Per list of clocks (a book's, as of one instant), its clocks of each set of targets asked for. */
const byTargets = new WeakMap<readonly ClockResult[], Map<string, ClockResult[]>>();

/**
 * The clocks of the named targets, in their order. A book gives the same list for the same
 * instant, and each target (or group of targets) of each window asks for its own: filtered once.
 */
function clocksOfTargets(all: readonly ClockResult[], names: ReadonlySet<string>): ClockResult[] {
  let cache = byTargets.get(all);
  if (!cache) {
    cache = new Map();
    byTargets.set(all, cache);
  }
  const key = [...names].sort().join('\u0000');
  let hit = cache.get(key);
  if (!hit) {
    hit = all.filter((c) => names.has(c.target));
    cache.set(key, hit);
  }
  return hit;
}

export interface EvaluateInput {
  terms: AgreementSpec;
  calendars: ReadonlyMap<string, BusinessCalendar>;
  events: readonly Timed[];
  /** The window to evaluate every target over. */
  window: ResolvedWindow;
  now: number;
  /**
   * The agreement's tickets, evaluated once for all its windows (tickets.ts), when the caller
   * measures several windows over the same events; its targets must include every clock target of
   * `terms`. Without it, every ticket in `events` is evaluated here.
   */
  book?: TicketBook;
  /** `events` are already those the agreement measures (eventsOf): do not filter them again. */
  measured?: boolean;
  /**
   * The target's whole window when `window` is only a part of it (cut to the term, or to the time
   * after the grace period): a fixed downtime allowance is pro-rated to the part measured.
   * Default: `window` itself.
   */
  fullWindow?: { from: number; to: number };
}

/** Whether a target is measured from tickets: availability and KPI targets take events of no ticket alone, ratio targets none. */
export function needsTickets(t: Pick<TargetSpecDoc, 'metric'>): boolean {
  return t.metric !== 'availability' && t.metric !== 'kpi' && t.metric !== 'ratio';
}

/** Every target of the agreement over one window. */
export function evaluateAgreement(input: EvaluateInput): AgreementEvaluation {
  const { terms, calendars, window: w, now } = input;
  const zone = w.zone;
  const issues: Issue[] = [];
  const events = input.measured ? input.events : eventsOf(terms, input.events);
  const targets = terms.targets;

  // Clocks: every ticket once, with a clock target per time target.
  const clockTargets: ClockTarget[] = [];
  for (const t of targets) {
    const c = clockTargetOf(t, calendars);
    if (c) clockTargets.push(c);
    else if (TIME_METRICS.has(t.metric))
      issues.push({ path: `targets[${t.id}].calendar`, message: `calendar "${t.calendar ?? '24x7'}" was not loaded` });
  }
  let clocks: ClockResult[] = [];
  let tickets: TicketSummary[] = [];
  const needTickets = targets.some(needsTickets);
  if (needTickets && input.book) {
    const all = input.book.at(now);
    const names = new Set(clockTargets.map((c) => c.name));
    clocks = input.book.targets.every((t) => names.has(t.name)) ? all.clocks : clocksOfTargets(all.clocks, names);
    tickets = all.tickets;
  } else if (needTickets) {
    // By ticket: its source and its id (two desks' 1001 are two tickets).
    const byTicket = new Map<string, Timed<TicketEvent>[]>();
    for (const e of events) {
      if (!('ticket' in e)) continue;
      const key = ticketKey(e.source, e.ticket);
      const l = byTicket.get(key);
      if (l) l.push(e as Timed<TicketEvent>);
      else byTicket.set(key, [e as Timed<TicketEvent>]);
    }
    for (const evs of byTicket.values()) {
      const r = evaluateTicket(evs, clockTargets, now);
      for (const c of r.clocks) clocks.push(c);
      tickets.push(r.summary);
    }
  }
  // KPI reports and availability events carry no ticket: with a book, only those are looked at.
  const plain = input.book ? input.book.others : events;
  const kpis = targets.some((t) => t.metric === 'kpi')
    ? plain.filter((e): e is Timed<Extract<PledgeEvent, { type: 'kpi.reported' }>> => e.type === 'kpi.reported')
    : [];
  const asOf = targets.some((t) => t.metric === 'availability') ? plain.filter((e) => e.atMs <= now) : [];
  const ratios = targets.some((t) => t.metric === 'ratio')
    ? plain.filter((e): e is Timed<Extract<PledgeEvent, { type: 'ratio.measured' }>> => e.type === 'ratio.measured' && e.atMs <= now)
    : [];

  const results: TargetResult[] = targets.map((t) => {
    const targetIssues: Issue[] = [];
    const inputs: MetricInputs = { clocks, tickets, kpis };
    let av: AvailabilityResult | undefined;
    let measuredFrom = w.from;
    let unwatched: ReadonlyArray<{ start: number; end: number }> | undefined;
    if (t.metric === 'availability') {
      const end = Math.min(w.to, Math.max(w.from, now));
      const scoped = asOf.filter(availabilityScope(t));
      const iv = intervalsFromEvents(scoped, end);
      targetIssues.push(...iv.issues);
      // Was the window monitored at all, and from when (monitoring.ts)? Only that part is measured.
      const declared = terms.monitoring?.since !== undefined ? startOfDate(terms.monitoring.since, zone) : undefined;
      // The evidence is judged over the target's whole window (a report on 10 March shows March was
      // watched), and the part measured here is what of it lies in this (perhaps cut) window.
      const whole = monitoringCoverage(monitoringEvidence(scoped, iv, declared), input.fullWindow ?? { from: w.from, to: w.to }, zone);
      const coverage =
        whole.from === null || whole.from < w.to
          ? { ...whole, from: whole.from === null ? null : Math.max(w.from, whole.from) }
          : {
              from: null,
              basis: 'none' as const,
              text: `not monitored in this part of the window: ${whole.text}`,
              textWhy: [why('monitoring.not_in_part', {}), ...whole.textWhy],
            };
      // Stretches nobody watched (monitoring.gap) are not measured: neither up nor down.
      unwatched = whole.gaps.length ? whole.gaps : undefined;
      const opts = { ...availabilityOptionsFor(terms, t, calendars), ...(unwatched ? { unmonitored: unwatched } : {}) };
      if (coverage.from === null) {
        const monitoring = { from: null, text: coverage.text, textWhy: coverage.textWhy };
        inputs.availability = { availability: null, downtimeMs: 0, eligibleMs: 0, excludedMs: 0, outages: [], monitoring };
      } else {
        measuredFrom = coverage.from;
        const part = { from: coverage.from, to: Math.max(coverage.from, end) };
        av = availability({ outages: iv.outages, maintenance: iv.maintenance, samples: iv.samples }, part, opts);
        targetIssues.push(...av.issues);
        inputs.availability = {
          availability: av.availability,
          downtimeMs: av.downtimeMs,
          eligibleMs: av.eligibleMs,
          excludedMs: av.excludedMs,
          outages: av.outages.map((o) => o.id),
          monitoring: {
            from: coverage.from,
            text: coverage.text,
            textWhy: coverage.textWhy,
            ...(av.unmonitoredMs ? { unmonitoredMs: av.unmonitoredMs } : {}),
          },
        };
      }
    }
    if (t.metric === 'ratio') inputs.ratio = latestRatio(ratios, t.id, w, input.fullWindow);
    const isTime = TIME_METRICS.has(t.metric);
    const comparator: Comparator = t.comparator ?? (isTime && t.stat !== undefined && t.stat !== 'share_within_target' ? '<=' : '>=');
    // A fixed allowance is for the whole window: the part measured (after the term start, the
    // grace period, the start of monitoring, less the gaps) gets its share of it.
    const allowanceMs =
      t.metric === 'availability' && t.allowance !== undefined
        ? allowanceFor(msOf(t.allowance), { from: measuredFrom, to: w.to }, input.fullWindow ?? { from: w.from, to: w.to }, unwatched)
        : undefined;
    const ev = evaluateTarget({
      metric: t.metric,
      ...(t.stat !== undefined ? { stat: t.stat } : {}),
      ...(isTime ? { clockTarget: t.id } : {}),
      ...(t.kpi !== undefined ? { kpi: t.kpi } : {}),
      ...(t.perSubject !== undefined ? { perSubject: t.perSubject } : {}),
      ...(t.subjects !== undefined ? { subjects: t.subjects } : {}),
      comparator,
      target: t.value,
      ...(t.warnAt !== undefined ? { warn: t.warnAt } : {}),
      ...(allowanceMs !== undefined ? { allowanceMs } : {}),
      window: { kind: 'range', from: w.from, to: w.to },
      zone,
      now,
      inputs,
      filters: filtersOf(t),
    });
    if (!ev.ok) targetIssues.push(...ev.issues.map((i) => ({ ...i, path: `targets[${t.id}]${i.path ? `.${i.path}` : ''}` })));
    const evaluation = ev.ok ? { ...ev.value, window: { ...ev.value.window, label: w.label } } : null;
    const breachedTickets = evaluation?.measurement.breached ?? [];
    let firstBreachAt: number | null = null;
    if (isTime) {
      const set = new Set(breachedTickets);
      for (const c of clocks) {
        if (c.target !== t.id || c.breachAt === null || c.breachAt < w.from || c.breachAt >= w.to || !set.has(ticketRef(c))) continue;
        if (firstBreachAt === null || c.breachAt < firstBreachAt) firstBreachAt = c.breachAt;
      }
    } else if (t.metric === 'availability' && evaluation?.state === 'breached' && av) {
      firstBreachAt = availabilityBreachInstant(av, evaluation.budget?.allowedMs ?? 0);
    }
    const r: TargetResult = { target: t, evaluation, breachedTickets, firstBreachAt, issues: targetIssues };
    if (av) r.availability = av;
    return r;
  });
  return { agreement: terms.id, window: { from: w.from, to: w.to, label: w.label, zone }, targets: results, issues };
}

/**
 * A ratio target's figures in a window: its latest measurement (by instant, then id) of exactly
 * that window (or of the whole window it was cut from); null when none, or when the latest found
 * nothing: no data, never a figure from another window.
 */
function latestRatio(
  measured: ReadonlyArray<Timed<Extract<PledgeEvent, { type: 'ratio.measured' }>>>,
  target: string,
  w: { from: number; to: number },
  full?: { from: number; to: number },
): RatioFigures | null {
  let best: (typeof measured)[number] | undefined;
  for (const e of measured) {
    if (e.target !== target) continue;
    const from = Date.parse(e.window.from);
    const to = Date.parse(e.window.to);
    const same = (from === w.from && to === w.to) || (full !== undefined && from === full.from && to === full.to);
    if (!same) continue;
    if (!best || e.atMs > best.atMs || (e.atMs === best.atMs && e.id > best.id)) best = e;
  }
  if (!best || best.good === null || best.total === null) return null;
  return { good: best.good, total: best.total, basis: `${best.good} good of ${best.total} as measured at ${best.at} (event ${best.id})` };
}

/** The instant downtime first exceeded the budget, walking the counted outages in order. */
function availabilityBreachInstant(av: AvailabilityResult, allowedMs: number): number | null {
  let used = 0;
  for (const o of av.outages) {
    if (used + o.downtimeMs > allowedMs) {
      // Within this outage: its downtime accrues at its weight over its counted span (approximately
      // linear when part of it was outside the window or service hours).
      const need = allowedMs - used;
      const rate = o.countedMs > 0 ? o.downtimeMs / o.countedMs : 1;
      // A whole millisecond, as every instant is (stores keep them as integers): the first one at
      // which the budget is exceeded.
      return Math.min(o.end, o.start + Math.ceil(rate > 0 ? need / rate : 0));
    }
    used += o.downtimeMs;
  }
  return null;
}

/**
 * A fixed allowance for the part of a window that is measured: the whole allowance for the whole
 * window, else pro-rated by wall-clock time (a year measured from 1 July: 184/365 of it), less the
 * stretches nobody watched (monitoring.gap), which are not measured. Contracts state the allowance
 * for a whole period; a period that is only partly under the agreement, or only partly watched,
 * gets the same share of it, as a percentage target's allowance shrinks with its measured time.
 */
export function allowanceFor(
  allowanceMs: number,
  measured: { from: number; to: number },
  full?: { from: number; to: number },
  unwatched?: ReadonlyArray<{ start: number; end: number }>,
): number {
  const whole = full ?? measured;
  const from = Math.max(measured.from, whole.from);
  const to = Math.min(measured.to, whole.to);
  // Stretches nobody watched (monitoring.gap) are not measured: they get no share either.
  let gapMs = 0;
  for (const g of unwatched ?? []) gapMs += Math.max(0, Math.min(g.end, to) - Math.max(g.start, from));
  if (gapMs === 0 && from <= whole.from && to >= whole.to) return allowanceMs;
  const share = Math.max(0, to - from - gapMs) / (whole.to - whole.from);
  return Math.round(allowanceMs * share);
}

/** Whether an event is in an availability target's scope (its regions and services). */
export function availabilityScope(t: TargetSpecDoc): (e: Timed) => boolean {
  const region = list(t.region) ?? list(t.scope?.region);
  const svc = list(t.scope?.service);
  return (e) =>
    (!region || (e.region !== undefined && region.includes(e.region)) || e.region === undefined) &&
    (!svc || (e.service !== undefined && svc.includes(e.service)));
}

/**
 * The availability rules of an agreement's availability target: maintenance notice, exclusions,
 * excluded time, minimum outage, checks and service hours. One place, so every figure measured by
 * an agreement's rules (its windows, a status page's daily bars) is measured by the same ones.
 */
export function availabilityOptionsFor(
  terms: AgreementSpec,
  t: TargetSpecDoc,
  calendars: ReadonlyMap<string, BusinessCalendar>,
): AvailabilityOptions {
  const exclusions = terms.penalties?.exclusions ?? ['announced_maintenance'];
  const opts: AvailabilityOptions = {
    maintenanceNoticeMs: msOf(terms.maintenance?.notice ?? '0s'),
    exclude: {
      maintenance: exclusions.includes('announced_maintenance'),
      customerCaused: exclusions.includes('customer_caused'),
      forceMajeure: exclusions.includes('force_majeure'),
      thirdParty: exclusions.includes('third_party'),
    },
    excludedTime: t.availability?.excludedTime ?? 'removed',
    minOutageMs: msOf(t.availability?.minOutage ?? '0s'),
    checks: t.availability?.checks ?? 'any',
  };
  if (t.availability?.serviceHoursOnly && t.calendar) {
    const cal = calendars.get(t.calendar);
    if (cal) opts.calendar = cal;
  }
  return opts;
}

function msOf(text: string): number {
  const d = parseDuration(text);
  return d.ok && d.value.kind === 'fixed' ? d.value.ms : 0;
}
