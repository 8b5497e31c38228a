/**
 * What one delivery attempt came to, for the outbox worker and the delivery log. A value, never
 * an exception (ARCHITECTURE.md, tier 1): a receiver saying no, timing out or going away is an
 * expected outcome of sending, and each kind tells the worker what to do next:
 *
 * - delivered: done; keep the log line.
 * - retry { at }: try again at `at` (epoch ms) with the same message (same webhook-id/Message-ID).
 * - failed { reason }: stop; retrying cannot help without someone acting (a 4xx, a rejected
 *   recipient, bad configuration, or the retry schedule exhausted). Replay stays possible.
 * - disabled { reason }: stop, and stop sending anything else to this channel (410 Gone) until
 *   someone enables it again.
 *
 * `log` is what the delivery log keeps of the attempt: the receiver's status (HTTP status or SMTP
 * reply code), its answer trimmed (LOG_BODY_LIMIT), the network error, and the id the receiver
 * dedupes on. It never holds a secret: no URL of Slack or Teams (the URL is the credential), no
 * signature, no password.
 */
export type ChannelKind = 'webhook' | 'email' | 'slack' | 'teams';

export interface AttemptLog {
  channel: string;
  kind: ChannelKind;
  /** 1 for the first attempt. */
  attempt: number;
  /** When the attempt started, epoch ms. */
  at: number;
  /** The id the receiver can dedupe on: the webhook-id, or the e-mail Message-ID. */
  deliveryId?: string;
  /** HTTP status, or SMTP reply code. */
  status?: number;
  /** The receiver's answer, trimmed to LOG_BODY_LIMIT characters. */
  body?: string;
  /** Why no answer came: timeout, connection refused, TLS... */
  error?: string;
}

export type RetryReason = 'server_error' | 'rate_limited' | 'unavailable' | 'timeout' | 'network' | 'smtp_transient';

export type FailureReason =
  /** A 4xx other than 408, 410, 425, 429: the request itself is refused (401, 403, 404, 413, 422...). */
  | 'rejected'
  /** A 3xx: redirects are not followed (Standard Webhooks); the channel's URL must be updated. */
  | 'redirect'
  /** A status outside 2xx-5xx. */
  | 'unexpected_status'
  /** Every attempt of the retry schedule failed. */
  | 'exhausted'
  /** The SMTP server refused for good (5xx): unknown recipient, policy, message refused. */
  | 'smtp_rejected'
  /** The SMTP server refused the credentials. */
  | 'smtp_auth'
  /** TLS could not be set up (STARTTLS not offered while required, certificate not trusted). */
  | 'tls'
  /** The message does not pass validateMessage (a producer's bug). */
  | 'invalid_message'
  /** The channel's configuration is unusable: a missing environment variable, an undecryptable secret. */
  | 'configuration'
  /** An internal message sent to a channel that serves customers: refused. */
  | 'audience_mismatch';

export type DeliveryOutcome =
  | { kind: 'delivered'; log: AttemptLog }
  | { kind: 'retry'; at: number; reason: RetryReason; log: AttemptLog }
  | { kind: 'failed'; reason: FailureReason; detail: string; log: AttemptLog }
  | { kind: 'disabled'; reason: string; log: AttemptLog };

/** Characters of a receiver's answer kept in the log. */
export const LOG_BODY_LIMIT = 1000;

export function trimForLog(text: string): string {
  const t = text.trim();
  return t.length > LOG_BODY_LIMIT ? `${t.slice(0, LOG_BODY_LIMIT - 1)}…` : t;
}
