/**
 * Slack incoming webhooks and Microsoft Teams workflow webhooks: a JSON POST to the channel's URL
 * (a secret: it is the credential), with the retry semantics of webhooks (retry.ts). Slack answers
 * 429 with Retry-After when rate-limited, and 410 `channel_is_archived` (the channel is disabled);
 * Teams workflows answer 202 Accepted.
 *
 * Neither service dedupes: a retry after a lost answer can post twice. The log keeps the
 * idempotency key as deliveryId so the two can be recognised.
 */
import type { DeliveryMessage } from '../core/delivery/message.ts';
import type { AttemptLog, DeliveryOutcome } from '../core/delivery/outcome.ts';
import type { SlackChannel, TeamsChannel } from '../core/delivery/channel.ts';
import { slackPayload } from '../core/delivery/slack.ts';
import { teamsPayload } from '../core/delivery/teams.ts';
import { postJson } from './http.ts';
import { outcomeOfHttp, type SendOptions } from './webhook.ts';

async function post(
  channel: SlackChannel | TeamsChannel,
  payload: unknown,
  message: DeliveryMessage,
  opts: SendOptions,
): Promise<DeliveryOutcome> {
  const log: AttemptLog = {
    channel: channel.id,
    kind: channel.kind,
    attempt: opts.attempt,
    at: opts.now,
    deliveryId: message.idempotencyKey,
  };
  const result = await postJson(
    channel.settings.url,
    JSON.stringify(payload),
    { 'content-type': 'application/json; charset=utf-8' },
    { timeoutMs: opts.timeoutMs, ...(opts.fetch ? { fetch: opts.fetch } : {}) },
  );
  return outcomeOfHttp(result, opts, log);
}

export function sendSlack(channel: SlackChannel, message: DeliveryMessage, opts: SendOptions): Promise<DeliveryOutcome> {
  return post(channel, slackPayload(message), message, opts);
}

export function sendTeams(channel: TeamsChannel, message: DeliveryMessage, opts: SendOptions): Promise<DeliveryOutcome> {
  return post(channel, teamsPayload(message), message, opts);
}
