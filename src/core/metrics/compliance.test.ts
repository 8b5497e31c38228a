import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClockResult, TicketSummary } from '../clock/types.ts';
import type { AvailabilityFigures, KpiObservation } from './catalogue.ts';
import { evaluateTarget, headroom, judge, type TargetEvaluation, type TargetSpec } from './compliance.ts';
import { assertSayable } from './testkit.ts';
import type { Window } from './window.ts';

const H = 3_600_000;
const iso = (s: string) => Date.parse(s);
const close = (a: number | null, b: number, what = '') =>
  assert.ok(a !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

const OCT: Window = { kind: 'month', year: 2026, index: 10 };
const ZONE = 'Europe/Berlin';
/** After October 2026 (Berlin) has closed. */
const AFTER = iso('2026-11-05T00:00:00Z');
/** 10 October 2026, October still open. */
const DURING = iso('2026-10-10T00:00:00Z');
const OCT_MS = 745 * H;

function evaluate(spec: Partial<TargetSpec>): TargetEvaluation {
  const r = evaluateTarget({
    metric: 'availability',
    comparator: '>=',
    target: 99.9,
    window: OCT,
    zone: ZONE,
    now: AFTER,
    inputs: {},
    ...spec,
  } as TargetSpec);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  assertSayable(r.value);
  return r.value;
}

function figures(downtimeMs: number, eligibleMs = OCT_MS, excludedMs = 0): AvailabilityFigures {
  return {
    availability: eligibleMs > 0 ? 1 - downtimeMs / eligibleMs : null,
    downtimeMs,
    eligibleMs,
    excludedMs,
    outages: downtimeMs > 0 ? ['O1'] : [],
  };
}

test('availability 99.9% over October (745 h): met, at risk, breached, no data', () => {
  // 0.1% of 745 h is 2,682,000 ms (44 min 42 s) of downtime allowed.
  const rows: Array<[number, TargetEvaluation['state'], number]> = [
    [0, 'met', 0],
    [1_341_000, 'met', 0.5],
    // October has closed: a month that passed is met however thin the margin (at_risk warns
    // about the future, and a closed window has none); the thin margin is a note.
    [2_011_500, 'met', 0.75], // exactly at the warning level
    [2_145_600, 'met', 0.8],
    [2_682_000, 'met', 1], // exactly 99.9%: passes, budget fully used
    [2_682_001, 'breached', 2_682_001 / 2_682_000],
  ];
  for (const [down, state, consumed] of rows) {
    const e = evaluate({ inputs: { availability: figures(down) } });
    assert.equal(e.state, state, `downtime ${down}`);
    close(e.consumed, consumed, `consumed ${down}`);
    assert.equal(e.windowClosed, true);
    assert.equal(e.budget!.allowedMs, 2_682_000);
    assert.equal(e.budget!.remainingMs, 2_682_000 - down);
    close(e.margin, (1 - down / OCT_MS) * 100 - 99.9, 'margin');
  }
  assert.equal(evaluate({ inputs: { availability: figures(1_341_000) } }).note, undefined);
  assert.equal(
    evaluate({ inputs: { availability: figures(2_145_600) } }).note,
    'met with little margin: 80% of the allowance is used (warning at 75%)',
  );
  const none = evaluate({ inputs: { availability: figures(0, 0, OCT_MS) } });
  assert.equal(none.state, 'no_data');
  assert.equal(none.margin, null);
  assert.equal(evaluate({ inputs: {} }).state, 'no_data');
});

test('availability on an open window: breached only once the whole month cannot recover', () => {
  // On 10 October (00:00Z) 218 h are eligible so far; the month can still be measured over 745 h,
  // which allows 2,682,000 ms of downtime in all.
  const soFar = 218 * H;
  const rows: Array<[number, TargetEvaluation['state'], string]> = [
    [0, 'met', 'the value meets the target so far'],
    // 99.92% so far, 22% of the month's budget used.
    [600_000, 'met', 'the value meets the target so far'],
    // 99.73% so far misses the target, but 99.92% is still reachable by the month's end.
    [2_100_000, 'at_risk', 'the window is open and the value misses the target so far'],
    // More downtime than the whole month allows: nothing left in October can repair it.
    [2_700_000, 'breached', 'the downtime so far already exceeds what the target allows for the whole window'],
  ];
  for (const [down, state, reason] of rows) {
    const e = evaluate({ now: DURING, inputs: { availability: figures(down, soFar) } });
    assert.equal(e.windowClosed, false);
    assert.equal(e.state, state, `downtime ${down}`);
    assert.equal(e.reason, reason, `downtime ${down}`);
    close(e.consumed, down / 2_682_000, `consumed ${down}`);
  }
  // Passing so far, but most of the month's budget is gone: at risk before it breaks.
  const warned = evaluate({ now: DURING, inputs: { availability: figures(2_100_000, 745 * H - 10 * H) } });
  assert.equal(warned.state, 'at_risk');
  assert.equal(warned.reason, '78.3% of the allowance is used (warning at 75%)');
});

test('availability budget follows the real window length', () => {
  // 99.99% over a 365-day year allows 3153.6 s (52 min 33.6 s); over 2028 (366 days) 3162.24 s.
  // The folklore "52 min 36 s" is a 365.25-day average year.
  for (const [year, days] of [
    [2026, 365],
    [2028, 366],
  ] as const) {
    const e = evaluate({
      window: { kind: 'year', year },
      zone: 'UTC',
      target: 99.99,
      now: iso(`${year + 1}-02-01T00:00:00Z`),
      inputs: { availability: figures(0, days * 24 * H) },
    });
    assert.equal(e.budget!.allowedMs, days * 8640); // 0.01% of a day is 8.64 s
  }
  // Maintenance excluded: the budget shrinks with the eligible time (743 h).
  const e = evaluate({ inputs: { availability: figures(0, 743 * H, 2 * H) } });
  assert.equal(e.budget!.allowedMs, 2_674_800);
});

test('a fixed downtime allowance decides on its own: breached exactly when downtime exceeds it', () => {
  // "At most 52 min 36 s a year" over 2026 (365 days): the percentage alone would allow 52m 33.6s.
  const YEAR: Window = { kind: 'year', year: 2026 };
  const yearMs = 365 * 24 * H;
  const closedNow = iso('2027-01-05T00:00:00Z');
  const rows: Array<[number, TargetSpec['comparator'], TargetEvaluation['state'], string | undefined]> = [
    // downtime (ms), comparator, state, note
    [3_155_000, '>=', 'met', 'met with little margin: 99.97% of the allowance is used (warning at 75%)'],
    [3_156_000, '>=', 'met', 'met with little margin: 100% of the allowance is used (warning at 75%)'], // exactly the allowance
    [3_156_000, '>', 'breached', undefined], // "more than 99.99%": the allowance itself is too much
    [3_157_000, '>=', 'breached', undefined],
    [1_000_000, '>=', 'met', undefined],
  ];
  for (const [down, comparator, state, note] of rows) {
    const e = evaluate({
      window: YEAR,
      zone: 'UTC',
      target: 99.99,
      comparator,
      allowanceMs: 3_156_000,
      now: closedNow,
      inputs: { availability: figures(down, yearMs) },
    });
    assert.equal(e.state, state, `${down} ${comparator}`);
    assert.equal(e.note, note, `${down} ${comparator}`);
    assert.deepEqual(e.budget, { allowedMs: 3_156_000, usedMs: down, remainingMs: 3_156_000 - down, basis: 'fixed' });
    close(e.consumed, down / 3_156_000);
    // The margin is the allowance left, in points of the time measured: positive while within it.
    close(e.margin, ((3_156_000 - down) * 100) / yearMs, `margin ${down}`);
  }
  // On an open year: within the allowance so far is met or at risk; beyond it is final at once.
  const june = iso('2026-06-01T00:00:00Z');
  const open = (down: number) =>
    evaluate({
      window: YEAR,
      zone: 'UTC',
      target: 99.99,
      allowanceMs: 3_156_000,
      now: june,
      inputs: { availability: figures(down, 151 * 24 * H) },
    });
  assert.equal(open(1_000_000).state, 'met');
  assert.equal(open(1_000_000).reason, 'the downtime 16m 40s against an allowance of 52m 36s is within it so far');
  assert.equal(open(3_000_000).state, 'at_risk');
  assert.equal(open(3_156_001).state, 'breached');
  assert.equal(open(3_156_001).reason, 'the downtime 52m 36.001s against an allowance of 52m 36s already exceeds it');
  // Only for availability, with >= or >, and a duration.
  for (const [patch, path] of [
    [{ allowanceMs: -1 }, 'allowanceMs'],
    [{ allowanceMs: Number.NaN }, 'allowanceMs'],
    [{ allowanceMs: 1000, comparator: '<=' }, 'allowanceMs'],
    [{ allowanceMs: 1000, metric: 'tickets_resolved' }, 'allowanceMs'],
  ] as const) {
    const spec = {
      metric: 'availability',
      comparator: '>=',
      target: 99.9,
      window: OCT,
      zone: ZONE,
      now: AFTER,
      inputs: { availability: figures(0) },
      ...patch,
    };
    const r = evaluateTarget(spec as unknown as TargetSpec);
    assert.equal(r.ok, false, JSON.stringify(patch));
    if (!r.ok) assert.equal(r.issues[0]!.path, path);
  }
});

function clk(ticket: string, breached: boolean, elapsedH: number, stop = iso('2026-10-15T12:00:00Z')): ClockResult {
  return {
    ticket,
    target: 'resolution',
    kind: 'resolution',
    cycle: 1,
    priority: 'P2',
    start: stop - elapsedH * H,
    stop,
    elapsedMs: elapsedH * H,
    pausedMs: 0,
    targetMs: 8 * H,
    deadline: stop - elapsedH * H + 8 * H,
    state: breached ? 'breached' : 'met',
    consumed: elapsedH / 8,
    breachAt: breached ? stop - elapsedH * H + 8 * H : null,
    eventIds: [],
  };
}

function summary(ticket: string, t: Partial<TicketSummary> = {}): TicketSummary {
  return {
    ticket,
    createdAt: iso('2026-10-15T08:00:00Z'),
    service: 'mail',
    customer: 'acme',
    region: null,
    channel: null,
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

/** n clocks, the first `breaches` of them breached, each elapsed `elapsedH` hours. */
function clockInputs(n: number, breaches: number, elapsedH = 2) {
  const ids = Array.from({ length: n }, (_, i) => `T${i + 1}`);
  return { tickets: ids.map((id) => summary(id)), clocks: ids.map((id, i) => clk(id, i < breaches, i < breaches ? 9 : elapsedH)) };
}

test('share within target: error budget decides at_risk on an open window; a closed one is met, with a note', () => {
  // 19 of 20 within target = 95%. Open: 20 October; closed: after October.
  const OPEN = iso('2026-10-20T00:00:00Z');
  const rows: Array<[number, TargetEvaluation['state'], TargetEvaluation['state'], number]> = [
    [90, 'met', 'met', 0.5], // 5 of 10 points used
    [93, 'met', 'met', 5 / 7],
    [94, 'at_risk', 'met', 5 / 6],
    [95, 'at_risk', 'met', 1],
    [96, 'at_risk', 'breached', 5 / 4],
  ];
  for (const [target, open, closed, consumed] of rows) {
    const e = evaluate({ metric: 'resolution_time', target, inputs: clockInputs(20, 1) });
    assert.equal(e.value, 95);
    assert.equal(e.state, closed, `target ${target}`);
    assert.equal(
      evaluate({ metric: 'resolution_time', target, now: OPEN, inputs: clockInputs(20, 1) }).state,
      open,
      `target ${target}, open`,
    );
    close(e.consumed, consumed, `target ${target}`);
    assert.equal(e.margin, 95 - target);
    assert.equal(e.unit, 'percent');
    assert.equal(e.note !== undefined, closed === 'met' && consumed >= 0.75, `target ${target}: note ${e.note}`);
  }
  // The same shortfall on an open window is at risk: later tickets can still lift the share.
  const open = evaluate({ metric: 'resolution_time', target: 96, now: iso('2026-10-20T00:00:00Z'), inputs: clockInputs(20, 1) });
  assert.equal(open.state, 'at_risk');
  // A custom warning level.
  assert.equal(evaluate({ metric: 'resolution_time', target: 94, warn: 0.9, inputs: clockInputs(20, 1) }).state, 'met');
});

test('time targets with <=: value / target against warn', () => {
  // Closed October: met or breached; the same values on 20 October: at risk from 75% used.
  const OPEN = iso('2026-10-20T00:00:00Z');
  const rows: Array<[number, TargetEvaluation['state'], TargetEvaluation['state'], number]> = [
    [2, 'met', 'met', 0.5], // mean 2 h against 4 h
    [3, 'met', 'at_risk', 0.75],
    [3.5, 'met', 'at_risk', 0.875],
    [4, 'met', 'at_risk', 1],
    [5, 'breached', 'at_risk', 1.25],
  ];
  for (const [hours, state, open, consumed] of rows) {
    const e = evaluate({ metric: 'resolution_time', stat: 'mean', comparator: '<=', target: 4 * 3600, inputs: clockInputs(4, 0, hours) });
    assert.equal(e.value, hours * 3600);
    assert.equal(e.unit, 'seconds');
    assert.equal(e.state, state, `${hours} h`);
    const during = evaluate({
      metric: 'resolution_time',
      stat: 'mean',
      comparator: '<=',
      target: 4 * 3600,
      now: OPEN,
      inputs: clockInputs(4, 0, hours),
    });
    assert.equal(during.state, open, `${hours} h, open`);
    close(e.consumed, consumed);
    assert.equal(e.margin, (4 - hours) * 3600);
  }
  // p90 < 4 h, strict: exactly 4 h fails.
  assert.equal(
    evaluate({ metric: 'resolution_time', stat: 'p90', comparator: '<', target: 4 * 3600, inputs: clockInputs(10, 0, 4) }).state,
    'breached',
  );
  // A mean still too high on an open window can come down: at risk.
  assert.equal(
    evaluate({ metric: 'resolution_time', stat: 'mean', comparator: '<=', target: 4 * 3600, now: DURING, inputs: clockInputs(4, 0, 5) })
      .state,
    'at_risk',
  );
});

test('no data: an empty sample is neither met nor breached', () => {
  for (const stat of ['share_within_target', 'mean', 'p95']) {
    const e = evaluate({
      metric: 'resolution_time',
      stat,
      comparator: stat === 'share_within_target' ? '>=' : '<=',
      target: stat === 'share_within_target' ? 95 : 14400,
      inputs: { tickets: [], clocks: [] },
    });
    assert.equal(e.state, 'no_data', stat);
    assert.equal(e.value, null);
    assert.equal(e.margin, null);
    assert.equal(e.sampleSize, 0);
  }
  assert.equal(evaluate({ metric: 'satisfaction', target: 80, inputs: {} }).state, 'no_data');
});

test('running clocks: in flight are not counted, open breaches are', () => {
  const running: ClockResult = { ...clk('A', false, 1), stop: null, state: 'running' };
  const openBreach: ClockResult = { ...clk('B', true, 9), stop: null };
  const e = evaluate({
    metric: 'resolution_time',
    target: 95,
    now: DURING,
    inputs: { tickets: [summary('A'), summary('B')], clocks: [running, openBreach] },
  });
  assert.equal(e.value, 0);
  assert.equal(e.sampleSize, 1);
  assert.deepEqual(e.measurement.inFlight, ['A']);
  assert.deepEqual(e.measurement.openBreaches, ['B']);
  assert.equal(e.state, 'at_risk');
  const only = evaluate({ metric: 'resolution_time', target: 95, now: DURING, inputs: { tickets: [summary('A')], clocks: [running] } });
  assert.equal(only.state, 'no_data');
});

test('accumulating metrics: a shortfall on an open window is at risk, an excess is final', () => {
  const resolvedTickets = (n: number) => ({
    tickets: Array.from({ length: n }, (_, i) =>
      summary(`R${i}`, { resolvedAt: iso('2026-10-05T08:00:00Z') + i * H, resolvedBy: 'provider' }),
    ),
  });
  const rows: Array<[TargetSpec['comparator'], number, number, number, TargetEvaluation['state']]> = [
    // comparator, target, resolved so far, now, state
    ['>=', 10, 5, DURING, 'at_risk'],
    ['>=', 10, 5, AFTER, 'breached'],
    ['>=', 3, 5, DURING, 'met'], // already reached, cannot be lost
    ['>', 5, 5, DURING, 'at_risk'],
    ['<=', 3, 5, DURING, 'breached'], // already too many, can only grow
    ['<=', 10, 8, DURING, 'at_risk'], // 80% of the allowance used
    ['<=', 10, 5, DURING, 'met'],
    ['<', 5, 5, AFTER, 'breached'],
    ['>=', 1, 0, AFTER, 'breached'], // zero resolved is a measurement, not missing data
  ];
  for (const [comparator, target, n, now, state] of rows) {
    const e = evaluate({ metric: 'tickets_resolved', comparator, target, now, inputs: resolvedTickets(n) });
    assert.equal(e.value, n);
    assert.equal(e.state, state, `${n} ${comparator} ${target} ${now === DURING ? 'open' : 'closed'}`);
  }
});

test('ratio targets with <= and >: escalation rate and self-service', () => {
  // 1 of 10 created tickets escalated: 10%.
  const created = Array.from({ length: 10 }, (_, i) =>
    summary(`E${i}`, {
      escalationCount: i === 0 ? 1 : 0,
      resolvedAt: iso('2026-10-20T08:00:00Z'),
      resolvedBy: i < 3 ? 'customer' : 'provider',
    }),
  );
  const OPEN = iso('2026-10-25T00:00:00Z');
  const esc = (target: number, now = OPEN) =>
    evaluate({ metric: 'escalation_rate', comparator: '<=', target, now, inputs: { tickets: created } });
  assert.equal(esc(20).state, 'met'); // 10 / 20 = 50% used
  assert.equal(esc(12).state, 'at_risk'); // 83% used
  assert.equal(esc(12, AFTER).state, 'met'); // once October has closed
  assert.match(esc(12, AFTER).note!, /^met with little margin: 83.33% of the allowance is used/);
  assert.equal(esc(5).state, 'at_risk'); // open: later tickets may still bring the rate down
  assert.equal(esc(5, AFTER).state, 'breached');
  assert.equal(esc(20).margin, 10);
  const self = evaluate({ metric: 'self_service_ratio', comparator: '>', target: 25, now: OPEN, inputs: { tickets: created } });
  assert.equal(self.value, 30);
  // 70 / 75 of the room above 25% used: at risk.
  assert.equal(self.state, 'at_risk');
  assert.equal(evaluate({ metric: 'self_service_ratio', comparator: '>', target: 30, inputs: { tickets: created } }).state, 'breached');
});

test('satisfaction beside the SLA figures: csat against 80%', () => {
  const rated = (scores: number[]) => ({
    tickets: scores.map((s, i) => summary(`S${i}`, { satisfaction: [{ at: iso('2026-10-20T08:00:00Z'), score: s, scale: 5 }] })),
  });
  const e = evaluate({
    metric: 'satisfaction',
    stat: 'csat',
    target: 80,
    now: iso('2026-10-25T00:00:00Z'),
    inputs: rated([5, 4, 4, 2, 5]),
  });
  assert.equal(e.value, 80);
  assert.equal(e.state, 'at_risk'); // passing with the whole 20-point budget used, October still open
  assert.equal(evaluate({ metric: 'satisfaction', stat: 'csat', target: 80, inputs: rated([5, 4, 4, 2, 5]) }).state, 'met');
  const mean = evaluate({ metric: 'satisfaction', target: 60, inputs: rated([5, 4, 4, 2, 5]) });
  assert.equal(mean.value, 80);
  assert.equal(mean.state, 'met'); // (100 - 80) / (100 - 60) = 50% used
});

const Q4: Window = { kind: 'quarter', year: 2026, index: 4 };
const NY = 'America/New_York';
const k = (id: string, kpi: string, at: string, value: number, subject?: string): KpiObservation => ({
  id,
  kpi,
  atMs: iso(at),
  value,
  ...(subject ? { subject } : {}),
});
const sales: KpiObservation[] = [
  k('s1', 'sales', '2026-10-15T15:00:00Z', 6000, 'rep-a'),
  k('s2', 'sales', '2026-11-20T15:00:00Z', 5000, 'rep-a'),
  k('s3', 'sales', '2026-10-03T15:00:00Z', 4000, 'rep-b'),
  k('s4', 'sales', '2026-12-01T15:00:00Z', 3000, 'rep-b'),
  k('s5', 'sales', '2026-12-10T15:00:00Z', 12000, 'rep-d'),
];

test('quarterly sales per rep of at least $10,000: each rep judged, the worst sets the state', () => {
  const closed = evaluate({
    metric: 'kpi',
    kpi: 'sales',
    stat: 'sum',
    perSubject: true,
    comparator: '>=',
    target: 10_000,
    window: Q4,
    zone: NY,
    now: iso('2027-01-15T00:00:00Z'),
    inputs: { kpis: sales },
  });
  assert.equal(closed.state, 'breached');
  assert.equal(closed.worstSubject, 'rep-b');
  assert.equal(closed.value, 7000);
  assert.equal(closed.margin, -3000);
  assert.deepEqual(
    closed.subjects!.map((s) => [s.subject, s.value, s.state, s.margin]),
    [
      ['rep-a', 11000, 'met', 1000],
      ['rep-b', 7000, 'breached', -3000],
      ['rep-d', 12000, 'met', 2000],
    ],
  );
  // With a roster, a rep who sold nothing is judged too (and is the worst).
  const roster = evaluate({
    metric: 'kpi',
    kpi: 'sales',
    stat: 'sum',
    subjects: ['rep-a', 'rep-b', 'rep-c'],
    comparator: '>=',
    target: 10_000,
    window: Q4,
    zone: NY,
    now: iso('2027-01-15T00:00:00Z'),
    inputs: { kpis: sales },
  });
  assert.equal(roster.worstSubject, 'rep-c');
  assert.equal(roster.value, 0);
  assert.equal(roster.reason, 'rep-c: the window is closed and the value misses the target (2 of 3 subjects breached)');
  // Mid-quarter (25 November): rep-a has already made it; rep-b is short but can still sell.
  const now = iso('2026-11-25T00:00:00Z');
  const open = evaluate({
    metric: 'kpi',
    kpi: 'sales',
    stat: 'sum',
    perSubject: true,
    comparator: '>=',
    target: 10_000,
    window: Q4,
    zone: NY,
    now,
    inputs: { kpis: sales.filter((s) => s.atMs < now) },
  });
  assert.equal(open.windowClosed, false);
  assert.deepEqual(
    open.subjects!.map((s) => [s.subject, s.state]),
    [
      ['rep-a', 'met'],
      ['rep-b', 'at_risk'],
    ],
  );
  assert.equal(open.state, 'at_risk');
  // Nobody reported anything.
  assert.equal(
    evaluate({ metric: 'kpi', kpi: 'sales', stat: 'sum', perSubject: true, target: 10_000, window: Q4, zone: NY, inputs: { kpis: [] } })
      .state,
    'no_data',
  );
});

test('monthly appointments per rep (count), and monthly organic visitors (sum)', () => {
  const appts = [
    ...Array.from({ length: 8 }, (_, i) => k(`a${i}`, 'appointment', `2026-10-${String(i + 2).padStart(2, '0')}T09:00:00Z`, 1, 'ann')),
    ...Array.from({ length: 5 }, (_, i) => k(`b${i}`, 'appointment', `2026-10-${String(i + 2).padStart(2, '0')}T09:00:00Z`, 1, 'bob')),
  ];
  const e = evaluate({
    metric: 'kpi',
    kpi: 'appointment',
    stat: 'count',
    subjects: ['ann', 'bob', 'cy'],
    comparator: '>=',
    target: 6,
    inputs: { kpis: appts },
  });
  assert.deepEqual(
    e.subjects!.map((s) => [s.subject, s.value, s.state]),
    [
      ['ann', 8, 'met'],
      ['bob', 5, 'breached'],
      ['cy', 0, 'breached'],
    ],
  );
  assert.equal(e.worstSubject, 'cy');
  assert.equal(e.unit, 'count');
  const visits = [k('v1', 'visits', '2026-10-10T00:00:00Z', 600), k('v2', 'visits', '2026-10-20T00:00:00Z', 500)];
  const v = evaluate({ metric: 'kpi', kpi: 'visits', stat: 'sum', comparator: '>=', target: 1000, inputs: { kpis: visits } });
  assert.equal(v.value, 1100);
  assert.equal(v.state, 'met'); // >= on an unbounded sum has no warning band
  assert.equal(v.consumed, null);
  assert.equal(
    evaluate({
      metric: 'kpi',
      kpi: 'visits',
      stat: 'sum',
      comparator: '>=',
      target: 1000,
      now: DURING,
      inputs: { kpis: visits.slice(0, 1) },
    }).state,
    'at_risk',
  );
});

test('min and max KPIs: early verdicts in the direction they can move', () => {
  const temps = [k('t1', 'temp', '2026-10-02T00:00:00Z', 21), k('t2', 'temp', '2026-10-03T00:00:00Z', 17)];
  const at = (stat: string, comparator: TargetSpec['comparator'], target: number) =>
    evaluate({ metric: 'kpi', kpi: 'temp', stat, comparator, target, now: DURING, inputs: { kpis: temps } }).state;
  assert.equal(at('min', '>=', 18), 'breached'); // a minimum can only fall
  assert.equal(at('min', '<=', 16), 'at_risk'); // it may still fall to 16
  assert.equal(at('max', '<=', 20), 'breached'); // a maximum can only rise
  assert.equal(at('max', '>=', 20), 'met'); // already reached
  assert.equal(at('avg', '>=', 20), 'at_risk');
  // A sum with a negative value can fall: exceeding a <= target is not final.
  const refunds = [k('r1', 'cost', '2026-10-02T00:00:00Z', 500), k('r2', 'cost', '2026-10-03T00:00:00Z', -100)];
  assert.equal(
    evaluate({ metric: 'kpi', kpi: 'cost', stat: 'sum', comparator: '<=', target: 300, now: DURING, inputs: { kpis: refunds } }).state,
    'at_risk',
  );
  assert.equal(
    evaluate({ metric: 'kpi', kpi: 'cost', stat: 'sum', comparator: '<=', target: 300, now: DURING, inputs: { kpis: refunds.slice(0, 1) } })
      .state,
    'breached',
  );
});

test('the window closes exactly at its end', () => {
  const end = iso('2026-10-31T23:00:00Z');
  assert.equal(evaluate({ now: end - 1, inputs: { availability: figures(0) } }).windowClosed, false);
  assert.equal(evaluate({ now: end, inputs: { availability: figures(0) } }).windowClosed, true);
  const e = evaluate({ now: end, inputs: { availability: figures(0) } });
  assert.deepEqual(e.window, { from: iso('2026-09-30T22:00:00Z'), to: end, label: '2026-10', zone: ZONE });
});

test('range windows need no zone; rolling windows do', () => {
  const range: Window = { kind: 'range', from: iso('2026-10-01T00:00:00Z'), to: iso('2026-10-02T00:00:00Z') };
  const r = evaluateTarget({ metric: 'tickets_resolved', comparator: '>=', target: 0, window: range, now: AFTER, inputs: {} });
  assert.ok(r.ok);
  assert.equal(r.value.state, 'met');
  const rolling = evaluateTarget({
    metric: 'tickets_resolved',
    comparator: '>=',
    target: 0,
    window: { kind: 'rolling', days: 30, end: AFTER },
    now: AFTER,
    inputs: {},
  });
  assert.equal(rolling.ok, false);
  if (!rolling.ok) assert.equal(rolling.issues[0]!.path, 'zone');
});

test('bad targets are issues with field paths, never exceptions', () => {
  const base = {
    metric: 'availability',
    comparator: '>=',
    target: 99.9,
    window: OCT,
    zone: ZONE,
    now: AFTER,
    inputs: { availability: figures(0) },
  };
  const rows: Array<[Record<string, unknown>, string]> = [
    [{ comparator: '=>' }, 'comparator'],
    [{ target: Number.NaN }, 'target'],
    [{ target: '99.9' }, 'target'],
    [{ target: 150 }, 'target'], // percentages are written in percent
    [{ warn: 0 }, 'warn'],
    [{ warn: 1.5 }, 'warn'],
    [{ now: undefined }, 'now'],
    [{ zone: undefined }, 'zone'],
    [{ zone: 'Europe/Berln' }, 'zone'],
    [{ window: { kind: 'month', year: 2026, index: 13 } }, 'window.index'],
    [{ metric: 'uptime' }, 'metric'],
    [{ filters: { priority: ['P1'] } }, 'filters.priority'],
    [{ metric: 'kpi', kpi: 'sales' }, 'stat'],
  ];
  for (const [patch, path] of rows) {
    const r = evaluateTarget({ ...base, ...patch } as unknown as TargetSpec);
    assert.equal(r.ok, false, JSON.stringify(patch));
    if (!r.ok) assert.equal(r.issues[0]!.path, path, JSON.stringify(patch));
  }
  assert.equal(evaluateTarget(null as unknown as TargetSpec).ok, false);
});

test('headroom keeps decimal targets exact', () => {
  assert.deepEqual(headroom(99.9), { num: 1, den: 10 });
  assert.deepEqual(headroom(99.99), { num: 1, den: 100 });
  assert.deepEqual(headroom(95), { num: 5, den: 1 });
  assert.deepEqual(headroom(100), { num: 0, den: 1 });
  assert.deepEqual(headroom(99.95), { num: 5, den: 100 });
});

test('on a closed window the state is met or breached: breached exactly when the comparator fails, never at risk', () => {
  const cmp = fc.constantFrom('>=' as const, '<=' as const, '>' as const, '<' as const);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100 }),
      fc.integer({ min: 0, max: 100 }),
      cmp,
      fc.constantFrom('percent' as const, 'count' as const, 'seconds' as const),
      fc.constantFrom<'increasing' | 'decreasing' | null>('increasing', 'decreasing', null),
      (value, target, comparator, unit, monotone) => {
        const v = judge(value, { comparator, target, warn: 0.75, closed: true, unit, monotone });
        assertSayable(v);
        const passes =
          comparator === '>='
            ? value >= target
            : comparator === '<='
              ? value <= target
              : comparator === '>'
                ? value > target
                : value < target;
        assert.equal(v.state === 'breached', !passes);
        // A closed window is never at risk: it passed (met, perhaps with a note) or it did not.
        assert.equal(v.state, passes ? 'met' : 'breached');
        assert.equal(v.margin! >= 0, comparator === '>=' || comparator === '<=' ? passes : passes || value === target);
        // Closing the window never improves a verdict.
        const open = judge(value, { comparator, target, warn: 0.75, closed: false, unit, monotone });
        assertSayable(open);
        const rank = { met: 0, no_data: 1, at_risk: 2, breached: 3 };
        if (open.state === 'breached') assert.equal(v.state, 'breached');
        if (v.state === 'met') assert.ok(rank[open.state] <= rank.at_risk);
      },
    ),
  );
});
