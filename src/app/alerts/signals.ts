/**
 * In-process signals between ingestion and the scheduler, and the live lag they measure.
 *
 * - `eventsCommitted` is called by ingestion after a batch committed events: a scheduler in the
 *   same process refreshes that tenant's results (and so its alerts) at once instead of at its
 *   next poll. Other processes (another `pledge serve` on the same PostgreSQL) are not told: their
 *   schedulers find the watermark behind at their poll (PLEDGE_SCHEDULER_POLL), so the signal is
 *   a shortcut, never the only way.
 * - The lag is the time from an event batch's commit (the receiving clock's instant) to the
 *   commit of the results and alerts that reflect it, as the scheduler observed it last per
 *   tenant; /v1/metrics exports it as `pledge_alert_lag_seconds`.
 * Listeners are plain functions called synchronously; a listener must not throw (the scheduler's
 * only records the tenant and wakes its loop).
 */

export interface EventsCommitted {
  tenant: string;
  /** The tenant's last event sequence number after the batch. */
  lastSeq: number;
  /** When the batch was received (the ingesting clock). */
  at: number;
}

const listeners = new Set<(e: EventsCommitted) => void>();

export function eventsCommitted(e: EventsCommitted): void {
  for (const l of listeners) l(e);
}

/** Subscribes; returns the unsubscribe function. */
export function onEventsCommitted(fn: (e: EventsCommitted) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const lags = new Map<string, number>();

/** Records the lag observed for a tenant (ms from commit to results and alerts). */
export function recordLag(tenant: string, ms: number): void {
  lags.set(tenant, Math.max(0, ms));
}

/** The last lag observed for a tenant in this process, in ms; undefined before any. */
export function lastLag(tenant: string): number | undefined {
  return lags.get(tenant);
}
