/**
 * KPI projections on evaluations from the real compliance code. March 2026 in UTC has 31 days and
 * 22 working days on the Berlin office calendar (Mon-Fri).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTarget, type KpiObservation, type TargetEvaluation } from '../metrics/index.ts';
import { unwrap } from '../validation/issues.ts';
import { berlinOffice } from '../clock/testkit.ts';
import { projectKpi } from './projection.ts';

const at = (iso: string) => Date.parse(iso);
const MARCH = { kind: 'month' as const, year: 2026, index: 3 };

function sales(rows: Array<[string, number, string?]>): KpiObservation[] {
  return rows.map(([iso, value, subject], i) => ({ id: `k${i}`, kpi: 'sales', value, atMs: at(iso), ...(subject ? { subject } : {}) }));
}

function evaluate(kpis: KpiObservation[], now: string, extra: Record<string, unknown> = {}): TargetEvaluation {
  return unwrap(
    evaluateTarget({
      metric: 'kpi',
      stat: 'sum',
      kpi: 'sales',
      comparator: '>=',
      target: 4000,
      window: MARCH,
      zone: 'UTC',
      now: at(now),
      inputs: { kpis },
      ...extra,
    }),
  );
}

describe('KPI projection', () => {
  const kpis = sales([
    ['2026-03-07T00:00:00Z', 500],
    ['2026-03-14T00:00:00Z', 600],
  ]);

  test('run rate on plain days: 1,100 after 13 of 31 days projects 2,623.08, missing >= 4,000', () => {
    const [p] = projectKpi({ evaluation: evaluate(kpis, '2026-03-18T09:00:00Z'), observations: kpis });
    assert.equal(p?.method, 'run_rate');
    assert.equal(p?.asOf, at('2026-03-14T00:00:00Z'), 'the pace is measured up to the latest report, not to now');
    assert.ok(Math.abs(p!.projected! - (1100 * 31) / 13) < 1e-9);
    assert.equal(p?.misses, true);
    assert.equal(p?.text, '1,100 with 41.9% of 2026-03 gone: at that pace 2,623.08 by its end; misses the target >= 4,000');
  });

  test('run rate on working time: 10 of 22 working days gone projects 2,420', () => {
    const [p] = projectKpi({ evaluation: evaluate(kpis, '2026-03-18T09:00:00Z'), observations: kpis, calendar: berlinOffice() });
    assert.ok(Math.abs(p!.projected! - 2420) < 1e-9);
    assert.equal(p?.misses, true);
  });

  test('a pace that reaches the target meets it', () => {
    const more = sales([
      ['2026-03-07T00:00:00Z', 1500],
      ['2026-03-14T00:00:00Z', 1000],
    ]);
    const [p] = projectKpi({ evaluation: evaluate(more, '2026-03-15T00:00:00Z'), observations: more });
    assert.equal(p?.misses, false);
  });

  test('too early to judge: one report, or less than a fifth of the window gone', () => {
    const one = kpis.slice(0, 1);
    assert.equal(projectKpi({ evaluation: evaluate(one, '2026-03-20T00:00:00Z'), observations: one })[0]?.misses, null);
    const early = sales([
      ['2026-03-02T00:00:00Z', 10],
      ['2026-03-03T00:00:00Z', 10],
    ]);
    const [p] = projectKpi({ evaluation: evaluate(early, '2026-03-04T00:00:00Z'), observations: early });
    assert.equal(p?.misses, null);
    assert.match(p!.text, /too early to judge/);
  });

  test('per subject: a rep with nothing reported while the others report is projected at 0', () => {
    const reps = sales([
      ['2026-03-10T00:00:00Z', 2000, 'ana'],
      ['2026-03-16T00:00:00Z', 2100, 'ben'],
    ]);
    const ev = evaluate(reps, '2026-03-17T00:00:00Z', { subjects: ['ana', 'ben', 'cy'] });
    const got = projectKpi({ evaluation: ev, observations: reps }).map((p) => [
      p.subject,
      p.projected === null ? null : Math.round(p.projected),
      p.misses,
    ]);
    assert.deepEqual(got, [
      ['ana', Math.round((2000 * 31) / 9), false],
      ['ben', Math.round((2100 * 31) / 15), false],
      ['cy', 0, true],
    ]);
  });

  test('avg has no trend: the current value, never a warning; non-KPI targets have no projection', () => {
    const [p] = projectKpi({ evaluation: evaluate(kpis, '2026-03-20T00:00:00Z', { stat: 'avg', target: 400 }), observations: kpis });
    assert.deepEqual([p?.method, p?.projected, p?.misses], ['current', 550, null]);
    const up = unwrap(
      evaluateTarget({
        metric: 'availability',
        comparator: '>=',
        target: 99,
        window: MARCH,
        zone: 'UTC',
        now: at('2026-03-20T00:00:00Z'),
        inputs: { availability: { availability: 1, downtimeMs: 0, eligibleMs: 1000, excludedMs: 0, outages: [] } },
      }),
    );
    assert.deepEqual(projectKpi({ evaluation: up, observations: [] }), []);
  });
});
