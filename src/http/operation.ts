/**
 * An operation of the API, described once: its route, the action it needs, the zod schemas of its
 * parameters, body and answers, and its handler. The server registers routes from these
 * descriptions and /openapi.json is generated from the same ones, so the documentation cannot drift
 * from what is validated or from what is answered (the compiler checks a handler's answers against
 * its response schemas; the HTTP tests check the answers themselves).
 */
import { z } from 'zod';
import type { ScryptParams } from '../app/passwords.ts';
import type { FastifyBaseLogger } from 'fastify';
import type { Action, Principal } from '../core/access/policy.ts';
import type { Config } from '../app/config.ts';
import type { Store } from '../store/types.ts';
import { parseInstant } from '../core/time/instant.ts';
import { validate } from '../core/validation/zod.ts';
import { scanJsonDepth } from '../core/json.ts';
import { joinPath } from '../core/validation/issues.ts';
import { MAX_DOCUMENT_DEPTH } from '../core/validation/source.ts';
import { textIssues } from '../core/validation/text.ts';
import { HttpError, invalid } from './errors.ts';
import type { Metrics } from './metrics.ts';

export interface Deps {
  store: Store;
  config: Config;
  now: () => number;
  metrics: Metrics;
  /** scrypt's parameters for new password hashes (app/passwords.ts DEFAULT_SCRYPT when absent; tests of many sign-ins lower them). */
  scrypt?: ScryptParams;
}

export interface Call<P, Q> {
  /** Set on every authenticated (/v1) operation. */
  principal: Principal;
  params: P;
  query: Q;
  /** The body as text (parsed by the operation, so syntax errors become issues), undefined if none. */
  body: string | undefined;
  /** The media type of the body without parameters, lower-case. */
  media: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  requestId: string;
  /** The clock, read once per request so every record of one request has the same instant. */
  now: number;
  log: FastifyBaseLogger;
}

/**
 * A documented answer of an operation: what it means and the zod schema of its body. The schema is
 * the answer's contract: /openapi.json publishes it (shared shapes as components), the handler's
 * return type is checked against it, and the HTTP tests validate every answer against the
 * published document (test/http/documented.ts).
 */
export interface ResponseSpec<S extends z.ZodType = z.ZodType> {
  description: string;
  /** The body: JSON unless `media` says otherwise (then a z.string()). */
  schema: S;
  /** Media type of a body that is not JSON: text/csv, text/html, text/plain... */
  media?: string;
  /** Other forms of the same answer chosen by the request (e.g. `format=csv`): media type -> description. The body is text. */
  alternatives?: Record<string, string>;
}

export type Responses = Record<number, ResponseSpec>;

/**
 * A schema's output with its literal types widened ('ok' -> string): TypeScript widens the literals
 * a handler returns before it compares them with a generic operation's schema, so enumerations are
 * left to the tests; fields, nesting, null and the type of every value (an instant is a string, not
 * a number) are checked by the compiler.
 */
type Widen<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends readonly (infer E)[]
        ? Widen<E>[]
        : T extends object
          ? { [K in keyof T]: Widen<T[K]> }
          : T;

/** The bodies an operation may answer with: the output of one of its response schemas (text for alternatives). */
export type BodyOf<R extends Responses> = {
  [K in keyof R]: R[K] extends ResponseSpec<infer S>
    ? Widen<z.output<S>> | (R[K] extends { alternatives: Record<string, string> } ? string : never)
    : never;
}[keyof R];

export interface Answer<R extends Responses = Responses> {
  /** One of the documented statuses (the HTTP tests check it); 200 when absent. */
  status?: number;
  body: BodyOf<R>;
  headers?: Record<string, string>;
  /** Content type when not JSON. */
  type?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of operations holds every route's own parameter, query and answer types.
export interface Operation<P = any, Q = any, R extends Responses = any> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify syntax: /v1/agreements/:id */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** The action the role must have; undefined for the unauthenticated probes and documents. */
  action?: Action;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: {
    /** Media types accepted; anything else is 415. */
    media: readonly string[];
    /** Documented shape (JSON Schema from zod); the handler validates. */
    schema?: z.ZodType;
    /** For NDJSON or YAML bodies, what the body is. */
    description?: string;
    required: boolean;
    /** Byte limit of this route's body (the server's limit otherwise). */
    limit?: number;
  };
  /** Request headers worth documenting (If-Match). */
  headers?: Array<{ name: string; description: string; required?: boolean }>;
  /** The answers that are not errors, by status, each with its schema. */
  responses: R;
  /**
   * Error statuses worth documenting beyond those that follow from the description (401 and 403
   * with an action, 400 with parameters, 400/413/415/422 with a body, 404 with path parameters),
   * e.g. 409 or 412; status -> when. Their body is the Error component.
   */
  errors?: Record<number, string>;
  handler(c: Call<P, Q>): Promise<Answer<NoInfer<R>>>;
}

/** Infers the types of params and query from their schemas, and checks the handler's answers against the response schemas. */
export function defineOperation<P = Record<string, never>, Q = Record<string, never>, R extends Responses = Responses>(
  op: Operation<P, Q, R>,
): Operation<P, Q, R> {
  return op;
}

// ---------------------------------------------------------------------------------------------
// Shared schema pieces

/** An id people type (agreement ids, calendar names): as in agreement documents. */
export const idParam = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected an id of letters, digits, ".", "-" or "_"');

/** An instant as ISO 8601 with offset, turned into epoch ms; impossible dates are refused. */
export const instant = z
  .string()
  .max(64)
  .transform((s, ctx) => {
    const r = parseInstant(s, '');
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.issues[0]?.message ?? 'not an ISO 8601 date-time with offset' });
    return z.NEVER;
  })
  .describe('An instant: ISO 8601 with offset, e.g. 2026-10-01T09:00:00+02:00');

export const pageQuery = {
  after: z.string().min(1).max(500).optional().describe('The `next` cursor of the previous page.'),
  limit: z.coerce.number().int().min(1).max(1000).optional().describe('Page size: 100 by default, at most 1000.'),
};

/**
 * Validates path or query parameters, or throws a 400 naming them. Every parameter of every route
 * passes here, so the text rule (validation/text.ts: no NUL, no unpaired surrogate) is applied
 * once for all of them, before a value can reach the database.
 */
export function parseParams<T>(schema: z.ZodType<T>, value: unknown, where: 'path' | 'query'): T {
  const bad = textIssues(value ?? {});
  if (bad.length > 0)
    throw invalid(
      bad.map(({ segments: _s, atKey: _k, ...i }) => i),
      where,
    );
  const r = validate(schema, value ?? {});
  if (!r.ok) throw invalid(r.issues, where);
  return r.value;
}

/**
 * A JSON body, validated against a schema: malformed JSON is 400, failing the schema 422. A body
 * nesting deeper than MAX_DOCUMENT_DEPTH is refused (400) after a linear scan, before it is parsed;
 * text breaking the text rule (validation/text.ts) is 422 naming the field.
 */
export function parseJsonBody<T>(schema: z.ZodType<T>, text: string | undefined): T {
  if (text === undefined || text.trim() === '') throw new HttpError('malformed_body', 'the request needs a JSON body');
  const scan = scanJsonDepth(text, { limit: MAX_DOCUMENT_DEPTH, stop: 'tooDeep' });
  if (scan.tooDeep) {
    const at = joinPath(scan.tooDeep.path);
    throw new HttpError('malformed_body', `the body nests deeper than ${MAX_DOCUMENT_DEPTH} levels${at ? ` (at ${at})` : ''}`, {
      maxDepth: MAX_DOCUMENT_DEPTH,
      path: at,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new HttpError('malformed_body', `the body is not valid JSON: ${(e as Error).message}`);
  }
  const bad = textIssues(value);
  if (bad.length > 0)
    throw invalid(
      bad.map(({ segments: _s, atKey: _k, ...i }) => i),
      'body',
    );
  const r = validate(schema, value);
  if (!r.ok) throw invalid(r.issues, 'body');
  return r.value;
}

/** The first value of a header. */
export function header(c: { headers: Record<string, string | string[] | undefined> }, name: string): string | undefined {
  const v = c.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Epoch ms to ISO 8601 UTC, as every instant is shown by the API; undefined stays undefined. */
export function iso(ms: number): string;
export function iso(ms: number | undefined): string | undefined;
export function iso(ms: number | undefined): string | undefined {
  return ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();
}

/** Drops undefined values, so JSON answers do not depend on how optional fields were built. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Byte limit of document and small JSON bodies, far below the ingestion limit: 128 KiB, over sixty
 * times the largest example agreement. The YAML reader takes one to a few microseconds a byte (and
 * a calendar is read twice: to check it, then to resolve `extends`), so a document this size is
 * read in a fraction of a second; a megabyte held the server for seconds.
 */
export const DOCUMENT_BODY = 128 * 1024;
