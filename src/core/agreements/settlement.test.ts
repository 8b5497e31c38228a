import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { agreementFromText } from './load.ts';
import { mergeChain } from './layering.ts';
import { settlePeriods } from './settlement.ts';
import { unwrap } from '../validation/issues.ts';
import { compileCalendar } from '../calendar/compile.ts';
import { resolveWindow, type ResolvedWindow } from '../metrics/window.ts';
import { parseEvent } from '../events/parse.ts';
import type { Timed } from '../events/schema.ts';

const dir = fileURLToPath(new URL('../../../examples/agreements/', import.meta.url));
const terms = (file: string) => {
  const doc = unwrap(agreementFromText(readFileSync(dir + file, 'utf8'), dir + file));
  return unwrap(mergeChain([doc], doc.spec.parties.customer?.id ?? '', doc.spec.services[0] ?? '')).terms;
};
const calendars = new Map([['24x7', unwrap(compileCalendar({ timezone: 'UTC', hours: 'always' }))]]);
const month = (year: number, index: number, zone = 'UTC'): ResolvedWindow => unwrap(resolveWindow({ kind: 'month', year, index }, zone));
let n = 0;
const outage = (service: string, start: string, minutes: number, cause = 'provider'): Timed[] => {
  const id = `o${++n}`;
  const end = new Date(Date.parse(start) + minutes * 60_000).toISOString();
  return [
    unwrap(parseEvent({ id: `${id}s`, type: 'outage.started', at: start, service, outage: id, cause })),
    unwrap(parseEvent({ id: `${id}e`, type: 'outage.ended', at: end, service, outage: id })),
  ];
};

test('99.99% a year or a $500 fine due within 15 days of the breach: owed once, in the month of the breach', () => {
  const t = terms('uptime-fine.yaml');
  // 40 minutes in June (within the yearly allowance of 52m 36s), 20 more in August: breached in August.
  const events = [
    ...outage('cloud-pbx', '2026-06-10T10:00:00Z', 40),
    ...outage('cloud-pbx', '2026-08-05T10:00:00Z', 20),
    ...outage('cloud-pbx', '2026-09-01T10:00:00Z', 30, 'customer'),
  ];
  const periods = [6, 7, 8, 9, 12].map((m) => month(2026, m));
  const out = settlePeriods({ terms: t, calendars, events, periods, now: Date.parse('2027-01-10T00:00:00Z') });
  const owed = out.flatMap((o) => o.settlement!.totals.filter((x) => x.amountMinor > 0).map((x) => `${o.period.label}:${x.amount}`));
  assert.deepEqual(owed, ['2026-08:USD 500.00']);
  const aug = out[2]!.settlement!.lines[0]!;
  const breach = out[2]!.targets[0]!.firstBreachAt!;
  // The allowance (52m 36s) runs out 12m 36s into the August outage; the fine is due 15 days later.
  assert.equal(new Date(breach).toISOString(), '2026-08-05T10:12:36.000Z');
  assert.deepEqual([aug.due!.date, aug.due!.basis], ['2026-08-20', 'breach']);
  // Settled per year instead, the same fine with the same due date.
  const [year] = settlePeriods({
    terms: t,
    calendars,
    events,
    periods: [unwrap(resolveWindow({ kind: 'year', year: 2026 }, 'UTC'))],
    now: Date.parse('2027-01-10T00:00:00Z'),
  });
  assert.deepEqual(
    year!.settlement!.lines.map((l) => [l.amount, l.due?.date]),
    [['USD 500.00', '2026-08-20']],
  );
  // The customer-caused outage in September is excluded, as the agreement says.
  assert.equal(out[3]!.targets[0]!.availability!.downtimeMs, 60 * 60_000);
});

test('the fine example states its allowance: 52m 35s of downtime in a year owes nothing, 52m 37s owes the fine', () => {
  // "If downtime exceeds 52 min 36 s": the allowance the contract states, in a 365-day year and a
  // 366-day one alike. As a bare percentage, 99.99% of 2026 would allow only 52m 33.6s.
  const t = terms('uptime-fine.yaml');
  assert.equal(t.targets[0]!.allowance, '52m36s');
  const down = (id: string, start: string, seconds: number): Timed[] => [
    unwrap(parseEvent({ id: `${id}s`, type: 'outage.started', at: start, service: 'cloud-pbx', outage: id })),
    unwrap(
      parseEvent({
        id: `${id}e`,
        type: 'outage.ended',
        at: new Date(Date.parse(start) + seconds * 1000).toISOString(),
        service: 'cloud-pbx',
        outage: id,
      }),
    ),
  ];
  const yearly = (terms_: typeof t, year: number, seconds: number) =>
    settlePeriods({
      terms: { ...terms_, term: { ...terms_.term!, start: `${year}-01-01`, end: `${year}-12-31` } },
      calendars,
      events: down(`y${year}-${seconds}`, `${year}-03-10T10:00:00Z`, seconds),
      periods: [3, 12].map((m) => month(year, m)),
      now: Date.parse(`${year + 1}-01-10T00:00:00Z`),
    });
  const rows: Array<[number, number, string, string]> = [
    // year, seconds of downtime, state of the year, owed in March (the breach's month)
    [2026, 52 * 60 + 35, 'met', 'USD 0.00'],
    [2026, 52 * 60 + 36, 'met', 'USD 0.00'], // exactly the allowance: not exceeded
    [2026, 52 * 60 + 37, 'breached', 'USD 500.00'],
    [2028, 52 * 60 + 35, 'met', 'USD 0.00'], // a leap year: the same allowance
    [2028, 52 * 60 + 37, 'breached', 'USD 500.00'],
  ];
  for (const [year, seconds, state, owed] of rows) {
    const [march, december] = yearly(t, year, seconds);
    const dec = december!.targets[0]!.evaluation!;
    assert.equal(dec.state, state, `${year}, ${seconds} s`);
    assert.deepEqual(dec.budget, { allowedMs: 3_156_000, usedMs: seconds * 1000, remainingMs: 3_156_000 - seconds * 1000, basis: 'fixed' });
    assert.equal(march!.settlement!.totals[0]!.amount, owed, `${year}, ${seconds} s`);
    assert.equal(december!.settlement!.totals[0]!.amountMinor, 0);
  }
  const [, over] = yearly(t, 2026, 52 * 60 + 37);
  assert.equal(
    over!.targets[0]!.evaluation!.reason,
    'the window is closed and the downtime 52m 37s against an allowance of 52m 36s exceeds it',
  );
  const [, within] = yearly(t, 2026, 52 * 60 + 35);
  assert.equal(
    within!.targets[0]!.evaluation!.reason,
    'the window is closed and the downtime 52m 35s against an allowance of 52m 36s is within it',
  );
  // Without the allowance the percentage of the real year decides: 52m 35s breaches 2026's 52m 33.6s.
  const bare = { ...t, targets: t.targets.map(({ allowance: _a, ...x }) => x) };
  const [pctMarch, pctDec] = yearly(bare, 2026, 52 * 60 + 35);
  assert.equal(pctDec!.targets[0]!.evaluation!.state, 'breached');
  assert.deepEqual(pctDec!.targets[0]!.evaluation!.budget, {
    allowedMs: 3_153_600,
    usedMs: 3_155_000,
    remainingMs: -1400,
    basis: 'percentage',
  });
  assert.equal(pctMarch!.settlement!.totals[0]!.amount, 'USD 500.00');
});

test('tiered credits with a 90-day grace period, caps, and termination after three breached months', () => {
  const t = terms('enterprise-email-service.yaml');
  // 2026-01-01 term start, 90 days grace. March: 2h down (99.73%: below 99.9 -> 10%) but in grace.
  // July: 8h down (98.92%: below 99.0 -> 25%); August and September: 1h each (99.87%: 10%).
  const events = [
    ...outage('email', '2026-03-10T10:00:00Z', 120),
    ...outage('email', '2026-07-10T00:00:00Z', 480),
    ...outage('email', '2026-08-10T00:00:00Z', 60),
    ...outage('email', '2026-09-10T00:00:00Z', 60),
  ];
  const periods = [3, 4, 5, 6, 7, 8, 9].map((m) => month(2026, m, 'Europe/Berlin'));
  const out = settlePeriods({ terms: t, calendars, events, periods, now: Date.parse('2026-12-01T00:00:00Z') });
  const by = (label: string) => out.find((o) => o.period.label === label)!.settlement!;
  assert.equal(by('2026-03').lines[0]!.nothingOwed, 'grace_period');
  assert.equal(by('2026-03').lines[0]!.computedMinor, 45_000); // what it would have been: 10% of EUR 4,500
  assert.equal(by('2026-07').lines[0]!.amountMinor, 112_500); // 25% of EUR 4,500.00
  assert.equal(by('2026-08').lines[0]!.amountMinor, 45_000);
  assert.equal(by('2026-08').termination[0]!.triggered, false);
  const sep = by('2026-09');
  assert.equal(sep.termination[0]!.triggered, true);
  assert.deepEqual(sep.termination[0]!.periods, ['2026-07', '2026-08', '2026-09']);
  // Yearly cap: 20% of EUR 54,000 = EUR 10,800; far from reached here. Per-period cap 50%.
  assert.ok(sep.caps.some((c) => c.cap === 'per_year' && c.limitMinor === 1_080_000 && c.earlierMinor === 157_500));
});

test('termination stops monitoring from that date; the figures up to it stay', () => {
  const t = terms('enterprise-email-service.yaml');
  const events = [...outage('email', '2026-07-05T00:00:00Z', 60), ...outage('email', '2026-07-20T00:00:00Z', 600)];
  const july = month(2026, 7, 'Europe/Berlin');
  const terminatedAt = Date.parse('2026-07-15T00:00:00Z');
  const [cut] = settlePeriods({
    terms: t,
    calendars,
    events,
    periods: [july],
    now: Date.parse('2026-08-10T00:00:00Z'),
    monitored: { from: Date.parse('2026-01-01T00:00:00Z'), to: terminatedAt },
  });
  const uptime = cut!.targets.find((x) => x.target.id === 'uptime')!;
  assert.equal(uptime.availability!.downtimeMs, 60 * 60_000); // the outage after the termination is not counted
  assert.equal(uptime.evaluation!.window.to, terminatedAt);
  const [after] = settlePeriods({
    terms: t,
    calendars,
    events,
    periods: [month(2026, 8, 'Europe/Berlin')],
    now: Date.parse('2026-09-10T00:00:00Z'),
    monitored: { from: Date.parse('2026-01-01T00:00:00Z'), to: terminatedAt },
  });
  assert.equal(after!.targets.length, 0);
  assert.ok(
    after!.settlement!.notes.includes(
      'the agreement is not monitored in this period (it is monitored from 2026-01-01 through 2026-07-15): nothing is measured, so nothing is owed',
    ),
    after!.settlement!.notes.join('\n'),
  );
  assert.equal(after!.settlement!.totals[0]!.amountMinor, 0);
  // Outside the monitored time a target has no data, and says why: it is not a forgotten measurement.
  const line = after!.settlement!.lines.find((l) => l.targetId === 'uptime')!;
  assert.equal(line.nothingOwed, 'no_data');
  assert.deepEqual(line.notes, []);
  assert.equal(
    line.reason,
    'uptime: not monitored in this period (the agreement is monitored from 2026-01-01 through 2026-07-15); ' +
      'nothing owed: there is no data, which is neither met nor breached',
  );
  // Said in any language: one clause per note, and the line's reason as clauses.
  assert.equal(after!.settlement!.notesWhy.length, after!.settlement!.notes.length);
  assert.ok(after!.settlement!.notesWhy.some((w) => w.code === 'note.not_monitored_period'));
  assert.deepEqual(line.reasonWhy, [{ code: 'line.not_monitored', params: { target: 'uptime' } }]);
});

test("a quarter billed for monthly targets settles each of its three months, on each month's fee", () => {
  const t = terms('enterprise-email-service.yaml');
  // July: 8h down (25% band), August and September: 1h each (10% band); term from 2026-01-01, grace over.
  const events = [
    ...outage('email', '2026-07-10T00:00:00Z', 480),
    ...outage('email', '2026-08-10T00:00:00Z', 60),
    ...outage('email', '2026-09-10T00:00:00Z', 60),
  ];
  const now = Date.parse('2026-12-01T00:00:00Z');
  const q3 = unwrap(resolveWindow({ kind: 'quarter', year: 2026, index: 3 }, 'Europe/Berlin'));
  const [quarter] = settlePeriods({ terms: t, calendars, events, periods: [q3], now });
  const uptime = quarter!.targets.filter((x) => x.target.id === 'uptime');
  assert.deepEqual(
    uptime.map((x) => x.evaluation!.window.label),
    ['2026-07', '2026-08', '2026-09'],
  );
  const lines = quarter!.settlement!.lines.filter((l) => l.targetId === 'uptime');
  assert.deepEqual(
    lines.map((l) => [l.compliance!.window.label, l.amountMinor]),
    [
      ['2026-07', 112_500],
      ['2026-08', 45_000],
      ['2026-09', 45_000],
    ],
  );
  // The same as the three months settled one by one.
  const monthly = settlePeriods({ terms: t, calendars, events, periods: [7, 8, 9].map((m) => month(2026, m, 'Europe/Berlin')), now });
  const sum = monthly.reduce((a, o) => a + o.settlement!.totals.reduce((b, x) => b + x.amountMinor, 0), 0);
  assert.equal(quarter!.settlement!.totals[0]!.amountMinor, sum);
  // Three breached months in a row inside the quarter trigger the termination right.
  assert.equal(quarter!.settlement!.termination[0]!.triggered, true);
  assert.deepEqual(quarter!.settlement!.termination[0]!.periods, ['2026-07', '2026-08', '2026-09']);
});

test('amendments: each period is settled with the version in force when it began; history is not rewritten', () => {
  const v1 = terms('enterprise-email-service.yaml');
  // Version 2 from 15 August (Berlin): the target drops to 99.5% and a miss now costs 20%.
  const v2 = {
    ...v1,
    targets: v1.targets.map((t) => (t.id === 'uptime' ? { ...t, value: 99.5 } : t)),
    penalties: {
      ...v1.penalties!,
      rules: [{ type: 'credit_tiers' as const, target: 'uptime', form: 'service_credit' as const, tiers: [{ below: 99.5, credit: 20 }] }],
    },
  };
  const effective = Date.parse('2026-08-14T22:00:00Z');
  // 1h down each month: 99.87% (a breach of 99.9%, but not of 99.5%); 8h in October: 98.9%.
  const events = [
    ...outage('email', '2026-07-10T00:00:00Z', 60),
    ...outage('email', '2026-08-20T00:00:00Z', 60),
    ...outage('email', '2026-09-10T00:00:00Z', 60),
    ...outage('email', '2026-10-10T00:00:00Z', 480),
  ];
  const periods = [7, 8, 9, 10].map((m) => month(2026, m, 'Europe/Berlin'));
  const versions = [
    { effective: Date.parse('2025-12-31T23:00:00Z'), terms: v1, label: 'version 1' },
    { effective, terms: v2, label: 'version 2' },
  ];
  const out = settlePeriods({ terms: v2, calendars, events, periods, versions, now: Date.parse('2026-12-01T00:00:00Z') });
  const row = (o: (typeof out)[number]) => [
    o.period.label,
    o.version!.label,
    o.targets.find((t) => t.target.id === 'uptime')!.evaluation!.state,
    o.settlement!.totals[0]!.amountMinor,
  ];
  assert.deepEqual(out.map(row), [
    ['2026-07', 'version 1', 'breached', 45_000], // 10% of EUR 4,500 under version 1
    ['2026-08', 'version 1', 'breached', 45_000], // began under version 1: the amendment waits for September
    ['2026-09', 'version 2', 'met', 0], // 99.87% meets 99.5%
    ['2026-10', 'version 2', 'breached', 90_000], // 20% under version 2
  ]);
  assert.ok(
    out[1]!.settlement!.notes.some((n) =>
      /an amendment \(version 2\) takes effect inside this period; the period is settled with the version in force when it began \(version 1\)/.test(
        n,
      ),
    ),
  );
  assert.equal(out[1]!.settlement!.notesWhy.length, out[1]!.settlement!.notes.length);
  assert.ok(out[1]!.settlement!.notesWhy.some((w) => w.code === 'note.amendment_next_period'));
  // Without versions, the latest terms would have judged July differently: that is what versions prevent.
  const [julyNow] = settlePeriods({ terms: v2, calendars, events, periods: [periods[0]!], now: Date.parse('2026-12-01T00:00:00Z') });
  assert.equal(julyNow!.settlement!.totals[0]!.amountMinor, 0);
});

test('no data is not perfect: months before monitoring started are no_data, never met, and owe nothing as such', () => {
  // The checkout SLA (99.95% a month, credits below it) from 1 January; its probe started on
  // 16 June. May has no evidence at all; June is measured from the 16th; August is quiet but watched.
  const t = terms('sla-checkout.yaml');
  const uptime = (o: ReturnType<typeof settlePeriods>[number]) => o.targets.find((x) => x.target.id === 'uptime')!;
  const line = (o: ReturnType<typeof settlePeriods>[number]) => o.settlement!.lines.find((l) => l.targetId === 'uptime')!;
  const events = [
    unwrap(
      parseEvent({ id: 'mon', type: 'monitoring.started', at: '2026-06-16T00:00:00Z', service: 'checkout', monitor: 'probe-eu' }),
    ) as Timed,
    // 15 minutes on 20 June: more than 0.05% of the 15 days measured (10m 48s), less than of all June (21m 36s).
    ...outage('checkout', '2026-06-20T10:00:00Z', 15),
    ...outage('checkout', '2026-07-08T10:00:00Z', 60),
  ];
  const out = settlePeriods({
    terms: t,
    calendars,
    events,
    periods: [5, 6, 7, 8].map((m) => month(2026, m)),
    now: Date.parse('2026-09-05T00:00:00Z'),
  });
  const rows = out.map((o) => {
    const e = uptime(o).evaluation!;
    return [o.period.label, e.state, e.value === null ? null : Math.round(e.value * 1e4) / 1e4, line(o).amount];
  });
  assert.deepEqual(rows, [
    ['2026-05', 'no_data', null, 'USD 0.00'], // before monitoring: not "met 100"
    ['2026-06', 'breached', 99.9306, 'USD 150.00'], // 15 min in the 15 days measured
    ['2026-07', 'breached', 99.8656, 'USD 150.00'],
    ['2026-08', 'met', 100, 'USD 0.00'], // quiet, but monitored since June
  ]);
  const may = out[0]!;
  assert.match(
    uptime(may).evaluation!.reason,
    /^not monitored: no check result, outage, maintenance or monitoring\.started event in this window/,
  );
  assert.equal(uptime(may).availability, undefined);
  assert.equal(line(may).nothingOwed, 'no_data');
  assert.match(line(may).reason, /nothing owed: there is no data for the window \(not monitored: .*\), which is neither met nor breached/);
  // June: measured over its monitored half, and it says so.
  const june = uptime(out[1]!);
  assert.equal(june.availability!.window.from, Date.parse('2026-06-16T00:00:00Z'));
  assert.equal(june.evaluation!.budget!.allowedMs, 648_000);
  assert.equal(
    june.evaluation!.note,
    'only part of the window is measured: monitored from 2026-06-16T00:00:00Z (monitoring.started 2026-06-16T00:00:00Z)',
  );
  // The same months with the start declared in the agreement instead of an event: the same figures.
  const declared = settlePeriods({
    terms: { ...t, monitoring: { since: '2026-06-16' } },
    calendars,
    events: events.slice(1),
    periods: [5, 6, 7, 8].map((m) => month(2026, m)),
    now: Date.parse('2026-09-05T00:00:00Z'),
  });
  assert.deepEqual(
    declared.map((o) => [uptime(o).evaluation!.state, line(o).amount]),
    rows.map((r) => [r[1], r[3]]),
  );
  // Without any evidence of monitoring in them, quiet months are no_data too: silence is not uptime.
  const outagesOnly = settlePeriods({
    terms: t,
    calendars,
    events: events.slice(1),
    periods: [5, 8].map((m) => month(2026, m)),
    now: Date.parse('2026-09-05T00:00:00Z'),
  });
  assert.deepEqual(
    outagesOnly.map((o) => uptime(o).evaluation!.state),
    ['no_data', 'no_data'],
  );
});

test('a fixed allowance is pro-rated to the part of the window monitored', () => {
  // The fine example's year, monitored from 1 July: 184 of 365 days, so 52m 36s x 184/365.
  const t = terms('uptime-fine.yaml');
  const start = unwrap(parseEvent({ id: 'mon', type: 'monitoring.started', at: '2026-07-01T00:00:00Z', service: 'cloud-pbx' })) as Timed;
  const settle = (minutes: number) =>
    settlePeriods({
      terms: t,
      calendars,
      events: [start, ...outage('cloud-pbx', '2026-08-05T10:00:00Z', minutes)],
      periods: [month(2026, 8), month(2026, 12)],
      now: Date.parse('2027-01-10T00:00:00Z'),
    });
  const [aug, dec] = settle(27);
  const e = dec!.targets[0]!.evaluation!;
  const share = Math.round((3_156_000 * 184) / 365); // 26m 30.97s
  assert.deepEqual(e.budget, { allowedMs: share, usedMs: 27 * 60_000, remainingMs: share - 27 * 60_000, basis: 'fixed' });
  assert.equal(e.state, 'breached');
  assert.equal(aug!.settlement!.totals[0]!.amount, 'USD 500.00');
  assert.equal(settle(26)[1]!.targets[0]!.evaluation!.state, 'met');
});

test('a grace period that ends mid-month charges only what falls after it: window targets and per-ticket penalties', () => {
  // The checkout SLA (60 days' grace) with a term from 15 January: the grace period runs through
  // 15 March. Its uptime target is monthly (credits below 99.95%), its P1 resolution target costs
  // USD 100 per breached ticket.
  const t = { ...terms('sla-checkout.yaml'), term: { start: '2026-01-15', terminationRights: [] } };
  const march = [month(2026, 3)];
  const now = Date.parse('2026-04-10T00:00:00Z');
  const uptime = (o: ReturnType<typeof settlePeriods>[number]) => o.settlement!.lines.find((l) => l.targetId === 'uptime')!;
  const tickets = (o: ReturnType<typeof settlePeriods>[number]) => o.settlement!.lines.find((l) => l.targetId === 'p1-resolution')!;

  // Window target: 2 hours down on 10 March, inside the grace period, costs nothing...
  const inGrace = settlePeriods({ terms: t, calendars, events: outage('checkout', '2026-03-10T10:00:00Z', 120), periods: march, now })[0]!;
  assert.equal(inGrace.targets.find((x) => x.target.id === 'uptime')!.evaluation!.state, 'breached'); // the month as measured
  assert.deepEqual([uptime(inGrace).amount, uptime(inGrace).nothingOwed], ['USD 0.00', 'met']);
  assert.equal(uptime(inGrace).compliance!.window.label, '2026-03 from 2026-03-16');
  assert.equal(inGrace.settlement!.grace!.applies, 'partly');
  // ...while the same 2 hours on 20 March are judged over the 16 days after it (99.479%: below
  // 99.5%, 15%) on their share of the fee (USD 3,000 x 16/31 = USD 1,548.39): USD 232.26.
  const after = settlePeriods({ terms: t, calendars, events: outage('checkout', '2026-03-20T10:00:00Z', 120), periods: march, now })[0]!;
  assert.equal(uptime(after).amount, 'USD 232.26');
  assert.equal(uptime(after).band!.credit, 15);
  assert.match(
    uptime(after).reason,
    /^uptime in 2026-03 from 2026-03-16: measured 99\.47916667% against a target of >= 99\.95% \(breached\); band 2 applies/,
  );

  // Per-ticket: P1 tickets A (breached 10 March) and C (breached at midnight ending 14 March) fall in
  // the grace period; B breached on 20 March and D was resolved in time after it.
  let k = 0;
  const ticket = (id: string, created: string, hours: number): Timed[] => [
    unwrap(
      parseEvent({ id: `t${++k}`, type: 'ticket.created', at: created, ticket: id, priority: 'P1', service: 'checkout', customer: 'acme' }),
    ) as Timed,
    unwrap(
      parseEvent({
        id: `t${++k}`,
        type: 'ticket.resolved',
        at: new Date(Date.parse(created) + hours * 3_600_000).toISOString(),
        ticket: id,
        service: 'checkout',
        customer: 'acme',
      }),
    ) as Timed,
  ];
  const events = [
    ...ticket('A', '2026-03-10T08:00:00Z', 6),
    ...ticket('C', '2026-03-14T20:00:00Z', 12),
    ...ticket('B', '2026-03-20T08:00:00Z', 6),
    ...ticket('D', '2026-03-21T08:00:00Z', 1),
  ];
  const p1 = settlePeriods({ terms: t, calendars, events, periods: march, now })[0]!;
  // The month as measured has three breaches of four; the settlement counts only B.
  assert.deepEqual(p1.targets.find((x) => x.target.id === 'p1-resolution')!.breachedTickets.sort(), ['A', 'B', 'C']);
  assert.deepEqual([tickets(p1).units!.tickets, tickets(p1).amount], [['B'], 'USD 100.00']);
  assert.match(
    tickets(p1).reason,
    /^p1-resolution in 2026-03 from 2026-03-16: measured 50% against a target of >= 95% \(breached\); 1 breached ticket \(B\) × USD 100\.00 = USD 100\.00/,
  );
  // With only the grace-period breaches, the part after it is met: nothing owed.
  const onlyInGrace = [...ticket('A', '2026-03-10T08:00:00Z', 6), ...ticket('D', '2026-03-21T08:00:00Z', 1)];
  const early = settlePeriods({ terms: t, calendars, events: onlyInGrace, periods: march, now })[0]!;
  assert.deepEqual([tickets(early).amount, tickets(early).nothingOwed], ['USD 0.00', 'met']);
});
