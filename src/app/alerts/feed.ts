/**
 * The live feed of a tenant's alerts: every history entry (opened, acknowledged, resolved) as it is
 * written, by whichever process wrote it (the evaluation, the scheduler, a person through another
 * instance), read by polling the store's activity list by sequence number.
 *
 * Invariants:
 * - Each entry is yielded once, in sequence order within a poll, and a consumer that resumes after
 *   the last seq it saw (Last-Event-ID) misses nothing that had committed by then.
 * - PostgreSQL hands out sequence numbers at insert time, so a transaction may commit an entry with
 *   a smaller seq after one with a larger seq was already read. The feed therefore keeps looking
 *   back: it queries from the highest seq it saw at least `settleMs` ago (not the highest it saw),
 *   and skips what it already yielded. An entry whose transaction takes longer than `settleMs`
 *   between taking its seq and committing can still be missed; 5 s is far beyond an alert change
 *   set's transaction. On SQLite writers take turns, so commits come in seq order anyway.
 * - It stops when `signal` aborts, between polls or while waiting.
 */
import type { AlertHistoryEntry, Store, TenantId } from '../../store/types.ts';

export interface FeedOptions {
  store: Store;
  tenant: TenantId;
  /** Yield entries after this seq. */
  afterSeq: number;
  signal: AbortSignal;
  /** The process clock (ms), to age what was seen. */
  now: () => number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  pollMs?: number;
  settleMs?: number;
  /** Stop once the entries committed so far were yielded (a catch-up without following). */
  follow?: boolean;
}

const PAGE = 1000;

/** The seq of the tenant's latest history entry, 0 when there is none: where a live view starts. */
export async function latestAlertSeq(store: Store, tenant: TenantId): Promise<number> {
  return (await store.listAlertActivity(tenant, { newestFirst: true, limit: 1 }))[0]?.seq ?? 0;
}

export async function* alertFeed(o: FeedOptions): AsyncGenerator<AlertHistoryEntry> {
  const pollMs = o.pollMs ?? 1000;
  const settleMs = o.settleMs ?? 5000;
  let floor = o.afterSeq;
  const seen = new Set<number>();
  /** (when, highest seq seen by then), oldest first: the floor moves to the last one older than settleMs. */
  const marks: Array<{ at: number; seq: number }> = [];
  let highest = o.afterSeq;
  while (!o.signal.aborted) {
    let full = false;
    let from = floor;
    for (;;) {
      const rows = await o.store.listAlertActivity(o.tenant, { afterSeq: from, limit: PAGE });
      for (const r of rows) {
        if (seen.has(r.seq)) continue;
        seen.add(r.seq);
        if (r.seq > highest) highest = r.seq;
        yield r;
        if (o.signal.aborted) return;
      }
      full = rows.length === PAGE;
      if (!full) break;
      from = rows[rows.length - 1]!.seq;
    }
    if (o.follow === false) return;
    const t = o.now();
    marks.push({ at: t, seq: highest });
    while (marks.length > 0 && marks[0]!.at <= t - settleMs) floor = Math.max(floor, marks.shift()!.seq);
    for (const s of seen) if (s <= floor) seen.delete(s);
    await o.sleep(pollMs, o.signal);
  }
}
