/**
 * For people: what is at risk or breached now, an agreement's report for a billing period (JSON
 * or CSV), and a rebuild of the derived results. The use cases are src/app/results.ts and
 * src/app/derive.ts, shared with `pledge status`, `pledge report` and `pledge rebuild`.
 */
import { z } from 'zod';
import { agreementReport, currentStatus, reportCsv } from '../../app/results.ts';
import { rebuildDerived } from '../../app/derive.ts';
import { HttpError, invalid } from '../errors.ts';
import { defineOperation, idParam, type Deps, type Operation } from '../operation.ts';
import { ensureFresh, visibleAgreement, visibleAgreementIds } from './derived-access.ts';
import { periodLabel } from './results.ts';
import { AgreementHistory, Portfolio, RebuildReport, Report, Status, Watermelon } from '../schemas.ts';
import { formatInstant } from '../../core/time/instant.ts';
import { watermelon } from '../../app/watermelon.ts';
import { budgetView, portfolio, unitOf } from '../../app/portfolio.ts';

export const reportParams = z.strictObject({ id: idParam });
export const reportQuery = z.strictObject({
  period: periodLabel.describe("The billing period: a month (2026-10), quarter (2026-Q4) or year (2026), in the agreement's time zone."),
  format: z.enum(['json', 'csv']).optional().describe('json (default) or csv (one line per target).'),
});

export const portfolioQuery = z.strictObject({
  customer: z.string().min(1).max(200).optional().describe('Only the agreements of this customer.'),
  service: z.string().min(1).max(200).optional().describe('Only the agreements that cover this service.'),
});

export const watermelonQuery = z.strictObject({
  period: periodLabel.describe('The period: a month (2026-10), quarter (2026-Q4) or year (2026).'),
  zone: z.string().min(1).max(64).optional().describe('The time zone the period is read in; UTC by default.'),
  csatBelow: z.coerce.number().min(0).max(100).optional().describe('Flag when CSAT (percent) is below this: 80 by default.'),
  reopenAbove: z.coerce.number().min(0).max(100).optional().describe('Flag when the reopen rate (percent) is above this: 10 by default.'),
});

export function reportOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/status',
      operationId: 'getStatus',
      tag: 'results',
      summary: 'What is at risk or breached now',
      description:
        'Open tickets whose clocks are at risk or breached, and targets whose current window is at risk or breached. Results are ' +
        'brought up to date with the stored events first. A running clock whose deadline has passed since it was computed is shown ' +
        'breached. A customer token sees only its own agreements.',
      action: 'compliance.read',
      responses: {
        200: {
          description:
            '{ now, tickets: [{ agreement, target, ticket, source, cycle, state, consumed, deadline, breachAt }], ' +
            'targets: [{ agreement, target, window, state, value, promised, reason }] }',
          schema: Status,
        },
      },
      async handler(c) {
        const p = c.principal;
        const visible = await visibleAgreementIds(store, p);
        return { body: await currentStatus({ store, tenant: p.tenant, now: c.now, ...(visible ? { visible } : {}) }) };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/portfolio',
      operationId: 'getPortfolio',
      tag: 'results',
      summary: 'Every agreement at a glance: its targets now, its health, what it owes; totals per customer',
      description:
        "Each agreement the caller may see with each target's current window (the one that contains now) and its state, the " +
        "agreement's health (its worst measured target: breached, at_risk or met; no_data when none is measured yet), and what its latest " +
        "settled billing period owes; totals per customer and for the portfolio. Each target carries its window's error budget " +
        '(share left, downtime or tickets left, burn rate over the window so far), from the same compliance result. ' +
        'Costs what is current, not the history. ' +
        'A customer token sees only its own agreements.',
      action: 'compliance.read',
      query: portfolioQuery,
      responses: { 200: { description: '{ now, agreements, customers, totals }', schema: Portfolio } },
      async handler(c) {
        const p = c.principal;
        const visible = await visibleAgreementIds(store, p);
        const filter = {
          ...(c.query.customer ? { customer: c.query.customer } : {}),
          ...(c.query.service ? { service: c.query.service } : {}),
        };
        return { body: await portfolio({ store, tenant: p.tenant, now: c.now, filter, ...(visible ? { visible } : {}) }) };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/watermelon',
      operationId: 'getWatermelon',
      tag: 'results',
      summary: 'SLA met, customers unhappy? Per customer and service: the SLA beside CSAT, reopen rate and time waited',
      description:
        "For one period, per customer and service of the customer SLAs: the SLA's verdict (its targets' windows overlapping the " +
        'period), the tickets created and resolved, the reopen rate, CSAT and mean rating, and the wall-clock hours customers ' +
        'waited for a resolution (median, p90). A pair whose SLA is met while CSAT is below `csatBelow` or the reopen rate above ' +
        '`reopenAbove` is flagged `watermelon`, with the reasons. Reads every ticket active in the period. A customer token sees ' +
        'only its own.',
      action: 'compliance.read',
      query: watermelonQuery,
      responses: { 200: { description: '{ period, thresholds, rows }', schema: Watermelon } },
      async handler(c) {
        const p = c.principal;
        const visible = await visibleAgreementIds(store, p);
        const r = await watermelon(
          { store, tenant: p.tenant, now: c.now, ...(visible ? { visible } : {}) },
          {
            period: c.query.period,
            ...(c.query.zone !== undefined ? { zone: c.query.zone } : {}),
            ...(c.query.csatBelow !== undefined ? { csatBelow: c.query.csatBelow } : {}),
            ...(c.query.reopenAbove !== undefined ? { reopenAbove: c.query.reopenAbove } : {}),
          },
        );
        if (!r.ok) throw invalid(r.issues, 'query');
        return { body: r.value };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/history',
      operationId: 'getAgreementHistory',
      tag: 'results',
      summary: "An agreement's history: every window of each target with its state and value, oldest first",
      description:
        'What a chart per target needs, without the contributing tickets (GET /v1/agreements/{id}/compliance has them): read from ' +
        "an index, so a busy agreement's history costs its number of windows, not their size. Each window carries its error budget " +
        'as GET /v1/portfolio gives it. A customer token sees only its own agreements.',
      action: 'compliance.read',
      params: reportParams,
      responses: { 200: { description: '{ agreement, targets: [{ target, windows: [...] }] }', schema: AgreementHistory } },
      async handler(c) {
        const p = c.principal;
        const a = await visibleAgreement(store, p, 'compliance.read', c.params.id);
        await ensureFresh(store, p.tenant, c.now);
        const specs = ((a.document as { targets?: unknown }).targets ?? []) as Array<{ id?: unknown; metric?: unknown; stat?: unknown }>;
        const text = (v: unknown) => (typeof v === 'string' ? v : null);
        const targets: z.output<typeof AgreementHistory>['targets'] = [];
        for (const w of await store.complianceHistory(p.tenant, c.params.id)) {
          let t = targets[targets.length - 1];
          if (!t || t.target !== w.target) {
            const spec = specs.find((x) => x.id === w.target);
            const metric = text(spec?.metric);
            t = { target: w.target, metric, unit: unitOf(metric, text(spec?.stat)), windows: [] };
            targets.push(t);
          }
          t.windows.push({
            window: w.window,
            from: formatInstant(w.value.window.from),
            to: formatInstant(w.value.window.to),
            state: w.value.state,
            value: w.value.value,
            comparator: w.value.comparator,
            goal: w.value.target,
            reason: w.value.reason,
            budget: budgetView(w),
          });
        }
        return { body: { agreement: c.params.id, targets } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/report',
      operationId: 'getReport',
      tag: 'results',
      summary: "An agreement's report for a billing period",
      description:
        'Each target measured over its window for the period (a quarterly target in a monthly period: the quarter containing the ' +
        "period's end, so far), with value, promise, margin and reason, and the settlement when the agreement has penalties. " +
        "`format=csv` answers text/csv. 404 when the agreement is not the caller's or has no results for the period.",
      action: 'settlements.read',
      params: reportParams,
      query: reportQuery,
      responses: {
        200: {
          description: '{ agreement, name, customer, period, lines: [...], totals, summary, settlement }, or text/csv with format=csv',
          schema: Report,
          alternatives: {
            'text/csv':
              'format=csv: a header line, then one line per target: ' +
              'agreement,period,target,metric,window,state,value,promised,margin,owed,due,reason',
          },
        },
      },
      async handler(c) {
        const p = c.principal;
        await visibleAgreement(store, p, 'settlements.read', c.params.id);
        const r = await agreementReport({ store, tenant: p.tenant, now: c.now }, { agreement: c.params.id, period: c.query.period });
        if (!r.ok) {
          if ('notFound' in r) throw new HttpError('not_found', r.notFound);
          throw invalid(r.issues, 'query');
        }
        if (c.query.format === 'csv') return { body: reportCsv(r.value), type: 'text/csv; charset=utf-8' };
        return { body: r.value };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/rebuild',
      operationId: 'rebuild',
      tag: 'results',
      summary: 'Recompute every derived result of the tenant',
      description:
        'As `pledge rebuild`: clocks, compliance and settlements recomputed from the events and agreements, replaced in one transaction. Admin only.',
      action: 'derived.rebuild',
      responses: {
        200: { description: '{ agreements, events, clocks, compliance, settlements, watermark, problems, stale? }', schema: RebuildReport },
      },
      async handler(c) {
        const p = c.principal;
        const r = await rebuildDerived({ store, tenant: p.tenant, now: c.now });
        const after = {
          events: r.events,
          clocks: r.clocks,
          compliance: r.compliance,
          settlements: r.settlements,
          ...(r.stale ? { stale: true } : {}),
        };
        await store.appendAudit(p.tenant, { at: c.now, actor: p.actor, action: 'derived.rebuild', subject: 'tenant', after });
        return { body: r };
      },
    }),
  ] as Operation[];
}
