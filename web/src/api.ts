/**
 * The API client: the same-origin /v1 routes, with the session cookie (credentials: 'same-origin')
 * and never a token. Every write sends the session's CSRF token in X-CSRF-Token. Errors become
 * ApiError with the body's code and message (docs/api.md "Errors").
 */
import type { WatermelonReason, WindowBudget } from './api-budget';
import type { Why } from '../../src/core/i18n/settlement';

export type Role = 'admin' | 'manager' | 'agent' | 'viewer' | 'auditor' | 'customer';

export interface User {
  id: string;
  name: string;
  email: string;
  tenant: string;
  role: Role;
  customer?: string;
}

export interface Session {
  user: User;
  csrfToken: string;
  expiresAt: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Seconds, from Retry-After (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;

/** The CSRF token of the current session, sent with every write. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request answers 401: the session ended (expired, signed out elsewhere). */
let onUnauthenticated: (() => void) | null = null;
export function setOnUnauthenticated(fn: (() => void) | null): void {
  onUnauthenticated = fn;
}

/**
 * One request. `contentType` sends `body` (a string) as it is, e.g. a YAML document; `headers` adds
 * request headers such as If-Match.
 */
export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: { quiet401?: boolean; signal?: AbortSignal; contentType?: string; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (body !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : opts.contentType ? String(body) : JSON.stringify(body),
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    // docs/api.md: { code, message, details?, requestId }; tolerate { error: { ... } } too.
    const raw = (json ?? {}) as Record<string, unknown>;
    const err = (typeof raw.error === 'object' && raw.error !== null ? raw.error : raw) as Record<string, unknown>;
    const retry = Number(res.headers.get('Retry-After'));
    const e = new ApiError(
      res.status,
      typeof err.code === 'string' ? err.code : `http_${res.status}`,
      typeof err.message === 'string' ? err.message : res.statusText,
      err.details,
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
    if (res.status === 401 && !opts.quiet401) onUnauthenticated?.();
    throw e;
  }
  return json as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, { signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
  /** GET that treats 401 as "not signed in" rather than "the session ended". */
  probe: <T>(path: string) => request<T>('GET', path, undefined, { quiet401: true }),
  /** POST whose 401 is the answer itself (a wrong password), not a lost session. */
  postQuiet: <T>(path: string, body?: unknown) => request<T>('POST', path, body, { quiet401: true }),
};

/** Every page of a list route ({ items, next }), up to `max` items. */
export async function getAll<T>(path: string, max = 5000, signal?: AbortSignal): Promise<T[]> {
  const out: T[] = [];
  let after: string | undefined;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const page: { items: T[]; next?: string } = await api.get(
      `${path}${sep}limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      signal,
    );
    out.push(...page.items);
    after = page.next;
  } while (after && out.length < max);
  return out;
}

export const enc = encodeURIComponent;

// ---- Shapes of the answers this app reads (see /openapi.json for the full schemas) ----

export type ResultState = 'met' | 'at_risk' | 'breached' | 'no_data';

export interface AgreementSummary {
  id: string;
  state: string;
  customer?: string;
  etag: string;
  versionCount: number;
  updatedAt: string;
}

export interface Window {
  from: string;
  to: string;
  label: string;
  zone?: string;
}

export interface ComplianceResult {
  metric: string;
  unit: 'percent' | 'seconds' | 'count' | 'number';
  target: number;
  comparator: '>=' | '<=' | '>' | '<';
  window: Window;
  windowClosed: boolean;
  value: number | null;
  state: ResultState;
  margin: number | null;
  consumed?: number | null;
  reason: string;
  /** `reason` as clauses (src/core/i18n/compliance.ts); absent from the history and from results stored before them. */
  reasonWhy?: Why[];
  note?: string;
  noteWhy?: Why[];
  budget?: { allowedMs: number; usedMs: number; remainingMs: number; basis: string } | null;
}

/** GET /v1/agreements/{id}/history. */
export interface AgreementHistory {
  agreement: string;
  targets: Array<{
    target: string;
    metric: string | null;
    unit: ComplianceResult['unit'];
    windows: Array<{
      window: string;
      from: string;
      to: string;
      state: ResultState;
      value: number | null;
      comparator: string | null;
      goal: number | null;
      reason: string | null;
      budget?: WindowBudget | null;
    }>;
  }>;
}

/** GET /v1/watermelon (src/app/watermelon.ts). */
export interface WatermelonAnswer {
  period: { label: string; from: string; to: string; zone: string };
  thresholds: { csatBelow: number; reopenAbove: number };
  rows: Array<{
    customer: string;
    service: string;
    agreements: string[];
    sla: ResultState;
    targets: { met: number; atRisk: number; breached: number; noData: number };
    tickets: { created: number; resolved: number; reopened: number };
    reopenRate: number | null;
    ratings: number;
    csat: number | null;
    meanRating: number | null;
    waitedHours: { median: number | null; p90: number | null };
    watermelon: boolean;
    why: WatermelonReason[];
  }>;
}

/** A service report revision (GET /v1/agreements/{id}/reports). */
export interface ReportRevision {
  agreement: string;
  period: string;
  revision: number;
  eventSeq: number;
  sha256: string;
  createdAt: string;
  createdBy: string;
}

/** GET /v1/portfolio (src/app/portfolio.ts). */
export interface PortfolioMoney {
  currency: string;
  amountMinor: number;
  amount: string;
}

export interface PortfolioAgreement {
  id: string;
  name: string;
  kind: string;
  level: string | null;
  customer: string | null;
  customerName: string | null;
  services: string[];
  lifecycle: string;
  health: ResultState;
  targets: Array<{
    target: string;
    name: string;
    metric: string | null;
    unit: ComplianceResult['unit'];
    window: string;
    from: string;
    to: string;
    state: ResultState;
    value: number | null;
    comparator: string | null;
    goal: number | null;
    reason: string | null;
    budget?: WindowBudget | null;
  }>;
  period: { label: string; owed: PortfolioMoney[] } | null;
}

export interface Portfolio {
  now: string;
  agreements: PortfolioAgreement[];
  customers: Array<{
    customer: string;
    name: string | null;
    agreements: number;
    breached: number;
    atRisk: number;
    met: number;
    noData: number;
    owed: PortfolioMoney[];
  }>;
  totals: { agreements: number; breached: number; atRisk: number; met: number; noData: number; owed: PortfolioMoney[] };
}

export interface ComplianceItem {
  agreement: string;
  target: string;
  window: string;
  updatedAt: string;
  result: ComplianceResult;
}

export interface SettlementLine {
  rule: { index: number; id: string | null; type: string; path: string };
  targetId: string | null;
  applied: string;
  form: string;
  currency: string;
  amountMinor: number;
  amount: string;
  due: { date?: string; text?: string } | null;
  reason: string;
  /** `reason` as clauses (src/core/i18n/settlement.ts); absent from settlements stored before them. */
  reasonWhy?: Why[];
  compliance?: { state: ResultState; window: Window; text: string } | null;
}

export interface Settlement {
  agreementId: string;
  customerId?: string | null;
  period: Window & { firstDay: string; lastDay: string };
  lines: SettlementLine[];
  totals: { currency: string; amountMinor: number; amount: string; owingLines: number; reducedByCapsMinor: number }[];
  summary: string;
  summaryWhy?: Why[];
  notes: string[];
  notesWhy?: Why[];
  grace?: { applies: string; reason: string; reasonWhy?: Why[] } | null;
}

export interface SettlementItem {
  agreement: string;
  period: string;
  updatedAt: string;
  settlement: Settlement;
}

export interface TargetTerms {
  id: string;
  name?: string;
  metric: string;
  value: number;
  window?: string;
  comparator?: string;
  scope?: Record<string, unknown>;
  clock?: { byPriority?: Record<string, string>; duration?: string; pauseOn?: string[] };
}

export interface EffectiveTerms {
  agreement: string;
  customer?: string;
  service?: string;
  chain: { id: string; level: string }[];
  terms: {
    id: string;
    name?: string;
    kind: string;
    level: string;
    parties?: { provider?: { id: string; name?: string }; customer?: { id: string; name?: string } };
    services?: string[];
    targets?: TargetTerms[];
    pricing?: { currency?: string; fee?: { amount: string | number; per: string } };
    term?: { start?: string; end?: string };
    penalties?: { gracePeriod?: string; exclusions?: string[]; rules?: { type: string; target?: string }[] };
    [k: string]: unknown;
  };
}

export interface Lifecycle {
  state: string;
  term?: { start?: string; end?: string };
  transitions: { from: string; to: string; action: string; at: string; by: string; reason?: string }[];
}

export interface Version {
  version: number;
  effective: string;
  createdAt: string;
  createdBy: string;
  note?: string;
}

export interface StatusTicket {
  agreement: string;
  target: string;
  ticket: string;
  source: string;
  cycle: number;
  state: 'at_risk' | 'breached';
  consumed: number;
  deadline: string | null;
  breachAt: string | null;
}

export interface StatusTarget {
  agreement: string;
  target: string;
  window: string;
  state: 'at_risk' | 'breached';
  value: number | null;
  promised: string;
  reason: string;
}

export interface Status {
  now: string;
  tickets: StatusTicket[];
  targets: StatusTarget[];
}

export interface TicketEvent {
  seq: number;
  id: string;
  type: string;
  at: string;
  payload?: Record<string, unknown>;
}

export interface Segment {
  from: string;
  to: string;
  kind: 'counted' | 'paused' | 'outside_hours' | 'stopped';
  countedMs: number;
  reason: string;
}

export interface Clock {
  agreement: string;
  target: string;
  cycle: number;
  kind: 'response' | 'resolution';
  priority: string | null;
  state: string;
  start: string;
  stop: string | null;
  deadline: string | null;
  breachAt: string | null;
  elapsedMs: number;
  pausedMs: number;
  targetMs: number;
  consumed: number;
  eventIds: string[];
  timeline?: Segment[];
  updatedAt: string;
}

export interface Ticket {
  ticket: string;
  source: string;
  customer?: string;
  service?: string;
  events: TicketEvent[];
  clocks: Clock[];
}
