/**
 * The first-run demonstration: the measurement engine on the files in examples/, explained.
 * Until the server exists this is what `npm start` runs.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadCalendarFile, readText } from './files.ts';
import { parseNdjson } from '../core/events/parse.ts';
import type { TicketEvent, Timed } from '../core/events/schema.ts';
import { unwrap } from '../core/validation/issues.ts';
import { parseInstant, formatInstant } from '../core/time/instant.ts';
import { humanSeconds } from '../core/time/duration.ts';
import { evaluateTicket } from '../core/clock/engine.ts';
import { renderTimeline } from '../core/clock/explain.ts';
import type { ClockTarget } from '../core/clock/types.ts';
import { parseDuration } from '../core/time/duration.ts';
import { availability, intervalsFromEvents, budgetStatus } from '../core/availability/index.ts';
import { evaluateTarget, type TargetEvaluation, type MetricInputs, type MetricFilters, type Comparator } from '../core/metrics/index.ts';
import type { ClockResult, TicketSummary } from '../core/clock/types.ts';
import type { WorkDuration } from '../core/time/duration.ts';
import { generateTicketEvents, generateKpiEvents } from '../demo/generate.ts';

export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

export interface DemoOptions {
  json: boolean;
  out: (text: string) => void;
}

function load<T>(r: { ok: true; value: T } | { ok: false; issues: unknown[] }): T {
  return unwrap(r as never) as T;
}

export function runDemo(o: DemoOptions): Record<string, unknown> {
  const ex = (p: string) => join(EXAMPLES_DIR, p);
  const office = load(loadCalendarFile(ex('calendars/berlin-office.yaml')));
  const t = (s: string) => unwrap(parseInstant(s));
  const H = 3_600_000;
  const figures: Record<string, unknown> = {};
  const lines: string[] = [];
  const say = (s = '') => lines.push(s);

  say('Pledge measurement engine: a tour of the files in examples/');
  say('');
  say('1. Business calendars (examples/calendars/berlin-office.yaml: Mon-Fri 09:00-17:00, Berlin holidays)');
  const start = t('2026-03-27T16:00:00+01:00');
  const due = office.addWorking(start, 4 * H);
  say(`   A 4h target started Friday ${formatInstant(start, office.zone)} is due ${formatInstant(due, office.zone)}`);
  say('   (1h on Friday, the weekend and the switch to summer time skipped, 3h on Monday).');
  figures.dueExample = { start: formatInstant(start, office.zone), duration: '4h', due: formatInstant(due, office.zone) };
  const q4 = office.elapsed(t('2026-10-01T00:00:00+02:00'), t('2027-01-01T00:00:00+01:00'));
  say(`   Working time in Q4 2026: ${humanSeconds(q4 / 1000)} (${q4 / H} hours).`);
  figures.q4WorkingHours = q4 / H;

  say('');
  say('2. A ticket clock explained (examples/tickets/ticket-1001.ndjson)');
  const file = load(readText(ex('tickets/ticket-1001.ndjson')));
  const { events } = parseNdjson(file.text, file.source);
  const targets: ClockTarget[] = [
    { name: 'response', kind: 'response', duration: load(parseDuration('4h')), calendar: office, pauseOn: ['waiting_on_customer'] },
    {
      name: 'resolution',
      kind: 'resolution',
      byPriority: { P2: load(parseDuration('2wd')), P3: load(parseDuration('3wd')) },
      calendar: office,
      pauseOn: ['waiting_on_customer'],
    },
  ];
  const now = t('2026-04-30T12:00:00+02:00');
  const ev = evaluateTicket(events as Timed<TicketEvent>[], targets, now, { explain: true });
  for (const c of ev.clocks) {
    for (const l of renderTimeline(c, office.zone).split('\n')) say(`   ${l}`);
    say('');
  }
  figures.clocks = ev.clocks.map((c) => ({
    target: c.target,
    state: c.state,
    elapsedSeconds: c.elapsedMs / 1000,
    targetSeconds: c.targetMs / 1000,
  }));

  say('3. Availability (examples/outages/checkout-2026-10.ndjson, October 2026)');
  say('   Rules: maintenance needs 5 days notice, customer-caused outages excluded, blips under 60s ignored, target 99.9%.');
  const outFile = load(readText(ex('outages/checkout-2026-10.ndjson')));
  const outEvents = parseNdjson(outFile.text, outFile.source).events;
  const octFrom = t('2026-10-01T00:00:00Z');
  const octTo = t('2026-11-01T00:00:00Z');
  const iv = intervalsFromEvents(outEvents, octTo);
  const av = availability(
    iv,
    { from: octFrom, to: octTo },
    { maintenanceNoticeMs: 5 * 24 * H, exclude: { customerCaused: true }, minOutageMs: 60_000 },
  );
  say(
    `   Availability ${((av.availability ?? 0) * 100).toFixed(4)}%: downtime ${humanSeconds(av.downtimeMs / 1000)} of ${humanSeconds(av.eligibleMs / 1000)} eligible; ${humanSeconds(av.excludedMs / 1000)} excluded.`,
  );
  for (const x of av.outages)
    say(
      `     counted   ${x.id.padEnd(8)} ${humanSeconds(x.downtimeMs / 1000).padEnd(8)} ${x.weight < 1 ? `partial (weight ${x.weight})` : ''}${x.note ?? ''}`,
    );
  for (const x of av.excluded)
    say(`     excluded  ${x.id.padEnd(8)} ${humanSeconds(x.excludedMs / 1000).padEnd(8)} ${x.reason.replace(/_/g, ' ')}`);
  for (const x of av.ignored) say(`     ignored   ${x.id.padEnd(8)} ${x.reason.replace(/_/g, ' ')}`);
  const budget = unwrap(
    budgetStatus({
      targetPercent: 99.9,
      window: { from: octFrom, to: octTo },
      downtimeMs: av.downtimeMs,
      eligibleMs: av.eligibleMs,
      now: octTo,
    }),
  );
  say(`   The 99.9% budget is ${humanSeconds(budget.budgetMs / 1000)}; ${humanSeconds(budget.consumedMs / 1000)} used: ${budget.state}.`);
  figures.availability = {
    percent: av.availability === null ? null : av.availability * 100,
    downtimeSeconds: av.downtimeMs / 1000,
    excludedSeconds: av.excludedMs / 1000,
    budgetState: budget.state,
  };

  say('');
  say('4. A month of a service desk (October 2026, generated from seed 2026 on the Berlin office calendar)');
  const deskEvents = generateTicketEvents({
    seed: 2026,
    from: t('2026-10-01T00:00:00+02:00'),
    to: t('2026-11-01T00:00:00+01:00'),
    calendar: office,
    ticketsPerWorkingDay: 8,
  });
  const d = (x: string): WorkDuration => load(parseDuration(x));
  const deskTargets: ClockTarget[] = [
    {
      name: 'response',
      kind: 'response',
      byPriority: { P1: d('30m'), P2: d('2h'), P3: d('4h'), P4: d('1wd') },
      calendar: office,
      pauseOn: ['waiting_on_customer'],
    },
    {
      name: 'resolution',
      kind: 'resolution',
      byPriority: { P1: d('4h'), P2: d('1wd'), P3: d('3wd'), P4: d('5wd') },
      calendar: office,
      pauseOn: ['waiting_on_customer'],
    },
  ];
  const deskNow = t('2026-11-20T12:00:00+01:00');
  const byTicket = new Map<string, Timed<TicketEvent>[]>();
  for (const e of deskEvents) {
    if (!('ticket' in e)) continue;
    const list = byTicket.get(e.ticket) ?? [];
    list.push({ ...e, atMs: t(e.at) } as Timed<TicketEvent>);
    byTicket.set(e.ticket, list);
  }
  const clocks: ClockResult[] = [];
  const tickets: TicketSummary[] = [];
  for (const evs of byTicket.values()) {
    const r = evaluateTicket(evs, deskTargets, deskNow);
    clocks.push(...r.clocks);
    tickets.push(r.summary);
  }
  const months = [{ at: t('2026-10-31T18:00:00+01:00'), label: '2026-10' }];
  const kpis = generateKpiEvents({ seed: 2026, months }).map((e) => ({ ...e, atMs: t(e.at) })) as MetricInputs['kpis'];
  const inputs: MetricInputs = {
    clocks,
    tickets,
    kpis: kpis ?? [],
    availability: {
      availability: av.availability,
      downtimeMs: av.downtimeMs,
      eligibleMs: av.eligibleMs,
      excludedMs: av.excludedMs,
      outages: av.outages.map((x) => x.id),
    },
  };
  say(`   ${byTicket.size} tickets, ${deskEvents.length} events; evaluated as of ${formatInstant(deskNow, office.zone)}.`);
  type Row = {
    label: string;
    metric: string;
    stat?: string;
    comparator: Comparator;
    target: number;
    unit: string;
    filters?: MetricFilters;
    kpi?: string;
    perSubject?: boolean;
    requestType?: string;
  };
  const rows: Row[] = [
    { label: 'Availability (checkout)', metric: 'availability', comparator: '>=', target: 99.9, unit: '%' },
    {
      label: 'Responses within target, city',
      metric: 'response_time',
      stat: 'share_within_target',
      comparator: '>=',
      target: 95,
      unit: '%',
      filters: { region: ['city'] },
    },
    {
      label: 'Responses within target, rural',
      metric: 'response_time',
      stat: 'share_within_target',
      comparator: '>=',
      target: 85,
      unit: '%',
      filters: { region: ['rural'] },
    },
    { label: 'Resolutions within target', metric: 'resolution_time', stat: 'share_within_target', comparator: '>=', target: 90, unit: '%' },
    {
      label: 'P1 resolution time, p90',
      metric: 'resolution_time',
      stat: 'p90',
      comparator: '<=',
      target: 4 * 3600,
      unit: 's',
      filters: { priority: ['P1'] },
    },
    {
      label: 'New users created, mean time',
      metric: 'fulfilment_time',
      stat: 'mean',
      comparator: '<=',
      target: 8 * 3600,
      unit: 's',
      filters: { requestType: ['new_user'] },
    },
    { label: 'Self-service share', metric: 'self_service_ratio', comparator: '>=', target: 10, unit: '%' },
    { label: 'First-contact resolution', metric: 'first_contact_resolution', comparator: '>=', target: 60, unit: '%' },
    { label: 'Escalation rate', metric: 'escalation_rate', comparator: '<=', target: 15, unit: '%' },
    { label: 'Tickets resolved', metric: 'tickets_resolved', comparator: '>=', target: 100, unit: '' },
    { label: 'Customer satisfaction (CSAT)', metric: 'satisfaction', stat: 'csat', comparator: '>=', target: 80, unit: '%' },
    {
      label: 'Sales appointments per rep',
      metric: 'kpi',
      stat: 'sum',
      kpi: 'sales_appointments',
      perSubject: true,
      comparator: '>=',
      target: 8,
      unit: '',
    },
    { label: 'Organic visitors', metric: 'kpi', stat: 'sum', kpi: 'organic_visitors', comparator: '>=', target: 1000, unit: '' },
  ];
  const show = (v: number | null, unit: string) =>
    v === null ? 'no data' : unit === 's' ? humanSeconds(v) : `${Number.isInteger(v) ? v : v.toFixed(2)}${unit}`;
  const evaluations: Array<{ label: string; evaluation: TargetEvaluation }> = [];
  say('');
  say(`   ${'Target'.padEnd(34)} ${'Measured'.padEnd(12)} ${'Promised'.padEnd(14)} ${'State'.padEnd(10)} Evidence`);
  for (const r of rows) {
    const ev = unwrap(
      evaluateTarget({
        metric: r.metric as never,
        ...(r.stat ? { stat: r.stat } : {}),
        ...(r.kpi ? { kpi: r.kpi } : {}),
        ...(r.perSubject ? { perSubject: true } : {}),
        comparator: r.comparator,
        target: r.target,
        window: { kind: 'month', year: 2026, index: 10 },
        zone: r.metric === 'availability' ? 'UTC' : office.zone,
        now: deskNow,
        inputs,
        ...(r.filters ? { filters: r.filters } : {}),
      }),
    );
    evaluations.push({ label: r.label, evaluation: ev });
    const promised = `${r.comparator} ${show(r.target, r.unit)}`;
    const evidence = ev.subjects
      ? `worst: ${ev.worstSubject}`
      : `${ev.contributors.length} ${r.metric === 'availability' ? 'outages' : r.metric === 'kpi' ? 'reports' : 'tickets'}`;
    say(`   ${r.label.padEnd(34)} ${show(ev.value, r.unit).padEnd(12)} ${promised.padEnd(14)} ${ev.state.padEnd(10)} ${evidence}`);
  }
  figures.compliance = evaluations.map(({ label, evaluation: e }) => ({
    label,
    value: e.value,
    target: e.target,
    comparator: e.comparator,
    state: e.state,
    sampleSize: e.sampleSize,
  }));
  const breachedClocks = clocks.filter((c) => c.state === 'breached');
  say('');
  say(
    `   ${breachedClocks.length} of ${clocks.length} clocks breached. Every figure names its tickets: e.g. the breached ones include ${breachedClocks
      .slice(0, 3)
      .map((c) => `${c.ticket} (${c.target})`)
      .join(', ')}.`,
  );
  say('');

  say('Try it yourself:');
  say('   npx pledge calc due --calendar examples/calendars/berlin-office.yaml --start 2026-03-27T16:00:00+01:00 --duration 4h');
  say('   npx pledge calc downtime --target 99.99 --window year');
  say(
    '   npx pledge calc availability --events examples/outages/checkout-2026-10.ndjson --window 2026-10 --notice 5d --exclude customer --min-outage 60s --target 99.9',
  );
  say('   npx pledge calc clock --calendar examples/calendars/berlin-office.yaml --events examples/tickets/ticket-1001.ndjson \\');
  say('        --target response=4h --target resolution=P2:2wd,P3:3wd --pause-on waiting_on_customer');
  if (o.json) o.out(`${JSON.stringify(figures, null, 2)}\n`);
  else o.out(`${lines.join('\n')}\n`);
  return figures;
}
