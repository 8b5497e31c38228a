/**
 * The alerts core's records (src/core/alerts/types.ts `Alert`, `NotificationIntent`) as the store
 * keeps them (src/store/types.ts `StoredAlert`, `NewNotification`), both ways.
 *
 * Invariants:
 * - What the store queries is in its columns (state, kind, severity, audience, agreement, target,
 *   subject, level, instants, who acknowledged and resolved); everything else of the core's record
 *   is `details` (`AlertRecordDetails`). Reading back overlays the columns on the details, so the
 *   columns are the truth for the lifecycle (an acknowledgement or a resolution written by the
 *   store's compare-and-set is seen even though `details` was written before it).
 * - A stored alert whose details are not the core's record (another writer, an older version) is
 *   still listed and shown; it just has no core record (`coreAlertOf` answers undefined), so acting
 *   on it notifies no one.
 * - A notification's idempotency key is the core's intent key; the payload is the whole intent (the
 *   message, the recipient, the transition), so delivery needs nothing else. The channel is the
 *   recipient's destination when the routing named one, else `medium:<medium>` or `default`: the
 *   delivery worker resolves those against the tenant's channels.
 */
import type { Alert, AlertDetails, AlertSubject, NotificationIntent, Recipient } from '../../core/alerts/types.ts';
import type { AlertOpen, NewNotification, StoredAlert } from '../../store/types.ts';

/** The part of a core alert kept in `StoredAlert.details`. */
export interface AlertRecordDetails {
  occurrence: number;
  subject: AlertSubject;
  subjectKey: string;
  escalation: number | null;
  summary: string;
  /** The core's `details`: the facts shown with the alert. */
  facts: AlertDetails;
  recipients: Recipient[];
  openedAt: number;
  acknowledgedWhy?: string;
  inhibitedBy: string | null;
  silencedBy: string[];
  notified: string[];
  heldUntil: number | null;
  resolveWhenSent: string | null;
  rearmed: boolean;
}

export function recordDetailsOf(a: Alert): AlertRecordDetails {
  return {
    occurrence: a.occurrence,
    subject: a.subject,
    subjectKey: a.subjectKey,
    escalation: a.escalation,
    summary: a.summary,
    facts: a.details,
    recipients: a.recipients,
    openedAt: a.openedAt,
    ...(a.acknowledged?.why !== undefined ? { acknowledgedWhy: a.acknowledged.why } : {}),
    inhibitedBy: a.inhibitedBy,
    silencedBy: a.silencedBy,
    notified: a.notified,
    heldUntil: a.heldUntil,
    resolveWhenSent: a.resolveWhenSent,
    rearmed: a.rearmed,
  };
}

/** The stored subject columns of a core subject. */
export function storedSubjectOf(s: AlertSubject): StoredAlert['subject'] {
  switch (s.kind) {
    case 'clock':
      return { source: s.source, ticket: s.ticket, cycle: s.cycle };
    case 'window':
      return { window: s.window };
    case 'notice':
      return {};
  }
}

export function targetOf(s: AlertSubject): string {
  return s.kind === 'notice' ? (s.target ?? '') : s.target;
}

/** The store's `open` change of a core alert (notifications apart). */
export function alertOpenOf(a: Alert): AlertOpen<AlertRecordDetails> {
  return {
    op: 'open',
    id: a.id,
    dedupeKey: a.dedupeKey,
    kind: a.kind,
    severity: a.severity,
    audience: a.audience,
    agreementId: a.subject.agreement,
    target: targetOf(a.subject),
    subject: storedSubjectOf(a.subject),
    level: a.level,
    firedAt: a.startsAt,
    details: recordDetailsOf(a),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The details when they are the core's record, else undefined. */
export function recordDetails(details: unknown): AlertRecordDetails | undefined {
  if (!isObject(details)) return undefined;
  const d = details as Partial<AlertRecordDetails>;
  const ok =
    typeof d.occurrence === 'number' &&
    isObject(d.subject) &&
    typeof d.subjectKey === 'string' &&
    typeof d.summary === 'string' &&
    isObject(d.facts) &&
    Array.isArray(d.recipients) &&
    Array.isArray(d.notified) &&
    Array.isArray(d.silencedBy);
  return ok ? (d as AlertRecordDetails) : undefined;
}

/** The core's record of a stored alert (columns over details), or undefined when its details are not one. */
export function coreAlertOf(s: StoredAlert): Alert | undefined {
  const d = recordDetails(s.details);
  if (!d) return undefined;
  return {
    id: s.id,
    dedupeKey: s.dedupeKey,
    occurrence: d.occurrence,
    subject: d.subject,
    subjectKey: d.subjectKey,
    level: s.level,
    kind: s.kind as Alert['kind'],
    severity: s.severity as Alert['severity'],
    audience: s.audience as Alert['audience'],
    escalation: d.escalation,
    summary: d.summary,
    details: d.facts,
    recipients: d.recipients,
    state: s.state,
    startsAt: s.firedAt,
    openedAt: d.openedAt,
    updatedAt: s.updatedAt,
    acknowledged:
      s.acknowledgedAt !== undefined && s.acknowledgedBy !== undefined
        ? { by: s.acknowledgedBy, at: s.acknowledgedAt, ...(d.acknowledgedWhy !== undefined ? { why: d.acknowledgedWhy } : {}) }
        : null,
    resolved: s.resolvedAt !== undefined ? { by: s.resolvedBy ?? 'pledge', at: s.resolvedAt, why: s.resolvedReason ?? '' } : null,
    inhibitedBy: d.inhibitedBy,
    silencedBy: d.silencedBy,
    notified: d.notified,
    heldUntil: d.heldUntil,
    resolveWhenSent: d.resolveWhenSent,
    rearmed: d.rearmed,
  };
}

/** The channel a recipient's notification is queued for (see the header). */
export function channelIdOf(r: Recipient): string {
  if (r.destination !== null && r.destination !== '') return r.destination;
  return r.medium !== null ? `medium:${r.medium}` : 'default';
}

/** A notification intent as an outbox row. */
export function notificationOf(i: NotificationIntent): NewNotification<NotificationIntent> {
  return {
    idempotencyKey: i.key,
    channelId: channelIdOf(i.recipient),
    recipient: i.recipientKey,
    payload: i,
    alertId: i.alertId,
  };
}
