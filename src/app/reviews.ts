/**
 * Recording a review of a stored agreement (who held it, when, kept or amended, notes), and the
 * review facts of every stored agreement for the overdue list. The rules are the core's
 * (`recordReview`, `nextReview`): reviews are appended in date order, an amended outcome may name
 * the amendment's version, which must exist. The store's compare-and-set on the ETag makes sure no
 * concurrent change is lost; the audit trail records the review.
 */
import { recordReview, type EvidenceSubject, type ReviewRecord, type ReviewSubject } from '../core/agreements/lifecycle/reviews.ts';
import { agreementSpec } from '../core/agreements/schema.ts';
import { validate } from '../core/validation/zod.ts';
import type { Issue } from '../core/validation/issues.ts';
import type { Store } from '../store/types.ts';

export interface ReviewContext {
  store: Store;
  tenant: string;
  actor: string;
  now: number;
}

export type RecordReviewResult =
  | { ok: true; agreement: string; review: ReviewRecord; reviews: ReviewRecord[] }
  | { ok: false; code: 'invalid' | 'not_found' | 'precondition_failed'; message: string; issues?: Issue[] };

export async function recordAgreementReview(ctx: ReviewContext, input: { id: string; review: ReviewRecord; ifMatch?: string }): Promise<RecordReviewResult> {
  const { store, tenant, actor, now } = ctx;
  const existing = await store.getAgreement(tenant, input.id);
  if (!existing) return { ok: false, code: 'not_found', message: `no agreement ${input.id}` };
  const log = await store.listReviews(tenant, input.id);
  const next = recordReview(log, input.review);
  if (!next.ok) return { ok: false, code: 'invalid', message: next.issues.map((i) => i.message).join('; '), issues: next.issues };
  const review = next.value[next.value.length - 1]!;
  if (review.version !== undefined) {
    const versions = await store.listVersions(tenant, input.id);
    if (!versions.some((v) => v.version === review.version)) {
      const issue: Issue = { path: 'review.version', message: `agreement ${input.id} has no version ${review.version}`, expected: versions.length ? `a version from 1 to ${versions.length}` : 'no version: the agreement has none yet', received: String(review.version) };
      return { ok: false, code: 'invalid', message: issue.message, issues: [issue] };
    }
  }
  const ifMatch = input.ifMatch ?? existing.etag;
  const r = await store.updateAgreement(tenant, input.id, ifMatch, { reviews: [review], at: now, by: actor }, { at: now, actor, action: 'agreement.review', subject: `agreement:${input.id}`, after: review });
  if (r.status === 'not_found') return { ok: false, code: 'not_found', message: `no agreement ${input.id}` };
  if (r.status === 'stale') return { ok: false, code: 'precondition_failed', message: `agreement ${input.id} has changed since it was read` };
  return { ok: true, agreement: input.id, review, reviews: next.value };
}

/**
 * Every stored agreement of a tenant as a review subject: its working document's review, term and
 * security settings, and the reviews recorded for it (expired and terminated ones are left out). Documents that no longer parse are reported, not
 * dropped silently.
 */
export async function reviewSubjects(ctx: Pick<ReviewContext, 'store' | 'tenant'>): Promise<{ subjects: Array<ReviewSubject & EvidenceSubject>; issues: Issue[] }> {
  const { store, tenant } = ctx;
  const subjects: Array<ReviewSubject & EvidenceSubject> = [];
  const issues: Issue[] = [];
  let after: string | undefined;
  do {
    const page = await store.listAgreements(tenant, { limit: 1000, ...(after ? { after } : {}) });
    for (const a of page.items) {
      if (a.state === 'terminated' || a.state === 'expired') continue; // nothing left to review
      const spec = validate(agreementSpec, a.document);
      if (!spec.ok) {
        issues.push(...spec.issues.map((i) => ({ ...i, source: `agreement ${a.id}` })));
        continue;
      }
      const s = spec.value;
      subjects.push({
        id: a.id,
        ...(s.review ? { review: { cadence: s.review.cadence, owner: s.review.owner, ...(s.review.last ? { last: s.review.last } : {}) } } : {}),
        ...(s.term ? { term: { start: s.term.start } } : {}),
        ...(s.security ? { security: s.security } : {}),
        reviews: await store.listReviews(tenant, a.id),
      });
    }
    after = page.next;
  } while (after);
  return { subjects, issues };
}
