/**
 * Delivery channels and the delivery log over HTTP (docs/api.md "Channels", "Notifications"). An
 * edge over src/app/channels.ts and src/app/notifications.ts.
 *
 * Secrets: a channel's secrets may be sent in clear (over TLS); they are sealed under
 * PLEDGE_SECRET_KEY before they are stored, and no answer ever carries one (redacted; `env:NAME`
 * references are shown, being names). Replacing a channel needs If-Match with its ETag (428
 * without, 412 when stale), as calendars do; creating needs none.
 *
 * Access: channels.read (admin, manager, auditor) and channels.write (admin, manager); customer
 * tokens never reach these routes (the policy refuses them before the handler runs).
 */
import { z } from 'zod';
import { applyChannels, deleteChannel, presentChannel, putChannel, setChannelEnabled, type ChannelContext } from '../../app/channels.ts';
import { getNotification, listNotifications, replayNotification } from '../../app/notifications.ts';
import { presentAttempt, presentNotification } from '../../app/alerts/present.ts';
import { parseSourceText } from '../../core/validation/source.ts';
import { HttpError, invalid } from '../errors.ts';
import {
  compact,
  DOCUMENT_BODY,
  defineOperation,
  header,
  idParam,
  pageQuery,
  parseJsonBody,
  type Call,
  type Deps,
  type Operation,
} from '../operation.ts';
import { ifMatchOf } from './preconditions.ts';
import {
  ChannelDeleted,
  ChannelEnable,
  ChannelList,
  ChannelSchema,
  ChannelsApplied,
  ChannelWrite,
  NotificationDetail,
  NotificationPage,
  NotificationReplayed,
} from '../schemas-alerts.ts';
import { DOCUMENT_MEDIA } from './calendars.ts';

const channelParams = z.strictObject({ id: idParam });
const notificationParams = z.strictObject({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
const disableBody = z.strictObject({ reason: z.string().min(1).max(500).optional() });
const NOTIFICATION_STATES = ['pending', 'claimed', 'delivered', 'failed', 'dead'] as const;
const notificationQuery = z.strictObject({
  state: z.enum(NOTIFICATION_STATES).optional(),
  channel: z.string().min(1).max(100).optional(),
  alert: z.string().min(1).max(200).optional(),
  ...pageQuery,
});

function ctxOf(deps: Deps, c: Call<unknown, unknown>): ChannelContext {
  return {
    store: deps.store,
    tenant: c.principal.tenant,
    now: c.now,
    actor: c.principal.actor,
    ...(deps.config.secretKeys !== undefined ? { secretKeys: deps.config.secretKeys } : {}),
  };
}

/** A YAML or JSON body as a value (syntax errors are 400 naming the line). */
function documentOf(text: string, source: string): unknown {
  const parsed = parseSourceText(text, source);
  if (!parsed.ok) throw new HttpError('malformed_body', parsed.issues[0]?.message ?? 'not YAML or JSON', { issues: parsed.issues });
  return parsed.value.value;
}

export function channelOperations(deps: Deps): Operation[] {
  const { store } = deps;
  return [
    defineOperation({
      method: 'GET',
      url: '/v1/channels',
      operationId: 'listChannels',
      tag: 'channels',
      summary: 'List delivery channels (secrets redacted)',
      action: 'channels.read',
      responses: { 200: { description: '{ items }', schema: ChannelList } },
      async handler(c) {
        return { body: { items: (await store.listChannels(c.principal.tenant)).map(presentChannel) } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/channels/apply',
      operationId: 'applyChannels',
      tag: 'channels',
      summary: 'Create or replace the channels of a channels file',
      description:
        'The file format of docs/alerts.md "Channels" (`channels: [...]`, YAML or JSON); secrets as env:NAME or enc:v1: values only. Checked whole before anything is written; channels not in the file are left as they are.',
      action: 'channels.write',
      body: { media: DOCUMENT_MEDIA, required: true, limit: DOCUMENT_BODY, description: 'A channels file.' },
      responses: { 200: { description: '{ channels: [{ id, result }] }', schema: ChannelsApplied } },
      async handler(c) {
        const r = await applyChannels(ctxOf(deps, c), c.body!, 'channels');
        if (r.status === 'invalid') throw invalid(r.issues, 'body');
        return { body: { channels: r.channels } };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/channels/:id',
      operationId: 'getChannel',
      tag: 'channels',
      summary: 'A channel (secrets redacted), with its ETag',
      action: 'channels.read',
      params: channelParams,
      responses: { 200: { description: 'The channel', schema: ChannelSchema } },
      async handler(c) {
        const ch = await store.getChannel(c.principal.tenant, c.params.id);
        if (!ch) throw new HttpError('not_found', `no channel ${c.params.id}`);
        return { body: presentChannel(ch), headers: { etag: ch.etag } };
      },
    }),
    defineOperation({
      method: 'PUT',
      url: '/v1/channels/:id',
      operationId: 'putChannel',
      tag: 'channels',
      summary: 'Create or replace a channel',
      description:
        'One channel as in a channels file (kind, audience, description, enabled, settings); its id is the path. Secrets may be given in clear when the server has PLEDGE_SECRET_KEY: they are encrypted before they are stored. Replacing needs If-Match.',
      action: 'channels.write',
      params: channelParams,
      headers: [{ name: 'If-Match', description: 'The ETag of the channel being replaced.' }],
      body: { media: DOCUMENT_MEDIA, required: true, limit: DOCUMENT_BODY, description: 'A channel (YAML or JSON).' },
      responses: {
        200: { description: 'Replaced (or unchanged): { result, channel }', schema: ChannelWrite },
        201: { description: 'Created: { result, channel }', schema: ChannelWrite },
      },
      errors: { 412: 'precondition_failed: If-Match is stale', 428: 'precondition_required: a replacement without If-Match' },
      async handler(c) {
        const value = c.media === 'application/json' ? parseJsonBody(z.unknown(), c.body) : documentOf(c.body!, `channels/${c.params.id}`);
        const current = await store.getChannel(c.principal.tenant, c.params.id);
        const ifMatch = ifMatchOf(header(c, 'if-match'), current?.etag);
        const r = await putChannel(ctxOf(deps, c), {
          id: c.params.id,
          body: value,
          ...compact({ ifMatch }),
          requireIfMatch: true,
          plainSecrets: true,
        });
        switch (r.status) {
          case 'invalid':
            throw invalid(r.issues, 'body');
          case 'precondition_required':
            throw new HttpError('precondition_required', `channel ${c.params.id} exists: send If-Match with its ETag to replace it`, {
              etag: r.current.etag,
            });
          case 'stale':
            throw new HttpError(
              'precondition_failed',
              r.current ? `channel ${c.params.id} has changed since it was read` : `channel ${c.params.id} does not exist`,
              compact({ etag: r.current?.etag }),
            );
          default:
            return {
              status: r.status === 'created' ? 201 : 200,
              body: { result: r.status, channel: presentChannel(r.channel) },
              headers: { etag: r.channel.etag },
            };
        }
      },
    }),
    defineOperation({
      method: 'DELETE',
      url: '/v1/channels/:id',
      operationId: 'deleteChannel',
      tag: 'channels',
      summary: 'Delete a channel',
      description: 'If-Match is optional; when given it must be the current ETag. Notifications queued for it fail (the channel is gone).',
      action: 'channels.write',
      params: channelParams,
      headers: [{ name: 'If-Match', description: 'The ETag of the channel being deleted.' }],
      responses: { 200: { description: '{ result, id }', schema: ChannelDeleted } },
      errors: { 412: 'precondition_failed: If-Match is stale' },
      async handler(c) {
        const current = await store.getChannel(c.principal.tenant, c.params.id);
        const ifMatch = ifMatchOf(header(c, 'if-match'), current?.etag);
        const r = await deleteChannel(ctxOf(deps, c), c.params.id, ifMatch);
        if (r === 'not_found') throw new HttpError('not_found', `no channel ${c.params.id}`);
        if (r === 'stale') throw new HttpError('precondition_failed', `channel ${c.params.id} has changed since it was read`, {});
        return { body: { result: 'deleted' as const, id: c.params.id } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/channels/:id/enable',
      operationId: 'enableChannel',
      tag: 'channels',
      summary: 'Enable a channel (e.g. after a 410 disabled it)',
      action: 'channels.write',
      params: channelParams,
      responses: { 200: { description: '{ result, channel }', schema: ChannelEnable } },
      async handler(c) {
        const r = await setChannelEnabled(ctxOf(deps, c), c.params.id, true);
        if (r.status === 'not_found') throw new HttpError('not_found', `no channel ${c.params.id}`);
        return { body: { result: r.status, channel: presentChannel(r.channel) } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/channels/:id/disable',
      operationId: 'disableChannel',
      tag: 'channels',
      summary: 'Disable a channel: it is sent nothing until enabled',
      action: 'channels.write',
      params: channelParams,
      body: { media: ['application/json'], schema: disableBody, required: false },
      responses: { 200: { description: '{ result, channel }', schema: ChannelEnable } },
      async handler(c) {
        const body = c.body === undefined || c.body.trim() === '' ? {} : parseJsonBody(disableBody, c.body);
        const r = await setChannelEnabled(ctxOf(deps, c), c.params.id, false, body.reason ?? `disabled by ${c.principal.actor}`);
        if (r.status === 'not_found') throw new HttpError('not_found', `no channel ${c.params.id}`);
        return { body: { result: r.status, channel: presentChannel(r.channel) } };
      },
    }),

    defineOperation({
      method: 'GET',
      url: '/v1/notifications',
      operationId: 'listNotifications',
      tag: 'channels',
      summary: 'The delivery log: notifications by state, channel or alert',
      action: 'channels.read',
      query: notificationQuery,
      responses: { 200: { description: 'A page of notifications: { items, next? }', schema: NotificationPage } },
      async handler(c) {
        const q = c.query;
        const page = await listNotifications(
          { store, tenant: c.principal.tenant },
          compact({ state: q.state ? [q.state] : undefined, channel: q.channel, alert: q.alert, after: q.after, limit: q.limit }),
        );
        return { body: compact({ items: page.items.map(presentNotification), next: page.next }) };
      },
    }),
    defineOperation({
      method: 'GET',
      url: '/v1/notifications/:id',
      operationId: 'getNotification',
      tag: 'channels',
      summary: 'A notification with its delivery attempts',
      action: 'channels.read',
      params: notificationParams,
      responses: { 200: { description: '{ notification, attempts }', schema: NotificationDetail } },
      async handler(c) {
        const r = await getNotification({ store, tenant: c.principal.tenant }, c.params.id);
        if (!r) throw new HttpError('not_found', `no notification ${c.params.id}`);
        return { body: { notification: presentNotification(r.notification), attempts: r.attempts.map(presentAttempt) } };
      },
    }),
    defineOperation({
      method: 'POST',
      url: '/v1/notifications/:id/replay',
      operationId: 'replayNotification',
      tag: 'channels',
      summary: 'Send a delivered, failed or dead notification again, with the same idempotency key',
      description:
        'Receivers see the same webhook-id / Message-ID and body. One that is pending or being delivered is 409: it will be delivered anyway.',
      action: 'channels.write',
      params: notificationParams,
      responses: { 200: { description: '{ result, notification }', schema: NotificationReplayed } },
      errors: { 409: 'conflict: the notification is pending or being delivered' },
      async handler(c) {
        const r = await replayNotification({ store, tenant: c.principal.tenant, now: c.now, actor: c.principal.actor }, c.params.id);
        if (r.status === 'not_found') throw new HttpError('not_found', `no notification ${c.params.id}`);
        if (r.status === 'conflict')
          throw new HttpError('conflict', `notification ${c.params.id} is ${r.notification.state}: it will be delivered anyway`, {
            state: r.notification.state,
          });
        return { body: { result: 'replayed' as const, notification: presentNotification(r.notification) } };
      },
    }),
  ] as Operation[];
}
