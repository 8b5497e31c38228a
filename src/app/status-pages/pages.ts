/**
 * Status pages: configured per tenant (putStatusPage, audited, under an ETag), served to anyone at
 * `<prefix>/<path>` (publicStatusPage), as HTML in English or Arabic, Atom and iCalendar.
 *
 * Caching: a page is computed as of the start of the current cache interval (`maxAgeMs`), not of
 * the request's exact instant, so every request within one interval gets the same bytes and the
 * same ETag (a digest of the bytes), and a client holding them is answered 304. An incident or
 * an event shows at the next interval at the latest; a change to the page's configuration at once.
 */
import { createHash } from 'node:crypto';
import { fail, ok, type Result } from '../../core/validation/issues.ts';
import type { Store, StatusPagePut } from '../../store/types.ts';
import { renderAtom, renderIcs } from './feeds.ts';
import { renderStatusPage, type PageLanguage } from './html.ts';
import { parseStatusPageSpec, type StatusPageSpec } from './spec.ts';
import { pageView } from './view.ts';

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface StatusPageContext {
  store: Store;
  tenant: string;
  now: number;
  actor: string;
}

export async function putStatusPage(
  ctx: StatusPageContext,
  input: { id: string; spec: unknown; ifMatch?: string | null },
): Promise<Result<StatusPagePut<StatusPageSpec>>> {
  if (!ID.test(input.id))
    return fail({
      path: 'id',
      message: 'expected 1 to 64 lower-case letters, digits or dashes, starting with a letter or digit',
      received: JSON.stringify(input.id),
    });
  const parsed = parseStatusPageSpec(input.spec);
  if (!parsed.ok) return parsed;
  const spec = parsed.value;
  for (const [i, s] of (spec.services ?? []).entries()) {
    if (s.agreement !== undefined && !(await ctx.store.getAgreement(ctx.tenant, s.agreement)))
      return fail({ path: `services[${i}].agreement`, message: `no agreement ${s.agreement}`, received: JSON.stringify(s.agreement) });
  }
  const path = spec.path ?? input.id;
  const r = await ctx.store.putStatusPage<StatusPageSpec>(
    ctx.tenant,
    { id: input.id, path, spec, at: ctx.now, by: ctx.actor },
    input.ifMatch,
    { at: ctx.now, actor: ctx.actor, action: 'status-page.put', subject: `status-page:${input.id}`, after: spec },
  );
  return ok(r);
}

export type PublicFormat = 'html' | 'atom' | 'ics';

/**
 * Answers already computed in this process for the current interval: a page is the same bytes for
 * a whole interval (see the header), so a page read by many is computed once per interval and
 * form (about 50 ms on the demo's two services). Entries of past intervals are dropped; at most
 * MEMO_MAX are kept. Each process keeps its own: a few computations more with several servers.
 */
const MEMO = new Map<string, PublicAnswer>();
const MEMO_MAX = 256;

export interface PublicAnswer {
  body: string;
  mediaType: string;
  etag: string;
  /** The instant the page was computed as of. */
  asOf: number;
}

/**
 * The public form of the page served at `path`, or undefined when there is none or it is not
 * enabled (the same answer, so a disabled page cannot be told from a missing one).
 */
export async function publicStatusPage(
  store: Store,
  input: { path: string; format: PublicFormat; lang: PageLanguage; now: number; maxAgeMs: number; base: string; domain: string },
): Promise<PublicAnswer | undefined> {
  const found = await store.findStatusPageByPath<StatusPageSpec>(input.path);
  if (!found?.page.spec.enabled) return undefined;
  const asOf = Math.floor(input.now / input.maxAgeMs) * input.maxAgeMs;
  // The page's own ETag is in the key: a change to its configuration shows at once.
  const key = [found.tenant, found.page.id, found.page.etag, input.format, input.lang, input.base, input.domain, asOf].join('\u0000');
  const hit = MEMO.get(key);
  if (hit) return hit;
  const view = await pageView(store, found.tenant, found.page, asOf);
  const feedId = createHash('sha256').update(`${found.tenant}\u0000${found.page.id}`).digest('hex').slice(0, 32);
  const [body, mediaType] =
    input.format === 'html'
      ? [renderStatusPage(view, input.lang, input.base), 'text/html; charset=utf-8']
      : input.format === 'atom'
        ? [renderAtom(view, input.base, feedId), 'application/atom+xml; charset=utf-8']
        : [renderIcs(view, input.domain), 'text/calendar; charset=utf-8'];
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  const answer = { body, mediaType, etag, asOf };
  for (const [k, v] of MEMO) if (v.asOf < asOf || MEMO.size >= MEMO_MAX) MEMO.delete(k);
  MEMO.set(key, answer);
  return answer;
}
