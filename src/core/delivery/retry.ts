/**
 * The retry policy, pure: given what an attempt got back (an HTTP status and headers, an SMTP
 * reply, or no answer), the attempt's number, the time and a random number, what happens next.
 * The shell (src/delivery/) makes the attempt; the worker stores the outcome and comes back at
 * `retry.at`. Nothing here sleeps or reads a clock.
 *
 * The schedule is the one Standard Webhooks suggests, ten attempts over about 3 days 3.5 hours:
 *
 *   attempt   1     2     3      4       5      6      7       8       9       10
 *   delay     0     5s    5m     30m     2h     5h     10h     14h     20h     24h
 *   elapsed   0     5s    5m5s   35m5s   2h35m  7h35m  17h35m  31h35m  51h35m  75h35m
 *
 * Each delay gets ±10% jitter (`random` in [0, 1)), so endpoints that failed together (an outage)
 * are not all retried in the same second, while the whole stays about 3 days (68 to 83 hours).
 *
 * HTTP statuses (webhooks, Slack, Teams):
 * - 2xx: delivered.
 * - 3xx: failed `redirect`: redirects are not followed (the URL must be updated).
 * - 408, 425, 429, 5xx: retry. A `Retry-After` (seconds or an HTTP date), on any of them, is
 *   honoured: the next attempt is no earlier than it says, and no earlier than the schedule
 *   (so a receiver answering 429 with "Retry-After: 1" ten times still spreads over the schedule
 *   instead of failing within ten seconds). A Retry-After beyond MAX_RETRY_AFTER_MS is cut to it.
 * - 410 Gone: disabled: the receiver asks not to be sent anything any more.
 * - Any other 4xx (400, 401, 403, 404, 405, 409, 413, 415, 422...): failed `rejected`: the same
 *   request will be refused again until someone changes the receiver or the channel; replay then.
 * - No answer (timeout, connection refused or reset, DNS): retry.
 * After the 10th attempt nothing is retried: failed `exhausted`, with the last answer in the log.
 */
import type { AttemptLog, DeliveryOutcome, FailureReason, RetryReason } from './outcome.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
/** Delay before attempt i+2 (the first attempt is immediate). */
export const RETRY_DELAYS_MS: readonly number[] = [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
export const JITTER = 0.1;
export const MAX_RETRY_AFTER_MS = 24 * H;

/**
 * When the attempt after attempt number `attempt` (1-based) should run, or undefined when the
 * schedule is exhausted. `retryAfterMs`, when the receiver said so, is a floor.
 */
export function nextAttemptAt(attempt: number, now: number, random: number, retryAfterMs?: number): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  const base = RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return undefined;
  const r = Number.isFinite(random) ? Math.min(Math.max(random, 0), 1) : 0.5;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * r));
  const floor = retryAfterMs === undefined ? 0 : Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS);
  return now + Math.max(jittered, floor);
}

/**
 * A Retry-After header in milliseconds from `now`: delta-seconds ("120") or an HTTP date
 * ("Wed, 21 Oct 2026 07:28:00 GMT"). Anything else (or a date in the past): undefined.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return at > now ? at - now : 0;
}

export interface HttpAnswer {
  status: number;
  /** The Retry-After header, if any. */
  retryAfter?: string | null;
}

export interface AttemptContext {
  attempt: number;
  now: number;
  random: number;
}

function retryOrExhausted(ctx: AttemptContext, reason: RetryReason, log: AttemptLog, retryAfterMs?: number): DeliveryOutcome {
  const at = nextAttemptAt(ctx.attempt, ctx.now, ctx.random, retryAfterMs);
  if (at === undefined) {
    const what = log.status !== undefined ? `last answer ${log.status}` : `last error: ${log.error ?? reason}`;
    return { kind: 'failed', reason: 'exhausted', detail: `gave up after ${ctx.attempt} attempts (${what})`, log };
  }
  return { kind: 'retry', at, reason, log };
}

/** The outcome of an HTTP attempt that got an answer. */
export function classifyHttpAnswer(answer: HttpAnswer, ctx: AttemptContext, log: AttemptLog): DeliveryOutcome {
  const { status } = answer;
  if (status >= 200 && status <= 299) return { kind: 'delivered', log };
  const retryAfterMs = parseRetryAfter(answer.retryAfter, ctx.now);
  if (status === 410) return { kind: 'disabled', reason: 'the receiver answered 410 Gone: it no longer accepts deliveries', log };
  if (status === 429) return retryOrExhausted(ctx, 'rate_limited', log, retryAfterMs);
  if (status === 408 || status === 425) return retryOrExhausted(ctx, 'timeout', log, retryAfterMs);
  if (status === 502 || status === 503 || status === 504) return retryOrExhausted(ctx, 'unavailable', log, retryAfterMs);
  if (status >= 500 && status <= 599) return retryOrExhausted(ctx, 'server_error', log, retryAfterMs);
  const failed = (reason: FailureReason, detail: string): DeliveryOutcome => ({ kind: 'failed', reason, detail, log });
  if (status >= 300 && status <= 399)
    return failed('redirect', `the receiver answered ${status} (a redirect, not followed): update the URL`);
  if (status >= 400 && status <= 499) return failed('rejected', `the receiver refused the request with ${status}`);
  return failed('unexpected_status', `the receiver answered ${status}`);
}

/** The outcome of an attempt that got no answer: timeout, refused or reset connection, DNS. */
export function classifyNoAnswer(kind: 'timeout' | 'network', ctx: AttemptContext, log: AttemptLog): DeliveryOutcome {
  return retryOrExhausted(ctx, kind, log);
}

/**
 * What an SMTP attempt came to, as nodemailer reports it: `responseCode` is the server's reply
 * code when it answered, `code` nodemailer's own (EAUTH, ETLS, ECONNECTION, ETIMEDOUT, ESOCKET,
 * EDNS, EENVELOPE, EMESSAGE...).
 */
export interface SmtpProblem {
  code?: string;
  responseCode?: number;
  /** The reply text or the error's message. */
  message: string;
  /** A certificate problem (untrusted, expired, wrong name). */
  certificate?: boolean;
}

/**
 * SMTP: 4xx replies are transient by definition (RFC 5321 4.2.1): retry. 5xx replies are
 * permanent: failed (`smtp_auth` for 530/534/535 and EAUTH, `smtp_rejected` otherwise). No TLS
 * where it is required, or an untrusted certificate: failed `tls` (an operator must act).
 * No connection, a timeout, a dropped socket: retry.
 */
export function classifySmtpProblem(p: SmtpProblem, ctx: AttemptContext, log: AttemptLog): DeliveryOutcome {
  const failed = (reason: FailureReason, detail: string): DeliveryOutcome => ({ kind: 'failed', reason, detail, log });
  const rc = p.responseCode;
  if (p.code === 'EAUTH' || rc === 530 || rc === 534 || rc === 535)
    return failed('smtp_auth', `the SMTP server refused the login: ${p.message}`);
  if (p.code === 'ETLS' || p.certificate) return failed('tls', `TLS could not be set up with the SMTP server: ${p.message}`);
  if (rc !== undefined && rc >= 400 && rc <= 499) return retryOrExhausted(ctx, 'smtp_transient', log);
  if (rc !== undefined && rc >= 500 && rc <= 599) return failed('smtp_rejected', `the SMTP server refused the message: ${p.message}`);
  if (p.code === 'ETIMEDOUT') return retryOrExhausted(ctx, 'timeout', log);
  if (p.code === 'EENVELOPE' || p.code === 'EMESSAGE') return failed('smtp_rejected', p.message);
  return retryOrExhausted(ctx, 'network', log);
}
