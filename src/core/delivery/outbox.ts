/**
 * What an outbox row carries for delivery, and the message a worker sends for it. Pure.
 *
 * Two kinds of payload (`payload.kind`), both JSON, versioned by `v`:
 * - `intent`: one notification intent of the alerts core (src/core/alerts/types.ts
 *   NotificationIntent) to one recipient, written by the evaluation in the transaction that caused
 *   it (`outboxRowOf`). Its row's idempotency key is the intent's key.
 * - `group`: one grouped message that carries several intents of one storm to one channel
 *   (planDelivery in src/core/alerts/grouping.ts), written by a delivery worker before it sends
 *   anything, with the group's key (`grp_...`); the intents it carries are completed as delivered
 *   "grouped into" that key. A group names its channel (and the address, for an e-mail to a
 *   contact), resolved when it was planned.
 *
 * Invariants:
 * - The message depends on the row alone (its tenant, key and payload) and the public URL, so
 *   every attempt, redelivery and replay of a row sends the same message: same webhook-id, same
 *   Message-ID, same body.
 * - A payload that cannot be read is a value (issues), which the worker records as a failed
 *   delivery; it is never sent half-understood.
 * - What a customer channel receives holds only what the message holds: no recipient list, no
 *   escalation (the alerts core builds customer messages from customer-facing facts only).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { NotificationIntent, Recipient } from '../alerts/types.ts';
import type { Result } from '../validation/issues.ts';
import { validate } from '../validation/zod.ts';
import type { DeliveryMessage } from './message.ts';

const severity = z.enum(['info', 'warning', 'critical']);
const audience = z.enum(['internal', 'customer']);

const recipientSchema = z.object({
  audience,
  who: z.string(),
  medium: z.string().nullable(),
  destination: z.string().nullable(),
  contact: z.object({ name: z.string(), email: z.string().optional(), phone: z.string().optional() }).optional(),
});

const messageSchema = z.object({
  subject: z.string(),
  text: z.string(),
  fields: z.array(z.object({ label: z.string(), value: z.string() })),
  severity,
  links: z.array(z.object({ label: z.string(), href: z.string() })),
  threadKey: z.string(),
});

const intentSchema = z.object({
  key: z.string().min(1),
  alertId: z.string(),
  dedupeKey: z.string(),
  occurrence: z.number().int(),
  transition: z.enum(['firing', 'acknowledged', 'resolved']),
  recipient: recipientSchema,
  recipientKey: z.string(),
  audience,
  severity,
  message: messageSchema,
  createdAt: z.number().int().min(0),
});

const intentPayloadSchema = z.object({ v: z.literal(1), kind: z.literal('intent'), intent: intentSchema });

const groupPayloadSchema = z.object({
  v: z.literal(1),
  kind: z.literal('group'),
  /** The channel's id, resolved when the group was planned. */
  channel: z.string().min(1),
  /** E-mail to a contact: the address(es) instead of the channel's own. */
  to: z.array(z.string()).optional(),
  targetKey: z.string(),
  audience,
  severity,
  message: messageSchema,
  /** Idempotency keys of the intents this message carries. */
  members: z.array(z.string()).min(1),
  createdAt: z.number().int().min(0),
});

const reportPayloadSchema = z.object({
  v: z.literal(1),
  kind: z.literal('report'),
  /** The e-mail channel it is sent through, and the address it is sent to (the channel's own `to` and `cc` are not used). */
  channel: z.string().min(1),
  to: z.array(z.string()).min(1),
  schedule: z.string(),
  period: z.string(),
  language: z.enum(['en', 'ar']),
  subject: z.string(),
  text: z.string(),
  /** Stored renderings of service report revisions (service_report_files), read when sent. */
  attachments: z
    .array(
      z.object({
        agreement: z.string(),
        period: z.string(),
        revision: z.number().int().min(1),
        variant: z.string(),
        mediaType: z.string(),
        filename: z.string(),
      }),
    )
    .min(1),
  createdAt: z.number().int().min(0),
});

export type IntentPayload = z.output<typeof intentPayloadSchema>;
/** A scheduled service report e-mail (src/app/reports/runner.ts): one recipient, its files attached when sent. */
export type ReportPayload = z.output<typeof reportPayloadSchema>;
export type GroupPayload = z.output<typeof groupPayloadSchema>;
export type OutboxPayload = IntentPayload | GroupPayload | ReportPayload;

/** Reads a row's payload. A bare NotificationIntent (no `v`) is read as an `intent` payload. */
export function parseOutboxPayload(payload: unknown): Result<OutboxPayload> {
  const p = payload as { kind?: unknown; v?: unknown } | null;
  if (p !== null && typeof p === 'object' && p.v === undefined && p.kind === undefined) {
    const r = validate(intentSchema, payload);
    return r.ok ? { ok: true, value: { v: 1, kind: 'intent', intent: r.value } } : r;
  }
  if (p?.kind === 'group') return validate(groupPayloadSchema, payload);
  if (p?.kind === 'report') return validate(reportPayloadSchema, payload);
  return validate(intentPayloadSchema, payload);
}

/** The channel id an intent's row names: the destination, else `how:<medium>`; resolved again when sent (route.ts). */
export function routeIdOf(r: Pick<Recipient, 'destination' | 'medium'>): string {
  if (r.destination) return r.destination;
  return r.medium ? `how:${r.medium}` : 'default';
}

/** The outbox row for one intent (structurally the store's NewNotification). */
export interface OutboxRow {
  idempotencyKey: string;
  channelId: string;
  recipient: string;
  payload: IntentPayload;
  alertId: string;
  notBefore?: number;
}

export function outboxRowOf(intent: NotificationIntent, notBefore?: number): OutboxRow {
  return {
    idempotencyKey: intent.key,
    channelId: routeIdOf(intent.recipient),
    recipient: intent.recipientKey,
    payload: { v: 1, kind: 'intent', intent },
    alertId: intent.alertId,
    ...(notBefore !== undefined ? { notBefore } : {}),
  };
}

// --- the message ---------------------------------------------------------------------------------

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
const CONTROL = /[\x00-\x1f\x7f]+/g;

function oneLine(s: string, max: number): string {
  const t = s.replace(CONTROL, ' ').trim();
  const v = t === '' ? '-' : t;
  return v.length > max ? `${v.slice(0, max - 1)}…` : v;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** A key that travels in headers: as it is when it may, else a hash of it. */
function headerKey(s: string): string {
  return KEY_PATTERN.test(s) ? s : `k_${createHash('sha256').update(s, 'utf8').digest('base64url').slice(0, 40)}`;
}

/** Links are paths relative to the server's public URL; without one they are left out. */
function absolute(href: string, publicUrl: string | undefined): string | undefined {
  try {
    const u = publicUrl ? new URL(href, publicUrl) : new URL(href);
    return u.protocol === 'https:' || u.protocol === 'http:' || u.protocol === 'mailto:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

export interface MessageOptions {
  /** e.g. https://pledge.example.com: links in messages are made absolute against it. */
  publicUrl?: string;
}

/** The message to send for a row: everything from the row, so every attempt sends the same. */
export function deliveryMessageOf(tenant: string, idempotencyKey: string, p: OutboxPayload, opts: MessageOptions = {}): DeliveryMessage {
  if (p.kind === 'report')
    // The files are attached by the worker (they are read from the store, not carried in the row).
    return {
      idempotencyKey,
      tenant,
      eventType: 'report.scheduled',
      subject: oneLine(p.subject, 500),
      text: clip(p.text, 20_000),
      severity: 'info',
      audience: 'customer',
      fields: [],
      links: [],
      threadKey: headerKey(`report/${p.schedule}`),
      occurredAt: p.createdAt,
      data: {
        schedule: p.schedule,
        period: p.period,
        language: p.language,
        reports: p.attachments.map((a) => ({ agreement: a.agreement, period: a.period, revision: a.revision, variant: a.variant })),
      },
    };
  const m = p.kind === 'intent' ? p.intent.message : p.message;
  const links = m.links
    .slice(0, 20)
    .map((l) => ({ label: oneLine(l.label, 200), url: absolute(l.href, opts.publicUrl) }))
    .filter((l): l is { label: string; url: string } => l.url !== undefined && l.url.length <= 2000);
  const fields = m.fields.slice(0, 50).map((f) => ({ label: oneLine(f.label, 200), value: clip(f.value, 2000) }));
  const common = {
    idempotencyKey,
    tenant,
    subject: oneLine(m.subject, 500),
    text: clip(m.text, 20_000),
    severity: m.severity,
    fields,
    links,
    threadKey: headerKey(m.threadKey),
  };
  if (p.kind === 'intent') {
    const i = p.intent;
    return {
      ...common,
      eventType: `alert.${i.transition}`,
      audience: i.audience,
      occurredAt: i.createdAt,
      data: {
        alert: { id: i.alertId, dedupeKey: i.dedupeKey, occurrence: i.occurrence },
        transition: i.transition,
        severity: i.severity,
        audience: i.audience,
        subject: m.subject,
        text: m.text,
        fields: m.fields,
        links,
      },
    };
  }
  return {
    ...common,
    eventType: 'alert.grouped',
    audience: p.audience,
    occurredAt: p.createdAt,
    data: {
      grouped: true,
      count: p.members.length,
      notifications: p.members,
      severity: p.severity,
      audience: p.audience,
      subject: m.subject,
      text: m.text,
      fields: m.fields,
      links,
    },
  };
}
