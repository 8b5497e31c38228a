/**
 * Stored derived results: period compliance per agreement, target and window, and settlements per
 * agreement and billing period. They are computed by `rebuildDerived` (src/app/derive.ts); before
 * answering, they are brought up to date when events arrived since they were computed (a
 * recomputation of what the new events touch). A customer sees only the results of its own agreements.
 */
import { z } from 'zod';
import { presentEvaluation, presentSettlement as presentSettlementValue } from '../../app/present.ts';
import type { TargetEvaluation } from '../../core/metrics/compliance.ts';
import type { Settlement } from '../../core/penalties/index.ts';
import type { ComplianceRow, SettlementRow } from '../../store/types.ts';
import { HttpError } from '../errors.ts';
import { compact, defineOperation, idParam, iso, pageQuery, type Deps, type Operation } from '../operation.ts';
import { ensureFresh, filteredPage, visibleAgreement, visibleAgreementIds } from './derived-access.ts';
import * as schemas from '../schemas.ts';

/** A window or billing period label: `2026-10`, `2026-Q4`, `rolling-30d@2026-11-01`. */
export const periodLabel = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9@._:+-]*$/, 'expected a window label such as 2026-10, 2026-Q4 or rolling-30d@2026-11-01');

export const complianceQuery = z.strictObject({
  agreement: idParam.optional().describe('Only this agreement.'),
  target: idParam.optional().describe('Only this target id.'),
  window: periodLabel.optional().describe('Only this window label, e.g. 2026-10.'),
  ...pageQuery,
});
export const agreementComplianceQuery = z.strictObject({
  target: idParam.optional().describe('Only this target id.'),
  window: periodLabel.optional().describe('Only this window label, e.g. 2026-10.'),
  ...pageQuery,
});
export const settlementsQuery = z.strictObject({
  agreement: idParam.optional().describe('Only this agreement.'),
  ...pageQuery,
});
export const agreementParams = z.strictObject({ id: idParam });
export const settlementParams = z.strictObject({ id: idParam, period: periodLabel.describe('The billing period label, e.g. 2026-10.') });

/** Stored results, their instants as ISO 8601 (src/app/present.ts). */
function presentCompliance(r: ComplianceRow<TargetEvaluation>) {
  return { agreement: r.agreementId, target: r.target, window: r.window, updatedAt: iso(r.updatedAt), result: presentEvaluation(r.value) };
}

function presentSettlement(r: SettlementRow<Settlement>) {
  return { agreement: r.agreementId, period: r.period, updatedAt: iso(r.updatedAt), settlement: presentSettlementValue(r.value) };
}

export function resultOperations(deps: Deps): Operation[] {
  const { store } = deps;

  async function compliancePage(
    tenant: string,
    q: {
      agreement?: string | undefined;
      target?: string | undefined;
      window?: string | undefined;
      after?: string | undefined;
      limit?: number | undefined;
    },
    visible: ReadonlySet<string> | undefined,
  ) {
    if (visible !== undefined && visible.size === 0) return { items: [] };
    const keep = (r: ComplianceRow<TargetEvaluation>) =>
      (q.window === undefined || r.window === q.window) && (visible === undefined || visible.has(r.agreementId));
    const page = await filteredPage(
      (req) => store.listCompliance<TargetEvaluation>(tenant, compact({ agreementId: q.agreement, target: q.target, ...req })),
      keep,
      q,
    );
    return compact({ items: page.items.map(presentCompliance), next: page.next });
  }

  return [
    defineOperation({
      method: 'GET',
      url: '/v1/compliance',
      operationId: 'listCompliance',
      tag: 'results',
      summary: 'Stored compliance results per agreement, target and window',
      description:
        'Paginated, by (agreement, target, window). Results are recomputed first when events arrived since they were computed ' +
        "(only what the new events touch: their agreements and tickets). A customer token sees only its own agreements' results.",
      action: 'compliance.read',
      query: complianceQuery,
      responses: {
        200: { description: '{ items: [{ agreement, target, window, updatedAt, result }], next? }', schema: schemas.CompliancePage },
      },
      async handler(c) {
        const p = c.principal;
        if (c.query.agreement !== undefined) await visibleAgreement(store, p, 'compliance.read', c.query.agreement);
        await ensureFresh(store, p.tenant, c.now);
        return { body: await compliancePage(p.tenant, c.query, await visibleAgreementIds(store, p)) };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/compliance',
      operationId: 'getAgreementCompliance',
      tag: 'results',
      summary: 'Stored compliance results of one agreement',
      description: "As GET /v1/compliance?agreement={id}; 404 when the agreement does not exist or is not the caller's.",
      action: 'compliance.read',
      params: agreementParams,
      query: agreementComplianceQuery,
      responses: {
        200: { description: '{ items: [{ agreement, target, window, updatedAt, result }], next? }', schema: schemas.CompliancePage },
      },
      async handler(c) {
        const p = c.principal;
        await visibleAgreement(store, p, 'compliance.read', c.params.id);
        await ensureFresh(store, p.tenant, c.now);
        return { body: await compliancePage(p.tenant, { ...c.query, agreement: c.params.id }, undefined) };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/settlements',
      operationId: 'listSettlements',
      tag: 'results',
      summary: 'Stored settlements per agreement and billing period',
      description:
        'Paginated, by (agreement, period); recomputed first when events arrived since (what they touch). A customer token sees only its own.',
      action: 'settlements.read',
      query: settlementsQuery,
      responses: {
        200: { description: '{ items: [{ agreement, period, updatedAt, settlement }], next? }', schema: schemas.SettlementPage },
      },
      async handler(c) {
        const p = c.principal;
        if (c.query.agreement !== undefined) await visibleAgreement(store, p, 'settlements.read', c.query.agreement);
        await ensureFresh(store, p.tenant, c.now);
        const visible = await visibleAgreementIds(store, p);
        if (visible !== undefined && visible.size === 0) return { body: { items: [] } };
        const page = await filteredPage(
          (req) => store.listSettlements<Settlement>(p.tenant, compact({ agreementId: c.query.agreement, ...req })),
          (r) => visible === undefined || visible.has(r.agreementId),
          c.query,
        );
        return { body: compact({ items: page.items.map(presentSettlement), next: page.next }) };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/settlements/:period',
      operationId: 'getSettlement',
      tag: 'results',
      summary: 'The settlement of one agreement for one billing period',
      description: "404 when the agreement is not the caller's or has no settlement for that period.",
      action: 'settlements.read',
      params: settlementParams,
      responses: { 200: { description: '{ agreement, period, updatedAt, settlement }', schema: schemas.SettlementRow } },
      async handler(c) {
        const p = c.principal;
        await visibleAgreement(store, p, 'settlements.read', c.params.id);
        await ensureFresh(store, p.tenant, c.now);
        const row = await store.getSettlement<Settlement>(p.tenant, { agreementId: c.params.id, period: c.params.period });
        if (!row) throw new HttpError('not_found', `agreement ${c.params.id} has no settlement for ${c.params.period}`);
        return { body: presentSettlement(row) };
      },
    }),
  ] as Operation[];
}
