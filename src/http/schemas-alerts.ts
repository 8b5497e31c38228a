/**
 * The answers of the alerts, silences, channels and delivery-log routes (issue 9), in the manner of
 * schemas.ts (strict objects, instants as `Instant`, shared shapes as components), in a file of
 * their own so the alerts API grows without touching every other route's shapes.
 */
import { z } from 'zod';
import { MATCH_FIELDS, SEVERITIES } from '../core/alerts/types.ts';
import { CHANNEL_KINDS } from '../core/delivery/channel.ts';
import { component, Instant, page } from './schemas.ts';

const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const;

export const AlertSchema = component(
  'Alert',
  z.strictObject({
    id: z.string(),
    dedupeKey: z.string().optional().describe('The condition (not shown to customers).'),
    kind: z.string().describe('warning, breach, overdue, budget, burn_rate, exhaustion, projection, notice'),
    severity: z.string().describe(`${SEVERITIES.join(', ')}`),
    audience: z.string().describe('internal or customer'),
    agreement: z.string(),
    target: z.string(),
    subject: z.strictObject({
      source: z.string().optional(),
      ticket: z.string().optional(),
      cycle: z.number().int().optional(),
      window: z.string().optional(),
    }),
    level: z.string().describe('consumed-75, breach, burn-fast...'),
    state: z.enum(ALERT_STATES),
    summary: z.string(),
    facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).describe('The facts shown with the alert.'),
    firedAt: Instant.describe('When the condition began (the threshold instant).'),
    openedAt: Instant.optional().describe('When an evaluation opened it.'),
    acknowledgedAt: Instant.optional(),
    acknowledgedBy: z.string().optional(),
    resolvedAt: Instant.optional(),
    resolvedBy: z.string().optional(),
    resolvedReason: z.string().optional(),
    updatedAt: Instant,
    routing: z
      .strictObject({
        occurrence: z.number().int(),
        escalation: z.number().int().nullable(),
        recipients: z.array(
          z.strictObject({ audience: z.string(), who: z.string(), medium: z.string().nullable(), destination: z.string().nullable() }),
        ),
        notified: z.array(z.string()),
        inhibitedBy: z.string().nullable(),
        silencedBy: z.array(z.string()),
        heldUntil: Instant.nullable(),
      })
      .optional()
      .describe('Who it goes to and why it is not notified (yet); not shown to customers.'),
  }),
);
export const AlertPage = page('AlertPage', AlertSchema);

export const AlertHistoryEntrySchema = component(
  'AlertHistoryEntry',
  z.strictObject({ seq: z.number().int(), at: Instant, state: z.enum(ALERT_STATES), by: z.string(), reason: z.string().optional() }),
);
export const AlertDetail = z.strictObject({ alert: AlertSchema, history: z.array(AlertHistoryEntrySchema) });
export const AlertActed = z.strictObject({
  result: z.enum(['acknowledged', 'resolved', 'unchanged']),
  alert: AlertSchema,
  notified: z.number().int().describe('Notifications written to the outbox by this change.'),
});

export const SilenceSchema = component(
  'Silence',
  z.strictObject({
    id: z.string(),
    matchers: z.array(z.strictObject({ field: z.enum(MATCH_FIELDS), op: z.enum(['=', '!=']), values: z.array(z.string()) })),
    startsAt: Instant,
    endsAt: Instant,
    active: z.boolean().describe('In force now.'),
    comment: z.string().optional(),
    createdAt: Instant,
    createdBy: z.string(),
    expiredAt: Instant.optional(),
    expiredBy: z.string().optional(),
  }),
);
export const SilencePage = page('SilencePage', SilenceSchema);
export const SilenceWrite = z.strictObject({ result: z.enum(['created', 'exists', 'expired', 'ended']), silence: SilenceSchema });

export const ChannelSchema = component(
  'Channel',
  z.strictObject({
    id: z.string(),
    kind: z.enum(CHANNEL_KINDS),
    enabled: z.boolean(),
    audience: z.enum(['internal', 'customer']),
    description: z.string().optional(),
    settings: z
      .record(z.string(), z.unknown())
      .describe('Per kind (docs/alerts.md "Channels"); every secret shown as `[redacted]` or as its env:NAME reference.'),
    disabledAt: Instant.optional(),
    disabledReason: z.string().optional(),
    etag: z.string(),
    createdAt: Instant,
    createdBy: z.string(),
    updatedAt: Instant,
    updatedBy: z.string(),
  }),
);
export const ChannelList = z.strictObject({ items: z.array(ChannelSchema) });
export const ChannelWrite = z.strictObject({ result: z.enum(['created', 'updated', 'unchanged']), channel: ChannelSchema });
export const ChannelEnable = z.strictObject({ result: z.enum(['changed', 'unchanged']), channel: ChannelSchema });
export const ChannelDeleted = z.strictObject({ result: z.literal('deleted'), id: z.string() });
export const ChannelsApplied = z.strictObject({
  channels: z.array(z.strictObject({ id: z.string(), result: z.enum(['created', 'updated', 'unchanged']) })),
});

const NOTIFICATION_STATES = ['pending', 'claimed', 'delivered', 'failed', 'dead'] as const;
export const NotificationSchema = component(
  'Notification',
  z.strictObject({
    id: z.number().int(),
    idempotencyKey: z.string().describe('The webhook-id / Message-ID receivers dedupe on; the same on every attempt and replay.'),
    channel: z.string(),
    recipient: z.string(),
    alertId: z.string().optional(),
    subject: z.string().optional(),
    transition: z.string().optional().describe('firing, acknowledged or resolved'),
    state: z.enum(NOTIFICATION_STATES),
    attempts: z.number().int(),
    nextAttemptAt: Instant.optional(),
    lastError: z.string().optional(),
    deliveredAt: Instant.optional(),
    createdAt: Instant,
    updatedAt: Instant,
  }),
);
export const NotificationPage = page('NotificationPage', NotificationSchema);
export const NotificationAttemptSchema = component(
  'NotificationAttempt',
  z.strictObject({
    attempt: z.number().int(),
    worker: z.string(),
    startedAt: Instant,
    finishedAt: Instant,
    outcome: z.enum(['delivered', 'retry', 'failed', 'dead', 'abandoned']),
    error: z.string().optional(),
    response: z.unknown().optional().describe("What was kept of the receiver's answer (status, a header or two)."),
  }),
);
export const NotificationDetail = z.strictObject({ notification: NotificationSchema, attempts: z.array(NotificationAttemptSchema) });
export const NotificationReplayed = z.strictObject({ result: z.literal('replayed'), notification: NotificationSchema });
export const EventStream = z
  .string()
  .describe(
    'text/event-stream: `alert.opened`, `alert.acknowledged` and `alert.resolved` events, each `id:` the history sequence number (resume with Last-Event-ID) and `data:` JSON { seq, at, state, by, reason?, alert }; comment lines as heartbeats.',
  );
