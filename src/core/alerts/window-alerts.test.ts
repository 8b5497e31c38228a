/**
 * Window targets through the whole chain: availability() and evaluateTarget() give the month's
 * figures, windowHealth() the burn rates and exhaustion, routesOf() the levels, windowReport() the
 * conditions, evaluateAlerts() the alerts. April 2026 in UTC: 30 days, 99.9% allows 43.2 minutes.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { availability } from '../availability/index.ts';
import { agreementFromText } from '../agreements/load.ts';
import { evaluateTarget, type KpiObservation } from '../metrics/index.ts';
import { unwrap } from '../validation/issues.ts';
import { availabilityMeter, windowHealth } from './health.ts';
import { projectKpi } from './projection.ts';
import { routesOf } from './routing.ts';
import { noticeReport, windowReport } from './reports.ts';
import { evaluateAlerts } from './evaluate.ts';
import type { Alert, EvaluationResult } from './types.ts';

const at = (iso: string) => Date.parse(iso);
const spec = unwrap(
  agreementFromText(
    `id: mail
name: Mail
kind: sla
parties:
  provider: { id: p, name: P }
  customer: { id: c, name: C }
targets:
  - { id: uptime, metric: availability, value: 99.9 }
  - { id: sales, metric: kpi, kpi: sales, stat: sum, value: 4000 }
support:
  notices:
    - { notice: breach, who: C IT, how: [email], targets: [uptime] }
    - { notice: credit_owed, who: C finance, how: [email] }
`,
    'mail.yaml',
  ),
).spec;
const routes = routesOf(spec);

function uptimeReport(outages: Array<[string, string]>, now: number) {
  const input = { outages: outages.map(([s, e], i) => ({ id: `o${i}`, start: at(s), end: at(e) })) };
  const from = at('2026-04-01T00:00:00Z');
  const r = availability(input, { from, to: Math.min(now, at('2026-05-01T00:00:00Z')) });
  const ev = unwrap(
    evaluateTarget({
      metric: 'availability',
      comparator: '>=',
      target: 99.9,
      window: { kind: 'month', year: 2026, index: 4 },
      zone: 'UTC',
      now,
      inputs: {
        availability: {
          availability: r.availability,
          downtimeMs: r.downtimeMs,
          eligibleMs: r.eligibleMs,
          excludedMs: r.excludedMs,
          outages: [],
        },
      },
    }),
  );
  const health = windowHealth({
    evaluation: ev,
    target: 'uptime',
    now,
    meter: availabilityMeter(input),
    breachAt: ev.state === 'breached' ? at('2026-04-20T10:33:12Z') : null,
  });
  return windowReport({ agreement: 'mail', health }, routes.targets.uptime!, now);
}

class Store {
  alerts = new Map<string, Alert>();
  apply(r: EvaluationResult) {
    for (const a of [...r.open, ...r.update, ...r.resolve]) this.alerts.set(a.id, a);
    return r;
  }
  get current() {
    return [...this.alerts.values()];
  }
}
const levelsOf = (r: EvaluationResult) => r.notify.map((n) => `${n.transition} ${n.dedupeKey.split('/').pop()}`);

describe('window alerts', () => {
  test('a 10-minute outage: fast and slow burn and exhaustion fire; the fast one resolves when the short window clears', () => {
    const s = new Store();
    const outage: Array<[string, string]> = [['2026-04-10T11:50:00Z', '2026-04-10T12:00:00Z']];
    const now = at('2026-04-10T12:00:00Z');
    const r = s.apply(evaluateAlerts({ now, current: s.current, reports: [uptimeReport(outage, now)] }));
    assert.deepEqual(levelsOf(r), ['firing burn-fast', 'firing burn-slow', 'firing exhaustion']);
    const fast = r.open.find((a) => a.level === 'burn-fast')!;
    assert.equal(fast.summary, 'mail uptime in 2026-04 burns its budget 166.67x too fast over 1h (1000x over 5m; fires at 14.4)');
    assert.deepEqual([fast.severity, fast.subjectKey], ['critical', 'window/mail/uptime/2026-04']);
    const later = at('2026-04-10T12:30:00Z');
    const r2 = s.apply(evaluateAlerts({ now: later, current: s.current, reports: [uptimeReport(outage, later)] }));
    assert.deepEqual(levelsOf(r2), ['resolved burn-fast']);
    assert.match(r2.resolve[0]!.resolved!.why, /^burn rate 166.67 over 1h, 0 over 5m$/);
  });

  test('a breach inhibits the window warnings, tells the customer once, and resolves when the month closes', () => {
    const s = new Store();
    const outages: Array<[string, string]> = [['2026-04-20T10:00:00Z', '2026-04-20T11:00:00Z']];
    const now = at('2026-04-20T11:00:00Z');
    const r = s.apply(evaluateAlerts({ now, current: s.current, reports: [uptimeReport(outages, now)] }));
    assert.deepEqual(levelsOf(r).sort(), ['firing breach', 'firing notice-breach']);
    const breach = r.open.find((a) => a.level === 'breach')!;
    assert.equal(breach.startsAt, at('2026-04-20T10:33:12Z'));
    assert.ok(r.open.filter((a) => a.kind !== 'breach' && a.kind !== 'notice').every((a) => a.inhibitedBy === breach.id));
    assert.deepEqual(r.open.map((a) => a.level).sort(), [
      'breach',
      'budget-50',
      'budget-75',
      'budget-90',
      'burn-fast',
      'burn-slow',
      'notice-breach',
    ]);
    const closed = at('2026-05-01T00:00:00Z');
    const r2 = s.apply(evaluateAlerts({ now: closed, current: s.current, reports: [uptimeReport(outages, closed)] }));
    assert.deepEqual(levelsOf(r2), ['resolved breach']);
    assert.equal(r2.resolve.find((a) => a.level === 'breach')?.resolved?.why, 'the window closed breached');
    assert.ok(s.current.every((a) => a.state === 'resolved'));
  });

  test('a KPI projected to miss warns; the same KPI on pace does not', () => {
    const kpis: KpiObservation[] = [
      { id: 'k1', kpi: 'sales', value: 500, atMs: at('2026-03-07T00:00:00Z') },
      { id: 'k2', kpi: 'sales', value: 600, atMs: at('2026-03-14T00:00:00Z') },
    ];
    const now = at('2026-03-18T00:00:00Z');
    const ev = unwrap(
      evaluateTarget({
        metric: 'kpi',
        kpi: 'sales',
        stat: 'sum',
        comparator: '>=',
        target: 4000,
        window: { kind: 'month', year: 2026, index: 3 },
        zone: 'UTC',
        now,
        inputs: { kpis },
      }),
    );
    const [projection] = projectKpi({ evaluation: ev, observations: kpis });
    const rep = windowReport(
      { agreement: 'mail', health: windowHealth({ evaluation: ev, target: 'sales', now, projection: projection ?? null }) },
      routes.targets.sales!,
      now,
    );
    const r = evaluateAlerts({ now, current: [], reports: [rep] });
    assert.deepEqual(levelsOf(r), ['firing projection']);
    assert.match(r.open[0]!.summary, /is projected to miss: 1,100 with 41.9% of 2026-03 gone: at that pace 2,623.08 by its end/);
  });

  test('a credit owed is a customer notice, sent once', () => {
    const s = new Store();
    const obs = {
      agreement: 'mail',
      notice: 'credit_owed' as const,
      ref: '2026-04',
      summary: 'A service credit of EUR 120.00 is owed for 2026-04',
      details: { period: '2026-04', amount: 'EUR 120.00' },
      at: at('2026-05-01T00:00:00Z'),
    };
    const r = s.apply(evaluateAlerts({ now: obs.at, current: s.current, reports: [noticeReport(obs, routes)] }));
    assert.deepEqual(
      r.notify.map((n) => [n.audience, n.recipient.who, n.message.subject]),
      [['customer', 'C finance', '[INFO] A service credit of EUR 120.00 is owed for 2026-04']],
    );
    assert.deepEqual(evaluateAlerts({ now: obs.at + 1000, current: s.current, reports: [noticeReport(obs, routes)] }).notify, []);
    const none = noticeReport({ ...obs, notice: 'maintenance' }, routes);
    assert.deepEqual(none.levels[0]?.condition, null);
  });
});
