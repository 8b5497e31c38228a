/**
 * Alerts, silences and the audit log: the shapes the app reads from /v1/alerts, /v1/silences and
 * /v1/audit (docs/api.md "Alerts", "Silences", "Audit log") and the calls that change them. The
 * request helpers are api.ts's (session cookie, X-CSRF-Token on writes).
 */
import { api, enc, type Role } from './api';

export type AlertState = 'firing' | 'acknowledged' | 'resolved';
export type Severity = 'info' | 'warning' | 'critical';

/** An alert as GET /v1/alerts answers it (src/app/alerts/present.ts). */
export interface Alert {
  id: string;
  kind: string;
  severity: Severity;
  audience: 'internal' | 'customer';
  agreement: string;
  target?: string;
  subject: { source?: string; ticket?: string; cycle?: number; window?: string };
  level: string;
  state: AlertState;
  summary: string;
  facts: Record<string, string | number | boolean | null>;
  firedAt: string;
  openedAt?: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  resolvedBy?: string;
  resolvedReason?: string;
  updatedAt: string;
  routing?: { silencedBy?: string[]; inhibitedBy?: string | null };
}

export const MATCH_FIELDS = ['agreement', 'target', 'ticket', 'source', 'window', 'level', 'kind', 'severity', 'audience'] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export interface Matcher {
  field: MatchField;
  op: '=' | '!=';
  values: string[];
}

export interface Silence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  active: boolean;
  comment?: string;
  createdAt: string;
  createdBy: string;
  expiredAt?: string;
  expiredBy?: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  before?: unknown;
  after?: unknown;
}

/** One event of GET /v1/alerts/stream: `data` of alert.opened, alert.acknowledged, alert.resolved. */
export interface AlertEvent {
  seq: number;
  at: string;
  state: AlertState;
  by: string;
  reason?: string;
  alert: Alert;
}

interface Page<T> {
  items: T[];
  next?: string;
}

/** Who may act on alerts and silences (alerts.write: src/core/access/policy.ts). */
export const mayActOnAlerts = (role: Role | undefined) => role === 'admin' || role === 'manager' || role === 'agent';
/** Who may read the audit log (audit.read). */
export const mayReadAudit = (role: Role | undefined) => role === 'admin' || role === 'manager' || role === 'auditor';

/**
 * The first `pages` pages of a list route, and the cursor after them: a list that shows "more"
 * reloads as many pages as it shows when something changes.
 */
export async function pagesOf<T>(path: string, pages: number, signal?: AbortSignal, limit = 100): Promise<Page<T>> {
  const items: T[] = [];
  let next: string | undefined;
  const sep = path.includes('?') ? '&' : '?';
  for (let n = 0; n < pages; n++) {
    const page: Page<T> = await api.get(`${path}${sep}limit=${limit}${next ? `&after=${enc(next)}` : ''}`, signal);
    items.push(...page.items);
    next = page.next;
    if (!next) break;
  }
  return next ? { items, next } : { items };
}

export const acknowledgeAlert = (id: string, comment: string) =>
  api.post<{ result: 'acknowledged' | 'unchanged'; alert: Alert }>(
    `/v1/alerts/${enc(id)}/acknowledge`,
    comment.trim() === '' ? {} : { comment: comment.trim() },
  );

export const resolveAlert = (id: string, reason: string) =>
  api.post<{ result: 'resolved' | 'unchanged'; alert: Alert }>(`/v1/alerts/${enc(id)}/resolve`, { reason });

export interface SilenceInput {
  matchers: Matcher[];
  duration?: string;
  endsAt?: string;
  comment?: string;
}

export const createSilence = (input: SilenceInput) => api.post<{ result: 'created' | 'exists'; silence: Silence }>('/v1/silences', input);

export const expireSilence = (id: string) => api.post<{ result: 'expired' | 'ended'; silence: Silence }>(`/v1/silences/${enc(id)}/expire`);

/** The value of a matcher's field on an alert, as the core reads it (src/core/alerts/silences.ts fieldOf). */
export function fieldOf(a: Alert, f: MatchField): string {
  switch (f) {
    case 'agreement':
      return a.agreement;
    case 'target':
      return a.target ?? '';
    case 'ticket':
      return a.subject.ticket ?? '';
    case 'source':
      return a.subject.source ?? '';
    case 'window':
      return a.subject.window ?? '';
    case 'level':
      return a.level;
    case 'kind':
      return a.kind;
    case 'severity':
      return a.severity;
    case 'audience':
      return a.audience;
  }
}

/** Whether a silence matches an alert: every matcher holds (`=` one of the values, `!=` none). */
export const silenceMatches = (s: Pick<Silence, 'matchers'>, a: Alert) =>
  s.matchers.every((m) => m.values.includes(fieldOf(a, m.field)) === (m.op === '='));

/**
 * The silences that mute an open alert now: the active ones that match it, and those the
 * evaluation recorded on it (routing.silencedBy) that are still active.
 */
export function silencesOf(a: Alert, active: readonly Silence[]): string[] {
  if (a.state === 'resolved') return [];
  const ids = new Set(active.filter((s) => silenceMatches(s, a)).map((s) => s.id));
  const activeIds = new Set(active.map((s) => s.id));
  for (const id of a.routing?.silencedBy ?? []) if (activeIds.has(id)) ids.add(id);
  return [...ids].sort();
}
