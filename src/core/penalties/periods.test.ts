import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPenaltyDirections } from './check.ts';
import { contractYearOf, dueDate, graceWindow, monthsCovered } from './periods.ts';
import { month } from './testkit.ts';
import { ratioText } from './money.ts';

const iso = (s: string) => Date.parse(s);

test('contract years run from term.start to its anniversaries, in the zone', () => {
  const zone = 'Europe/Berlin';
  const rows: Array<[string, string, number, string, string]> = [
    ['2025-07-01', '2026-06-30T21:59:59Z', 1, '2025-07-01', '2026-06-30'], // 23:59:59 Berlin on 30 June
    ['2025-07-01', '2026-06-30T22:00:00Z', 2, '2026-07-01', '2027-06-30'], // midnight Berlin on 1 July
    ['2024-02-29', '2025-03-01T12:00:00Z', 2, '2025-02-28', '2026-02-27'], // 29 February falls back to 28 February
    ['2026-01-01', '2025-12-31T12:00:00Z', 0, '2025-01-01', '2025-12-31'], // before the term
  ];
  for (const [start, at, index, first, last] of rows) {
    const y = contractYearOf(start, iso(at), zone);
    assert.deepEqual([y.index, y.firstDay, y.lastDay], [index, first, last], `${start} @ ${at}`);
  }
});

test('grace periods count calendar days from local midnight of the term start', () => {
  const g = graceWindow('2026-01-01', '90d', 'Europe/Berlin');
  assert.ok(g.ok);
  assert.equal(g.value.lastDay, '2026-03-31');
  assert.equal(g.value.endMs, iso('2026-03-31T22:00:00Z')); // 1 April 00:00 in summer time
  const h = graceWindow('2026-01-01', '36h', 'UTC');
  assert.ok(h.ok);
  assert.equal(h.value.endMs, iso('2026-01-02T12:00:00Z'));
  const bad = graceWindow('2026-01-01', '5wd', 'UTC');
  assert.equal(bad.ok, false);
  assert.equal(graceWindow('2026-01-01', '99999999d', 'UTC').ok, false);
});

test('due dates: the last day before the deadline, across a daylight-saving change', () => {
  const zone = 'Europe/Berlin';
  // March 2026 ends at midnight Berlin (23:00Z on 31 March, after the change to summer time).
  const mar = month(2026, 3, zone);
  assert.equal(dueDate(mar.to, 0, 'period_end', zone).date, '2026-03-31');
  assert.equal(dueDate(mar.to, 1, 'period_end', zone).date, '2026-04-01');
  assert.equal(dueDate(iso('2026-03-28T12:00:00Z'), 1, 'breach', zone).date, '2026-03-29');
});

test('months covered: whole months exactly, parts as a share of their days', () => {
  assert.equal(ratioText(monthsCovered(month(2026, 10, 'Europe/Berlin').from, month(2026, 10, 'Europe/Berlin').to, 'Europe/Berlin')), '1');
  assert.equal(ratioText(monthsCovered(month(2026, 1).from, month(2026, 12).to, 'UTC')), '12');
  assert.equal(ratioText(monthsCovered(iso('2026-02-15T00:00:00Z'), iso('2026-03-01T00:00:00Z'), 'UTC')), '1/2');
  assert.equal(ratioText(monthsCovered(iso('2026-02-15T12:00:00Z'), iso('2026-02-15T12:00:00Z'), 'UTC')), '0');
});

test('credit bands must point the way of their target', () => {
  const spec = {
    rules: [
      { type: 'credit_tiers' as const, target: 'uptime', tiers: [{ below: 99.9, credit: 10 }], form: 'service_credit' as const },
      { type: 'credit_tiers' as const, target: 'resolution', tiers: [{ below: 4, credit: 10 }], form: 'service_credit' as const },
    ],
  };
  const issues = checkPenaltyDirections(spec, [
    { id: 'uptime', comparator: '>=' },
    { id: 'resolution', comparator: '<=' },
  ]);
  assert.deepEqual(
    issues.map((i) => i.path),
    ['penalties.rules[1].tiers[0].below'],
  );
  assert.match(issues[0]!.message, /less is better \(<=\): its bands use above/);
});
