/**
 * The web app (web/, built by scripts/build.mjs into dist/web/): served by `pledge serve` at `/`,
 * on the same origin as the API it calls, so it needs no CORS and no token: it signs in with a
 * session cookie (routes/sessions.ts).
 *
 * - /assets/* are the build's hashed files: cached for a year, immutable (a new build has new names).
 * - Any other GET that asks for HTML (as a browser's navigation does) and is not an API path is a page of the app (its router reads
 *   the path): answered index.html, never cached, under APP_CSP.
 * - Without a build, those pages answer 503 naming the command that builds it; the API is unaffected.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { APP_CSP } from './security.ts';

/** Where the built app is: dist/web beside src/ and dist/ (both are two levels below the package root). */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Paths that belong to the API and the probes, never to the app. */
const NOT_APP = /^\/(v1|healthz|readyz|metrics|openapi\.json|docs|assets)(\/|$)/;

export interface WebApp {
  /** Whether a request that matched no route is a page of the app. */
  isPage(req: FastifyRequest): boolean;
  sendPage(reply: FastifyReply): FastifyReply;
}

export function registerWebApp(app: FastifyInstance, root = WEB_ROOT): WebApp {
  const indexPath = join(root, 'index.html');
  const built = existsSync(indexPath);
  if (built)
    app.register(fastifyStatic, {
      root: join(root, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      wildcard: true,
      cacheControl: false,
      setHeaders(res) {
        res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      },
    });
  let index: string | undefined;
  return {
    isPage(req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const path = req.url.split('?')[0] ?? '/';
      if (NOT_APP.test(path)) return false;
      // A browser's navigation asks for text/html; an API client asking for JSON keeps its 404.
      return (req.headers.accept ?? '').includes('text/html');
    },
    sendPage(reply) {
      if (built) index ??= readFileSync(indexPath, 'utf8');
      if (index === undefined)
        return reply
          .status(503)
          .type('text/plain; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(
            'The web app is not built: run `npm run build` (npm install runs it), then start Pledge again. The API at /v1 works without it.\n',
          );
      return reply
        .status(200)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', APP_CSP)
        .send(index);
    },
  };
}
