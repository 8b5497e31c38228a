/**
 * The delivery log: the outbox's notifications with their attempts, and replaying one by hand.
 *
 * Invariant: a replay sends the same notification again (same idempotency key, so the same
 * webhook-id or Message-ID, same body): it only makes a delivered, failed or dead notification
 * pending again, due now. One that is pending or being delivered is left alone (`conflict`): it
 * will be delivered anyway. Every replay is audited.
 */
import type {
  NotificationAttempt,
  NotificationFilter,
  NotificationState,
  Page,
  Store,
  StoredNotification,
  TenantId,
} from '../store/types.ts';

export interface NotificationContext {
  store: Store;
  tenant: TenantId;
  now: number;
  actor: string;
}

export async function listNotifications(
  ctx: Pick<NotificationContext, 'store' | 'tenant'>,
  q: { state?: readonly NotificationState[]; channel?: string; alert?: string; after?: string; limit?: number },
): Promise<Page<StoredNotification>> {
  const f: NotificationFilter = {
    ...(q.state && q.state.length > 0 ? { state: q.state } : {}),
    ...(q.channel !== undefined ? { channelId: q.channel } : {}),
    ...(q.alert !== undefined ? { alertId: q.alert } : {}),
    ...(q.after !== undefined ? { after: q.after } : {}),
    ...(q.limit !== undefined ? { limit: q.limit } : {}),
  };
  return ctx.store.listNotifications(ctx.tenant, f);
}

export async function getNotification(
  ctx: Pick<NotificationContext, 'store' | 'tenant'>,
  id: number,
): Promise<{ notification: StoredNotification; attempts: NotificationAttempt[] } | undefined> {
  const notification = await ctx.store.getNotification(ctx.tenant, id);
  if (!notification) return undefined;
  return { notification, attempts: await ctx.store.listNotificationAttempts(ctx.tenant, id) };
}

export type Replayed = { status: 'replayed' | 'conflict'; notification: StoredNotification } | { status: 'not_found' };

export async function replayNotification(ctx: NotificationContext, id: number): Promise<Replayed> {
  const r = await ctx.store.replayNotification(
    ctx.tenant,
    id,
    { at: ctx.now, by: ctx.actor },
    { at: ctx.now, actor: ctx.actor, action: 'notification.replay', subject: `notification:${id}` },
  );
  if (r.status === 'not_found') return r;
  return r.status === 'replayed' ? { status: 'replayed', notification: r.notification } : { status: 'conflict', notification: r.current };
}
