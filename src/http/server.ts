/**
 * The Pledge HTTP server (Fastify 5): an edge. It authenticates, asks the access policy, parses
 * input, calls the store and the core, and maps every outcome through one error table
 * (errors.ts). No business rule lives here.
 *
 * Bodies are read as text by the server and parsed by the operation: the ingestion use case and the
 * document loaders want the text (to report line numbers and to split NDJSON), and a syntax error
 * then becomes an error naming the problem rather than a framework message.
 *
 * Timeouts (config.timeouts, docs/operations.md) bound how long a client may take to send its
 * headers and its whole request, how long a silent connection and an idle keep-alive connection
 * are kept: a body trickling in at a byte a second is cut off with a 408 instead of holding a
 * connection for minutes.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { authorize, type Principal } from '../core/access/policy.ts';
import type { Config, Timeouts } from '../app/config.ts';
import type { Store } from '../store/types.ts';
import { createAuthenticator } from './auth.ts';
import { HttpError, toHttpError, type ErrorBody } from './errors.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { parseParams, type Call, type Deps, type Operation } from './operation.ts';
import { BASELINE_HEADERS, corsDelegator, failedAuthGuard, HELMET_OPTIONS } from './security.ts';
import { agreementOperations } from './routes/agreements.ts';
import { alertOperations } from './routes/alerts.ts';
import { reportScheduleOperations } from './routes/report-schedules.ts';
import { prometheusOperations } from './routes/prometheus.ts';
import { monitorOperations } from './routes/monitors.ts';
import { channelOperations } from './routes/channels.ts';
import { auditOperations } from './routes/audit.ts';
import { calendarOperations } from './routes/calendars.ts';
import { checkOperations } from './routes/checks.ts';
import { effectiveOperations } from './routes/effective.ts';
import { eventOperations } from './routes/events.ts';
import { reportOperations } from './routes/reports.ts';
import { reviewOperations } from './routes/reviews.ts';
import { resultOperations } from './routes/results.ts';
import { systemOperations } from './routes/system.ts';
import { ticketOperations } from './routes/tickets.ts';
import { tokenOperations } from './routes/tokens.ts';
import { sessionOperations, sessionPrincipal, sessionSecret } from './routes/sessions.ts';
import { registerWebApp } from './web.ts';
import type { ScryptParams } from '../app/passwords.ts';
import { serviceReportOperations } from './routes/service-reports.ts';
import { sourceOperations } from './routes/sources.ts';
import { statusPageOperations } from './routes/status-pages.ts';
import { registerStatusPages } from './status-public.ts';
import { z } from 'zod';

export interface ServerOptions {
  store: Store;
  config: Config;
  /** The clock (epoch ms); tests pass a fixed one. */
  now?: () => number;
  /** Fastify's logger option (false, true, or pino options such as { level }). Off by default. */
  logger?: FastifyServerOptions['logger'];
  /** Shared with the process's background workers (serve.ts), so /metrics shows their counts too. */
  metrics?: Metrics;
  /** The built web app's folder (web.ts: dist/web by default). */
  webRoot?: string;
  /** scrypt's parameters for new password hashes; OWASP's (DEFAULT_SCRYPT) when absent. Only tests lower them. */
  scrypt?: ScryptParams;
}

/** Media types the server reads; each operation says which of them it accepts. */
const TEXT_MEDIA = ['application/json', 'application/x-ndjson', 'text/plain', 'application/yaml', 'text/yaml', 'application/x-yaml'];
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The media type without parameters, lower-case: `Application/JSON; charset=utf-8` -> `application/json`. */
export function mediaOf(contentType: string | undefined): string | undefined {
  const m = contentType?.split(';')[0]?.trim().toLowerCase();
  return m ? m : undefined;
}

/** Every operation of the API, in the order of the documentation. */
export function operations(deps: Deps): Operation[] {
  return [
    ...eventOperations(deps),
    ...agreementOperations(deps),
    ...effectiveOperations(deps),
    ...checkOperations(deps),
    ...resultOperations(deps),
    ...reportOperations(deps),
    ...reviewOperations(deps),
    ...ticketOperations(deps),
    ...calendarOperations(deps),
    ...auditOperations(deps),
    ...tokenOperations(deps),
    ...sessionOperations(deps),
    ...serviceReportOperations(deps),
    ...alertOperations(deps),
    ...channelOperations(deps),
    ...reportScheduleOperations(deps),
    ...monitorOperations(deps),
    ...sourceOperations(deps),
    ...statusPageOperations(deps),
    ...prometheusOperations(deps),
    ...systemOperations(deps, () => operations(deps)),
  ];
}

function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const e = toHttpError(err, req.log);
  const body: ErrorBody = { code: e.code, message: e.message, details: e.details, requestId: req.id };
  return reply.status(e.status).headers(e.headers).type('application/json; charset=utf-8').send(body);
}

/**
 * How often Node looks for requests past their headers or request timeout (30 s by default, which
 * would let a short timeout run long): a tenth of the shorter one, between 50 ms and 30 s.
 */
function checkingInterval(t: Timeouts): number {
  const shortest = Math.min(...[t.headersMs, t.requestMs].filter((ms) => ms > 0));
  return Number.isFinite(shortest) ? Math.min(30_000, Math.max(50, Math.floor(shortest / 10))) : 30_000;
}

/**
 * Errors on a connection before a request reached a route: a request timeout (408) or bytes that
 * are no HTTP (400). Answered in the API's error shape when nothing has been sent on the socket
 * yet, then the connection is closed.
 */
function clientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const e =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new HttpError('request_timeout', 'the request did not arrive in time: send the headers and the body without pausing', {})
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? new HttpError('malformed_body', 'the request headers are too large', {})
          : new HttpError('malformed_body', 'the request is not valid HTTP', {});
    const body = JSON.stringify({ code: e.code, message: e.message, details: e.details, requestId: randomUUID() } satisfies ErrorBody);
    const reason = e.status === 408 ? 'Request Timeout' : 'Bad Request';
    socket.write(
      `HTTP/1.1 ${e.status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

export function buildServer(options: ServerOptions): FastifyInstance {
  const { store, config } = options;
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? createMetrics();
  const deps: Deps = { store, config, now, metrics, ...(options.scrypt ? { scrypt: options.scrypt } : {}) };
  const authenticator = createAuthenticator(store);
  const principals = new WeakMap<FastifyRequest, Principal>();

  const timeouts = config.timeouts;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: config.limits.batchBytes,
    // Fastify passes `http` to http.createServer, then sets requestTimeout, keepAliveTimeout and the
    // socket timeout (connectionTimeout) from its own options.
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: checkingInterval(timeouts),
    },
    requestTimeout: timeouts.requestMs,
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    clientErrorHandler: clientError,
    // A client may name its request (to correlate logs); anything odd is replaced, so the id is
    // always safe to log and to echo.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // The client address (for the failed-authentication limit) is the socket's peer, or what a
    // trusted proxy says it is (PLEDGE_TRUST_PROXY).
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    return503OnClosing: true,
    // Errors raised by the router before any route runs (a bad percent-encoding, an overlong path
    // parameter) take the same way out as every other error.
    frameworkErrors: (err, req, reply) => sendError(err, req, reply.headers(BASELINE_HEADERS)),
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(TEXT_MEDIA, { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, req, reply) => sendError(err, req, reply));

  // Security headers, CORS and the failed-authentication limit (security.ts says why each is so).
  app.register(helmet, HELMET_OPTIONS);
  app.register(cors, { delegator: corsDelegator(config) });
  app.register(rateLimit, { global: false });
  const guard = failedAuthGuard(app, config);

  // Routes known by pattern, to tell "no such path" (404) from "not with this method" (405).
  const known: Array<{ method: string; re: RegExp }> = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const re = new RegExp(`^${route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}/?$`);
    for (const m of methods) known.push({ method: m, re });
  });
  const web = registerWebApp(app, options.webRoot);
  registerStatusPages(app, deps);
  app.setNotFoundHandler((req, reply) => {
    if (web.isPage(req)) return web.sendPage(reply);
    const path = req.url.split('?')[0] ?? '';
    const allowed = [...new Set(known.filter((k) => k.re.test(path)).map((k) => k.method))];
    const e =
      allowed.length > 0
        ? new HttpError(
            'method_not_allowed',
            `${req.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
            { allowed },
            { allow: allowed.join(', ') },
          )
        : new HttpError('not_found', `no route ${req.method} ${path}; see /docs for the API`, {});
    return reply
      .status(e.status)
      .headers(e.headers)
      .send({ code: e.code, message: e.message, details: e.details, requestId: req.id } satisfies ErrorBody);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', req.id);
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.countRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode);
    if (reply.statusCode === 401 && req.method === 'POST' && req.routeOptions.url === '/v1/session') await guard.failed(req);
    // A heartbeat's unknown token is a guess, counted like a refused API token (routes/monitors.ts).
    if (reply.statusCode === 404 && req.routeOptions.url === '/v1/heartbeats/:token') await guard.failed(req);
  });

  const emptyParams = z.strictObject({});
  for (const op of operations(deps)) {
    app.route({
      method: op.method,
      url: op.url,
      ...(op.body?.limit !== undefined ? { bodyLimit: op.body.limit } : {}),
      // Before the body is read: an unauthenticated or unauthorised client cannot make the server
      // read (or even wait for) a large body, and a wrong media type is refused up front.
      onRequest: async (req) => {
        // A sign-in guesses a password: it counts against the address like a refused token.
        if (op.operationId === 'signIn' || op.operationId === 'pushHeartbeat') await guard.before(req);
        if (op.action) {
          const presented = req.headers.authorization !== undefined && req.headers.authorization.trim() !== '';
          // A browser signed in to the web app sends its session cookie instead (routes/sessions.ts).
          const cookie = presented ? undefined : sessionSecret(req.headers);
          // Session secrets are 256 random bits, not worth guessing: a stale cookie counts no failure.
          if (presented) await guard.before(req);
          const principal = await (cookie !== undefined
            ? sessionPrincipal(deps, req, cookie, now())
            : authenticator.authenticate(req.headers.authorization, now())
          ).catch(async (e: unknown) => {
            if (presented && e instanceof HttpError && e.code === 'unauthenticated') await guard.failed(req);
            throw e;
          });
          // The role check; what is acted on (a customer's agreement) is checked by the handler.
          const d = authorize(principal, op.action, {
            tenant: principal.tenant,
            ...(principal.customer !== undefined ? { customer: principal.customer } : {}),
          });
          if (!d.allowed)
            throw new HttpError(d.code === 'forbidden' ? 'forbidden' : 'not_found', d.reason, { action: op.action, role: principal.role });
          principals.set(req, principal);
        }
        const media = mediaOf(req.headers['content-type']);
        const hasBody =
          req.headers['content-length'] !== undefined
            ? req.headers['content-length'] !== '0'
            : req.headers['transfer-encoding'] !== undefined;
        if (op.body && media !== undefined && !op.body.media.includes(media)) {
          throw new HttpError('unsupported_media_type', `${op.method} ${op.url} accepts ${op.body.media.join(', ')}, not ${media}`, {
            accepted: op.body.media,
            given: media,
          });
        }
        if (op.body && hasBody && media === undefined) {
          throw new HttpError('unsupported_media_type', `send a Content-Type header: ${op.body.media.join(', ')}`, {
            accepted: op.body.media,
          });
        }
      },
      handler: async (req, reply) => {
        const principal = principals.get(req);
        const call: Call<unknown, unknown> = {
          principal: principal as Principal,
          params: parseParams(op.params ?? emptyParams, req.params, 'path'),
          query: parseParams(op.query ?? emptyParams, req.query, 'query'),
          body: typeof req.body === 'string' ? req.body : undefined,
          media: mediaOf(req.headers['content-type']),
          headers: req.headers,
          requestId: req.id,
          now: now(),
          log: req.log,
        };
        if (op.body?.required && (call.body === undefined || call.body.trim() === '')) {
          throw new HttpError('malformed_body', `${op.method} ${op.url} needs a body (${op.body.media.join(', ')})`);
        }
        const a = await op.handler(call);
        reply.status(a.status ?? 200);
        if (a.headers) reply.headers(a.headers);
        if (a.type) reply.type(a.type);
        return a.body;
      },
    });
  }
  return app;
}
