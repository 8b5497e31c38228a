/**
 * Alerts, silences, notifications and their attempts as the API and `pledge ... --json` show them:
 * instants as ISO 8601 in UTC, absent fields left out, and for a customer's view only what a
 * customer may read (no routing, no recipients, no silences or inhibition: those are the
 * provider's internals). One presentation for both edges, so the CLI on a database prints what the
 * server answers.
 */
import type { AlertHistoryEntry, NotificationAttempt, StoredAlert, StoredNotification, StoredSilence } from '../../store/types.ts';
import { isoInstant } from '../present.ts';
import { recordDetails } from './records.ts';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : isoInstant(ms));
const defined = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

type Facts = Record<string, string | number | boolean | null>;

function scalars(v: unknown): Facts {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
  const out: Facts = {};
  for (const [k, x] of Object.entries(v))
    if (x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = x;
  return out;
}

export function presentAlert(a: StoredAlert, opts: { internal: boolean }) {
  const d = recordDetails(a.details);
  const subject = defined({
    source: a.subject.source,
    ticket: a.subject.ticket,
    cycle: a.subject.cycle,
    window: a.subject.window,
  });
  const routing =
    opts.internal && d
      ? {
          occurrence: d.occurrence,
          escalation: d.escalation,
          recipients: d.recipients.map((r) => ({ audience: r.audience, who: r.who, medium: r.medium, destination: r.destination })),
          notified: d.notified,
          inhibitedBy: d.inhibitedBy,
          silencedBy: d.silencedBy,
          heldUntil: d.heldUntil === null ? null : isoInstant(d.heldUntil),
        }
      : undefined;
  return defined({
    id: a.id,
    dedupeKey: opts.internal ? a.dedupeKey : undefined,
    kind: a.kind,
    severity: a.severity,
    audience: a.audience,
    agreement: a.agreementId,
    target: a.target,
    subject,
    level: a.level,
    state: a.state,
    summary: d?.summary ?? `${a.kind} ${a.level} of ${a.agreementId}${a.target ? `#${a.target}` : ''}`,
    facts: d ? d.facts : scalars(a.details),
    firedAt: isoInstant(a.firedAt),
    openedAt: iso(d?.openedAt),
    acknowledgedAt: iso(a.acknowledgedAt),
    acknowledgedBy: a.acknowledgedBy,
    resolvedAt: iso(a.resolvedAt),
    resolvedBy: a.resolvedBy,
    resolvedReason: a.resolvedReason,
    updatedAt: isoInstant(a.updatedAt),
    routing,
  });
}

export type AlertView = ReturnType<typeof presentAlert>;

export function presentHistory(h: AlertHistoryEntry) {
  return defined({ seq: h.seq, at: isoInstant(h.at), state: h.state, by: h.by, reason: h.reason });
}

export function presentSilence(s: StoredSilence, now: number) {
  const active = s.startsAt <= now && now < s.endsAt && !(s.expiredAt !== undefined && s.expiredAt <= now);
  return defined({
    id: s.id,
    matchers: s.matchers as Array<{ field: string; op: string; values: string[] }>,
    startsAt: isoInstant(s.startsAt),
    endsAt: isoInstant(s.endsAt),
    active,
    comment: s.comment === '' ? undefined : s.comment,
    createdAt: isoInstant(s.createdAt),
    createdBy: s.createdBy,
    expiredAt: iso(s.expiredAt),
    expiredBy: s.expiredBy,
  });
}

/**
 * The message of a notification's payload, for listings: an outbox row carries the core's intent
 * (`{ v: 1, kind: 'intent', intent }`, src/core/delivery/outbox.ts) or a grouped message
 * (`{ kind: 'group', message }`); a bare intent is read too.
 */
function messageOf(payload: unknown): { subject?: string; transition?: string } {
  const raw = payload as { kind?: unknown; intent?: unknown; message?: unknown } | null;
  const inner = raw?.kind === 'intent' ? raw.intent : raw;
  const p = inner as { message?: { subject?: unknown }; transition?: unknown } | null;
  return defined({
    subject: typeof p?.message?.subject === 'string' ? p.message.subject : undefined,
    transition: typeof p?.transition === 'string' ? p.transition : undefined,
  });
}

export function presentNotification(n: StoredNotification) {
  return defined({
    id: n.id,
    idempotencyKey: n.idempotencyKey,
    channel: n.channelId,
    recipient: n.recipient,
    alertId: n.alertId,
    ...messageOf(n.payload),
    state: n.state,
    attempts: n.attempts,
    nextAttemptAt: iso(n.nextAttemptAt),
    lastError: n.lastError,
    deliveredAt: iso(n.deliveredAt),
    createdAt: isoInstant(n.createdAt),
    updatedAt: isoInstant(n.updatedAt),
  });
}

export function presentAttempt(a: NotificationAttempt) {
  return defined({
    attempt: a.attempt,
    worker: a.worker,
    startedAt: isoInstant(a.startedAt),
    finishedAt: isoInstant(a.finishedAt),
    outcome: a.outcome,
    error: a.error,
    response: a.response === undefined ? undefined : (a.response as Record<string, unknown> | string | number | null),
  });
}
