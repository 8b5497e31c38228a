/**
 * One delivery attempt of one message to one channel: the function an outbox worker calls, and
 * calls again at `retry.at` with `attempt + 1`, until the outcome is not `retry`.
 *
 *   deliver(channel, message, { now, attempt, env, keyring, fetch?, timeoutMs?, random? })
 *     -> Promise<DeliveryOutcome>   (core/delivery/outcome.ts)
 *
 * It never throws for anything a message, a channel or a receiver can do: an invalid message, a
 * disabled channel, an internal message bound for a customer channel, a missing environment
 * variable or key are outcomes (failed or disabled), decided before anything is sent.
 * Replaying a delivery is calling deliver again with the same message: same webhook-id, same
 * Message-ID, same body.
 */
import type { Channel } from '../core/delivery/channel.ts';
import { validateMessage, type DeliveryMessage } from '../core/delivery/message.ts';
import type { AttemptLog, DeliveryOutcome } from '../core/delivery/outcome.ts';
import { formatIssue } from '../core/validation/issues.ts';
import { sendSlack, sendTeams } from './chat.ts';
import { sendEmail } from './email.ts';
import { resolveChannel, type Keyring } from './secrets.ts';
import { sendWebhook } from './webhook.ts';

/** Standard Webhooks recommends 15 to 30 s for HTTP; SMTP servers may be slow to greet. */
export const DEFAULT_TIMEOUT_MS = { webhook: 15_000, slack: 15_000, teams: 15_000, email: 30_000 } as const;

export interface DeliverOptions {
  /** The attempt's time, epoch ms (the webhook-timestamp; retry times are counted from it). */
  now: number;
  /** 1 for the first attempt of this message on this channel. */
  attempt?: number;
  /** Where `env:NAME` secrets are read (the process environment, passed in). */
  env: Readonly<Record<string, string | undefined>>;
  /** Decrypts `enc:v1:` secrets (PLEDGE_SECRET_KEY, secrets.ts). */
  keyring?: Keyring;
  /** Overrides DEFAULT_TIMEOUT_MS for this attempt. */
  timeoutMs?: number;
  /** For HTTP channels; the global fetch by default. */
  fetch?: typeof fetch;
  /** In [0, 1), for retry jitter; Math.random by default. */
  random?: () => number;
}

export async function deliver(channel: Channel, message: DeliveryMessage, opts: DeliverOptions): Promise<DeliveryOutcome> {
  const attempt = opts.attempt ?? 1;
  const log: AttemptLog = { channel: channel.id, kind: channel.kind, attempt, at: opts.now };
  const checked = validateMessage(message);
  if (!checked.ok) {
    return { kind: 'failed', reason: 'invalid_message', detail: checked.issues.map(formatIssue).join('; '), log };
  }
  const m = checked.value;
  if (!channel.enabled) return { kind: 'disabled', reason: 'the channel is disabled', log };
  if (m.audience === 'internal' && channel.audience === 'customer') {
    return {
      kind: 'failed',
      reason: 'audience_mismatch',
      detail: 'an internal message is never sent to a channel that serves customers',
      log,
    };
  }
  const resolved = resolveChannel(channel, { tenant: m.tenant, env: opts.env, ...(opts.keyring ? { keyring: opts.keyring } : {}) });
  if (!resolved.ok) return { kind: 'failed', reason: 'configuration', detail: resolved.issues.map(formatIssue).join('; '), log };
  const c = resolved.value;
  const ctx = {
    attempt,
    now: opts.now,
    random: (opts.random ?? Math.random)(),
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS[c.kind],
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  };
  switch (c.kind) {
    case 'webhook':
      return sendWebhook(c, m, ctx);
    case 'email':
      return sendEmail(c, m, ctx);
    case 'slack':
      return sendSlack(c, m, ctx);
    case 'teams':
      return sendTeams(c, m, ctx);
  }
}
