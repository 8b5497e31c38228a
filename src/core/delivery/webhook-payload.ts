/**
 * The body and headers of a Standard Webhooks delivery, except the signature (made by the shell
 * with the `standardwebhooks` package, see src/delivery/webhook.ts).
 *
 * Invariants:
 * - The body depends on the message only: `{"type", "timestamp", "data"}` as the specification
 *   recommends, with `timestamp` the instant the event occurred (ISO 8601), so every retry and
 *   replay sends byte-for-byte the same body. The attempt's time is the `webhook-timestamp` header,
 *   which changes on each attempt (it is what protects receivers against replayed requests).
 * - The body is minified JSON, and the exact string signed is the exact string sent.
 */
import type { DeliveryMessage } from './message.ts';
import { webhookId } from './ids.ts';

export interface WebhookPayload {
  type: string;
  timestamp: string;
  data: unknown;
}

export function webhookPayload(message: DeliveryMessage): WebhookPayload {
  return { type: message.eventType, timestamp: new Date(message.occurredAt).toISOString(), data: message.data };
}

export function webhookBody(message: DeliveryMessage): string {
  return JSON.stringify(webhookPayload(message));
}

/** The unsigned headers of one attempt at `now` (epoch ms). */
export function webhookHeaders(message: DeliveryMessage, now: number): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': webhookId(message.idempotencyKey),
    'webhook-timestamp': String(Math.floor(now / 1000)),
  };
}
