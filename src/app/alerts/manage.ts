/**
 * People and tools looking at alerts and acting on them: list, show with history, acknowledge,
 * resolve by hand. Used by the HTTP routes and by `pledge alerts` on a database alike.
 *
 * Invariants:
 * - Scope: a customer's view (`ctx.customerOf`) holds only customer-audience alerts of the
 *   agreements it may see; anything else reads as absent (not_found), never as forbidden, so the
 *   existence of internal alerts is not revealed.
 * - Acting goes through the core's rules (acknowledgeAlert, resolveAlert): who acts is validated
 *   there ("pledge" is reserved), and the notices to the people told it fired are the core's
 *   intents. The store's compare-and-set decides races: of two acknowledgements one wins, the
 *   other is told who was first; the notices are written in the transaction of the change (the
 *   outbox), never before it.
 * - Acknowledging an acknowledged alert and resolving a resolved one change nothing and say so
 *   (`unchanged`); acknowledging a resolved alert is a conflict.
 * - Every change is audited with the state before and after.
 */
import { acknowledgeAlert, resolveAlert } from '../../core/alerts/evaluate.ts';
import type { Issue } from '../../core/validation/issues.ts';
import type { AlertFilter, AlertHistoryEntry, AlertState, Page, Store, StoredAlert, TenantId } from '../../store/types.ts';
import { coreAlertOf, notificationOf } from './records.ts';

export interface AlertsContext {
  store: Store;
  tenant: TenantId;
  now: number;
  /** Who acts (audit, history). */
  actor: string;
  /** A customer's view: only customer-audience alerts of these agreements. */
  customerOf?: ReadonlySet<string>;
}

export interface AlertQuery {
  state?: readonly AlertState[];
  severity?: string;
  agreement?: string;
  target?: string;
  ticket?: string;
  /** Fired at or after. */
  since?: number;
  newestFirst?: boolean;
  after?: string;
  limit?: number;
}

export function visibleTo(ctx: Pick<AlertsContext, 'customerOf'>, a: Pick<StoredAlert, 'audience' | 'agreementId'>): boolean {
  return ctx.customerOf === undefined || (a.audience === 'customer' && ctx.customerOf.has(a.agreementId));
}

/** A page of alerts, oldest first unless asked otherwise; filters the store lacks are applied page by page. */
export async function listAlerts(ctx: AlertsContext, q: AlertQuery): Promise<Page<StoredAlert>> {
  const { store, tenant } = ctx;
  if (ctx.customerOf && q.agreement !== undefined && !ctx.customerOf.has(q.agreement)) return { items: [] };
  const base: AlertFilter = {
    ...(q.state && q.state.length > 0 ? { state: q.state } : {}),
    ...(q.severity !== undefined ? { severity: q.severity } : {}),
    ...(q.agreement !== undefined ? { agreementId: q.agreement } : {}),
    ...(ctx.customerOf ? { audience: 'customer' } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
    ...(q.newestFirst ? { newestFirst: true } : {}),
  };
  const keep = (a: StoredAlert) =>
    visibleTo(ctx, a) && (q.target === undefined || a.target === q.target) && (q.ticket === undefined || a.subject.ticket === q.ticket);
  const limit = q.limit ?? 100;
  const items: StoredAlert[] = [];
  let cursor = q.after;
  for (;;) {
    const page = await store.listAlerts(tenant, {
      ...base,
      limit: limit - items.length,
      ...(cursor !== undefined ? { after: cursor } : {}),
    });
    for (const a of page.items) if (keep(a)) items.push(a);
    cursor = page.next;
    if (cursor === undefined || items.length >= limit) break;
  }
  return cursor === undefined ? { items } : { items, next: cursor };
}

export interface AlertWithHistory {
  alert: StoredAlert;
  history: AlertHistoryEntry[];
}

export async function getAlert(ctx: AlertsContext, id: string): Promise<AlertWithHistory | undefined> {
  const alert = await ctx.store.getAlert(ctx.tenant, id);
  if (!alert || !visibleTo(ctx, alert)) return undefined;
  return { alert, history: await ctx.store.listAlertHistory(ctx.tenant, id) };
}

export type ActOutcome =
  | { status: 'acknowledged' | 'resolved' | 'unchanged'; alert: StoredAlert; notified: number }
  | { status: 'not_found' }
  /** The alert is not in a state that allows it (acknowledging a resolved alert). */
  | { status: 'conflict'; alert: StoredAlert; message: string }
  | { status: 'invalid'; issues: Issue[] };

/** Maps the core's action issues (by, why) to the input's names (actor, reason). */
function actIssues(issues: Issue[]): Issue[] {
  return issues.map((i) => ({ ...i, path: i.path === 'why' ? 'reason' : i.path === 'by' ? 'actor' : i.path }));
}

export async function acknowledge(ctx: AlertsContext, input: { id: string; comment?: string }): Promise<ActOutcome> {
  const { store, tenant, now, actor } = ctx;
  const stored = await store.getAlert(tenant, input.id);
  if (!stored || !visibleTo(ctx, stored)) return { status: 'not_found' };
  if (stored.state === 'resolved')
    return { status: 'conflict', alert: stored, message: `alert ${stored.id} is resolved: nothing to acknowledge` };
  if (stored.state === 'acknowledged') return { status: 'unchanged', alert: stored, notified: 0 };
  const core = coreAlertOf(stored);
  const act = { by: actor, at: now, ...(input.comment !== undefined ? { why: input.comment } : {}) };
  let notify: ReturnType<typeof notificationOf>[] = [];
  if (core) {
    const r = acknowledgeAlert(core, act);
    if (!r.ok) return { status: 'invalid', issues: actIssues(r.issues) };
    notify = r.value.notify.map(notificationOf);
  } else if (actor === 'pledge') {
    return { status: 'invalid', issues: [{ path: 'actor', message: '"pledge" is reserved for Pledge itself', received: '"pledge"' }] };
  }
  const r = await store.acknowledgeAlert(
    tenant,
    stored.id,
    { at: now, by: actor, notify },
    {
      at: now,
      actor,
      action: 'alert.acknowledge',
      subject: `alert:${stored.id}`,
      before: { state: stored.state },
      after: { state: 'acknowledged', ...(input.comment !== undefined ? { comment: input.comment } : {}) },
    },
  );
  switch (r.status) {
    case 'acknowledged':
      return { status: 'acknowledged', alert: r.alert, notified: notify.length };
    case 'not_found':
      return { status: 'not_found' };
    case 'conflict':
      // Another acknowledgement or a resolution came first.
      return r.current.state === 'acknowledged'
        ? { status: 'unchanged', alert: r.current, notified: 0 }
        : { status: 'conflict', alert: r.current, message: `alert ${r.current.id} is resolved: nothing to acknowledge` };
  }
}

export async function resolve(ctx: AlertsContext, input: { id: string; reason: string }): Promise<ActOutcome> {
  const { store, tenant, now, actor } = ctx;
  const stored = await store.getAlert(tenant, input.id);
  if (!stored || !visibleTo(ctx, stored)) return { status: 'not_found' };
  if (stored.state === 'resolved') return { status: 'unchanged', alert: stored, notified: 0 };
  const core = coreAlertOf(stored);
  let notify: ReturnType<typeof notificationOf>[] = [];
  if (core) {
    const r = resolveAlert(core, { by: actor, at: now, why: input.reason });
    if (!r.ok) return { status: 'invalid', issues: actIssues(r.issues) };
    notify = r.value.notify.map(notificationOf);
  } else if (input.reason.trim() === '' || actor === 'pledge') {
    return { status: 'invalid', issues: [{ path: 'reason', message: 'say why it is resolved', received: JSON.stringify(input.reason) }] };
  }
  const applied = await store.applyAlertChanges(
    tenant,
    { at: now, by: actor, alerts: [{ op: 'resolve', dedupeKey: stored.dedupeKey, resolvedAt: now, reason: input.reason, notify }] },
    {
      at: now,
      actor,
      action: 'alert.resolve',
      subject: `alert:${stored.id}`,
      before: { state: stored.state },
      after: { state: 'resolved', reason: input.reason },
    },
  );
  const outcome = applied.alerts[0];
  if (outcome?.status === 'resolved') return { status: 'resolved', alert: outcome.alert, notified: applied.notified };
  // Resolved meanwhile (by Pledge or another person): nothing was changed by this call.
  const current = await store.getAlert(tenant, stored.id);
  return current ? { status: 'unchanged', alert: current, notified: 0 } : { status: 'not_found' };
}
