/**
 * The one mapping from outcomes to HTTP errors. Every error answer is
 * `{ code, message, details, requestId }`; `code` is one of a fixed set, each with one status, so
 * clients can switch on the code and never need to parse the message.
 *
 * Tiers (ARCHITECTURE.md): bad input is a 4xx naming the field (`details.issues`); a store failure is
 * 503 when a retry can help (with Retry-After) and 500 otherwise; anything else is a bug and 500.
 */
import type { FastifyBaseLogger } from 'fastify';
import { InvalidInputError, type Issue } from '../core/validation/issues.ts';
import { isStoreError } from '../store/errors.ts';

export const ERROR_STATUS = {
  /** The body is not readable at all: malformed JSON or YAML, an empty body where one is needed. */
  malformed_body: 400,
  /** A query parameter, path parameter or header is wrong. */
  invalid_parameter: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  /** The request is valid but conflicts with the resource's state (e.g. editing an agreement in review). */
  conflict: 409,
  /** A lifecycle transition that is not legal from the current state; `details.legal` lists those that are. */
  illegal_transition: 409,
  /** If-Match named an ETag that is no longer current. */
  precondition_failed: 412,
  /** The request (headers and body) did not arrive within the server's request timeout. */
  request_timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** The body was read but does not validate: `details.issues` names each field. */
  invalid_input: 422,
  /** An update without If-Match. */
  precondition_required: 428,
  /** Too many failed authentications from one client address; Retry-After says when to try again. */
  too_many_requests: 429,
  store_unavailable: 503,
  /** A form of an answer needs a component this installation lacks (a PDF without Chromium); the message names what to install. */
  unavailable: 503,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
  requestId: string;
}

export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = ERROR_STATUS[code];
  }
}

/** Bad input with its issues: 422 for a body, 400 for parameters. */
export function invalid(issues: Issue[], where: 'body' | 'query' | 'path' | 'header', message?: string): HttpError {
  const first = issues[0];
  const summary =
    message ??
    (first
      ? `${first.path ? `${first.path}: ` : ''}${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
      : 'invalid input');
  return new HttpError(where === 'body' ? 'invalid_input' : 'invalid_parameter', summary, { in: where, issues });
}

/** Fastify's own client errors (from parsing, routing, limits) by their code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed_body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_body',
  FST_ERR_BAD_URL: 'invalid_parameter',
  FST_ERR_MAX_PARAM_LENGTH: 'invalid_parameter',
  FST_ERR_ASYNC_CONSTRAINT: 'invalid_parameter',
};

/** Any thrown value to the HttpError to send. Unknown errors are logged, as they are bugs. */
export function toHttpError(err: unknown, log: FastifyBaseLogger): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof InvalidInputError) return invalid(err.issues, 'query');
  if (isStoreError(err) && err.data) {
    // The database refused the values sent (docs/api.md, "Errors"): bad input, not an outage. The
    // driver's message may name tables and constraints, so it goes to the log, not to the client.
    log.warn({ err, operation: err.operation }, 'the database refused the data');
    const code: ErrorCode = err.data === 'conflict' ? 'conflict' : err.data === 'too_large' ? 'payload_too_large' : 'invalid_input';
    const what =
      err.data === 'conflict'
        ? 'conflicts with data already stored'
        : err.data === 'too_large'
          ? 'holds a value too large to store'
          : 'holds a value the database cannot store';
    const message = `the request ${what}; nothing was written (database code ${err.driverCode ?? 'unknown'})`;
    return new HttpError(code, message, {
      retryable: false,
      databaseCode: err.driverCode ?? null,
      ...(code === 'invalid_input' ? { in: 'body', issues: [{ path: '', message }] } : {}),
    });
  }
  if (isStoreError(err)) {
    log.error({ err, operation: err.operation }, 'store failure');
    return err.retryable
      ? new HttpError(
          'store_unavailable',
          'the database is busy or unreachable; try again shortly',
          { retryable: true },
          { 'retry-after': '1' },
        )
      : new HttpError('internal_error', 'the database refused the operation; an operator has to look at the server log', {
          retryable: false,
        });
  }
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  const fastifyCode = typeof e?.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  // Framework messages may quote the whole URL or body; cut them so an answer stays small.
  if (fastifyCode) return new HttpError(fastifyCode, clip(String(e?.message ?? fastifyCode)));
  // Other client errors raised while reading the request (aborted bodies, bad encodings...).
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new HttpError(
      e.statusCode === 413 ? 'payload_too_large' : e.statusCode === 415 ? 'unsupported_media_type' : 'malformed_body',
      clip(String(e.message ?? 'bad request')),
    );
  }
  log.error({ err }, 'unexpected error');
  return new HttpError('internal_error', 'an unexpected error occurred; it has been logged with this request id');
}

function clip(s: string): string {
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}
