/**
 * Shared by the routes that read derived results (compliance, settlements, clocks): who may see
 * which agreement's results, bringing stored results up to date before answering, and paging
 * through a store list with a filter the store does not know.
 */
import { authorize, type Action, type Principal } from '../../core/access/policy.ts';
import { freshResults } from '../../app/results.ts';
import type { Page, Store, StoredAgreement } from '../../store/types.ts';
import { HttpError } from '../errors.ts';

/** The agreement if it exists and the principal may see it for `action`; 404 otherwise (existence is not revealed). */
export async function visibleAgreement(store: Store, p: Principal, action: Action, id: string): Promise<StoredAgreement> {
  const a = await store.getAgreement(p.tenant, id);
  if (!a) throw new HttpError('not_found', `no agreement ${id}`);
  const d = authorize(p, action, { tenant: p.tenant, ...(a.customer !== undefined ? { customer: a.customer } : {}) });
  if (!d.allowed)
    throw d.code === 'forbidden' ? new HttpError('forbidden', d.reason, { action }) : new HttpError('not_found', `no agreement ${id}`);
  return a;
}

/**
 * The ids of the agreements whose results a principal may see, or undefined when it may see all of
 * them (every role but customer; the role itself was checked before the handler ran).
 */
export async function visibleAgreementIds(store: Store, p: Principal): Promise<ReadonlySet<string> | undefined> {
  if (p.role !== 'customer') return undefined;
  const ids = new Set<string>();
  if (p.customer === undefined) return ids;
  let after: string | undefined;
  do {
    const page = await store.listAgreements(p.tenant, { customer: p.customer, limit: 1000, ...(after ? { after } : {}) });
    for (const a of page.items) ids.add(a.id);
    after = page.next;
  } while (after);
  return ids;
}

/** Results brought up to date before answering: the app's freshResults (shared by the CLI). */
export const ensureFresh = freshResults;

/**
 * A page of a store list, keeping only the rows `keep` accepts. Each store page asked for is no
 * larger than what is still missing, so the cursor handed back is always the store's own (no row
 * is skipped or repeated between pages).
 */
export async function filteredPage<T>(
  fetch: (req: { after?: string; limit: number }) => Promise<Page<T>>,
  keep: (row: T) => boolean,
  req: { after?: string | undefined; limit?: number | undefined },
): Promise<Page<T>> {
  const limit = req.limit ?? 100;
  const items: T[] = [];
  let cursor = req.after;
  for (;;) {
    const page = await fetch({ limit: limit - items.length, ...(cursor !== undefined ? { after: cursor } : {}) });
    for (const row of page.items) if (keep(row)) items.push(row);
    cursor = page.next;
    if (cursor === undefined || items.length >= limit) break;
  }
  return cursor === undefined ? { items } : { items, next: cursor };
}
