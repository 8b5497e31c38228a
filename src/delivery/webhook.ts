/**
 * Sending one Standard Webhooks delivery: the body from webhook-payload.ts, the headers
 * webhook-id, webhook-timestamp and webhook-signature, signed with the maintained
 * `standardwebhooks` package (the same code receivers verify with).
 *
 * Rotation: every active secret signs, and the signatures go space-separated in one header, as the
 * specification allows; a receiver that knows any one of them accepts the delivery.
 * Retries and replays: the same message gives the same webhook-id and the same body; only the
 * timestamp (and so the signatures) change with the attempt's time.
 */
import { Webhook } from 'standardwebhooks';
import type { DeliveryMessage } from '../core/delivery/message.ts';
import type { AttemptLog, DeliveryOutcome } from '../core/delivery/outcome.ts';
import { webhookBody, webhookHeaders } from '../core/delivery/webhook-payload.ts';
import { classifyHttpAnswer, classifyNoAnswer, type AttemptContext } from '../core/delivery/retry.ts';
import type { WebhookChannel } from '../core/delivery/channel.ts';
import { postJson, type HttpResult } from './http.ts';

/** The webhook-signature header: one `v1,<base64>` per secret, space-separated. */
export function signatureHeader(secrets: readonly string[], id: string, now: number, body: string): string {
  return secrets.map((s) => new Webhook(s).sign(id, new Date(now), body)).join(' ');
}

export interface SendOptions extends AttemptContext {
  timeoutMs: number;
  fetch?: typeof fetch;
}

export function outcomeOfHttp(result: HttpResult, ctx: AttemptContext, log: AttemptLog): DeliveryOutcome {
  if (result.kind === 'answer')
    return classifyHttpAnswer(result, ctx, { ...log, status: result.status, ...(result.body ? { body: result.body } : {}) });
  return classifyNoAnswer(result.kind, ctx, { ...log, error: result.error });
}

/** `channel` with its secrets resolved (secrets.ts). */
export async function sendWebhook(channel: WebhookChannel, message: DeliveryMessage, opts: SendOptions): Promise<DeliveryOutcome> {
  const body = webhookBody(message);
  const headers = webhookHeaders(message, opts.now);
  const id = headers['webhook-id']!;
  headers['webhook-signature'] = signatureHeader(channel.settings.secrets, id, opts.now, body);
  const log: AttemptLog = { channel: channel.id, kind: 'webhook', attempt: opts.attempt, at: opts.now, deliveryId: id };
  const result = await postJson(channel.settings.url, body, headers, {
    timeoutMs: opts.timeoutMs,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  return outcomeOfHttp(result, opts, log);
}
