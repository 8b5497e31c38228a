/**
 * Alerts between the pure core (src/core/alerts: `Alert`, `NotificationIntent`, `EvaluationResult`)
 * and the store (src/store/types.ts: `StoredAlert`, `AlertChange`, `NewNotification`, timers).
 *
 * Invariants:
 * - A stored alert's `details` holds the core's whole `Alert` record as the evaluation last wrote
 *   it (recipients, who was notified, inhibition, silences, quiet time, occurrence). The store's
 *   own columns win over that snapshot for what people change outside the evaluation: the state,
 *   the acknowledgement, the resolution (fromStored). So nothing the core needs to evaluate again
 *   is lost, and nothing a person did is undone by a snapshot.
 * - Every change carries the notifications it causes in its `notify` list, which the store writes
 *   only when the change takes effect, in the same transaction (the outbox): two evaluators racing
 *   on the same facts write one alert and, since the keys are the core's deterministic ones, one
 *   notification per recipient.
 * - A notification is the outbox row delivery reads (outboxRowOf, src/core/delivery/outbox.ts): its
 *   key is the intent's, its channel the recipient's destination (or `how:<medium>`, resolved when
 *   sent), its payload the core's NotificationIntent (recipient, message, transition, severity).
 * - Timers are keyed by the subject key (keys.ts): one timer per ticket clock cycle
 *   (agreement, target, source, ticket, cycle) and one per window (agreement, target, window), so
 *   rescheduling a subject moves its one timer and never adds a second.
 *
 * Known gap: the store refuses changes to a resolved alert, so the core's `rearmed` mark on an
 * alert a person resolved is not kept; such an alert's level does not fire again for the same
 * clock cycle or window (docs/alerts.md, "Running it").
 */
import { dedupeKey, recipientKey, subjectKey } from '../../core/alerts/keys.ts';
import { outboxRowOf } from '../../core/delivery/outbox.ts';
import type { Alert, AlertSubject, EvaluationResult, NotificationIntent } from '../../core/alerts/types.ts';
import type { AlertChange, AlertSubject as StoreSubject, NewNotification, StoredAlert, TimerInput } from '../../store/types.ts';

/** The payload of an alert timer: the subject to evaluate again when it fires. */
export interface AlertTimerPayload {
  subject: AlertSubject;
}

export const timerKeyOf = (s: AlertSubject): string => subjectKey(s);

export function timerFor(subject: AlertSubject, fireAt: number): TimerInput<AlertTimerPayload> {
  return { key: timerKeyOf(subject), fireAt, payload: { subject } };
}

/** Whether a timer payload is one of ours (other timers may share the table: grouping intervals). */
export function isAlertTimerPayload(p: unknown): p is AlertTimerPayload {
  const s = (p as { subject?: { kind?: unknown; agreement?: unknown } } | null)?.subject;
  return typeof s === 'object' && s !== null && (s.kind === 'clock' || s.kind === 'window') && typeof s.agreement === 'string';
}

/** The outbox row of an intent, as delivery reads it (src/core/delivery/outbox.ts). */
export function notificationOf(i: NotificationIntent): NewNotification {
  return outboxRowOf(i);
}

function storeSubject(s: AlertSubject): StoreSubject {
  if (s.kind === 'clock') return { ...(s.source ? { source: s.source } : {}), ticket: s.ticket, cycle: s.cycle };
  if (s.kind === 'window') return { window: s.window };
  return {};
}

const targetOf = (s: AlertSubject): string => (s.kind === 'notice' ? (s.target ?? '') : s.target);

/** Whether a stored alert was written by the evaluation (its details are a core Alert). */
function isCoreAlert(d: unknown): d is Alert {
  const a = d as Partial<Alert> | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.dedupeKey === 'string' &&
    typeof a.occurrence === 'number' &&
    typeof a.subject === 'object' &&
    Array.isArray(a.recipients) &&
    Array.isArray(a.notified)
  );
}

/** The core's view of a stored alert (see the header), or undefined for an alert the evaluation did not write. */
export function fromStored(s: StoredAlert): Alert | undefined {
  if (!isCoreAlert(s.details)) return undefined;
  const a: Alert = structuredClone(s.details);
  a.state = s.state;
  if (s.acknowledgedAt !== undefined)
    a.acknowledged = { ...(a.acknowledged ?? {}), by: s.acknowledgedBy ?? 'someone', at: s.acknowledgedAt };
  if (s.state === 'resolved') {
    a.resolved = { by: s.resolvedBy ?? 'pledge', at: s.resolvedAt ?? s.updatedAt, why: s.resolvedReason ?? '' };
    a.heldUntil = null;
  } else a.resolved = null;
  return a;
}

/** The store changes of one evaluation step, each with the notifications it causes. */
export function changesOf(r: EvaluationResult): AlertChange[] {
  const intents = new Map<string, NotificationIntent[]>();
  for (const i of r.notify) {
    const l = intents.get(i.alertId);
    if (l) l.push(i);
    else intents.set(i.alertId, [i]);
  }
  const notifyOf = (a: Alert) => (intents.get(a.id) ?? []).map(notificationOf);
  const out: AlertChange[] = [];
  for (const a of r.open) {
    out.push({
      op: 'open',
      id: a.id,
      dedupeKey: a.dedupeKey,
      kind: a.kind,
      severity: a.severity,
      audience: a.audience,
      agreementId: a.subject.agreement,
      target: targetOf(a.subject),
      subject: storeSubject(a.subject),
      level: a.level,
      firedAt: a.startsAt,
      details: a,
      notify: notifyOf(a),
    });
    // A one-off born and announced in this step: opened and resolved in the same transaction.
    if (a.state === 'resolved' && a.resolved)
      out.push({ op: 'resolve', dedupeKey: a.dedupeKey, resolvedAt: a.resolved.at, reason: a.resolved.why });
  }
  for (const a of r.update) {
    // A resolved alert is final in the store (see the header's known gap).
    if (a.state === 'resolved') continue;
    out.push({ op: 'update', dedupeKey: a.dedupeKey, severity: a.severity, level: a.level, details: a, notify: notifyOf(a) });
  }
  for (const a of r.resolve) {
    // The snapshot first, so the resolved record keeps who was told what; then the resolution.
    out.push({ op: 'update', dedupeKey: a.dedupeKey, details: a });
    out.push({
      op: 'resolve',
      dedupeKey: a.dedupeKey,
      resolvedAt: a.resolved?.at ?? a.updatedAt,
      reason: a.resolved?.why ?? '',
      notify: notifyOf(a),
    });
  }
  return out;
}

/** The alerts of a step as they stand after it: `current` with the step's records over it. */
export function afterStep(current: readonly Alert[], r: EvaluationResult): Alert[] {
  const byId = new Map(current.map((a) => [a.id, a]));
  for (const a of [...r.open, ...r.update, ...r.resolve]) byId.set(a.id, a);
  return [...byId.values()];
}

export { dedupeKey, recipientKey, subjectKey };
