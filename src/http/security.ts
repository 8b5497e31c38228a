/**
 * What the server tells browsers, and how it meets a client that keeps presenting bad tokens. The
 * Fastify ecosystem's maintained plugins do the work (@fastify/helmet, @fastify/cors,
 * @fastify/rate-limit); this module only decides their settings, so server.ts registers them in a
 * few lines and the tests can read the policy in one place.
 *
 * - Headers: every answer says nosniff, may not be framed (frame-ancestors 'none' and
 *   X-Frame-Options: DENY) and loads nothing (`default-src 'none'`): the API answers JSON and text,
 *   which a browser never needs to run or style. HTML pages (only /docs) get the same policy plus
 *   the SHA-256 of each inline style they carry, and no script at all: a page that works offline
 *   and under a policy that would refuse anything injected into it. HSTS is left to whatever
 *   terminates TLS in front of Pledge (Pledge itself speaks plain HTTP).
 * - CORS: off unless PLEDGE_CORS_ORIGINS names origins. A preflight from any other origin is
 *   refused with 403 through errors.ts; a plain request from one gets no CORS header (the browser
 *   then withholds the answer) but is otherwise served as usual, since without a token it gets 401
 *   anyway. Tokens travel in the Authorization header, never in cookies, so credentials are off.
 * - Failed authentication: each client address may fail PLEDGE_AUTH_FAILURE_LIMIT times per
 *   PLEDGE_AUTH_FAILURE_WINDOW seconds; after that its token-bearing requests are answered 429 with
 *   Retry-After *before* the token is looked at (otherwise the 429 would still tell a right guess
 *   from a wrong one). Successful requests count nothing, so a busy integration is never slowed,
 *   and other addresses are unaffected. Requests without any token count nothing either: they
 *   guess nothing. The count is per process (several instances each allow the limit).
 */
import { createHash } from 'node:crypto';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../app/config.ts';
import { HttpError } from './errors.ts';

/** The policy of every answer: nothing to load, run or frame. */
const BASE_CSP: Record<string, string[]> = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

function cspText(directives: Record<string, string[]>): string {
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}

/** The CSP of an HTML page whose only inline content is these `<style>` elements (their exact text). */
export function htmlPageCsp(inlineStyles: readonly string[]): string {
  const hashes = inlineStyles.map((css) => `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`);
  return cspText({ ...BASE_CSP, 'style-src': hashes.length > 0 ? hashes : ["'none'"] });
}

/**
 * The CSP of the web app's page (src/http/web.ts): its own scripts, styles, images and API only,
 * nothing inline (the build emits no inline script or style), nothing from elsewhere, never framed.
 */
export const APP_CSP = cspText({
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'manifest-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
});

/**
 * The essential headers, for the answers Fastify's router gives before any hook runs (a URL it
 * cannot decode, an overlong path parameter): helmet never sees those requests.
 */
export const BASELINE_HEADERS: Record<string, string> = {
  'content-security-policy': cspText(BASE_CSP),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

export const HELMET_OPTIONS: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: { ...BASE_CSP } },
  frameguard: { action: 'deny' },
  strictTransportSecurity: false,
};

/** Request and response headers a browser page may use across origins. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'if-match', 'x-request-id'];
const EXPOSED_HEADERS = ['etag', 'location', 'retry-after', 'www-authenticate', 'allow', 'x-request-id'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];

/**
 * The CORS decision per request: the allowed origins get the CORS headers (and their preflights
 * a 204); a preflight from any other origin is refused with 403; other requests go on without CORS
 * headers.
 */
export function corsDelegator(config: Pick<Config, 'corsOrigins'>): FastifyCorsOptionsDelegateCallback {
  const any = config.corsOrigins.includes('*');
  const allowed = new Set(config.corsOrigins);
  return (req, cb) => {
    const origin = req.headers.origin;
    if (origin !== undefined && (any || allowed.has(origin))) {
      cb(null, {
        origin: any ? '*' : origin,
        methods: METHODS,
        allowedHeaders: ALLOWED_HEADERS,
        exposedHeaders: EXPOSED_HEADERS,
        credentials: false,
        maxAge: 600,
        strictPreflight: false,
      });
      return;
    }
    if (req.method === 'OPTIONS' && origin !== undefined && req.headers['access-control-request-method'] !== undefined) {
      const why =
        allowed.size === 0
          ? 'this server accepts no cross-origin requests (PLEDGE_CORS_ORIGINS is not set)'
          : `the origin ${clip(origin)} may not call this server from a browser (PLEDGE_CORS_ORIGINS)`;
      cb(new HttpError('forbidden', why, { origin: clip(origin) }, { vary: 'Origin' }), { origin: false });
      return;
    }
    cb(null, { origin: false });
  };
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

/** One check per authenticated request: `before` refuses a blocked address, `failed` counts a refusal. */
export interface FailedAuthGuard {
  before(req: FastifyRequest): Promise<void>;
  failed(req: FastifyRequest): Promise<void>;
}

/**
 * The failed-authentication limiter, from @fastify/rate-limit's `createRateLimit` (registered with
 * `global: false`, so no route is limited otherwise). Made on first use: the plugin's decorator
 * exists once the server is ready, which every request implies.
 */
export function failedAuthGuard(app: FastifyInstance, config: Pick<Config, 'authFailures'>): FailedAuthGuard {
  const { limit, windowSeconds } = config.authFailures;
  let limiter: ReturnType<FastifyInstance['createRateLimit']> | undefined;
  const check = (req: FastifyRequest, increment: boolean) => {
    limiter ??= app.createRateLimit({ max: limit, timeWindow: windowSeconds * 1000 });
    return limiter(req, { increment });
  };
  return {
    async before(req) {
      const state = await check(req, false);
      if (state.isAllowed || state.remaining > 0) return;
      const retryAfter = Math.max(1, state.ttlInSeconds);
      throw new HttpError(
        'too_many_requests',
        `too many failed authentications from this address: try again in ${retryAfter} s`,
        { reason: 'failed_authentications', limit, windowSeconds, retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    },
    async failed(req) {
      await check(req, true);
    },
  };
}
