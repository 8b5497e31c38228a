/**
 * Agreement reviews: each agreement's next review date and recorded reviews, recording a review,
 * and the portfolio's overdue reviews and expiring security evidence (src/app/reviews.ts).
 */
import { z } from 'zod';
import { REVIEW_OUTCOMES, civilDateAt } from '../../core/agreements/lifecycle/reviews.ts';
import { agreementReviews, portfolioReviews, recordAgreementReview } from '../../app/reviews.ts';
import { HttpError, invalid } from '../errors.ts';
import { defineOperation, DOCUMENT_BODY, idParam, parseJsonBody, type Deps, type Operation } from '../operation.ts';
import { visibleAgreement, visibleAgreementIds } from './derived-access.ts';
import { AgreementReviews, PortfolioReviews, RecordedReview } from '../schemas.ts';

const civilDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

export const reviewParams = z.strictObject({ id: idParam });
export const reviewBody = z.strictObject({
  at: civilDate.optional().describe("The day the review was held; today in the agreement's time zone by default. Not in the future."),
  outcome: z.enum(REVIEW_OUTCOMES).describe('kept: the agreement stays as it is; amended: it was changed (name the version).'),
  by: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Who held the review (a name); the caller when absent. The audit log names the caller either way.'),
  notes: z.string().max(10_000).optional(),
  version: z.number().int().min(1).optional().describe('amended: the version the amendment created.'),
});
export const portfolioReviewQuery = z.strictObject({
  today: civilDate.optional().describe('The day to judge on (YYYY-MM-DD); today in UTC by default.'),
  within: z.coerce
    .number()
    .int()
    .min(0)
    .max(3660)
    .optional()
    .describe('Days ahead within which expiring security evidence is listed (30 by default).'),
});

export function reviewOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/agreements/:id/reviews',
      operationId: 'getReviews',
      tag: 'agreements',
      summary: 'When an agreement is next due for review, and the reviews recorded',
      description:
        'The next review is one cadence (yearly by default) after the last review recorded here or written in the agreement (`review.last`), or after the term start. ' +
        "A customer token gets the reviews without their notes (the provider's internal minutes).",
      action: 'agreements.read',
      params: reviewParams,
      responses: {
        200: {
          description:
            '{ agreement, owner, cadence, next: { due, reason, basis, basisKind, cadence } | null, problem, ' +
            'reviews: [{ at, by, outcome, notes?, version? }] }',
          schema: AgreementReviews,
        },
      },
      async handler(c) {
        const a = await visibleAgreement(store, c.principal, 'agreements.read', c.params.id);
        const body = await agreementReviews(store, c.principal.tenant, a);
        // A review's notes are the provider's own minutes (what was weighed, what to renegotiate):
        // a customer sees that a review was held, when, by whom and with what outcome, not the notes.
        if (c.principal.role === 'customer') return { body: { ...body, reviews: body.reviews.map(({ notes: _n, ...r }) => r) } };
        return { body };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/agreements/:id/reviews',
      operationId: 'recordReview',
      tag: 'agreements',
      summary: 'Record a review of an agreement',
      description:
        'Who held it is `by`, or the caller. Reviews are kept in date order and never rewritten; ' +
        'an amended outcome names the version of the ' +
        "amendment. Recording a review changes no figure. Answers the review and the agreement's next review date.",
      action: 'agreements.transition',
      params: reviewParams,
      body: { media: ['application/json'], schema: reviewBody, required: true, limit: DOCUMENT_BODY },
      responses: { 201: { description: '{ review, state: { next, reviews, ... } }', schema: RecordedReview } },
      async handler(c) {
        const p = c.principal;
        await visibleAgreement(store, p, 'agreements.transition', c.params.id);
        const b = parseJsonBody(reviewBody, c.body);
        const r = await recordAgreementReview({ store, tenant: p.tenant, now: c.now, actor: p.actor }, { id: c.params.id, review: b });
        if (!r.ok) {
          if ('notFound' in r) throw new HttpError('not_found', r.notFound);
          throw invalid(r.issues, 'body');
        }
        return { status: 201, body: r.value };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/reviews',
      operationId: 'listReviews',
      tag: 'agreements',
      summary: 'Overdue reviews, expired or expiring security evidence, and every next review',
      description: "Over the tenant's agreements (a customer: its own). As `pledge reviews` does for files.",
      action: 'agreements.read',
      query: portfolioReviewQuery,
      responses: {
        200: {
          description: '{ today, overdue, evidence, schedule: [{ agreement, owner, due, reason, lastReview }], problems }',
          schema: PortfolioReviews,
        },
      },
      async handler(c) {
        const p = c.principal;
        const today = c.query.today ?? civilDateAt(c.now, 'UTC');
        const day = typeof today === 'string' ? today : today.ok ? today.value : '';
        const visible = await visibleAgreementIds(store, p);
        const r = await portfolioReviews(store, p.tenant, {
          today: day,
          withinDays: c.query.within ?? 30,
          ...(visible ? { visible } : {}),
        });
        if (!r.ok)
          throw invalid(
            r.issues.map((i) => ({ ...i, path: i.path === 'today' ? 'today' : i.path })),
            'query',
          );
        return { body: r.value };
      },
    }),
  ] as Operation[];
}
