/**
 * The agreement page's lifecycle, versions and reviews: the shapes of GET .../lifecycle,
 * POST .../transitions, GET .../diff and GET/POST .../reviews (src/http/routes/agreements.ts,
 * reviews.ts), and the calls. A transition sends If-Match with the ETag the page was read with,
 * so a page left open while someone else moved the agreement gets 412 instead of acting on a
 * state it never showed.
 */
import { type AgreementSummary, api, enc, request } from './api';

export const LIFECYCLE_STATES = ['draft', 'in_review', 'approved', 'active', 'suspended', 'expired', 'terminated'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];
export type LifecycleAction =
  | 'submit'
  | 'request_changes'
  | 'approve'
  | 'activate'
  | 'suspend'
  | 'resume'
  | 'expire'
  | 'terminate'
  | 'renew';

export interface Signature {
  party: 'provider' | 'customer';
  name: string;
  title?: string;
  at: string;
}

export interface TermInstants {
  start: string;
  end?: string;
}

export interface TransitionRecord {
  from: LifecycleState;
  to: LifecycleState;
  action: LifecycleAction;
  /** When the new state begins. */
  at: string;
  /** Absent for customers. */
  by?: string;
  reason?: string;
  signatures?: Signature[];
  term?: TermInstants;
  /** A scheduled transition (activation before the term start): when it was asked for. */
  requestedAt?: string;
  recordedAt?: string;
  backdated?: true;
}

/** GET /v1/agreements/{id}/lifecycle. */
export interface LifecycleDetail {
  state: LifecycleState;
  legal: Array<{ to: LifecycleState; action: LifecycleAction }>;
  term: TermInstants | null;
  createdAt: string;
  /** Absent for customers. */
  createdBy?: string;
  transitions: TransitionRecord[];
  monitored: Array<{ from: string; to: string | null; endedBy?: string }>;
}

/** The body of POST /v1/agreements/{id}/transitions (without a back-dated `at`: the page records now). */
export interface TransitionRequest {
  to: LifecycleState;
  reason?: string;
  signatures?: Signature[];
  term?: TermInstants;
}

export interface TransitionAnswer {
  agreement: AgreementSummary;
  transition: TransitionRecord;
}

export interface Change {
  /** `targets[uptime].value`; '' for the whole document. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** GET /v1/agreements/{id}/diff?from&to. */
export interface DiffAnswer {
  from: number;
  to: number;
  changes: Change[];
  text: string;
}

export type ReviewOutcome = 'kept' | 'amended';

export interface Review {
  at: string;
  by: string;
  outcome: ReviewOutcome;
  /** Never sent to a customer: the provider's minutes. */
  notes?: string;
  version?: number;
}

/** GET /v1/agreements/{id}/reviews. */
export interface AgreementReviews {
  agreement: string;
  owner: string | null;
  cadence: string;
  next: {
    due: string;
    reason: 'cadence' | 'service_change';
    basis: string;
    basisKind: 'last_review' | 'term_start';
    cadence: string;
  } | null;
  problem: string | null;
  reviews: Review[];
}

export interface ReviewToRecord {
  at?: string;
  outcome: ReviewOutcome;
  by?: string;
  notes?: string;
  version?: number;
}

const base = (id: string) => `/v1/agreements/${enc(id)}`;

export const agreementApi = {
  lifecycle: (id: string, signal?: AbortSignal) => api.get<LifecycleDetail>(`${base(id)}/lifecycle`, signal),
  transition: (id: string, etag: string, body: TransitionRequest) =>
    request<TransitionAnswer>('POST', `${base(id)}/transitions`, body, { headers: { 'If-Match': etag } }),
  diff: (id: string, from: number, to: number, signal?: AbortSignal) =>
    api.get<DiffAnswer>(`${base(id)}/diff?from=${from}&to=${to}`, signal),
  reviews: (id: string, signal?: AbortSignal) => api.get<AgreementReviews>(`${base(id)}/reviews`, signal),
  recordReview: (id: string, body: ReviewToRecord) => api.post<{ review: Review; state: AgreementReviews }>(`${base(id)}/reviews`, body),
};

/** The issues of a 422 (details.issues) as "field: message" lines, so the user sees which field is wrong. */
export function issueLines(details: unknown): string[] {
  const issues = (details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues
    .filter((x): x is { path?: unknown; message?: unknown } => typeof x === 'object' && x !== null)
    .map((x) => `${typeof x.path === 'string' && x.path ? `${x.path}: ` : ''}${String(x.message ?? '')}`);
}
