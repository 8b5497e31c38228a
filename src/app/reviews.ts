/**
 * Agreement reviews on the server: when each agreement is next due for review (from its cadence,
 * its term and the reviews recorded in Pledge), recording a review, and the portfolio's overdue
 * reviews and expired or expiring security evidence. The rules are the core's
 * (src/core/agreements/lifecycle/reviews.ts); `pledge reviews` applies them to files.
 */
import { agreementFromText } from '../core/agreements/load.ts';
import type { AgreementSpec } from '../core/agreements/schema.ts';
import {
  civilDateAt,
  expiringEvidence,
  nextReview,
  overdueReviews,
  recordReview,
  type EvidenceExpiry,
  type NextReview,
  type OverdueReview,
  type ReviewInput,
  type ReviewRecord,
} from '../core/agreements/lifecycle/reviews.ts';
import { fail, ok, type Issue, type Result } from '../core/validation/issues.ts';
import type { Store, StoredAgreement, TenantId } from '../store/types.ts';

export interface ReviewContext {
  store: Store;
  tenant: TenantId;
  now: number;
  actor: string;
}

function specOf(a: StoredAgreement): AgreementSpec | undefined {
  const r = agreementFromText(JSON.stringify(a.document), `agreement:${a.id}`);
  return r.ok ? r.value.spec : undefined;
}

function reviewInput(spec: AgreementSpec | undefined, reviews: readonly ReviewRecord[]): ReviewInput {
  const input: ReviewInput = { reviews };
  if (spec?.review?.cadence) input.cadence = spec.review.cadence;
  if (spec?.review?.last) input.last = spec.review.last;
  if (spec?.term?.start) input.termStart = spec.term.start;
  return input;
}

export interface AgreementReviews {
  agreement: string;
  owner: string | null;
  cadence: string;
  next: NextReview | null;
  /** Why there is no next date (e.g. neither a term start nor a review to count from). */
  problem: string | null;
  reviews: ReviewRecord[];
}

export async function agreementReviews(store: Store, tenant: TenantId, a: StoredAgreement): Promise<AgreementReviews> {
  const spec = specOf(a);
  const reviews = await store.listReviews(tenant, a.id);
  const next = nextReview(reviewInput(spec, reviews));
  return {
    agreement: a.id,
    owner: spec?.review?.owner ?? null,
    cadence: spec?.review?.cadence ?? 'yearly',
    next: next.ok ? next.value : null,
    problem: next.ok ? null : next.issues.map((i) => i.message).join('; '),
    reviews,
  };
}

export interface ReviewToRecord {
  /** The day it was held (YYYY-MM-DD); today in the agreement's time zone by default. */
  at?: string;
  /** Who held it (a name); the actor recording it by default. The audit log names the actor either way. */
  by?: string;
  outcome: string;
  notes?: string;
  version?: number;
}

/**
 * Records a review held by `review.by`, or by the caller (the actor) when it names no one; the
 * audit entry is the actor's either way. Reviews are appended in date order; a concurrent change
 * of the agreement is retried once against the new list.
 */
export async function recordAgreementReview(
  ctx: ReviewContext,
  input: { id: string; review: ReviewToRecord },
): Promise<Result<{ review: ReviewRecord; state: AgreementReviews }> | { ok: false; notFound: string }> {
  const { store, tenant, now, actor } = ctx;
  for (let attempt = 0; attempt < 2; attempt++) {
    const a = await store.getAgreement(tenant, input.id);
    if (!a) return { ok: false, notFound: `no agreement ${input.id}` };
    const spec = specOf(a);
    const today = civilDateAt(now, spec?.timezone ?? 'UTC');
    if (!today.ok) return today;
    const log = await store.listReviews(tenant, a.id);
    const record = {
      at: input.review.at ?? today.value,
      by: input.review.by ?? actor,
      outcome: input.review.outcome,
      ...(input.review.notes !== undefined ? { notes: input.review.notes } : {}),
      ...(input.review.version !== undefined ? { version: input.review.version } : {}),
    } as ReviewRecord;
    const next = recordReview(log, record);
    if (!next.ok) return fail(...next.issues.map((i) => ({ ...i, path: i.path.replace(/^review\./, '') })));
    if (record.at > today.value)
      return fail({
        path: 'at',
        message: 'a review is recorded once it has been held: the date is in the future',
        expected: `a date on or before ${today.value}`,
        received: JSON.stringify(record.at),
      });
    if (record.version !== undefined && record.version > a.versionCount)
      return fail({
        path: 'version',
        message: `agreement ${a.id} has no version ${record.version}`,
        expected: `a version from 1 to ${a.versionCount}`,
        received: String(record.version),
      });
    const r = next.value[next.value.length - 1]!;
    const u = await store.updateAgreement(
      tenant,
      a.id,
      a.etag,
      { reviews: [r], at: now, by: actor },
      { at: now, actor, action: 'agreement.review', subject: `agreement:${a.id}`, after: r },
    );
    if (u.status === 'not_found') return { ok: false, notFound: `no agreement ${input.id}` };
    if (u.status === 'stale') continue;
    return ok({ review: r, state: await agreementReviews(store, tenant, u.agreement) });
  }
  return fail({ path: '', message: `agreement ${input.id} kept changing while the review was recorded: try again` });
}

export interface PortfolioReviews {
  today: string;
  overdue: OverdueReview[];
  evidence: EvidenceExpiry[];
  /** Every agreement's next review, soonest first, with the last review recorded in Pledge. */
  schedule: Array<{ agreement: string; owner: string | null; due: string | null; reason: string; lastReview: ReviewRecord | null }>;
  problems: Issue[];
}

/** Overdue reviews, evidence expired or expiring within `withinDays`, and the schedule, over the tenant's agreements (or those visible). */
export async function portfolioReviews(
  store: Store,
  tenant: TenantId,
  input: { today: string; withinDays: number; visible?: ReadonlySet<string> },
): Promise<Result<PortfolioReviews>> {
  const subjects: Array<AgreementSpec & { reviews: ReviewRecord[] }> = [];
  const problems: Issue[] = [];
  let after: string | undefined;
  do {
    const page = await store.listAgreements(tenant, { limit: 1000, ...(after ? { after } : {}) });
    for (const a of page.items) {
      if (input.visible && !input.visible.has(a.id)) continue;
      const r = agreementFromText(JSON.stringify(a.document), `agreement:${a.id}`);
      if (!r.ok) {
        problems.push(...r.issues);
        continue;
      }
      subjects.push({ ...r.value.spec, reviews: await store.listReviews(tenant, a.id) });
    }
    after = page.next;
  } while (after);
  const overdue = overdueReviews(subjects, input.today);
  if (!overdue.ok) return overdue;
  const evidence = expiringEvidence(subjects, input.today, input.withinDays);
  if (!evidence.ok) return evidence;
  const schedule = subjects.map((s) => {
    const n = nextReview(reviewInput(s, s.reviews));
    const reason = n.ok ? n.value.reason : n.issues.map((i) => i.message).join('; ');
    return {
      agreement: s.id,
      owner: s.review?.owner ?? null,
      due: n.ok ? n.value.due : null,
      reason,
      lastReview: s.reviews.at(-1) ?? null,
    };
  });
  schedule.sort((x, y) =>
    x.due === y.due ? (x.agreement < y.agreement ? -1 : 1) : x.due === null ? 1 : y.due === null ? -1 : x.due < y.due ? -1 : 1,
  );
  return ok({
    today: input.today,
    overdue: overdue.value.items,
    evidence: evidence.value.items,
    schedule,
    problems: [...problems, ...overdue.value.problems, ...evidence.value.problems],
  });
}
