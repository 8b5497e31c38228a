import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClockResult, TicketSummary } from '../clock/types.ts';
import {
  computeMetric,
  isFirstContactResolution,
  validateFilters,
  type KpiObservation,
  type MetricFilters,
  type MetricInputs,
  type MetricQuery,
  type MetricValue,
} from './catalogue.ts';
import { resolveWindow, windowsBetween, type ResolvedWindow, type Window } from './window.ts';

const H = 3_600_000;
const iso = (s: string) => Date.parse(s);

function resolved(w: Window, zone: string): ResolvedWindow {
  const r = resolveWindow(w, zone);
  assert.ok(r.ok);
  return r.value;
}

/** October 2026 in Berlin: [2026-09-30T22:00Z, 2026-10-31T23:00Z). */
const OCT = resolved({ kind: 'month', year: 2026, index: 10 }, 'Europe/Berlin');

function ticket(id: string, t: Partial<TicketSummary>): TicketSummary {
  return {
    ticket: id,
    createdAt: iso('2026-10-01T08:00:00Z'),
    service: 'mail',
    customer: 'acme',
    region: 'city',
    channel: 'phone',
    kind: 'incident',
    requestType: null,
    initialPriority: 'P2',
    priority: 'P2',
    status: null,
    firstResponseAt: null,
    resolvedAt: null,
    resolvedBy: null,
    closedAt: null,
    reopenCount: 0,
    escalationCount: 0,
    groupChanges: 0,
    contactsIn: 0,
    contactsOut: 0,
    satisfaction: [],
    eventIds: [],
    ...t,
  };
}

function clock(ticketId: string, c: Partial<ClockResult>): ClockResult {
  const elapsedMs = c.elapsedMs ?? H;
  const targetMs = c.targetMs ?? 8 * H;
  return {
    ticket: ticketId,
    target: 'resolution',
    kind: 'resolution',
    cycle: 1,
    priority: 'P2',
    start: iso('2026-10-01T08:00:00Z'),
    stop: null,
    elapsedMs,
    pausedMs: 0,
    targetMs,
    deadline: Infinity,
    state: 'met',
    consumed: elapsedMs / targetMs,
    breachAt: null,
    eventIds: [],
    ...c,
  };
}

// Seven October tickets and a few around the edges; see each line for what it exercises.
const tickets: TicketSummary[] = [
  ticket('T1', {
    createdAt: iso('2026-10-05T08:00:00Z'),
    priority: 'P1',
    resolvedAt: iso('2026-10-06T12:00:00Z'),
    resolvedBy: 'provider',
    contactsIn: 1,
    satisfaction: [{ at: iso('2026-10-07T09:00:00Z'), score: 5, scale: 5 }],
  }),
  ticket('T2', {
    createdAt: iso('2026-10-10T08:00:00Z'),
    region: 'rural',
    channel: 'email',
    resolvedAt: iso('2026-10-12T08:00:00Z'),
    resolvedBy: 'customer',
    satisfaction: [{ at: iso('2026-10-12T09:00:00Z'), score: 3, scale: 5 }],
  }),
  ticket('T3', {
    createdAt: iso('2026-10-20T08:00:00Z'),
    service: 'web',
    customer: 'globex',
    channel: 'chat',
    priority: 'P1',
    resolvedAt: iso('2026-11-02T08:00:00Z'),
    resolvedBy: 'provider',
    escalationCount: 1,
  }),
  // Created at 00:30 local on 1 October (22:30Z on 30 September): an October ticket.
  ticket('T4', {
    createdAt: iso('2026-09-30T22:30:00Z'),
    service: 'web',
    channel: 'portal',
    kind: 'request',
    requestType: 'new_user',
    priority: 'P3',
    resolvedAt: iso('2026-10-02T08:00:00Z'),
    resolvedBy: 'provider',
    contactsIn: 2,
    satisfaction: [{ at: iso('2026-10-03T09:00:00Z'), score: 8, scale: 10 }],
  }),
  // Created in September; its rating at local midnight of 1 November belongs to November.
  ticket('T5', {
    createdAt: iso('2026-09-28T08:00:00Z'),
    customer: 'globex',
    region: 'rural',
    kind: 'request',
    requestType: 'equipment',
    resolvedAt: iso('2026-10-15T08:00:00Z'),
    resolvedBy: 'provider',
    groupChanges: 1,
    satisfaction: [{ at: iso('2026-10-31T23:00:00Z'), score: 1, scale: 5 }],
  }),
  ticket('T6', { createdAt: iso('2026-10-25T08:00:00Z'), priority: 'P1', escalationCount: 2 }),
  // Latest priority P1, but its clock ran (and stopped) under P2.
  ticket('T7', {
    createdAt: iso('2026-10-30T08:00:00Z'),
    service: 'web',
    channel: 'email',
    priority: 'P1',
    resolvedAt: iso('2026-10-30T10:00:00Z'),
    resolvedBy: 'provider',
    reopenCount: 1,
    satisfaction: [{ at: iso('2026-10-30T11:00:00Z'), score: 7, scale: 5 }],
  }),
  ticket('T8', { createdAt: iso('2026-10-31T08:00:00Z') }),
  ticket('T9', { createdAt: iso('2026-09-10T08:00:00Z') }),
  // Created exactly at the window's end: November.
  ticket('T11', { createdAt: iso('2026-10-31T23:00:00Z') }),
];

const clocks: ClockResult[] = [
  clock('T1', { target: 'response', kind: 'response', priority: 'P1', stop: iso('2026-10-05T08:30:00Z'), elapsedMs: 0.5 * H, targetMs: H }),
  clock('T1', { priority: 'P1', stop: iso('2026-10-06T12:00:00Z'), elapsedMs: 4 * H }),
  clock('T2', { stop: iso('2026-10-12T08:00:00Z'), elapsedMs: 10 * H, state: 'breached', breachAt: iso('2026-10-11T16:00:00Z') }),
  // Breached and stopped in November: a November clock.
  clock('T3', {
    priority: 'P1',
    stop: iso('2026-11-02T08:00:00Z'),
    elapsedMs: 30 * H,
    state: 'breached',
    breachAt: iso('2026-11-01T12:00:00Z'),
  }),
  clock('T4', { priority: 'P3', stop: iso('2026-10-02T08:00:00Z'), elapsedMs: 6 * H }),
  clock('T5', { stop: iso('2026-10-15T08:00:00Z'), elapsedMs: 20 * H, targetMs: 40 * H }),
  // Still running, breached on 28 October: counted in October with its elapsed time so far.
  clock('T6', { priority: 'P1', elapsedMs: 12 * H, state: 'breached', breachAt: iso('2026-10-28T08:00:00Z') }),
  clock('T7', { stop: iso('2026-10-30T10:00:00Z'), elapsedMs: 2 * H }),
  // Running, not breached: in flight.
  clock('T8', { start: iso('2026-10-31T08:00:00Z'), elapsedMs: 2 * H, state: 'running' }),
  // Running, breached in September: September's, not October's, and not in flight either.
  clock('T9', { start: iso('2026-09-10T08:00:00Z'), elapsedMs: 50 * H, state: 'breached', breachAt: iso('2026-09-20T08:00:00Z') }),
  // No ticket summary: cannot be filtered, so excluded and named.
  clock('T10', { stop: iso('2026-10-20T08:00:00Z'), elapsedMs: H }),
  // Stopped exactly at the window's end: November.
  clock('T11', { start: iso('2026-10-31T22:00:00Z'), stop: iso('2026-10-31T23:00:00Z'), elapsedMs: H }),
];

const inputs: MetricInputs = { tickets, clocks };

function run(query: MetricQuery, filters: MetricFilters = {}, w: ResolvedWindow = OCT, ins: MetricInputs = inputs): MetricValue {
  const r = computeMetric(query, w, ins, filters);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  return r.value;
}

test('resolution time: membership by stop, open breaches, in-flight and unmatched clocks', () => {
  const v = run({ metric: 'resolution_time' });
  assert.equal(v.stat, 'share_within_target');
  assert.equal(v.unit, 'percent');
  assert.equal(v.sampleSize, 6);
  assert.equal(v.value, 400 / 6);
  assert.deepEqual(v.contributors, ['T1', 'T2', 'T4', 'T5', 'T6', 'T7']);
  assert.deepEqual(v.numerator, ['T1', 'T4', 'T5', 'T7']);
  assert.deepEqual(v.breached, ['T2', 'T6']);
  assert.deepEqual(v.openBreaches, ['T6']);
  assert.deepEqual(v.inFlight, ['T8']);
  assert.deepEqual(v.excluded, [{ id: 'T10', reason: 'no ticket summary to filter by' }]);
  assert.equal(v.basis, '4 of 6 resolution clocks within target (1 breached while still open)');
});

test('resolution time statistics in seconds of business time', () => {
  // Elapsed: T1 4h, T2 10h, T4 6h, T5 20h, T6 12h (so far), T7 2h.
  const rows: Array<[string, number]> = [
    ['mean', ((4 + 10 + 6 + 20 + 12 + 2) * 3600) / 6],
    ['median', ((6 + 10) / 2) * 3600],
    ['p50', 6 * 3600], // nearest rank 3 of 6
    ['p90', 20 * 3600], // rank ceil(5.4) = 6
    ['p95', 20 * 3600],
  ];
  for (const [stat, want] of rows) {
    const v = run({ metric: 'resolution_time', stat });
    assert.equal(v.value, want, stat);
    assert.equal(v.unit, 'seconds', stat);
    assert.equal(v.sampleSize, 6, stat);
  }
  assert.equal(
    run({ metric: 'resolution_time', stat: 'p90' }).basis,
    'nearest rank 6 of 6 resolution clocks: ticket T5 (1 breached while still open)',
  );
});

test('the November window takes the clocks that stopped in November', () => {
  const nov = resolved({ kind: 'month', year: 2026, index: 11 }, 'Europe/Berlin');
  const v = run({ metric: 'resolution_time' }, {}, nov);
  assert.deepEqual(v.contributors, ['T3', 'T11']);
  assert.equal(v.value, 50);
  // T6 breached in October: in November it is neither counted nor in flight.
  assert.deepEqual(v.inFlight, ['T8']);
  const sep = resolved({ kind: 'month', year: 2026, index: 9 }, 'Europe/Berlin');
  const s = run({ metric: 'resolution_time' }, {}, sep);
  assert.deepEqual(s.contributors, ['T9']);
  assert.deepEqual(s.openBreaches, ['T9']);
  assert.equal(s.value, 0);
});

test('response time counts response clocks only', () => {
  const v = run({ metric: 'response_time' });
  assert.equal(v.value, 100);
  assert.deepEqual(v.contributors, ['T1']);
  assert.equal(run({ metric: 'response_time', stat: 'mean' }).value, 1800);
});

test('filters narrow clocks through their ticket summaries', () => {
  const rows: Array<[MetricFilters, string[], number | null]> = [
    [{ kind: ['incident'] }, ['T1', 'T2', 'T6', 'T7'], 50],
    [{ service: ['mail'] }, ['T1', 'T2', 'T5', 'T6'], 50],
    [{ customer: ['globex'] }, ['T5'], 100],
    [{ region: ['rural'] }, ['T2', 'T5'], 50],
    [{ channel: ['email', 'portal'] }, ['T2', 'T4', 'T7'], 200 / 3],
    // Priority is the one the clock ran under: T7's clock is P2 although the ticket is now P1.
    [{ priority: ['P1'] }, ['T1', 'T6'], 50],
    [{ priority: ['P2'] }, ['T2', 'T5', 'T7'], 200 / 3],
    [{ requestType: ['new_user'] }, ['T4'], 100],
    [{ service: ['mail'], region: ['city'] }, ['T1', 'T6'], 50],
    [{ service: ['nothing'] }, [], null],
  ];
  for (const [f, ids, value] of rows) {
    const v = run({ metric: 'resolution_time' }, f);
    assert.deepEqual(v.contributors, ids, JSON.stringify(f));
    assert.equal(v.value, value, JSON.stringify(f));
  }
  // In-flight clocks are filtered too.
  assert.deepEqual(run({ metric: 'resolution_time' }, { service: ['web'] }).inFlight, []);
});

test('clockTarget picks one of several targets of the same kind', () => {
  const t = [ticket('A', { priority: 'P1' })];
  const c = [
    clock('A', { target: 'resolution', stop: iso('2026-10-02T08:00:00Z'), elapsedMs: 5 * H }),
    clock('A', {
      target: 'p1-resolution',
      stop: iso('2026-10-02T08:00:00Z'),
      elapsedMs: 5 * H,
      targetMs: 4 * H,
      state: 'breached',
      breachAt: iso('2026-10-02T07:00:00Z'),
    }),
  ];
  assert.equal(run({ metric: 'resolution_time' }, {}, OCT, { tickets: t, clocks: c }).sampleSize, 2);
  assert.equal(run({ metric: 'resolution_time', clockTarget: 'resolution' }, {}, OCT, { tickets: t, clocks: c }).value, 100);
  assert.equal(run({ metric: 'resolution_time', clockTarget: 'p1-resolution' }, {}, OCT, { tickets: t, clocks: c }).value, 0);
});

test('reopened tickets with new cycles count each cycle', () => {
  const t = [ticket('R', {})];
  const c = [
    clock('R', { cycle: 1, stop: iso('2026-10-02T08:00:00Z'), elapsedMs: 3 * H }),
    clock('R', {
      cycle: 2,
      start: iso('2026-10-05T08:00:00Z'),
      stop: iso('2026-10-06T08:00:00Z'),
      elapsedMs: 9 * H,
      state: 'breached',
      breachAt: iso('2026-10-06T07:00:00Z'),
    }),
  ];
  const v = run({ metric: 'resolution_time' }, {}, OCT, { tickets: t, clocks: c });
  assert.equal(v.sampleSize, 2);
  assert.equal(v.value, 50);
  assert.deepEqual(v.contributors, ['R']);
});

test('fulfilment time: resolution clocks of requests, by request type', () => {
  const all = run({ metric: 'fulfilment_time' });
  assert.deepEqual(all.contributors, ['T4', 'T5']);
  assert.equal(all.value, 100);
  assert.equal(all.basis, '2 of 2 request resolution clocks within target');
  const newUser = run({ metric: 'fulfilment_time', stat: 'mean' }, { requestType: ['new_user'] });
  assert.equal(newUser.value, 6 * 3600);
  assert.deepEqual(newUser.contributors, ['T4']);
  assert.equal(run({ metric: 'fulfilment_time', stat: 'p95' }, { requestType: ['equipment'] }).value, 20 * 3600);
  assert.equal(run({ metric: 'fulfilment_time' }, { requestType: ['laptop'] }).value, null);
});

test('ticket counts and ratios by resolution or creation instant', () => {
  const resolvedCount = run({ metric: 'tickets_resolved' });
  assert.equal(resolvedCount.value, 5);
  assert.equal(resolvedCount.unit, 'count');
  assert.deepEqual(resolvedCount.contributors, ['T1', 'T2', 'T4', 'T5', 'T7']);

  const self = run({ metric: 'self_service_ratio' });
  assert.equal(self.value, 20);
  assert.deepEqual(self.numerator, ['T2']);

  // Provider-resolved: T1, T4, T5, T7. Only T1 qualifies (T4: two contacts in, T5: group change, T7: reopened).
  const fcr = run({ metric: 'first_contact_resolution' });
  assert.equal(fcr.value, 25);
  assert.equal(fcr.sampleSize, 4);
  assert.deepEqual(fcr.numerator, ['T1']);

  // Created in October (Berlin): T1, T2, T3, T4, T6, T7, T8. Escalated: T3, T6.
  const esc = run({ metric: 'escalation_rate' });
  assert.deepEqual(esc.contributors, ['T1', 'T2', 'T3', 'T4', 'T6', 'T7', 'T8']);
  assert.deepEqual(esc.numerator, ['T3', 'T6']);
  assert.equal(esc.value, 200 / 7);

  assert.equal(run({ metric: 'tickets_resolved' }, { customer: ['acme'] }).value, 4);
  assert.equal(run({ metric: 'escalation_rate' }, { service: ['web'] }).value, 100 / 3);
  assert.equal(run({ metric: 'self_service_ratio' }, { service: ['nothing'] }).value, null);
  assert.equal(run({ metric: 'tickets_resolved' }, { service: ['nothing'] }).value, 0);
});

test('first-contact resolution rule, case by case', () => {
  const base = ticket('F', { resolvedAt: 1, resolvedBy: 'provider' });
  const rows: Array<[Partial<TicketSummary>, boolean]> = [
    [{}, true],
    [{ contactsIn: 1 }, true],
    [{ contactsIn: 2 }, false],
    [{ contactsOut: 3 }, true],
    [{ reopenCount: 1 }, false],
    [{ escalationCount: 1 }, false],
    [{ groupChanges: 1 }, false],
  ];
  for (const [t, want] of rows) assert.equal(isFirstContactResolution({ ...base, ...t }), want, JSON.stringify(t));
});

test('satisfaction: mean as percent of scale, and CSAT', () => {
  // In October: T1 5/5, T2 3/5, T4 8/10; T5's rating is November's; T7's 7/5 is off its scale.
  const m = run({ metric: 'satisfaction' });
  assert.equal(m.stat, 'mean');
  assert.equal(m.value, 80);
  assert.equal(m.sampleSize, 3);
  assert.deepEqual(m.contributors, ['T1', 'T2', 'T4']);
  assert.deepEqual(m.excluded, [{ id: 'T7', reason: 'rating 7 of 5 is not on its scale' }]);
  const c = run({ metric: 'satisfaction', stat: 'csat' });
  assert.equal(c.value, 200 / 3);
  assert.deepEqual(c.numerator, ['T1', 'T4']);
  assert.equal(run({ metric: 'satisfaction' }, { region: ['rural'] }).value, 60);
  assert.equal(run({ metric: 'satisfaction' }, { customer: ['globex'] }).value, null);
  const nov = resolved({ kind: 'month', year: 2026, index: 11 }, 'Europe/Berlin');
  assert.equal(run({ metric: 'satisfaction', stat: 'csat' }, {}, nov).value, 0);
});

test('availability reports the engine figures in percent', () => {
  const v = run({ metric: 'availability' }, { service: ['mail'] }, OCT, {
    availability: { availability: 0.999, downtimeMs: 2_682_000, eligibleMs: 745 * H, excludedMs: 0, outages: ['O1', 'O2', 'O1'] },
  });
  assert.equal(v.value, 99.9);
  assert.equal(v.unit, 'percent');
  assert.deepEqual(v.contributors, ['O1', 'O2']);
  assert.equal(v.sampleSize, 745 * H);
  assert.equal(run({ metric: 'availability' }).value, null);
  assert.equal(
    run({ metric: 'availability' }, {}, OCT, {
      availability: { availability: null, downtimeMs: 0, eligibleMs: 0, excludedMs: 745 * H, outages: [] },
    }).value,
    null,
  );
});

function kpi(
  id: string,
  kpiName: string,
  at: string,
  value: number,
  subject?: string,
  extra: Partial<KpiObservation> = {},
): KpiObservation {
  return { id, kpi: kpiName, atMs: iso(at), value, ...(subject ? { subject } : {}), ...extra };
}

const Q4_NY = resolved({ kind: 'quarter', year: 2026, index: 4 }, 'America/New_York');
const sales: KpiObservation[] = [
  kpi('s1', 'sales', '2026-10-15T15:00:00Z', 6000, 'rep-a'),
  kpi('s2', 'sales', '2026-11-20T15:00:00Z', 5000, 'rep-a'),
  kpi('s3', 'sales', '2026-10-03T15:00:00Z', 4000, 'rep-b'),
  // 23:59 on 31 December in New York: still Q4.
  kpi('s4', 'sales', '2027-01-01T04:59:00Z', 3000, 'rep-b'),
  // Midnight of 1 January in New York: Q1 2027.
  kpi('s5', 'sales', '2027-01-01T05:00:00Z', 9000, 'rep-b'),
  kpi('s6', 'sales', '2026-11-01T15:00:00Z', 1000),
  kpi('s1', 'sales', '2026-10-15T15:00:00Z', 6000, 'rep-a'),
  kpi('v1', 'visits', '2026-10-15T15:00:00Z', 700),
];

test('custom KPIs aggregate values in the window', () => {
  const rows: Array<[string, number | null, number]> = [
    ['sum', 6000 + 5000 + 4000 + 3000 + 1000, 5],
    ['count', 5, 5],
    ['avg', 19000 / 5, 5],
    ['min', 1000, 5],
    ['max', 6000, 5],
  ];
  for (const [stat, value, n] of rows) {
    const v = run({ metric: 'kpi', kpi: 'sales', stat }, {}, Q4_NY, { kpis: sales });
    assert.equal(v.value, value, stat);
    assert.equal(v.sampleSize, n, stat);
  }
  const s = run({ metric: 'kpi', kpi: 'sales', stat: 'sum' }, {}, Q4_NY, { kpis: sales });
  assert.deepEqual(s.contributors, ['s1', 's2', 's3', 's4', 's6']);
  assert.deepEqual(s.excluded, [{ id: 's1', reason: 'duplicate event id' }]);
  assert.equal(s.monotone, 'increasing');
  assert.equal(run({ metric: 'kpi', kpi: 'none', stat: 'sum' }, {}, Q4_NY, { kpis: sales }).value, 0);
  assert.equal(run({ metric: 'kpi', kpi: 'none', stat: 'avg' }, {}, Q4_NY, { kpis: sales }).value, null);
  assert.equal(run({ metric: 'kpi', kpi: 'sales', stat: 'count' }, {}, Q4_NY, { kpis: sales }).unit, 'count');
});

test('custom KPIs per subject, with an optional roster', () => {
  const v = run({ metric: 'kpi', kpi: 'sales', stat: 'sum', perSubject: true }, {}, Q4_NY, { kpis: sales });
  assert.deepEqual(v.subjects, [
    { subject: 'rep-a', value: 11000, sampleSize: 2, contributors: ['s1', 's2'] },
    { subject: 'rep-b', value: 7000, sampleSize: 2, contributors: ['s3', 's4'] },
  ]);
  assert.deepEqual(v.excluded, [
    { id: 's6', reason: 'no subject, but the target is per subject' },
    { id: 's1', reason: 'duplicate event id' },
  ]);
  const roster = run({ metric: 'kpi', kpi: 'sales', stat: 'sum', subjects: ['rep-b', 'rep-c'] }, {}, Q4_NY, { kpis: sales });
  assert.deepEqual(
    roster.subjects?.map((s) => [s.subject, s.value]),
    [
      ['rep-b', 7000],
      ['rep-c', 0],
    ],
  );
  assert.ok(roster.excluded?.some((e) => e.id === 's2' && e.reason === 'subject rep-a is not among the listed subjects'));
});

test('KPI scope filters apply to event fields', () => {
  const k = [
    kpi('a', 'visits', '2026-10-02T00:00:00Z', 600, undefined, { service: 'web' }),
    kpi('b', 'visits', '2026-10-03T00:00:00Z', 500, undefined, { service: 'shop' }),
    kpi('c', 'visits', '2026-10-04T00:00:00Z', 100),
  ];
  assert.equal(run({ metric: 'kpi', kpi: 'visits', stat: 'sum' }, { service: ['web'] }, OCT, { kpis: k }).value, 600);
  assert.equal(run({ metric: 'kpi', kpi: 'visits', stat: 'sum' }, {}, OCT, { kpis: k }).value, 1200);
});

test('monotone: how each value can move while the window is open', () => {
  const k = [kpi('a', 'x', '2026-10-02T00:00:00Z', 5), kpi('b', 'x', '2026-10-03T00:00:00Z', -2)];
  const mono = (stat: string, ks: KpiObservation[]) => run({ metric: 'kpi', kpi: 'x', stat }, {}, OCT, { kpis: ks }).monotone;
  assert.equal(mono('sum', k), null); // a negative value: the sum can fall
  assert.equal(mono('sum', k.slice(0, 1)), 'increasing');
  assert.equal(mono('count', k), 'increasing');
  assert.equal(mono('max', k), 'increasing');
  assert.equal(mono('min', k), 'decreasing');
  assert.equal(mono('avg', k), null);
  assert.equal(run({ metric: 'tickets_resolved' }).monotone, 'increasing');
  assert.equal(run({ metric: 'resolution_time' }).monotone, null);
});

test('bad queries and filters are issues with field paths', () => {
  const rows: Array<[unknown, unknown, string, string?]> = [
    [{ metric: 'resolution_tme' }, {}, 'metric', 'unknown metric; did you mean "resolution_time"?'],
    [{ metric: 'resolution_time', stat: 'p0' }, {}, 'stat'],
    [{ metric: 'resolution_time', stat: 'p101' }, {}, 'stat'],
    [{ metric: 'resolution_time', stat: 'average' }, {}, 'stat'],
    [{ metric: 'satisfaction', stat: 'nps' }, {}, 'stat'],
    [{ metric: 'tickets_resolved', stat: 'mean' }, {}, 'stat'],
    [{ metric: 'kpi', kpi: 'sales' }, {}, 'stat', 'a kpi target needs an aggregate'],
    [{ metric: 'kpi', stat: 'sum' }, {}, 'kpi'],
    [{ metric: 'kpi', kpi: 'sales', stat: 'sum', subjects: [] }, {}, 'subjects'],
    [{ metric: 'escalation_rate', kpi: 'sales' }, {}, 'kpi'],
    [{ metric: 'satisfaction', clockTarget: 'x' }, {}, 'clockTarget'],
    [{ metric: 'tickets_resolved' }, { servce: ['mail'] }, 'filters.servce', 'unknown filter; did you mean "service"?'],
    [{ metric: 'tickets_resolved' }, { service: [] }, 'filters.service'],
    [{ metric: 'tickets_resolved' }, { service: 'mail' }, 'filters.service'],
    [{ metric: 'tickets_resolved' }, { kind: ['problem'] }, 'filters.kind[0]'],
    [{ metric: 'availability' }, { priority: ['P1'] }, 'filters.priority'],
    [{ metric: 'kpi', kpi: 'sales', stat: 'sum' }, { channel: ['phone'] }, 'filters.channel'],
  ];
  for (const [q, f, path, message] of rows) {
    const r = computeMetric(q as MetricQuery, OCT, inputs, f as MetricFilters);
    assert.equal(r.ok, false, JSON.stringify([q, f]));
    if (!r.ok) {
      assert.equal(r.issues[0]!.path, path, JSON.stringify([q, f]));
      if (message) assert.equal(r.issues[0]!.message, message);
    }
  }
  const badFigures = computeMetric({ metric: 'availability' }, OCT, {
    availability: { availability: 1.2, downtimeMs: -1, eligibleMs: 0, excludedMs: 0, outages: [] },
  });
  assert.equal(badFigures.ok, false);
  if (!badFigures.ok)
    assert.deepEqual(
      badFigures.issues.map((i) => i.path),
      ['inputs.availability.availability', 'inputs.availability.downtimeMs'],
    );
  assert.deepEqual(validateFilters(undefined), { ok: true, value: {} });
  assert.equal(computeMetric({ metric: 'tickets_resolved' }, { ...OCT, to: OCT.from }, inputs).ok, false);
});

test('every stopped or breached clock is counted in exactly one month of the year', () => {
  const months = windowsBetween({ kind: 'month', year: 2026, index: 1 }, { kind: 'month', year: 2026, index: 12 });
  assert.ok(months.ok);
  const windows = months.value.map((m) => resolved(m, 'Europe/Berlin'));
  const yearFrom = windows[0]!.from;
  const yearTo = windows[11]!.to;
  const instant = fc.integer({ min: yearFrom, max: yearTo - 1 });
  const aClock = fc.record({ stop: fc.option(instant), breachAt: fc.option(instant) });
  fc.assert(
    fc.property(fc.array(aClock, { maxLength: 30 }), (specs) => {
      const cs = specs.map((sp, i) =>
        clock(`C${i}`, {
          start: yearFrom,
          stop: sp.stop,
          breachAt: sp.breachAt,
          state: sp.breachAt !== null ? 'breached' : sp.stop !== null ? 'met' : 'running',
        }),
      );
      const ts = cs.map((c) => ticket(c.ticket, {}));
      let counted = 0;
      for (const w of windows) counted += run({ metric: 'resolution_time' }, {}, w, { tickets: ts, clocks: cs }).sampleSize;
      assert.equal(counted, cs.filter((c) => c.stop !== null || c.breachAt !== null).length);
    }),
    { numRuns: 50 },
  );
});

test('a breach stays in the window where it happened, even when the ticket is resolved later', () => {
  const late = clock('L1', {
    stop: iso('2026-11-20T08:00:00Z'),
    elapsedMs: 30 * H,
    state: 'breached',
    breachAt: iso('2026-10-29T08:00:00Z'),
  });
  const ins: MetricInputs = {
    tickets: [ticket('L1', { createdAt: iso('2026-10-27T08:00:00Z'), resolvedAt: iso('2026-11-20T08:00:00Z') })],
    clocks: [late],
  };
  const oct = run({ metric: 'resolution_time' }, {}, OCT, ins);
  assert.equal(oct.sampleSize, 1);
  assert.equal(oct.value, 0);
  assert.deepEqual(oct.contributors, ['L1']);
  const nov = run({ metric: 'resolution_time' }, {}, resolved({ kind: 'month', year: 2026, index: 11 }, 'Europe/Berlin'), ins);
  assert.equal(nov.sampleSize, 0);
});

test('ratio: good / total as measured outside (Prometheus); no figures or no total is no data, never 100%', () => {
  const q: MetricQuery = { metric: 'ratio' };
  const value = (inputs: MetricInputs) => {
    const r = computeMetric(q, OCT, inputs);
    assert.ok(r.ok, JSON.stringify(r));
    return r.value;
  };
  const m = value({ ratio: { good: 997, total: 1000, basis: 'increase over the window' } });
  assert.deepEqual([m.value, m.unit, m.sampleSize, m.basis], [99.7, 'percent', 1000, 'increase over the window']);
  assert.equal(value({}).value, null);
  assert.equal(value({ ratio: null }).value, null);
  assert.equal(value({ ratio: { good: 0, total: 0, basis: 'no requests' } }).value, null);
  assert.equal(value({ ratio: { good: Number.NaN, total: 5, basis: 'NaN' } }).value, null);
  // Counters scraped at slightly different instants can give good > total: a share is at most 100%.
  assert.equal(value({ ratio: { good: 1001, total: 1000, basis: 'skewed' } }).value, 100);
  // A filter only tickets carry does not apply to the queries' figures: said, not ignored.
  const f = computeMetric(q, OCT, {}, { priority: ['P1'] });
  assert.ok(!f.ok && f.issues.some((i) => i.path.includes('priority')), JSON.stringify(f));
});
