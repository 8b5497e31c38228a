/**
 * The public status pages, served without sign-in at `<prefix>/<path>` (PLEDGE_STATUS_PREFIX,
 * /status by default): the page (HTML, `?lang=ar` or Accept-Language for Arabic), its Atom feed
 * (`/feed.atom`) and its maintenance calendar (`/maintenance.ics`). An edge over
 * src/app/status-pages/pages.ts.
 *
 * - Nothing here needs a principal: what a page shows is only what its configuration opts in, and
 *   the view (app/status-pages/view.ts) carries no internal data. A path with no page, or a page
 *   not enabled, is the same 404.
 * - Cacheable: Cache-Control public with max-age (PLEDGE_STATUS_MAX_AGE), an ETag that is a digest
 *   of the bytes, 304 on a matching If-None-Match. The page is computed as of the start of the
 *   current max-age interval, so the bytes (and the ETag) hold for the interval.
 * - The HTML has one inline style and no script, under a CSP that allows exactly that style.
 */
import type { FastifyInstance } from 'fastify';
import { publicStatusPage, STATUS_STYLE, type PageLanguage, type PublicFormat } from '../app/status-pages/index.ts';
import { HttpError } from './errors.ts';
import type { Deps } from './operation.ts';
import { htmlPageCsp } from './security.ts';

const PATH = /^[a-z0-9][a-z0-9-]{0,63}$/;
const STATUS_CSP = htmlPageCsp([STATUS_STYLE]);

/** `ar` when the client prefers Arabic to English (Accept-Language, by q-value); `en` otherwise. */
export function languageOf(acceptLanguage: string | undefined): PageLanguage {
  if (!acceptLanguage) return 'en';
  let best: { lang: PageLanguage; q: number } | undefined;
  for (const part of acceptLanguage.split(',').slice(0, 20)) {
    const [tag, ...params] = part.trim().split(';');
    const primary = tag?.trim().toLowerCase().split('-')[0];
    if (primary !== 'ar' && primary !== 'en') continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { lang: primary, q };
  }
  return best?.lang ?? 'en';
}

/** Whether If-None-Match names this ETag (or is `*`); weak comparison, as RFC 9110 says for GET. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || strip(t) === etag);
}

export function registerStatusPages(app: FastifyInstance, deps: Deps): void {
  const prefix = deps.config.statusPages?.prefix ?? '/status';
  const maxAgeMs = deps.config.statusPages?.maxAgeMs ?? 60_000;
  const publicUrl = deps.config.delivery?.publicUrl;
  const domain = publicUrl ? new URL(publicUrl).hostname : 'pledge.invalid';
  const serve = (format: PublicFormat, suffix: string) =>
    app.get<{ Params: { path: string }; Querystring: Record<string, unknown> }>(`${prefix}/:path${suffix}`, async (req, reply) => {
      const path = req.params.path;
      if (!PATH.test(path)) throw new HttpError('not_found', `no status page at ${prefix}/${path}`);
      const q = req.query.lang;
      if (q !== undefined && q !== 'en' && q !== 'ar')
        throw new HttpError('invalid_parameter', 'lang: expected en or ar', { in: 'query', parameter: 'lang', given: String(q) });
      const lang: PageLanguage = q ?? languageOf(req.headers['accept-language']);
      const base = `${prefix}/${path}`;
      const a = await publicStatusPage(deps.store, { path, format, lang, now: deps.now(), maxAgeMs, base, domain });
      if (!a) throw new HttpError('not_found', `no status page at ${base}`);
      reply.header('cache-control', `public, max-age=${Math.floor(maxAgeMs / 1000)}`).header('etag', a.etag);
      if (format === 'html') reply.header('content-security-policy', STATUS_CSP).header('vary', 'Accept-Language');
      if (matches(req.headers['if-none-match'], a.etag)) return reply.status(304).send();
      return reply.status(200).type(a.mediaType).send(a.body);
    });
  serve('html', '');
  serve('atom', '/feed.atom');
  serve('ics', '/maintenance.ics');
}
