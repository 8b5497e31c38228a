/**
 * The outbox as a tenant's gauges (/v1/metrics): notifications not yet done (pending or claimed)
 * and how long the oldest of them has waited since it was written. Counted by paging the store's
 * list (by id, so the first is the oldest written), up to `cap` rows: a backlog beyond the cap is
 * reported as the cap, which is already a page-worthy figure, without reading the whole table at
 * every scrape.
 */
import type { OutboxStore } from '../../store/types.ts';

export interface OutboxStats {
  /** Pending or claimed notifications (at most `cap`). */
  pending: number;
  /** Milliseconds since the oldest of them was written; 0 when there is none. */
  oldestAgeMs: number;
}

export async function outboxStats(store: OutboxStore, tenant: string, now: number, cap = 10_000): Promise<OutboxStats> {
  let pending = 0;
  let oldest: number | undefined;
  let after: string | undefined;
  do {
    const page = await store.listNotifications(tenant, { state: ['pending', 'claimed'], limit: 1000, ...(after ? { after } : {}) });
    for (const n of page.items) if (oldest === undefined || n.createdAt < oldest) oldest = n.createdAt;
    pending += page.items.length;
    after = page.next;
  } while (after !== undefined && pending < cap);
  return { pending: Math.min(pending, cap), oldestAgeMs: oldest === undefined ? 0 : Math.max(0, now - oldest) };
}
